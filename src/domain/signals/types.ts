import { z } from "zod";
import { riskSchema } from "../enums.js";

export const SIGNAL_KINDS = ["security", "outage", "injection"] as const;
export const SIGNAL_FIELDS = ["subject", "description"] as const;
/** Longest excerpt a signal carries. */
export const MAX_EXCERPT = 120;

export const signalKindSchema = z.enum(SIGNAL_KINDS);
export const signalFieldSchema = z.enum(SIGNAL_FIELDS);

export const signalSpanSchema = z.object({
  start: z.number().int().nonnegative().describe("Offset of the first character in the original field."),
  end: z.number().int().nonnegative().describe("Offset just after the last character (exclusive)."),
  text: z
    .string()
    .max(MAX_EXCERPT)
    .describe("The matched text, shortened, secrets redacted and invisible characters shown as <U+XXXX>."),
});

export const signalSchema = z.object({
  rule: z.string().describe('Stable rule id, e.g. "security.credential-exposure".'),
  kind: signalKindSchema.describe("What the evidence points at."),
  field: signalFieldSchema.describe("The ticket field the span is in."),
  span: signalSpanSchema,
  floor: riskSchema
    .optional()
    .describe("The least risk this evidence implies (security and outage rules); absent for injection."),
});

export type SignalKind = z.infer<typeof signalKindSchema>;
export type SignalField = z.infer<typeof signalFieldSchema>;
export type SignalSpan = z.infer<typeof signalSpanSchema>;
export type Signal = z.infer<typeof signalSchema>;

/** What the detectors read: the customer-written parts of a ticket. */
export interface SignalInput {
  readonly subject: string;
  readonly description: string;
}
