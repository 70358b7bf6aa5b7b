// `npm run import -- --from FILE ...`: brings a helpdesk export (CSV or JSON) or a file in the
// seed format into a runtime, all or nothing, as one audited `tickets-imported` event. Run with
// --help for the options.
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { extname, resolve } from "node:path";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { isDomainError } from "../domain/errors.js";
import type { Logger } from "../logging.js";
import {
  describeDelimiter,
  IMPORT_FORMATS,
  parseDelimiter,
  type CsvDelimiter,
  ImportRequestError,
  ImportService,
  type ImportFormat,
  type ImportPhase,
  type ImportProgress,
  type ImportReport,
} from "../service/import-service.js";
import { DEFAULT_COLUMNS, IMPORT_FIELDS } from "../service/import/columns.js";
import { IMPORT_LIMITS } from "../service/import/mapping.js";
import { openTriage } from "../service/runtime.js";
import { WorkspaceError } from "../service/workspace.js";
import { UnknownStoredValuesError } from "../service/workspace-apply.js";
import { layoutOf } from "../store/index.js";
import { PROCESS_IO, runCommand, runIfMain, UsageError } from "./command.js";
import type { Command, CommandIo, ParsedArgs } from "./command.js";

export const USAGE = `Usage: npm run import -- --from FILE [--format csv|json|reference] [options]

Imports the tickets of a helpdesk export into the runtime, all or nothing: every row is checked
first, and one bad row imports nothing (each bad row is listed with its line number). The import
is recorded as one tickets-imported audit event. Importing the same file again changes nothing;
rows whose external id is already a ticket are skipped.

Options:
  --from FILE           the export to import
  --format FORMAT       csv, json (an array of objects, or {"tickets": [...]}), or reference (the
                        seed format: tickets imported with new ids). Default: from the extension
                        (.csv, .json)
  --delimiter D         CSV: comma, semicolon or tab. Default: detected from the header line (the
                        one it holds most outside quotes; none of them: comma)
  --map COLUMN=FIELD    read FIELD from COLUMN instead of the default column (repeatable);
                        FIELD "ignore" leaves a column out. Fields: ${IMPORT_FIELDS.join(", ")}
  --prefix PREFIX       prefix of the new ticket ids (default TKT: TKT-<next number>)
  --actor NAME          who imports, recorded in the audit event (default: the OS user name)
  --data-root DIR       the runtime directory (default: TRIAGE_DATA_ROOT, else the per-user runtime)
  --dry-run             check and report; write nothing
  --json                print the report as JSON
  --limit N             how many bad or skipped rows to list (default 20; the counts are complete)
  -h, --help            show this help
  --version             print the version

Default columns (headers match ignoring case, spaces, "_", "-" and "."):
${IMPORT_FIELDS.map((f) => `  ${f.padEnd(12)} ${DEFAULT_COLUMNS[f].join(" | ")}`).join("\n")}

Values: status, priority, category, team and plan are mapped to the workspace's ids by their
aliases (bundled: Open -> new, pending -> waiting-customer, solved/closed -> resolved;
urgent/high/normal/low -> P1/P2/P3/P4); an unknown status becomes the initial status, an unknown
priority, category or team stays unset, an unknown plan reads as import.defaultPlan, each with
a warning. The SLA deadline comes from the plan x VIP table, from the created date. Secrets in
subjects and descriptions are masked. Limits: subject ${IMPORT_LIMITS.subject}, description ${IMPORT_LIMITS.description} characters.

Exit status: 0 imported (or nothing to do, or a clean dry run), 1 not imported (bad rows, an
unreadable file, the runtime unavailable), 2 usage error.
`;

export interface ImportIo extends CommandIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal: the progress bar is drawn only then. */
  readonly stderrIsTTY: boolean;
  /** Terminal width for the progress bar. */
  readonly columns?: number;
  readonly clock?: () => Date;
}

interface Options {
  readonly from: string;
  readonly format: ImportFormat;
  readonly map: string[];
  readonly delimiter?: CsvDelimiter;
  readonly prefix?: string;
  readonly actor: string;
  readonly dataRoot?: string;
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly limit: number;
}

function defaultActor(): string {
  try {
    const name = userInfo().username.trim();
    return name === "" ? "operator" : name;
  } catch {
    return "operator";
  }
}

const OPTIONS = {
  from: { type: "string" },
  format: { type: "string" },
  map: { type: "string", multiple: true },
  delimiter: { type: "string" },
  prefix: { type: "string" },
  actor: { type: "string" },
  "data-root": { type: "string" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
  limit: { type: "string" },
} as const;

/** The import's options and the runtime configuration they name; every problem is a usage error. */
interface Parsed {
  readonly options: Options;
  readonly config: Config;
}

function parse(args: ParsedArgs<typeof OPTIONS>, io: ImportIo): Parsed {
  const options = parseOptions(args);
  const env = options.dataRoot === undefined ? io.env : { ...io.env, TRIAGE_DATA_ROOT: options.dataRoot };
  try {
    return { options, config: loadConfig(env, io.cwd) };
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

function parseOptions({ values }: ParsedArgs<typeof OPTIONS>): Options {
  const from = values.from;
  if (from === undefined || from.trim() === "") throw new UsageError("--from FILE is required.");
  let format = values.format;
  if (format === undefined) {
    const ext = extname(from).toLowerCase();
    if (ext === ".csv") format = "csv";
    else if (ext === ".json") format = "json";
    else
      throw new UsageError(
        `Cannot tell the format of ${from} from its extension: pass --format csv|json|reference.`,
      );
  }
  if (!(IMPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${IMPORT_FORMATS.join(", ")}, got "${format}".`);
  }
  let limit = 20;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit must be a whole number >= 0.`);
  }
  if (values["data-root"]?.trim() === "") throw new UsageError("--data-root is blank.");
  const delimiter = values.delimiter === undefined ? undefined : parseDelimiter(values.delimiter);
  if (values.delimiter !== undefined && delimiter === undefined) {
    throw new UsageError(`--delimiter must be comma, semicolon or tab, got "${values.delimiter}".`);
  }
  return {
    from,
    format: format as ImportFormat,
    map: [...(values.map ?? [])],
    ...(delimiter === undefined ? {} : { delimiter }),
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    actor: values.actor ?? defaultActor(),
    ...(values["data-root"] === undefined ? {} : { dataRoot: values["data-root"] }),
    dryRun: values["dry-run"] === true,
    json: values.json === true,
    limit,
  };
}

// ---------- progress ----------

const PHASE_LABEL: Record<ImportPhase, string> = {
  parse: "reading ",
  validate: "checking",
  commit: "writing ",
};

/** A one-line progress bar on a terminal; redrawn at most every 80 ms and on phase changes. */
export class ProgressBar {
  private last = 0;
  private phase: ImportPhase | undefined;
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly width: number,
    private readonly now: () => number = Date.now,
  ) {}

  update(p: ImportProgress): void {
    const t = this.now();
    const changed = p.phase !== this.phase;
    if (!changed && t - this.last < 80 && p.done < p.total) return;
    this.phase = p.phase;
    this.last = t;
    const ratio = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
    const amount =
      p.phase === "parse"
        ? `${(p.done / 1e6).toFixed(1)}/${(p.total / 1e6).toFixed(1)} MB`
        : p.phase === "validate"
          ? `${p.done.toLocaleString("en-US")}/${p.total.toLocaleString("en-US")} rows`
          : p.done < p.total
            ? "committing"
            : "done";
    const barWidth = Math.max(10, Math.min(40, this.width - 40));
    const filled = Math.round(ratio * barWidth);
    const bar = `${"#".repeat(filled)}${"-".repeat(barWidth - filled)}`;
    this.write(
      `\r\x1b[2K${PHASE_LABEL[p.phase]} [${bar}] ${String(Math.round(ratio * 100)).padStart(3)}% ${amount}`,
    );
    this.drawn = true;
  }

  /** Clears the line, so the summary starts on a clean one. */
  clear(): void {
    if (this.drawn) this.write("\r\x1b[2K");
    this.drawn = false;
  }
}

// ---------- summary ----------

const n = (x: number): string => x.toLocaleString("en-US");
const tickets = (x: number): string => `${n(x)} ${x === 1 ? "ticket" : "tickets"}`;

function headline(r: ImportReport): string {
  const from = `${r.source.name} (${r.source.format}, sha256 ${r.source.sha256.slice(0, 12)})`;
  const range =
    r.ids === null ? "" : r.ids.first === r.ids.last ? ` ${r.ids.first}` : ` ${r.ids.first} .. ${r.ids.last}`;
  switch (r.outcome) {
    case "imported":
      return `Imported ${tickets(r.counts.created)} from ${from}:${range}.`;
    case "dry-run":
      return `Dry run: ${tickets(r.counts.created)} would be imported from ${from}:${range}. Nothing was written.`;
    case "rejected":
      return `Nothing was imported: ${from} has ${n(r.counts.bad)} bad ${r.counts.bad === 1 ? "row" : "rows"}. Fix ${r.counts.bad === 1 ? "it" : "them"} and import again.`;
    case "already-imported":
      return `Nothing to do: ${from} was already imported (audit event seq ${String(r.alreadyImportedBy)}).`;
    case "nothing-new":
      return `Nothing to do: every row of ${from} is already a ticket (${n(r.counts.skipped)} skipped).`;
  }
}

export function renderSummary(r: ImportReport): string {
  if (r.outcome === "already-imported") return `${headline(r)}\n`;
  const out: string[] = [headline(r)];
  const c = r.counts;
  const parts = [`rows ${n(c.rows)}`];
  if (r.outcome !== "rejected") parts.push(`${r.outcome === "imported" ? "created" : "new"} ${n(c.created)}`);
  parts.push(`skipped ${n(c.skipped)}`);
  if (c.blank > 0) parts.push(`blank ${n(c.blank)}`);
  if (c.bad > 0) parts.push(`bad ${n(c.bad)}`);
  if (c.masked > 0) parts.push(`secrets masked ${n(c.masked)} in ${tickets(c.maskedTickets)}`);
  parts.push(`warnings ${n(c.warnings)}`);
  out.push(`  ${parts.join(", ")}`);
  if (r.audit !== null)
    out.push(`  audit event seq ${r.audit.seq} (tickets-imported), batch ${r.audit.batch.file}`);
  if (r.source.delimiter !== undefined) out.push(`  delimiter: ${describeDelimiter(r.source.delimiter)}`);

  if (r.errors.length > 0) {
    out.push(`Bad rows (${r.errors.length < c.bad ? `first ${r.errors.length} of ${n(c.bad)}` : n(c.bad)}):`);
    for (const e of r.errors) out.push(`  line ${e.line}: ${e.reason}`);
  }
  // Nothing was read into the runtime this time: the mapping would only repeat the first import.
  const mapped = r.outcome !== "nothing-new";
  if (r.mapping !== null && mapped) {
    out.push("Columns:");
    const width = Math.min(30, Math.max(...r.mapping.columns.map((col) => col.column.length), 6));
    for (const col of r.mapping.columns) {
      const to =
        col.field === null
          ? `(not used${col.by === "ignored" ? ": --map ignore" : col.by === "shadowed" ? ": same header as an earlier column" : ""})`
          : `${col.field}${col.by === "map" ? " (--map)" : ""}`;
      out.push(`  ${JSON.stringify(col.column).padEnd(width + 2)} -> ${to}`);
    }
    if (r.mapping.missingFields.length > 0) {
      out.push(`  no column for: ${r.mapping.missingFields.join(", ")} (defaults apply)`);
    }
    const values = Object.entries(r.mapping.values);
    if (values.length > 0) {
      out.push("Values:");
      for (const [field, list] of values) {
        const shown = list
          .map(
            (v) =>
              `${JSON.stringify(v.from)} -> ${v.to ?? "(unset)"} ${n(v.count)}${v.known ? "" : " (unknown)"}`,
          )
          .join(", ");
        const other = r.mapping.otherValues[field];
        out.push(
          `  ${field}: ${shown}${other === undefined ? "" : `, ${n(other)} more rows with other values`}`,
        );
      }
    }
    const defaults = Object.entries(r.mapping.defaults);
    if (defaults.length > 0) {
      out.push(`Empty cells given the default: ${defaults.map(([f, k]) => `${f} ${n(k)}`).join(", ")}`);
    }
  }
  if (r.warnings.length > 0 && mapped) {
    out.push("Warnings:");
    for (const w of r.warnings) {
      const lines =
        w.lines.length === 0 ? "" : ` (line ${w.lines.join(", ")}${w.count > w.lines.length ? ", ..." : ""})`;
      out.push(`  ${n(w.count)} x ${w.message}${lines}`);
    }
  }
  if (r.skipped.length > 0) {
    out.push(
      `Skipped, external id already a ticket (${r.skipped.length < c.skipped ? `first ${r.skipped.length} of ${n(c.skipped)}` : n(c.skipped)}):`,
    );
    for (const s of r.skipped) out.push(`  line ${s.line}: ${JSON.stringify(s.externalId)} is ${s.ticketId}`);
  }
  return `${out.join("\n")}\n`;
}

function exitCodeOf(r: ImportReport): number {
  return r.outcome === "rejected" ? 1 : 0;
}

// ---------- command ----------

function quietLogger(io: ImportIo): Logger {
  // Routine store notices would drown the report; warnings and errors still show.
  return {
    info: () => undefined,
    warn: (m) => io.stderr(`import: warning: ${m}\n`),
    error: (m) => io.stderr(`import: error: ${m}\n`),
  };
}

async function runImportCommand({ options, config }: Parsed, io: ImportIo): Promise<number> {
  // Opening an empty directory would initialize a new runtime from the seed: never from here (a
  // database store is opened with `existing`, which refuses one that holds no store).
  if (config.databaseUrl === undefined && !existsSync(layoutOf(config.dataRoot).manifest)) {
    throw new UsageError(
      `${config.dataRoot} is not a triage runtime (no store.json). Start the server on it once, or pass the directory the server uses with --data-root or TRIAGE_DATA_ROOT.`,
    );
  }

  const clock = io.clock ?? (() => new Date());
  const bar = io.stderrIsTTY ? new ProgressBar(io.stderr, io.columns ?? 80) : undefined;
  let triage;
  try {
    triage = await openTriage(config, quietLogger(io), { clock, existing: true });
  } catch (error) {
    if (error instanceof WorkspaceError || error instanceof UnknownStoredValuesError) {
      io.stderr(`import: ${error.message}\n`);
      return 1;
    }
    if (isDomainError(error)) {
      io.stderr(`import: ${error.toString()}\n`);
      return 1;
    }
    throw error;
  }
  try {
    const service = new ImportService({ store: triage.store, clock, workspace: triage.workspace });
    const report = await service.importFile({
      file: resolve(io.cwd, options.from),
      format: options.format,
      map: options.map,
      ...(options.delimiter === undefined ? {} : { delimiter: options.delimiter }),
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      actor: options.actor,
      dryRun: options.dryRun,
      listLimit: options.limit,
      ...(bar === undefined ? {} : { onProgress: (p: ImportProgress) => bar.update(p) }),
    });
    bar?.clear();
    io.stdout(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderSummary(report));
    return exitCodeOf(report);
  } catch (error) {
    bar?.clear();
    if (error instanceof ImportRequestError) throw new UsageError(error.message);
    if (isDomainError(error)) {
      io.stderr(`import: ${error.toString()} Nothing was imported.\n`);
      return 1;
    }
    throw error;
  } finally {
    await triage.close();
  }
}

const IMPORT: Command<typeof OPTIONS, Parsed, ImportIo> = {
  name: "import",
  usage: USAGE,
  options: OPTIONS,
  parse,
  run: runImportCommand,
};

/** `import ...`: returns the exit status (0 imported or nothing to do, 1 not imported, 2 usage error). */
export function runImport(argv: readonly string[], io: ImportIo): Promise<number> {
  return runCommand(IMPORT, argv, io);
}

/** Runs the import CLI with the process's arguments, streams and environment. */
export function main(argv: readonly string[]): Promise<number> {
  return runImport(argv, {
    ...PROCESS_IO,
    cwd: process.cwd(),
    env: process.env,
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns,
  });
}

await runIfMain(import.meta.url, "import", main);
