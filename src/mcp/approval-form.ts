import type { PrimitiveSchemaDefinition } from "@modelcontextprotocol/sdk/types.js";
import type { ApprovableField } from "../domain/enums.js";
import { LIMITS } from "../domain/inputs.js";
import { proposedFields, proposedValue } from "../domain/policy/index.js";
import type { Recommendation, Ticket } from "../domain/schemas.js";
import { maskSecrets } from "../domain/secrets/index.js";
import type { HumanForm } from "./tool.js";

// What a reviewer sees before deciding: the per-field before/after of a recommendation, and the
// flat approval form built from it. Pure functions; the reviewer CLI renders the same diff.

export interface FieldDiff {
  readonly field: ApprovableField;
  readonly before: unknown;
  readonly after: unknown;
  /** The value is the edited customer response, not the recommendation's draft. */
  readonly edited: boolean;
}

export function currentValueOf(ticket: Ticket, field: ApprovableField): unknown {
  return field === "status" ? ticket.status : (ticket[field] ?? null);
}

/** One entry per field the recommendation proposes, in the canonical order. */
export function fieldDiffs(
  rec: Recommendation,
  ticket: Ticket,
  editedCustomerResponse?: string,
): FieldDiff[] {
  return proposedFields(rec).map((field) => {
    const proposed = proposedValue(rec, field);
    const edited = field === "customerResponse" && editedCustomerResponse !== undefined;
    return {
      field,
      before: currentValueOf(ticket, field),
      after: edited ? editedCustomerResponse : proposed.present ? proposed.value : null,
      edited,
    };
  });
}

/** A value as a reviewer reads it; secret-like text is masked (tickets are customer-written). */
export function formatValue(field: ApprovableField, value: unknown): string {
  if (value === null || value === undefined) {
    if (field === "assignee") return "unassigned";
    return field === "customerResponse" ? "(none)" : "(unset)";
  }
  if (Array.isArray(value)) return value.length === 0 ? "(none)" : value.map(String).join(", ");
  const text = maskSecrets(typeof value === "string" ? value : JSON.stringify(value)).text;
  return field === "customerResponse" ? `"${text}"` : text;
}

// Control characters, line and paragraph separators, and bidi overrides.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;

/**
 * One line, no control characters, at most `max` characters. Ticket text is untrusted: it must
 * not be able to fake extra lines or options in a form or a terminal.
 */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(UNSAFE, " ").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, Math.max(0, max - 1))}…` : flat;
}

const TITLE_VALUE = 60;
const DESCRIPTION_VALUE = 1_000;
const SUBJECT = 120;

export const DECISIONS = ["approve", "reject"] as const;

export interface ApprovalFormInput {
  readonly rec: Recommendation;
  readonly ticket: Ticket;
  /** Fields pre-ticked: the ones the agent said the reviewer approved. */
  readonly suggested: readonly ApprovableField[];
  /** Default reviewer name. */
  readonly actor: string;
  readonly editedCustomerResponse?: string | undefined;
}

export interface ApprovalForm extends HumanForm {
  /** The boolean properties of the form, one per proposed field. */
  readonly fields: readonly ApprovableField[];
}

function fieldDescription(diff: FieldDiff, rec: Recommendation, ticket: Ticket): string {
  const before = oneLine(formatValue(diff.field, diff.before), DESCRIPTION_VALUE);
  const after = oneLine(formatValue(diff.field, diff.after), DESCRIPTION_VALUE);
  const parts = [`Now: ${before}. Proposed: ${after}.`];
  if (diff.edited) parts.push("This is the response as edited in the conversation, not the original draft.");
  if (diff.field === "team" && rec.requiredTeam !== null && ticket.team !== rec.requiredTeam) {
    parts.push(
      `Policy: ${ticket.id} must end up with team ${rec.requiredTeam}; approving without it is refused.`,
    );
  }
  return parts.join(" ");
}

function formMessage(rec: Recommendation, ticket: Ticket): string {
  const subject = oneLine(maskSecrets(ticket.subject).text, SUBJECT);
  const reasons = rec.escalationReasons.length === 0 ? "none" : rec.escalationReasons.join(", ");
  const team =
    rec.requiredTeam === null
      ? "none (routing is free)"
      : ticket.team === rec.requiredTeam
        ? `${rec.requiredTeam} (already its team)`
        : `${rec.requiredTeam} (the ticket must end up there)`;
  const signals = rec.serverSignals ?? [];
  const lines = [
    `Approve the triage recommendation for ${ticket.id} "${subject}" at revision ${ticket.revision}?`,
    `Proposed by ${oneLine(rec.actor, LIMITS.actor)} with confidence ${rec.confidence.toFixed(2)}. ` +
      `Escalation reasons: ${reasons}. Required team: ${team}.`,
  ];
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
  const { rec, ticket } = input;
  const diffs = fieldDiffs(rec, ticket, input.editedCustomerResponse);
  const properties: Record<string, PrimitiveSchemaDefinition> = {};
  for (const diff of diffs) {
    const before = oneLine(formatValue(diff.field, diff.before), TITLE_VALUE);
    const after = oneLine(formatValue(diff.field, diff.after), TITLE_VALUE);
    properties[diff.field] = {
      type: "boolean",
      title: `Apply ${diff.field}: ${before} -> ${after}`,
      description: fieldDescription(diff, rec, ticket),
      default: input.suggested.includes(diff.field),
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
    message: formMessage(rec, ticket),
    requestedSchema: { type: "object", properties },
    fields: diffs.map((d) => d.field),
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
