import { z } from "zod";
import { escalationReasonSchema, ESCALATION_REASONS } from "../domain/enums.js";
import { auditEventSchemaFor } from "../domain/audit-events.js";
import { handoffStateSchemaFor } from "../domain/handoffs.js";
import { reviewPacketSchemaFor } from "../domain/review-packet.js";
import { knowledgeArticleSchema, recommendationSchemaFor, ticketSchemaFor } from "../domain/schemas.js";
import { similarTicketSchema } from "../domain/similarity/similar-ticket.js";
import { teamRecordSchemaFor } from "../domain/teams.js";
import type { VocabularySchemas } from "../domain/workspace/index.js";

// Output schemas as published in tools/list. They describe exactly what handlers return; the
// stored-data schemas accept looser input (null for "unset"), outputs never contain it. Those
// that carry the workspace's values (a ticket's team, an approved field) are built from it by
// `outputSchemasFor(vocabulary)`; the rest are constants.

const paging = (items: string) => ({
  total: z.number().int().describe(`How many ${items} match, across all pages.`),
  offset: z.number().int(),
  limit: z.number().int(),
});

/** A page of `item`, as every list tool returns it. */
export function pageOutput<T extends z.ZodType>(item: T, items = "items") {
  return z.object({ items: z.array(item), ...paging(items) });
}

/** The outputs that carry the workspace's values, built from it (once per server). */
export function outputSchemasFor(v: VocabularySchemas) {
  const ticket = ticketSchemaFor(v).extend({
    category: v.category.optional(),
    priority: v.priority.optional(),
    team: v.team.optional(),
  });
  const recommendation = recommendationSchemaFor(v);
  const auditEvent = auditEventSchemaFor(v);
  return {
    ticket,
    ticketPage: pageOutput(ticket),
    ticketEnvelope: z.object({ ticket }),
    recommendationEnvelope: z.object({ recommendation }),
    recommendationPage: pageOutput(recommendation),
    auditPage: z.object({ events: z.array(auditEvent), ...paging("items") }),
    approve: z.object({ ticket, auditEvent }),
    reject: z.object({ auditEvent }),
    decide: z.object({
      outcome: z
        .enum(["approved", "rejected"])
        .describe("approved: the ticked fields were applied. rejected: the recommendation was rejected."),
      ticket: ticket.optional().describe("approved: the ticket at its new revision."),
      auditEvent: auditEvent.describe("The audit event that records the decision (channel app)."),
    }),
    handoffPage: pageOutput(handoffStateSchemaFor(v), "handoffs"),
    teams: z.object({
      teams: z.array(teamRecordSchemaFor(v)).describe("Every team, in the order of the teams file."),
    }),
    reviewPacket: reviewPacketSchemaFor(v),
  };
}
export type WorkspaceOutputs = ReturnType<typeof outputSchemasFor>;

export const searchKnowledgeOutput = z.object({
  articles: z.array(
    knowledgeArticleSchema.extend({
      score: z.number().describe("Relevance score (higher is better)."),
      snippet: z.string().describe("Short excerpt around the matching terms."),
    }),
  ),
  notice: z
    .string()
    .optional()
    .describe(
      "Present when the server has no knowledge article at all: why, and what the operator must fix.",
    ),
});

export const similarOutput = z.object({
  sourceTicketId: z.string(),
  candidates: z.array(similarTicketSchema),
});

const rate = z.number().min(0).max(1).nullable();
export const metricsOutput = z.object({
  generatedAt: z.string(),
  openTickets: z.number().int(),
  untriagedTickets: z.number().int(),
  slaBreachedTickets: z.number().int(),
  slaAtRiskTickets: z.number().int(),
  ticketsByCategory: z.record(z.string(), z.number().int()),
  ticketsByPriority: z.record(z.string(), z.number().int()),
  ticketsByTeam: z.record(z.string(), z.number().int()),
  submittedRecommendations: z.number().int(),
  pendingRecommendations: z.number().int(),
  approvedRecommendations: z.number().int(),
  rejectedRecommendations: z.number().int(),
  acceptanceRate: rate,
  rejectionRate: rate,
  averageConfidence: rate,
  escalationCounts: z.object({
    total: z.number().int(),
    ...Object.fromEntries(ESCALATION_REASONS.map((r) => [r, z.number().int()])),
  }),
  minutesPerAcceptedRecommendation: z.number(),
  estimatedMinutesSaved: z.number(),
});

export { escalationReasonSchema };
