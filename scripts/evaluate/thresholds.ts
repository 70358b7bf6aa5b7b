import { readFileSync } from "node:fs";
import { z } from "zod";
import { EvaluationInputError } from "./types.js";

// Thresholds are a committed file so that a regression in the fixtures, the policy or the engines
// fails CI by name. Metric names are dotted paths into the evaluation output
// ("recommendations.categoryAccuracy", "engine.duplicateDetection.recallAt5").

const boundSchema = z.union([
  z.strictObject({ min: z.number().min(0) }),
  z.strictObject({ max: z.number().min(0) }),
]);
export const thresholdsFileSchema = z.object({
  description: z.string().optional(),
  metrics: z.record(z.string().min(1), boundSchema),
});
export type ThresholdsFile = z.infer<typeof thresholdsFileSchema>;

export interface ThresholdCheck {
  readonly metric: string;
  readonly value: number | null;
  readonly min?: number;
  readonly max?: number;
  readonly passed: boolean;
}

export interface ThresholdReport {
  readonly file: string;
  readonly passed: boolean;
  readonly checks: ThresholdCheck[];
}

/**
 * The value at a dotted path, or undefined when the path does not name a metric. A null section on
 * the way (signalDetection for a seed without labels) makes every metric under it null: known but
 * not measurable.
 */
export function metricAt(report: unknown, path: string): number | null | undefined {
  let node: unknown = report;
  for (const key of path.split(".")) {
    if (node === null) return null;
    if (typeof node !== "object" || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null) return null;
  return typeof node === "number" ? node : undefined;
}

/**
 * Checks every threshold. A metric that is null (nothing to measure) fails its threshold: a bar
 * that cannot be measured is not met. A threshold naming no metric is an input error, so a typo
 * cannot silently pass.
 */
export function checkThresholds(report: unknown, file: ThresholdsFile, fileName: string): ThresholdReport {
  const unknown = Object.keys(file.metrics).filter((m) => metricAt(report, m) === undefined);
  if (unknown.length > 0) {
    throw new EvaluationInputError(
      `${fileName} names metrics the evaluation does not produce: ${unknown.join(", ")}.`,
    );
  }
  const checks = Object.entries(file.metrics).map(([metric, bound]): ThresholdCheck => {
    const value = metricAt(report, metric) ?? null;
    if ("min" in bound)
      return { metric, value, min: bound.min, passed: value !== null && value >= bound.min };
    return { metric, value, max: bound.max, passed: value !== null && value <= bound.max };
  });
  return { file: fileName, passed: checks.every((c) => c.passed), checks };
}

/** One line per failed check, naming the metric, its value and its threshold. */
export function describeFailures(report: ThresholdReport): string[] {
  return report.checks
    .filter((c) => !c.passed)
    .map((c) => {
      const bound = c.min !== undefined ? `minimum ${c.min}` : `maximum ${c.max}`;
      const value = c.value === null ? "not measurable (nothing to measure)" : String(c.value);
      return `${c.metric} = ${value}, threshold: ${bound}`;
    });
}

/** Reads and validates a thresholds file; a missing or malformed one is an input error. */
export function readThresholdsFile(file: string): ThresholdsFile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EvaluationInputError(
      code === undefined
        ? `The thresholds file ${file} is not valid JSON.`
        : `Cannot read the thresholds file ${file} (${code}).`,
    );
  }
  const parsed = thresholdsFileSchema.safeParse(value);
  if (!parsed.success)
    throw new EvaluationInputError(
      `The thresholds file ${file} is not in the expected format: ${parsed.error.issues[0]?.message ?? "invalid"}.`,
    );
  return parsed.data;
}
