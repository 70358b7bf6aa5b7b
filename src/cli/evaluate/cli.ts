import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { PACKAGE_ROOT } from "../../paths.js";
import { detectSignals } from "../../domain/signals/index.js";
import { CATALOGUE } from "../../../scripts/fixtures/catalogue.js";
import { DETECTORS } from "./engine.js";
import { RECOMMENDATION_METRICS } from "./metrics.js";
import { evaluate, resolvePaths, type Evaluation } from "./run.js";
import { describeFailures, type ThresholdCheck } from "./thresholds.js";
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
  -h, --help               show this help

Exit status: 0 every threshold met, 1 a threshold failed or the input was refused, 2 usage error.
`;

export interface EvaluateIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly clock?: () => Date;
}

export { PACKAGE_ROOT };

export interface EvaluateDeps {
  /** The server's signal detector; a test may swap in a broken one to show what it costs. */
  readonly detect?: SignalDetector;
}

class UsageError extends Error {}

interface Parsed {
  readonly help: boolean;
  readonly format: "json" | "table";
  readonly paths: Parameters<typeof resolvePaths>[0];
}

function parse(argv: readonly string[]): Parsed {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean", short: "h" },
        format: { type: "string" },
        recommendations: { type: "string" },
        expected: { type: "string" },
        seed: { type: "string" },
        knowledge: { type: "string" },
        thresholds: { type: "string" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const format = values.format ?? "json";
  if (format !== "json" && format !== "table")
    throw new UsageError(`--format must be json or table, not "${format}".`);
  for (const key of ["recommendations", "expected", "seed", "knowledge", "thresholds"] as const) {
    if (values[key] !== undefined && values[key].trim() === "") throw new UsageError(`--${key} is blank.`);
  }
  return {
    help: values.help === true,
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

export function runEvaluate(argv: readonly string[], io: EvaluateIo, deps: EvaluateDeps = {}): number {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`evaluate: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.stdout(USAGE);
    return 0;
  }
  const paths = resolvePaths(parsed.paths, io.cwd, PACKAGE_ROOT);
  const bundledSeed = paths.seed === resolve(PACKAGE_ROOT, "data/seed/tickets.json");
  let result: Evaluation;
  try {
    result = evaluate({
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
  io.stdout(parsed.format === "json" ? `${JSON.stringify(result, null, 2)}\n` : renderTable(result));
  const failures = describeFailures(result.thresholds);
  for (const line of failures) io.stderr(`evaluate: below threshold: ${line}\n`);
  if (failures.length > 0) {
    io.stderr(`evaluate: ${failures.length} metric(s) failed their threshold (${result.thresholds.file}).\n`);
    return 1;
  }
  return 0;
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
