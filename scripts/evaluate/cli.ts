import { resolve } from "node:path";
import {
  parseCommand,
  runCommand,
  UsageError,
  type Command,
  type CommandIo,
  type ParsedArgs,
} from "../../src/cli/command.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { detectSignals } from "../../src/domain/signals/index.js";
import { CATALOGUE } from "../fixtures/catalogue.js";
import { DETECTORS } from "./engine.js";
import { RECOMMENDATION_METRICS } from "./metrics.js";
import { evaluate, resolvePaths, type Evaluation } from "./run.js";
import { evaluateCorpora, HALVES, renderCorpora, type CorporaResult, type Half } from "./corpora/index.js";
import {
  checkThresholds,
  describeFailures,
  readThresholdsFile,
  type ThresholdCheck,
  type ThresholdReport,
} from "./thresholds.js";
import { EvaluationInputError, type DetectorLabels, type SignalDetector } from "./types.js";

export const USAGE = `Usage: npm run evaluate -- [options]

Scores a recommendations file against the expected outcomes (escalations recomputed as the server's
submit would, from its own signals on the seed ticket) and measures our deterministic engines on
the fixtures, including the signal detectors on the bundled seed. Prints one JSON object, or a table.

Options:
  --format json|table      output format (default json)
  --recommendations FILE   recommendations (default data/seed/sample-recommendations.json)
  --expected FILE          expected outcomes (default data/seed/expected-outcomes.json)
  --seed FILE              seed tickets (default data/seed/tickets.json); FILE's .epoch.json, when
                           present, sets the evaluation time, otherwise the current time is used
  --knowledge DIR          knowledge articles (default data/knowledge)
  --thresholds FILE        minimum/maximum per metric (default data/evaluation-thresholds.json)
  --corpora DIR            also measure the engines on public corpora in DIR (see docs/evaluation.md):
                           injection precision, recall and false-positive rate per source, position
                           and attack group; secret kinds recognised; duplicate recall@1, @5, MRR
  --half all|development|held-out
                           with --corpora: which fixed half of the rows to read (default all)
  --server-sample N        with --corpora: rows per source and label also sent through the server's
                           submit on a fresh runtime (default 25; 0 skips it)
  --corpora-thresholds FILE
                           with --corpora: minimum/maximum per corpus metric ("corpora.injection...."),
                           e.g. data/corpora-thresholds.json (default: report only)
  -h, --help               show this help

Without --corpora, nothing but the bundled data is read. With it, the JSON gains a "corpora" object
and the table a section per engine.

Exit status: 0 every threshold met, 1 a threshold failed or the input was refused, 2 usage error.
`;

export interface EvaluateIo extends CommandIo {
  readonly cwd: string;
  readonly clock?: () => Date;
}

export { PACKAGE_ROOT };

export interface EvaluateDeps {
  /** The server's signal detector; a test may swap in a broken one to show what it costs. */
  readonly detect?: SignalDetector;
}

interface CorporaArgs {
  readonly dir: string;
  readonly half: Half;
  readonly serverSample: number;
  readonly thresholds: string | undefined;
}

interface Parsed {
  readonly format: "json" | "table";
  readonly paths: Parameters<typeof resolvePaths>[0];
  readonly corpora: CorporaArgs | undefined;
}

const OPTIONS = {
  format: { type: "string" },
  recommendations: { type: "string" },
  expected: { type: "string" },
  seed: { type: "string" },
  knowledge: { type: "string" },
  thresholds: { type: "string" },
  corpora: { type: "string" },
  half: { type: "string" },
  "server-sample": { type: "string" },
  "corpora-thresholds": { type: "string" },
} as const;

function parse({ values }: ParsedArgs<typeof OPTIONS>): Parsed {
  const format = values.format ?? "json";
  if (format !== "json" && format !== "table")
    throw new UsageError(`--format must be json or table, not "${format}".`);
  for (const key of [
    "recommendations",
    "expected",
    "seed",
    "knowledge",
    "thresholds",
    "corpora",
    "corpora-thresholds",
  ] as const) {
    if (values[key] !== undefined && values[key].trim() === "") throw new UsageError(`--${key} is blank.`);
  }
  const half = values.half ?? "all";
  if (!(HALVES as readonly string[]).includes(half))
    throw new UsageError(`--half must be one of ${HALVES.join(", ")}, not "${half}".`);
  const sample = values["server-sample"] ?? "25";
  if (!/^\d{1,4}$/.test(sample))
    throw new UsageError(`--server-sample must be a whole number from 0 to 9999, not "${sample}".`);
  if (values.corpora === undefined) {
    for (const key of ["half", "server-sample", "corpora-thresholds"] as const)
      if (values[key] !== undefined) throw new UsageError(`--${key} needs --corpora DIR.`);
  }
  return {
    corpora:
      values.corpora === undefined
        ? undefined
        : {
            dir: values.corpora,
            half: half as Half,
            serverSample: Number(sample),
            thresholds: values["corpora-thresholds"],
          },
    format,
    paths: {
      recommendations: values.recommendations,
      expected: values.expected,
      seed: values.seed,
      knowledge: values.knowledge,
      thresholds: values.thresholds,
    },
  };
}

const EVALUATE_ARGUMENTS = { name: "evaluate", usage: USAGE, options: OPTIONS, parse };

/**
 * The fixture evaluation, synchronous: nothing but the bundled data (or the files named) is read.
 * `--corpora` needs the command's entry, runEvaluateCommand, since it runs the server.
 */
export function runEvaluate(argv: readonly string[], io: EvaluateIo, deps: EvaluateDeps = {}): number {
  const parsed = parseCommand(EVALUATE_ARGUMENTS, argv, io);
  if (typeof parsed === "number") return parsed;
  if (parsed.options.corpora !== undefined) {
    io.stderr(`evaluate: --corpora runs through the command (npm run evaluate), not runEvaluate.\n`);
    return 2;
  }
  return evaluateFixturesOnly(parsed.options, io, deps);
}

function evaluateFixturesOnly(parsed: Parsed, io: EvaluateIo, deps: EvaluateDeps): number {
  const fixtures = evaluateFixtures(parsed, io, deps);
  if (typeof fixtures === "number") return fixtures;
  io.stdout(parsed.format === "json" ? `${JSON.stringify(fixtures, null, 2)}\n` : renderTable(fixtures));
  return reportFailures([fixtures.thresholds], io);
}

/** `npm run evaluate`: the fixture evaluation and, with --corpora, the corpus evaluation. */
export async function runEvaluateCommand(
  argv: readonly string[],
  io: EvaluateIo,
  deps: EvaluateDeps = {},
): Promise<number> {
  const command: Command<typeof OPTIONS, Parsed, EvaluateIo> = {
    ...EVALUATE_ARGUMENTS,
    run: (parsed) => evaluateAll(parsed, io, deps),
  };
  return runCommand(command, argv, io);
}

async function evaluateAll(parsed: Parsed, io: EvaluateIo, deps: EvaluateDeps): Promise<number> {
  if (parsed.corpora === undefined) return evaluateFixturesOnly(parsed, io, deps);
  const fixtures = evaluateFixtures(parsed, io, deps);
  if (typeof fixtures === "number") return fixtures;
  const args = parsed.corpora;
  let corpora: CorporaResult;
  let corporaThresholds: ThresholdReport | null = null;
  try {
    const thresholdsFile =
      args.thresholds === undefined ? null : readThresholdsFile(resolve(io.cwd, args.thresholds));
    corpora = await evaluateCorpora({
      dir: resolve(io.cwd, args.dir),
      half: args.half,
      serverSample: args.serverSample,
      detect: deps.detect ?? detectSignals,
    });
    if (thresholdsFile !== null && args.thresholds !== undefined)
      corporaThresholds = checkThresholds({ corpora }, thresholdsFile, args.thresholds);
  } catch (error) {
    if (!(error instanceof EvaluationInputError)) throw error;
    io.stderr(`evaluate: ${error.message}\n`);
    return 1;
  }
  if (parsed.format === "json") {
    io.stdout(`${JSON.stringify({ ...fixtures, corpora, corporaThresholds }, null, 2)}\n`);
  } else {
    io.stdout(`${renderTable(fixtures)}\n${renderCorpora(corpora)}`);
    if (corporaThresholds !== null) io.stdout(`\n${renderChecks(corporaThresholds)}`);
  }
  return reportFailures(
    corporaThresholds === null ? [fixtures.thresholds] : [fixtures.thresholds, corporaThresholds],
    io,
  );
}

function evaluateFixtures(parsed: Parsed, io: EvaluateIo, deps: EvaluateDeps): Evaluation | number {
  const paths = resolvePaths(parsed.paths, io.cwd, PACKAGE_ROOT);
  const bundledSeed = paths.seed === resolve(PACKAGE_ROOT, "data/seed/tickets.json");
  try {
    return evaluate({
      paths,
      cwd: io.cwd,
      detect: deps.detect ?? detectSignals,
      // The labels describe the bundled tickets only.
      detectorLabels: bundledSeed
        ? new Map(
            CATALOGUE.map((t): [string, DetectorLabels] => [
              t.id,
              { injection: t.labels.injection, security: t.labels.security, outage: t.labels.outage },
            ]),
          )
        : null,
      clock: io.clock ?? (() => new Date()),
      warn: (message) => io.stderr(`evaluate: warning: ${message}\n`),
    });
  } catch (error) {
    if (!(error instanceof EvaluationInputError)) throw error;
    io.stderr(`evaluate: ${error.message}\n`);
    return 1;
  }
}

function reportFailures(reports: readonly ThresholdReport[], io: EvaluateIo): number {
  let failed = 0;
  for (const report of reports) {
    const failures = describeFailures(report);
    for (const line of failures) io.stderr(`evaluate: below threshold: ${line}\n`);
    if (failures.length > 0) {
      io.stderr(`evaluate: ${failures.length} metric(s) failed their threshold (${report.file}).\n`);
      failed += failures.length;
    }
  }
  return failed > 0 ? 1 : 0;
}

// ---------- table ----------

const COUNTS: ReadonlySet<string> = new Set([
  "recommendations.ticketCount",
  "recommendations.approvalSafetyViolations",
]);

function formatValue(path: string, value: number | null): string {
  if (value === null) return "n/a";
  return COUNTS.has(path) ? String(value) : value.toFixed(4);
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function boundText(check: ThresholdCheck | undefined): [string, string] {
  if (check === undefined) return ["", ""];
  const bound = check.min !== undefined ? `>= ${check.min}` : `<= ${check.max}`;
  return [bound, check.passed ? "ok" : "FAIL"];
}

function signalRows(
  detection: Evaluation["engine"]["signalDetection"],
  row: (label: string, path: string, value: number | null) => string[],
): string[][] {
  if (detection === null) return [["signalDetection", "n/a", "", ""]];
  return DETECTORS.flatMap((d) =>
    (["precision", "recall"] as const).map((m) =>
      row(`signalDetection.${d}.${m}`, `engine.signalDetection.${d}.${m}`, detection[d][m]),
    ),
  );
}

/** One row per check of a thresholds file: metric, value, bound, status. */
export function renderChecks(report: ThresholdReport): string {
  const rows = report.checks.map((c) => [
    c.metric,
    c.value === null ? "n/a" : String(Math.round(c.value * 10000) / 10000),
    ...boundText(c),
  ]);
  return `${table([["metric", "value", "threshold", "status"], ...rows])}\n${
    report.passed ? `All thresholds met (${report.file}).` : `Thresholds FAILED (${report.file}).`
  }\n`;
}

export function renderTable(result: Evaluation): string {
  const checks = new Map(result.thresholds.checks.map((c) => [c.metric, c]));
  const row = (label: string, path: string, value: number | null): string[] => [
    label,
    formatValue(path, value),
    ...boundText(checks.get(path)),
  ];
  const header = ["metric", "value", "threshold", "status"];

  const recRows = RECOMMENDATION_METRICS.map((m) =>
    row(m, `recommendations.${m}`, result.recommendations[m]),
  );
  const e = result.engine;
  const engineRows = [
    row(
      "duplicateDetection.precisionAt5",
      "engine.duplicateDetection.precisionAt5",
      e.duplicateDetection.precisionAt5,
    ),
    row(
      "duplicateDetection.recallAt5",
      "engine.duplicateDetection.recallAt5",
      e.duplicateDetection.recallAt5,
    ),
    row(
      "knowledgeRetrieval.recallAt3",
      "engine.knowledgeRetrieval.recallAt3",
      e.knowledgeRetrieval.recallAt3,
    ),
    row("policyEscalation.precision", "engine.policyEscalation.precision", e.policyEscalation.precision),
    row("policyEscalation.recall", "engine.policyEscalation.recall", e.policyEscalation.recall),
    ...Object.entries(e.policyEscalation.byReason).flatMap(([reason, s]) => [
      row(`  ${reason} precision`, `engine.policyEscalation.byReason.${reason}.precision`, s.precision),
      row(`  ${reason} recall`, `engine.policyEscalation.byReason.${reason}.recall`, s.recall),
    ]),
    ...signalRows(e.signalDetection, row),
  ];
  const lines = [
    `Evaluation at ${result.inputs.evaluatedAt} (${result.inputs.clock}); ${result.inputs.seedTickets} seed tickets, ` +
      `${result.inputs.knowledgeArticles} knowledge articles`,
    "",
    `Recommendations (${result.inputs.recommendations} vs ${result.inputs.expected}; escalations recomputed as the server's submit would)`,
    table([header, ...recRows]),
    "",
    "Engine (our deterministic components on the fixtures)",
    table([header, ...engineRows]),
  ];
  if (e.notes.length > 0) lines.push("", ...e.notes.map((n) => `note: ${n}`));
  const problems = result.details.recommendations.approvalSafetyViolations;
  if (problems.length > 0) {
    lines.push("", "Approval safety violations:");
    for (const v of problems) lines.push(`  ${v.ticketId}: ${v.problems.join("; ")}`);
  }
  lines.push(
    "",
    result.thresholds.passed
      ? `All thresholds met (${result.thresholds.file}).`
      : `Thresholds FAILED (${result.thresholds.file}).`,
  );
  return `${lines.join("\n")}\n`;
}
