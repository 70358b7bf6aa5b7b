import { keyHash, scanTicketKeys, termOfKey, ticketKeys, type TicketKeySink } from "../text/index.js";
import { KeyTable } from "./key-table.js";
import { grow } from "./typed-array.js";

/** Terms and counts of text that is not being indexed. */
export interface LocalTerms {
  readonly terms: string[];
  readonly surfaces: string[];
  readonly subjectCounts: number[];
  readonly bodyCounts: number[];
}

/**
 * The vocabulary of a ticket index, and the analysis of a ticket's text into term ids and counts
 * (in half-occurrences: a camelCase part counts half a word). `analyze` fills the scratch arrays
 * (`termIds`, `subjectUnits`, `bodyUnits`, `length`), valid until the next call.
 */
export class TermAnalyzer {
  // `keyTerm` maps a folded word straight to its term id (-1: dropped word), so a word seen
  // before costs one hash lookup instead of stemming plus two lookups.
  private readonly keyTerm = new KeyTable();
  private readonly vocab = new Map<string, number>();
  private readonly termText: string[] = [];
  private readonly termSurface: string[] = [];
  private localStamp = new Uint32Array(1024);
  private localSlot = new Int32Array(1024);
  private addStamp = 0;
  // Scratch analysis of the ticket being added.
  private scratchTerms = new Int32Array(256);
  private scratchSubject = new Int32Array(256);
  private scratchBody = new Int32Array(256);
  private scratchLength = 0;
  private scanningSubject = false;

  /** Number of terms in the vocabulary; term ids are 0..size-1. */
  get size(): number {
    return this.vocab.size;
  }

  get termIds(): Int32Array {
    return this.scratchTerms;
  }

  get subjectUnits(): Int32Array {
    return this.scratchSubject;
  }

  get bodyUnits(): Int32Array {
    return this.scratchBody;
  }

  get length(): number {
    return this.scratchLength;
  }

  /** The id of a term, if the vocabulary has it. */
  id(term: string): number | undefined {
    return this.vocab.get(term);
  }

  /** A term's text (its stemmed form). */
  text(term: number): string {
    return this.termText[term] ?? "";
  }

  /** A term's display form: as first seen in a ticket. */
  surface(term: number): string {
    return this.termSurface[term] ?? "";
  }

  /** Fills the scratch arrays with the term ids and counts of a ticket's text, creating terms. */
  analyze(subject: string, description: string): void {
    this.addStamp = this.nextAddStamp();
    this.scratchLength = 0;
    this.scanningSubject = true;
    scanTicketKeys(subject, this.visitKey);
    this.scanningSubject = false;
    scanTicketKeys(description, this.visitKey);
  }

  /** Terms and counts of text that is not being indexed; leaves the vocabulary untouched. */
  analyzeText(subject: string, description: string): LocalTerms {
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

  private nextAddStamp(): number {
    if (this.addStamp >= 0xfffffff0) {
      this.addStamp = 0;
      this.localStamp.fill(0);
    }
    return this.addStamp + 1;
  }

  private termId(term: string, surface: string): number {
    const existing = this.vocab.get(term);
    if (existing !== undefined) return existing;
    const id = this.termText.length;
    this.vocab.set(term, id);
    this.termText.push(term);
    this.termSurface.push(surface);
    if (id >= this.localStamp.length) {
      const size = this.localStamp.length * 2;
      this.localStamp = grow(this.localStamp, size);
      this.localSlot = grow(this.localSlot, size);
    }
    return id;
  }
}
