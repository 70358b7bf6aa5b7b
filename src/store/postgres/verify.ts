import type pg from "pg";
import { importBatchRefSchema, parseAuditEvent, type AuditEvent } from "../../domain/audit-events.js";
import { AuditCopy, type CopyReader } from "../audit-copy/audit-copy.js";
import { decodeLine, GENESIS_HASH, sha256Hex } from "../core/event-codec.js";
import { EMPTY_LOG, type VerifyProblem, type VerifyResult } from "../core/verify-result.js";
import { describeDatabase, withOwnClient } from "./connection.js";
import { schemaRefusal, schemaState } from "./schema.js";

// audit:verify --database-url: the same checks as for a runtime directory, on audit_events:
// every row's line (schema, hash, canonical form), that it is the row's seq, the sequence
// numbers, the chain from the genesis hash, the base tickets against the seq-0 event, and every
// import batch against its event. Reads only (one REPEATABLE READ transaction); safe while
// servers are running. Given a runtime directory, it also compares the machine's local copy of
// the log (audit-copies/<storeId>.jsonl) with the database, line by line.

/** The database holds no initialized store (no schema, or no store row). */
export class DatabaseNotInitializedError extends Error {
  override readonly name = "DatabaseNotInitializedError";
}

const PAGE = 5_000;

export interface VerifyDatabaseOptions {
  /** A runtime directory whose local copy of this store's log is compared with the database. */
  readonly copyRoot?: string | undefined;
}

export async function verifyDatabaseAudit(
  url: string,
  options: VerifyDatabaseOptions = {},
): Promise<VerifyResult> {
  const where = describeDatabase(url);
  return withOwnClient(url, async (client) => {
    const schema = await schemaState(client);
    if (schema.kind === "empty")
      throw new DatabaseNotInitializedError(`${where} holds no triage store (no triage tables).`);
    const refusal = schemaRefusal(schema, where);
    if (refusal !== undefined) throw new DatabaseNotInitializedError(refusal);
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
      return await verifyRows(client, where, options.copyRoot);
    } finally {
      await client.query("ROLLBACK").catch(() => undefined);
    }
  });
}

/** The checks, on `client`'s transaction (also run by a runtime copy before its COMMIT). */
export async function verifyRows(
  client: pg.ClientBase,
  where: string,
  copyRoot?: string,
): Promise<VerifyResult> {
  const store = await client.query<{ store_id: string; base_body: string }>(
    "SELECT store_id, base_body FROM triage_store",
  );
  const row = store.rows[0];
  if (row === undefined)
    throw new DatabaseNotInitializedError(`${where} is not initialized (triage_store is empty).`);
  const { store_id: storeId, base_body: baseBody } = row;
  let expected = 0;
  let prevHash = GENESIS_HASH;
  let position = 0;
  const fail = (seq: number, problem: VerifyProblem, detail: string): VerifyResult => ({
    ok: false,
    seq,
    line: position,
    problem,
    detail,
  });
  let copy: CopyReader | undefined;
  try {
    copy = copyRoot === undefined ? undefined : AuditCopy.reader(copyRoot, storeId);
  } catch (error) {
    return fail(0, "copy-differs", `the local copy of the log cannot be read: ${(error as Error).message}`);
  }
  try {
    return await verifyChain();
  } finally {
    copy?.close();
  }

  async function verifyChain(): Promise<VerifyResult> {
    for (;;) {
      const { rows } = await client.query<{ seq: string; line: string }>(
        "SELECT seq, line FROM audit_events WHERE seq >= $1 ORDER BY seq LIMIT $2",
        [expected, PAGE],
      );
      for (const r of rows) {
        position++;
        const seq = Number(r.seq);
        if (seq !== expected)
          return fail(expected, "removed", `seq ${expected} is missing: the next row is seq ${seq}`);
        const decoded = decodeLine(r.line);
        if (!decoded.ok)
          return fail(seq, decoded.problem === "unparseable" ? "invalid" : decoded.problem, decoded.detail);
        const event = decoded.event;
        if (event.seq !== seq)
          return fail(seq, "reordered", `the row of seq ${seq} holds the line of seq ${event.seq}`);
        if (event.prevHash !== prevHash) {
          return fail(
            seq,
            "chain-broken",
            seq === 0
              ? "seq 0 does not start from the genesis hash"
              : `its prevHash is not the hash of seq ${seq - 1}: an earlier event was replaced`,
          );
        }
        if (copy !== undefined && seq < copy.count && copy.lineAt(seq) !== r.line) {
          return fail(
            seq,
            "copy-differs",
            `the local copy ${copy.file} holds another line for seq ${seq}: the database's log was rewritten ` +
              "or restored from a backup, or the copy was changed",
          );
        }
        const problem =
          seq === 0 ? firstEventProblem(event, storeId, baseBody) : await batchProblem(client, event);
        if (problem !== undefined) return fail(seq, problem.problem, problem.detail);
        prevHash = event.hash;
        expected++;
      }
      if (rows.length < PAGE) break;
    }
    if (expected === 0) return EMPTY_LOG;
    if (copy !== undefined && copy.count > expected) {
      return fail(
        expected,
        "copy-differs",
        `the local copy ${copy.file} holds ${copy.count} events, the database ${expected}: the database's log was ` +
          "restored from an older backup or cut, or the copy was changed",
      );
    }
    return {
      ok: true,
      events: expected,
      headHash: prevHash,
      ...(copy === undefined ? {} : { copy: { file: copy.file, events: copy.count } }),
    };
  }
}

function firstEventProblem(
  event: AuditEvent,
  storeId: string,
  baseBody: string,
): { problem: VerifyProblem; detail: string } | undefined {
  const typed = parseAuditEvent(event);
  if (!("event" in typed) || typed.event.action !== "runtime-initialized") {
    const why = "problem" in typed ? typed.problem : `it is ${event.action}`;
    return {
      problem: "invalid",
      detail: `seq 0 must be runtime-initialized with its store id and base hash: ${why}`,
    };
  }
  if (typed.event.data.storeId !== storeId)
    return { problem: "invalid", detail: "seq 0 belongs to another store than triage_store" };
  if (typed.event.data.baseSha256 !== sha256Hex(baseBody)) {
    return {
      problem: "base-altered",
      detail: "the base tickets in triage_store do not match the hash recorded at seq 0",
    };
  }
  return undefined;
}

async function batchProblem(
  client: pg.ClientBase,
  event: AuditEvent,
): Promise<{ problem: VerifyProblem; detail: string } | undefined> {
  if (event.action !== "tickets-imported") return undefined;
  const batch = importBatchRefSchema.safeParse(event.data?.batch);
  if (!batch.success) return { problem: "invalid", detail: "its data.batch does not name a batch" };
  const { rows } = await client.query<{ body: string }>("SELECT body FROM import_batches WHERE file = $1", [
    batch.data.file,
  ]);
  const body = rows[0]?.body;
  if (body === undefined)
    return {
      problem: "batch-missing",
      detail: `${batch.data.file}, the batch of its imported tickets, is missing from import_batches`,
    };
  if (sha256Hex(body) !== batch.data.sha256) {
    return {
      problem: "batch-altered",
      detail: `${batch.data.file} does not match the sha256 recorded in the event: the imported tickets were modified`,
    };
  }
  return undefined;
}
