import { parseAuditEvent, type AuditEvent, type AuditEventDraft } from "../../domain/audit-events.js";
import { DomainError } from "../../domain/errors.js";
import type { TxOutcome } from "../types.js";
import { decodeLine, encodeEvent, unknownKeys } from "./event-codec.js";
import { checkEvent } from "./apply.js";
import type { Effect, ReducerContext } from "./reducer.js";
import type { StoreState } from "./state.js";

// The backend-neutral half of a transaction: what a body's outcome asks for, and the event a
// draft becomes after the state's last one (its line, its hash in the chain, checked exactly as a
// replay will read it back), with the store's two errors. A backend runs the body against its caught-up state under its own
// exclusion, then claims the sequence number, makes the line durable and applies the event with
// applyEvent (file/commit.ts does this with a lock, a journal claim and an append).

/** A transaction body tried to commit an event that is malformed or does not apply. A bug. */
export class InvalidAuditEventError extends Error {
  override readonly name = "InvalidAuditEventError";
}

/** The store cannot serve the request now (STORE_UNAVAILABLE); the message says what to do. */
export function unavailable(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError("STORE_UNAVAILABLE", message, details);
}

/** What a body's outcome asks the backend to do. */
export type Decision<T> =
  | {
      readonly kind: "commit";
      readonly draft: AuditEventDraft;
      readonly result: (committed: AuditEvent) => T;
    }
  | { readonly kind: "refuse"; readonly refusal: DomainError; readonly draft?: AuditEventDraft }
  | { readonly kind: "value"; readonly value: T }
  | { readonly kind: "replay"; readonly seq: number; readonly answer: (original: AuditEvent) => T };

/** Reads a body's outcome. A body must be synchronous: it runs inside the critical section. */
export function decide<T>(outcome: TxOutcome<T>): Decision<T> {
  if (typeof (outcome as unknown as PromiseLike<unknown> | undefined)?.then === "function") {
    throw new InvalidAuditEventError("a transaction body must be synchronous (it returned a promise)");
  }
  if ("value" in outcome) return { kind: "value", value: outcome.value };
  if ("replay" in outcome) {
    return { kind: "replay", seq: outcome.replay, answer: (event) => replay(event, outcome.answer) };
  }
  if ("refusal" in outcome) {
    const { refusal, event } = outcome;
    return event === undefined ? { kind: "refuse", refusal } : { kind: "refuse", refusal, draft: event };
  }
  return { kind: "commit", draft: outcome.event, result: outcome.result };
}

/** Hands a committed event, its data parsed, to a replay's `answer`. */
function replay<T>(event: AuditEvent, answer: Extract<TxOutcome<T>, { replay: number }>["answer"]): T {
  const typed = parseAuditEvent(event);
  if ("problem" in typed) {
    // The idempotency index only holds events that applied, whose data therefore parsed.
    throw unavailable(
      `Audit event seq ${event.seq} cannot be replayed: its ${typed.problem}. Run audit:verify.`,
    );
  }
  return answer(typed.event);
}

/** A draft made into the next event: the event, its line, and the records it will change. */
export interface PreparedEvent {
  readonly event: AuditEvent;
  readonly line: string;
  readonly effects: readonly Effect[];
}

/**
 * Assigns seq, id and hashes to `draft` as the event after `state`'s last one, and checks the
 * event exactly as replay will read it back. Throws InvalidAuditEventError for a draft that is
 * malformed or does not apply, STORE_UNAVAILABLE when a file it relies on is gone.
 */
export function prepareEvent(
  state: StoreState,
  draft: AuditEventDraft,
  id: string,
  context: ReducerContext,
): PreparedEvent {
  const unknown = unknownKeys(draft);
  if (unknown.length > 0) {
    // The canonical form would silently drop them.
    throw new InvalidAuditEventError(`audit event draft has unknown keys: ${unknown.join(", ")}`);
  }
  const { line } = encodeEvent({ ...draft, seq: state.lastSeq + 1, id, prevHash: state.lastHash });
  const decoded = decodeLine(line);
  if (!decoded.ok) {
    throw new InvalidAuditEventError(
      `audit event draft (${String(draft.action)}) is invalid: ${decoded.detail}`,
    );
  }
  const problem = checkEvent(state, decoded.event, context);
  if ("effects" in problem) return { event: decoded.event, line, effects: problem.effects };
  if (problem.damaged === true) {
    // The batch was removed or changed after staging (a stalled importer's orphan, say).
    throw unavailable(`Nothing was imported: ${problem.problem}. Stage the batch again and retry.`);
  }
  throw new InvalidAuditEventError(`refusing to commit ${draft.action}: ${problem.problem}`);
}
