import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import type { AuditEvent } from "../../domain/audit-events.js";
import { DomainError } from "../../domain/errors.js";
import type { Ticket } from "../../domain/schemas.js";
import { createStderrLogger } from "../../logging.js";
import { normalizePage } from "../core/sorted.js";
import { unavailable } from "../core/transaction.js";
import type { Inconsistency } from "../core/state.js";
import { reachStep } from "../core/steps.js";
import { StateView } from "../core/view.js";
import type {
  ImportTxOutcome,
  Page,
  PageRequest,
  StagedImportBatch,
  StoreView,
  TriageStore,
  TxOutcome,
} from "../types.js";
import { Committer, LogAppender, type AttemptResult } from "./commit.js";
import { errnoCode, fileInTheWay } from "./fs-util.js";
import { ImportBatches } from "./imports.js";
import { initializeRuntime, type InitializedBase } from "./init.js";
import { Journal } from "./journal.js";
import { layoutOf, type Layout } from "./layout.js";
import { RuntimeLock } from "./lock.js";
import { LogReader } from "./log.js";
import type { StoreLogger, StoreOptions } from "../core/options.js";
import { registerPresence } from "./presence.js";
import { Recovery } from "./recovery.js";
import { snapshotSeqs, writeSnapshot } from "./snapshot.js";
import { verifyAuditLog, type VerifyResult } from "./verify.js";

// The file-backed TriageStore. State = base/tickets.json + fold(audit.jsonl): the audit log is
// the commit log. This class wires the parts and keeps the housekeeping: the log reader
// (log.ts: loading, catching up, reading events), the commit protocol (commit.ts), recovery
// (recovery.ts), snapshots (snapshot.ts, written here when due), the lock, presence and the
// one-at-a-time queue of this process's transactions. See docs/architecture.md.

export type { StoreLogger } from "../core/options.js";

export interface FileStoreOptions extends StoreOptions {
  readonly dataRoot: string;
  /**
   * Write a state snapshot once the log is this many events past the newest one (after open
   * and after commits), so a later open replays only the tail. 0 disables. Default 10,000.
   */
  readonly snapshotEvery?: number | undefined;
  /**
   * When a runtime opened without a usable snapshot holds at least `minTickets` tickets, one is
   * written `delayMs` after opening (default 1,000 tickets, 1 s; see SNAPSHOT_ON_OPEN_*).
   */
  readonly firstSnapshot?: { readonly minTickets: number; readonly delayMs: number } | undefined;
}

const DEFAULT_LOCK_TIMEOUT_MS = 5_000;
const DEFAULT_SNAPSHOT_EVERY = 10_000;
/**
 * A runtime opened without a usable snapshot (its first start, or snapshots deleted) gets one
 * soon after opening when it is this large, so the next start reads the snapshot's index line
 * instead of parsing every ticket. Written after the delay, not before the first answer.
 */
const SNAPSHOT_ON_OPEN_MIN_TICKETS = 1_000;
const SNAPSHOT_ON_OPEN_DELAY_MS = 1_000;
const INIT_LOCK_TIMEOUT_MS = 60_000;

/** The parts that read and commit to one runtime directory. */
export interface FileWriter {
  readonly log: LogReader;
  readonly journal: Journal;
  readonly batches: ImportBatches;
  readonly recovery: Recovery;
  readonly committer: Committer;
  close(): void;
}

/** Loads the runtime under `layout` and wires the parts that commit to it. */
export function openFileWriter(
  layout: Layout,
  logger: StoreLogger,
  newId: () => string,
  base?: InitializedBase,
): FileWriter {
  const batches = new ImportBatches(layout);
  const log = LogReader.open(layout, logger, batches, base);
  const journal = new Journal(layout);
  const appender = new LogAppender(log);
  const recovery = new Recovery(log, journal, batches, appender, logger);
  const committer = new Committer(log, journal, batches, recovery, appender, newId);
  return {
    log,
    journal,
    batches,
    recovery,
    committer,
    close: () => {
      appender.close();
      log.close();
    },
  };
}

export class FileStore implements TriageStore {
  private unregisterPresence: () => void = () => undefined;
  readonly dataRoot: string;
  private readonly layout: Layout;
  private readonly writer: FileWriter;
  private readonly lock: RuntimeLock;
  private readonly logger: StoreLogger;
  private readonly lockTimeoutMs: number;
  private readonly snapshotEvery: number;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private snapshotTimer: NodeJS.Timeout | undefined;

  private constructor(layout: Layout, writer: FileWriter, options: FileStoreOptions, logger: StoreLogger) {
    this.layout = layout;
    this.dataRoot = layout.root;
    this.writer = writer;
    this.logger = logger;
    this.lock = new RuntimeLock(layout, (m) => logger.warn(m));
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
  }

  /** Opens (and on first start initializes) the runtime under `options.dataRoot`. */
  static async open(options: FileStoreOptions): Promise<FileStore> {
    const layout = layoutOf(options.dataRoot);
    try {
      return await FileStore.openUnchecked(layout, options);
    } catch (error) {
      throw asStoreError(error, layout, "cannot be opened");
    }
  }

  private static async openUnchecked(layout: Layout, options: FileStoreOptions): Promise<FileStore> {
    const logger = options.logger ?? createStderrLogger("store");
    fs.mkdirSync(layout.root, { recursive: true });
    let base: InitializedBase | undefined;
    await initializeRuntime({
      layout,
      lock: new RuntimeLock(layout, (m) => logger.warn(m)),
      lockTimeoutMs: Math.max(INIT_LOCK_TIMEOUT_MS, options.lockTimeoutMs ?? 0),
      seed: options.seed,
      seedMetadata: options.seedMetadata ?? {},
      newId: options.newId ?? randomUUID,
      clock: options.clock ?? (() => new Date()),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      initialized: (written) => {
        base = written;
      },
    });
    const started = Date.now();
    const writer = openFileWriter(layout, logger, options.newId ?? randomUUID, base);
    const { log } = writer;
    const source =
      log.snapshotSeq < 0
        ? "replayed from the start"
        : `from snapshots/state-${log.snapshotSeq}.json + ${log.state.lastSeq - log.snapshotSeq} newer events`;
    logger.info(
      `opened ${layout.root}: ${log.state.tickets.count()} tickets, seq ${log.state.lastSeq} (${source}) in ${Date.now() - started} ms`,
    );
    const store = new FileStore(layout, writer, options, logger);
    try {
      store.unregisterPresence = registerPresence(layout, (options.clock ?? (() => new Date()))());
    } catch (error) {
      // Presence is advisory (reset's safety check): a read-only runtime must still open for reads.
      logger.warn(
        `cannot record this process under ${layout.presenceDir} (${errnoCode(error) ?? String(error)}); \`npm run reset\` will not see it`,
      );
    }
    await writer.recovery.onOpen(store.lock, store.lockTimeoutMs);
    // An unusable snapshot (of an older format, say) would otherwise stay the newest one and
    // cost every later open a full replay and a warning: replace it now.
    const replaceIgnored = log.ignoredSnapshotSeq >= 0 && log.state.lastSeq >= log.ignoredSnapshotSeq;
    const first = options.firstSnapshot ?? {
      minTickets: SNAPSHOT_ON_OPEN_MIN_TICKETS,
      delayMs: SNAPSHOT_ON_OPEN_DELAY_MS,
    };
    if (replaceIgnored) {
      store.maybeSnapshot(true);
    } else if (
      log.state.lastSeq - log.snapshotSeq >= store.snapshotEvery ||
      (log.snapshotSeq < 0 && log.state.tickets.count() >= first.minTickets)
    ) {
      // A long replay, or a large runtime's first start: snapshot soon, after the first answers.
      store.scheduleSnapshot(first.delayMs);
    }
    return store;
  }

  // ---------- reads ----------

  get generation(): number {
    return this.writer.log.generation;
  }

  get storeId(): string {
    return this.writer.log.manifest.storeId;
  }

  /** Events that were in the log but did not apply to the state before them (should be none). */
  get inconsistencies(): readonly Inconsistency[] {
    return [...this.writer.log.state.inconsistencies];
  }

  view(): StoreView {
    this.assertOpen();
    const { log } = this.writer;
    log.refresh();
    return new StateView(log.state, log.generation);
  }

  listAuditEvents(
    filter: { readonly ticketId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<AuditEvent>> {
    return this.read(() => {
      const { log } = this.writer;
      const { offset, limit } = normalizePage(page);
      const total = log.state.events.count(filter.ticketId);
      const items = log.readEvents(log.state.events.seqs(filter.ticketId, offset, limit));
      return { items, total, offset, limit };
    });
  }

  getAuditEvent(seq: number): Promise<AuditEvent | undefined> {
    return this.read(() => {
      const { log } = this.writer;
      if (!Number.isInteger(seq) || seq < 0 || seq > log.state.lastSeq) return undefined;
      return log.readEvents([seq])[0];
    });
  }

  /** Full integrity check of the log and base file (see verifyAuditLog). */
  verify(): VerifyResult {
    return verifyAuditLog(this.layout.root);
  }

  // ---------- writes ----------

  transact<T>(body: (view: StoreView) => TxOutcome<T>): Promise<T> {
    this.assertOpen();
    return this.exclusive(async () => {
      const held = await this.lock.acquire(this.lockTimeoutMs);
      let result: AttemptResult<T>;
      try {
        reachStep("tx.locked");
        result = await this.writer.committer.commitLoop(body, held);
      } catch (error) {
        throw asStoreError(error, this.layout, "cannot be written; nothing was committed");
      } finally {
        await held.release();
      }
      reachStep("tx.released");
      this.maybeSnapshot();
      if (result.kind === "refused") throw result.refusal;
      if (result.kind !== "committed" && result.kind !== "unchanged") throw unavailable(result.reason);
      return result.value;
    });
  }

  transactImport<T>(body: (view: StoreView) => ImportTxOutcome<T>): Promise<T> {
    this.assertOpen();
    const { batches, recovery } = this.writer;
    let staged: StagedImportBatch | undefined;
    const settle = (): void => {
      // Whatever happened, a batch no event or claim uses must not linger.
      if (staged !== undefined && !recovery.batchInUse(staged.file)) batches.discard(staged.file);
      staged = undefined;
    };
    const run = this.transact<T>((view) => {
      const outcome = body(view);
      if (!("tickets" in outcome)) return outcome;
      // The body runs again after a lost claim race: the tickets may differ, stage afresh.
      settle();
      staged = batches.stage(outcome.tickets);
      return { event: outcome.draft(staged), result: outcome.result };
    });
    return run.finally(settle);
  }

  stageImportBatch(tickets: readonly Ticket[]): Promise<StagedImportBatch> {
    return this.read(() => this.writer.batches.stage(tickets));
  }

  discardImportBatch(batch: StagedImportBatch): Promise<boolean> {
    return this.read(() => {
      if (this.writer.recovery.batchInUse(batch.file)) return false;
      this.writer.batches.discard(batch.file);
      return true;
    });
  }

  /** Nearly free here: view() already catches up with a stat of the log. */
  refresh(): Promise<void> {
    return this.read(() => undefined);
  }

  /**
   * Writes a snapshot of the current state now (normally automatic, see `snapshotEvery`).
   * Returns its file name.
   */
  checkpoint(): string {
    this.assertOpen();
    const { log } = this.writer;
    log.refresh();
    const started = Date.now();
    const name = writeSnapshot(this.layout, log.manifest.storeId, log.state, log.positions);
    log.snapshotSeq = log.state.lastSeq;
    this.logger.info(`wrote snapshots/${name} (seq ${log.state.lastSeq}) in ${Date.now() - started} ms`);
    return name;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // A snapshot still waiting for its delay is written now: without it the next start would
    // replay what this one did.
    const pending = this.snapshotTimer !== undefined;
    clearTimeout(this.snapshotTimer);
    this.snapshotTimer = undefined;
    await this.exclusive(() => {
      if (pending) this.snapshotUnlessRecent(false);
      return Promise.resolve();
    });
    this.closed = true;
    this.unregisterPresence();
    this.writer.close();
  }

  // ---------- housekeeping ----------

  /** Snapshots are a cache: failing to write one is a warning, never an error. */
  private maybeSnapshot(force = false): void {
    if (this.snapshotEvery <= 0 || this.closed) return;
    const { log } = this.writer;
    if (!force && log.state.lastSeq - log.snapshotSeq < this.snapshotEvery) return;
    this.snapshotUnlessRecent(force);
  }

  /** Writes a snapshot unless another process wrote one fewer than snapshotEvery events ago. */
  private snapshotUnlessRecent(force: boolean): void {
    const { log } = this.writer;
    const lastSeq = log.state.lastSeq;
    try {
      const newest = snapshotSeqs(this.layout)[0] ?? -1;
      if (!force && newest >= 0 && lastSeq - newest < this.snapshotEvery) {
        log.snapshotSeq = Math.max(log.snapshotSeq, newest);
        return;
      }
      this.checkpoint();
    } catch (error) {
      log.snapshotSeq = lastSeq;
      this.logger.warn(
        `could not write a state snapshot (the store works without it): ${(error as Error).message}`,
      );
    }
  }

  private scheduleSnapshot(delayMs: number): void {
    if (this.snapshotEvery <= 0 || this.snapshotTimer !== undefined) return;
    this.snapshotTimer = setTimeout(() => {
      this.snapshotTimer = undefined;
      void this.exclusive(() => {
        if (!this.closed) this.snapshotUnlessRecent(false);
        return Promise.resolve();
      });
    }, delayMs);
    this.snapshotTimer.unref();
  }

  /** A read at the current end of the log (synchronous here; a store may need to wait). */
  private read<T>(run: () => T): Promise<T> {
    try {
      this.assertOpen();
      this.writer.log.refresh();
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`the store for ${this.layout.root} is closed`);
  }
}

/** An fs error (disk full, permissions, a file where a directory belongs) as STORE_UNAVAILABLE. */
function asStoreError(error: unknown, layout: Layout, what: string): unknown {
  const code = errnoCode(error);
  if (error instanceof DomainError || code === undefined) return error;
  const file = code === "EEXIST" || code === "ENOTDIR" ? fileInTheWay(layout.root) : undefined;
  if (file !== undefined) {
    return unavailable(
      `${file} is a file, not a directory (${code}), so the runtime directory ${layout.root} cannot be used. ` +
        `Point TRIAGE_DATA_ROOT at a directory (it is created when missing), or move the file away. Nothing was written.`,
    );
  }
  return unavailable(
    `The runtime directory ${layout.root} ${what} (${(error as Error).message}). ` +
      `Check disk space, permissions and that it holds only what this server wrote.`,
  );
}

/** Opens (and on first start initializes) a file-backed store. */
export function openFileStore(options: FileStoreOptions): Promise<FileStore> {
  return FileStore.open(options);
}
