import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { DomainError } from "../domain/errors.js";
import type { AuditEvent, AuditEventDraft, Ticket } from "../domain/schemas.js";
import { createStderrLogger } from "../logging.js";
import { RUNBOOK } from "../paths.js";
import { crashPoint } from "./crash-points.js";
import { decodeLine, encodeEvent, sha256Hex, unknownKeys, type DecodeProblem } from "./event-codec.js";
import { errnoCode, fileInTheWay, forEachLine, livenessOf, readAt, sleep } from "./fs-util.js";
import { ImportBatches } from "./imports.js";
import { initializeRuntime, type InitializedBase, type SeedSource } from "./init.js";
import { ABANDONED_AFTER_MS, Journal, type Claim } from "./journal.js";
import { layoutOf, type Layout, type Manifest } from "./layout.js";
import { registerPresence } from "./presence.js";
import { LOCK_STALE_MS, RuntimeLock, type HeldLock } from "./lock.js";
import { applyEvent, checkEvent, type ReducerContext } from "./reducer.js";
import { loadNewestSnapshot, snapshotSeqs, writeSnapshot } from "./snapshot.js";
import { normalizePage, StateView, StoreState, type Inconsistency } from "./state.js";
import type {
  ImportTxOutcome,
  Page,
  PageRequest,
  StagedImportBatch,
  StoreView,
  TriageStore,
  TxOutcome,
} from "./types.js";
import { readManifest, RuntimeNotInitializedError, verifyAuditLog, type VerifyResult } from "./verify.js";

// The file-backed TriageStore. State = base/tickets.json + fold(audit.jsonl): the audit log is
// the commit log. Reads are synchronous and incremental (a stat, then only the new bytes);
// writes go through transact(), which commits one event per call:
//
//   lock -> catch up + recover -> body(view) -> claim journal/<seq>.json (exclusive create)
//   -> append the line (one write) -> fdatasync -> apply in memory -> remove the claim -> unlock
//
// A kill at any point leaves either no trace of the event or enough to finish it: a claim
// without its line is rolled forward, a claim whose line is in the log is removed, a torn last
// line (an interrupted append with no live writer) is cut off. See docs/architecture.md.

export interface StoreLogger {
  warn(message: string): void;
  info(message: string): void;
}

export interface FileStoreOptions {
  readonly dataRoot: string;
  /** Tickets for the first start (called only when the runtime is initialized). */
  readonly seed: SeedSource;
  /** Recorded in store.json and the seq-0 event; merged under the seed's own metadata. */
  readonly seedMetadata?: Record<string, unknown> | undefined;
  /** Audit event ids (uuid v4 by default). */
  readonly newId?: (() => string) | undefined;
  /** Timestamp of the seq-0 event. Other events carry the caller's timestamps. */
  readonly clock?: (() => Date) | undefined;
  readonly logger?: StoreLogger | undefined;
  /** How long a transaction waits for the runtime lock before STORE_UNAVAILABLE (ms). */
  readonly lockTimeoutMs?: number | undefined;
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

/** A transaction body tried to commit an event that is malformed or does not apply. A bug. */
export class InvalidAuditEventError extends Error {
  override readonly name = "InvalidAuditEventError";
}

/** Test-only entry points (simulating a writer that wrongly believes it holds the lock). */
export const TEST_HOOKS = Symbol("file-store test hooks");

export interface FileStoreTestHooks {
  /** One commit attempt without the runtime lock; "retry"/"wait" mean it did not commit. */
  attemptWithoutLock<T>(body: (view: StoreView) => TxOutcome<T>): AttemptResult<T>;
  /** transact() minus the lock: claims, waits and retries exactly like transact. */
  transactWithoutLock<T>(body: (view: StoreView) => TxOutcome<T>): Promise<T>;
  /** Claims the next sequence number for the body's event and stops (a writer frozen there). */
  claimOnly<T>(body: (view: StoreView) => TxOutcome<T>): number;
}

type AttemptResult<T> =
  | { readonly kind: "committed"; readonly value: T }
  /** The body returned a value: nothing was appended. */
  | { readonly kind: "unchanged"; readonly value: T }
  | { readonly kind: "refused"; readonly refusal: DomainError }
  | { readonly kind: "retry"; readonly reason: string }
  | { readonly kind: "wait"; readonly reason: string };

interface LogHandle {
  readonly fd: number;
  readonly dev: number;
  readonly ino: number;
}

/** Bytes after the last folded line: nothing, an incomplete line, or a complete bad line. */
type Tail =
  | { readonly kind: "clean" }
  | { readonly kind: "partial"; readonly size: number }
  | {
      readonly kind: "bad";
      readonly size: number;
      readonly offset: number;
      readonly final: boolean;
      readonly problem: DecodeProblem | "chain";
      readonly detail: string;
    };

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
const MAX_CLAIM_RETRIES = 100;

function unavailable(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError("STORE_UNAVAILABLE", message, details);
}

/** Security: O_NOFOLLOW, so a log swapped for a link is never read or appended through. */
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

function openLog(path: string): LogHandle {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (error) {
    if (errnoCode(error) === "ENOENT")
      throw unavailable(
        `${path} is missing: the runtime directory was removed or is being re-initialized. Retry in a moment.`,
      );
    throw error;
  }
  const st = fs.fstatSync(fd);
  return { fd, dev: st.dev, ino: st.ino };
}

interface Loaded {
  readonly manifest: Manifest;
  readonly log: LogHandle;
  readonly state: StoreState;
  readonly tail: Tail;
  /** Seq of the snapshot the state was loaded from, -1 when it was replayed from the start. */
  readonly snapshotSeq: number;
  /** Seq of the newest snapshot that could not be used, -1 when none was ignored. */
  readonly ignoredSnapshotSeq: number;
}

export class FileStore implements TriageStore {
  private unregisterPresence: () => void = () => undefined;
  readonly dataRoot: string;
  private readonly layout: Layout;
  private readonly journal: Journal;
  private readonly batches: ImportBatches;
  private readonly lock: RuntimeLock;
  private readonly logger: StoreLogger;
  private readonly newId: () => string;
  private readonly lockTimeoutMs: number;
  private readonly snapshotEvery: number;

  private manifest: Manifest;
  /** Seq of the newest snapshot this store loaded or wrote (-1: none). */
  private snapshotSeq: number;
  private log: LogHandle;
  private state: StoreState;
  private appendFd: number | undefined;
  private generationValue = 1;
  /** The last bad tail seen by a read, so repeated reads neither re-parse nor re-warn. */
  private badTailSeen: { size: number; mtimeMs: number; tail: Tail } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private snapshotTimer: NodeJS.Timeout | undefined;

  private constructor(
    layout: Layout,
    batches: ImportBatches,
    loaded: Loaded,
    options: FileStoreOptions,
    logger: StoreLogger,
  ) {
    this.layout = layout;
    this.dataRoot = layout.root;
    this.journal = new Journal(layout);
    this.batches = batches;
    this.logger = logger;
    this.lock = new RuntimeLock(layout, (m) => logger.warn(m));
    this.newId = options.newId ?? randomUUID;
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.snapshotEvery = options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    this.snapshotSeq = loaded.snapshotSeq;
    this.manifest = loaded.manifest;
    this.log = loaded.log;
    this.state = loaded.state;
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
    const batches = new ImportBatches(layout);
    const loaded = FileStore.load(layout, logger, batches, base);
    const source =
      loaded.snapshotSeq < 0
        ? "replayed from the start"
        : `from snapshots/state-${loaded.snapshotSeq}.json + ${loaded.state.lastSeq - loaded.snapshotSeq} newer events`;
    logger.info(
      `opened ${layout.root}: ${loaded.state.ticketCount()} tickets, seq ${loaded.state.lastSeq} (${source}) in ${Date.now() - started} ms`,
    );
    const store = new FileStore(layout, batches, loaded, options, logger);
    try {
      store.unregisterPresence = registerPresence(layout, (options.clock ?? (() => new Date()))());
    } catch (error) {
      // Presence is advisory (reset's safety check): a read-only runtime must still open for reads.
      logger.warn(
        `cannot record this process under ${layout.presenceDir} (${errnoCode(error) ?? String(error)}); \`npm run reset\` will not see it`,
      );
    }
    await store.recoverOnOpen(loaded.tail);
    // An unusable snapshot (of an older format, say) would otherwise stay the newest one and
    // cost every later open a full replay and a warning: replace it now.
    const replaceIgnored = loaded.ignoredSnapshotSeq >= 0 && store.state.lastSeq >= loaded.ignoredSnapshotSeq;
    const first = options.firstSnapshot ?? {
      minTickets: SNAPSHOT_ON_OPEN_MIN_TICKETS,
      delayMs: SNAPSHOT_ON_OPEN_DELAY_MS,
    };
    if (replaceIgnored) {
      store.maybeSnapshot(true);
    } else if (
      store.state.lastSeq - store.snapshotSeq >= store.snapshotEvery ||
      (store.snapshotSeq < 0 && store.state.ticketCount() >= first.minTickets)
    ) {
      // A long replay, or a large runtime's first start: snapshot soon, after the first answers.
      store.scheduleSnapshot(first.delayMs);
    }
    return store;
  }

  // ---------- reads ----------

  get generation(): number {
    return this.generationValue;
  }

  get storeId(): string {
    return this.manifest.storeId;
  }

  /** Events that were in the log but did not apply to the state before them (should be none). */
  get inconsistencies(): readonly Inconsistency[] {
    return [...this.state.inconsistencies];
  }

  view(): StoreView {
    this.assertOpen();
    this.refresh();
    return new StateView(this.state, this.generationValue);
  }

  listAuditEvents(filter: { readonly ticketId?: string | undefined }, page: PageRequest): Page<AuditEvent> {
    this.assertOpen();
    this.refresh();
    const { offset, limit } = normalizePage(page);
    const total = this.state.eventCount(filter.ticketId);
    const seqs = this.state.eventSeqs(filter.ticketId, offset, limit);
    return { items: this.readEvents(seqs), total, offset, limit };
  }

  getAuditEvent(seq: number): AuditEvent | undefined {
    this.assertOpen();
    this.refresh();
    if (!Number.isInteger(seq) || seq < 0 || seq > this.state.lastSeq) return undefined;
    return this.readEvents([seq])[0];
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
        crashPoint("tx.locked");
        result = await this.commitLoop(body, held);
      } catch (error) {
        throw asStoreError(error, this.layout, "cannot be written; nothing was committed");
      } finally {
        await held.release();
      }
      crashPoint("tx.released");
      this.maybeSnapshot();
      if (result.kind === "refused") throw result.refusal;
      if (result.kind !== "committed" && result.kind !== "unchanged") throw unavailable(result.reason);
      return result.value;
    });
  }

  transactImport<T>(body: (view: StoreView) => ImportTxOutcome<T>): Promise<T> {
    this.assertOpen();
    let staged: StagedImportBatch | undefined;
    const settle = (): void => {
      // Whatever happened, a batch no event or claim uses must not linger.
      if (staged !== undefined && !this.batchInUse(staged.file)) this.batches.discard(staged.file);
      staged = undefined;
    };
    const run = this.transact<T>((view) => {
      const outcome = body(view);
      if (!("tickets" in outcome)) return outcome;
      // The body runs again after a lost claim race: the tickets may differ, stage afresh.
      settle();
      staged = this.batches.stage(outcome.tickets);
      return { event: outcome.draft(staged), result: outcome.result };
    });
    return run.finally(settle);
  }

  stageImportBatch(tickets: readonly Ticket[]): StagedImportBatch {
    this.assertOpen();
    return this.batches.stage(tickets);
  }

  discardImportBatch(batch: StagedImportBatch): boolean {
    this.assertOpen();
    this.refresh();
    if (this.batchInUse(batch.file)) return false;
    this.batches.discard(batch.file);
    return true;
  }

  /**
   * Writes a snapshot of the current state now (normally automatic, see `snapshotEvery`).
   * Returns its file name.
   */
  checkpoint(): string {
    this.assertOpen();
    this.refresh();
    const started = Date.now();
    const name = writeSnapshot(this.layout, this.manifest.storeId, this.state);
    this.snapshotSeq = this.state.lastSeq;
    this.logger.info(`wrote snapshots/${name} (seq ${this.state.lastSeq}) in ${Date.now() - started} ms`);
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
    this.closeHandles();
    this.state.release();
  }

  get [TEST_HOOKS](): FileStoreTestHooks {
    const never: HeldLock = { compromised: () => false, release: () => Promise.resolve() };
    return {
      attemptWithoutLock: (body) => this.attempt(body, never),
      transactWithoutLock: async (body) => {
        const result = await this.commitLoop(body, never);
        if (result.kind === "refused") throw result.refusal;
        if (result.kind !== "committed" && result.kind !== "unchanged") throw unavailable(result.reason);
        return result.value;
      },
      claimOnly: (body) => {
        this.refresh();
        const outcome = body(new StateView(this.state, this.generationValue));
        if (!("event" in outcome) || outcome.event === undefined)
          throw new Error("the body returned no event");
        const prepared = this.prepareEvent(outcome.event);
        if (!this.journal.tryClaim(prepared.event.seq, prepared.event.hash, prepared.line)) {
          throw new Error(`seq ${prepared.event.seq} is already claimed`);
        }
        return prepared.event.seq;
      },
    };
  }

  // ---------- internals: loading and catching up ----------

  /**
   * `base`: the tickets this process just wrote as base/tickets.json, used instead of reading
   * the file back when the manifest names that very base (by hash).
   */
  private static load(
    layout: Layout,
    logger: StoreLogger,
    batches: ImportBatches,
    base?: InitializedBase,
  ): Loaded {
    refuseLinks(layout);
    let manifest: Manifest;
    try {
      manifest = readManifest(layout);
    } catch (error) {
      if (error instanceof RuntimeNotInitializedError) {
        throw unavailable(`${error.message} It was removed or is being re-initialized. Retry in a moment.`);
      }
      throw unavailable(`The runtime in ${layout.root} cannot be opened: ${(error as Error).message}`);
    }
    const log = openLog(layout.auditLog);
    let stateOf: StoreState | undefined;
    try {
      const size = fs.fstatSync(log.fd).size;
      const snapshot = loadNewestSnapshot(layout, manifest.storeId, log.fd, size, (m) => logger.warn(m));
      stateOf = snapshot.state;
      const state =
        snapshot.state ??
        StoreState.fromBase(
          base !== undefined && base.sha256 === manifest.baseSha256
            ? base.tickets
            : readBase(layout, manifest),
        );
      const tail = foldLines(log.fd, state, size, batches, (m) => logger.warn(m));
      if (tail.kind === "bad" && !isTorn(tail)) throw corruptLog(layout, state, tail);
      if (state.lastSeq < 0) throw unavailable(`${layout.auditLog} has no initialization event.`);
      const first = readEventAt(log.fd, state, 0);
      if (first.data?.storeId !== manifest.storeId || first.data.baseSha256 !== manifest.baseSha256) {
        throw unavailable(`${layout.auditLog} belongs to another runtime than ${layout.manifest}.`);
      }
      return {
        manifest,
        log,
        state,
        tail,
        snapshotSeq: snapshot.seq,
        ignoredSnapshotSeq: snapshot.newestIgnored,
      };
    } catch (error) {
      fs.closeSync(log.fd);
      stateOf?.release();
      throw error;
    }
  }

  /**
   * Brings the state up to the end of the log: a stat, then only the new bytes. Reloads from
   * scratch when audit.jsonl was replaced (the runtime was reset) and bumps the generation.
   */
  private refresh(): Tail {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.layout.auditLog);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") {
        throw unavailable(
          `${this.layout.auditLog} is missing: the runtime directory was removed or is being re-initialized. Retry in a moment.`,
        );
      }
      throw error;
    }
    // (birthtime is not compared: where statx is unavailable Node reports ctime, which every
    // append changes. A replacement that reuses the inode and has exactly our size is caught
    // by the check of our last line that every transaction makes under the lock.)
    if (st.ino !== this.log.ino || st.dev !== this.log.dev || st.size < this.state.logBytes) {
      return this.reload();
    }
    if (st.size === this.state.logBytes) return { kind: "clean" };
    const seen = this.badTailSeen;
    if (seen !== undefined && seen.size === st.size && seen.mtimeMs === st.mtimeMs) return seen.tail;
    const tail = foldLines(this.log.fd, this.state, st.size, this.batches, (m) => this.logger.warn(m));
    if (tail.kind !== "clean" && !this.lastLineIntact()) {
      // Our last line is gone from its place: the file was overwritten in place (same inode).
      return this.reload();
    }
    if (tail.kind === "bad") {
      if (seen?.tail.kind !== "bad" || seen.tail.offset !== tail.offset) {
        this.logger.warn(`${this.layout.auditLog}: ${describeTail(tail)}; reads stop before it.`);
      }
    }
    this.badTailSeen = tail.kind === "clean" ? undefined : { size: st.size, mtimeMs: st.mtimeMs, tail };
    return tail;
  }

  private lastLineIntact(): boolean {
    const line = this.lineAt(this.state.lastSeq);
    if (line === undefined) return true;
    const decoded = decodeLine(line);
    return decoded.ok && decoded.event.hash === this.state.lastHash;
  }

  private reload(): Tail {
    const loaded = FileStore.load(this.layout, this.logger, this.batches);
    this.closeHandles();
    this.snapshotSeq = loaded.snapshotSeq;
    this.manifest = loaded.manifest;
    this.log = loaded.log;
    // Not released here: a view taken before the reload may still read the old state; its
    // snapshot file closes when that state is collected.
    this.state = loaded.state;
    this.badTailSeen = undefined;
    this.generationValue++;
    this.logger.info(
      `the runtime in ${this.layout.root} was replaced; reloaded it (generation ${this.generationValue})`,
    );
    return loaded.tail;
  }

  private readEvents(seqs: readonly number[]): AuditEvent[] {
    const out: AuditEvent[] = [];
    let i = 0;
    while (i < seqs.length) {
      // Read runs of adjacent events with one read call.
      let j = i;
      while (j + 1 < seqs.length && seqs[j + 1] === (seqs[j] as number) + 1) j++;
      const first = this.state.eventLocation(seqs[i] as number);
      const last = this.state.eventLocation(seqs[j] as number);
      if (first === undefined || last === undefined)
        throw new Error(`no location for seq ${String(seqs[i])}`);
      const buf = readAt(this.log.fd, first.offset, last.offset + last.length - first.offset);
      for (let k = i; k <= j; k++) {
        const seq = seqs[k] as number;
        const loc = this.state.eventLocation(seq) as { offset: number; length: number };
        const start = loc.offset - first.offset;
        const decoded = decodeLine(buf.toString("utf8", start, start + loc.length), "fast");
        if (!decoded.ok || decoded.event.seq !== seq) {
          throw unavailable(
            `audit event seq ${seq} in ${this.layout.auditLog} cannot be read back (${decoded.ok ? "wrong sequence number" : decoded.detail}). Run audit:verify.`,
          );
        }
        out.push(decoded.event);
      }
      i = j + 1;
    }
    return out;
  }

  // ---------- internals: the commit protocol ----------

  private async commitLoop<T>(
    body: (view: StoreView) => TxOutcome<T>,
    held: HeldLock,
  ): Promise<AttemptResult<T>> {
    // A live writer holds a claim for milliseconds; one that holds it longer than the lock's
    // stale time is stuck, and we give up rather than guess.
    const deadline = Date.now() + LOCK_STALE_MS;
    let retries = 0;
    let pause = 2;
    for (;;) {
      const result = this.attempt(body, held);
      if (result.kind === "committed" || result.kind === "unchanged" || result.kind === "refused")
        return result;
      if (result.kind === "retry") {
        if (++retries > MAX_CLAIM_RETRIES)
          return {
            kind: "wait",
            reason: `Gave up after ${retries} lost claim races: ${result.reason}. Retry.`,
          };
        continue;
      }
      if (Date.now() >= deadline) return { kind: "wait", reason: `${result.reason}. Retry in a moment.` };
      await sleep(pause);
      pause = Math.min(pause * 1.5, 20);
    }
  }

  /** One synchronous commit attempt: nothing else in this process runs in between. */
  private attempt<T>(body: (view: StoreView) => TxOutcome<T>, held: HeldLock): AttemptResult<T> {
    const busy = this.recover();
    if (busy !== undefined) return { kind: "wait", reason: busy };
    const view = new StateView(this.state, this.generationValue);
    const outcome = body(view);
    if (typeof (outcome as unknown as PromiseLike<unknown> | undefined)?.then === "function") {
      // An async body would run outside the lock's critical section.
      throw new InvalidAuditEventError("a transaction body must be synchronous (it returned a promise)");
    }
    if ("value" in outcome) return { kind: "unchanged", value: outcome.value };
    if ("refusal" in outcome && outcome.event === undefined)
      return { kind: "refused", refusal: outcome.refusal };
    const prepared = this.prepareEvent(outcome.event as AuditEventDraft);
    const { event, line } = prepared;
    if (held.compromised()) {
      throw unavailable(
        `Lost the runtime lock on ${this.layout.root} before committing; nothing was written. Retry.`,
      );
    }
    if (!this.journal.tryClaim(event.seq, event.hash, line)) {
      return { kind: "retry", reason: `seq ${event.seq} was claimed by another writer` };
    }
    crashPoint("tx.claimed");
    // Another writer may have committed this seq and removed its claim just before we claimed
    // it (possible only if two processes believe they hold the lock): then our claim is void.
    if (fs.fstatSync(this.log.fd).size !== this.state.logBytes || this.logReplaced()) {
      this.journal.removeClaim(event.seq);
      return { kind: "retry", reason: `the log advanced past seq ${event.seq - 1} while claiming` };
    }
    let location: { offset: number; length: number };
    try {
      location = this.append(line);
    } catch (error) {
      throw this.undoAppend(event.seq, error);
    }
    applyEvent(this.state, event, location, this.batches, (m) => this.logger.warn(m));
    if (event.action === "tickets-imported") this.batches.forget();
    this.journal.removeClaim(event.seq);
    if ("refusal" in outcome) return { kind: "refused", refusal: outcome.refusal };
    return { kind: "committed", value: outcome.result(event) };
  }

  private logReplaced(): boolean {
    const st = fs.statSync(this.layout.auditLog);
    return st.ino !== this.log.ino || st.dev !== this.log.dev;
  }

  /** Assigns seq, id and hashes, and checks the event exactly as replay will read it back. */
  private prepareEvent(draft: AuditEventDraft): { event: AuditEvent; line: string } {
    const unknown = unknownKeys(draft);
    if (unknown.length > 0) {
      // The canonical form would silently drop them.
      throw new InvalidAuditEventError(`audit event draft has unknown keys: ${unknown.join(", ")}`);
    }
    const { line } = encodeEvent({
      ...draft,
      seq: this.state.lastSeq + 1,
      id: this.newId(),
      prevHash: this.state.lastHash,
    });
    const decoded = decodeLine(line);
    if (!decoded.ok) {
      throw new InvalidAuditEventError(
        `audit event draft (${String(draft.action)}) is invalid: ${decoded.detail}`,
      );
    }
    const problem = checkEvent(this.state, decoded.event, this.batches);
    if (problem?.damaged === true) {
      // The batch was removed or changed after staging (a stalled importer's orphan, say).
      throw unavailable(`Nothing was imported: ${problem.problem}. Stage the batch again and retry.`);
    }
    if (problem !== undefined) {
      throw new InvalidAuditEventError(`refusing to commit ${draft.action}: ${problem.problem}`);
    }
    return { event: decoded.event, line };
  }

  private append(line: string): { offset: number; length: number } {
    const fd = this.appendHandle();
    const buf = Buffer.from(`${line}\n`, "utf8");
    const offset = this.state.logBytes;
    // One write call: readers see a prefix of the line at worst, never interleaved lines.
    let written = fs.writeSync(fd, buf, 0, buf.length);
    while (written < buf.length) written += fs.writeSync(fd, buf, written, buf.length - written);
    crashPoint("tx.appended");
    fs.fdatasyncSync(fd);
    crashPoint("tx.synced");
    this.badTailSeen = undefined;
    return { offset, length: buf.length - 1 };
  }

  /**
   * After a failed write or fsync: cut whatever part of the line reached the file and drop the
   * claim, so the caller can be told for certain that nothing was committed.
   */
  private undoAppend(seq: number, cause: unknown): DomainError {
    const reason = errnoCode(cause) ?? (cause as Error).message;
    try {
      const fd = fs.openSync(this.layout.auditLog, "r+");
      try {
        fs.ftruncateSync(fd, this.state.logBytes);
        fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      this.journal.removeClaim(seq);
    } catch {
      return unavailable(
        `Writing the audit log failed (${reason}) and could not be undone: seq ${seq} will be completed or discarded by recovery. Read the audit log before retrying.`,
      );
    }
    return unavailable(
      `Writing the audit log failed (${reason}); nothing was committed. Retry once the disk problem is fixed.`,
    );
  }

  private appendHandle(): number {
    if (this.appendFd === undefined) {
      const fd = fs.openSync(this.layout.auditLog, fs.constants.O_WRONLY | fs.constants.O_APPEND | NOFOLLOW);
      const st = fs.fstatSync(fd);
      if (st.ino !== this.log.ino || st.dev !== this.log.dev) {
        fs.closeSync(fd);
        throw unavailable(`${this.layout.auditLog} was replaced while writing. Retry.`);
      }
      this.appendFd = fd;
    }
    return this.appendFd;
  }

  // ---------- internals: recovery ----------

  private async recoverOnOpen(tail: Tail): Promise<void> {
    const journalEmpty = this.journal.entries().length === 0;
    const orphans = this.batches.orphans((file) => this.batchInUse(file));
    if (journalEmpty && tail.kind === "clean" && orphans.length === 0) return;
    let held: HeldLock;
    try {
      held = await this.lock.acquire(this.lockTimeoutMs);
    } catch (error) {
      // Reads work without repair; the next transaction repairs under the lock.
      this.logger.warn(`recovery postponed: ${(error as Error).message}`);
      return;
    }
    try {
      const busy = this.recover();
      if (busy !== undefined) this.logger.warn(`recovery postponed: ${busy}`);
    } finally {
      await held.release();
    }
  }

  /**
   * Repairs what interrupted writers left, under the lock. Returns a reason to wait when a live
   * writer is mid-commit (only possible if the lock was lost or double-held), else undefined.
   */
  private recover(): string | undefined {
    let tail = this.refresh();
    // Never chain onto a line that is no longer there (a replaced file of identical size).
    if (!this.lastLineIntact()) tail = this.reload();
    if (tail.kind === "bad" && !isTorn(tail)) throw corruptLog(this.layout, this.state, tail);
    const now = Date.now();
    for (const entry of this.journal.entries(now)) {
      if (entry.kind === "temp") {
        if (entry.owner === "dead" || entry.owner === "self" || entry.ageMs > ABANDONED_AFTER_MS) {
          this.journal.removeEntry(entry.name);
        }
        continue;
      }
      if (entry.kind === "garbage") {
        const moved = this.journal.quarantine(entry.name);
        this.logger.warn(`journal/${entry.name} is ${entry.reason}; moved it to ${moved} (not applied)`);
        continue;
      }
      const { claim } = entry;
      const owner = livenessOf(claim);
      const ownerMayWrite = owner === "alive" || (owner === "unknown" && entry.ageMs < ABANDONED_AFTER_MS);
      if (claim.seq <= this.state.lastSeq) {
        if (ownerMayWrite) continue; // it will remove its own claim
        if (this.lineAt(claim.seq) === claim.line) {
          this.journal.removeEntry(entry.name);
        } else {
          const moved = this.journal.quarantine(entry.name);
          this.logger.warn(
            `journal/${entry.name} claims seq ${claim.seq}, which the log holds with other content; moved it to ${moved} (not applied)`,
          );
        }
        continue;
      }
      if (claim.seq === this.state.lastSeq + 1) {
        const problem = this.claimProblem(claim);
        if (problem !== undefined) {
          const moved = this.journal.quarantine(entry.name);
          this.logger.warn(`journal/${entry.name} cannot be applied (${problem}); moved it to ${moved}`);
          continue;
        }
        if (ownerMayWrite)
          return `seq ${claim.seq} is being committed by pid ${claim.pid} on ${claim.hostname}`;
        this.rollForward(claim, tail);
        tail = this.refresh();
        continue;
      }
      if (ownerMayWrite) return `journal/${entry.name} from live pid ${claim.pid} is ahead of the log`;
      const moved = this.journal.quarantine(entry.name);
      this.logger.warn(
        `journal/${entry.name} claims seq ${claim.seq} but the log ends at seq ${this.state.lastSeq}; moved it to ${moved} (not applied)`,
      );
    }
    if (tail.kind !== "clean") {
      // A writer that claimed meanwhile may be the one appending: leave its bytes alone.
      if (fs.existsSync(this.journal.claimPath(this.state.lastSeq + 1))) {
        return `seq ${this.state.lastSeq + 1} was claimed while repairing the log`;
      }
      this.cutTornTail(tail.size);
    }
    this.removeOrphanBatches();
    return undefined;
  }

  /**
   * Removes import batches no committed event or journal claim uses, whose writer is dead or
   * which are older than the grace period (imports.ts). Only under the lock, once the journal
   * is settled, so a claim being rolled forward never loses its batch.
   */
  private removeOrphanBatches(): void {
    const orphans = this.batches.orphans((file) => this.batchInUse(file));
    if (orphans.length === 0) return;
    this.batches.remove(orphans);
    this.logger.warn(
      `removed ${orphans.length} import batch file(s) no committed event uses (an import was interrupted before its commit): ${orphans.map((n) => `imports/${n}`).join(", ")}`,
    );
  }

  /** Whether a committed event or a pending claim names `file` as its batch. */
  private batchInUse(file: string): boolean {
    if (this.state.importOfBatch(file) !== undefined) return true;
    const needle = JSON.stringify(file);
    return this.journal
      .entries()
      .some((entry) => entry.kind === "claim" && entry.claim.line.includes(needle));
  }

  private claimProblem(claim: Claim): string | undefined {
    const decoded = decodeLine(claim.line);
    if (!decoded.ok) return `its line is not a valid event: ${decoded.detail}`;
    const event = decoded.event;
    if (event.seq !== claim.seq) return `its line holds seq ${event.seq}`;
    if (event.hash !== claim.hash) return "its hash does not match its line";
    if (event.prevHash !== this.state.lastHash) return `it does not follow seq ${this.state.lastSeq}`;
    const problem = checkEvent(this.state, event, this.batches);
    return problem === undefined ? undefined : `it does not apply: ${problem.problem}`;
  }

  /** Finishes a dead writer's commit from its claim. */
  private rollForward(claim: Claim, tail: Tail): void {
    if (tail.kind !== "clean") this.cutTornTail(tail.size);
    const decoded = decodeLine(claim.line);
    if (!decoded.ok) return;
    const location = this.append(claim.line);
    applyEvent(this.state, decoded.event, location, this.batches, (m) => this.logger.warn(m));
    this.batches.forget();
    this.journal.removeClaim(claim.seq);
    this.logger.warn(
      `finished the commit of seq ${claim.seq} (${decoded.event.action}) left by pid ${claim.pid} on ${claim.hostname}, which died before completing it`,
    );
  }

  /** Cuts an interrupted append off the end of the log, keeping the bytes in journal/quarantine. */
  private cutTornTail(size: number): void {
    const from = this.state.logBytes;
    if (size <= from) return;
    const bytes = readAt(this.log.fd, from, size - from);
    fs.mkdirSync(this.layout.quarantineDir, { recursive: true });
    const saved = join(this.layout.quarantineDir, `torn-${from}-${Date.now()}.bin`);
    fs.writeFileSync(saved, bytes);
    const fd = fs.openSync(this.layout.auditLog, "r+");
    try {
      fs.ftruncateSync(fd, from);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.badTailSeen = undefined;
    this.logger.warn(
      `cut an incomplete last line (${bytes.length} bytes at offset ${from}) off ${this.layout.auditLog}: an append was interrupted; the bytes are kept in ${saved}`,
    );
  }

  private lineAt(seq: number): string | undefined {
    const loc = this.state.eventLocation(seq);
    return loc === undefined ? undefined : readAt(this.log.fd, loc.offset, loc.length).toString("utf8");
  }

  // ---------- internals: housekeeping ----------

  /** Snapshots are a cache: failing to write one is a warning, never an error. */
  private maybeSnapshot(force = false): void {
    if (this.snapshotEvery <= 0 || this.closed) return;
    if (!force && this.state.lastSeq - this.snapshotSeq < this.snapshotEvery) return;
    this.snapshotUnlessRecent(force);
  }

  /** Writes a snapshot unless another process wrote one fewer than snapshotEvery events ago. */
  private snapshotUnlessRecent(force: boolean): void {
    try {
      const newest = snapshotSeqs(this.layout)[0] ?? -1;
      if (!force && newest >= 0 && this.state.lastSeq - newest < this.snapshotEvery) {
        this.snapshotSeq = Math.max(this.snapshotSeq, newest);
        return;
      }
      this.checkpoint();
    } catch (error) {
      this.snapshotSeq = this.state.lastSeq;
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

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`the store for ${this.layout.root} is closed`);
  }

  private closeHandles(): void {
    for (const fd of [this.log.fd, this.appendFd]) {
      if (fd === undefined) continue;
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.appendFd = undefined;
  }
}

/**
 * Folds the complete lines after state.logBytes (up to `size`) into the state. Stops at the
 * first line that is not a valid next event, and says what is left.
 */
function foldLines(
  fd: number,
  state: StoreState,
  size: number,
  context: ReducerContext,
  warn: (message: string) => void,
): Tail {
  let bad: Extract<Tail, { kind: "bad" }> | undefined;
  const end = forEachLine(fd, state.logBytes, size, (text, offset, length) => {
    const final = offset + length + 1 === size;
    const decoded = decodeLine(text, "fast");
    if (!decoded.ok) {
      bad = { kind: "bad", size, offset, final, problem: decoded.problem, detail: decoded.detail };
      return false;
    }
    const event = decoded.event;
    if (event.seq !== state.lastSeq + 1 || event.prevHash !== state.lastHash) {
      const detail =
        event.seq !== state.lastSeq + 1
          ? `it holds seq ${event.seq} after seq ${state.lastSeq}`
          : `its prevHash is not the hash of seq ${state.lastSeq}`;
      bad = { kind: "bad", size, offset, final, problem: "chain", detail };
      return false;
    }
    applyEvent(state, event, { offset, length }, context, warn);
    return true;
  });
  if (bad !== undefined) return bad;
  return end < size ? { kind: "partial", size } : { kind: "clean" };
}

/**
 * An interrupted append: an incomplete last line, or a last line that is not even JSON. A last
 * line that parses but fails the schema or the chain was not torn by a crash: it is damage.
 */
function isTorn(tail: Tail): boolean {
  return tail.kind === "partial" || (tail.kind === "bad" && tail.final && tail.problem === "unparseable");
}

function describeTail(tail: Extract<Tail, { kind: "bad" }>): string {
  return `the line at byte ${tail.offset} is not a valid next audit event (${tail.detail})`;
}

function corruptLog(layout: Layout, state: StoreState, tail: Extract<Tail, { kind: "bad" }>): DomainError {
  return unavailable(
    `The audit log ${layout.auditLog} is damaged after seq ${state.lastSeq}: ${describeTail(tail)}. ` +
      `Nothing more is written until it is repaired (${RUNBOOK} says how); run audit:verify for details.`,
    { lastGoodSeq: state.lastSeq, offset: tail.offset },
  );
}

function readBase(layout: Layout, manifest: Manifest): Ticket[] {
  let baseText: Buffer;
  try {
    baseText = fs.readFileSync(layout.baseTickets);
  } catch (error) {
    throw unavailable(`${layout.baseTickets} cannot be read (${errnoCode(error) ?? String(error)}).`);
  }
  // The base was validated when it was written; its hash proves it is still that file.
  if (sha256Hex(baseText) !== manifest.baseSha256) {
    throw unavailable(
      `${layout.baseTickets} does not match the hash recorded at initialization: it was modified. ` +
        `Restore it from a backup (${RUNBOOK} says how), or run audit:verify for details.`,
    );
  }
  return JSON.parse(baseText.toString("utf8")) as Ticket[];
}

/**
 * The runtime directory may be reached through links (macOS /tmp), but the files the store owns
 * must be regular files inside it: a link would make it read and append outside the directory.
 */
function refuseLinks(layout: Layout): void {
  for (const path of [layout.manifest, layout.baseTickets, layout.auditLog]) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path);
    } catch {
      continue; // a missing file is reported by its reader
    }
    if (st.isSymbolicLink()) {
      throw unavailable(
        `${path} is a symbolic link (to ${fs.readlinkSync(path)}). The store only uses regular files inside ${layout.root}: ` +
          `put the file itself back in place. Nothing was read or written.`,
      );
    }
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

function readEventAt(fd: number, state: StoreState, seq: number): AuditEvent {
  const loc = state.eventLocation(seq);
  if (loc === undefined) throw new Error(`no event ${seq}`);
  const decoded = decodeLine(readAt(fd, loc.offset, loc.length).toString("utf8"));
  if (!decoded.ok) throw new Error(`event ${seq} cannot be read back: ${decoded.detail}`);
  return decoded.event;
}

/** Opens (and on first start initializes) a file-backed store. */
export function openFileStore(options: FileStoreOptions): Promise<FileStore> {
  return FileStore.open(options);
}
