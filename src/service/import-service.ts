import { statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { DomainError } from "../domain/errors.js";
import type { Workspace } from "../domain/workspace/index.js";
import { LIMITS } from "../domain/inputs.js";
import type { AuditEventDraft, Ticket } from "../domain/schemas.js";
import type { ImportTxOutcome, StagedImportBatch, StoreView, TriageStore } from "../store/index.js";
import { ImportRequestError } from "./import/errors.js";
import { DEFAULT_COLUMNS, IMPORT_FIELDS, parseColumnOverride, resolveColumns } from "./import/columns.js";
import { RowMapper, type ImportCandidate } from "./import/mapping.js";
import { readReferenceRecords, referenceCandidate, referenceTicketSchema } from "./import/reference.js";
import {
  eventReport,
  IMPORT_FORMATS,
  type ImportCounts,
  type ImportFormat,
  type ImportOutcome,
  type ImportReport,
  type MappingReport,
  type SkippedRow,
} from "./import/report.js";
import { hashFile, SourceTextError, type SourceRead } from "./import/source.js";
import { ImportStats } from "./import/stats.js";
import { readCsvTable, readJsonTable, type RawTable } from "./import/table.js";
import type { CsvDelimiter, DelimiterChoice } from "./import/csv.js";

// Imports a helpdesk export into the runtime, all or nothing: the file is read and every row
// checked first; any bad row rejects the whole file. Then, under the runtime lock, rows whose
// external id is already a ticket are skipped, the rest get the next ids of the prefix, and the
// tickets are committed as ONE `tickets-imported` event whose batch file holds them.

export { IMPORT_FORMATS, type ImportFormat, type ImportReport } from "./import/report.js";
export { ImportRequestError } from "./import/errors.js";
export { describeDelimiter, parseDelimiter, type CsvDelimiter } from "./import/csv.js";

export const IMPORT_PREFIX_PATTERN = /^[A-Z][A-Z0-9]{1,9}$/;
const MAX_TICKET_NUMBER = 999_999_999;
const PROGRESS_EVERY_ROWS = 1_000;
const NO_ROWS = "the file holds no rows to import";

export type ImportPhase = "parse" | "validate" | "commit";

export interface ImportProgress {
  readonly phase: ImportPhase;
  readonly done: number;
  readonly total: number;
}

export interface ImportRequest {
  /** Path of the export (resolved from the working directory). */
  readonly file: string;
  readonly format: ImportFormat;
  /** `column=field` overrides of the default column mapping. */
  readonly map?: readonly string[];
  /** CSV only: the delimiter; detected from the header line when absent. */
  readonly delimiter?: CsvDelimiter;
  /** Prefix of the new ticket ids (default TKT). */
  readonly prefix?: string;
  /** Who imports, recorded in the audit event. */
  readonly actor: string;
  /** Check and report only; nothing is written. */
  readonly dryRun?: boolean;
  /** How many bad and skipped rows the report lists (the counts are always complete). */
  readonly listLimit?: number;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportServiceDeps {
  readonly store: TriageStore;
  readonly clock: () => Date;
  /** Value tables (ids and aliases), the initial status and the default plan. */
  readonly workspace: Workspace;
}

/** What a file's rows become against one state of the store. */
interface Plan {
  readonly tickets: Ticket[];
  readonly skipped: SkippedRow[];
  readonly masked: number;
  readonly maskedTickets: number;
  readonly relatedDropped: number;
  readonly firstNumber: number;
}

interface Parsed {
  readonly source: SourceRead;
  readonly rows: number;
  readonly blank: number;
  readonly candidates: ImportCandidate[];
  readonly mapping: MappingReport | null;
}

export class ImportService {
  private readonly store: TriageStore;
  private readonly clock: () => Date;
  private readonly workspace: Workspace;

  constructor(deps: ImportServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.workspace = deps.workspace;
  }

  async importFile(request: ImportRequest): Promise<ImportReport> {
    const { prefix, actor, overrides, path, listLimit } = checkRequest(request);
    const progress = request.onProgress ?? (() => undefined);
    const stats = new ImportStats();
    const base = {
      path,
      name: basename(path),
      format: request.format,
      listLimit,
    };

    // The same bytes imported before: say so at once, without reading 50,000 rows again.
    const hashed = hashFile(path);
    const imported = this.store.view().importedSource(hashed.sha256);
    if (imported !== undefined) {
      return report(base, hashed, stats, {
        outcome: "already-imported",
        rows: 0,
        blank: 0,
        mapping: null,
        alreadyImportedBy: imported,
      });
    }

    let parsed: Parsed;
    try {
      parsed = this.parse(request, path, overrides, stats, progress);
    } catch (error) {
      if (!(error instanceof SourceTextError)) throw error;
      stats.rowError(error.line, [error.message]);
      return report(base, hashed, stats, { outcome: "rejected", rows: 0, blank: 0, mapping: null });
    }
    const { source, candidates } = parsed;
    const shape = { rows: parsed.rows, blank: parsed.blank, mapping: parsed.mapping };

    if (stats.errorCount > 0) return report(base, source, stats, { ...shape, outcome: "rejected" });

    const build = (plan: Plan, outcome: ImportOutcome): ImportReport =>
      report(base, source, stats, { ...shape, outcome, plan, prefix });

    if (request.dryRun === true) {
      const view = this.store.view();
      const plan = planImport(view, candidates, prefix);
      checkNumbering(plan, prefix);
      return build(plan, "dry-run");
    }

    progress({ phase: "commit", done: 0, total: 1 });
    const result = await this.store.transactImport((view): ImportTxOutcome<ImportReport> => {
      const before = view.importedSource(source.sha256);
      if (before !== undefined) {
        return {
          value: report(base, source, stats, {
            ...shape,
            outcome: "already-imported",
            alreadyImportedBy: before,
          }),
        };
      }
      const plan = planImport(view, candidates, prefix);
      if (plan.tickets.length === 0) return { value: build(plan, "nothing-new") };
      try {
        checkNumbering(plan, prefix);
      } catch (error) {
        if (error instanceof DomainError) return { refusal: error };
        throw error;
      }
      const summary = build(plan, "imported");
      let staged: StagedImportBatch | undefined;
      return {
        tickets: plan.tickets,
        draft: (batch): AuditEventDraft => {
          staged = batch;
          return {
            timestamp: this.clock().toISOString(),
            action: "tickets-imported",
            ticketId: null,
            actor,
            data: {
              batch,
              source: { name: base.name, sha256: source.sha256, format: request.format },
              report: eventReport(summary),
            },
          };
        },
        result: (committed) => ({
          ...summary,
          audit: staged === undefined ? null : { seq: committed.seq, eventId: committed.id, batch: staged },
        }),
      };
    });
    progress({ phase: "commit", done: 1, total: 1 });
    return result;
  }

  private parse(
    { format, delimiter }: Pick<ImportRequest, "format" | "delimiter">,
    path: string,
    overrides: ReturnType<typeof parseColumnOverride>[],
    stats: ImportStats,
    progress: (p: ImportProgress) => void,
  ): Parsed {
    const onRead = (done: number, total: number): void => progress({ phase: "parse", done, total });
    const candidates: ImportCandidate[] = [];
    const validated = (i: number, total: number): void => {
      if ((i + 1) % PROGRESS_EVERY_ROWS === 0 || i + 1 === total) {
        progress({ phase: "validate", done: i + 1, total });
      }
    };

    if (format === "reference") {
      const read = readReferenceRecords(path, onRead);
      const schema = referenceTicketSchema(this.workspace);
      const sourceIds = new Map<string, number>();
      read.records.forEach((record, i) => {
        const candidate = referenceCandidate(record, stats, sourceIds, schema);
        if (candidate !== undefined) candidates.push(candidate);
        validated(i, read.records.length);
      });
      if (read.rows === 0) stats.rowError(1, [NO_ROWS]);
      return { source: read, rows: read.rows, blank: 0, candidates, mapping: null };
    }

    const table: RawTable & SourceRead & { delimiter?: DelimiterChoice } =
      format === "csv" ? readCsvTable(path, onRead, delimiter) : readJsonTable(path, onRead);
    const mapping = resolveColumns(table.columns, overrides);
    const mappingReport = (): MappingReport => ({
      columns: mapping.columns,
      missingFields: IMPORT_FIELDS.filter((f) => !mapping.fields.has(f)),
      values: stats.valueMappings(),
      otherValues: stats.otherValueCounts(),
      defaults: stats.defaultCounts(),
    });
    if (table.rows.length === 0) {
      stats.rowError(1, [NO_ROWS]);
      return { source: table, rows: 0, blank: table.blankRows, candidates, mapping: mappingReport() };
    }
    if (!mapping.fields.has("subject")) {
      // Every row would be "missing subject": one clear file-level error instead.
      stats.rowError(1, [
        `no column for the subject: looked for ${DEFAULT_COLUMNS.subject.join(", ")}; the file has ${table.columns.map((c) => JSON.stringify(c)).join(", ")}. Name one with --map COLUMN=subject.`,
      ]);
      return {
        source: table,
        rows: table.rows.length,
        blank: table.blankRows,
        candidates,
        mapping: mappingReport(),
      };
    }
    const mapper = new RowMapper(mapping, stats, this.clock(), this.workspace);
    table.rows.forEach((row, i) => {
      const candidate = mapper.map(row);
      if (candidate !== undefined) candidates.push(candidate);
      validated(i, table.rows.length);
    });
    return {
      source: table,
      rows: table.rows.length,
      blank: table.blankRows,
      candidates,
      mapping: mappingReport(),
    };
  }
}

function checkRequest(request: ImportRequest): {
  prefix: string;
  actor: string;
  overrides: ReturnType<typeof parseColumnOverride>[];
  path: string;
  listLimit: number;
} {
  if (!(IMPORT_FORMATS as readonly string[]).includes(request.format)) {
    throw new ImportRequestError(
      "INVALID_INPUT",
      `format "${request.format}" is not one of ${IMPORT_FORMATS.join(", ")}.`,
    );
  }
  const prefix = request.prefix ?? "TKT";
  if (!IMPORT_PREFIX_PATTERN.test(prefix)) {
    throw new ImportRequestError(
      "INVALID_INPUT",
      `prefix "${prefix}" is not a ticket id prefix: 2-10 upper-case letters or digits, starting with a letter (such as TKT).`,
    );
  }
  const actor = request.actor.trim();
  if (actor === "")
    throw new ImportRequestError(
      "INVALID_INPUT",
      "actor is blank: who imports is recorded in the audit log.",
    );
  if (actor.length > LIMITS.actor) {
    throw new ImportRequestError("INVALID_INPUT", `actor must be at most ${LIMITS.actor} characters.`);
  }
  if (request.delimiter !== undefined && request.format !== "csv") {
    throw new ImportRequestError(
      "INVALID_INPUT",
      `--delimiter applies to CSV files only; this import reads ${request.format}.`,
    );
  }
  const overrides = (request.map ?? []).map(parseColumnOverride);
  if (request.format === "reference" && overrides.length > 0) {
    throw new ImportRequestError(
      "INVALID_INPUT",
      "--map does not apply to the reference format: its fields are ours.",
    );
  }
  const path = resolve(request.file);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    throw new ImportRequestError(
      "NOT_FOUND",
      `Cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Check --from.`,
    );
  }
  if (!isFile) throw new ImportRequestError("INVALID_INPUT", `${path} is not a file. Check --from.`);
  const listLimit = request.listLimit ?? 20;
  return { prefix, actor, overrides, path, listLimit };
}

/** Skips rows whose external id is a ticket already, numbers the rest from the prefix's next id. */
function planImport(view: StoreView, candidates: readonly ImportCandidate[], prefix: string): Plan {
  const firstNumber = view.nextTicketNumber(prefix);
  let next = firstNumber;
  const skipped: SkippedRow[] = [];
  const fresh: [ImportCandidate, string][] = [];
  // Source id (or external id) -> our id, for related ids of the reference format.
  const ours = new Map<string, string>();
  for (const c of candidates) {
    const key = c.sourceId ?? c.externalId;
    if (c.externalId !== undefined) {
      const existing = view.ticketIdByExternalId(c.externalId);
      if (existing !== undefined) {
        skipped.push({ line: c.line, externalId: c.externalId, ticketId: existing });
        if (key !== undefined) ours.set(key, existing);
        continue;
      }
    }
    const id = `${prefix}-${next++}`;
    if (key !== undefined) ours.set(key, id);
    fresh.push([c, id]);
  }
  let masked = 0;
  let maskedTickets = 0;
  let relatedDropped = 0;
  const tickets = fresh.map(([c, id]): Ticket => {
    masked += c.masked.length;
    if (c.masked.length > 0) maskedTickets++;
    const relatedTicketIds: string[] = [];
    for (const r of c.related) {
      const to = ours.get(r) ?? view.ticketIdByExternalId(r);
      if (to === undefined || to === id) relatedDropped++;
      else if (!relatedTicketIds.includes(to)) relatedTicketIds.push(to);
    }
    return { id, ...c.ticket, relatedTicketIds };
  });
  return { tickets, skipped, masked, maskedTickets, relatedDropped, firstNumber };
}

function checkNumbering(plan: Plan, prefix: string): void {
  const last = plan.firstNumber + plan.tickets.length - 1;
  if (last > MAX_TICKET_NUMBER) {
    throw new ImportRequestError(
      "INVALID_INPUT",
      `${plan.tickets.length} new tickets would run past ${prefix}-${MAX_TICKET_NUMBER}. Import under another --prefix.`,
    );
  }
}

interface ReportExtras {
  readonly outcome: ImportOutcome;
  readonly rows: number;
  readonly blank: number;
  readonly mapping: MappingReport | null;
  readonly plan?: Plan;
  readonly prefix?: string;
  readonly alreadyImportedBy?: number;
}

function report(
  base: { path: string; name: string; format: ImportFormat; listLimit: number },
  source: SourceRead & { readonly delimiter?: DelimiterChoice },
  stats: ImportStats,
  extras: ReportExtras,
): ImportReport {
  const { plan, prefix } = extras;
  const warnings = stats.warningList();
  if (plan !== undefined && plan.relatedDropped > 0) {
    warnings.push({
      kind: "related-not-found",
      message: "related ticket ids that are not in the file or the runtime were left out",
      count: plan.relatedDropped,
      lines: [],
    });
  }
  const counts: ImportCounts = {
    rows: extras.rows,
    blank: extras.blank,
    bad: stats.errorCount,
    created: plan?.tickets.length ?? 0,
    skipped: plan?.skipped.length ?? 0,
    masked: plan?.masked ?? 0,
    maskedTickets: plan?.maskedTickets ?? 0,
    warnings: warnings.reduce((n, w) => n + w.count, 0),
  };
  const first = plan?.tickets[0]?.id;
  const last = plan?.tickets.at(-1)?.id;
  return {
    outcome: extras.outcome,
    source: {
      path: base.path,
      name: base.name,
      format: base.format,
      sha256: source.sha256,
      bytes: source.bytes,
      ...(source.delimiter === undefined ? {} : { delimiter: source.delimiter }),
    },
    counts,
    mapping: extras.mapping,
    warnings,
    errors: stats.firstErrors(base.listLimit),
    skipped: (plan?.skipped ?? []).slice(0, base.listLimit),
    listLimit: base.listLimit,
    ids: first === undefined || last === undefined || prefix === undefined ? null : { prefix, first, last },
    audit: null,
    alreadyImportedBy: extras.alreadyImportedBy ?? null,
  };
}
