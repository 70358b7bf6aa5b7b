import { DomainError } from "../../domain/errors.js";
import type { ApproveRecommendationInput } from "../../domain/inputs.js";
import { assertPending, staleRevision } from "../../domain/policy/index.js";
import type { AuditEvent, Channel, Recommendation, Ticket } from "../../domain/schemas.js";
import { describeSecretFindings, findSecrets } from "../../domain/secrets/index.js";
import type { TriageService } from "../../service/triage-service.js";
import { buildApprovalForm, oneLine, readApprovalAnswer } from "../approval-form.js";
import type { AskHuman, ClientIdentity, ToolContext } from "../tool.js";

type Approved = { ticket: Ticket; auditEvent: AuditEvent };

/** The channel recorded on the audit event; the client's self-description is clipped to the schema's bounds. */
export function channelOf(type: Channel["type"], client: ClientIdentity | undefined): Channel {
  if (client === undefined) return { type };
  return { type, client: { name: client.name.slice(0, 200), version: client.version.slice(0, 100) } };
}

const declined = (message: string) => new DomainError("APPROVAL_DECLINED", message);

function duration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return ms === 60_000 ? "1 minute" : `${ms / 60_000} minutes`;
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}

function rejectedInForm(
  rec: Pick<Recommendation, "id" | "ticketId">,
  event: AuditEvent,
  feedback: string,
): DomainError {
  return declined(
    `The reviewer rejected recommendation ${rec.id} in the form (audit event #${event.seq}) with the feedback ` +
      `"${oneLine(feedback, 300)}". ${rec.ticketId} is unchanged. Do not approve it again; submit a new ` +
      `recommendation that addresses the feedback if ${rec.ticketId} still needs triage.`,
  );
}

/**
 * Everything the service would refuse before any human decision, checked first so the reviewer
 * is never asked about something that cannot be approved. The service checks it all again under
 * the store's lock.
 */
function preflight(
  service: TriageService,
  args: ApproveRecommendationInput,
): { rec: Recommendation; ticket: Ticket } {
  const rec = service.getRecommendation(args.recommendationId);
  if (rec.ticketId !== args.ticketId) {
    throw new DomainError(
      "INVALID_INPUT",
      `Recommendation ${rec.id} is for ${rec.ticketId}, not ${args.ticketId}. Pass the ticketId of the recommendation.`,
    );
  }
  assertPending(rec);
  const ticket = service.getTicket(rec.ticketId);
  if (args.expectedRevision !== ticket.revision || rec.sourceRevision !== ticket.revision) {
    throw staleRevision(ticket, rec, args.expectedRevision);
  }
  const edited = args.editedCustomerResponse;
  if (edited !== undefined) {
    if (!args.approvedFields.includes("customerResponse")) {
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
    const secrets = findSecrets(edited);
    if (secrets.length > 0) {
      throw new DomainError("SECRET_DETECTED", describeSecretFindings("editedCustomerResponse", secrets));
    }
  }
  const required = rec.requiredTeam;
  if (required !== null && rec.team !== required && ticket.team !== required) {
    throw new DomainError(
      "POLICY_DENIED",
      `${ticket.id} must be routed to team "${required}" (escalation: ${rec.escalationReasons.join(", ")}), but the ` +
        `recommendation proposes team "${rec.team}" and the ticket's team is "${ticket.team ?? "unset"}", so no choice ` +
        `of fields can be approved; the reviewer was not asked. Reject this recommendation with feedback, or submit a ` +
        `new one with team "${required}".`,
      { requiredTeam: required },
    );
  }
  return { rec, ticket };
}

/**
 * A retry (same idempotencyKey) of a call whose form was already answered: the original outcome,
 * found by the key on the ticket's audit events, instead of a second form.
 */
async function replay(
  service: TriageService,
  args: ApproveRecommendationInput,
): Promise<Approved | undefined> {
  const key = args.idempotencyKey;
  if (key === undefined) return undefined;
  const rec = service.getRecommendation(args.recommendationId);
  const { items: events } = await service.auditEvents({
    ticketId: rec.ticketId,
    offset: 0,
    limit: Number.MAX_SAFE_INTEGER,
  });
  const event = events.find((e) => {
    const record = e.data?.idempotency as { key?: unknown } | undefined;
    return record?.key === key && e.recommendationId === rec.id;
  });
  if (event?.action === "recommendation-approved" && event.data?.ticket !== undefined) {
    return { ticket: event.data.ticket as Ticket, auditEvent: event };
  }
  if (event?.action === "recommendation-rejected") {
    throw rejectedInForm(rec, event, typeof event.data?.feedback === "string" ? event.data.feedback : "");
  }
  return undefined;
}

/**
 * The elicitation channel: the human answers a form rendered by the client, and only what they
 * tick is applied. Every way of not answering (decline, cancel, timeout, a client error) changes
 * nothing.
 */
export async function approveWithForm(
  args: ApproveRecommendationInput,
  ctx: ToolContext,
  ask: AskHuman,
): Promise<Approved> {
  const { service } = ctx;
  let checked: { rec: Recommendation; ticket: Ticket };
  try {
    checked = preflight(service, args);
  } catch (error) {
    if (error instanceof DomainError && error.code === "ALREADY_RESOLVED") {
      const previous = await replay(service, args);
      if (previous !== undefined) return previous;
    }
    throw error;
  }
  const { rec, ticket } = checked;
  const form = buildApprovalForm({
    rec,
    ticket,
    suggested: args.approvedFields,
    actor: args.actor,
    editedCustomerResponse: args.editedCustomerResponse,
  });
  const answer = await ask(form);
  switch (answer.action) {
    case "decline":
      throw declined("The reviewer declined in the form; nothing was changed.");
    case "cancel":
      throw declined(
        "The reviewer closed the form without deciding; nothing was changed. Ask them whether to show it again.",
      );
    case "expired":
      throw declined(
        `The reviewer did not answer the form within ${duration(answer.afterMs)}; nothing was changed. ` +
          `Call approve_triage_recommendation again when they are ready.`,
      );
    case "failed":
      throw declined(
        `The approval form could not be completed (${answer.reason}); nothing was changed. The reviewer can decide ` +
          `in a terminal with \`npx support-triage-mcp review\`.`,
      );
    case "accept":
      break;
  }
  const decision = readApprovalAnswer(form, answer.content);
  const channel = { channel: channelOf("elicitation", ctx.client) };
  switch (decision.kind) {
    case "invalid":
      throw declined(`The form came back unusable: ${decision.problem}; nothing was changed.`);
    case "nothing-ticked":
      throw declined(
        "The reviewer accepted the form without ticking any field; nothing was changed. " +
          "Ask which fields to apply, or whether to reject the recommendation.",
      );
    case "reject-without-feedback":
      throw declined(
        "The reviewer chose reject but wrote no feedback, which a rejection needs; nothing was changed. " +
          "Ask them for the reason and call approve_triage_recommendation again.",
      );
    case "reject": {
      const { auditEvent } = await service.reject(
        {
          recommendationId: rec.id,
          ticketId: rec.ticketId,
          actor: decision.reviewer ?? args.actor,
          feedback: decision.feedback,
          ...(args.idempotencyKey === undefined ? {} : { idempotencyKey: args.idempotencyKey }),
        },
        channel,
      );
      throw rejectedInForm(rec, auditEvent, decision.feedback);
    }
    case "approve": {
      const edited = decision.fields.includes("customerResponse") ? args.editedCustomerResponse : undefined;
      return service.approve(
        {
          recommendationId: rec.id,
          ticketId: rec.ticketId,
          expectedRevision: args.expectedRevision,
          approvedFields: decision.fields,
          actor: decision.reviewer ?? args.actor,
          confirm: true,
          ...(edited === undefined ? {} : { editedCustomerResponse: edited }),
          ...(args.idempotencyKey === undefined ? {} : { idempotencyKey: args.idempotencyKey }),
        },
        channel,
      );
    }
  }
}
