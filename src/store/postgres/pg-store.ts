import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { AuditEvent } from "../../domain/audit-events.js";
import { DomainError } from "../../domain/errors.js";
import type { Ticket } from "../../domain/schemas.js";
import { createStderrLogger } from "../../logging.js";
import type { AuditCopy } from "../audit-copy/audit-copy.js";
import { applyEvent } from "../core/apply.js";
import type { StoreLogger, StoreOptions } from "../core/options.js";
import { normalizePage } from "../core/sorted.js";
import type { Inconsistency, StoreState } from "../core/state.js";
import { reachStep } from "../core/steps.js";
import { decide, prepareEvent, unavailable, type Decision, type PreparedEvent } from "../core/transaction.js";
import { StateView } from "../core/view.js";
import type {
  Freshness,
  ImportTxOutcome,
  Page,
  PageRequest,
  StagedImportBatch,
  StoreView,
  TriageStore,
  TxOutcome,
} from "../types.js";
import {
  describeDatabase,
  isConnectionError,
  openPool,
  pgErrorCode,
  redactUrl,
  storeErrorOf,
} from "./connection.js";
import { BatchContext, foldNewEvents, readEvents, readLines } from "./events.js";
import {
  deleteUnusedBatch,
  encodeImportBatch,
  fetchBatchOf,
  insertBatch,
  markBatchCommitted,
  removeOrphanBatches,
  type EncodedBatch,
} from "./imports.js";
import { EventListener } from "./listener.js";
import { loadStore } from "./load.js";
import { SnapshotWriter } from "./snapshots.js";
import { COMMIT_LOCK, LOCK_CLASS, NOTIFY_CHANNEL } from "./schema.js";
import { insertEvent, writeEffects } from "./tables.js";

// The PostgreSQL-backed TriageStore. The audit log is the append-only table audit_events (the
// same lines, the same hash chain as audit.jsonl), and each process keeps the same in-memory
// StoreState as the file store, folded by the same reducer. A commit:
//
//   BEGIN -> pg_advisory_xact_lock (one writer at a time, across machines) -> catch up -> body(view)
//   -> INSERT the event (seq = last + 1: the primary key makes a seq single) -> query tables
//   -> NOTIFY -> COMMIT -> apply in memory
//
// A killed process or a dropped connection rolls the SQL transaction back: nothing half-applied.
// A COMMIT whose answer was lost is settled by reading seq back, never by guessing. See
// docs/postgres.md.

export interface PostgresStoreOptions extends StoreOptions {
  /** postgres://user:password@host:port/database (TLS options as URL parameters). */
  readonly url: string;
  /** The configured runtime directory: the local copy of the audit log is kept there. */
  readonly dataRoot: string;
  /** Keep the local copy of the audit log under dataRoot (default true). */
  readonly auditCopy?: boolean | undefined;
  /** Catch up at least this often between requests (ms), in case a notification was missed; 0: never. */
  readonly pollMs?: number | undefined;
  /** LISTEN for other servers' commits (default true). */
  readonly listen?: boolean | undefined;
  readonly poolSize?: number | undefined;
  /** Refuse a database that holds no store yet instead of initializing it (maintenance commands). */
  readonly existing?: boolean | undefined;
  /** Write a state snapshot after this many events since the newest (default 10,000); 0: neither read nor write them. */
  readonly snapshotEvery?: number | undefined;
}

const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
const DEFAULT_POLL_MS = 2_000;
/** How long a COMMIT whose answer was lost is looked for before the outcome is reported unknown. */
const SETTLE_MS = 10_000;
const MAX_SEQ_RACES = 20;

export class PostgresStore implements TriageStore {
  readonly dataRoot: string;
  readonly database: string;
  private readonly url: string;
  private readonly where: string;
  private readonly pool: pg.Pool;
  private readonly logger: StoreLogger;
  private readonly newId: () => string;
  private readonly lockTimeoutMs: number;
  private readonly batches = new BatchContext();
  private state: StoreState;
  private readonly copy: AuditCopy | undefined;
  private snapshots: SnapshotWriter | undefined;
  private storeIdValue: string;
  private queue: Promise<unknown> = Promise.resolve();
  private listener: EventListener | undefined;
  private closed = false;
  /** Something may have been committed elsewhere since the last catch-up (a notification, the poll). */
  private behind = true;
  /** A transaction that staged an import batch in this SQL transaction: written before its event. */
  private pendingBatch: EncodedBatch | undefined;

  private constructor(
    options: PostgresStoreOptions,
    pool: pg.Pool,
    state: StoreState,
    storeId: string,
    logger: StoreLogger,
    copy: AuditCopy | undefined,
  ) {
    this.copy = copy;
    this.url = options.url;
    this.where = describeDatabase(options.url);
    this.database = redactUrl(options.url);
    this.dataRoot = options.dataRoot;
    this.pool = pool;
    this.state = state;
    this.storeIdValue = storeId;
    this.logger = logger;
    this.newId = options.newId ?? randomUUID;
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  }

  /** Connects, migrates an empty database, initializes it from the seed on first start, and loads it. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const logger = options.logger ?? createStderrLogger("store");
    const where = describeDatabase(options.url);
    const pool = openPool(options.url, { max: options.poolSize });
    try {
      const started = Date.now();
      const client = await pool.connect();
      let store: PostgresStore;
      let from = -1;
      try {
        const { state, storeId, copy, snapshotSeq } = await loadStore(client, options, logger);
        from = snapshotSeq;
        store = new PostgresStore(options, pool, state, storeId, logger, copy);
        store.snapshots = new SnapshotWriter(pool, () => store.state, options.snapshotEvery, logger, from);
        await store.keepCopy(client);
        const orphans = await removeOrphanBatches(client);
        if (orphans > 0) logger.info(`removed ${orphans} import batches no event uses`);
      } finally {
        client.release();
      }
      logger.info(
        `opened ${where}: ${store.state.tickets.count()} tickets, seq ${store.state.lastSeq} (${from >= 0 ? `from the snapshot at seq ${from}` : "replayed"}) in ${Date.now() - started} ms`,
      );
      store.snapshots?.consider();
      if (options.listen ?? true) {
        store.listener = new EventListener(options.url, NOTIFY_CHANNEL, options.pollMs ?? DEFAULT_POLL_MS, {
          changed: (seq) => store.catchUpSoon(seq),
          warn: (m) => logger.warn(m),
        });
        // Listening before the first request: nothing committed after open() goes unnoticed.
        await store.listener.start();
      }
      return store;
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw storeErrorOf(error, options.url, "cannot be opened");
    }
  }

  // ---------- reads ----------

  get generation(): number {
    return 1;
  }

  get storeId(): string {
    return this.storeIdValue;
  }

  /** True while this store is told of other processes' commits (its LISTEN connection is up). */
  get listening(): boolean {
    return this.listener?.listening === true;
  }

  /** Events that were in the log but did not apply to the state before them (should be none). */
  get inconsistencies(): readonly Inconsistency[] {
    return [...this.state.inconsistencies];
  }

  view(): StoreView {
    this.assertOpen();
    return new StateView(this.state, this.generation);
  }

  async refresh(freshness: Freshness = "latest"): Promise<void> {
    this.assertOpen();
    if (freshness === "notified" && this.listener?.listening === true && !this.behind) {
      // A notification already waiting on the listener's socket is read before deciding.
      await nextTurn();
      // Still nothing new: wait only for this process's own queued work (a catch-up, a commit).
      if (!this.behind && this.listener.listening) return this.exclusive(() => Promise.resolve());
    }
    return this.exclusive(async () => {
      // A catch-up queued before this one may have read everything already.
      if (freshness === "notified" && !this.behind && this.listener?.listening === true) return;
      this.behind = false;
      try {
        await this.withClient("cannot be read", (client) => this.catchUp(client));
      } catch (error) {
        this.behind = true;
        throw error;
      }
    });
  }

  async listAuditEvents(
    filter: { readonly ticketId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<AuditEvent>> {
    await this.refresh("notified");
    const { offset, limit } = normalizePage(page);
    const total = this.state.events.count(filter.ticketId);
    const seqs = this.state.events.seqs(filter.ticketId, offset, limit);
    return { items: await this.readStoredEvents(seqs), total, offset, limit };
  }

  async getAuditEvent(seq: number): Promise<AuditEvent | undefined> {
    await this.refresh("notified");
    if (!Number.isInteger(seq) || seq < 0 || seq > this.state.lastSeq) return undefined;
    const [event] = await this.readStoredEvents([seq]);
    return event;
  }

  /** Events from the local copy of the log when it holds them, else from audit_events. */
  private async readStoredEvents(seqs: readonly number[]): Promise<AuditEvent[]> {
    const local = this.copy?.read(seqs);
    if (local !== undefined) return local;
    return this.withClient("cannot be read", (client) => readEvents(client, seqs));
  }

  // ---------- writes ----------

  transact<T>(body: (view: StoreView) => TxOutcome<T>): Promise<T> {
    this.assertOpen();
    return this.exclusive(async () => {
      for (let race = 0; ; race++) {
        const attempt = await this.attempt(body);
        if (attempt.kind === "done") return attempt.value;
        if (race >= MAX_SEQ_RACES) throw unavailable(`Gave up after ${race} lost sequence races. Retry.`);
      }
    });
  }

  transactImport<T>(body: (view: StoreView) => ImportTxOutcome<T>): Promise<T> {
    return this.transact<T>((view) => {
      const outcome = body(view);
      this.pendingBatch = undefined;
      if (!("tickets" in outcome)) return outcome;
      // Staged in the commit's own SQL transaction: the batch exists exactly when its event does.
      const staged = encodeImportBatch(outcome.tickets, this.batches);
      this.pendingBatch = staged;
      return { event: outcome.draft(staged.batch), result: outcome.result };
    });
  }

  async stageImportBatch(tickets: readonly Ticket[]): Promise<StagedImportBatch> {
    this.assertOpen();
    const encoded = encodeImportBatch(tickets, this.batches);
    await this.withClient("cannot be written; nothing was staged", (client) => insertBatch(client, encoded));
    reachStep("import.batch-staged");
    return encoded.batch;
  }

  async discardImportBatch(batch: StagedImportBatch): Promise<boolean> {
    this.assertOpen();
    return this.withClient("cannot be written", (client) => deleteUnusedBatch(client, batch.file));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.exclusive(() => Promise.resolve());
    await this.snapshots?.close();
    this.closed = true;
    await this.listener?.stop();
    this.copy?.close();
    await this.pool.end().catch(() => undefined);
  }

  // ---------- the commit ----------

  /** One attempt under the commit lock; "race" when another writer took the seq (then retried). */
  private async attempt<T>(
    body: (view: StoreView) => TxOutcome<T>,
  ): Promise<{ kind: "done"; value: T } | { kind: "race" }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeErrorOf(error, this.url, "cannot be reached; nothing was committed");
    }
    let broken: Error | undefined;
    let prepared: PreparedEvent | undefined;
    let committing = false;
    let decision: Decision<T> | undefined;
    try {
      // One round trip (a simple query of three statements; every value is a number of ours).
      await client.query(
        `BEGIN; SET LOCAL lock_timeout = ${Math.max(1, Math.floor(this.lockTimeoutMs))}; ` +
          `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${COMMIT_LOCK})`,
      );
      reachStep("tx.locked");
      await this.catchUp(client);
      decision = decide(body(new StateView(this.state, this.generation)));
      if (decision.kind === "value") {
        await client.query("ROLLBACK");
        return { kind: "done", value: decision.value };
      }
      if (decision.kind === "replay") {
        const [original] = await readEvents(client, [decision.seq]);
        await client.query("ROLLBACK");
        if (original === undefined)
          throw new Error(`a retry names seq ${decision.seq}, which is not committed`);
        return { kind: "done", value: decision.answer(original) };
      }
      if (decision.kind === "refuse" && decision.draft === undefined) {
        await client.query("ROLLBACK");
        throw decision.refusal;
      }
      const draft = decision.kind === "commit" ? decision.draft : decision.draft;
      if (draft === undefined) throw new Error("unreachable: a refusal without an event was handled above");
      const pending = this.pendingBatch;
      if (pending !== undefined) {
        await insertBatch(client, pending);
        reachStep("import.batch-staged");
      }
      await fetchBatchOf(client, this.batches, draft.data, pending?.batch.file);
      prepared = prepareEvent(this.state, draft, this.newId(), this.batches);
      const { event, line, effects } = prepared;
      await insertEvent(client, event, line);
      reachStep("tx.claimed");
      if (event.action === "tickets-imported") await markBatchCommitted(client, event);
      await writeEffects(client, effects);
      reachStep("tx.appended");
      committing = true;
      // NOTIFY is delivered at COMMIT; both in one round trip (the channel and seq are ours).
      await client.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '${event.seq}'); COMMIT`);
      committing = false;
      reachStep("tx.synced");
      applyEvent(this.state, event, this.batches, (m) => this.logger.warn(m));
      this.batches.forget();
      this.copy?.folded([{ seq: event.seq, line }]);
      this.copy?.write();
      this.snapshots?.consider();
      if (decision.kind === "refuse") throw decision.refusal;
      return { kind: "done", value: decision.result(event) };
    } catch (error) {
      if (error instanceof DomainError && !isConnectionError(error)) {
        if (!committing) await this.rollback(client);
        throw error;
      }
      if (pgErrorCode(error) === "23505" && /audit_events_pkey/.test(String((error as Error).message))) {
        // Another writer committed this seq (it cannot happen under the lock; the key makes it safe anyway).
        await this.rollback(client);
        return { kind: "race" };
      }
      // The answer to COMMIT was lost: only the database knows. (An error the server answered
      // with, such as a failed NOTIFY before the COMMIT, means nothing was committed.)
      const answered = pgErrorCode(error) !== undefined && !isConnectionError(error);
      if (committing && !answered && prepared !== undefined && decision !== undefined) {
        broken = error as Error;
        if (!(await this.settle(prepared.event))) {
          throw unavailable(
            `The connection to ${this.where} was lost while committing (${pgErrorCode(error) ?? (error as Error).message}); nothing was committed. Retry.`,
          );
        }
        if (decision.kind === "refuse") throw decision.refusal;
        if (decision.kind === "commit") return { kind: "done", value: decision.result(prepared.event) };
      }
      if (isConnectionError(error)) broken = error as Error;
      else await this.rollback(client);
      throw storeErrorOf(error, this.url, "cannot be written; nothing was committed");
    } finally {
      this.pendingBatch = undefined;
      this.batches.forget();
      client.release(broken);
      reachStep("tx.released");
    }
  }

  /**
   * The answer to COMMIT was lost (the connection dropped): the event is committed or not, and
   * only the database knows. Looks for it (and catches up, which folds it when it is there);
   * true when it was committed, false when not, STORE_UNAVAILABLE when the database stays away.
   */
  private async settle(event: AuditEvent): Promise<boolean> {
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      try {
        const found = await this.pool.query<{ hash: string }>(
          "SELECT hash FROM audit_events WHERE seq = $1",
          [event.seq],
        );
        await this.withClient("cannot be read", (client) => this.catchUp(client));
        return found.rows[0]?.hash === event.hash;
      } catch {
        if (Date.now() > deadline) {
          throw unavailable(
            `The connection to ${this.where} was lost while committing seq ${event.seq}, and the database has not come back: ` +
              `whether it was committed is unknown. Read the ticket or the audit log again once the database is back, before retrying.`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private async rollback(client: pg.PoolClient): Promise<void> {
    await client.query("ROLLBACK").catch(() => undefined);
  }

  /** Catches up with committed events (called with a connection, under the queue). */
  private async catchUp(client: pg.ClientBase): Promise<void> {
    const folded = await foldNewEvents(
      client,
      this.state,
      this.batches,
      (m) => this.logger.warn(m),
      (lines) => this.copy?.folded(lines),
    );
    if (folded > 0 || (this.copy !== undefined && this.copy.lastSeq < this.state.lastSeq))
      await this.keepCopy(client);
    this.snapshots?.consider();
  }

  /** Writes the local copy's queue, first filling from audit_events what it lacks. */
  private async keepCopy(client: pg.ClientBase): Promise<void> {
    const copy = this.copy;
    if (copy === undefined) return;
    // Stops when the copy holds everything, or cannot write now (another process holds its lock).
    for (
      let gap = copy.missing(this.state.lastSeq);
      gap !== undefined;
      gap = copy.missing(this.state.lastSeq)
    ) {
      const lines = await readLines(client, gap.from, gap.to);
      if (lines.length === 0 || !copy.fill(lines)) break;
    }
    copy.write();
  }

  // ---------- housekeeping ----------

  /** A notification or the poll: catch up in the background (errors are warnings; requests catch up anyway). */
  private catchUpSoon(seq?: number): void {
    if (this.closed) return;
    // This process's own commits are notified too; those are folded already.
    if (seq !== undefined && seq <= this.state.lastSeq) return;
    this.behind = true;
    this.refresh().catch((error: unknown) => {
      if (!this.closed)
        this.logger.warn(`catching up with ${this.where} failed: ${(error as Error).message}`);
    });
  }

  private async withClient<R>(what: string, run: (client: pg.PoolClient) => Promise<R>): Promise<R> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeErrorOf(error, this.url, what);
    }
    let broken: Error | undefined;
    try {
      return await run(client);
    } catch (error) {
      if (isConnectionError(error)) broken = error as Error;
      throw storeErrorOf(error, this.url, what);
    } finally {
      client.release(broken);
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`the store for ${this.where} is closed`);
  }
}

/** Resolves after the event loop has polled for I/O once more. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** Opens (and on first start initializes) a PostgreSQL-backed store. */
export function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  return PostgresStore.open(options);
}
