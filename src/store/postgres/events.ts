import type pg from "pg";
import type { AuditEvent } from "../../domain/audit-events.js";
import type { Ticket } from "../../domain/schemas.js";
import { applyEvent } from "../core/apply.js";
import { decodeBatch } from "../core/batch-codec.js";
import { decodeLine } from "../core/event-codec.js";
import type { BatchRead, ReducerContext } from "../core/reducer.js";
import type { StoreState } from "../core/state.js";
import { deepFreeze } from "../core/sorted.js";
import { unavailable } from "../core/transaction.js";

// Reading audit_events back: folding the rows after the state's last seq into the state (the
// catch-up every request and every commit starts with), and reading events for
// listAuditEvents/getAuditEvent. Every line is checked as the file store checks its log: the
// schema and its own hash, and that it continues the chain. The batches of tickets-imported
// events are fetched before the fold, since reducers read synchronously.

const PAGE = 5_000;

/** Import batches for the reducer: fetched ahead of the fold, or staged by this process. */
export class BatchContext implements ReducerContext {
  private readonly bodies = new Map<string, string>();
  private staged: { file: string; sha256: string; tickets: readonly Ticket[] } | undefined;

  /** The tickets of a batch this process is committing, so the check does not parse them again. */
  stage(file: string, sha256: string, tickets: readonly Ticket[]): void {
    this.staged = { file, sha256, tickets };
  }

  forget(): void {
    this.staged = undefined;
    this.bodies.clear();
  }

  async fetch(client: pg.ClientBase, files: readonly string[]): Promise<void> {
    const missing = files.filter((f) => !this.bodies.has(f) && this.staged?.file !== f);
    if (missing.length === 0) return;
    const { rows } = await client.query<{ file: string; body: string }>(
      "SELECT file, body FROM import_batches WHERE file = ANY($1)",
      [missing],
    );
    for (const row of rows) this.bodies.set(row.file, row.body);
  }

  readBatch(file: string, sha256: string): BatchRead {
    const staged = this.staged;
    if (staged !== undefined && staged.file === file && staged.sha256 === sha256)
      return { tickets: staged.tickets };
    const body = this.bodies.get(file);
    if (body === undefined)
      return { problem: `import batch ${file} is missing from import_batches`, damaged: true };
    return decodeBatch(file, body, sha256);
  }
}

/** A damaged row: the store stops rather than fold past it. */
function damaged(seq: number, detail: string): Error {
  return unavailable(
    `Audit event seq ${seq} in audit_events cannot be used (${detail}). Nothing more is read or written until it is repaired; ` +
      `run \`npm run audit:verify -- --database-url URL\` for details.`,
    { seq },
  );
}

/** Decodes a stored row and checks it is event `seq`. */
export function decodeRow(seq: number, line: string): AuditEvent {
  const decoded = decodeLine(line, "fast");
  if (!decoded.ok) throw damaged(seq, decoded.detail);
  if (decoded.event.seq !== seq) throw damaged(seq, `its line holds seq ${decoded.event.seq}`);
  return decoded.event;
}

/**
 * Folds every event after `state.lastSeq` into the state; returns how many. `warn` hears about
 * inconsistent events (skipped, as the file store skips them); `folded` gets each page's lines
 * once they are in the state (the local copy of the log).
 */
export async function foldNewEvents(
  client: pg.ClientBase,
  state: StoreState,
  batches: BatchContext,
  warn: (message: string) => void,
  folded?: (lines: readonly { seq: number; line: string }[]) => void,
): Promise<number> {
  let count = 0;
  for (;;) {
    const { rows } = await client.query<{ seq: string; line: string }>(
      "SELECT seq, line FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2",
      [state.lastSeq, PAGE],
    );
    const events = rows.map((row) => decodeRow(Number(row.seq), row.line));
    const files = events.flatMap((e) =>
      e.action === "tickets-imported"
        ? [String((e.data?.batch as { file?: unknown } | undefined)?.file)]
        : [],
    );
    await batches.fetch(client, files);
    for (const event of events) {
      if (event.seq !== state.lastSeq + 1)
        throw damaged(state.lastSeq + 1, `seq ${event.seq} follows seq ${state.lastSeq}`);
      if (event.prevHash !== state.lastHash)
        throw damaged(event.seq, `its prevHash is not the hash of seq ${state.lastSeq}`);
      applyEvent(state, event, batches, warn);
      count++;
    }
    folded?.(rows.map((row, i) => ({ seq: (events[i] as AuditEvent).seq, line: row.line })));
    if (files.length > 0) batches.forget();
    if (rows.length < PAGE) return count;
  }
}

/** The stored lines of events `from` to `to`, in seq order (at most PAGE of them). */
export async function readLines(
  client: pg.ClientBase,
  from: number,
  to: number,
): Promise<{ seq: number; line: string }[]> {
  const { rows } = await client.query<{ seq: string; line: string }>(
    "SELECT seq, line FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3",
    [from, to, PAGE],
  );
  return rows.map((row) => ({ seq: Number(row.seq), line: row.line }));
}

/** Events `seqs`, read back and validated, in the order given; frozen, as every read hands out. */
export async function readEvents(
  client: pg.ClientBase | pg.Pool,
  seqs: readonly number[],
): Promise<AuditEvent[]> {
  if (seqs.length === 0) return [];
  const { rows } = await client.query<{ seq: string; line: string }>(
    "SELECT seq, line FROM audit_events WHERE seq = ANY($1::bigint[])",
    [seqs],
  );
  const bySeq = new Map(rows.map((r) => [Number(r.seq), r.line]));
  return seqs.map((seq) => {
    const line = bySeq.get(seq);
    if (line === undefined) throw damaged(seq, "the row is missing");
    return deepFreeze(decodeRow(seq, line));
  });
}
