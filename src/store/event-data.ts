import { z } from "zod";
import { handoffSchema } from "../domain/handoffs.js";
import { uuidSchema } from "../domain/ids.js";
import {
  idempotencyRecordSchema,
  isoDateTimeSchema,
  ticketNoteSchema,
  ticketSchema,
} from "../domain/schemas.js";

// What `data` must hold for each audit action added with intake, notes, import and handoffs.
// The reducer validates every event against these before it may change the state; the services
// that build the drafts can use the inferred types.

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, "expected a lower-case hex sha256");

/** A batch file lives directly under imports/: no path separators, no "..". */
export const IMPORT_FILE_PATTERN = /^imports\/[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.json$/;

export const ticketCreatedDataSchema = z.object({
  ticket: ticketSchema,
  source: z.object({
    kind: z.enum(["mcp", "cli"]),
    client: z.object({ name: z.string(), version: z.string() }).optional(),
    session: z.string(),
  }),
  maskedSecrets: z.array(z.object({ field: z.string(), kind: z.string() })),
  idempotency: idempotencyRecordSchema.optional(),
});
export type TicketCreatedData = z.infer<typeof ticketCreatedDataSchema>;

export const noteAddedDataSchema = z.object({
  note: ticketNoteSchema,
  idempotency: idempotencyRecordSchema.optional(),
});
export type NoteAddedData = z.infer<typeof noteAddedDataSchema>;

/** `data.batch` of `tickets-imported`: what StagedImportBatch returns. */
export const importBatchRefSchema = z.object({
  file: z.string().regex(IMPORT_FILE_PATTERN, "expected imports/<name>.json"),
  sha256: sha256Schema,
  count: z.number().int().nonnegative(),
});

export const ticketsImportedDataSchema = z.object({
  batch: importBatchRefSchema,
  source: z.object({ name: z.string(), sha256: sha256Schema, format: z.string() }),
  report: z.record(z.string(), z.unknown()),
  idempotency: idempotencyRecordSchema.optional(),
});
export type TicketsImportedData = z.infer<typeof ticketsImportedDataSchema>;

/**
 * A handoff as an approval event carries it (`data.handoffs`). The store sets `createdBySeq` to
 * the approval's seq; an event that states one anyway must state that seq.
 */
export const approvalHandoffSchema = handoffSchema.extend({
  createdBySeq: z.number().int().nonnegative().optional(),
});
export const approvalHandoffsSchema = z.array(approvalHandoffSchema);

export const handoffAttemptedDataSchema = z.object({
  handoffId: uuidSchema,
  attempt: z.number().int().positive(),
  idempotency: idempotencyRecordSchema.optional(),
});
export type HandoffAttemptedData = z.infer<typeof handoffAttemptedDataSchema>;

export const handoffDeliveredDataSchema = z.object({
  handoffId: uuidSchema,
  attempt: z.number().int().positive(),
  httpStatus: z.number().int(),
});
export type HandoffDeliveredData = z.infer<typeof handoffDeliveredDataSchema>;

export const handoffFailedDataSchema = z.object({
  handoffId: uuidSchema,
  attempt: z.number().int().positive(),
  httpStatus: z.number().int().optional(),
  error: z.string(),
  final: z.boolean(),
  nextAttemptAt: isoDateTimeSchema.optional(),
});
export type HandoffFailedData = z.infer<typeof handoffFailedDataSchema>;
