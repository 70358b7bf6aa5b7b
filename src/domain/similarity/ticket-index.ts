import { compareTicketIds } from "../ids.js";
import type { SimilarTicket } from "./similar-ticket.js";
import { keyHash, scanTicketKeys, termOfKey, ticketKeys, type TicketKeySink } from "../text/index.js";
import { KeyTable } from "./key-table.js";

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
 * the document number and its weighted term frequency in half-words), the forward index in two
 * typed arrays.
 */

export interface TicketText {
  readonly id: string;
  readonly subject: string;
  readonly description: string;
}

export type { SimilarTicket };

export interface TicketIndexOptions {
  /** How much a subject occurrence counts against a description occurrence (integer, 1..16). */
  readonly subjectWeight?: number;
  /** Candidates below this cosine are not returned. */
  readonly minConfidence?: number;
  /** Terms held by more than this share of tickets do not generate candidates... */
  readonly commonTermRatio?: number;
  /** ...unless they are held by at most this many tickets. */
  readonly commonTermFloor?: number;
  /** The rarest terms of a query that always generate candidates, however common. */
  readonly minScanTerms?: number;
  /** How many candidates are rescored exactly when common terms were skipped. */
  readonly rescoreLimit?: number;
}

const DEFAULTS = {
  subjectWeight: 3,
  minConfidence: 0.1,
  commonTermRatio: 0.05,
  commonTermFloor: 1000,
  minScanTerms: 2,
  rescoreLimit: 256,
} as const;

/** Up to this many shared terms are listed in `sharedTerms`, fewer in the evidence sentence. */
const SHARED_TERMS_LIMIT = 10;
const EVIDENCE_TERMS_LIMIT = 6;

// Postings pack (doc << 8) | wtf into a uint32: at most 2^24 document slots.
const MAX_DOCS = 1 << 24;
const WTF_MASK = 0xff;
const BLOCK_HEADER = 3; // next block offset, used, capacity
const FIRST_BLOCK = 2;
const MAX_BLOCK = 4096;

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

interface LocalTerms {
  readonly terms: string[];
  readonly surfaces: string[];
  readonly subjectCounts: number[];
  readonly bodyCounts: number[];
}

export class TicketIndex {
  private readonly subjectWeight: number;
  private readonly minConfidence: number;
  private readonly commonTermRatio: number;
  private readonly commonTermFloor: number;
  private readonly minScanTerms: number;
  private readonly rescoreLimit: number;

  // Vocabulary. `keyTerm` maps a folded word straight to its term id (-1: dropped word), so a
  // word seen before costs one hash lookup instead of stemming plus two lookups.
  private readonly keyTerm = new KeyTable();
  private readonly vocab = new Map<string, number>();
  private readonly termText: string[] = [];
  private readonly termSurface: string[] = [];
  private df = new Int32Array(1024);
  private termHead = new Uint32Array(1024);
  private termTail = new Uint32Array(1024);
  private idfValue = new Float64Array(1024);
  private idfStamp = new Uint32Array(1024);
  private queryWeight = new Float64Array(1024);
  private queryStampOfTerm = new Uint32Array(1024);
  private querySubject = new Uint8Array(1024);
  private localStamp = new Uint32Array(1024);
  private localSlot = new Int32Array(1024);
  private addStamp = 0;
  // Scratch analysis of the ticket being added.
  private scratchTerms = new Int32Array(256);
  private scratchSubject = new Int32Array(256);
  private scratchBody = new Int32Array(256);
  private scratchLength = 0;
  private scanningSubject = false;

  // Postings arena: blocks of [next, used, capacity, entries...]; offset 0 means "none".
  private pool = new Uint32Array(1 << 16);
  private poolUsed = 4;
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
    this.subjectWeight = Math.min(
      16,
      Math.max(1, Math.round(options.subjectWeight ?? DEFAULTS.subjectWeight)),
    );
    this.minConfidence = options.minConfidence ?? DEFAULTS.minConfidence;
    this.commonTermRatio = options.commonTermRatio ?? DEFAULTS.commonTermRatio;
    this.commonTermFloor = options.commonTermFloor ?? DEFAULTS.commonTermFloor;
    this.minScanTerms = options.minScanTerms ?? DEFAULTS.minScanTerms;
    this.rescoreLimit = options.rescoreLimit ?? DEFAULTS.rescoreLimit;
  }

  /** Number of tickets in the index. */
  get size(): number {
    return this.liveCount;
  }

  /** Sizes, for benchmarks and diagnostics. */
  stats(): { tickets: number; terms: number; postings: number; bytes: number } {
    const bytes =
      this.pool.byteLength +
      this.forwardTerm.byteLength +
      this.forwardCounts.byteLength +
      this.alive.length * (1 + 4 + 4 + 8 + 4 + 8 + 4 + 4) +
      this.df.length * (4 + 4 + 4 + 8 + 4 + 8 + 4 + 1 + 4 + 4);
    return { tickets: this.liveCount, terms: this.vocab.size, postings: this.livePostings, bytes };
  }

  has(id: string): boolean {
    return this.idToDoc.has(id);
  }

  /** Indexes a ticket; adding an id again replaces its text (a no-op when the text is unchanged). */
  add(ticket: TicketText): void {
    this.analyzeForAdd(ticket.subject, ticket.description);
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
    const count = this.scratchLength;
    this.ensureForwardCapacity(this.forwardUsed + count);
    this.docStart[doc] = this.forwardUsed;
    this.docLength[doc] = count;
    for (let i = 0; i < count; i++) {
      const term = this.scratchTerms[i] ?? 0;
      const s = Math.min(255, this.scratchSubject[i] ?? 0);
      const b = Math.min(255, this.scratchBody[i] ?? 0);
      this.forwardTerm[this.forwardUsed] = term;
      this.forwardCounts[this.forwardUsed] = (s << 8) | b;
      this.forwardUsed++;
      this.df[term] = (this.df[term] ?? 0) + 1;
      this.appendPosting(term, (doc << 8) | Math.min(WTF_MASK, this.subjectWeight * s + b));
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
    const local = this.analyzeText(text.subject, text.description);
    const surfaces = new Map<number, string>();
    const q: QueryVector = { termIds: [], wtf: [], inSubject: [], unknownWtf: [], surfaces };
    for (let i = 0; i < local.terms.length; i++) {
      const s = Math.min(255, local.subjectCounts[i] ?? 0);
      const b = Math.min(255, local.bodyCounts[i] ?? 0);
      const wtf = Math.min(WTF_MASK, this.subjectWeight * s + b);
      const term = this.vocab.get(local.terms[i] ?? "");
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
      const ta = this.termText[q.termIds[a] ?? 0] ?? "";
      const tb = this.termText[q.termIds[b] ?? 0] ?? "";
      return ta < tb ? -1 : ta > tb ? 1 : 0;
    });

    const maxDf = Math.max(this.commonTermFloor, Math.ceil(n * this.commonTermRatio));
    let touchedCount = 0;
    let skipped = false;
    const pool = this.pool;
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
      for (let block = this.termHead[term] ?? 0; block !== 0; block = pool[block] ?? 0) {
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
    const shared: { term: number; contribution: number; subject: boolean }[] = [];
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
    shared.sort(
      (a, b) =>
        b.contribution - a.contribution ||
        ((this.termText[a.term] ?? "") < (this.termText[b.term] ?? "") ? -1 : 1),
    );
    const surface = (term: number): string => surfaces?.get(term) ?? this.termSurface[term] ?? "";
    const listed = shared.slice(0, SHARED_TERMS_LIMIT);
    const shown = listed.slice(0, EVIDENCE_TERMS_LIMIT);
    const inSubject = shown.filter((s) => s.subject).map((s) => surface(s.term));
    const elsewhere = shown.filter((s) => !s.subject).map((s) => surface(s.term));
    const parts: string[] = [];
    if (inSubject.length > 0) parts.push(`${inSubject.join(", ")} (subject)`);
    if (elsewhere.length > 0) parts.push(elsewhere.join(", "));
    return {
      ticketId: this.docKey[doc] ?? "",
      confidence,
      evidence: `Shared terms: ${parts.join("; ")}`,
      sharedTerms: listed.map((s) => surface(s.term)),
    };
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

  /** Fills the scratch arrays with the term ids and counts of a ticket's text, creating terms. */
  private analyzeForAdd(subject: string, description: string): void {
    this.addStamp = this.nextAddStamp();
    this.scratchLength = 0;
    this.scanningSubject = true;
    scanTicketKeys(subject, this.visitKey);
    this.scanningSubject = false;
    scanTicketKeys(description, this.visitKey);
  }

  // One sink for the index's lifetime: adding a ticket allocates nothing for a word seen before.
  private readonly visitKey: TicketKeySink = {
    range: (lower, start, end, hash, units) => {
      let term = this.keyTerm.find(lower, start, end, hash);
      if (term === KeyTable.MISSING) {
        const key = lower.slice(start, end);
        term = this.newKey(key, key, hash);
      }
      if (term >= 0) this.count(term, units);
    },
    key: (key, surface, units) => {
      const hash = keyHash(key);
      let term = this.keyTerm.find(key, 0, key.length, hash);
      if (term === KeyTable.MISSING) term = this.newKey(key, surface, hash);
      if (term >= 0) this.count(term, units);
    },
  };

  /** The term of a key not seen before (-1 when the word is dropped), remembered. */
  private newKey(key: string, surface: string, hash: number): number {
    const text = termOfKey(key);
    const term = text === "" ? -1 : this.termId(text, surface);
    this.keyTerm.insert(key, hash, term);
    return term;
  }

  /** Adds `units` half-occurrences of a term to the ticket being analyzed. */
  private count(term: number, units: number): void {
    let slot: number;
    if (this.localStamp[term] === this.addStamp) slot = this.localSlot[term] ?? 0;
    else {
      slot = this.scratchLength++;
      if (slot >= this.scratchTerms.length) {
        this.scratchTerms = grow(this.scratchTerms, slot * 2);
        this.scratchSubject = grow(this.scratchSubject, slot * 2);
        this.scratchBody = grow(this.scratchBody, slot * 2);
      }
      this.localStamp[term] = this.addStamp;
      this.localSlot[term] = slot;
      this.scratchTerms[slot] = term;
      this.scratchSubject[slot] = 0;
      this.scratchBody[slot] = 0;
    }
    if (this.scanningSubject) this.scratchSubject[slot] = (this.scratchSubject[slot] ?? 0) + units;
    else this.scratchBody[slot] = (this.scratchBody[slot] ?? 0) + units;
  }

  /** Terms and counts of text that is not being indexed; leaves the vocabulary untouched. */
  private analyzeText(subject: string, description: string): LocalTerms {
    const index = new Map<string, number>();
    const local: LocalTerms = { terms: [], surfaces: [], subjectCounts: [], bodyCounts: [] };
    const visit = (text: string, counts: number[], other: number[]): void => {
      for (const { key, surface, units } of ticketKeys(text)) {
        const term = termOfKey(key);
        if (term === "") continue;
        let i = index.get(term);
        if (i === undefined) {
          i = local.terms.length;
          index.set(term, i);
          local.terms.push(term);
          local.surfaces.push(surface);
          counts.push(0);
          other.push(0);
        }
        counts[i] = (counts[i] ?? 0) + units;
      }
    };
    visit(subject, local.subjectCounts, local.bodyCounts);
    visit(description, local.bodyCounts, local.subjectCounts);
    return local;
  }

  private nextAddStamp(): number {
    if (this.addStamp >= 0xfffffff0) {
      this.addStamp = 0;
      this.localStamp.fill(0);
    }
    return this.addStamp + 1;
  }

  /** Does the scratch analysis equal what the document holds? */
  private sameTerms(doc: number): boolean {
    const start = this.docStart[doc] ?? 0;
    if ((this.docLength[doc] ?? 0) !== this.scratchLength) return false;
    for (let i = 0; i < this.scratchLength; i++) {
      if (this.forwardTerm[start + i] !== this.scratchTerms[i]) return false;
      const s = Math.min(255, this.scratchSubject[i] ?? 0);
      const b = Math.min(255, this.scratchBody[i] ?? 0);
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

  private termId(term: string, surface: string): number {
    const existing = this.vocab.get(term);
    if (existing !== undefined) return existing;
    const id = this.termText.length;
    this.vocab.set(term, id);
    this.termText.push(term);
    this.termSurface.push(surface);
    if (id >= this.df.length) {
      const size = this.df.length * 2;
      this.df = grow(this.df, size);
      this.termHead = grow(this.termHead, size);
      this.termTail = grow(this.termTail, size);
      this.idfValue = grow(this.idfValue, size);
      this.idfStamp = grow(this.idfStamp, size);
      this.queryWeight = grow(this.queryWeight, size);
      this.queryStampOfTerm = grow(this.queryStampOfTerm, size);
      this.querySubject = grow(this.querySubject, size);
      this.localStamp = grow(this.localStamp, size);
      this.localSlot = grow(this.localSlot, size);
    }
    return id;
  }

  private appendPosting(term: number, entry: number): void {
    let tail = this.termTail[term] ?? 0;
    if (tail === 0 || (this.pool[tail + 1] ?? 0) === (this.pool[tail + 2] ?? 0)) {
      const capacity = tail === 0 ? FIRST_BLOCK : Math.min(MAX_BLOCK, (this.pool[tail + 2] ?? 0) * 2);
      const block = this.allocateBlock(capacity);
      if (tail === 0) this.termHead[term] = block;
      else this.pool[tail] = block;
      this.termTail[term] = block;
      tail = block;
    }
    const used = this.pool[tail + 1] ?? 0;
    this.pool[tail + BLOCK_HEADER + used] = entry;
    this.pool[tail + 1] = used + 1;
  }

  private allocateBlock(capacity: number): number {
    const size = BLOCK_HEADER + capacity;
    if (this.poolUsed + size > this.pool.length) {
      this.pool = grow(this.pool, Math.max(Math.ceil(this.pool.length * 1.5), this.poolUsed + size));
    }
    const block = this.poolUsed;
    this.pool[block] = 0;
    this.pool[block + 1] = 0;
    this.pool[block + 2] = capacity;
    this.poolUsed += size;
    return block;
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
    this.pool = new Uint32Array(Math.max(1 << 16, this.livePostings * 2));
    this.poolUsed = 4;
    this.termHead.fill(0);
    this.termTail.fill(0);
    for (let doc = 0; doc < this.docKey.length; doc++) {
      if (this.alive[doc] === 0) continue;
      const start = this.docStart[doc] ?? 0;
      const end = start + (this.docLength[doc] ?? 0);
      for (let i = start; i < end; i++) {
        this.appendPosting(
          this.forwardTerm[i] ?? 0,
          (doc << 8) | this.weightedTf(this.forwardCounts[i] ?? 0),
        );
      }
    }
    this.deadPostings = 0;
  }
}

/** Bounded best-first list: score desc, then ticket id asc. Small k, so insertion is fine. */
class TopList {
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

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

type TypedArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

function grow<T extends TypedArray>(array: T, size: number): T {
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array);
  return next;
}
