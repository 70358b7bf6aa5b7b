import { channel } from "node:diagnostics_channel";

// The named steps of a transaction, of initialization and of handoff delivery, published on a
// diagnostics channel as they are reached. Nothing in the server listens. The crash tests load a
// test-only observer into a child process (test/support/crash-hook.mjs) that kills or pauses it
// at one step, to prove that a kill at any step leaves the event fully there or fully absent.
// Publishing to a channel nobody subscribes to costs one check.

/** The diagnostics channel the steps are published on, as `{ step }`. */
export const STEP_CHANNEL = "support-triage-mcp:step";

/** The steps, in the order a write reaches them. */
export const STEPS = [
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
export type Step = (typeof STEPS)[number];

const steps = channel(STEP_CHANNEL);

/** Announces that this process has reached `step`. */
export function reachStep(step: Step): void {
  if (steps.hasSubscribers) steps.publish({ step });
}
