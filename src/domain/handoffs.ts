import { z } from "zod";
import { isoDateTimeSchema } from "./schemas.js";
import { ticketIdSchema, uuidSchema } from "./ids.js";
import { STORED_VOCABULARY, type VocabularySchemas } from "./workspace/schemas.js";

// Messages that leave the machine. They are only ever created inside the approval transaction
// that applied an escalated routing (an outbox), and delivered later by `handoffs deliver`.

export const HANDOFF_KINDS = ["team-notification", "bug-card"] as const;
export const handoffKindSchema = z.enum(HANDOFF_KINDS);

/**
 * pending: waiting for delivery. in-flight: an attempt started and its outcome was never recorded
 * (the deliverer died mid-request): never retried automatically, so nothing is sent twice.
 * delivered / failed: final.
 */
export const HANDOFF_STATUSES = ["pending", "in-flight", "delivered", "failed"] as const;
export const handoffStatusSchema = z.enum(HANDOFF_STATUSES);
export type HandoffStatus = z.infer<typeof handoffStatusSchema>;

export function handoffSchemaFor(v: Pick<VocabularySchemas, "team">) {
  return z.object({
    id: uuidSchema,
    /** Stable idempotency key sent with every attempt (`Idempotency-Key` header). */
    key: z.string(),
    kind: handoffKindSchema,
    team: v.team,
    channel: z.string(),
    ticketId: ticketIdSchema,
    recommendationId: uuidSchema,
    createdAt: isoDateTimeSchema,
    /** Slack-compatible body by default: {text, blocks?}; bug cards carry title/body/labels. */
    payload: z.record(z.string(), z.unknown()),
  });
}
export const handoffSchema = handoffSchemaFor(STORED_VOCABULARY);
export type Handoff = z.infer<typeof handoffSchema>;

export const handoffAttemptSchema = z.object({
  attempt: z.number().int().positive(),
  startedAt: isoDateTimeSchema,
  finishedAt: isoDateTimeSchema.optional(),
  outcome: z.enum(["delivered", "failed"]).optional(),
  httpStatus: z.number().int().optional(),
  error: z.string().optional(),
});
export type HandoffAttempt = z.infer<typeof handoffAttemptSchema>;

export function handoffStateSchemaFor(v: Pick<VocabularySchemas, "team">) {
  return handoffSchemaFor(v).extend({
    /** seq of the approval event that created it (set by the store, not part of the event data). */
    createdBySeq: z.number().int().nonnegative(),
    status: handoffStatusSchema,
    attempts: z.array(handoffAttemptSchema),
    nextAttemptAt: isoDateTimeSchema.optional(),
  });
}
export const handoffStateSchema = handoffStateSchemaFor(STORED_VOCABULARY);
export type HandoffState = z.infer<typeof handoffStateSchema>;
