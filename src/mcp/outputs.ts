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

// Output schemas as published in tools/list. They describe exactly what handlers return; the
// stored-data schemas accept looser input (null for "unset"), outputs never contain it.

export const ticketOutput = ticketSchema.extend({
  category: categorySchema.optional(),
  priority: prioritySchema.optional(),
  team: teamSchema.optional(),
});

const paging = {
  total: z.number().int().describe("How many items match, across all pages."),
  offset: z.number().int(),
  limit: z.number().int(),
};

export const ticketPageOutput = z.object({ items: z.array(ticketOutput), ...paging });
export const ticketOutputEnvelope = z.object({ ticket: ticketOutput });
export const recommendationOutput = recommendationSchema;
export const recommendationEnvelope = z.object({ recommendation: recommendationOutput });
export const recommendationPageOutput = z.object({ items: z.array(recommendationOutput), ...paging });
export const auditEventOutput = auditEventSchema;
export const auditPageOutput = z.object({ events: z.array(auditEventOutput), ...paging });

export const searchKnowledgeOutput = z.object({
  articles: z.array(
    knowledgeArticleSchema.extend({
      score: z.number().describe("Relevance score (higher is better)."),
      snippet: z.string().describe("Short excerpt around the matching terms."),
    }),
  ),
});

export const similarOutput = z.object({
  sourceTicketId: z.string(),
  candidates: z.array(
    z.object({
      ticketId: z.string(),
      confidence: z.number().min(0).max(1),
      evidence: z.string(),
      sharedTerms: z.array(z.string()),
    }),
  ),
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
