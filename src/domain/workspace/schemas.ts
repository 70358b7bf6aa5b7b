import { z } from "zod";
import { APPROVABLE_FIELDS, type ApprovableField } from "../enums.js";
import type { Vocabulary } from "./workspace.js";

// The workspace's values as zod schemas. Tools publish and check them (an enum per list, from the
// file); stored data is read with the open vocabulary (any string of a sane size) and checked
// against the workspace at start, so a value the file no longer knows is found there, by name.

type ValueSchema = z.ZodType<string, string>;

export interface VocabularySchemas {
  readonly category: ValueSchema;
  readonly priority: ValueSchema;
  readonly team: ValueSchema;
  readonly status: ValueSchema;
  readonly plan: ValueSchema;
  readonly approvableField: z.ZodType<ApprovableField, ApprovableField>;
}

/** Enums of the workspace's ids: what tools accept and publish. */
export function vocabularySchemas(vocabulary: Vocabulary): VocabularySchemas {
  return {
    category: z.enum(vocabulary.categories),
    priority: z.enum(vocabulary.priorities),
    team: z.enum(vocabulary.teams),
    status: z.enum(vocabulary.statuses),
    plan: z.enum(vocabulary.plans),
    approvableField: z.enum(vocabulary.approvableFields),
  };
}

const storedValue = z.string().min(1).max(60);

/**
 * Stored data: any value of a sane size. Which values are valid is the workspace's call, made at
 * the boundary (tool inputs, imports, the seed) and at start for what is already stored.
 */
export const STORED_VOCABULARY: VocabularySchemas = {
  category: storedValue,
  priority: storedValue,
  team: storedValue,
  status: storedValue,
  plan: z.string().max(60),
  approvableField: z.enum(APPROVABLE_FIELDS),
};
