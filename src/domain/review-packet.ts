import { z } from "zod";
import { isAuditAction, parseAuditEvent, type AuditEvent } from "./audit-events.js";
import { approvableFieldSchema, slaStateSchema, type ApprovableField } from "./enums.js";
import { errorCodeSchema, type ErrorCode } from "./errors.js";
import { articleIdSchema, uuidSchema } from "./ids.js";
import { serverAssessmentSchema, serverSignalSchema, type ServerSignal } from "./policy/assessment.js";
import { preflightApproval, type PreflightRequest } from "./policy/approval.js";
import { slaStateOf } from "./policy/sla.js";
import {
  duplicateCandidateSchema,
  proposalSchema,
  recommendationSchemaFor,
  slaSchema,
  ticketSchemaFor,
  type Channel,
  type FieldChange,
  type Recommendation,
  type Ticket,
} from "./schemas.js";
import { STORED_VOCABULARY, type VocabularySchemas } from "./workspace/schemas.js";
import type { TriagePolicy } from "./workspace/workspace.js";
import { formatValue } from "./review-format.js";
import { maskSecrets } from "./secrets/index.js";
import { similarTicketSchema, type SimilarTicket } from "./similarity/similar-ticket.js";

// Everything a reviewer needs to decide on one recommendation, as data. Every approval channel
// renders this one packet (the form, the reviewer CLI, the app card, the desk); none of them
// computes any of it. Text from the ticket is untrusted: escape it wherever it is shown.

export function reviewFieldSchemaFor(v: Pick<VocabularySchemas, "approvableField">) {
  return z.object({
    field: v.approvableField.describe("The ticket field."),
    current: z.unknown().describe("Its value now; null when unset."),
    proposed: z.unknown().describe("The proposed value (an edited customerResponse: the reviewer's text)."),
    currentText: z.string().describe("The value now as a reviewer reads it (secret-like text masked)."),
    proposedText: z.string().describe("The proposed value as a reviewer reads it (secret-like text masked)."),
    changes: z.boolean().describe("False when approving the field would leave its value as it is."),
    edited: z.boolean().describe("The proposed value is the edited customer response, not the draft."),
    neededForRouting: z.boolean().describe("Team row: approving without this field is refused (routing)."),
    contradictsRequiredTeam: z.boolean().describe("Team row: the proposed team is not the required team."),
  });
}
export const reviewFieldSchema = reviewFieldSchemaFor({ approvableField: approvableFieldSchema });
export type ReviewFieldRow = z.infer<typeof reviewFieldSchema>;

/** The review packet as a tool publishes it: the workspace's values as enums. */
export function reviewPacketSchemaFor(v: VocabularySchemas) {
  const recommendation = recommendationSchemaFor(v).shape;
  return z.object({
    recommendationId: uuidSchema.describe("The recommendation under review."),
    resolution: recommendation.resolution.describe("pending, or how it was decided."),
    resolvedBy: z.string().nullable().describe("Who decided it; null while pending."),
    approvedFields: recommendation.approvedFields
      .unwrap()
      .nullable()
      .describe("The fields an approval applied."),
    feedback: z.string().nullable().describe("The reviewer's feedback of a rejection."),
    proposedBy: z.string().describe("Who submitted the recommendation (usually the AI client's agent)."),
    createdAt: recommendation.createdAt.describe("When it was submitted."),
    confidence: recommendation.confidence.describe("The submitter's confidence in the whole recommendation."),
    sourceRevision: recommendation.sourceRevision.describe("The ticket revision it was made at."),
    ticket: ticketSchemaFor(v)
      .pick({ id: true, customer: true, status: true })
      .extend({
        subject: z.string().describe("Untrusted customer text; secret-like values masked."),
        description: z.string().describe("Untrusted customer text; secret-like values masked."),
        revision: z.number().int().nonnegative().describe("The ticket's current revision."),
        sla: slaSchema.extend({ state: slaStateSchema.describe("The SLA state now.") }),
      })
      .describe("The ticket as it is now."),
    fields: z.array(reviewFieldSchemaFor(v)).describe("One row per field the recommendation proposes."),
    escalation: z.object({
      reasons: recommendation.escalationReasons.describe("Computed by the server's policy now."),
      requiredTeam: recommendation.requiredTeam.describe(
        "The team the ticket must end up with; null when routing is free.",
      ),
      ticketHasRequiredTeam: z.boolean().describe("No team is required, or the ticket already sits with it."),
    }),
    risks: z.object({
      claimed: proposalSchema
        .pick({ securityRisk: true, outageRisk: true, slaRisk: true })
        .describe("The risks the recommendation claims."),
      assessed: serverAssessmentSchema
        .nullable()
        .describe("The server's reading of the ticket; null on old records."),
    }),
    serverSignals: z
      .array(serverSignalSchema)
      .describe("Evidence the server found in the ticket, with quoted spans."),
    similarTickets: z
      .array(similarTicketSchema)
      .describe("Tickets the server finds similar, strongest first."),
    duplicateCandidates: z.array(duplicateCandidateSchema).describe("Duplicates the recommendation names."),
    citedArticles: z
      .array(
        z.object({
          id: articleIdSchema,
          title: z.string().nullable().describe("null: not in the knowledge base."),
        }),
      )
      .describe("The knowledge articles the recommendation cites."),
    draftReply: z.string().describe("The proposed customer response (empty: none)."),
    rationale: z.string(),
    recommendedNextAction: z.string(),
    missingInformation: z.array(z.string()),
    approval: z
      .discriminatedUnion("approvable", [
        z.object({
          approvable: z.literal(true),
          expectedRevision: z.number().int().nonnegative().describe("The revision to approve at."),
        }),
        z.object({
          approvable: z.literal(false),
          code: errorCodeSchema.describe("The refusal an approval would get now."),
          message: z.string().describe("What is wrong and what to do next."),
        }),
      ])
      .describe("Whether it can be approved right now, or the refusal that would come."),
  });
}
export const reviewPacketSchema = reviewPacketSchemaFor(STORED_VOCABULARY);
export type ReviewPacket = z.infer<typeof reviewPacketSchema>;

export interface ReviewPacketInput {
  readonly rec: Recommendation;
  readonly ticket: Ticket;
  readonly now: Date;
  /** The workspace's routing, thresholds and approvable fields. */
  readonly policy: TriagePolicy;
  /** The reviewer's position; by default the ticket's current revision, no edited response. */
  readonly request?: PreflightRequest;
  readonly similarTickets?: readonly SimilarTicket[];
  /** The title of a knowledge article, undefined when there is none. */
  readonly articleTitle?: (id: string) => string | undefined;
}

/** The review packet of a recommendation and its ticket as they are at `now`. Pure. */
export function reviewPacketOf(input: ReviewPacketInput): ReviewPacket {
  const { rec, ticket, now, policy } = input;
  const request = input.request ?? { ticketId: rec.ticketId, expectedRevision: ticket.revision };
  const { question, refusal } = preflightApproval(ticket, rec, request, now, policy);
  return {
    recommendationId: rec.id,
    resolution: rec.resolution,
    resolvedBy: rec.resolvedBy ?? null,
    approvedFields: rec.approvedFields ?? null,
    feedback: rec.feedback ?? null,
    proposedBy: rec.actor,
    createdAt: rec.createdAt,
    confidence: rec.confidence,
    sourceRevision: rec.sourceRevision,
    ticket: {
      id: ticket.id,
      subject: maskSecrets(ticket.subject).text,
      description: maskSecrets(ticket.description).text,
      customer: ticket.customer,
      status: ticket.status,
      revision: ticket.revision,
      sla: { ...ticket.sla, state: slaStateOf(ticket, now, policy.atRiskWindowMs) },
    },
    fields: question.fields.map((row) => ({
      ...row,
      currentText: formatValue(row.field, row.current),
      proposedText: formatValue(row.field, row.proposed),
    })),
    escalation: {
      reasons: question.escalation.escalationReasons,
      requiredTeam: question.escalation.requiredTeam,
      ticketHasRequiredTeam: question.ticketHasRequiredTeam,
    },
    risks: {
      claimed: { securityRisk: rec.securityRisk, outageRisk: rec.outageRisk, slaRisk: rec.slaRisk },
      assessed: rec.serverAssessment ?? null,
    },
    serverSignals: uniqueSignals(rec.serverSignals ?? []),
    similarTickets: [...(input.similarTickets ?? [])],
    duplicateCandidates: rec.duplicateCandidates,
    citedArticles: rec.knowledgeArticleIds.map((id) => ({ id, title: input.articleTitle?.(id) ?? null })),
    draftReply: rec.draftCustomerResponse,
    rationale: rec.rationale,
    recommendedNextAction: rec.recommendedNextAction,
    missingInformation: rec.missingInformation,
    approval:
      refusal === null
        ? { approvable: true, expectedRevision: ticket.revision }
        : { approvable: false, code: refusal.code, message: refusal.message },
  };
}

/** The server's signals with each one once: the same rule on the same span is the same evidence. */
export function uniqueSignals(signals: readonly ServerSignal[]): ServerSignal[] {
  const seen = new Set<string>();
  return signals.filter((s) => {
    const key = `${s.rule}\u0000${s.field}\u0000${s.span.start}\u0000${s.span.end}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What the packet says an approval of exactly some fields would meet. */
export interface ApprovalPreview {
  readonly code: ErrorCode;
  /** What is wrong with this choice and what to do instead. */
  readonly message: string;
}

/**
 * The refusal an approval of exactly `fields` would meet, read from the packet's approval and its
 * team row's flags, so a channel can say so before its human confirms; null when the packet
 * stands against nothing. A preview, not the decision: `ApprovalService.decide` checks again,
 * under the store's lock, and its answer is the one that counts.
 */
export function approvalPreview(
  packet: ReviewPacket,
  fields: readonly ApprovableField[],
): ApprovalPreview | null {
  const { approval, escalation, ticket } = packet;
  if (!approval.approvable) return { code: approval.code, message: approval.message };
  const team = packet.fields.find((row) => row.field === "team");
  const required = escalation.requiredTeam ?? "the required team";
  if (team?.neededForRouting === true && !fields.includes("team")) {
    return {
      code: "POLICY_DENIED",
      message:
        `${ticket.id} must end up with team ${required}, and only the team field moves it there: ` +
        `approving without team is refused. Add team to the fields.`,
    };
  }
  if (team?.contradictsRequiredTeam === true && fields.includes("team")) {
    return {
      code: "POLICY_DENIED",
      message:
        `the proposed team ${team.proposedText} is not the required team ${required}: approving team ` +
        `is refused. Leave team out, or reject the recommendation with feedback.`,
    };
  }
  return null;
}

/** How a recommendation was decided, from the audit event that resolved it. */
export interface ReviewDecision {
  readonly resolution: "approved" | "rejected";
  /** The reviewer, as recorded. */
  readonly actor: string;
  /** When the decision was committed. */
  readonly at: string;
  /** How the decision arrived; null on events older than channels. */
  readonly channel: Channel | null;
  readonly auditSeq: number;
  /** The ticket revision it was decided at, and the revision an approval made. */
  readonly fromRevision: number | null;
  readonly toRevision: number | null;
  /** What an approval applied, field by field; empty for a rejection. */
  readonly changes: readonly FieldChange[];
  /** The customer response an approval applied was the reviewer's edit of the draft. */
  readonly customerResponseEdited: boolean;
  /** The feedback of a rejection; null for an approval. */
  readonly feedback: string | null;
}

/** The decision an audit event records; undefined when the event is not an approval or a rejection. */
export function reviewDecisionOf(event: AuditEvent): ReviewDecision | undefined {
  const parsed = parseAuditEvent(event);
  if (!("event" in parsed)) return undefined;
  const typed = parsed.event;
  const common = {
    actor: event.actor,
    at: event.timestamp,
    channel: event.channel ?? null,
    auditSeq: event.seq,
    fromRevision: event.fromRevision ?? null,
    toRevision: event.toRevision ?? null,
  };
  if (isAuditAction(typed, "recommendation-approved")) {
    return {
      resolution: "approved",
      ...common,
      changes: event.changes ?? [],
      customerResponseEdited: typed.data?.customerResponseEdited === true,
      feedback: null,
    };
  }
  if (isAuditAction(typed, "recommendation-rejected")) {
    return {
      resolution: "rejected",
      ...common,
      changes: [],
      customerResponseEdited: false,
      feedback: typed.data.feedback,
    };
  }
  return undefined;
}
