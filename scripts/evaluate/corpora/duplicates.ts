import { performance } from "node:perf_hooks";
import { compareTicketIds } from "../../../src/domain/ids.js";
import { TicketIndex } from "../../../src/domain/similarity/ticket-index.js";
import { createRandom } from "../../bench/stats.js";
import { pairHalf, type Half } from "./halves.js";
import type { DuplicateCorpus, Issue } from "./load.js";
import { plainTfIdf } from "./tfidf-baseline.js";

// Duplicate finding on a real bug tracker: every issue is indexed as a ticket (subject = summary,
// description = description), and each labelled pair (a, b) is queried both ways, as
// find_similar_tickets would: the partner's rank among the first 5 candidates. The same queries
// go to a plain TF-IDF baseline, so a figure can be read against the simplest engine there is.

export const K = 5;

export interface DuplicateScores {
  readonly pairs: number;
  readonly queries: number;
  readonly recallAt1: number;
  readonly recallAt5: number;
  /** Mean of 1/rank, 0 when the partner is not among the first 5. */
  readonly mrr: number;
  /** Bootstrap 95% interval of the MRR over pairs (10,000 seeded resamples). */
  readonly mrrInterval: readonly [number, number];
  /** The same for recall@5. */
  readonly recallAt5Interval: readonly [number, number];
}

export interface DuplicatesResult extends DuplicateScores {
  readonly issues: number;
  /** The half of the pairs the figures above are for (pairs split by a hash of their two ids). */
  readonly half: Half;
  /** Every half, whatever `half` is: tuning reads the development half, the held-out half checks. */
  readonly byHalf: Record<Exclude<Half, "all">, DuplicateScores>;
  /** Plain TF-IDF (raw counts, ln(N / df), one field, cosine) on the same queries. */
  readonly baseline: DuplicateScores;
  /** Bootstrap 95% interval of the MRR gain over the baseline, pair by pair. */
  readonly mrrGainInterval: readonly [number, number];
  readonly buildMilliseconds: number;
  readonly microsecondsPerQuery: number;
}

/** Ranks the other issues for one issue: ids, best first. */
type Ranker = (id: string, k: number) => string[];

/** Per pair, the mean over its two queries of 1/rank (0 outside the first K), and the hits. */
interface PairOutcome {
  readonly reciprocal: number;
  readonly at1: number;
  readonly at5: number;
}

function outcomes(pairs: DuplicateCorpus["pairs"], rank: Ranker): PairOutcome[] {
  return pairs.map(([a, b]) => {
    let reciprocal = 0;
    let at1 = 0;
    let at5 = 0;
    for (const [query, partner] of [
      [a, b],
      [b, a],
    ] as const) {
      const position = rank(query, K).indexOf(partner) + 1;
      if (position === 1) at1++;
      if (position >= 1) {
        at5++;
        reciprocal += 1 / position;
      }
    }
    return { reciprocal: reciprocal / 2, at1: at1 / 2, at5: at5 / 2 };
  });
}

const RESAMPLES = 10_000;

/** Percentile bootstrap 95% interval of the mean, resampling pairs with a fixed seed. */
export function bootstrapInterval(values: readonly number[]): readonly [number, number] {
  if (values.length === 0) return [0, 0];
  const random = createRandom(14);
  const means = new Float64Array(RESAMPLES);
  for (let r = 0; r < RESAMPLES; r++) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[Math.floor(random() * values.length)] ?? 0;
    means[r] = sum / values.length;
  }
  means.sort();
  return [means[Math.floor(0.025 * RESAMPLES)] ?? 0, means[Math.floor(0.975 * RESAMPLES) - 1] ?? 0];
}

function summarize(results: readonly PairOutcome[]): DuplicateScores {
  const mean = (f: (o: PairOutcome) => number) =>
    results.length === 0 ? 0 : results.reduce((s, o) => s + f(o), 0) / results.length;
  return {
    pairs: results.length,
    queries: 2 * results.length,
    recallAt1: mean((o) => o.at1),
    recallAt5: mean((o) => o.at5),
    mrr: mean((o) => o.reciprocal),
    mrrInterval: bootstrapInterval(results.map((o) => o.reciprocal)),
    recallAt5Interval: bootstrapInterval(results.map((o) => o.at5)),
  };
}

export function evaluateDuplicates(corpus: DuplicateCorpus, half: Half = "all"): DuplicatesResult {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const issue of corpus.issues) if (!seen.has(issue.id) && seen.add(issue.id)) issues.push(issue);

  const index = new TicketIndex();
  const b0 = performance.now();
  for (const issue of issues) index.add(issue);
  const build = performance.now() - b0;
  let elapsed = 0;
  const engine: Ranker = (id, k) => {
    const t0 = performance.now();
    const found = index.similar(id, k).map((c) => c.ticketId);
    elapsed += performance.now() - t0;
    return found;
  };
  const tfidf = plainTfIdf(issues);
  const baseline: Ranker = (id, k) => tfidf(id, k, compareTicketIds);

  const inHalf = (h: Half) => corpus.pairs.filter(([a, b]) => h === "all" || pairHalf(a, b) === h);
  const pairs = inHalf(half);
  const engineOutcomes = outcomes(pairs, engine);
  const baselineOutcomes = outcomes(pairs, baseline);
  const queries = 2 * pairs.length;
  return {
    issues: issues.length,
    half,
    ...summarize(engineOutcomes),
    byHalf: {
      development: summarize(outcomes(inHalf("development"), engine)),
      "held-out": summarize(outcomes(inHalf("held-out"), engine)),
    },
    baseline: summarize(baselineOutcomes),
    mrrGainInterval: bootstrapInterval(
      engineOutcomes.map((o, i) => o.reciprocal - (baselineOutcomes[i]?.reciprocal ?? 0)),
    ),
    buildMilliseconds: Math.round(build),
    // Every engine query above (all three pair sets), averaged.
    microsecondsPerQuery: Math.round((elapsed * 1000) / Math.max(1, queries + 2 * corpus.pairs.length)),
  };
}
