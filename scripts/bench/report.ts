// Results of a benchmark run: the raw figures a scenario collects, the judged measurements, and
// the text and Markdown tables. Pure.

import { median, percentile, summarize } from "./stats.js";
import { evaluate, type FloorFigures, type TargetGroup, type Verdict } from "./targets.js";

/** What a scenario collects: latency samples (ms) or single values (MB, or a few startups). */
export interface RawFigure {
  readonly key: string;
  readonly label: string;
  readonly unit: "ms" | "MB";
  /** The target row that judges it; null for figures shown for information only. */
  readonly group: TargetGroup | null;
  readonly samples: readonly number[];
  /** "value": report the median only (startups, memory); "latency": p50 and p95. */
  readonly kind: "latency" | "value";
  /** Size of one answer as JSON, bytes (latency figures). */
  readonly responseBytes?: number;
  /** The answers (structuredContent) of the first timed calls, for the echo server to replay, and their median size. */
  readonly answers?: readonly unknown[];
  readonly answerBytes?: number;
  readonly note?: string;
}

export interface Measurement {
  readonly key: string;
  readonly label: string;
  readonly unit: "ms" | "MB";
  readonly n: number;
  readonly p50: number;
  readonly p95: number | null;
  readonly max: number;
  /** p50 divided by the floor's matching figure (its tool call, or its first answer). */
  readonly ratioToFloor: number | null;
  readonly verdict: Verdict | null;
  readonly responseBytes?: number;
  readonly note?: string;
}

export interface DatasetResult {
  /** Column heading, e.g. "10k" or "100k + 200k events". */
  readonly name: string;
  readonly tickets: number;
  readonly auditEvents: number;
  readonly measurements: readonly Measurement[];
  readonly notes: readonly string[];
}

export interface FloorResult {
  readonly firstAnswerMs: number;
  readonly firstAnswerSamples: readonly number[];
  readonly call: ReturnType<typeof summarize>;
  readonly peakRssMb: number | null;
  /** The floor is measured before and after the datasets; a busy machine shows as a drift here. */
  readonly phases: readonly {
    readonly when: string;
    readonly callP50Ms: number;
    readonly callP95Ms: number;
    readonly firstAnswerMs: number;
  }[];
}

/** Pools the floor's phases: every figure is compared with all of its samples. */
export function combineFloor(
  phases: readonly {
    readonly when: string;
    readonly starts: readonly number[];
    readonly calls: readonly number[];
    readonly peakRssMb: number | null;
  }[],
): FloorResult {
  const starts = phases.flatMap((p) => p.starts);
  const rss = phases.map((p) => p.peakRssMb).filter((x): x is number => x !== null);
  return {
    firstAnswerMs: median(starts),
    firstAnswerSamples: starts,
    call: summarize(phases.flatMap((p) => p.calls)),
    peakRssMb: rss.length === 0 ? null : Math.max(...rss),
    phases: phases.map((p) => ({
      when: p.when,
      callP50Ms: median(p.calls),
      callP95Ms: percentile(p.calls, 0.95),
      firstAnswerMs: median(p.starts),
    })),
  };
}

export function floorFigures(floor: FloorResult): FloorFigures {
  return { callP50Ms: floor.call.p50, firstAnswerMs: floor.firstAnswerMs };
}

/** Turns raw figures into measurements judged against the targets of a `tickets`-sized set. */
export function judge(raw: RawFigure, tickets: number, floor: FloorFigures): Measurement {
  const stats = summarize(raw.samples);
  const p50 = raw.kind === "value" ? median(raw.samples) : stats.p50;
  const ratioToFloor =
    raw.unit !== "ms"
      ? null
      : raw.group === "first-answer"
        ? p50 / floor.firstAnswerMs
        : p50 / floor.callP50Ms;
  return {
    key: raw.key,
    label: raw.label,
    unit: raw.unit,
    n: stats.n,
    p50,
    p95: raw.kind === "value" ? null : stats.p95,
    max: stats.max,
    ratioToFloor,
    verdict: raw.group === null ? null : evaluate(raw.group, tickets, p50, floor),
    ...(raw.responseBytes === undefined ? {} : { responseBytes: raw.responseBytes }),
    ...(raw.note === undefined ? {} : { note: raw.note }),
  };
}

export function formatNumber(value: number, unit: "ms" | "MB"): string {
  if (unit === "MB") return value.toFixed(0);
  if (value >= 1000) return value.toFixed(0);
  if (value >= 100) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function ratioText(ratio: number | null): string {
  if (ratio === null) return "";
  return ratio >= 100 ? `${ratio.toFixed(0)}x` : `${ratio.toFixed(1)}x`;
}

function verdictText(verdict: Verdict | null): string {
  if (verdict === null) return "";
  return `${verdict.pass ? "PASS" : "MISS"} ${verdict.target}`;
}

interface Table {
  readonly head: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Columns aligned right in text (numbers). */
  readonly numeric: ReadonlySet<number>;
}

/** Reads whose answers are at least this large (median) are also compared with the same answers on the echo server. */
export const LARGE_ANSWER_BYTES = 16 * 1024;

/** How many answers of a read the echo server replays: those of its first timed calls, in order. */
export const REPLAY_SAMPLE = 24;

/**
 * The answers the echo server replays for a read: those of its first REPLAY_SAMPLE timed calls,
 * in the order given, so the replay carries the same mix of sizes and texts as the read (the
 * arguments of a series cycle through a few filters or queries). Undefined when their median
 * size is under LARGE_ANSWER_BYTES.
 */
export function replaySample(
  answers: readonly { readonly bytes: number; readonly answer: unknown }[],
): { answers: unknown[]; bytes: number } | undefined {
  const sample = answers.slice(0, REPLAY_SAMPLE);
  if (sample.length === 0) return undefined;
  const bytes = median(sample.map((a) => a.bytes));
  if (bytes < LARGE_ANSWER_BYTES) return undefined;
  return { answers: sample.map((a) => a.answer), bytes };
}

/**
 * The large reads next to the echo server answering with exactly their answers (a sample, in the
 * same order) and doing nothing else: how much of a read's time is carrying its answers on this
 * SDK and transport.
 */
export function answerSizeTable(
  datasets: readonly DatasetResult[],
  answers: readonly {
    readonly key: string;
    readonly dataset: string;
    readonly bytes: number;
    readonly calls: readonly number[];
  }[],
  floor: FloorResult,
): Table {
  const head = [
    "large answers (ms)",
    "set",
    "answer KB (median)",
    "p50",
    "echo p50, same answers",
    "x echo, same answers",
    "echo, same answers, x floor",
  ];
  const rows: string[][] = [];
  for (const d of datasets) {
    for (const m of d.measurements) {
      const echo = answers.find((a) => a.key === m.key && a.dataset === d.name);
      if (echo === undefined || echo.calls.length === 0) continue;
      const echoP50 = median(echo.calls);
      rows.push([
        m.label,
        d.name,
        (echo.bytes / 1024).toFixed(1),
        formatNumber(m.p50, "ms"),
        formatNumber(echoP50, "ms"),
        ratioText(m.p50 / echoP50),
        ratioText(echoP50 / floor.call.p50),
      ]);
    }
  }
  return { head, rows, numeric: new Set([2, 3, 4, 5, 6]) };
}

/** Rows = metrics (in first-seen order), columns = datasets, each with p50, p95, x floor, target. */
export function comparisonTable(datasets: readonly DatasetResult[]): Table {
  const order: { key: string; label: string; unit: "ms" | "MB" }[] = [];
  for (const d of datasets) {
    for (const m of d.measurements) {
      if (!order.some((o) => o.key === m.key)) order.push({ key: m.key, label: m.label, unit: m.unit });
    }
  }
  const head = ["metric (ms unless noted)"];
  const numeric = new Set<number>();
  for (const d of datasets) {
    for (const h of ["p50", "p95", "x floor", "target"]) {
      if (h !== "target") numeric.add(head.length);
      head.push(`${d.name} ${h}`);
    }
  }
  const rows = order.map((o) => {
    const row = [o.unit === "MB" ? `${o.label}, MB` : o.label];
    for (const d of datasets) {
      const m = d.measurements.find((x) => x.key === o.key);
      if (m === undefined) {
        row.push("", "", "", "");
        continue;
      }
      row.push(
        formatNumber(m.p50, m.unit),
        m.p95 === null ? "" : formatNumber(m.p95, m.unit),
        ratioText(m.ratioToFloor),
        verdictText(m.verdict),
      );
    }
    return row;
  });
  return { head, rows, numeric };
}

export function floorTable(floor: FloorResult): Table {
  const ms = (v: number) => formatNumber(v, "ms");
  return {
    head: ["floor: echo server, same SDK (ms)", "call p50", "call p95", "first answer", "calls", "starts"],
    rows: [
      [
        "pooled (what every ratio uses)",
        ms(floor.call.p50),
        ms(floor.call.p95),
        ms(floor.firstAnswerMs),
        String(floor.call.n),
        String(floor.firstAnswerSamples.length),
      ],
      ...floor.phases.map((p) => [
        `${p.when} the datasets`,
        ms(p.callP50Ms),
        ms(p.callP95Ms),
        ms(p.firstAnswerMs),
        "",
        "",
      ]),
    ],
    numeric: new Set([1, 2, 3, 4, 5]),
  };
}

export function renderText(table: Table): string {
  const widths = table.head.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (table.numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(table.head), widths.map((w) => "-".repeat(w)).join("  "), ...table.rows.map(line)].join("\n");
}

export function renderMarkdown(table: Table): string {
  const esc = (c: string) => c.replace(/\|/g, "\\|");
  const align = table.head.map((_, i) => (table.numeric.has(i) ? "---:" : "---"));
  return [
    `| ${table.head.map(esc).join(" | ")} |`,
    `| ${align.join(" | ")} |`,
    ...table.rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** Every judged figure that missed its target, as "dataset: metric p50 vs target" lines. */
export function misses(datasets: readonly DatasetResult[]): string[] {
  const out: string[] = [];
  for (const d of datasets) {
    for (const m of d.measurements) {
      if (m.verdict === null || m.verdict.pass) continue;
      out.push(
        `${d.name}: ${m.label}: ${formatNumber(m.p50, m.unit)} ${m.unit}, target ${m.verdict.target} ` +
          `(${formatNumber(m.verdict.limit, m.unit)} ${m.unit})`,
      );
    }
  }
  return out;
}
