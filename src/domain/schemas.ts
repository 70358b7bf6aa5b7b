import { z } from "zod";
import { approvableFieldSchema, escalationReasonSchema, resolutionSchema, riskSchema } from "./enums.js";
import { articleIdSchema, ticketIdSchema, uuidSchema } from "./ids.js";
import { serverAssessmentSchema, serverSignalSchema } from "./policy/assessment.js";
import { STORED_VOCABULARY, type VocabularySchemas } from "./workspace/schemas.js";

// Data-at-rest schemas. They accept the reference seed format unchanged (unknown keys are
// stripped, optional triage fields may be absent or null) and describe what we store. The
// workspace's values (category, priority, team, status) are strings here; `...For(vocabulary)`
// builds the same schema with the workspace's enums, as tools publish it.

export const isoDateTimeSchema = z.iso.datetime({ offset: true });

export const customerSchema = z.object({
  name: z.string().max(200),
  plan: z.string().max(60),
  region: z.string().max(60),
  vip: z.boolean(),
  email: z.string().max(320).optional(),
});
export type Customer = z.infer<typeof customerSchema>;

export const slaSchema = z.object({
  responseDueAt: isoDateTimeSchema,
  breached: z.boolean(),
});
export type Sla = z.infer<typeof slaSchema>;

export const ticketNoteSchema = z.object({
  id: z.string(),
  author: z.string(),
  body: z.string(),
  createdAt: isoDateTimeSchema,
});
export type TicketNote = z.infer<typeof ticketNoteSchema>;

const nullToUndefined = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === null ? undefined : v), schema.optional());

export function ticketSchemaFor(v: VocabularySchemas) {
  return z.object({
    id: ticketIdSchema,
    createdAt: isoDateTimeSchema,
    updatedAt: isoDateTimeSchema,
    customer: customerSchema,
    subject: z.string(),
    description: z.string(),
    status: v.status,
    category: nullToUndefined(v.category),
    priority: nullToUndefined(v.priority),
    team: nullToUndefined(v.team),
    // null is meaningful for assignee: "explicitly unassigned".
    assignee: z.string().nullable().optional(),
    tags: z.array(z.string()),
    sla: slaSchema,
    relatedTicketIds: z.array(ticketIdSchema),
    revision: z.number().int().nonnegative(),
    customerResponse: z.string().optional(),
    externalId: z.string().optional(),
    notes: z.array(ticketNoteSchema).optional(),
  });
}
export const ticketSchema = ticketSchemaFor(STORED_VOCABULARY);
export type Ticket = z.infer<typeof ticketSchema>;

export const seedSchema = z.array(ticketSchema);

export const knowledgeArticleSchema = z.object({
  id: articleIdSchema,
  title: z.string().min(1),
  tags: z.array(z.string()),
  body: z.string(),
});
export type KnowledgeArticle = z.infer<typeof knowledgeArticleSchema>;

export const duplicateCandidateSchema = z.object({
  ticketId: ticketIdSchema,
  confidence: z.number().min(0).max(1),
  evidence: z.string(),
});
export type DuplicateCandidate = z.infer<typeof duplicateCandidateSchema>;

/** What an agent proposes. Every field of the contract's submit input except `actor`. */
export function proposalSchemaFor(v: VocabularySchemas) {
  return z.object({
    ticketId: ticketIdSchema,
    sourceRevision: z.number().int().nonnegative(),
    category: v.category,
    priority: v.priority,
    team: v.team,
    assignee: z.string().nullable().optional(),
    ticketStatus: v.status.optional(),
    tags: z.array(z.string()).optional(),
    duplicateCandidates: z.array(duplicateCandidateSchema),
    outageRisk: riskSchema,
    securityRisk: riskSchema,
    slaRisk: riskSchema,
    missingInformation: z.array(z.string()),
    knowledgeArticleIds: z.array(z.string()),
    draftCustomerResponse: z.string(),
    rationale: z.string(),
    confidence: z.number().min(0).max(1),
    recommendedNextAction: z.string(),
  });
}
export const proposalSchema = proposalSchemaFor(STORED_VOCABULARY);
export type Proposal = z.infer<typeof proposalSchema>;

export function recommendationSchemaFor(v: VocabularySchemas) {
  return proposalSchemaFor(v).extend({
    id: uuidSchema,
    actor: z.string(),
    escalationRequired: z.boolean(),
    escalationReasons: z.array(escalationReasonSchema),
    requiredTeam: v.team.nullable(),
    resolution: resolutionSchema,
    createdAt: isoDateTimeSchema,
    resolvedAt: isoDateTimeSchema.optional(),
    resolvedBy: z.string().optional(),
    approvedFields: z.array(v.approvableField).optional(),
    feedback: z.string().optional(),
    /** The server's risks (the agent's claims raised to what the ticket shows); absent on old records. */
    serverAssessment: serverAssessmentSchema.optional(),
    /** The evidence behind serverAssessment: rule, span and effect of each detector finding. */
    serverSignals: z.array(serverSignalSchema).optional(),
  });
}
export const recommendationSchema = recommendationSchemaFor(STORED_VOCABULARY);
export type Recommendation = z.infer<typeof recommendationSchema>;

// Audit events (the envelope, every action and what its data holds) are declared in
// audit-events.ts, which builds on the record schemas above.
export type { AuditAction, AuditEvent, AuditEventDraft } from "./audit-events.js";

/** A field-level change recorded by an approval. */
export function fieldChangeSchemaFor(v: Pick<VocabularySchemas, "approvableField">) {
  return z.object({ field: v.approvableField, before: z.unknown(), after: z.unknown() });
}
export const fieldChangeSchema = fieldChangeSchemaFor({ approvableField: approvableFieldSchema });
export type FieldChange = z.infer<typeof fieldChangeSchema>;

export const APPROVAL_CHANNELS = ["chat", "elicitation", "operator", "app", "desk"] as const;
export const approvalChannelSchema = z.enum(APPROVAL_CHANNELS);
export type ApprovalChannelType = z.infer<typeof approvalChannelSchema>;

/**
 * How a decision reached the server: `chat` (the model called the tool with confirm: true),
 * `elicitation` (the human answered a form rendered by the client), `operator` (the reviewer CLI,
 * outside any AI client), `app` (the review card an MCP Apps host shows), `desk` (the reviewer
 * desk in a browser). `client` is the client's or host's name and version.
 */
export const channelSchema = z.object({
  type: approvalChannelSchema,
  client: z.object({ name: z.string().max(200), version: z.string().max(100) }).optional(),
});
export type Channel = z.infer<typeof channelSchema>;

/** Recorded in `data.idempotency` of an event made by a call that carried an idempotencyKey. */
export const idempotencyRecordSchema = z.object({
  key: z.string(),
  payloadHash: z.string(),
});
