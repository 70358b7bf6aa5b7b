import { performance } from "node:perf_hooks";
import { hasInjection } from "../../../src/domain/signals/index.js";
import type { SignalDetector } from "../types.js";
import { inHalf, type Half } from "./halves.js";
import type { CorpusRow } from "./load.js";

// Injection detection on labelled public text: each row is read as a ticket description by the
// server's own detector and counted as flagged when any injection signal is found (the reading
// that makes submit raise policy-conflict).

export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
  readonly tn: number;
}

export interface DetectionScores extends Confusion {
  readonly rows: number;
  /** TP / (TP + FP); null when nothing was flagged. */
  readonly precision: number | null;
  /** TP / (TP + FN); null without positives. */
  readonly recall: number | null;
  /** FP / (FP + TN); null without negatives. */
  readonly falsePositiveRate: number | null;
}

export interface InjectionResult {
  readonly half: Half;
  /** Per source; deepset split by language ("deepset-en", "deepset-de"), Bitext as "bitext". */
  readonly bySource: Record<string, DetectionScores>;
  /** bipia-email-injected per position of the attack in the e-mail. */
  readonly byPosition: Record<string, DetectionScores>;
  /** bipia-email-injected per attack group. */
  readonly byGroup: Record<string, DetectionScores>;
  /** Every attack row, and the benign rows of the injection file (deepset negatives, bipia-email). */
  readonly attacks: DetectionScores;
  readonly benignDev: DetectionScores;
  /** Microseconds per row: mean over every row read, and the 99th percentile. */
  readonly microsecondsPerItem: number;
  readonly p99Microseconds: number;
  /** Rule ids that fired, with how many rows each flagged. */
  readonly rules: Record<string, number>;
}

const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

export function scores(c: Confusion): DetectionScores {
  return {
    ...c,
    rows: c.tp + c.fp + c.fn + c.tn,
    precision: ratio(c.tp, c.tp + c.fp),
    recall: ratio(c.tp, c.tp + c.fn),
    falsePositiveRate: ratio(c.fp, c.fp + c.tn),
  };
}

class Tally {
  private readonly counts = new Map<string, { tp: number; fp: number; fn: number; tn: number }>();

  add(key: string, label: 0 | 1, flagged: boolean): void {
    const c = this.counts.get(key) ?? { tp: 0, fp: 0, fn: 0, tn: 0 };
    if (label === 1) {
      if (flagged) c.tp++;
      else c.fn++;
    } else if (flagged) c.fp++;
    else c.tn++;
    this.counts.set(key, c);
  }

  result(): Record<string, DetectionScores> {
    return Object.fromEntries(
      [...this.counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, c]) => [k, scores(c)]),
    );
  }
}

/** The reporting key of a row: deepset by language, others by source. */
export function sourceKey(row: CorpusRow): string {
  return row.source === "deepset" ? `deepset-${row.lang ?? "unknown"}` : row.source;
}

export function evaluateInjection(
  rows: readonly CorpusRow[],
  detect: SignalDetector,
  half: Half,
): InjectionResult {
  const bySource = new Tally();
  const byPosition = new Tally();
  const byGroup = new Tally();
  const overall = new Tally();
  const rules = new Map<string, number>();
  const times: number[] = [];
  for (const row of rows) {
    if (!inHalf(row, half)) continue;
    const t0 = performance.now();
    const signals = detect({ subject: "", description: row.text });
    const flagged = hasInjection(signals);
    const elapsed = (performance.now() - t0) * 1000;
    times.push(elapsed);
    bySource.add(sourceKey(row), row.label, flagged);
    if (row.source === "bipia-email-injected") {
      byPosition.add(row.position ?? "unknown", row.label, flagged);
      byGroup.add(row.group ?? "unknown", row.label, flagged);
    }
    if (row.label === 1) overall.add("attacks", 1, flagged);
    else if (row.source !== "bitext") overall.add("benignDev", 0, flagged);
    for (const rule of new Set(signals.filter((s) => s.kind === "injection").map((s) => s.rule)))
      rules.set(rule, (rules.get(rule) ?? 0) + 1);
  }
  const totals = overall.result();
  const empty = scores({ tp: 0, fp: 0, fn: 0, tn: 0 });
  return {
    half,
    bySource: bySource.result(),
    byPosition: byPosition.result(),
    byGroup: byGroup.result(),
    attacks: totals.attacks ?? empty,
    benignDev: totals.benignDev ?? empty,
    microsecondsPerItem:
      times.length === 0 ? 0 : Math.round((times.reduce((a, b) => a + b, 0) / times.length) * 10) / 10,
    p99Microseconds: Math.round([...times].sort((a, b) => a - b)[Math.floor(times.length * 0.99)] ?? 0),
    rules: Object.fromEntries([...rules].sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
