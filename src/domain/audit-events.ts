import { z } from "zod";
import { approvableFieldSchema, escalationReasonSchema } from "./enums.js";
import { ERROR_CODES } from "./errors.js";
import { handoffSchema } from "./handoffs.js";
import { ticketIdSchema, uuidSchema } from "./ids.js";
import { SECRET_KINDS } from "./secrets/index.js";
import type { VocabularySchemas } from "./workspace/schemas.js";
import {
  channelSchema,
  fieldChangeSchemaFor,
  idempotencyRecordSchema,
  isoDateTimeSchema,
  recommendationSchema,
  ticketNoteSchema,
  ticketSchema,
} from "./schemas.js";

// Audit events: the one declaration of every action and of what its `data` holds. The store's
// reducer, the services (building drafts and answering retries from the original event) and the
// verifier all read `data` through these schemas; nothing casts it. The on-disk form is the
// envelope (`auditEventSchema`): `data` is stored and hashed exactly as written, and a typed event
// is that envelope with its `data` parsed by its action's schema.
//
// A new action is one entry in AUDIT_EVENT_DATA (here), one reducer entry (store/core/reducer.ts)
// and the service that writes it. See docs/architecture.md, "How to add an audit action".

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, "expected a lower-case hex sha256");

/** A batch file lives directly under imports/: no path separators, no "..". */
export const IMPORT_FILE_PATTERN = /^imports\/[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.json$/;

/** `data.batch` of `tickets-imported`: the batch file the store staged, and its sha256. */
export const importBatchRefSchema = z.object({
  file: z.string().regex(IMPORT_FILE_PATTERN, "expected imports/<name>.json"),
  sha256: sha256Schema,
  count: z.number().int().nonnegative(),
});

/**
 * A handoff as an approval event carries it (`data.handoffs`). The store sets `createdBySeq` to
 * the approval's seq; an event that states one anyway must state that seq.
 */
export const approvalHandoffSchema = handoffSchema.extend({
  createdBySeq: z.number().int().nonnegative().optional(),
});

/**
 * `data.idempotency` of any action: the retry record of a call that carried an idempotencyKey.
 * It is read through idempotencyRecordOf, which ignores a malformed one (the event stays valid).
 */
const idempotency = z.unknown().optional();

/** What `data` holds, per action. The keys are the audit actions, in this order. */
export const AUDIT_EVENT_DATA = {
  // seq 0 only. The chain thus covers the base ticket file (its sha256).
  "runtime-initialized": z.object({
    tickets: z.number().int().nonnegative(),
    storeId: uuidSchema,
    baseSha256: sha256Schema,
    seed: z.record(z.string(), z.unknown()),
  }),
  "recommendation-submitted": z.object({ recommendation: recommendationSchema, idempotency }),
  // The changes are the event's `changes`; `handoffs` are enqueued in the outbox with the
  // approval. `ticket` is the ticket after the changes, the answer a retry gets: the state never
  // reads it, so it is checked (ticketSchema) only when a retry reads it, not on every replay
  // (validating 2,000 tickets made opening a log of approvals a third slower).
  "recommendation-approved": z
    .object({
      escalationReasons: z.array(escalationReasonSchema).optional(),
      requiredTeam: z.string().nullable().optional(),
      customerResponseEdited: z.boolean().optional(),
      ticket: z.unknown().optional(),
      handoffs: z.array(approvalHandoffSchema).optional(),
      idempotency,
    })
    .optional(),
  "recommendation-rejected": z.object({ feedback: z.string(), idempotency }),
  // A refused approval attempt; `code` is the refusal's, which a retry with its key repeats.
  "approval-rejected": z
    .object({
      code: z.enum(ERROR_CODES).optional(),
      approvedFields: z.array(approvableFieldSchema).optional(),
      expectedRevision: z.number().int().optional(),
      idempotency,
    })
    .optional(),
  "ticket-created": z.object({
    ticket: ticketSchema,
    source: z.object({
      kind: z.enum(["mcp", "cli"]),
      client: z.object({ name: z.string(), version: z.string() }).optional(),
      session: z.string(),
    }),
    // Which values were masked, never the values. (Secret kinds are only ever added.)
    maskedSecrets: z.array(z.object({ field: z.string(), kind: z.enum(SECRET_KINDS) })),
    idempotency,
  }),
  "note-added": z.object({ note: ticketNoteSchema, idempotency }),
  // 50,000 tickets do not belong on one line: they are in the batch file the event names.
  "tickets-imported": z.object({
    batch: importBatchRefSchema,
    source: z.object({ name: z.string(), sha256: sha256Schema, format: z.string() }),
    report: z.record(z.string(), z.unknown()),
    idempotency,
  }),
  // Committed before the request leaves; `deliverer` says who may still be sending it.
  "handoff-attempted": z.object({
    handoffId: uuidSchema,
    attempt: z.number().int().positive(),
    deliverer: z.object({ pid: z.number().int().positive(), host: z.string() }).optional(),
    idempotency,
  }),
  "handoff-delivered": z.object({
    handoffId: uuidSchema,
    attempt: z.number().int().positive(),
    httpStatus: z.number().int(),
  }),
  "handoff-failed": z.object({
    handoffId: uuidSchema,
    attempt: z.number().int().positive(),
    httpStatus: z.number().int().optional(),
    error: z.string(),
    final: z.boolean(),
    nextAttemptAt: isoDateTimeSchema.optional(),
  }),
  // The workspace file changed since the last start (or this is the first start that records it):
  // its hash, and the stored values its `renames` mapped, applied to the tickets by this event.
  "workspace-applied": z.object({
    sha256: sha256Schema,
    name: z.string(),
    previousSha256: sha256Schema.nullable(),
    renamed: z.array(
      z.object({
        field: z.enum(["category", "priority", "team", "status"]),
        from: z.string(),
        to: z.string(),
        tickets: z.number().int().nonnegative(),
      }),
    ),
  }),
};

export const auditActionSchema = z.keyof(z.object(AUDIT_EVENT_DATA));
export type AuditAction = z.infer<typeof auditActionSchema>;
export const AUDIT_ACTIONS = auditActionSchema.options;

/**
 * One audit event as stored and published. The audit log is also the store's commit log: every
 * event carries what replay needs (`data`), a sequence number and the hash chain. Published, its
 * `changes[].field` names the workspace's approvable fields (`auditEventSchemaFor`).
 */
export function auditEventSchemaFor(v: Pick<VocabularySchemas, "approvableField">) {
  return z.object({
    seq: z.number().int().nonnegative(),
    id: uuidSchema,
    timestamp: isoDateTimeSchema,
    action: auditActionSchema,
    ticketId: ticketIdSchema.nullable(),
    actor: z.string(),
    channel: channelSchema.optional(),
    recommendationId: uuidSchema.optional(),
    /** Ticket revision the event was validated against, and the revision after it. */
    fromRevision: z.number().int().nonnegative().optional(),
    toRevision: z.number().int().nonnegative().optional(),
    changes: z.array(fieldChangeSchemaFor(v)).optional(),
    reason: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    prevHash: z.string(),
    hash: z.string(),
  });
}
export const auditEventSchema = auditEventSchemaFor({ approvableField: approvableFieldSchema });
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** An event as the service builds it; the store assigns seq, hashes and the id. */
export type AuditEventDraft = Omit<AuditEvent, "seq" | "id" | "prevHash" | "hash">;

/** The parsed `data` of an action (undefined where the action may carry none). */
export type AuditEventData<A extends AuditAction> = z.output<(typeof AUDIT_EVENT_DATA)[A]>;

type DataOf<A extends AuditAction> =
  undefined extends AuditEventData<A>
    ? { readonly data?: Exclude<AuditEventData<A>, undefined> }
    : { readonly data: AuditEventData<A> };

/** An audit event of one action, its `data` parsed. */
export type AuditEventOf<A extends AuditAction> = Omit<AuditEvent, "action" | "data"> & {
  readonly action: A;
} & DataOf<A>;

/** Any audit event with its `data` parsed: narrow on `action` to read `data`. */
export type TypedAuditEvent = { [A in AuditAction]: AuditEventOf<A> }[AuditAction];

/**
 * `event` with its `data` parsed by its action's schema, or why the data does not fit
 * (`data.<path> is invalid: <issue>`).
 */
export function parseAuditEvent(
  event: AuditEvent,
): { readonly event: TypedAuditEvent } | { readonly problem: string } {
  const parsed = AUDIT_EVENT_DATA[event.action].safeParse(event.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined || issue.path.length === 0 ? "" : `.${issue.path.join(".")}`;
    return { problem: `data${path} is invalid: ${issue?.message ?? "?"}` };
  }
  // The schema of `event.action` parsed the data: the pair is an AuditEventOf that action.
  // (Without data, the schema allowed none: the event has none either.)
  return { event: (parsed.data === undefined ? event : { ...event, data: parsed.data }) as TypedAuditEvent };
}

/** Narrows a typed event to one action. */
export function isAuditAction<A extends AuditAction>(
  event: TypedAuditEvent | AuditEventOf<A>,
  action: A,
): event is AuditEventOf<A> {
  return event.action === action;
}

export type IdempotencyRecord = z.infer<typeof idempotencyRecordSchema>;

/** The retry record an event carries in `data.idempotency`, when it carries a valid one. */
export function idempotencyRecordOf(event: AuditEvent | TypedAuditEvent): IdempotencyRecord | undefined {
  const data: Readonly<Record<string, unknown>> | undefined = event.data;
  const raw = data?.idempotency;
  if (raw === undefined) return undefined;
  const parsed = idempotencyRecordSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
