import { describeIssues, type ErrorCode } from "../domain/errors.js";
import { rejectRecommendationInput, type WorkspaceInputs } from "../domain/inputs.js";
import type { ReviewPacket } from "../domain/review-packet.js";
import type { Channel } from "../domain/schemas.js";
import type { ApprovalOutcome, ApprovalService } from "../service/approval-service.js";
import type { DecisionView } from "../ui/review/index.js";

// The desk as an approval channel: it maps the posted review form to a decision and hands it to
// the one approval decision every channel uses (ApprovalService.decide), with channel `desk` and
// the session's reviewer. It checks nothing about revisions, pending state or routing itself.

function refused(code: ErrorCode, message: string): DecisionView {
  return { kind: "refused", code, message };
}

/** Browsers send a textarea's line breaks as CRLF. */
function lines(text: string | null): string | null {
  return text === null ? null : text.replace(/\r\n?/g, "\n");
}

function viewOf(outcome: ApprovalOutcome, ticketId: string): DecisionView {
  switch (outcome.kind) {
    case "approved":
      return { kind: "approved", ticket: outcome.ticket, auditEvent: outcome.auditEvent };
    case "rejected":
      return { kind: "rejected", ticketId, auditEvent: outcome.auditEvent };
    case "refused":
      return refused(outcome.code, outcome.message);
  }
}

/**
 * Decides on `packet`'s recommendation as the posted form says: `decision` (approve | reject),
 * the ticked `field`s, the `draftReply`, the `feedback`, and the `ticketId` and `revision` the
 * form showed, checked by `approveInput` (the workspace's approvable fields). `reviewer` is the
 * session's name, never a posted one.
 */
export async function decideFromForm(
  approvals: Pick<ApprovalService, "decide">,
  approveInput: WorkspaceInputs["approveRecommendation"],
  channel: Channel,
  packet: ReviewPacket,
  form: URLSearchParams,
  reviewer: string,
): Promise<DecisionView> {
  const recommendationId = packet.recommendationId;
  const ticketId = form.get("ticketId") ?? "";
  const decision = form.get("decision");
  if (decision === "approve") {
    const fields = form.getAll("field");
    if (fields.length === 0) {
      return refused("INVALID_INPUT", "Tick at least one field to approve, or reject with feedback.");
    }
    const draft = lines(form.get("draftReply"));
    const editsReply = fields.includes("customerResponse") && draft !== null && draft !== packet.draftReply;
    const input = approveInput.safeParse({
      recommendationId,
      ticketId,
      expectedRevision: Number(form.get("revision") ?? Number.NaN),
      approvedFields: fields,
      actor: reviewer,
      confirm: true,
      ...(editsReply ? { editedCustomerResponse: draft } : {}),
    });
    if (!input.success) return refused("INVALID_INPUT", `${describeIssues(input.error.issues)}.`);
    const { approvedFields, expectedRevision, editedCustomerResponse } = input.data;
    const outcome = await approvals.decide(
      {
        kind: "approve",
        recommendationId,
        ticketId: input.data.ticketId,
        expectedRevision,
        approvedFields,
        actor: input.data.actor,
        editedCustomerResponse,
      },
      channel,
    );
    return viewOf(outcome, input.data.ticketId);
  }
  if (decision === "reject") {
    const feedback = (form.get("feedback") ?? "").trim();
    if (feedback === "") {
      return refused(
        "INVALID_INPUT",
        "Write feedback to reject: it tells the next recommendation what to do better.",
      );
    }
    const input = rejectRecommendationInput.safeParse({
      recommendationId,
      ticketId,
      actor: reviewer,
      feedback,
    });
    if (!input.success) return refused("INVALID_INPUT", `${describeIssues(input.error.issues)}.`);
    const outcome = await approvals.decide({ kind: "reject", ...input.data }, channel);
    return viewOf(outcome, input.data.ticketId);
  }
  return refused("INVALID_INPUT", 'Press "Approve selected fields" or "Reject with feedback".');
}
