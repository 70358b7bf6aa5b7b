import { join, resolve } from "node:path";
import { z } from "zod";
import { isoDateTimeSchema } from "../../domain/schemas.js";
import { uuidSchema } from "../../domain/ids.js";

/** Files of a runtime directory. See docs/architecture.md for what each one means. */
export interface Layout {
  readonly root: string;
  readonly manifest: string;
  readonly baseDir: string;
  readonly baseTickets: string;
  readonly auditLog: string;
  readonly journalDir: string;
  readonly quarantineDir: string;
  readonly snapshotsDir: string;
  /** Batch files of `tickets-imported` events (see imports.ts). */
  readonly importsDir: string;
  /** One record per running server process (see presence.ts). */
  readonly presenceDir: string;
  /** proper-lockfile's lock target (never created) and its lock directory. */
  readonly lockTarget: string;
  readonly lockDir: string;
}

export function layoutOf(dataRoot: string): Layout {
  const root = resolve(dataRoot);
  const journalDir = join(root, "journal");
  return {
    root,
    manifest: join(root, "store.json"),
    baseDir: join(root, "base"),
    baseTickets: join(root, "base", "tickets.json"),
    auditLog: join(root, "audit.jsonl"),
    journalDir,
    quarantineDir: join(journalDir, "quarantine"),
    snapshotsDir: join(root, "snapshots"),
    importsDir: join(root, "imports"),
    presenceDir: join(root, "presence"),
    lockTarget: join(root, "store"),
    lockDir: join(root, "store.lock"),
  };
}

export const STORE_FORMAT = 1;

export const manifestSchema = z.object({
  format: z.literal(STORE_FORMAT),
  storeId: uuidSchema,
  createdAt: isoDateTimeSchema,
  /** sha256 of base/tickets.json; also recorded in the seq-0 event, so the chain covers it. */
  baseSha256: z.string().regex(/^[0-9a-f]{64}$/),
  tickets: z.number().int().nonnegative(),
  seed: z.record(z.string(), z.unknown()),
});
export type Manifest = z.infer<typeof manifestSchema>;
