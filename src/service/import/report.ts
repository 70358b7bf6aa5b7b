import type { StagedImportBatch } from "../../store/index.js";
import type { ColumnReport, ImportField } from "./columns.js";
import type { DelimiterChoice } from "./csv.js";
import type { RowError, ValueMapping, WarningSummary } from "./stats.js";

export const IMPORT_FORMATS = ["csv", "json", "reference"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/**
 * imported: committed as one `tickets-imported` event. dry-run: checked, nothing written.
 * rejected: bad rows (or an unreadable file); nothing written. already-imported: this exact file
 * was imported before (`alreadyImportedBy`); it is not read again, so the counts are zero. nothing-new: every row's external id is already a
 * ticket; nothing written.
 */
export type ImportOutcome = "imported" | "dry-run" | "rejected" | "already-imported" | "nothing-new";

export interface ImportCounts {
  /** Data rows (records) in the file, blank ones excluded. */
  readonly rows: number;
  readonly blank: number;
  readonly bad: number;
  /** Tickets created (or, on a dry run, that would be). */
  readonly created: number;
  /** Rows whose external id is already a ticket. */
  readonly skipped: number;
  /** Secrets masked in the created tickets, and how many tickets had any. */
  readonly masked: number;
  readonly maskedTickets: number;
  readonly warnings: number;
}

export interface MappingReport {
  readonly columns: readonly ColumnReport[];
  /** Fields no column feeds: each gets its default (or stays unset) on every row. */
  readonly missingFields: readonly ImportField[];
  /** Per enumerated field: each raw value (up to 50), what it became, and how often. */
  readonly values: Readonly<Record<string, readonly ValueMapping[]>>;
  /** Rows whose raw value was not listed (beyond the 50 distinct per field). */
  readonly otherValues: Readonly<Record<string, number>>;
  /** Empty cells per field that got the default. */
  readonly defaults: Readonly<Record<string, number>>;
}

export interface SkippedRow {
  readonly line: number;
  readonly externalId: string;
  readonly ticketId: string;
}

export interface ImportReport {
  readonly outcome: ImportOutcome;
  readonly source: {
    readonly path: string;
    readonly name: string;
    readonly format: ImportFormat;
    readonly sha256: string;
    readonly bytes: number;
    /** CSV: the delimiter the file was read with, and whether it was given or detected. */
    readonly delimiter?: DelimiterChoice;
  };
  readonly counts: ImportCounts;
  /** null for the reference format (its fields are ours already). */
  readonly mapping: MappingReport | null;
  readonly warnings: readonly WarningSummary[];
  /** The first `listLimit` bad rows by line; `counts.bad` is the total. */
  readonly errors: readonly RowError[];
  /** The first `listLimit` skipped rows; `counts.skipped` is the total. */
  readonly skipped: readonly SkippedRow[];
  readonly listLimit: number;
  /** Ids given to the created tickets (on a dry run, the ones they would get now). */
  readonly ids: { readonly prefix: string; readonly first: string; readonly last: string } | null;
  readonly audit: {
    readonly seq: number;
    readonly eventId: string;
    readonly batch: StagedImportBatch;
  } | null;
  readonly alreadyImportedBy: number | null;
}

const MAX_EVENT_COLUMNS = 100;
const MAX_COLUMN_NAME = 100;

/** The part of a report recorded in the audit event: counts and mapping, bounded in size. */
export function eventReport(report: ImportReport): Record<string, unknown> {
  const mapping = report.mapping;
  return {
    counts: report.counts,
    ids: report.ids,
    warnings: report.warnings.map((w) => ({ kind: w.kind, count: w.count })),
    mapping:
      mapping === null
        ? null
        : {
            columns: mapping.columns.slice(0, MAX_EVENT_COLUMNS).map((c) => ({
              ...c,
              column:
                c.column.length > MAX_COLUMN_NAME ? `${c.column.slice(0, MAX_COLUMN_NAME)}...` : c.column,
            })),
            missingFields: mapping.missingFields,
            values: mapping.values,
            otherValues: mapping.otherValues,
            defaults: mapping.defaults,
          },
  };
}
