import { DomainError } from "../../domain/errors.js";
import { reviewRecommendationInput } from "../../domain/inputs.js";
import { REVIEW_CARD } from "../../domain/review-card.js";
import { channelOf, type ApprovalDecision } from "../../service/approval-service.js";
import { defineTool, type ToolSchemas } from "../tool.js";

// The review card's tools, for clients that declared MCP Apps (nobody else sees them). The card
// maps the reviewer's ticks and buttons to a decision; what a decision does is the approval
// service's call, never this file's.

export const reviewRecommendation = ({ outputs }: ToolSchemas) =>
  defineTool({
    name: REVIEW_CARD.reviewTool,
    title: "Show the review card",
    description:
      "Show the reviewer the review card of a recommendation (the client renders it inline): the ticket, each proposed " +
      "field now and proposed with its own checkbox, escalation, evidence with quoted spans, similar tickets, citations " +
      "and the editable draft reply. Returns the review packet. Use it to reopen the card of a pending recommendation, " +
      "then wait: the reviewer approves or rejects in the card. Never imitate the card in text.",
    kind: "read",
    toolset: "triage",
    input: reviewRecommendationInput,
    output: outputs.reviewPacket,
    handler: (args, { approvals }) => approvals.review(args.recommendationId),
    app: { presents: (packet) => packet.recommendationId },
  });

export const decideRecommendation = ({ inputs, outputs }: ToolSchemas) =>
  defineTool({
    name: REVIEW_CARD.decideTool,
    title: "Decide in the review card",
    description:
      "The review card's buttons: apply exactly the fields the reviewer ticked, or reject with their feedback, at the " +
      "revision the card shows. Only the card calls it: a decision needs the single-use token the server issued with " +
      "the card, and one without a valid token is refused (CARD_TOKEN_INVALID) and audited.",
    kind: "finalize",
    toolset: "triage",
    input: inputs.decideRecommendation,
    output: outputs.decide,
    app: { appOnly: true },
    handler: async (args, { approvals, cards, client, session }) => {
      const decision: ApprovalDecision =
        args.decision === "approve"
          ? {
              kind: "approve",
              recommendationId: args.recommendationId,
              ticketId: args.ticketId,
              expectedRevision: args.expectedRevision,
              approvedFields: args.approvedFields,
              actor: args.actor,
              ...(args.editedCustomerResponse === undefined
                ? {}
                : { editedCustomerResponse: args.editedCustomerResponse }),
            }
          : {
              kind: "reject",
              recommendationId: args.recommendationId,
              ticketId: args.ticketId,
              actor: args.actor,
              feedback: args.feedback ?? "",
            };
      const channel = channelOf("app", client);
      const binding = { recommendationId: args.recommendationId, revision: args.expectedRevision, session };
      const proof =
        cards === undefined
          ? new DomainError(
              "CARD_TOKEN_INVALID",
              "This client did not declare MCP Apps: it shows no review card.",
            )
          : cards.redeem(args.cardToken, binding);
      const outcome =
        proof === null
          ? await approvals.decide(decision, channel)
          : await approvals.refuse(decision, channel, proof);
      switch (outcome.kind) {
        case "refused":
          throw outcome.error;
        case "approved":
          return { outcome: "approved" as const, ticket: outcome.ticket, auditEvent: outcome.auditEvent };
        case "rejected":
          return { outcome: "rejected" as const, auditEvent: outcome.auditEvent };
      }
    },
  });
