import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { z } from "zod";
import { DomainError } from "../../src/domain/errors.js";
import type { Ticket } from "../../src/domain/schemas.js";
import { loadKnowledge } from "../../src/service/knowledge.js";
import { epochFileFor, loadSeed } from "../../src/service/seed.js";
import { ENGINE_DEFINITIONS, evaluateEngine, type EngineFindings, type EngineResult } from "./engine.js";
import {
  RECOMMENDATION_DEFINITIONS,
  buildCases,
  scoreRecommendations,
  type RecommendationFindings,
  type RecommendationMetrics,
} from "./metrics.js";
import { checkThresholds, thresholdsFileSchema, type ThresholdReport } from "./thresholds.js";
import {
  EvaluationInputError,
  evaluatedRecommendationsSchema,
  expectedOutcomesSchema,
  type DetectorLabels,
  type SignalDetector,
} from "./types.js";

export interface EvaluationPaths {
  readonly recommendations: string;
  readonly expected: string;
  readonly seed: string;
  readonly knowledge: string;
  readonly thresholds: string;
}

export interface EvaluationOptions {
  readonly paths: EvaluationPaths;
  /** Paths in the output are shown relative to this directory. */
  readonly cwd: string;
  /** The server's signal detector: detectSignals, unless a test swaps it. */
  readonly detect: SignalDetector;
  /** Ground truth for the detectors; only the bundled catalogue has it. */
  readonly detectorLabels: ReadonlyMap<string, DetectorLabels> | null;
  /** Used when the seed has no epoch file. */
  readonly clock: () => Date;
  readonly warn: (message: string) => void;
}

export interface Evaluation {
  readonly recommendations: RecommendationMetrics;
  readonly engine: EngineResult;
  readonly thresholds: ThresholdReport;
  readonly definitions: Record<string, string>;
  readonly details: { readonly recommendations: RecommendationFindings; readonly engine: EngineFindings };
  readonly inputs: {
    readonly recommendations: string;
    readonly expected: string;
    readonly seed: string;
    readonly knowledge: string;
    readonly thresholds: string;
    readonly evaluatedAt: string;
    readonly clock: "seed epoch" | "current time";
    readonly seedTickets: number;
    readonly knowledgeArticles: number;
  };
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new EvaluationInputError(
      `Cannot read the ${what} file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EvaluationInputError(`The ${what} file ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, file: string, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "" : ` at [${issue.path.join(".")}]`;
  throw new EvaluationInputError(
    `The ${what} file ${file} is not in the expected format${where}: ${issue?.message ?? "unknown problem"}.`,
  );
}

const epochSchema = z.object({ epoch: z.iso.datetime({ offset: true }) }).loose();

/**
 * The evaluation time. Fixture SLA deadlines are written relative to the seed's epoch, so the
 * expected `sla` escalations hold at the epoch; a seed without an epoch file is evaluated now.
 */
function evaluationTime(
  seedFile: string,
  clock: () => Date,
): { now: Date; clock: "seed epoch" | "current time" } {
  const epochFile = epochFileFor(seedFile);
  if (!existsSync(epochFile)) return { now: clock(), clock: "current time" };
  const epoch = parseWith(epochSchema, readJson(epochFile, "seed epoch"), epochFile, "seed epoch");
  return { now: new Date(epoch.epoch), clock: "seed epoch" };
}

function loadTickets(seedFile: string, now: Date): Ticket[] {
  try {
    // At the epoch itself the rebase shift is zero: the tickets are read as written.
    return loadSeed(seedFile, now).tickets;
  } catch (error) {
    if (error instanceof DomainError) throw new EvaluationInputError(error.message);
    throw error;
  }
}

/** Runs both evaluations and the threshold check. Throws EvaluationInputError on bad input. */
export function evaluate(options: EvaluationOptions): Evaluation {
  const { paths, cwd } = options;
  const expected = parseWith(
    expectedOutcomesSchema,
    readJson(paths.expected, "expected outcomes"),
    paths.expected,
    "expected outcomes",
  );
  const recommendations = parseWith(
    evaluatedRecommendationsSchema,
    readJson(paths.recommendations, "recommendations"),
    paths.recommendations,
    "recommendations",
  );
  const thresholdsFile = parseWith(
    thresholdsFileSchema,
    readJson(paths.thresholds, "thresholds"),
    paths.thresholds,
    "thresholds",
  );
  const time = evaluationTime(paths.seed, options.clock);
  const tickets = loadTickets(paths.seed, time.now);
  const articles = loadKnowledge(paths.knowledge, { warn: options.warn });

  const cases = buildCases({
    expected,
    recommendations,
    tickets: new Map(tickets.map((t) => [t.id, t])),
    now: time.now,
    detect: options.detect,
  });
  const scored = scoreRecommendations(cases);
  const engine = evaluateEngine({
    tickets,
    expected,
    articles,
    cases,
    detect: options.detect,
    detectorLabels: options.detectorLabels,
  });
  const show = (p: string) => relative(cwd, p) || ".";
  const measured = { recommendations: scored.metrics, engine: engine.result };
  const thresholds = checkThresholds(measured, thresholdsFile, show(paths.thresholds));
  return {
    ...measured,
    thresholds,
    definitions: {
      ...Object.fromEntries(
        Object.entries(RECOMMENDATION_DEFINITIONS).map(([k, v]) => [`recommendations.${k}`, v]),
      ),
      ...Object.fromEntries(Object.entries(ENGINE_DEFINITIONS).map(([k, v]) => [`engine.${k}`, v])),
    },
    details: { recommendations: scored.findings, engine: engine.findings },
    inputs: {
      recommendations: show(paths.recommendations),
      expected: show(paths.expected),
      seed: show(paths.seed),
      knowledge: show(paths.knowledge),
      thresholds: show(paths.thresholds),
      evaluatedAt: time.now.toISOString(),
      clock: time.clock,
      seedTickets: tickets.length,
      knowledgeArticles: articles.length,
    },
  };
}

/** Resolves user paths from cwd, defaults from the package root. */
export function resolvePaths(
  given: Partial<Record<keyof EvaluationPaths, string | undefined>>,
  cwd: string,
  packageRoot: string,
): EvaluationPaths {
  const pick = (key: keyof EvaluationPaths, fallback: string) => {
    const value = given[key];
    return value === undefined ? resolve(packageRoot, fallback) : resolve(cwd, value);
  };
  return {
    recommendations: pick("recommendations", "data/seed/sample-recommendations.json"),
    expected: pick("expected", "data/seed/expected-outcomes.json"),
    seed: pick("seed", "data/seed/tickets.json"),
    knowledge: pick("knowledge", "data/knowledge"),
    thresholds: pick("thresholds", "data/evaluation-thresholds.json"),
  };
}
