import { z } from "zod";
import {
  approvableFieldSchema,
  categorySchema,
  prioritySchema,
  resolutionSchema,
  riskSchema,
  slaStateSchema,
  statusSchema,
  teamSchema,
} from "./enums.js";
import { articleIdSchema, ticketIdSchema, uuidSchema } from "./ids.js";
import { isoDateTimeSchema } from "./schemas.js";
import { planSchema } from "./sla-table.js";

// Input schemas of every operation, written once: the MCP layer publishes them as JSON Schema
// and validates calls with them; the service derives its input types from them. Every string
// and array is bounded (see docs/architecture.md, "Input limits").

export const LIMITS = {
  actor: 120,
  shortText: 500,
  longText: 8_000,
  feedback: 2_000,
  listItem: 200,
  listItems: 20,
  tag: 50,
  tags: 20,
  duplicateCandidates: 10,
  query: 500,
  maxOffset: 10_000,
  maxPageSize: 50,
} as const;

const nonBlank = (max: number, what: string) =>
  z
    .string()
    .max(max, `${what} must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, `${what} must not be blank`);

export const idempotencyKeySchema = uuidSchema
  .optional()
  .describe(
    "Optional UUID for safe retries: a retry with the same key and the same arguments returns the original result without a second effect; the same key with different arguments is refused.",
  );

export const actorSchema = nonBlank(LIMITS.actor, "actor").describe(
  "Who is acting: the reviewer's name or handle for approvals and rejections, the agent's name for submissions.",
);

const offsetSchema = z
  .number()
  .int()
  .min(0)
  .max(LIMITS.maxOffset)
  .default(0)
  .describe(`How many matching items to skip (0..${LIMITS.maxOffset}).`);
const limitSchema = (dflt: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(LIMITS.maxPageSize)
    .default(dflt)
    .describe(`Page size (1..${LIMITS.maxPageSize}, default ${dflt}).`);

export const listTicketsInput = z.object({
  status: statusSchema.optional().describe("Only tickets with this status."),
  category: categorySchema.optional().describe("Only tickets with this category."),
  priority: prioritySchema.optional().describe("Only tickets with this priority."),
  team: teamSchema.optional().describe("Only tickets owned by this team."),
  slaState: slaStateSchema
    .optional()
    .describe("Only tickets whose SLA is breached, at risk (due within 60 minutes) or healthy at `asOf`."),
  // The ISO pattern accepts any number of fractional digits: bound the length explicitly.
  asOf: isoDateTimeSchema
    .max(40, "asOf must be at most 40 characters")
    .optional()
    .describe("ISO timestamp to evaluate SLA state at; defaults to now."),
  offset: offsetSchema,
  limit: limitSchema(20),
});
export type ListTicketsInput = z.infer<typeof listTicketsInput>;

export const getTicketInput = z.object({
  id: ticketIdSchema.describe("Ticket id, for example TKT-1001."),
});

export const searchKnowledgeInput = z.object({
  query: nonBlank(LIMITS.query, "query").describe(
    "Words describing the problem, for example the ticket's subject. Ranked retrieval: word order and inflection do not matter.",
  ),
  limit: limitSchema(10),
});
export type SearchKnowledgeInput = z.infer<typeof searchKnowledgeInput>;

export const findSimilarInput = z.object({
  id: ticketIdSchema.describe("The ticket to find possible duplicates or related incidents for."),
});

export const getQueueMetricsInput = z.object({});

export const getAuditEventsInput = z.object({
  ticketId: ticketIdSchema.optional().describe("Only events about this ticket; omit for the whole log."),
  offset: z.number().int().min(0).default(0).describe("How many events to skip, oldest first."),
  limit: limitSchema(20),
});
export type GetAuditEventsInput = z.infer<typeof getAuditEventsInput>;

export const listRecommendationsInput = z.object({
  ticketId: ticketIdSchema.optional().describe("Only recommendations for this ticket."),
  resolution: resolutionSchema
    .optional()
    .describe("Only pending (waiting for review), approved or rejected recommendations."),
  offset: offsetSchema,
  limit: limitSchema(20),
});
export type ListRecommendationsInput = z.infer<typeof listRecommendationsInput>;

const listOfText = (what: string) =>
  z
    .array(z.string().max(LIMITS.listItem, `each ${what} must be at most ${LIMITS.listItem} characters`))
    .max(LIMITS.listItems, `at most ${LIMITS.listItems} ${what} entries`);

export const submitRecommendationInput = z.object({
  ticketId: ticketIdSchema.describe("The ticket being triaged."),
  sourceRevision: z
    .number()
    .int()
    .min(0)
    .describe("The ticket's `revision` as read just before deciding; stale revisions are refused."),
  category: categorySchema.describe("Proposed category."),
  priority: prioritySchema.describe("Proposed priority (technical impact, not customer pressure)."),
  team: teamSchema.describe("Proposed owning team. The server may require security or incident-response."),
  assignee: z
    .string()
    .max(LIMITS.actor)
    .nullable()
    .optional()
    .describe("Proposed assignee handle, or null to propose unassigning. Omit to leave unchanged."),
  ticketStatus: statusSchema.optional().describe("Proposed ticket status. Omit to leave unchanged."),
  tags: z
    .array(z.string().min(1).max(LIMITS.tag))
    .max(LIMITS.tags)
    .optional()
    .describe("Proposed full tag list (replaces the ticket's tags when approved). Omit to leave unchanged."),
  duplicateCandidates: z
    .array(
      z.object({
        ticketId: ticketIdSchema.describe("A ticket that looks like the same problem."),
        confidence: z.number().min(0).max(1).describe("0..1: how sure you are it is the same problem."),
        evidence: z.string().max(LIMITS.shortText).describe("Why: the shared facts."),
      }),
    )
    .max(LIMITS.duplicateCandidates)
    .describe("Possible duplicates, usually from find_similar_tickets; may be empty."),
  outageRisk: riskSchema.describe("Risk that this is part of a service outage."),
  securityRisk: riskSchema.describe("Risk that this involves a security issue (exposure, takeover, abuse)."),
  slaRisk: riskSchema.describe("Risk of missing the response SLA."),
  missingInformation: listOfText("missingInformation").describe(
    "Facts needed from the customer before the ticket can progress; may be empty.",
  ),
  knowledgeArticleIds: z
    .array(articleIdSchema)
    .max(LIMITS.listItems)
    .describe("Ids of knowledge articles that support the recommendation (cite what you used)."),
  draftCustomerResponse: z
    .string()
    .max(LIMITS.longText)
    .describe("Draft reply to the customer. Sent only if a reviewer approves customerResponse."),
  rationale: z.string().max(LIMITS.shortText).describe("Why these fields, citing ticket and article ids."),
  confidence: z.number().min(0).max(1).describe("0..1 confidence in the whole recommendation."),
  recommendedNextAction: z.string().max(LIMITS.shortText).describe("What a human should do next."),
  actor: actorSchema,
  idempotencyKey: idempotencyKeySchema,
});
export type SubmitRecommendationInput = z.infer<typeof submitRecommendationInput>;

export const approveRecommendationInput = z.object({
  recommendationId: uuidSchema.describe("The pending recommendation's id."),
  ticketId: ticketIdSchema.describe("The ticket the recommendation is for."),
  expectedRevision: z
    .number()
    .int()
    .min(0)
    .describe("The ticket revision the reviewer saw; must equal the ticket's and the recommendation's."),
  approvedFields: z
    .array(approvableFieldSchema)
    .min(1, "approvedFields must name at least one field")
    .max(7)
    .describe("Exactly the fields the human reviewer approved by name; nothing else is applied."),
  actor: actorSchema,
  confirm: z
    .literal(true)
    .describe("Must be true, and only after the human reviewer explicitly approved these fields."),
  editedCustomerResponse: z
    .string()
    .max(LIMITS.longText)
    .optional()
    .describe("The reviewer's edited customer response; only together with customerResponse."),
  idempotencyKey: idempotencyKeySchema,
});
export type ApproveRecommendationInput = z.infer<typeof approveRecommendationInput>;

export const rejectRecommendationInput = z.object({
  recommendationId: uuidSchema.describe("The pending recommendation's id."),
  ticketId: ticketIdSchema.describe("The ticket the recommendation is for."),
  actor: actorSchema,
  feedback: nonBlank(LIMITS.feedback, "feedback").describe(
    "The reviewer's reason, so the next recommendation can do better.",
  ),
  idempotencyKey: idempotencyKeySchema,
});
export type RejectRecommendationInput = z.infer<typeof rejectRecommendationInput>;

// ---------- intake: teams, new tickets, internal notes ----------

export const INTAKE_LIMITS = {
  subject: 200,
  description: 20_000,
  noteBody: 4_000,
  customerName: 200,
  region: 60,
  email: 320,
} as const;

const boundedText = (max: number, what: string) =>
  z
    .string()
    .min(1, `${what} must not be empty`)
    .max(max, `${what} must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, `${what} must not be blank`);

export const listTeamsInput = z.object({});

export const createTicketInput = z.object({
  subject: boundedText(INTAKE_LIMITS.subject, "subject").describe(
    `One-line summary of the problem (1..${INTAKE_LIMITS.subject} characters). Untrusted customer text; secret-like values are masked in the stored copy.`,
  ),
  description: boundedText(INTAKE_LIMITS.description, "description").describe(
    `The customer's report (1..${INTAKE_LIMITS.description} characters). Untrusted customer text; secret-like values (keys, tokens, passwords) are masked in the stored copy.`,
  ),
  customer: z
    .object({
      name: boundedText(INTAKE_LIMITS.customerName, "customer.name").describe(
        "Customer name (company or person).",
      ),
      plan: planSchema.describe("Support plan; with vip it sets the SLA response deadline."),
      region: boundedText(INTAKE_LIMITS.region, "customer.region").describe(
        "Customer region, for example eu-west.",
      ),
      vip: z.boolean().describe("VIP customers get a shorter response deadline."),
      email: z.email().max(INTAKE_LIMITS.email).optional().describe("Contact email address."),
    })
    .describe(
      "Who reported the problem. plan x vip sets sla.responseDueAt (knowledge article sla-response-targets).",
    ),
  tags: z
    .array(z.string().min(1).max(LIMITS.tag))
    .max(LIMITS.tags)
    .optional()
    .describe(
      `Initial tags (at most ${LIMITS.tags}, each 1..${LIMITS.tag} characters); triage may change them later.`,
    ),
  actor: actorSchema
    .optional()
    .describe(
      "Who is creating the ticket (agent or person). Defaults to the MCP client's name from the handshake.",
    ),
  idempotencyKey: idempotencyKeySchema,
});
export type CreateTicketInput = z.infer<typeof createTicketInput>;

export const addTicketNoteInput = z.object({
  ticketId: ticketIdSchema.describe("The ticket to add the note to."),
  author: actorSchema.describe("Who writes the note: a person's handle or the assistant's name."),
  body: boundedText(INTAKE_LIMITS.noteBody, "body").describe(
    `The note (1..${INTAKE_LIMITS.noteBody} characters). Internal: never sent to the customer. Must not contain secrets (refused with SECRET_DETECTED).`,
  ),
  idempotencyKey: idempotencyKeySchema,
});
export type AddTicketNoteInput = z.infer<typeof addTicketNoteInput>;
