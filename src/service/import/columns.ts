import { ImportRequestError } from "./errors.js";
import { foldKey } from "./values.js";

// Which column of an export feeds which ticket field. Defaults cover the usual helpdesk export
// headers; `--map column=field` overrides them. Headers match case-, space- and
// separator-insensitively ("Created_At", "created at" and "created-at" are one header).

export const IMPORT_FIELDS = [
  "subject",
  "description",
  "status",
  "priority",
  "category",
  "team",
  "tags",
  "createdAt",
  "updatedAt",
  "externalId",
  "customer",
  "plan",
  "region",
  "vip",
  "email",
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/** Header names each field is looked for under, most specific first (the first present wins). */
export const DEFAULT_COLUMNS: Readonly<Record<ImportField, readonly string[]>> = {
  subject: ["subject", "title", "summary"],
  description: ["description", "body", "details", "content"],
  status: ["status", "state"],
  priority: ["priority", "urgency"],
  category: ["category"],
  team: ["team", "group", "queue"],
  tags: ["tags", "labels"],
  createdAt: ["created at", "created", "created date", "creation date", "date"],
  updatedAt: ["updated at", "updated", "updated date", "last updated", "modified"],
  externalId: ["external id", "ticket id", "id", "key", "number", "ticket number"],
  customer: [
    "customer name",
    "customer",
    "requester name",
    "requester",
    "organization name",
    "organization",
    "company name",
    "company",
  ],
  plan: ["plan", "customer plan", "tier"],
  region: ["region", "customer region"],
  vip: ["vip", "customer vip"],
  email: ["email", "customer email", "requester email"],
};

/** One `--map column=field`; `field` null ignores the column. */
export interface ColumnOverride {
  readonly column: string;
  readonly field: ImportField | null;
}

const IGNORE = new Set(["ignore", "-", "none"]);
const FIELD_BY_KEY = new Map<string, ImportField>(IMPORT_FIELDS.map((f) => [f.toLowerCase(), f]));
// customer.name etc. read naturally next to the nested JSON keys.
for (const sub of ["plan", "region", "vip", "email"] as const) FIELD_BY_KEY.set(`customer.${sub}`, sub);
FIELD_BY_KEY.set("customer.name", "customer");

/** Parses one `--map` value: `column=field` (the column may itself contain "="; the last one splits). */
export function parseColumnOverride(spec: string): ColumnOverride {
  const at = spec.lastIndexOf("=");
  const column = at === -1 ? "" : spec.slice(0, at).trim();
  const fieldName = at === -1 ? "" : spec.slice(at + 1).trim();
  if (column === "" || fieldName === "") {
    throw new ImportRequestError(
      "INVALID_INPUT",
      `--map "${spec}" is not column=field. Fields: ${IMPORT_FIELDS.join(", ")} (or ignore).`,
    );
  }
  if (IGNORE.has(fieldName.toLowerCase())) return { column, field: null };
  const field = FIELD_BY_KEY.get(fieldName.toLowerCase());
  if (field === undefined) {
    throw new ImportRequestError(
      "INVALID_INPUT",
      `--map "${spec}": "${fieldName}" is not a ticket field. Fields: ${IMPORT_FIELDS.join(", ")} (or ignore).`,
    );
  }
  return { column, field };
}

export type ColumnSource = "default" | "map";

export interface ColumnReport {
  readonly column: string;
  /** The field it feeds, or null (not used). */
  readonly field: ImportField | null;
  /** Why: a default header name, a --map, or (when unused) why not. */
  readonly by: ColumnSource | "ignored" | "unmapped" | "shadowed";
}

export interface ColumnMapping {
  /** Field -> column index. */
  readonly fields: ReadonlyMap<ImportField, number>;
  readonly columns: readonly ColumnReport[];
}

/**
 * Decides the column of each field. Overrides first (a field mapped by --map takes no default
 * column; an overridden column feeds only what --map says), then each field's default header
 * names in order. Throws INVALID_INPUT for an override naming a column the file does not have,
 * or two overrides for one field.
 */
export function resolveColumns(
  columns: readonly string[],
  overrides: readonly ColumnOverride[],
): ColumnMapping {
  const keys = columns.map(foldKey);
  const fields = new Map<ImportField, number>();
  const byColumn = new Map<number, ColumnReport["by"]>();
  for (const o of overrides) {
    const index = keys.indexOf(foldKey(o.column));
    if (index === -1) {
      throw new ImportRequestError(
        "INVALID_INPUT",
        `--map names the column "${o.column}", which the file does not have. Columns: ${columns.map((c) => JSON.stringify(c)).join(", ")}.`,
      );
    }
    if (o.field === null) {
      byColumn.set(index, "ignored");
      continue;
    }
    if (fields.has(o.field)) {
      throw new ImportRequestError(
        "INVALID_INPUT",
        `--map gives the field ${o.field} two columns; give it one.`,
      );
    }
    fields.set(o.field, index);
    byColumn.set(index, "map");
  }
  for (const field of IMPORT_FIELDS) {
    if (fields.has(field)) continue;
    for (const name of DEFAULT_COLUMNS[field]) {
      const index = keys.findIndex((k, i) => k === name && !byColumn.has(i));
      if (index !== -1) {
        fields.set(field, index);
        byColumn.set(index, "default");
        break;
      }
    }
  }
  const fieldOf = new Map([...fields].map(([f, i]) => [i, f]));
  const report = columns.map((column, i): ColumnReport => {
    const field = fieldOf.get(i) ?? null;
    const by = byColumn.get(i);
    if (field !== null && (by === "default" || by === "map")) return { column, field, by };
    if (by === "ignored") return { column, field: null, by };
    // Another column with the same header (after folding) took the field.
    const twin = keys.findIndex((k, j) => j !== i && k === keys[i] && fieldOf.has(j));
    return { column, field: null, by: twin === -1 ? "unmapped" : "shadowed" };
  });
  return { fields, columns: report };
}
