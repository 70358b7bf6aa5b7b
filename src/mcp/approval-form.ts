import type { PrimitiveSchemaDefinition } from "@modelcontextprotocol/sdk/types.js";
import type { ApprovableField } from "../domain/enums.js";
import { LIMITS } from "../domain/inputs.js";
import { formatValue, oneLine } from "../domain/review-format.js";
import type { ReviewFieldRow, ReviewPacket } from "../domain/review-packet.js";
import type { HumanForm } from "./tool.js";

// The approval form: the review packet as the flat form MCP elicitation can carry, and what an
// answered form means. Pure functions; every value comes from the packet.

const TITLE_VALUE = 60;
const DESCRIPTION_VALUE = 1_000;
const SUBJECT = 120;

export const DECISIONS = ["approve", "reject"] as const;

export interface ApprovalFormInput {
  readonly packet: ReviewPacket;
  /** Fields pre-ticked: the ones the agent said the reviewer approved. */
  readonly suggested: readonly ApprovableField[];
  /** Default reviewer name. */
  readonly actor: string;
}

export interface ApprovalForm extends HumanForm {
  /** The boolean properties of the form, one per proposed field. */
  readonly fields: readonly ApprovableField[];
}

function fieldDescription(row: ReviewFieldRow, packet: ReviewPacket): string {
  const before = oneLine(formatValue(row.field, row.current), DESCRIPTION_VALUE);
  const after = oneLine(formatValue(row.field, row.proposed), DESCRIPTION_VALUE);
  const parts = [`Now: ${before}. Proposed: ${after}.`];
  if (row.edited) parts.push("This is the response as edited in the conversation, not the original draft.");
  if (row.neededForRouting) {
    parts.push(
      `Policy: ${packet.ticket.id} must end up with team ${packet.escalation.requiredTeam}; approving without it is refused.`,
    );
  }
  return parts.join(" ");
}

function requiredTeamText(packet: ReviewPacket): string {
  const { requiredTeam, ticketHasRequiredTeam } = packet.escalation;
  if (requiredTeam === null) return "none (routing is free)";
  return ticketHasRequiredTeam
    ? `${requiredTeam} (already its team)`
    : `${requiredTeam} (the ticket must end up there)`;
}

function formMessage(packet: ReviewPacket): string {
  const { ticket } = packet;
  const reasons = packet.escalation.reasons.length === 0 ? "none" : packet.escalation.reasons.join(", ");
  const lines = [
    `Approve the triage recommendation for ${ticket.id} "${oneLine(ticket.subject, SUBJECT)}" at revision ${ticket.revision}?`,
    `Proposed by ${oneLine(packet.proposedBy, LIMITS.actor)} with confidence ${packet.confidence.toFixed(2)}. ` +
      `Escalation reasons: ${reasons}. Required team: ${requiredTeamText(packet)}.`,
  ];
  const signals = packet.serverSignals;
  if (signals.length > 0) {
    const rules = [...new Set(signals.map((s) => s.rule))];
    lines.push(`The server found ${signals.length} warning sign(s) in the ticket: ${rules.join(", ")}.`);
  }
  lines.push(
    "Only the fields you tick are applied; everything else stays as it is. " +
      'To reject the whole recommendation, choose "reject" and write feedback.',
    "Values come from the ticket and from the AI's recommendation: read them as data, not as instructions.",
  );
  return lines.join("\n");
}

/**
 * A flat form: one boolean per proposed field (pre-ticked for the fields the agent named), the
 * decision as a string enum, and two optional strings. Nothing else, because some clients render
 * only booleans and enums.
 */
export function buildApprovalForm(input: ApprovalFormInput): ApprovalForm {
  const { packet } = input;
  const properties: Record<string, PrimitiveSchemaDefinition> = {};
  for (const row of packet.fields) {
    const before = oneLine(formatValue(row.field, row.current), TITLE_VALUE);
    const after = oneLine(formatValue(row.field, row.proposed), TITLE_VALUE);
    properties[row.field] = {
      type: "boolean",
      title: `Apply ${row.field}: ${before} -> ${after}`,
      description: fieldDescription(row, packet),
      default: input.suggested.includes(row.field),
    };
  }
  properties.decision = {
    type: "string",
    title: "Decision",
    description:
      "approve: apply the ticked fields. reject: reject the whole recommendation (feedback required).",
    enum: [...DECISIONS],
    default: "approve",
  };
  properties.reviewer = {
    type: "string",
    title: "Reviewer",
    description: "Your name or handle, recorded in the audit log.",
    maxLength: LIMITS.actor,
    default: oneLine(input.actor, LIMITS.actor),
  };
  properties.feedback = {
    type: "string",
    title: "Feedback (required to reject)",
    description: "Why you reject it, so the next recommendation can do better.",
    maxLength: LIMITS.feedback,
  };
  return {
    message: formMessage(packet),
    requestedSchema: { type: "object", properties },
    fields: packet.fields.map((row) => row.field),
  };
}

export type FormDecision =
  | { readonly kind: "approve"; readonly fields: ApprovableField[]; readonly reviewer: string | undefined }
  | { readonly kind: "reject"; readonly feedback: string; readonly reviewer: string | undefined }
  | { readonly kind: "nothing-ticked" }
  | { readonly kind: "reject-without-feedback" }
  | { readonly kind: "invalid"; readonly problem: string };

function optionalText(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * What an accepted form means. Only a literal `true` ticks a field; an absent decision is the
 * form's default (approve), so a client that drops untouched values applies nothing extra.
 */
export function readApprovalAnswer(
  form: ApprovalForm,
  content: Readonly<Record<string, unknown>>,
): FormDecision {
  const reviewer = optionalText(content.reviewer);
  if (reviewer !== undefined && reviewer.length > LIMITS.actor) {
    return { kind: "invalid", problem: `the reviewer name is longer than ${LIMITS.actor} characters` };
  }
  const decision = content.decision ?? "approve";
  if (decision !== "approve" && decision !== "reject") {
    return { kind: "invalid", problem: `the decision must be "approve" or "reject"` };
  }
  if (decision === "reject") {
    const feedback = optionalText(content.feedback);
    if (feedback === undefined) return { kind: "reject-without-feedback" };
    if (feedback.length > LIMITS.feedback) {
      return { kind: "invalid", problem: `the feedback is longer than ${LIMITS.feedback} characters` };
    }
    return { kind: "reject", feedback, reviewer };
  }
  const fields = form.fields.filter((f) => content[f] === true);
  if (fields.length === 0) return { kind: "nothing-ticked" };
  return { kind: "approve", fields, reviewer };
}
