import { createHash } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import type { AuditEvent } from "../../domain/audit-events.js";
import type { Ticket } from "../../domain/schemas.js";
import { encodeBatch, newBatchName, validateBatchTickets } from "../core/batch-codec.js";
import { sha256Hex } from "../core/event-codec.js";
import { unavailable } from "../core/transaction.js";
import type { StagedImportBatch } from "../types.js";
import type { BatchContext } from "./events.js";

// The tickets of each import, as rows of import_batches (the file store's imports/ files): a batch
// is staged (written with no committed_seq), used by exactly one tickets-imported event (marked
// with its seq in that event's transaction), and removed when no event used it within a minute.

/** A staged batch no event uses is removed once this old (writers on other hosts cannot be asked). */
const ORPHAN_GRACE_SECONDS = 60;

const WRITER_TAG = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);

/** A batch ready to be written: its name and checksum, and its exact bytes. */
export interface EncodedBatch {
  readonly batch: StagedImportBatch;
  readonly body: string;
}

/** Validates and encodes `tickets` as a new batch, and stages them in `batches` for the reducer's check. */
export function encodeImportBatch(tickets: readonly Ticket[], batches: BatchContext): EncodedBatch {
  const parsed = validateBatchTickets(tickets);
  const parts: string[] = [];
  encodeBatch(parsed, (chunk) => parts.push(chunk));
  const body = parts.join("");
  const batch = {
    file: `imports/${newBatchName(WRITER_TAG)}`,
    sha256: sha256Hex(body),
    count: parsed.length,
  };
  batches.stage(batch.file, batch.sha256, parsed);
  return { batch, body };
}

export async function insertBatch(client: pg.ClientBase, { batch, body }: EncodedBatch): Promise<void> {
  await client.query(
    "INSERT INTO import_batches (file, sha256, ticket_count, body) VALUES ($1, $2, $3, $4)",
    [batch.file, batch.sha256, batch.count, body],
  );
}

/** Removes a batch no event uses; false when an event uses it (it stays). */
export async function deleteUnusedBatch(client: pg.ClientBase, file: string): Promise<boolean> {
  await client.query("DELETE FROM import_batches WHERE file = $1 AND committed_seq IS NULL", [file]);
  const kept = await client.query("SELECT 1 FROM import_batches WHERE file = $1", [file]);
  return kept.rowCount === 0;
}

/** The batch a tickets-imported draft names (unless it is `staged` here), fetched for the reducer's check. */
export async function fetchBatchOf(
  client: pg.ClientBase,
  batches: BatchContext,
  data: Record<string, unknown> | undefined,
  staged: string | undefined,
): Promise<void> {
  const file = (data?.batch as { file?: unknown } | undefined)?.file;
  if (typeof file === "string" && staged !== file) await batches.fetch(client, [file]);
}

/** Marks the batch of a tickets-imported event as used by it (in the event's transaction). */
export async function markBatchCommitted(client: pg.ClientBase, event: AuditEvent): Promise<void> {
  const file = (event.data?.batch as { file: string }).file;
  const marked = await client.query(
    "UPDATE import_batches SET committed_seq = $1 WHERE file = $2 AND committed_seq IS NULL",
    [event.seq, file],
  );
  if (marked.rowCount !== 1) {
    throw unavailable(
      `Nothing was imported: the batch ${file} is gone or already used. Stage the batch again and retry.`,
    );
  }
}

/** Removes batches no event used within the grace time; returns how many. */
export async function removeOrphanBatches(client: pg.ClientBase): Promise<number> {
  const removed = await client.query(
    `DELETE FROM import_batches WHERE committed_seq IS NULL AND staged_at < now() - make_interval(secs => $1)`,
    [ORPHAN_GRACE_SECONDS],
  );
  return removed.rowCount ?? 0;
}
