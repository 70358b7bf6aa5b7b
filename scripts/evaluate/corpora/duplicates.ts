import { performance } from "node:perf_hooks";
import { TicketIndex } from "../../../src/domain/similarity/ticket-index.js";
import type { DuplicateCorpus } from "./load.js";

// Duplicate finding on a real bug tracker: every issue is indexed as a ticket (subject = summary,
// description = description), and each labelled pair (a, b) is queried both ways, as
// find_similar_tickets would: the partner's rank among the first 5 candidates.

export interface DuplicatesResult {
  readonly issues: number;
  readonly pairs: number;
  readonly queries: number;
  readonly recallAt1: number;
  readonly recallAt5: number;
  /** Mean of 1/rank, 0 when the partner is not among the first 5. */
  readonly mrr: number;
  readonly buildMilliseconds: number;
  readonly microsecondsPerQuery: number;
}

export const K = 5;

export function evaluateDuplicates(corpus: DuplicateCorpus): DuplicatesResult {
  const index = new TicketIndex();
  const b0 = performance.now();
  for (const issue of corpus.issues) if (!index.has(issue.id)) index.add(issue);
  const build = performance.now() - b0;
  let queries = 0;
  let at1 = 0;
  let at5 = 0;
  let reciprocal = 0;
  let elapsed = 0;
  for (const [a, b] of corpus.pairs) {
    for (const [query, partner] of [
      [a, b],
      [b, a],
    ] as const) {
      const t0 = performance.now();
      const found = index.similar(query, K).map((c) => c.ticketId);
      elapsed += performance.now() - t0;
      queries++;
      const rank = found.indexOf(partner) + 1;
      if (rank === 1) at1++;
      if (rank >= 1 && rank <= K) {
        at5++;
        reciprocal += 1 / rank;
      }
    }
  }
  const per = (n: number) => (queries === 0 ? 0 : n / queries);
  return {
    issues: corpus.issues.length,
    pairs: corpus.pairs.length,
    queries,
    recallAt1: per(at1),
    recallAt5: per(at5),
    mrr: per(reciprocal),
    buildMilliseconds: Math.round(build),
    microsecondsPerQuery: Math.round(per(elapsed * 1000)),
  };
}
