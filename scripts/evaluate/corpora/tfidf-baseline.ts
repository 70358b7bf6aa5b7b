import { terms } from "../../../src/domain/text/index.js";
import type { Issue } from "./load.js";

// The plainest ranking there is, as a yardstick for the similarity engine: one bag of words per
// issue (summary and description together, the shared tokenizer's terms), raw term counts times
// ln(N / df), cosine. No field weights, no damping, no identifiers.

/** A ranker over the issues: the ids most similar to one issue, best first, ties by id. */
export function plainTfIdf(
  issues: readonly Issue[],
): (id: string, k: number, compareIds: (a: string, b: string) => number) => string[] {
  const vectors = issues.map((issue) => {
    const counts = new Map<string, number>();
    for (const term of terms(`${issue.subject}\n${issue.description}`))
      counts.set(term, (counts.get(term) ?? 0) + 1);
    return counts;
  });
  const df = new Map<string, number>();
  for (const v of vectors) for (const term of v.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const n = issues.length;
  const postings = new Map<string, { doc: number; weight: number }[]>();
  const norms = vectors.map((v, doc) => {
    let sq = 0;
    for (const [term, count] of v) {
      const weight = count * Math.log(n / (df.get(term) ?? 1));
      v.set(term, weight);
      sq += weight * weight;
      const list = postings.get(term) ?? [];
      list.push({ doc, weight });
      postings.set(term, list);
    }
    return Math.sqrt(sq) || 1;
  });
  const position = new Map(issues.map((issue, doc) => [issue.id, doc]));
  return (id, k, compareIds) => {
    const query = position.get(id);
    if (query === undefined) return [];
    const scores = new Map<number, number>();
    for (const [term, weight] of vectors[query] ?? []) {
      for (const p of postings.get(term) ?? []) {
        if (p.doc !== query) scores.set(p.doc, (scores.get(p.doc) ?? 0) + weight * p.weight);
      }
    }
    return [...scores]
      .map(([doc, dot]) => ({
        id: issues[doc]?.id ?? "",
        score: dot / ((norms[query] ?? 1) * (norms[doc] ?? 1)),
      }))
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || compareIds(a.id, b.id))
      .slice(0, k)
      .map((s) => s.id);
  };
}
