import { z } from "zod";
import {
  categorySchema,
  prioritySchema,
  statusSchema,
  teamSchema,
  type ApprovableField,
} from "../domain/enums.js";
import {
  idempotencyRecordSchema,
  recommendationSchema,
  type AuditAction,
  type AuditEvent,
  type Recommendation,
  type Ticket,
} from "../domain/schemas.js";
import type { EventLocation, StoreState } from "./state.js";

// How each audit action changes the state: one entry per action, so a new action is added in
// one place (the `satisfies` below fails to compile until it is). `prepare` checks the event
// against the current state and returns either a problem or the change to apply; the write path
// refuses to commit an event with a problem, and replay records it as an inconsistency.

type Prepared = { readonly problem: string } | { readonly apply: () => void };
type Handler = (state: StoreState, event: AuditEvent) => Prepared;

const noChange: Prepared = { apply: () => undefined };

/** What an approved value must look like, per field; fields map to same-named ticket properties. */
const FIELD_VALUE: Record<ApprovableField, z.ZodType> = {
  category: categorySchema,
  priority: prioritySchema,
  team: teamSchema,
  assignee: z.string().nullable(),
  status: statusSchema,
  tags: z.array(z.string()),
  customerResponse: z.string(),
};

function currentValue(ticket: Ticket, field: ApprovableField): unknown {
  return ticket[field] ?? null;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function pendingRecommendation(
  state: StoreState,
  event: AuditEvent,
): { readonly problem: string } | { readonly rec: Recommendation } {
  if (event.recommendationId === undefined) return { problem: "it names no recommendationId" };
  const rec = state.getRecommendation(event.recommendationId);
  if (rec === undefined) return { problem: `recommendation ${event.recommendationId} does not exist` };
  if (rec.ticketId !== event.ticketId) {
    return { problem: `recommendation ${rec.id} is for ${rec.ticketId}, not ${String(event.ticketId)}` };
  }
  if (rec.resolution !== "pending")
    return { problem: `recommendation ${rec.id} is already ${rec.resolution}` };
  return { rec };
}

export const REDUCERS = {
  // Tickets come from base/tickets.json; the event only records the initialization.
  "runtime-initialized": (_state, event) =>
    event.seq === 0 ? noChange : { problem: "runtime-initialized is only valid as seq 0" },

  "recommendation-submitted": (state, event) => {
    const parsed = recommendationSchema.safeParse(event.data?.recommendation);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        problem: `data.recommendation is invalid at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "?"}`,
      };
    }
    const rec = parsed.data;
    if (event.ticketId === null || state.getTicket(event.ticketId) === undefined) {
      return { problem: `ticket ${String(event.ticketId)} does not exist` };
    }
    if (rec.ticketId !== event.ticketId) return { problem: `the recommendation is for ${rec.ticketId}` };
    if (event.recommendationId !== undefined && event.recommendationId !== rec.id) {
      return {
        problem: `recommendationId ${event.recommendationId} differs from the recommendation's id ${rec.id}`,
      };
    }
    if (rec.resolution !== "pending") return { problem: "a submitted recommendation must be pending" };
    if (state.getRecommendation(rec.id) !== undefined)
      return { problem: `recommendation ${rec.id} already exists` };
    return { apply: () => state.addRecommendation(rec) };
  },

  "recommendation-approved": (state, event) => {
    const found = pendingRecommendation(state, event);
    if ("problem" in found) return found;
    const ticket = event.ticketId === null ? undefined : state.getTicket(event.ticketId);
    if (ticket === undefined) return { problem: `ticket ${String(event.ticketId)} does not exist` };
    if (event.fromRevision !== ticket.revision) {
      return {
        problem: `fromRevision ${String(event.fromRevision)} but ${ticket.id} is at revision ${ticket.revision}`,
      };
    }
    if (event.toRevision !== ticket.revision + 1) {
      return { problem: `toRevision ${String(event.toRevision)} is not fromRevision + 1` };
    }
    const changes = event.changes ?? [];
    if (changes.length === 0) return { problem: "an approval must change at least one field" };
    const next: Record<string, unknown> = { ...ticket };
    const fields: ApprovableField[] = [];
    for (const change of changes) {
      if (fields.includes(change.field)) return { problem: `field ${change.field} is changed twice` };
      fields.push(change.field);
      if (!FIELD_VALUE[change.field].safeParse(change.after).success) {
        return { problem: `${JSON.stringify(change.after)} is not a valid ${change.field}` };
      }
      if (!sameJson(change.before, currentValue(ticket, change.field))) {
        return { problem: `the recorded "before" of ${change.field} is not the ticket's value` };
      }
      next[change.field] = Array.isArray(change.after) ? [...(change.after as unknown[])] : change.after;
    }
    next.revision = event.toRevision;
    next.updatedAt = event.timestamp;
    const rec = found.rec;
    return {
      apply: () => {
        state.replaceTicket(next as Ticket);
        state.replaceRecommendation({
          ...rec,
          resolution: "approved",
          resolvedAt: event.timestamp,
          resolvedBy: event.actor,
          approvedFields: fields,
        });
      },
    };
  },

  "recommendation-rejected": (state, event) => {
    const found = pendingRecommendation(state, event);
    if ("problem" in found) return found;
    const feedback = event.data?.feedback;
    if (typeof feedback !== "string" || feedback.trim() === "")
      return { problem: "data.feedback is missing or blank" };
    const rec = found.rec;
    return {
      apply: () =>
        state.replaceRecommendation({
          ...rec,
          resolution: "rejected",
          feedback,
          resolvedAt: event.timestamp,
          resolvedBy: event.actor,
        }),
    };
  },

  // A refused approval attempt is audited; it changes nothing.
  "approval-rejected": () => noChange,
} satisfies Record<AuditAction, Handler>;

/** The idempotency record an event carries in `data.idempotency`, when it carries a valid one. */
export function idempotencyRecordOf(event: AuditEvent): z.infer<typeof idempotencyRecordSchema> | undefined {
  const raw = event.data?.idempotency;
  if (raw === undefined) return undefined;
  const parsed = idempotencyRecordSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

// Every action goes through here: the action's own check, plus the idempotency index. A key
// belongs to the first event that used it; a second event with the same key would make a retry
// ambiguous, so it does not fit the state (refused at commit, an inconsistency in replay).
function prepare(state: StoreState, event: AuditEvent): Prepared {
  const record = idempotencyRecordOf(event);
  if (record !== undefined) {
    const first = state.idempotency(record.key);
    if (first !== undefined) {
      return {
        problem: `idempotency key ${record.key} was already used by seq ${first.seq} (${first.action})`,
      };
    }
  }
  const prepared = REDUCERS[event.action](state, event);
  if (record === undefined || "problem" in prepared) return prepared;
  return {
    apply: () => {
      prepared.apply();
      state.recordIdempotency(record.key, {
        seq: event.seq,
        action: event.action,
        payloadHash: record.payloadHash,
      });
    },
  };
}

/** The problem `event` would have if applied to `state` now, or undefined when it applies cleanly. */
export function checkEvent(state: StoreState, event: AuditEvent): string | undefined {
  const prepared = prepare(state, event);
  return "problem" in prepared ? prepared.problem : undefined;
}

/**
 * Folds one event into the state. The event is always recorded (it is in the log); an
 * inconsistent event changes nothing else and is reported through `onInconsistency`.
 */
export function applyEvent(
  state: StoreState,
  event: AuditEvent,
  location: EventLocation,
  onInconsistency: (message: string) => void,
): void {
  const prepared = prepare(state, event);
  state.recordEvent(event, location);
  if ("problem" in prepared) {
    state.inconsistencies.push({ seq: event.seq, action: event.action, problem: prepared.problem });
    onInconsistency(
      `audit event seq ${event.seq} (${event.action}) is inconsistent with the state before it and was not applied: ${prepared.problem}`,
    );
    return;
  }
  prepared.apply();
}
