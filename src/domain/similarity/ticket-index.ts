import { describeMatch, type SharedTerm } from "./evidence.js";
import { resolveOptions, type TicketIndexOptions } from "./options.js";
import { BLOCK_HEADER, MAX_DOCS, Postings, WTF_MASK } from "./postings.js";
import type { SimilarTicket } from "./similar-ticket.js";
import { TermAnalyzer } from "./term-analyzer.js";
import { TopList } from "./top-list.js";
import { grow } from "./typed-array.js";

/**
 * Similar-ticket ranking: cosine similarity of TF-IDF vectors over subject and description.
 *
 * - Terms: the words of subject and description (`scanTicketKeys`), plus the parts of camelCase
 *   identifiers at half weight, hyphenated and underscored compounds whole ("jackson-databind",
 *   "cve-2022-42889") and dotted version numbers whole ("4.1.45"): bug reports and support tickets
 *   name classes, artifacts, advisories and versions, and two tickets naming the same one are
 *   likely about the same problem.
 * - Term weight: tf(wtf) * idf, with wtf = SUBJECT_WEIGHT * (count in subject) + (count in
 *   description), counted in words (a camelCase part counts half), tf(f) = 1 + ln(f) for f >= 1
 *   and f below, and idf = ln(1 + N / df). A subject word counts about twice a body word, and a
 *   word repeated ten times does not drown the rest.
 * - Confidence is the cosine itself: 1 for identical text, typically 0.45-0.8 for close
 *   paraphrases of the same problem, 0.25-0.4 for heavily reworded ones, and below ~0.2 for
 *   tickets that only share common words. Candidates below `minConfidence` are not returned.
 * - Candidates come from an inverted index. Query terms are visited rarest first; a term held by
 *   more than `commonTermRatio` of the tickets does not generate candidates (after the first
 *   `minScanTerms` terms), so a query touches a small part of the index. When a term was skipped,
 *   the best `rescoreLimit` candidates are rescored exactly, so every confidence returned is the
 *   exact cosine.
 * - Scores depend only on the set of indexed tickets, never on insertion order or on earlier
 *   queries: document norms and IDFs are cached with a version stamp and recomputed lazily.
 *
 * Memory: postings live in one Uint32Array arena of growing blocks (4 bytes per posting, packing
 * the document number and its weighted term frequency in half-words; postings.ts), the forward
 * index in two typed arrays. The vocabulary and the analysis of a ticket's text into terms are in
 * term-analyzer.ts.
 */

export interface TicketText {
  readonly id: string;
  readonly subject: string;
  readonly description: string;
}

export type { SimilarTicket, TicketIndexOptions };

/**
 * The damped term frequency for every storable weighted count, in half-occurrences (a camelCase
 * part counts half a word): 1 + ln(f) for f = w / 2 >= 1, and f itself below (a lone part).
 */
const TF_WEIGHT = (() => {
  const t = new Float64Array(256);
  for (let w = 1; w < 256; w++) t[w] = w >= 2 ? 1 + Math.log(w / 2) : w / 2;
  return t;
})();

interface QueryVector {
  readonly termIds: number[];
  readonly wtf: number[];
  /** Whether the term is in the query's subject. */
  readonly inSubject: boolean[];
  /** Terms unknown to the index: they only lengthen the query vector. */
  readonly unknownWtf: number[];
  /** Display form per term id (falls back to the index's first-seen form). */
  readonly surfaces?: ReadonlyMap<number, string>;
}

export class TicketIndex {
  private readonly subjectWeight: number;
  private readonly minConfidence: number;
  private readonly commonTermRatio: number;
  private readonly commonTermFloor: number;
  private readonly minScanTerms: number;
  private readonly rescoreLimit: number;

  // Vocabulary and per-term values, by term id.
  private readonly terms = new TermAnalyzer();
  private df = new Int32Array(1024);
  private idfValue = new Float64Array(1024);
  private idfStamp = new Uint32Array(1024);
  private queryWeight = new Float64Array(1024);
  private queryStampOfTerm = new Uint32Array(1024);
  private querySubject = new Uint8Array(1024);

  private readonly postings = new Postings();
  private deadPostings = 0;
  private livePostings = 0;

  // Documents (internal numbers; a replaced ticket gets a new number, the old one dies).
  private readonly docKey: string[] = [];
  private readonly idToDoc = new Map<string, number>();
  private alive = new Uint8Array(1024);
  private docStart = new Uint32Array(1024);
  private docLength = new Uint32Array(1024);
  private docNorm = new Float64Array(1024);
  private docNormStamp = new Uint32Array(1024);
  private accumulator = new Float64Array(1024);
  private accumulatorStamp = new Uint32Array(1024);
  private touched = new Int32Array(1024);

  // Forward index: per document, its term ids and packed (subject count << 8 | body count).
  private forwardTerm = new Uint32Array(1 << 14);
  private forwardCounts = new Uint16Array(1 << 14);
  private forwardUsed = 0;

  private liveCount = 0;
  /** Bumped by every change of the indexed set; caches stamped with another version are stale. */
  private version = 1;
  private queryStamp = 0;

  constructor(options: TicketIndexOptions = {}) {
    ({
      subjectWeight: this.subjectWeight,
      minConfidence: this.minConfidence,
      commonTermRatio: this.commonTermRatio,
      commonTermFloor: this.commonTermFloor,
      minScanTerms: this.minScanTerms,
      rescoreLimit: this.rescoreLimit,
    } = resolveOptions(options));
  }

  /** Number of tickets in the index. */
  get size(): number {
    return this.liveCount;
  }

  /** Sizes, for benchmarks and diagnostics. */
  stats(): { tickets: number; terms: number; postings: number; bytes: number } {
    const bytes =
      this.postings.byteLength +
      this.forwardTerm.byteLength +
      this.forwardCounts.byteLength +
      this.alive.length * (1 + 4 + 4 + 8 + 4 + 8 + 4 + 4) +
      this.df.length * (4 + 4 + 4 + 8 + 4 + 8 + 4 + 1 + 4 + 4);
    return { tickets: this.liveCount, terms: this.terms.size, postings: this.livePostings, bytes };
  }

  has(id: string): boolean {
    return this.idToDoc.has(id);
  }

  /** Indexes a ticket; adding an id again replaces its text (a no-op when the text is unchanged). */
  add(ticket: TicketText): void {
    this.terms.analyze(ticket.subject, ticket.description);
    this.ensureTermCapacity(this.terms.size);
    const previous = this.idToDoc.get(ticket.id);
    if (previous !== undefined) {
      if (this.sameTerms(previous)) return;
      this.remove(previous);
    }
    const doc = this.docKey.length;
    if (doc >= MAX_DOCS) throw new RangeError(`the ticket index holds at most ${MAX_DOCS} documents`);
    this.ensureDocCapacity(doc + 1);
    this.docKey.push(ticket.id);
    this.idToDoc.set(ticket.id, doc);
    this.alive[doc] = 1;
    const count = this.terms.length;
    const termIds = this.terms.termIds;
    const subjectUnits = this.terms.subjectUnits;
    const bodyUnits = this.terms.bodyUnits;
    this.ensureForwardCapacity(this.forwardUsed + count);
    this.docStart[doc] = this.forwardUsed;
    this.docLength[doc] = count;
    for (let i = 0; i < count; i++) {
      const term = termIds[i] ?? 0;
      const s = Math.min(255, subjectUnits[i] ?? 0);
      const b = Math.min(255, bodyUnits[i] ?? 0);
      this.forwardTerm[this.forwardUsed] = term;
      this.forwardCounts[this.forwardUsed] = (s << 8) | b;
      this.forwardUsed++;
      this.df[term] = (this.df[term] ?? 0) + 1;
      this.postings.append(term, (doc << 8) | Math.min(WTF_MASK, this.subjectWeight * s + b));
    }
    this.livePostings += count;
    this.liveCount++;
    this.bumpVersion();
    if (this.deadPostings > 10_000 && this.deadPostings > this.livePostings) this.compact();
  }

  /** Tickets most similar to an indexed ticket (never itself); [] for an unknown id. */
  similar(id: string, k = 5): SimilarTicket[] {
    const doc = this.idToDoc.get(id);
    if (doc === undefined) return [];
    const start = this.docStart[doc] ?? 0;
    const end = start + (this.docLength[doc] ?? 0);
    const q: QueryVector = { termIds: [], wtf: [], inSubject: [], unknownWtf: [] };
    for (let i = start; i < end; i++) {
      const counts = this.forwardCounts[i] ?? 0;
      q.termIds.push(this.forwardTerm[i] ?? 0);
      q.wtf.push(this.weightedTf(counts));
      q.inSubject.push(counts >>> 8 > 0);
    }
    return this.query(q, doc, k);
  }

  /**
   * Tickets most similar to text that is not (necessarily) indexed, such as a ticket being created.
   * `excludeId` leaves one ticket out of the results.
   */
  similarText(
    text: { readonly subject: string; readonly description: string },
    k = 5,
    excludeId?: string,
  ): SimilarTicket[] {
    const local = this.terms.analyzeText(text.subject, text.description);
    const surfaces = new Map<number, string>();
    const q: QueryVector = { termIds: [], wtf: [], inSubject: [], unknownWtf: [], surfaces };
    for (let i = 0; i < local.terms.length; i++) {
      const s = Math.min(255, local.subjectCounts[i] ?? 0);
      const b = Math.min(255, local.bodyCounts[i] ?? 0);
      const wtf = Math.min(WTF_MASK, this.subjectWeight * s + b);
      const term = this.terms.id(local.terms[i] ?? "");
      if (term === undefined || (this.df[term] ?? 0) === 0) {
        q.unknownWtf.push(wtf);
        continue;
      }
      q.termIds.push(term);
      q.wtf.push(wtf);
      q.inSubject.push(s > 0);
      surfaces.set(term, local.surfaces[i] ?? "");
    }
    const exclude = excludeId === undefined ? -1 : (this.idToDoc.get(excludeId) ?? -1);
    return this.query(q, exclude, k);
  }

  // ---------------------------------------------------------------------------------------------
  // Scoring

  private query(q: QueryVector, exclude: number, k: number): SimilarTicket[] {
    if (k <= 0 || this.liveCount === 0) return [];
    const n = this.liveCount;
    const stamp = this.nextQueryStamp();

    let queryNormSq = 0;
    const count = q.termIds.length;
    const idf = new Float64Array(count);
    const weight = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const term = q.termIds[i] ?? 0;
      idf[i] = this.idf(term);
      weight[i] = (TF_WEIGHT[q.wtf[i] ?? 0] ?? 0) * (idf[i] ?? 0);
      queryNormSq += (weight[i] ?? 0) ** 2;
      this.queryWeight[term] = weight[i] ?? 0;
      this.queryStampOfTerm[term] = stamp;
      this.querySubject[term] = q.inSubject[i] === true ? 1 : 0;
    }
    // A word no indexed ticket has is as rare as a word can be: df = 1.
    const unknownIdf = Math.log(1 + n);
    for (const wtf of q.unknownWtf) queryNormSq += ((TF_WEIGHT[wtf] ?? 0) * unknownIdf) ** 2;
    if (count === 0 || queryNormSq === 0) return [];
    const queryNorm = Math.sqrt(queryNormSq);

    // Rarest terms first; ties by the term's text so the order never depends on insertion order.
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => {
      const da = this.df[q.termIds[a] ?? 0] ?? 0;
      const db = this.df[q.termIds[b] ?? 0] ?? 0;
      if (da !== db) return da - db;
      const ta = this.terms.text(q.termIds[a] ?? 0);
      const tb = this.terms.text(q.termIds[b] ?? 0);
      return ta < tb ? -1 : ta > tb ? 1 : 0;
    });

    const maxDf = Math.max(this.commonTermFloor, Math.ceil(n * this.commonTermRatio));
    let touchedCount = 0;
    let skipped = false;
    const postings = this.postings;
    const pool = postings.pool;
    const alive = this.alive;
    const acc = this.accumulator;
    const accStamp = this.accumulatorStamp;
    const touched = this.touched;
    for (let j = 0; j < order.length; j++) {
      const i = order[j] ?? 0;
      const term = q.termIds[i] ?? 0;
      if (j >= this.minScanTerms && (this.df[term] ?? 0) > maxDf) {
        skipped = true;
        break; // the remaining terms are at least as common
      }
      const factor = (weight[i] ?? 0) * (idf[i] ?? 0);
      for (let block = postings.first(term); block !== 0; block = pool[block] ?? 0) {
        const used = pool[block + 1] ?? 0;
        const first = block + BLOCK_HEADER;
        for (let p = first; p < first + used; p++) {
          const entry = pool[p] ?? 0;
          const doc = entry >>> 8;
          if (alive[doc] === 0) continue;
          const c = factor * (TF_WEIGHT[entry & WTF_MASK] ?? 0);
          if (accStamp[doc] !== stamp) {
            accStamp[doc] = stamp;
            acc[doc] = c;
            touched[touchedCount++] = doc;
          } else {
            acc[doc] = (acc[doc] ?? 0) + c;
          }
        }
      }
    }

    // Without skipped terms the accumulators hold exact dot products: select the top k directly.
    // Otherwise select by the partial score and rescore the best `rescoreLimit` exactly.
    const keep = skipped ? Math.max(k, this.rescoreLimit) : k;
    const top = new TopList(keep, this.docKey);
    for (let t = 0; t < touchedCount; t++) {
      const doc = touched[t] ?? 0;
      if (doc === exclude) continue;
      const cosine = (acc[doc] ?? 0) / (queryNorm * this.norm(doc));
      if (skipped) top.offer(doc, cosine);
      else if (cosine >= this.minConfidence) top.offer(doc, round3(cosine));
    }

    let ranked: { doc: number; cosine: number }[];
    if (skipped) {
      const rescored = new TopList(k, this.docKey);
      for (const { doc } of top.entries()) {
        const cosine = this.exactDot(doc, stamp) / (queryNorm * this.norm(doc));
        if (cosine >= this.minConfidence) rescored.offer(doc, round3(cosine));
      }
      ranked = rescored.entries().map((e) => ({ doc: e.doc, cosine: e.score }));
    } else {
      ranked = top.entries().map((e) => ({ doc: e.doc, cosine: e.score }));
    }
    return ranked.map(({ doc, cosine }) => this.describe(doc, Math.min(1, cosine), stamp, q.surfaces));
  }

  private exactDot(doc: number, stamp: number): number {
    const start = this.docStart[doc] ?? 0;
    const end = start + (this.docLength[doc] ?? 0);
    let dot = 0;
    for (let i = start; i < end; i++) {
      const term = this.forwardTerm[i] ?? 0;
      if (this.queryStampOfTerm[term] !== stamp) continue;
      dot +=
        (this.queryWeight[term] ?? 0) *
        (TF_WEIGHT[this.weightedTf(this.forwardCounts[i] ?? 0)] ?? 0) *
        this.idf(term);
    }
    return dot;
  }

  private describe(
    doc: number,
    confidence: number,
    stamp: number,
    surfaces?: ReadonlyMap<number, string>,
  ): SimilarTicket {
    const shared: SharedTerm[] = [];
    const start = this.docStart[doc] ?? 0;
    const end = start + (this.docLength[doc] ?? 0);
    for (let i = start; i < end; i++) {
      const term = this.forwardTerm[i] ?? 0;
      if (this.queryStampOfTerm[term] !== stamp) continue;
      const counts = this.forwardCounts[i] ?? 0;
      const contribution =
        (this.queryWeight[term] ?? 0) * (TF_WEIGHT[this.weightedTf(counts)] ?? 0) * this.idf(term);
      shared.push({ term, contribution, subject: counts >>> 8 > 0 && this.querySubject[term] === 1 });
    }
    return describeMatch(
      this.docKey[doc] ?? "",
      confidence,
      shared,
      (term) => this.terms.text(term),
      (term) => surfaces?.get(term) ?? this.terms.surface(term),
    );
  }

  private idf(term: number): number {
    if (this.idfStamp[term] === this.version) return this.idfValue[term] ?? 0;
    const df = this.df[term] ?? 0;
    const value = df > 0 ? Math.log(1 + this.liveCount / df) : 0;
    this.idfValue[term] = value;
    this.idfStamp[term] = this.version;
    return value;
  }

  private norm(doc: number): number {
    if (this.docNormStamp[doc] === this.version) return this.docNorm[doc] ?? 1;
    const start = this.docStart[doc] ?? 0;
    const end = start + (this.docLength[doc] ?? 0);
    let sq = 0;
    for (let i = start; i < end; i++) {
      const w =
        (TF_WEIGHT[this.weightedTf(this.forwardCounts[i] ?? 0)] ?? 0) * this.idf(this.forwardTerm[i] ?? 0);
      sq += w * w;
    }
    // A document with postings always has a positive norm; guard against 0/0 anyway.
    const value = sq > 0 ? Math.sqrt(sq) : 1;
    this.docNorm[doc] = value;
    this.docNormStamp[doc] = this.version;
    return value;
  }

  private weightedTf(counts: number): number {
    return Math.min(WTF_MASK, this.subjectWeight * (counts >>> 8) + (counts & 0xff));
  }

  private bumpVersion(): void {
    // Stamps are uint32: on wrap-around, forget every cached value instead of trusting old stamps.
    if (this.version >= 0xfffffff0) {
      this.version = 0;
      this.idfStamp.fill(0);
      this.docNormStamp.fill(0);
    }
    this.version++;
  }

  private nextQueryStamp(): number {
    if (this.queryStamp >= 0xfffffff0) {
      this.queryStamp = 0;
      this.accumulatorStamp.fill(0);
      this.queryStampOfTerm.fill(0);
    }
    return ++this.queryStamp;
  }

  // ---------------------------------------------------------------------------------------------
  // Building

  /** Does the scratch analysis equal what the document holds? */
  private sameTerms(doc: number): boolean {
    const start = this.docStart[doc] ?? 0;
    const { length, termIds, subjectUnits, bodyUnits } = this.terms;
    if ((this.docLength[doc] ?? 0) !== length) return false;
    for (let i = 0; i < length; i++) {
      if (this.forwardTerm[start + i] !== termIds[i]) return false;
      const s = Math.min(255, subjectUnits[i] ?? 0);
      const b = Math.min(255, bodyUnits[i] ?? 0);
      if (this.forwardCounts[start + i] !== ((s << 8) | b)) return false;
    }
    return true;
  }

  private remove(doc: number): void {
    const start = this.docStart[doc] ?? 0;
    const length = this.docLength[doc] ?? 0;
    for (let i = start; i < start + length; i++) {
      const term = this.forwardTerm[i] ?? 0;
      this.df[term] = (this.df[term] ?? 0) - 1;
    }
    this.alive[doc] = 0;
    this.deadPostings += length;
    this.livePostings -= length;
    this.liveCount--;
    this.bumpVersion();
  }

  /** Makes room for term ids below `needed` in the per-term arrays. */
  private ensureTermCapacity(needed: number): void {
    if (needed <= this.df.length) return;
    let size = this.df.length;
    while (size < needed) size *= 2;
    this.df = grow(this.df, size);
    this.postings.growTerms(size);
    this.idfValue = grow(this.idfValue, size);
    this.idfStamp = grow(this.idfStamp, size);
    this.queryWeight = grow(this.queryWeight, size);
    this.queryStampOfTerm = grow(this.queryStampOfTerm, size);
    this.querySubject = grow(this.querySubject, size);
  }

  private ensureDocCapacity(needed: number): void {
    if (needed <= this.alive.length) return;
    const size = Math.max(needed, this.alive.length * 2);
    this.alive = grow(this.alive, size);
    this.docStart = grow(this.docStart, size);
    this.docLength = grow(this.docLength, size);
    this.docNorm = grow(this.docNorm, size);
    this.docNormStamp = grow(this.docNormStamp, size);
    this.accumulator = grow(this.accumulator, size);
    this.accumulatorStamp = grow(this.accumulatorStamp, size);
    this.touched = grow(this.touched, size);
  }

  private ensureForwardCapacity(needed: number): void {
    if (needed <= this.forwardTerm.length) return;
    // x1.5, not x2: these are the two big arrays, and slack is memory nobody uses.
    const size = Math.max(needed, Math.ceil(this.forwardTerm.length * 1.5));
    this.forwardTerm = grow(this.forwardTerm, size);
    this.forwardCounts = grow(this.forwardCounts, size);
  }

  /** Rebuilds postings without replaced documents once they outnumber the live ones. */
  private compact(): void {
    this.postings.clear(this.livePostings * 2);
    for (let doc = 0; doc < this.docKey.length; doc++) {
      if (this.alive[doc] === 0) continue;
      const start = this.docStart[doc] ?? 0;
      const end = start + (this.docLength[doc] ?? 0);
      for (let i = start; i < end; i++) {
        this.postings.append(
          this.forwardTerm[i] ?? 0,
          (doc << 8) | this.weightedTf(this.forwardCounts[i] ?? 0),
        );
      }
    }
    this.deadPostings = 0;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
