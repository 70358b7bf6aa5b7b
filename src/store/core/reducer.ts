import { z } from "zod";
import type { AuditAction, AuditEvent, AuditEventOf } from "../../domain/audit-events.js";
import type { HandoffAttempt, HandoffState } from "../../domain/handoffs.js";
import type { ApprovableField } from "../../domain/enums.js";
import type { Recommendation, Ticket } from "../../domain/schemas.js";
import { STORED_VOCABULARY } from "../../domain/workspace/index.js";
import type { ImportRecord, StoreState, WorkspaceRecord } from "./state.js";

// How each audit action changes the state: one entry per action, so a new action is added in
// one place (REDUCERS' type fails to compile until it is). Every event's `data` is parsed by its
// action's schema (domain/audit-events.ts) before its entry sees it, so entries read typed data.
// Each entry checks the event against the current state and returns either a problem or the
// change to apply; the write path refuses to commit an event with a problem, and replay records
// it as an inconsistency (apply.ts). Nothing here does I/O: any backend folds through it.

/**
 * A problem is `damaged` when the event is fine but a file it relies on (an import batch) is
 * missing or altered: that is damage to the runtime, not an inconsistent event.
 */
export interface Problem {
  readonly problem: string;
  readonly damaged?: boolean;
}
/**
 * What an event changes, as data: the records it adds or replaces. The state applies them
 * (apply.ts); a backend with query tables writes the same records there, so a table can never
 * hold a record the state would not.
 */
export type Effect =
  | { readonly kind: "ticket-added"; readonly ticket: Ticket }
  | { readonly kind: "tickets-imported"; readonly tickets: readonly Ticket[]; readonly record: ImportRecord }
  | { readonly kind: "ticket-replaced"; readonly ticket: Ticket }
  | { readonly kind: "recommendation-added"; readonly recommendation: Recommendation }
  | { readonly kind: "recommendation-replaced"; readonly recommendation: Recommendation }
  | { readonly kind: "handoff-added"; readonly handoff: HandoffState }
  | { readonly kind: "handoff-replaced"; readonly handoff: HandoffState }
  /** The workspace file the runtime now runs with (its hash), from seq 0 or a workspace-applied event. */
  | { readonly kind: "workspace-recorded"; readonly record: WorkspaceRecord };
export type Prepared = Problem | { readonly effects: readonly Effect[] };

/** The tickets of an import batch, or why they cannot be read. */
export type BatchRead =
  | { readonly tickets: readonly Ticket[] }
  /** `damaged`: the file is missing or not the one the event recorded (not a bad event). */
  | { readonly problem: string; readonly damaged: boolean };

/** What reducers may read besides the state: the tickets of import batches, wherever kept. */
export interface ReducerContext {
  readBatch(file: string, sha256: string): BatchRead;
}

export type Reducer<A extends AuditAction> = (
  state: StoreState,
  event: AuditEventOf<A>,
  context: ReducerContext,
) => Prepared;
type Reducers = { readonly [A in AuditAction]: Reducer<A> };

const noChange: Prepared = { effects: [] };

/**
 * What an approved value must look like, per field; fields map to same-named ticket properties.
 * Which category, team, ... values exist is the workspace's call, made before an event is drafted.
 */
const FIELD_VALUE: Record<ApprovableField, z.ZodType> = {
  category: STORED_VOCABULARY.category,
  priority: STORED_VOCABULARY.priority,
  team: STORED_VOCABULARY.team,
  assignee: z.string().nullable(),
  status: STORED_VOCABULARY.status,
  tags: z.array(z.string()),
  customerResponse: z.string(),
};

function currentValue(ticket: Ticket, field: ApprovableField): unknown {
  return ticket[field] ?? null;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The handoff an outbox event names, checked against the event's ticket. */
function namedHandoff(
  state: StoreState,
  event: Pick<AuditEvent, "ticketId">,
  handoffId: string,
): { readonly problem: string } | { readonly handoff: HandoffState } {
  const handoff = state.getHandoff(handoffId);
  if (handoff === undefined) return { problem: `handoff ${handoffId} does not exist` };
  if (event.ticketId !== handoff.ticketId) {
    return {
      problem: `ticketId ${String(event.ticketId)} is not handoff ${handoffId}'s ticket ${handoff.ticketId}`,
    };
  }
  return { handoff };
}

/** The handoff and its attempt in flight that an outcome event reports on. */
function inFlightAttempt(
  state: StoreState,
  event: Pick<AuditEvent, "ticketId">,
  handoffId: string,
  attempt: number,
): { readonly problem: string } | { readonly handoff: HandoffState; readonly current: HandoffAttempt } {
  const found = namedHandoff(state, event, handoffId);
  if ("problem" in found) return found;
  const { handoff } = found;
  if (handoff.status !== "in-flight") {
    return {
      problem: `handoff ${handoffId} is ${handoff.status}, not in-flight: no attempt is waiting for an outcome`,
    };
  }
  const current = handoff.attempts[handoff.attempts.length - 1];
  if (current?.attempt !== attempt) {
    return {
      problem: `attempt ${attempt} is not the attempt of handoff ${handoffId} in flight (${String(current?.attempt)})`,
    };
  }
  return { handoff, current };
}

function withoutNextAttempt(handoff: HandoffState): HandoffState {
  const { nextAttemptAt: _dropped, ...rest } = handoff;
  return rest;
}

function pendingRecommendation(
  state: StoreState,
  event: Pick<AuditEvent, "ticketId" | "recommendationId">,
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

/** `data.seed.workspace` of `runtime-initialized`: the workspace file's hash at initialization. */
const initialWorkspaceSchema = z.object({ sha256: z.string(), name: z.string() });

export const REDUCERS: Reducers = {
  // Tickets come from base/tickets.json; the event only records the initialization.
  // The workspace file the runtime was initialized with, when the seed metadata records it.
  "runtime-initialized": (_state, event) => {
    if (event.seq !== 0) return { problem: "runtime-initialized is only valid as seq 0" };
    const workspace = initialWorkspaceSchema.safeParse(event.data.seed["workspace"]);
    if (!workspace.success) return noChange;
    return { effects: [{ kind: "workspace-recorded", record: { seq: 0, sha256: workspace.data.sha256 } }] };
  },

  "recommendation-submitted": (state, event) => {
    const rec = event.data.recommendation;
    if (event.ticketId === null || state.tickets.get(event.ticketId) === undefined) {
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
    return { effects: [{ kind: "recommendation-added", recommendation: rec }] };
  },

  "recommendation-approved": (state, event) => {
    const found = pendingRecommendation(state, event);
    if ("problem" in found) return found;
    const ticket = event.ticketId === null ? undefined : state.tickets.get(event.ticketId);
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
    const outbox = approvalOutbox(state, event);
    if ("problem" in outbox) return outbox;
    const rec = found.rec;
    return {
      effects: [
        ...outbox.handoffs.map((handoff) => ({ kind: "handoff-added" as const, handoff })),
        { kind: "ticket-replaced", ticket: next as Ticket },
        {
          kind: "recommendation-replaced",
          recommendation: {
            ...rec,
            resolution: "approved",
            resolvedAt: event.timestamp,
            resolvedBy: event.actor,
            approvedFields: fields,
          },
        },
      ],
    };
  },

  "recommendation-rejected": (state, event) => {
    const found = pendingRecommendation(state, event);
    if ("problem" in found) return found;
    const { feedback } = event.data;
    if (feedback.trim() === "") return { problem: "data.feedback is missing or blank" };
    const rec = found.rec;
    return {
      effects: [
        {
          kind: "recommendation-replaced",
          recommendation: {
            ...rec,
            resolution: "rejected",
            feedback,
            resolvedAt: event.timestamp,
            resolvedBy: event.actor,
          },
        },
      ],
    };
  },

  // A refused approval attempt is audited; it changes nothing.
  "approval-rejected": () => noChange,

  "ticket-created": (state, event) => {
    const { ticket } = event.data;
    if (event.ticketId !== ticket.id) {
      return { problem: `ticketId ${String(event.ticketId)} is not the created ticket's id ${ticket.id}` };
    }
    if (state.tickets.get(ticket.id) !== undefined) return { problem: `ticket ${ticket.id} already exists` };
    if (ticket.revision !== 0)
      return { problem: `a created ticket starts at revision 0, not ${ticket.revision}` };
    if (event.toRevision !== undefined && event.toRevision !== 0) {
      return { problem: `toRevision ${event.toRevision} of a created ticket is not 0` };
    }
    if (event.channel !== undefined) {
      return { problem: "ticket-created carries no channel (channels name approval paths)" };
    }
    const problem = externalIdProblem(state, [ticket]);
    if (problem !== undefined) return { problem };
    return { effects: [{ kind: "ticket-added", ticket }] };
  },

  // A note is not a triage field: the revision stays, so "revision = seed + approvals" holds.
  "note-added": (state, event) => {
    const { note } = event.data;
    const ticket = event.ticketId === null ? undefined : state.tickets.get(event.ticketId);
    if (ticket === undefined) return { problem: `ticket ${String(event.ticketId)} does not exist` };
    if (note.author !== event.actor) {
      return { problem: `the note's author ${note.author} is not the event's actor ${event.actor}` };
    }
    if (ticket.notes?.some((n) => n.id === note.id) === true) {
      return { problem: `ticket ${ticket.id} already has a note ${note.id}` };
    }
    if (event.toRevision !== undefined && event.toRevision !== ticket.revision) {
      return { problem: `a note does not change the revision: toRevision must be ${ticket.revision}` };
    }
    return {
      effects: [
        {
          kind: "ticket-replaced",
          ticket: { ...ticket, notes: [...(ticket.notes ?? []), note], updatedAt: note.createdAt },
        },
      ],
    };
  },

  "tickets-imported": (state, event, context) => {
    if (event.ticketId !== null)
      return { problem: "tickets-imported names no single ticket (ticketId null)" };
    const { batch, source } = event.data;
    const earlier = state.importedSource(source.sha256);
    if (earlier !== undefined) {
      return {
        problem: `source ${source.name} (sha256 ${source.sha256}) was already imported by seq ${earlier}`,
      };
    }
    const used = state.importOfBatch(batch.file);
    if (used !== undefined) return { problem: `${batch.file} is already the batch of seq ${used}` };
    const read = context.readBatch(batch.file, batch.sha256);
    if ("problem" in read) return read;
    const { tickets } = read;
    if (tickets.length !== batch.count) {
      return { problem: `${batch.file} holds ${tickets.length} tickets, the event says ${batch.count}` };
    }
    const ids = new Set<string>();
    for (const ticket of tickets) {
      if (ids.has(ticket.id)) return { problem: `${batch.file} lists ticket ${ticket.id} twice` };
      ids.add(ticket.id);
      if (state.tickets.get(ticket.id) !== undefined)
        return { problem: `ticket ${ticket.id} already exists` };
    }
    const problem = externalIdProblem(state, tickets);
    if (problem !== undefined) return { problem };
    return {
      effects: [
        {
          kind: "tickets-imported",
          tickets,
          record: { seq: event.seq, file: batch.file, sourceSha256: source.sha256 },
        },
      ],
    };
  },

  // Committed before the request leaves the machine: a handoff found in-flight after a crash
  // may have been delivered, so it is never attempted again automatically.
  "handoff-attempted": (state, event) => {
    const { handoffId, attempt } = event.data;
    const found = namedHandoff(state, event, handoffId);
    if ("problem" in found) return found;
    const { handoff } = found;
    if (handoff.status !== "pending") {
      return {
        problem: `handoff ${handoffId} is ${handoff.status}: only a pending handoff can be attempted`,
      };
    }
    if (attempt !== handoff.attempts.length + 1) {
      return {
        problem: `attempt ${attempt} of handoff ${handoffId} should be ${handoff.attempts.length + 1}`,
      };
    }
    return {
      effects: [
        {
          kind: "handoff-replaced",
          handoff: {
            ...withoutNextAttempt(handoff),
            status: "in-flight",
            attempts: [...handoff.attempts, { attempt, startedAt: event.timestamp }],
          },
        },
      ],
    };
  },

  // Renames rewrite no event: they apply here, from this event, to the tickets as they are now.
  // Like a note, a rename is not a triage decision: revisions stay.
  "workspace-applied": (state, event) => {
    if (event.ticketId !== null)
      return { problem: "workspace-applied names no single ticket (ticketId null)" };
    const renamed = event.data.renamed;
    const recorded: Effect = {
      kind: "workspace-recorded",
      record: { seq: event.seq, sha256: event.data.sha256 },
    };
    if (renamed.length === 0) return { effects: [recorded] };
    const map = new Map(renamed.map((r) => [`${r.field}\u0000${r.from}`, r.to]));
    const effects: Effect[] = [recorded];
    for (const ticket of state.tickets.byInsertion(0)) {
      let next: Ticket | undefined;
      for (const field of ["category", "priority", "team", "status"] as const) {
        const value = ticket[field];
        const to = value === undefined ? undefined : map.get(`${field}\u0000${value}`);
        if (to !== undefined) next = { ...(next ?? ticket), [field]: to };
      }
      if (next !== undefined) effects.push({ kind: "ticket-replaced", ticket: next });
    }
    return { effects };
  },

  "handoff-delivered": (state, event) => {
    const { handoffId, attempt, httpStatus } = event.data;
    const found = inFlightAttempt(state, event, handoffId, attempt);
    if ("problem" in found) return found;
    const { handoff, current } = found;
    const finished: HandoffAttempt = {
      ...current,
      finishedAt: event.timestamp,
      outcome: "delivered",
      httpStatus,
    };
    return {
      effects: [
        {
          kind: "handoff-replaced",
          handoff: {
            ...handoff,
            status: "delivered",
            attempts: [...handoff.attempts.slice(0, -1), finished],
          },
        },
      ],
    };
  },

  // Not final: back to pending (retried later). Final: failed for good.
  "handoff-failed": (state, event) => {
    const { handoffId, attempt, httpStatus, error, final, nextAttemptAt } = event.data;
    const found = inFlightAttempt(state, event, handoffId, attempt);
    if ("problem" in found) return found;
    const { handoff, current } = found;
    if (final && nextAttemptAt !== undefined) return { problem: "a final failure has no nextAttemptAt" };
    const finished: HandoffAttempt = {
      ...current,
      finishedAt: event.timestamp,
      outcome: "failed",
      ...(httpStatus === undefined ? {} : { httpStatus }),
      error,
    };
    return {
      effects: [
        {
          kind: "handoff-replaced",
          handoff: {
            ...withoutNextAttempt(handoff),
            status: final ? "failed" : "pending",
            attempts: [...handoff.attempts.slice(0, -1), finished],
            ...(final || nextAttemptAt === undefined ? {} : { nextAttemptAt }),
          },
        },
      ],
    };
  },
};

/** A ticket may only bring an external id no other ticket (existing or in the same event) has. */
function externalIdProblem(state: StoreState, tickets: readonly Ticket[]): string | undefined {
  const seen = new Set<string>();
  for (const ticket of tickets) {
    const externalId = ticket.externalId;
    if (externalId === undefined) continue;
    const holder = state.tickets.idByExternalId(externalId);
    if (holder !== undefined)
      return `external id ${externalId} of ${ticket.id} is already ticket ${holder}'s`;
    if (seen.has(externalId)) return `external id ${externalId} is listed twice`;
    seen.add(externalId);
  }
  return undefined;
}

/** The handoffs an approval enqueues (`data.handoffs`), as new outbox entries. */
function approvalOutbox(
  state: StoreState,
  event: AuditEventOf<"recommendation-approved">,
): { readonly problem: string } | { readonly handoffs: HandoffState[] } {
  const handoffs: HandoffState[] = [];
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const h of event.data?.handoffs ?? []) {
    if (h.ticketId !== event.ticketId)
      return { problem: `handoff ${h.id} is for ${h.ticketId}, not ${String(event.ticketId)}` };
    if (h.recommendationId !== event.recommendationId) {
      return { problem: `handoff ${h.id} names recommendation ${h.recommendationId}, not the approved one` };
    }
    if (h.createdBySeq !== undefined && h.createdBySeq !== event.seq) {
      return {
        problem: `handoff ${h.id} says createdBySeq ${h.createdBySeq}, but the approval is seq ${event.seq}`,
      };
    }
    if (ids.has(h.id) || state.getHandoff(h.id) !== undefined)
      return { problem: `handoff ${h.id} already exists` };
    if (keys.has(h.key) || state.hasHandoffKey(h.key))
      return { problem: `handoff key ${h.key} is already used` };
    ids.add(h.id);
    keys.add(h.key);
    handoffs.push({ ...h, createdBySeq: event.seq, status: "pending", attempts: [] });
  }
  return { handoffs };
}
