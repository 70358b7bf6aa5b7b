import { z } from "zod";
import {
  categorySchema,
  escalationReasonSchema,
  prioritySchema,
  teamSchema,
  ESCALATION_REASONS,
} from "../domain/enums.js";
import { auditEventSchema } from "../domain/audit-events.js";
import { knowledgeArticleSchema, recommendationSchema, ticketSchema } from "../domain/schemas.js";
import { similarTicketSchema } from "../domain/similarity/similar-ticket.js";

// Output schemas as published in tools/list. They describe exactly what handlers return; the
// stored-data schemas accept looser input (null for "unset"), outputs never contain it.

export const ticketOutput = ticketSchema.extend({
  category: categorySchema.optional(),
  priority: prioritySchema.optional(),
  team: teamSchema.optional(),
});

const paging = (items: string) => ({
  total: z.number().int().describe(`How many ${items} match, across all pages.`),
  offset: z.number().int(),
  limit: z.number().int(),
});

/** A page of `item`, as every list tool returns it. */
export function pageOutput<T extends z.ZodType>(item: T, items = "items") {
  return z.object({ items: z.array(item), ...paging(items) });
}

export const ticketPageOutput = pageOutput(ticketOutput);
export const ticketOutputEnvelope = z.object({ ticket: ticketOutput });
export const recommendationOutput = recommendationSchema;
export const recommendationEnvelope = z.object({ recommendation: recommendationOutput });
export const recommendationPageOutput = pageOutput(recommendationOutput);
export const auditEventOutput = auditEventSchema;
export const auditPageOutput = z.object({ events: z.array(auditEventOutput), ...paging("items") });

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

export const approveOutput = z.object({ ticket: ticketOutput, auditEvent: auditEventOutput });
export const rejectOutput = z.object({ auditEvent: auditEventOutput });
export { escalationReasonSchema };

export const decideOutput = z.object({
  outcome: z
    .enum(["approved", "rejected"])
    .describe("approved: the ticked fields were applied. rejected: the recommendation was rejected."),
  ticket: ticketOutput.optional().describe("approved: the ticket at its new revision."),
  auditEvent: auditEventOutput.describe("The audit event that records the decision (channel app)."),
});
