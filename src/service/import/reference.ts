import { ticketSchemaFor } from "../../domain/schemas.js";
import { vocabularySchemas, type Workspace } from "../../domain/workspace/index.js";
import { parseJsonRecords } from "./json.js";
import { IMPORT_LIMITS, maskInto, type ImportCandidate } from "./mapping.js";
import { readSourceText, type SourceRead } from "./source.js";
import type { ImportStats } from "./stats.js";
import type { ReadProgress } from "./table.js";

// The contract's seed format (a JSON array of tickets): imported as it is, with new ids. The
// source id becomes the external id (unless the ticket carries one), so a re-import recognizes
// its rows, and related ids are translated to the new ids at commit. The revision starts at 0:
// in this runtime the ticket has had no approvals yet.

export interface ReferenceRecords extends SourceRead {
  readonly rows: number;
  /** Read, before mapping: for progress. */
  readonly records: ReturnType<typeof parseJsonRecords>;
}

export function readReferenceRecords(path: string, progress?: ReadProgress): ReferenceRecords {
  const parts: string[] = [];
  const read = readSourceText(path, (text, bytesRead, totalBytes) => {
    parts.push(text);
    progress?.(bytesRead, totalBytes);
  });
  const records = parseJsonRecords(parts.join(""));
  return { ...read, rows: records.length, records };
}

/** A ticket of the seed format whose values are the workspace's. */
export function referenceTicketSchema(workspace: Workspace) {
  return ticketSchemaFor(vocabularySchemas(workspace.vocabulary));
}
export type ReferenceTicketSchema = ReturnType<typeof referenceTicketSchema>;

/** One seed-format record -> a candidate, or undefined (the reason is recorded). */
export function referenceCandidate(
  record: { readonly line: number; readonly index: number; readonly value: unknown },
  stats: ImportStats,
  sourceIds: Map<string, number>,
  schema: ReferenceTicketSchema,
): ImportCandidate | undefined {
  const parsed = schema.safeParse(record.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "" : ` at ${issue.path.join(".")}`;
    stats.rowError(record.line, [
      `record [${record.index}] is not a ticket${where}: ${issue?.message ?? "invalid"}`,
    ]);
    return undefined;
  }
  const { id: sourceId, relatedTicketIds, revision: _revision, ...ticket } = parsed.data;
  const problems: string[] = [];
  const externalId = ticket.externalId ?? sourceId;
  const earlier = sourceIds.get(sourceId);
  if (earlier !== undefined) problems.push(`ticket id ${sourceId} is also on line ${earlier}`);
  else {
    sourceIds.set(sourceId, record.line);
    const seen = stats.claimExternalId(externalId, record.line);
    if (seen !== undefined) problems.push(`external id "${externalId}" is also on line ${seen}`);
  }
  if (externalId.length > IMPORT_LIMITS.externalId) {
    problems.push(`external id is ${externalId.length} characters, at most ${IMPORT_LIMITS.externalId}`);
  }
  const masked: string[] = [];
  const subject = maskInto(ticket.subject, masked);
  const description = maskInto(ticket.description, masked);
  if (subject.trim() === "") problems.push("missing subject");
  if (subject.length > IMPORT_LIMITS.subject) {
    problems.push(`subject is ${subject.length} characters, at most ${IMPORT_LIMITS.subject}`);
  }
  if (description.length > IMPORT_LIMITS.description) {
    problems.push(`description is ${description.length} characters, at most ${IMPORT_LIMITS.description}`);
  }
  if (problems.length > 0) {
    stats.rowError(record.line, problems);
    return undefined;
  }
  return {
    line: record.line,
    externalId,
    sourceId,
    related: relatedTicketIds,
    ticket: { ...ticket, subject, description, externalId, revision: 0 },
    masked,
  };
}
