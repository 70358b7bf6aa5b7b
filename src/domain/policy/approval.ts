import { APPROVABLE_FIELDS, type ApprovableField } from "../enums.js";
import { DomainError } from "../errors.js";
import type { FieldChange, Recommendation, Ticket } from "../schemas.js";
import { computeEscalation, escalationInputOf, type Escalation } from "./escalation.js";

/** What a reviewer asks for. `confirm` is checked by the caller (it depends on the channel). */
export interface ApprovalRequest {
  readonly recommendationId: string;
  readonly ticketId: string;
  readonly expectedRevision: number;
  readonly approvedFields: readonly ApprovableField[];
  readonly actor: string;
  readonly editedCustomerResponse?: string | undefined;
}

export interface ApprovalPlan {
  readonly changes: FieldChange[];
  readonly ticketAfter: Ticket;
  readonly escalation: Escalation;
}

type Proposed = { readonly present: true; readonly value: unknown } | { readonly present: false };

/** The value a recommendation proposes for an approvable field, if it proposes one. */
export function proposedValue(rec: Recommendation, field: ApprovableField): Proposed {
  switch (field) {
    case "category":
      return { present: true, value: rec.category };
    case "priority":
      return { present: true, value: rec.priority };
    case "team":
      return { present: true, value: rec.team };
    case "assignee":
      // null is a real proposal ("unassign"); absent is no proposal.
      return rec.assignee === undefined ? { present: false } : { present: true, value: rec.assignee };
    case "status":
      return rec.ticketStatus === undefined ? { present: false } : { present: true, value: rec.ticketStatus };
    case "tags":
      return rec.tags === undefined ? { present: false } : { present: true, value: rec.tags };
    case "customerResponse":
      return rec.draftCustomerResponse.trim() === ""
        ? { present: false }
        : { present: true, value: rec.draftCustomerResponse };
  }
}

/** The fields this recommendation proposes, in the canonical order. */
export function proposedFields(rec: Recommendation): ApprovableField[] {
  return APPROVABLE_FIELDS.filter((f) => proposedValue(rec, f).present);
}

/** Field-level checks that need no ticket: uniqueness, proposals, the edited response. */
export function validateApprovedFields(
  rec: Recommendation,
  fields: readonly ApprovableField[],
  editedCustomerResponse?: string,
): void {
  if (fields.length === 0) {
    throw new DomainError(
      "INVALID_INPUT",
      "approvedFields is empty. Name at least one field the reviewer approved.",
    );
  }
  const seen = new Set<ApprovableField>();
  for (const f of fields) {
    if (seen.has(f)) {
      throw new DomainError(
        "INVALID_INPUT",
        `approvedFields lists "${f}" twice. Name each approved field once.`,
      );
    }
    seen.add(f);
  }
  const missing = fields.filter((f) => !proposedValue(rec, f).present);
  if (missing.length > 0) {
    throw new DomainError(
      "INVALID_INPUT",
      `Recommendation ${rec.id} proposes no value for ${missing.join(", ")}. ` +
        `Approvable fields of this recommendation: ${proposedFields(rec).join(", ")}.`,
    );
  }
  if (editedCustomerResponse !== undefined) {
    if (!seen.has("customerResponse")) {
      throw new DomainError(
        "INVALID_INPUT",
        "editedCustomerResponse is only allowed when approvedFields includes customerResponse.",
      );
    }
    if (editedCustomerResponse.trim() === "") {
      throw new DomainError(
        "INVALID_INPUT",
        "editedCustomerResponse is blank. Omit it or give the edited text.",
      );
    }
  }
}

function applyField(ticket: Ticket, field: ApprovableField, value: unknown): Ticket {
  switch (field) {
    case "category":
      return { ...ticket, category: value as Ticket["category"] };
    case "priority":
      return { ...ticket, priority: value as Ticket["priority"] };
    case "team":
      return { ...ticket, team: value as Ticket["team"] };
    case "assignee":
      return { ...ticket, assignee: value as string | null };
    case "status":
      return { ...ticket, status: value as Ticket["status"] };
    case "tags":
      return { ...ticket, tags: [...(value as string[])] };
    case "customerResponse":
      return { ...ticket, customerResponse: value as string };
  }
}

function currentValue(ticket: Ticket, field: ApprovableField): unknown {
  switch (field) {
    case "status":
      return ticket.status;
    default:
      return ticket[field] ?? null;
  }
}

/**
 * Every check an approval must pass, in a fixed order, and the resulting ticket. Pure: the
 * caller supplies the current ticket and recommendation read under the store's lock.
 */
export function planApproval(
  ticket: Ticket,
  rec: Recommendation,
  request: ApprovalRequest,
  now: Date,
): ApprovalPlan {
  if (rec.ticketId !== request.ticketId) {
    throw new DomainError(
      "INVALID_INPUT",
      `Recommendation ${rec.id} is for ${rec.ticketId}, not ${request.ticketId}. Pass the ticketId of the recommendation.`,
    );
  }
  assertPending(rec);
  if (request.expectedRevision !== ticket.revision || rec.sourceRevision !== ticket.revision) {
    throw staleRevision(ticket, rec, request.expectedRevision);
  }
  validateApprovedFields(rec, request.approvedFields, request.editedCustomerResponse);

  let after: Ticket = ticket;
  const changes: FieldChange[] = [];
  for (const field of APPROVABLE_FIELDS) {
    if (!request.approvedFields.includes(field)) continue;
    const proposed = proposedValue(rec, field);
    if (!proposed.present) continue;
    const value =
      field === "customerResponse" && request.editedCustomerResponse !== undefined
        ? request.editedCustomerResponse
        : proposed.value;
    changes.push({ field, before: currentValue(ticket, field), after: value });
    after = applyField(after, field, value);
  }

  // Escalation is computed again at approval time: the SLA clock may have moved.
  const escalation = computeEscalation(escalationInputOf(rec), ticket, now);
  if (escalation.requiredTeam !== null && after.team !== escalation.requiredTeam) {
    const how = request.approvedFields.includes("team")
      ? `the recommendation proposes team "${rec.team}"`
      : `team is not among the approved fields and the ticket's team is "${ticket.team ?? "unset"}"`;
    throw new DomainError(
      "POLICY_DENIED",
      `${ticket.id} must be routed to team "${escalation.requiredTeam}" ` +
        `(escalation: ${escalation.escalationReasons.join(", ")}), but ${how}. ` +
        `Reject this recommendation with feedback, or submit a new one with team "${escalation.requiredTeam}" and approve its team field.`,
      { requiredTeam: escalation.requiredTeam },
    );
  }

  const ticketAfter: Ticket = {
    ...after,
    revision: ticket.revision + 1,
    updatedAt: now.toISOString(),
  };
  return { changes, ticketAfter, escalation };
}

export function assertPending(rec: Recommendation): void {
  if (rec.resolution !== "pending") {
    throw new DomainError(
      "ALREADY_RESOLVED",
      `Recommendation ${rec.id} is already ${rec.resolution}. Submit a new recommendation for ${rec.ticketId} if it still needs triage.`,
      { resolution: rec.resolution },
    );
  }
}

export function staleRevision(ticket: Ticket, rec: Recommendation, expected: number): DomainError {
  if (rec.sourceRevision !== ticket.revision) {
    return new DomainError(
      "STALE_REVISION",
      `${ticket.id} is at revision ${ticket.revision}, the recommendation was made at ${rec.sourceRevision}. ` +
        `Read the ticket again and submit a new recommendation.`,
      { currentRevision: ticket.revision, sourceRevision: rec.sourceRevision },
    );
  }
  return new DomainError(
    "STALE_REVISION",
    `expectedRevision ${expected} does not match ${ticket.id}'s current revision ${ticket.revision}. ` +
      `Read the ticket again and pass expectedRevision ${ticket.revision} if the reviewer approved this recommendation at that revision.`,
    { currentRevision: ticket.revision, expectedRevision: expected },
  );
}

/** Submission is only accepted against the ticket's current revision. */
export function checkSubmissionRevision(ticket: Ticket, sourceRevision: number): void {
  if (sourceRevision !== ticket.revision) {
    throw new DomainError(
      "STALE_REVISION",
      `${ticket.id} is at revision ${ticket.revision}, not ${sourceRevision}. Read the ticket again and base the recommendation on revision ${ticket.revision}.`,
      { currentRevision: ticket.revision, sourceRevision },
    );
  }
}
