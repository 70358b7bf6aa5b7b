import type { ApprovableField } from "../enums.js";
import { DomainError } from "../errors.js";
import type { FieldChange, Recommendation, Ticket } from "../schemas.js";
import { describeSecretFindings, findSecrets } from "../secrets/index.js";
import { LISTED_FIELDS, type ListedField, type TriagePolicy } from "../workspace/workspace.js";
import { computeEscalation, escalationInputOf, type Escalation } from "./escalation.js";

// The approval decision, one home for every channel (chat, form, reviewer CLI, app card, desk):
// `preflightApproval` says whether a recommendation can be approved right now and what the
// reviewer would be asked; `planApproval` checks one concrete approval and computes its effect.
// Both start with the same checks (`checkApprovalTarget`), in the same order.

/** What the reviewer was shown: the recommendation's ticket at a revision. */
export interface ApprovalTarget {
  readonly ticketId: string;
  readonly expectedRevision: number;
}

/** What a reviewer asks for. `confirm` is checked by the caller (it depends on the channel). */
export interface ApprovalRequest extends ApprovalTarget {
  readonly recommendationId: string;
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

/** The approvable fields this recommendation proposes, in the workspace's order. */
export function proposedFields(rec: Recommendation, policy: TriagePolicy): ApprovableField[] {
  return policy.approvableFields.filter((f) => proposedValue(rec, f).present);
}

/** Field-level checks that need no ticket: uniqueness, approvable, proposals, the edited response. */
export function validateApprovedFields(
  rec: Recommendation,
  fields: readonly ApprovableField[],
  policy: TriagePolicy,
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
  const closed = fields.filter((f) => !policy.approvableFields.includes(f));
  if (closed.length > 0) {
    throw new DomainError(
      "INVALID_INPUT",
      `approvedFields names ${closed.join(", ")}, which reviewers do not approve in this workspace. ` +
        `Approvable fields: ${policy.approvableFields.join(", ")}.`,
    );
  }
  const missing = fields.filter((f) => !proposedValue(rec, f).present);
  if (missing.length > 0) {
    throw new DomainError(
      "INVALID_INPUT",
      `Recommendation ${rec.id} proposes no value for ${missing.join(", ")}. ` +
        `Approvable fields of this recommendation: ${proposedFields(rec, policy).join(", ")}.`,
    );
  }
  if (editedCustomerResponse !== undefined) checkEditedResponse(fields, editedCustomerResponse);
  checkListedValues(rec, fields, policy);
}

/**
 * The values an approval would write are the workspace's: a recommendation submitted before the
 * workspace renamed or dropped a value still proposes the old one, which is refused (the
 * recommendation is submitted again) rather than written into the ticket.
 */
function checkListedValues(
  rec: Recommendation,
  fields: readonly ApprovableField[],
  policy: TriagePolicy,
): void {
  for (const field of fields) {
    if (!isListedField(field)) continue;
    const proposed = proposedValue(rec, field);
    if (!proposed.present || typeof proposed.value !== "string") continue;
    const { ids, renames } = policy.values[field];
    if (ids.includes(proposed.value)) continue;
    const renamed = renames[proposed.value];
    throw new DomainError(
      "POLICY_DENIED",
      `Recommendation ${rec.id} proposes ${field} "${proposed.value}", which this workspace no longer has` +
        (renamed === undefined ? "" : ` (renamed to "${renamed}")`) +
        `: nothing was changed. Submit a new recommendation for ${rec.ticketId} with the workspace's values ` +
        `(tools/list shows them), or approve the other fields.`,
    );
  }
}

function isListedField(field: ApprovableField): field is ListedField {
  return (LISTED_FIELDS as readonly string[]).includes(field);
}

/** The reviewer's edited customer response goes with the customerResponse field, and says something. */
function checkEditedResponse(fields: readonly ApprovableField[], edited: string): void {
  if (!fields.includes("customerResponse")) {
    throw new DomainError(
      "INVALID_INPUT",
      "editedCustomerResponse is only allowed when approvedFields includes customerResponse.",
    );
  }
  if (edited.trim() === "") {
    throw new DomainError(
      "INVALID_INPUT",
      "editedCustomerResponse is blank. Omit it or give the edited text.",
    );
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

/** A ticket's value of an approvable field; null when unset. */
export function currentValue(ticket: Ticket, field: ApprovableField): unknown {
  return field === "status" ? ticket.status : (ticket[field] ?? null);
}

/**
 * The checks every approval starts with, whatever the fields: the recommendation is for this
 * ticket, still pending, and made at the revision the reviewer saw, which is the ticket's.
 */
export function checkApprovalTarget(ticket: Ticket, rec: Recommendation, target: ApprovalTarget): void {
  if (rec.ticketId !== target.ticketId) {
    throw new DomainError(
      "INVALID_INPUT",
      `Recommendation ${rec.id} is for ${rec.ticketId}, not ${target.ticketId}. Pass the ticketId of the recommendation.`,
    );
  }
  assertPending(rec);
  if (target.expectedRevision !== ticket.revision || isStale(rec, ticket)) {
    throw staleRevision(ticket, rec, target.expectedRevision);
  }
}

/** One row of what the reviewer is asked: a field the recommendation proposes, now -> proposed. */
export interface ReviewField {
  readonly field: ApprovableField;
  readonly current: unknown;
  /** The proposed value; for customerResponse, the reviewer's edited text when there is one. */
  readonly proposed: unknown;
  /** False when approving the field would leave its value as it is. */
  readonly changes: boolean;
  /** The proposed value is the edited customer response, not the recommendation's draft. */
  readonly edited: boolean;
  /** Team row: a team is required and the ticket is not with it, so approving without this field is refused. */
  readonly neededForRouting: boolean;
  /** Team row: the proposed team is not the required team. */
  readonly contradictsRequiredTeam: boolean;
}

/** What the reviewer would be asked about a recommendation. */
export interface ApprovalQuestion {
  /** Escalation reasons and the required team, computed now (the SLA clock moves). */
  readonly escalation: Escalation;
  /** True when no team is required, or the ticket already sits with the required team. */
  readonly ticketHasRequiredTeam: boolean;
  /** One row per field the recommendation proposes, in the canonical order. */
  readonly fields: readonly ReviewField[];
}

/** Whether a recommendation can be approved right now (refusal null), and what the reviewer would be asked. */
export interface Preflight {
  readonly question: ApprovalQuestion;
  readonly refusal: DomainError | null;
}

export interface PreflightRequest extends ApprovalTarget {
  /** The fields the caller suggests; only consulted for an edited customer response. */
  readonly approvedFields?: readonly ApprovableField[] | undefined;
  readonly editedCustomerResponse?: string | undefined;
}

function questionOf(
  ticket: Ticket,
  rec: Recommendation,
  escalation: Escalation,
  editedCustomerResponse: string | undefined,
  policy: TriagePolicy,
): ApprovalQuestion {
  const required = escalation.requiredTeam;
  const ticketHasRequiredTeam = required === null || ticket.team === required;
  const fields = proposedFields(rec, policy).map((field): ReviewField => {
    const proposal = proposedValue(rec, field);
    const edited = field === "customerResponse" && editedCustomerResponse !== undefined;
    const current = currentValue(ticket, field);
    const proposed = edited ? editedCustomerResponse : proposal.present ? proposal.value : null;
    return {
      field,
      current,
      proposed,
      changes: JSON.stringify(current) !== JSON.stringify(proposed),
      edited,
      neededForRouting: field === "team" && !ticketHasRequiredTeam,
      contradictsRequiredTeam: field === "team" && required !== null && proposed !== required,
    };
  });
  return { escalation, ticketHasRequiredTeam, fields };
}

/**
 * Whether a recommendation can be approved at all right now, checked before a reviewer is asked
 * so that nobody is asked about something that cannot be approved: the target checks, the edited
 * customer response, and routing that no choice of fields can satisfy. The approval itself
 * (`planApproval`) checks again, under the store's lock, with the fields the reviewer chose.
 */
export function preflightApproval(
  ticket: Ticket,
  rec: Recommendation,
  request: PreflightRequest,
  now: Date,
  policy: TriagePolicy,
): Preflight {
  const escalation = computeEscalation(escalationInputOf(rec), ticket, now, policy);
  const question = questionOf(ticket, rec, escalation, request.editedCustomerResponse, policy);
  try {
    checkApprovalTarget(ticket, rec, request);
    const edited = request.editedCustomerResponse;
    if (edited !== undefined) {
      checkEditedResponse(request.approvedFields ?? ["customerResponse"], edited);
      const secrets = findSecrets(edited);
      if (secrets.length > 0) {
        throw new DomainError("SECRET_DETECTED", describeSecretFindings("editedCustomerResponse", secrets));
      }
    }
    if (request.approvedFields !== undefined) checkListedValues(rec, request.approvedFields, policy);
    checkRoutable(ticket, rec, question);
  } catch (error) {
    if (error instanceof DomainError) return { question, refusal: error };
    throw error;
  }
  return { question, refusal: null };
}

/** Refuses a recommendation that no choice of fields can approve: its team and the ticket's both miss the required team. */
function checkRoutable(ticket: Ticket, rec: Recommendation, question: ApprovalQuestion): void {
  const { requiredTeam, escalationReasons } = question.escalation;
  if (requiredTeam === null || question.ticketHasRequiredTeam || rec.team === requiredTeam) return;
  throw new DomainError(
    "POLICY_DENIED",
    `${ticket.id} must be routed to team "${requiredTeam}" (escalation: ${escalationReasons.join(", ")}), but the ` +
      `recommendation proposes team "${rec.team}" and the ticket's team is "${ticket.team ?? "unset"}", so no choice ` +
      `of fields can be approved. Reject this recommendation with feedback, or submit a new one with team ` +
      `"${requiredTeam}".`,
    { requiredTeam },
  );
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
  policy: TriagePolicy,
): ApprovalPlan {
  checkApprovalTarget(ticket, rec, request);
  validateApprovedFields(rec, request.approvedFields, policy, request.editedCustomerResponse);

  let after: Ticket = ticket;
  const changes: FieldChange[] = [];
  for (const field of policy.approvableFields) {
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
  const escalation = computeEscalation(escalationInputOf(rec), ticket, now, policy);
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

/** The ticket moved on since the recommendation was made: it can only be rejected. */
export function isStale(
  rec: Pick<Recommendation, "sourceRevision">,
  ticket: Pick<Ticket, "revision">,
): boolean {
  return rec.sourceRevision !== ticket.revision;
}

export function staleRevision(ticket: Ticket, rec: Recommendation, expected: number): DomainError {
  if (isStale(rec, ticket)) {
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
