import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AuditEvent } from "../domain/audit-events.js";
import { importBatchRefSchema } from "../domain/audit-events.js";
import type { Ticket } from "../domain/schemas.js";
import { applyEvent } from "./core/apply.js";
import { decodeBatch } from "./core/batch-codec.js";
import { decodeLine } from "./core/event-codec.js";
import type { BatchRead } from "./core/reducer.js";
import { StoreState } from "./core/state.js";
import { unavailable } from "./core/transaction.js";
import { StateView } from "./core/view.js";
import { openFileStore } from "./file/file-store.js";
import { layoutOf, manifestSchema } from "./file/layout.js";
import { livePresences } from "./file/presence.js";
import { verifyAuditLog } from "./file/verify.js";
import { describeDatabase, storeErrorOf, withOwnClient } from "./postgres/connection.js";
import { LOCK_CLASS, migrate, schemaRefusal, schemaState, SETUP_LOCK } from "./postgres/schema.js";
import { insertEvents, upsertHandoffs, upsertRecommendations, upsertTickets } from "./postgres/tables.js";
import { verifyRows } from "./postgres/verify.js";

// `db import --from-runtime DIR`: moves a team's file runtime into an empty database. The base
// tickets (their exact bytes), every audit line as written (so the hash chain is the same chain),
// the import batches and the store's identity are copied in one SQL transaction; the query tables
// are filled from a fold of the same events by the core reducer. The chain is verified inside
// that transaction, before COMMIT: a copy that does not verify leaves the database empty.

export class RuntimeCopyRefused extends Error {
  override readonly name = "RuntimeCopyRefused";
}

export interface CopyResult {
  readonly database: string;
  readonly events: number;
  readonly tickets: number;
  readonly batches: number;
  readonly headHash: string;
}

interface RuntimeContents {
  readonly manifest: ReturnType<typeof manifestSchema.parse>;
  readonly baseBody: string;
  readonly lines: readonly string[];
  readonly events: readonly AuditEvent[];
  readonly batches: ReadonlyMap<string, { sha256: string; count: number; body: string; seq: number }>;
  readonly state: StoreState;
}

/** Reads a runtime directory that no server is using, checked as audit:verify checks it. */
async function readRuntime(dataRoot: string): Promise<RuntimeContents> {
  const layout = layoutOf(dataRoot);
  if (!existsSync(layout.manifest))
    throw new RuntimeCopyRefused(`${layout.root} is not a triage runtime (no store.json).`);
  const live = livePresences(layout);
  if (live.length > 0) {
    const who = live.map((p) => `pid ${p.pid} on ${p.hostname}`).join(", ");
    throw new RuntimeCopyRefused(
      `${layout.root} is in use (${who}): stop its servers and commands first, so nothing is committed after the copy.`,
    );
  }
  // Opening the store settles an interrupted commit (its journal) the way a server start would.
  const store = await openFileStore({
    dataRoot,
    seed: () => {
      throw new RuntimeCopyRefused(`${layout.root} is not initialized.`);
    },
    logger: { info: () => undefined, warn: () => undefined },
    snapshotEvery: 0,
  });
  await store.close();
  const verified = verifyAuditLog(dataRoot);
  if (!verified.ok) {
    throw new RuntimeCopyRefused(
      `the audit log of ${layout.root} does not verify (seq ${verified.seq}: ${verified.problem}: ${verified.detail}). ` +
        `Run audit:verify --data-root ${layout.root} and repair it before moving it.`,
    );
  }
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(layout.manifest, "utf8")));
  const baseBody = readFileSync(layout.baseTickets, "utf8");
  const lines = readFileSync(layout.auditLog, "utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  const events = lines.map((line) => {
    const decoded = decodeLine(line, "fast");
    if (!decoded.ok)
      throw new RuntimeCopyRefused(`an audit line of ${layout.root} cannot be read: ${decoded.detail}`);
    return decoded.event;
  });
  const batches = new Map<string, { sha256: string; count: number; body: string; seq: number }>();
  for (const event of events) {
    if (event.action !== "tickets-imported") continue;
    const ref = importBatchRefSchema.parse(event.data?.batch);
    batches.set(ref.file, {
      ...ref,
      body: readFileSync(join(layout.root, ref.file), "utf8"),
      seq: event.seq,
    });
  }
  // The state the query tables show: the same fold every store does.
  const state = StoreState.fromBase(JSON.parse(baseBody) as Ticket[]);
  const context = {
    readBatch: (file: string, sha256: string): BatchRead => {
      const batch = batches.get(file);
      return batch === undefined
        ? { problem: `import batch ${file} is missing`, damaged: true }
        : decodeBatch(file, batch.body, sha256);
    },
  };
  for (const event of events) applyEvent(state, event, context, () => undefined);
  return { manifest, baseBody, lines, events, batches, state };
}

/** Audit events per INSERT between two progress reports of a copy. */
const COPY_SLICE = 25_000;

/**
 * Copies the runtime at `dataRoot` into the empty database at `url`. `progress` hears each phase
 * (one line each, no newline): a runtime of 200,000 events takes about a minute.
 */
export async function copyRuntimeToDatabase(
  dataRoot: string,
  url: string,
  progress: (line: string) => void = () => undefined,
): Promise<CopyResult> {
  const clock = performance.now();
  const elapsed = (): string => `${((performance.now() - clock) / 1000).toFixed(1)} s`;
  progress(`reading ${dataRoot}: settling it, verifying its audit chain, folding its events`);
  const source = await readRuntime(dataRoot);
  const total = source.events.length;
  progress(
    `read ${total.toLocaleString("en-US")} audit events and ${source.state.tickets.count().toLocaleString("en-US")} tickets (${elapsed()})`,
  );
  const where = describeDatabase(url);
  return withOwnClient(url, async (client) => {
    try {
      const schema = await schemaState(client);
      const refusal = schemaRefusal(schema, where);
      if (refusal !== undefined) throw unavailable(refusal);
      if (schema.kind === "empty") await migrate(client, where);
      await client.query("BEGIN");
      try {
        await client.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_CLASS, SETUP_LOCK]);
        const taken = await client.query(
          "SELECT (SELECT count(*) FROM triage_store) + (SELECT count(*) FROM audit_events) AS n",
        );
        if (Number((taken.rows[0] as { n: string }).n) > 0) {
          throw new RuntimeCopyRefused(
            `${where} already holds a triage store: db import copies only into an empty database. ` +
              `Create a new database (createdb), or keep using this one; nothing was changed.`,
          );
        }
        const { manifest } = source;
        await client.query(
          `INSERT INTO triage_store (store_id, created_at, base_sha256, ticket_count, seed, base_body)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [
            manifest.storeId,
            manifest.createdAt,
            manifest.baseSha256,
            manifest.tickets,
            JSON.stringify(manifest.seed),
            source.baseBody,
          ],
        );
        for (let from = 0; from < total; from += COPY_SLICE) {
          const to = Math.min(total, from + COPY_SLICE);
          await insertEvents(
            client,
            source.events
              .slice(from, to)
              .map((event, i) => ({ event, line: source.lines[from + i] as string })),
          );
          progress(
            `audit events: ${to.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} (${elapsed()})`,
          );
        }
        for (const [file, batch] of source.batches) {
          await client.query(
            `INSERT INTO import_batches (file, sha256, ticket_count, body, committed_seq) VALUES ($1, $2, $3, $4, $5)`,
            [file, batch.sha256, batch.count, batch.body, batch.seq],
          );
        }
        const view = new StateView(source.state, 1);
        const all = { offset: 0, limit: Number.MAX_SAFE_INTEGER };
        const tickets = view.listTickets({}, all).items;
        const recommendations = view.listRecommendations({}, all).items;
        const handoffs = view.listHandoffs({}, all).items;
        progress(
          `query tables: ${tickets.length.toLocaleString("en-US")} tickets, ${recommendations.length.toLocaleString("en-US")} recommendations, ${handoffs.length.toLocaleString("en-US")} handoffs`,
        );
        await upsertTickets(client, tickets);
        await upsertRecommendations(client, recommendations);
        await upsertHandoffs(client, handoffs);
        progress(`verifying the copied chain in the database (${elapsed()})`);
        const verified = await verifyRows(client, where);
        if (!verified.ok || verified.headHash !== source.state.lastHash) {
          const why = verified.ok
            ? "its head hash differs from the runtime's"
            : `seq ${verified.seq}: ${verified.problem}: ${verified.detail}`;
          throw new RuntimeCopyRefused(`the copy did not verify (${why}); nothing was committed.`);
        }
        await client.query("COMMIT");
        progress(`committed (${elapsed()})`);
        return {
          database: where,
          events: verified.events,
          tickets: source.state.tickets.count(),
          batches: source.batches.size,
          headHash: verified.headHash,
        };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (error instanceof RuntimeCopyRefused) throw error;
      throw storeErrorOf(error, url, "cannot take the copy");
    }
  });
}
