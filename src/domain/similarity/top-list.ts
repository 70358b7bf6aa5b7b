import { compareTicketIds } from "../ids.js";

/** Bounded best-first list: score desc, then ticket id asc. Small k, so insertion is fine. */
export class TopList {
  private readonly docs: number[] = [];
  private readonly scores: number[] = [];

  constructor(
    private readonly capacity: number,
    private readonly keys: readonly string[],
  ) {}

  offer(doc: number, score: number): void {
    const n = this.docs.length;
    if (n === this.capacity && !this.before(doc, score, n - 1)) return;
    let i = n === this.capacity ? n - 1 : n;
    while (i > 0 && this.before(doc, score, i - 1)) {
      this.docs[i] = this.docs[i - 1] ?? 0;
      this.scores[i] = this.scores[i - 1] ?? 0;
      i--;
    }
    this.docs[i] = doc;
    this.scores[i] = score;
  }

  entries(): { doc: number; score: number }[] {
    return this.docs.map((doc, i) => ({ doc, score: this.scores[i] ?? 0 }));
  }

  /** Does (doc, score) rank before the entry at position i? */
  private before(doc: number, score: number, i: number): boolean {
    const other = this.scores[i] ?? 0;
    if (score !== other) return score > other;
    return compareTicketIds(this.keys[doc] ?? "", this.keys[this.docs[i] ?? 0] ?? "") < 0;
  }
}
