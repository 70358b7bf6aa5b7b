// Pure helpers of the MCP benchmark: percentiles and a seeded PRNG (so every run asks for the
// same ids and queries).

export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/**
 * Nearest-rank percentile: the smallest sample with at least q of the samples at or below it.
 * `q` is in (0, 1]. Throws on an empty list, since a figure without samples would be invented.
 */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error("percentile of no samples");
  if (!(q > 0 && q <= 1)) throw new Error(`percentile rank must be in (0, 1], got ${q}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) throw new Error("summary of no samples");
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const s of samples) {
    if (s < min) min = s;
    if (s > max) max = s;
    sum += s;
  }
  return {
    n: samples.length,
    p50: percentile(samples, 0.5),
    p95: percentile(samples, 0.95),
    min,
    max,
    mean: sum / samples.length,
  };
}

/** mulberry32: small, fast and good enough to pick ids. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct integers from [0, n), in the order drawn. */
export function distinctIndexes(random: () => number, n: number, count: number): number[] {
  if (count > n) throw new Error(`cannot draw ${count} distinct values from ${n}`);
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < count) {
    const i = Math.floor(random() * n);
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(i);
  }
  return out;
}

/** 10000 -> "10k", 2500 -> "2.5k", 999 -> "999". */
export function sizeLabel(n: number): string {
  if (n < 1000) return String(n);
  const k = n / 1000;
  return `${Number.isInteger(k) ? k : Number(k.toFixed(1))}k`;
}
