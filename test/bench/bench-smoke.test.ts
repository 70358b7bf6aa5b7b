// The pure pieces of `npm run bench`: percentiles, target evaluation, options, the results table.
// The benchmark itself is not run here (speed is shown by the benchmark, never asserted by tests).
import { describe, expect, it } from "vitest";
import { parseBenchArgs, UsageError } from "../../scripts/bench/options.js";
import {
  answerSizeTable,
  combineFloor,
  comparisonTable,
  judge,
  misses,
  renderMarkdown,
  replaySample,
  REPLAY_SAMPLE,
  type DatasetResult,
} from "../../scripts/bench/report.js";
import {
  createRandom,
  distinctIndexes,
  median,
  percentile,
  sizeLabel,
  summarize,
} from "../../scripts/bench/stats.js";
import { describeLimit, evaluate, limitFor, TARGETS, TARGET_GROUPS } from "../../scripts/bench/targets.js";

const floor = { callP50Ms: 0.4, firstAnswerMs: 300 };

describe("percentile (nearest rank)", () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose

  it.each([
    [0.5, 50],
    [0.95, 95],
    [0.99, 99],
    [1, 100],
    [0.01, 1],
  ])("q=%s of 1..100 is %s", (q, expected) => {
    expect(percentile(oneToHundred, q)).toBe(expected);
  });

  it("takes the lower middle of an even count and the middle of an odd one", () => {
    expect(percentile([4, 1, 3, 2], 0.5)).toBe(2);
    expect(median([5, 1, 3])).toBe(3);
  });

  it("p95 of few samples is the largest, not an interpolation", () => {
    expect(percentile([1, 2, 3, 10], 0.95)).toBe(10);
    expect(percentile([7], 0.95)).toBe(7);
  });

  it("does not reorder the caller's samples", () => {
    const samples = [3, 1, 2];
    percentile(samples, 0.5);
    expect(samples).toEqual([3, 1, 2]);
  });

  it("refuses no samples and ranks outside (0, 1]", () => {
    expect(() => percentile([], 0.5)).toThrow(/no samples/);
    expect(() => percentile([1], 0)).toThrow(/rank/);
    expect(() => percentile([1], 1.5)).toThrow(/rank/);
  });

  it("summarize reports n, p50, p95, min, max and mean", () => {
    expect(summarize([1, 2, 3, 4, 10])).toEqual({ n: 5, p50: 3, p95: 10, min: 1, max: 10, mean: 4 });
  });
});

describe("target evaluation", () => {
  it("judges reads against a multiple of the floor, per column", () => {
    expect(evaluate("read", 10_000, 0.8, floor)).toEqual({
      target: "<= 2x floor",
      limit: 0.8,
      actual: 0.8,
      pass: true,
    });
    expect(evaluate("read", 10_000, 0.81, floor).pass).toBe(false);
    // Above 10,000 tickets the 100,000 column applies: 3x.
    expect(evaluate("read", 100_000, 1.1, floor)).toMatchObject({ target: "<= 3x floor", pass: true });
    expect(evaluate("read", 10_001, 1.1, floor).pass).toBe(true);
  });

  it("uses the 10,000 column for smaller datasets", () => {
    expect(limitFor("submit", 2_000)).toEqual({ kind: "ms", max: 5 });
    expect(limitFor("submit", 100_000)).toEqual({ kind: "ms", max: 8 });
  });

  it("judges absolute targets in ms and MB", () => {
    expect(evaluate("similar-metrics", 10_000, 5, floor).pass).toBe(true);
    expect(evaluate("similar-metrics", 10_000, 5.01, floor).pass).toBe(false);
    expect(evaluate("similar-metrics", 100_000, 19, floor)).toMatchObject({ target: "<= 20 ms", pass: true });
    expect(evaluate("approve", 100_000, 16, floor)).toMatchObject({ target: "<= 15 ms", pass: false });
    expect(evaluate("rss", 10_000, 151, floor)).toMatchObject({ target: "<= 150 MB", pass: false });
    expect(evaluate("rss", 100_000, 499, floor)).toMatchObject({ target: "<= 500 MB", pass: true });
  });

  it("judges first answer against the floor's own startup at 10,000 and 2 s at 100,000", () => {
    expect(evaluate("first-answer", 10_000, 450, floor)).toMatchObject({ limit: 450, pass: true });
    expect(evaluate("first-answer", 10_000, 451, floor)).toMatchObject({
      target: "<= 1.5x floor's",
      pass: false,
    });
    expect(evaluate("first-answer", 100_000, 2_001, floor)).toMatchObject({ target: "<= 2 s", pass: false });
  });

  it("refuses to judge a missing figure", () => {
    expect(() => evaluate("read", 10_000, Number.NaN, floor)).toThrow(/non-finite/);
  });

  it("has both columns for every group, as written in the issue", () => {
    expect(
      TARGET_GROUPS.map((g) => [g, describeLimit(TARGETS[g].small), describeLimit(TARGETS[g].large)]),
    ).toEqual([
      ["read", "<= 2x floor", "<= 3x floor"],
      ["search", "<= 3x floor", "<= 3x floor"],
      ["similar-metrics", "<= 5 ms", "<= 20 ms"],
      ["submit", "<= 5 ms", "<= 8 ms"],
      ["approve", "<= 10 ms", "<= 15 ms"],
      ["first-answer", "<= 1.5x floor's", "<= 2 s"],
      ["rss", "<= 150 MB", "<= 500 MB"],
    ]);
  });
});

describe("results", () => {
  it("judge gives the ratio to the matching floor figure and the verdict on p50", () => {
    const read = judge(
      {
        key: "get_ticket",
        label: "get_ticket",
        unit: "ms",
        group: "read",
        samples: [0.6, 0.7, 2],
        kind: "latency",
      },
      10_000,
      floor,
    );
    expect(read).toMatchObject({ p50: 0.7, p95: 2, n: 3, verdict: { pass: true } });
    expect(read.ratioToFloor).toBeCloseTo(1.75);
    const start = judge(
      {
        key: "start",
        label: "start",
        unit: "ms",
        group: "first-answer",
        samples: [900, 600, 700],
        kind: "value",
      },
      10_000,
      floor,
    );
    expect(start).toMatchObject({ p50: 700, p95: null, verdict: { pass: false } });
    expect(start.ratioToFloor).toBeCloseTo(700 / 300);
    const rss = judge(
      { key: "rss", label: "rss", unit: "MB", group: "rss", samples: [120], kind: "value" },
      10_000,
      floor,
    );
    expect(rss).toMatchObject({ ratioToFloor: null, verdict: { pass: true } });
  });

  it("the table has one row per metric and a column group per dataset; misses list the failures", () => {
    const make = (name: string, tickets: number, p50: number): DatasetResult => ({
      name,
      tickets,
      auditEvents: 1,
      notes: [],
      measurements: [
        judge(
          {
            key: "get_ticket",
            label: "get_ticket",
            unit: "ms",
            group: "read",
            samples: [p50],
            kind: "latency",
          },
          tickets,
          floor,
        ),
      ],
    });
    const datasets = [make("10k", 10_000, 0.5), make("100k", 100_000, 2)];
    const table = comparisonTable(datasets);
    expect(table.head).toHaveLength(1 + 2 * 4);
    expect(table.rows).toEqual([
      [
        "get_ticket",
        "0.500",
        "0.500",
        "1.3x",
        "PASS <= 2x floor",
        "2.00",
        "2.00",
        "5.0x",
        "MISS <= 3x floor",
      ],
    ]);
    expect(renderMarkdown(table).split("\n")).toHaveLength(3);
    expect(misses(datasets)).toEqual(["100k: get_ticket: 2.00 ms, target <= 3x floor (1.20 ms)"]);
  });
});

describe("floor", () => {
  it("pools the samples of the runs before and after the datasets, and keeps each phase", () => {
    const pooled = combineFloor([
      { when: "before", starts: [300, 320], calls: [0.2, 0.3, 0.4], peakRssMb: 70 },
      { when: "after", starts: [310], calls: [0.5, 0.6, 0.7], peakRssMb: 75 },
    ]);
    expect(pooled.call).toMatchObject({ n: 6, p50: 0.4, p95: 0.7 });
    expect(pooled.firstAnswerMs).toBe(310);
    expect(pooled.peakRssMb).toBe(75);
    expect(pooled.phases).toEqual([
      { when: "before", callP50Ms: 0.3, callP95Ms: 0.4, firstAnswerMs: 300 },
      { when: "after", callP50Ms: 0.6, callP95Ms: 0.7, firstAnswerMs: 310 },
    ]);
  });
});

describe("options", () => {
  it("defaults to 10,000 and 100,000 tickets with a 200,000-event history", () => {
    expect(parseBenchArgs([])).toMatchObject({
      quick: false,
      sizes: [10_000, 100_000],
      iterations: 200,
      historyEvents: 200_000,
    });
  });

  it("--quick runs 2,000 tickets, few iterations and a short history", () => {
    expect(parseBenchArgs(["--quick"])).toMatchObject({
      sizes: [2_000],
      iterations: 20,
      writes: 10,
      historyEvents: 4_000,
    });
  });

  it("reads --sizes, --iterations, --history 0 and --out", () => {
    expect(
      parseBenchArgs(["--sizes", "500,5000", "--iterations", "7", "--history", "0", "--out", "x.json"]),
    ).toMatchObject({ sizes: [500, 5000], iterations: 7, historyEvents: 0, out: "x.json" });
  });

  it("--store postgres measures the database store, the long history included", () => {
    expect(parseBenchArgs([])).toMatchObject({ store: "file" });
    expect(parseBenchArgs(["--store", "postgres"])).toMatchObject({
      store: "postgres",
      historyEvents: 200_000,
    });
    expect(() => parseBenchArgs(["--store", "sqlite"])).toThrow(/--store must be file or postgres/);
  });

  it("refuses bad numbers and unknown options", () => {
    expect(() => parseBenchArgs(["--sizes", "10k"])).toThrow(UsageError);
    expect(() => parseBenchArgs(["--iterations", "0"])).toThrow(/at least 1/);
    expect(() => parseBenchArgs(["--fast"])).toThrow(UsageError);
  });
});

describe("helpers", () => {
  it("labels sizes", () => {
    expect([999, 2_000, 2_500, 10_000, 100_000].map(sizeLabel)).toEqual(["999", "2k", "2.5k", "10k", "100k"]);
  });

  it("draws distinct indexes, the same ones for the same seed", () => {
    const a = distinctIndexes(createRandom(7), 50, 50);
    expect(new Set(a).size).toBe(50);
    expect(Math.max(...a)).toBe(49);
    expect(distinctIndexes(createRandom(7), 50, 10)).toEqual(a.slice(0, 10));
    expect(() => distinctIndexes(createRandom(7), 3, 4)).toThrow();
  });
});

describe("the large answers next to the echo server replaying them", () => {
  it("lists each read whose answer was replayed, with both ratios, and nothing else", () => {
    const pooled = combineFloor([
      { when: "before", starts: [300], calls: [0.25, 0.25, 0.25], peakRssMb: null },
    ]);
    const measurement = (key: string, p50: number) => ({
      key,
      label: key,
      unit: "ms" as const,
      n: 3,
      p50,
      p95: p50,
      max: p50,
      ratioToFloor: p50 / 0.25,
      verdict: null,
    });
    const datasets: DatasetResult[] = [
      {
        name: "10k",
        tickets: 10_000,
        auditEvents: 0,
        measurements: [measurement("search", 1.0), measurement("get", 0.3)],
        notes: [],
      },
    ];
    const table = answerSizeTable(
      datasets,
      [{ key: "search", dataset: "10k", bytes: 56 * 1024, calls: [0.5, 0.5, 0.6] }],
      pooled,
    );
    expect(table.rows).toHaveLength(1);
    const [row] = table.rows;
    expect(row?.[0]).toBe("search");
    expect(row?.[2]).toBe("56.0");
    // The read takes twice what carrying its answer takes; carrying it alone is twice the floor.
    expect(row?.[5]).toBe("2.0x");
    expect(row?.[6]).toBe("2.0x");
  });
});

describe("the answers the echo server replays for a read", () => {
  const answer = (i: number, kb: number) => ({ bytes: kb * 1024, answer: { page: i } });

  it("are the first timed answers, in the order given, with their median size", () => {
    // A series cycling through filters whose pages differ in size.
    const answers = Array.from({ length: 100 }, (_, i) => answer(i, [20, 40, 30][i % 3] as number));
    const replay = replaySample(answers);
    expect(replay?.answers).toEqual(Array.from({ length: REPLAY_SAMPLE }, (_, i) => ({ page: i })));
    expect(replay?.bytes).toBe(30 * 1024);
  });

  it("are none when the median answer is small, even if some answers are large", () => {
    const answers = [answer(0, 40), answer(1, 2), answer(2, 2)];
    expect(replaySample(answers)).toBeUndefined();
    expect(replaySample([])).toBeUndefined();
    expect(replaySample([answer(0, 16)])?.answers).toEqual([{ page: 0 }]);
  });
});
