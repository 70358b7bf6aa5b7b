import { z } from "zod";
import { escalationReasonSchema, resolutionSchema } from "../../src/domain/enums.js";
import { vocabularySchemas } from "../../src/domain/workspace/index.js";
import { loadWorkspace } from "../../src/service/workspace.js";

// The contract's files name the bundled workspace's values (the seed's).
const BUNDLED_VOCABULARY = vocabularySchemas(loadWorkspace().workspace.vocabulary);
const { category: categorySchema, priority: prioritySchema, team: teamSchema } = BUNDLED_VOCABULARY;
import { ticketIdSchema } from "../../src/domain/ids.js";
import { proposalSchemaFor } from "../../src/domain/schemas.js";
import type { Signal, SignalInput } from "../../src/domain/signals/index.js";

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
 * resolution. Server-computed fields (escalationReasons, requiredTeam, serverAssessment, ...) are
 * deliberately not read: the evaluation recomputes them as the server's submit would.
 */
export const evaluatedRecommendationSchema = proposalSchemaFor(BUNDLED_VOCABULARY).extend({
  resolution: resolutionSchema,
});
export type EvaluatedRecommendation = z.infer<typeof evaluatedRecommendationSchema>;
export const evaluatedRecommendationsSchema = z.array(evaluatedRecommendationSchema);

/**
 * The server's evidence detector over a ticket's subject and description (detectSignals in
 * src/domain/signals). Injected so that a test can measure what a broken detector would cost.
 */
export type SignalDetector = (ticket: SignalInput) => Signal[];

/** The catalogue's ground truth for the three detectors, per ticket. */
export interface DetectorLabels {
  readonly injection: boolean;
  readonly security: boolean;
  readonly outage: boolean;
}

/** Refused input: the message names what is wrong and is printed as is. */
export class EvaluationInputError extends Error {
  override readonly name = "EvaluationInputError";
}
