import { z } from "zod";
import { handoffStateSchema, handoffStatusSchema } from "../../domain/handoffs.js";
import { ticketIdSchema } from "../../domain/ids.js";
import { LIMITS } from "../../domain/inputs.js";
import { defineTool } from "../tool.js";

export const listHandoffsInput = z.object({
  status: handoffStatusSchema
    .optional()
    .describe(
      "Only handoffs in this state: pending (waiting for delivery or a retry), in-flight (an attempt whose " +
        "outcome was never recorded; not resent automatically), delivered, failed (gave up).",
    ),
  ticketId: ticketIdSchema.optional().describe("Only handoffs of this ticket."),
  offset: z
    .number()
    .int()
    .min(0)
    .max(LIMITS.maxOffset)
    .default(0)
    .describe(`How many matching handoffs to skip (0..${LIMITS.maxOffset}).`),
  limit: z
    .number()
    .int()
    .min(1)
    .max(LIMITS.maxPageSize)
    .default(20)
    .describe(`Page size (1..${LIMITS.maxPageSize}, default 20).`),
});

export const handoffPageOutput = z.object({
  items: z.array(handoffStateSchema),
  total: z.number().int().describe("How many handoffs match, across all pages."),
  offset: z.number().int(),
  limit: z.number().int(),
});

export const listHandoffs = defineTool({
  name: "list_handoffs",
  title: "List handoffs",
  description:
    "List the handoff outbox, oldest first: team notifications and bug cards that approvals of escalated " +
    "routings enqueued, with their channel, ticket, delivery status, every attempt (HTTP status or error) and " +
    "the next retry time. Read only: handoffs are created by approvals and sent by the operator's " +
    "`handoffs deliver` command, never by a tool.",
  kind: "read",
  input: listHandoffsInput,
  output: handoffPageOutput,
  handler: (args, { handoffs }) => handoffs.list(args),
});
