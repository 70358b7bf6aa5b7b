// Command-line options of `npm run bench`. Pure (no I/O), so the defaults are testable.

import { parseArgs } from "node:util";

export const USAGE = `Usage: npm run bench [-- options]

  --quick             2,000 tickets, few iterations, no 100,000-ticket runs (under a minute)
  --sizes 10000,100000  ticket counts of the datasets (default 10000,100000)
  --iterations N      timed calls per read variant (default 200; --quick 20)
  --writes N          submit + approve pairs per dataset (default 100; --quick 10)
  --history N         events of the long-history run on the largest dataset (default 200000;
                      --quick: twice the tickets; 0 skips it)
  --out FILE          JSON results (default .bench/bench-results.json; a .md table is written beside it)
  --store file|postgres  where the server keeps its store (default file); postgres starts a
                      durable throwaway cluster (or uses TRIAGE_TEST_DATABASE_URL) with a fresh
                      database per dataset; the long history is built on a file runtime and
                      copied into a database of its own with db import
  --keep              keep the temporary runtimes
  -h, --help          show this help

Needs a built server: run npm run build first.`;

export interface BenchOptions {
  readonly help: boolean;
  readonly quick: boolean;
  readonly sizes: readonly number[];
  readonly iterations: number;
  readonly writes: number;
  readonly historyEvents: number;
  readonly floorCalls: number;
  readonly warmup: number;
  readonly restarts: number;
  readonly out: string | undefined;
  readonly keep: boolean;
  readonly store: "file" | "postgres";
}

export class UsageError extends Error {}

function positiveInt(name: string, raw: string, min = 1): number {
  if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${name} must be a whole number, got "${raw}".`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min)
    throw new UsageError(`${name} must be at least ${min}, got ${raw}.`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: "boolean", short: "h" },
        quick: { type: "boolean" },
        sizes: { type: "string" },
        iterations: { type: "string" },
        writes: { type: "string" },
        history: { type: "string" },
        out: { type: "string" },
        keep: { type: "boolean" },
        store: { type: "string" },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const quick = values.quick === true;
  const store = values.store ?? "file";
  if (store !== "file" && store !== "postgres")
    throw new UsageError(`--store must be file or postgres, got "${store}".`);
  const sizes =
    values.sizes === undefined
      ? quick
        ? [2_000]
        : [10_000, 100_000]
      : values.sizes.split(",").map((s) => positiveInt("--sizes", s));
  if (sizes.length === 0) throw new UsageError("--sizes needs at least one ticket count.");
  const iterations =
    values.iterations === undefined ? (quick ? 20 : 200) : positiveInt("--iterations", values.iterations);
  const writes = values.writes === undefined ? (quick ? 10 : 100) : positiveInt("--writes", values.writes);
  const largest = Math.max(...sizes);
  const historyEvents =
    values.history === undefined
      ? quick
        ? 2 * largest
        : 200_000
      : positiveInt("--history", values.history, 0);
  return {
    help: values.help === true,
    quick,
    sizes,
    iterations,
    writes,
    historyEvents,
    // The floor is cheap and everything is compared with it: give it more samples.
    floorCalls: Math.max(200, iterations * 5),
    warmup: Math.min(10, Math.max(2, Math.ceil(iterations / 10))),
    restarts: quick ? 1 : 3,
    out: values.out,
    keep: values.keep === true,
    store,
  };
}
