import * as fs from "node:fs";
import type { AuditEvent, AuditEventDraft } from "../../domain/audit-events.js";
import { DomainError } from "../../domain/errors.js";
import { reachStep } from "../core/steps.js";
import { decide, prepareEvent, unavailable, type PreparedEvent } from "../core/transaction.js";
import { StateView } from "../core/view.js";
import type { StoreView, TxOutcome } from "../types.js";
import { errnoCode, sleep, truncateDurably } from "./fs-util.js";
import type { ImportBatches } from "./imports.js";
import type { Journal } from "./journal.js";
import { LOCK_STALE_MS, type HeldLock } from "./lock.js";
import { NOFOLLOW, type LogReader } from "./log.js";
import type { EventLocation } from "./positions.js";
import type { Recovery } from "./recovery.js";

// The commit protocol, one event per transaction:
//
//   (lock held) -> catch up + recover -> body(view) -> claim journal/<seq>.json (exclusive
//   create) -> append the line (one write) -> fdatasync -> apply in memory -> remove the claim
//
// The claim is what makes a sequence number single: even two processes that both believe they
// hold the lock cannot both commit seq N, and a loser re-runs its body against the winner's
// state. A kill at any point leaves either no trace of the event or a claim that recovery
// finishes (recovery.ts). See docs/architecture.md.

/** How one commit attempt ended; "retry" and "wait" mean nothing was committed. */
export type AttemptResult<T> =
  | { readonly kind: "committed"; readonly value: T }
  /** The body returned a value, or replayed a committed event: nothing was appended. */
  | { readonly kind: "unchanged"; readonly value: T }
  | { readonly kind: "refused"; readonly refusal: DomainError }
  | { readonly kind: "retry"; readonly reason: string }
  | { readonly kind: "wait"; readonly reason: string };

const MAX_CLAIM_RETRIES = 100;

/** Appends lines to audit.jsonl, durably, and takes back a failed append. */
export class LogAppender {
  private fd: number | undefined;
  /** The log reader's generation the descriptor was opened in (a reload means another file). */
  private openedIn = 0;

  constructor(private readonly log: LogReader) {}

  /** Appends `line` after the last folded event; returns where it went. */
  append(line: string): EventLocation {
    const fd = this.handle();
    const buf = Buffer.from(`${line}\n`, "utf8");
    const offset = this.log.positions.bytes;
    // One write call: readers see a prefix of the line at worst, never interleaved lines.
    let written = fs.writeSync(fd, buf, 0, buf.length);
    while (written < buf.length) written += fs.writeSync(fd, buf, written, buf.length - written);
    reachStep("tx.appended");
    fs.fdatasyncSync(fd);
    reachStep("tx.synced");
    return { offset, length: buf.length - 1 };
  }

  /**
   * After a failed write or fsync: cuts whatever part of the line reached the file and drops
   * the claim, so the caller can be told for certain that nothing was committed.
   */
  undo(seq: number, cause: unknown, journal: Journal): DomainError {
    const reason = errnoCode(cause) ?? (cause as Error).message;
    try {
      truncateDurably(this.log.layout.auditLog, this.log.positions.bytes);
      journal.removeClaim(seq);
    } catch {
      return unavailable(
        `Writing the audit log failed (${reason}) and could not be undone: seq ${seq} will be completed or discarded by recovery. Read the audit log before retrying.`,
      );
    }
    return unavailable(
      `Writing the audit log failed (${reason}); nothing was committed. Retry once the disk problem is fixed.`,
    );
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }

  private handle(): number {
    if (this.fd !== undefined && this.openedIn === this.log.generation) return this.fd;
    this.close();
    const path = this.log.layout.auditLog;
    const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_APPEND | NOFOLLOW);
    if (!this.log.isItsFile(fs.fstatSync(fd))) {
      fs.closeSync(fd);
      throw unavailable(`${path} was replaced while writing. Retry.`);
    }
    this.fd = fd;
    this.openedIn = this.log.generation;
    return fd;
  }
}

/** Runs transaction bodies against the log and commits their events. */
export class Committer {
  constructor(
    private readonly log: LogReader,
    private readonly journal: Journal,
    private readonly batches: ImportBatches,
    private readonly recovery: Recovery,
    private readonly appender: LogAppender,
    private readonly newId: () => string,
  ) {}

  /** Attempts until the event is committed or refused, retrying lost claim races, waiting for live claims. */
  async commitLoop<T>(body: (view: StoreView) => TxOutcome<T>, held: HeldLock): Promise<AttemptResult<T>> {
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
  attempt<T>(body: (view: StoreView) => TxOutcome<T>, held: HeldLock): AttemptResult<T> {
    const busy = this.recovery.recover();
    if (busy !== undefined) return { kind: "wait", reason: busy };
    const decision = decide(body(new StateView(this.log.state, this.log.generation)));
    if (decision.kind === "value") return { kind: "unchanged", value: decision.value };
    if (decision.kind === "replay") return this.replay(decision.seq, decision.answer);
    if (decision.kind === "refuse" && decision.draft === undefined)
      return { kind: "refused", refusal: decision.refusal };
    const { event, line } = this.prepare(decision.draft as AuditEventDraft);
    if (held.compromised()) {
      throw unavailable(
        `Lost the runtime lock on ${this.log.layout.root} before committing; nothing was written. Retry.`,
      );
    }
    if (!this.journal.tryClaim(event.seq, event.hash, line)) {
      return { kind: "retry", reason: `seq ${event.seq} was claimed by another writer` };
    }
    reachStep("tx.claimed");
    // Another writer may have committed this seq and removed its claim just before we claimed
    // it (possible only if two processes believe they hold the lock): then our claim is void.
    if (fs.fstatSync(this.log.fd).size !== this.log.positions.bytes || this.log.replaced()) {
      this.journal.removeClaim(event.seq);
      return { kind: "retry", reason: `the log advanced past seq ${event.seq - 1} while claiming` };
    }
    let location: EventLocation;
    try {
      location = this.appender.append(line);
    } catch (error) {
      throw this.appender.undo(event.seq, error, this.journal);
    }
    this.log.fold(event, location);
    if (event.action === "tickets-imported") this.batches.forget();
    this.journal.removeClaim(event.seq);
    if (decision.kind === "refuse") return { kind: "refused", refusal: decision.refusal };
    return { kind: "committed", value: decision.result(event) };
  }

  /** The event `draft` becomes as the next one: seq, id and hashes assigned, checked. */
  prepare(draft: AuditEventDraft): PreparedEvent {
    return prepareEvent(this.log.state, draft, this.newId(), this.batches);
  }

  /** An idempotent retry: the original event, read back, answers (or refuses) again. */
  private replay<T>(seq: number, answer: (original: AuditEvent) => T): AttemptResult<T> {
    if (!Number.isInteger(seq) || seq < 0 || seq > this.log.state.lastSeq) {
      throw new Error(`a retry names seq ${seq}, which is not committed`);
    }
    const event = this.log.readEvents([seq])[0];
    if (event === undefined) throw new Error(`audit event seq ${seq} was not read back`);
    try {
      return { kind: "unchanged", value: answer(event) };
    } catch (error) {
      if (error instanceof DomainError) return { kind: "refused", refusal: error };
      throw error;
    }
  }
}
