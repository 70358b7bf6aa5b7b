import { DomainError } from "../../domain/errors.js";
import type { ApproveRecommendationInput } from "../../domain/inputs.js";
import { oneLine } from "../../domain/review-format.js";
import type { AuditEvent, Ticket } from "../../domain/schemas.js";
import { channelOf, refusalOf, type ApprovalOutcome } from "../../service/approval-service.js";
import { buildApprovalForm, readApprovalAnswer } from "../approval-form.js";
import type { AskHuman, ToolContext } from "../tool.js";

// The elicitation channel: the review packet shown as a form the client renders, the human's
// answer mapped to a decision. Whether the recommendation can be approved, and what an approval
// does, is the approval service's call, never this file's.

type Approved = { ticket: Ticket; auditEvent: AuditEvent };

const declined = (message: string) => new DomainError("APPROVAL_DECLINED", message);

function duration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return ms === 60_000 ? "1 minute" : `${ms / 60_000} minutes`;
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}

function rejectedInForm(recommendationId: string, ticketId: string, event: AuditEvent, feedback: string) {
  return declined(
    `The reviewer rejected recommendation ${recommendationId} in the form (audit event #${event.seq}) with the feedback ` +
      `"${oneLine(feedback, 300)}". ${ticketId} is unchanged. Do not approve it again; submit a new ` +
      `recommendation that addresses the feedback if ${ticketId} still needs triage.`,
  );
}

/** A decision's outcome as the tool's result: an approval, or the refusal or rejection as a tool error. */
function approvedOrThrow(outcome: ApprovalOutcome, recommendationId: string, ticketId: string): Approved {
  switch (outcome.kind) {
    case "approved":
      return { ticket: outcome.ticket, auditEvent: outcome.auditEvent };
    case "rejected":
      throw rejectedInForm(recommendationId, ticketId, outcome.auditEvent, outcome.feedback);
    case "refused":
      throw outcome.error;
  }
}

/**
 * The elicitation channel: the human answers a form rendered by the client, and only what they
 * tick is applied. Every way of not answering (decline, cancel, timeout, a client error) changes
 * nothing. Nobody is asked about a recommendation the preflight refuses; a retry (same
 * idempotencyKey) of a call whose form was already answered gets the original outcome.
 */
export async function approveWithForm(
  args: ApproveRecommendationInput,
  ctx: ToolContext,
  ask: AskHuman,
): Promise<Approved> {
  const { approvals } = ctx;
  const packet = approvals.review(args.recommendationId, {
    ticketId: args.ticketId,
    expectedRevision: args.expectedRevision,
    approvedFields: args.approvedFields,
    editedCustomerResponse: args.editedCustomerResponse,
  });
  const recommendationId = packet.recommendationId;
  const ticketId = packet.ticket.id;
  const refusal = refusalOf(packet);
  if (refusal !== null) {
    const previous = await approvals.replay(packet, args.idempotencyKey);
    if (previous !== undefined) return approvedOrThrow(previous, recommendationId, ticketId);
    throw refusal;
  }
  const form = buildApprovalForm({ packet, suggested: args.approvedFields, actor: args.actor });
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
          `in a terminal with \`${ctx.service.reviewerCommand()}\`.`,
      );
    case "accept":
      break;
  }
  const decision = readApprovalAnswer(form, answer.content);
  const channel = channelOf("elicitation", ctx.client);
  const key = args.idempotencyKey === undefined ? {} : { idempotencyKey: args.idempotencyKey };
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
      const outcome = await approvals.decide(
        {
          kind: "reject",
          recommendationId,
          ticketId,
          actor: decision.reviewer ?? args.actor,
          feedback: decision.feedback,
          ...key,
        },
        channel,
      );
      return approvedOrThrow(outcome, recommendationId, ticketId);
    }
    case "approve": {
      const edited = decision.fields.includes("customerResponse") ? args.editedCustomerResponse : undefined;
      const outcome = await approvals.decide(
        {
          kind: "approve",
          recommendationId,
          ticketId,
          expectedRevision: args.expectedRevision,
          approvedFields: decision.fields,
          actor: decision.reviewer ?? args.actor,
          ...(edited === undefined ? {} : { editedCustomerResponse: edited }),
          ...key,
        },
        channel,
      );
      return approvedOrThrow(outcome, recommendationId, ticketId);
    }
  }
}
