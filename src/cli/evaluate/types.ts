import { z } from "zod";
import {
  categorySchema,
  escalationReasonSchema,
  prioritySchema,
  resolutionSchema,
  teamSchema,
  type EscalationReason,
} from "../../domain/enums.js";
import { ticketIdSchema } from "../../domain/ids.js";
import { proposalSchema, type Ticket } from "../../domain/schemas.js";

/** One line of expected-outcomes.json (the contract's format). */
export const expectedOutcomeSchema = z.object({
  ticketId: ticketIdSchema,
  category: categorySchema,
  acceptablePriorities: z.array(prioritySchema).min(1),
  team: teamSchema,
  requiredEscalations: z.array(escalationReasonSchema),
  knowledgeArticleIds: z.array(z.string()),
  duplicateGroup: z.string().min(1).nullable().optional(),
});
export type ExpectedOutcome = z.infer<typeof expectedOutcomeSchema>;
export const expectedOutcomesSchema = z.array(expectedOutcomeSchema);

/**
 * A recommendation as stored (or as the reference's sample file writes it): the proposal and its
 * resolution. Server-computed fields (escalationReasons, requiredTeam, ...) are deliberately not
 * read: the evaluation recomputes them with our policy.
 */
export const evaluatedRecommendationSchema = proposalSchema.extend({ resolution: resolutionSchema });
export type EvaluatedRecommendation = z.infer<typeof evaluatedRecommendationSchema>;
export const evaluatedRecommendationsSchema = z.array(evaluatedRecommendationSchema);

/**
 * Decides whether a ticket's text is aimed at the triage process (a prompt injection). Plugged
 * into the engine evaluation once src/domain/signals provides one.
 */
export interface InjectionDetector {
  detect(ticket: Ticket): boolean;
}

/** Extra escalation reasons decided by deterministic rules outside computeEscalation. */
export type ExtraReasons = (ticket: Ticket) => readonly EscalationReason[];

/** Refused input: the message names what is wrong and is printed as is. */
export class EvaluationInputError extends Error {
  override readonly name = "EvaluationInputError";
}
