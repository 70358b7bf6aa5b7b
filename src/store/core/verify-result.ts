// What audit:verify reports, for a runtime directory and for a database alike.

/**
 * What can be wrong with an audit line:
 * - altered: the line's hash does not match its content, or it is not in canonical form;
 * - removed: a sequence number is missing;
 * - reordered: a sequence number appears out of order (it occurs later in the file);
 * - chain-broken: the line is intact but its prevHash is not the previous line's hash
 *   (the previous event was replaced and re-hashed, or lines were spliced in from elsewhere);
 * - invalid: not JSON, or not an audit event;
 * - torn: the last line is incomplete (an interrupted append; the store repairs it on its next
 *   write, so this is only reported when verifying a log nobody has opened since the crash);
 * - base-altered: the base tickets (base/tickets.json, or the store row of a database) are not those the seq-0 event recorded;
 * - batch-missing / batch-altered: the batch of a `tickets-imported` event (an imports/ file, or an import_batches row) is gone,
 *   or is not the one (sha256) the event recorded;
 * - copy-differs: a database's log and a machine's local copy of it (audit-copies/) hold different
 *   lines for a seq, or the copy holds more events: the log was rewritten or restored, or the copy
 *   was changed.
 */
export type VerifyProblem =
  | "altered"
  | "removed"
  | "reordered"
  | "chain-broken"
  | "invalid"
  | "torn"
  | "base-altered"
  | "batch-missing"
  | "batch-altered"
  | "copy-differs";

export type VerifyResult =
  | {
      readonly ok: true;
      readonly events: number;
      readonly headHash: string;
      /** The local copy compared with a database's log, line by line, and how many events it holds. */
      readonly copy?: { readonly file: string; readonly events: number } | undefined;
    }
  | {
      readonly ok: false;
      /** The first bad sequence number (for removed/reordered: the one missing at that place). */
      readonly seq: number;
      /** 1-based line number in audit.jsonl (the file store), or the row's position (a database). */
      readonly line: number;
      readonly problem: VerifyProblem;
      readonly detail: string;
    };

/** An audit log without seq 0. */
export const EMPTY_LOG: VerifyResult = {
  ok: false,
  seq: 0,
  line: 1,
  problem: "removed",
  detail: "the audit log is empty: seq 0 is missing",
};
