import { writeFileSync } from "node:fs";

// Test-only fault injection. Inert unless TRIAGE_CRASH_POINTS=1: crash tests run a child process
// with TRIAGE_CRASH_AT=<name> and check that a SIGKILL at that exact step leaves a store that
// recovers to "the event fully there" or "fully absent", never in between.

/** The named steps of a transaction, of initialization and of handoff delivery, in the order they are reached. */
export const CRASH_POINTS = [
  // transact(): lock held, nothing read or written yet.
  "tx.locked",
  // An import's batch file is written and fsynced under imports/; no event is claimed yet.
  // (transactImport stages inside the transaction; stageImportBatch alone, before any lock.)
  "import.batch-staged",
  // The sequence number is claimed (journal/<seq>.json holds the full line); log untouched.
  "tx.claimed",
  // The line is written to audit.jsonl but not yet fsynced.
  "tx.appended",
  // The line is durable; the claim file is still there.
  "tx.synced",
  // The lock is released; the caller has not been answered yet.
  "tx.released",
  // Initialization: base/tickets.json written, no audit log yet.
  "init.base-written",
  // Initialization: audit.jsonl with the seq-0 event written, no store.json yet.
  "init.log-written",
  // Handoff delivery: `handoff-attempted` is committed, the request has not been sent.
  "handoff.attempt-recorded",
  // Handoff delivery: the receiver answered, the outcome is not committed yet.
  "handoff.posted",
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/**
 * Kills the process with SIGKILL when the environment names this step. With
 * TRIAGE_CRASH_ACTION=pause it instead writes TRIAGE_CRASH_MARKER (if set) and blocks the thread
 * for TRIAGE_PAUSE_MS (default 2000), so a test can act while this process sits at the step.
 */
export function crashPoint(name: CrashPoint): void {
  const env = process.env;
  if (env.TRIAGE_CRASH_POINTS !== "1" || env.TRIAGE_CRASH_AT !== name) return;
  if (env.TRIAGE_CRASH_ACTION === "pause") {
    if (env.TRIAGE_CRASH_MARKER !== undefined) writeFileSync(env.TRIAGE_CRASH_MARKER, `${process.pid}\n`);
    const ms = Number(env.TRIAGE_PAUSE_MS ?? "2000");
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number.isFinite(ms) ? ms : 2000);
    return;
  }
  process.kill(process.pid, "SIGKILL");
}
