import * as fs from "node:fs";
import { join } from "node:path";
import { decodeLine } from "../core/event-codec.js";
import { checkEvent } from "../core/apply.js";
import type { LogAppender } from "./commit.js";
import { livenessOf, readAt, truncateDurably } from "./fs-util.js";
import type { ImportBatches } from "./imports.js";
import { ABANDONED_AFTER_MS, type Claim, type Journal } from "./journal.js";
import type { HeldLock, RuntimeLock } from "./lock.js";
import { corruptLog, isTorn, type LogReader, type StoreLogger, type Tail } from "./log.js";

// Repairs what interrupted writers left, under the runtime lock, before every commit and when a
// runtime is opened: a claim whose line never reached the log is finished ("rolled forward"), a
// claim whose line is in the log is removed, a claim that does not continue the log is moved to
// journal/quarantine, an incomplete last line with no live writer is cut off (its bytes kept in
// the quarantine), and an import batch no event uses is removed once its writer is gone.

export class Recovery {
  constructor(
    private readonly log: LogReader,
    private readonly journal: Journal,
    private readonly batches: ImportBatches,
    private readonly appender: LogAppender,
    private readonly logger: StoreLogger,
  ) {}

  /** After opening: repairs at once when something needs it (reads work without it). */
  async onOpen(lock: RuntimeLock, lockTimeoutMs: number): Promise<void> {
    const tail = this.log.loadTail;
    const journalEmpty = this.journal.entries().length === 0;
    const orphans = this.batches.orphans((file) => this.batchInUse(file));
    if (journalEmpty && tail.kind === "clean" && orphans.length === 0) return;
    let held: HeldLock;
    try {
      held = await lock.acquire(lockTimeoutMs);
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
  recover(): string | undefined {
    const log = this.log;
    let tail = log.refresh();
    // Never chain onto a line that is no longer there (a replaced file of identical size).
    if (!log.lastLineIntact()) tail = log.reload();
    if (tail.kind === "bad" && !isTorn(tail)) throw corruptLog(log.layout, log.state, tail);
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
      const lastSeq = log.state.lastSeq;
      if (claim.seq <= lastSeq) {
        if (ownerMayWrite) continue; // it will remove its own claim
        if (log.lineAt(claim.seq) === claim.line) {
          this.journal.removeEntry(entry.name);
        } else {
          const moved = this.journal.quarantine(entry.name);
          this.logger.warn(
            `journal/${entry.name} claims seq ${claim.seq}, which the log holds with other content; moved it to ${moved} (not applied)`,
          );
        }
        continue;
      }
      if (claim.seq === lastSeq + 1) {
        const problem = this.claimProblem(claim);
        if (problem !== undefined) {
          const moved = this.journal.quarantine(entry.name);
          this.logger.warn(`journal/${entry.name} cannot be applied (${problem}); moved it to ${moved}`);
          continue;
        }
        if (ownerMayWrite)
          return `seq ${claim.seq} is being committed by pid ${claim.pid} on ${claim.hostname}`;
        this.rollForward(claim, tail);
        tail = log.refresh();
        continue;
      }
      if (ownerMayWrite) return `journal/${entry.name} from live pid ${claim.pid} is ahead of the log`;
      const moved = this.journal.quarantine(entry.name);
      this.logger.warn(
        `journal/${entry.name} claims seq ${claim.seq} but the log ends at seq ${lastSeq}; moved it to ${moved} (not applied)`,
      );
    }
    if (tail.kind !== "clean") {
      // A writer that claimed meanwhile may be the one appending: leave its bytes alone.
      if (fs.existsSync(this.journal.claimPath(log.state.lastSeq + 1))) {
        return `seq ${log.state.lastSeq + 1} was claimed while repairing the log`;
      }
      this.cutTornTail(tail.size);
    }
    this.removeOrphanBatches();
    return undefined;
  }

  /** Whether a committed event or a pending claim names `file` as its batch. */
  batchInUse(file: string): boolean {
    if (this.log.state.importOfBatch(file) !== undefined) return true;
    const needle = JSON.stringify(file);
    return this.journal
      .entries()
      .some((entry) => entry.kind === "claim" && entry.claim.line.includes(needle));
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

  private claimProblem(claim: Claim): string | undefined {
    const decoded = decodeLine(claim.line);
    if (!decoded.ok) return `its line is not a valid event: ${decoded.detail}`;
    const event = decoded.event;
    const state = this.log.state;
    if (event.seq !== claim.seq) return `its line holds seq ${event.seq}`;
    if (event.hash !== claim.hash) return "its hash does not match its line";
    if (event.prevHash !== state.lastHash) return `it does not follow seq ${state.lastSeq}`;
    const problem = checkEvent(state, event, this.batches);
    return "problem" in problem ? `it does not apply: ${problem.problem}` : undefined;
  }

  /** Finishes a dead writer's commit from its claim. */
  private rollForward(claim: Claim, tail: Tail): void {
    if (tail.kind !== "clean") this.cutTornTail(tail.size);
    const decoded = decodeLine(claim.line);
    if (!decoded.ok) return;
    this.log.fold(decoded.event, this.appender.append(claim.line));
    this.batches.forget();
    this.journal.removeClaim(claim.seq);
    this.logger.warn(
      `finished the commit of seq ${claim.seq} (${decoded.event.action}) left by pid ${claim.pid} on ${claim.hostname}, which died before completing it`,
    );
  }

  /** Cuts an interrupted append off the end of the log, keeping the bytes in journal/quarantine. */
  private cutTornTail(size: number): void {
    const layout = this.log.layout;
    const from = this.log.positions.bytes;
    if (size <= from) return;
    const bytes = readAt(this.log.fd, from, size - from);
    fs.mkdirSync(layout.quarantineDir, { recursive: true });
    const saved = join(layout.quarantineDir, `torn-${from}-${Date.now()}.bin`);
    fs.writeFileSync(saved, bytes);
    truncateDurably(layout.auditLog, from);
    this.log.tailRepaired();
    this.logger.warn(
      `cut an incomplete last line (${bytes.length} bytes at offset ${from}) off ${layout.auditLog}: an append was interrupted; the bytes are kept in ${saved}`,
    );
  }
}
