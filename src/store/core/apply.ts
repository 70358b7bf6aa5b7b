import {
  idempotencyRecordOf,
  parseAuditEvent,
  type AuditAction,
  type AuditEvent,
  type AuditEventOf,
} from "../../domain/audit-events.js";
import { DomainError } from "../../domain/errors.js";
import { REDUCERS, type Effect, type Prepared, type Reducer, type ReducerContext } from "./reducer.js";
import type { StoreState } from "./state.js";
import { RUNBOOK } from "../../paths.js";

// How every event is folded into the state, whatever its action: its data parsed by its
// action's schema, the idempotency index checked, then its entry in REDUCERS (reducer.ts). The
// write path asks checkEvent before it commits; replay (and the commit itself) uses applyEvent.

/** The entry of the event's action, with the event typed for it. */
function reduce<A extends AuditAction>(
  state: StoreState,
  event: AuditEventOf<A>,
  context: ReducerContext,
): Prepared {
  const reducer: Reducer<A> = REDUCERS[event.action];
  return reducer(state, event, context);
}

// Every action goes through here: its data parsed by its schema, the action's own check, plus
// the idempotency index. A key belongs to the first event that used it; a second event with the
// same key would make a retry ambiguous, so it does not fit the state (refused at commit, an
// inconsistency in replay).
function prepare(state: StoreState, event: AuditEvent, context: ReducerContext): Prepared {
  const record = idempotencyRecordOf(event);
  if (record !== undefined) {
    const first = state.idempotency(record.key);
    if (first !== undefined) {
      return {
        problem: `idempotency key ${record.key} was already used by seq ${first.seq} (${first.action})`,
      };
    }
  }
  const typed = parseAuditEvent(event);
  if ("problem" in typed) return typed;
  return reduce(state, typed.event, context);
}

/** Makes the state what `effects` say; the one place records change. */
function applyEffects(state: StoreState, effects: readonly Effect[]): void {
  for (const effect of effects) {
    switch (effect.kind) {
      case "ticket-added":
        state.tickets.add(effect.ticket);
        break;
      case "tickets-imported":
        state.tickets.addMany(effect.tickets);
        state.recordImport(effect.record);
        break;
      case "ticket-replaced":
        state.tickets.replace(effect.ticket);
        break;
      case "recommendation-added":
        state.addRecommendation(effect.recommendation);
        break;
      case "recommendation-replaced":
        state.replaceRecommendation(effect.recommendation);
        break;
      case "handoff-added":
        state.addHandoff(effect.handoff);
        break;
      case "handoff-replaced":
        state.replaceHandoff(effect.handoff);
        break;
      case "workspace-recorded":
        state.recordWorkspace(effect.record);
        break;
    }
  }
}

/** The problem `event` would have if applied to `state` now, or the records it would change. */
export function checkEvent(state: StoreState, event: AuditEvent, context: ReducerContext): Prepared {
  return prepare(state, event, context);
}

/** A committed event's import batch is missing or altered: the state cannot be built. */
export function batchDamage(event: AuditEvent, problem: string): DomainError {
  return new DomainError(
    "STORE_UNAVAILABLE",
    `The tickets imported by audit event seq ${event.seq} cannot be loaded: ${problem}. ` +
      `Restore the file from a backup (${RUNBOOK} says how), or run audit:verify for details.`,
    { seq: event.seq },
  );
}

/**
 * Folds one event into the state. The event is always recorded (it is in the log); an
 * inconsistent event changes nothing else and is reported through `onInconsistency`. A damaged
 * runtime (an import batch missing or altered) throws STORE_UNAVAILABLE before anything is
 * recorded: skipping the event would silently drop its tickets.
 */
export function applyEvent(
  state: StoreState,
  event: AuditEvent,
  context: ReducerContext,
  onInconsistency: (message: string) => void,
): void {
  const prepared = prepare(state, event, context);
  if ("problem" in prepared && prepared.damaged === true) throw batchDamage(event, prepared.problem);
  state.recordEvent(event);
  if ("problem" in prepared) {
    state.inconsistencies.push({ seq: event.seq, action: event.action, problem: prepared.problem });
    onInconsistency(
      `audit event seq ${event.seq} (${event.action}) is inconsistent with the state before it and was not applied: ${prepared.problem}`,
    );
    return;
  }
  applyEffects(state, prepared.effects);
  const record = idempotencyRecordOf(event);
  if (record !== undefined) {
    state.recordIdempotency(record.key, {
      seq: event.seq,
      action: event.action,
      payloadHash: record.payloadHash,
    });
  }
}
