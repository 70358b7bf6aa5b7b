import { displayFold, isAscii, stripDiacritics } from "./normalize.js";
import { stem } from "./stem.js";
import { isStopword } from "./stopwords.js";

/**
 * Tokenization shared by knowledge search and ticket similarity.
 *
 * A word is a run of Unicode letters, digits and combining marks, with inner apostrophes
 * ("customer's", "don't"). Each word is folded (NFKC, lower case, no accents, no apostrophes),
 * stopwords and single Latin letters are dropped, and the rest is stemmed. Numbers and mixed
 * tokens survive as they are ("503", "5xx", "inv2048"). Chinese and Japanese, written without
 * spaces, are indexed as overlapping character bigrams.
 */

export interface Token {
  /** The matching key (folded and stemmed). */
  readonly term: string;
  /** The word as written, lower-cased with accents kept, for display. */
  readonly surface: string;
  /** Offsets of the word in the original text (UTF-16 code units, end exclusive). */
  readonly start: number;
  readonly end: number;
  /** True for stopwords, which are reported only when asked for (phrase matching). */
  readonly stopword: boolean;
}

export type TokenSink = (
  term: string,
  surface: string,
  start: number,
  end: number,
  stopword: boolean,
) => void;

/** Longer "words" are hashes, keys or base64 noise, not vocabulary. */
export const MAX_TERM_LENGTH = 64;

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/uy;
const NON_WORD = /[^\p{L}\p{N}\p{M}]+/u;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CJK_RUNS =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu;
const ASCII_APOSTROPHES = /'/g;

/** Flags of a scanned word, so callers can skip work on plain ASCII. */
export const WORD_NON_ASCII = 1;
export const WORD_APOSTROPHE = 2;
export const WORD_UPPER = 4;

export type WordSink = (word: string, start: number, end: number, flags: number) => void;
/** Receives folded keys (before stopwords and stemming) with the display form. */
export type KeySink = (key: string, surface: string, start: number, end: number) => void;

/** Length in code units of the non-ASCII word character at i, or 0 when it is not one. */
export function nonAsciiWordCharAt(text: string, i: number): number {
  WORD_CHAR.lastIndex = i;
  if (!WORD_CHAR.test(text)) return 0;
  const c = text.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff ? 2 : 1;
}

export function isWordCharAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  return nonAsciiWordCharAt(text, i) > 0;
}

/** Calls `onWord` for every raw word of the text with its offsets. */
export function scanWords(text: string, onWord: WordSink): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isWordCharAt(text, i)) {
      i++;
      continue;
    }
    const start = i;
    let flags = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c < 128) {
        if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) i++;
        else if (c >= 65 && c <= 90) {
          flags |= WORD_UPPER;
          i++;
        } else if (c === 39 && i + 1 < n && isWordCharAt(text, i + 1)) {
          // An apostrophe joins two word parts: "don't", "customer's".
          flags |= WORD_APOSTROPHE;
          i++;
        } else break;
        continue;
      }
      const len = nonAsciiWordCharAt(text, i);
      if (len > 0) {
        flags |= WORD_NON_ASCII;
        i += len;
      } else if ((c === 0x2019 || c === 0x02bc) && i + 1 < n && isWordCharAt(text, i + 1)) {
        flags |= WORD_NON_ASCII | WORD_APOSTROPHE;
        i++;
      } else break;
    }
    onWord(text.slice(start, i), start, i, flags);
  }
}

/**
 * Calls `sink` with the folded key of every word (NFKC, lower case, no accents, no apostrophes),
 * before stopword removal and stemming. Chinese and Japanese runs come out as bigrams.
 */
export function scanKeys(text: string, sink: KeySink): void {
  if (isAscii(text)) {
    scanAsciiKeys(text.toLowerCase(), sink);
    return;
  }
  scanWords(text, (word, start, end, flags) => {
    if ((flags & WORD_NON_ASCII) === 0) {
      let key = (flags & WORD_UPPER) !== 0 ? word.toLowerCase() : word;
      if ((flags & WORD_APOSTROPHE) !== 0) key = key.replace(ASCII_APOSTROPHES, "");
      sink(key, key, start, end);
      return;
    }
    const display = displayFold(word);
    // NFKC can produce separators ("½" -> "1⁄2"): split again.
    const parts = NON_WORD.test(display) ? display.split(NON_WORD).filter((p) => p.length > 0) : [display];
    for (const part of parts) {
      if (!CJK.test(part)) {
        sink(isAscii(part) ? part : stripDiacritics(part), part, start, end);
        continue;
      }
      for (const m of part.matchAll(CJK_RUNS)) {
        const run = m[0];
        if (!CJK.test(run)) {
          sink(stripDiacritics(run), run, start, end);
          continue;
        }
        const chars = Array.from(run);
        if (chars.length === 1) sink(run, run, start, end);
        for (let i = 0; i + 1 < chars.length; i++) {
          const bigram = `${chars[i] ?? ""}${chars[i + 1] ?? ""}`;
          sink(bigram, bigram, start, end);
        }
      }
    }
  });
}

/** The common case, all ASCII and already lower-cased: one tight loop, one slice per word. */
function scanAsciiKeys(lower: string, sink: KeySink): void {
  const n = lower.length;
  let i = 0;
  while (i < n) {
    let c = lower.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57))) {
      i++;
      continue;
    }
    const start = i;
    let apostrophe = false;
    while (++i < n) {
      c = lower.charCodeAt(i);
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) continue;
      if (c === 39 && i + 1 < n) {
        const d = lower.charCodeAt(i + 1);
        if ((d >= 97 && d <= 122) || (d >= 48 && d <= 57)) {
          apostrophe = true;
          continue;
        }
      }
      break;
    }
    const word = lower.slice(start, i);
    const key = apostrophe ? word.replace(ASCII_APOSTROPHES, "") : word;
    sink(key, key, start, i);
  }
}

/**
 * Turns folded words into terms. The memo only saves repeated work (stemming is pure), so
 * results never depend on what was analyzed before.
 */
export class TextAnalyzer {
  private readonly memo = new Map<string, string>();

  constructor(private readonly memoLimit = 50_000) {}

  /** The term of a folded key, or "" when it is dropped (stopword, single letter, too long). */
  termOf(key: string): string {
    const cached = this.memo.get(key);
    if (cached !== undefined) return cached;
    const term = termOfKey(key);
    if (this.memo.size >= this.memoLimit) this.memo.clear();
    this.memo.set(key, term);
    return term;
  }

  scan(text: string, sink: TokenSink, keepStopwords = false): void {
    scanKeys(text, (key, surface, start, end) => {
      const term = this.termOf(key);
      if (term !== "") sink(term, surface, start, end, false);
      else if (keepStopwords && isStopword(key)) sink(key, surface, start, end, true);
    });
  }

  tokenize(text: string, keepStopwords = false): Token[] {
    const out: Token[] = [];
    this.scan(
      text,
      (term, surface, start, end, stopword) => {
        out.push({ term, surface, start, end, stopword });
      },
      keepStopwords,
    );
    return out;
  }

  terms(text: string): string[] {
    const out: string[] = [];
    this.scan(text, (term) => {
      out.push(term);
    });
    return out;
  }
}

/** The term of a folded key: "" for stopwords, single Latin letters and over-long tokens. */
export function termOfKey(key: string): string {
  if (key.length === 0 || key.length > MAX_TERM_LENGTH) return "";
  if (key.length === 1) {
    const c = key.charCodeAt(0);
    if (c >= 97 && c <= 122) return "";
  }
  if (isStopword(key)) return "";
  return stem(key);
}

/** Tokens of a text (stopwords dropped unless asked for). */
export function tokenize(text: string, options: { keepStopwords?: boolean } = {}): Token[] {
  return new TextAnalyzer(0).tokenize(text, options.keepStopwords ?? false);
}

/** Terms of a text, in order, with repeats. */
export function terms(text: string): string[] {
  return new TextAnalyzer(0).terms(text);
}

/** The first surface form seen for each term: what evidence shows instead of the stem. */
export function surfaceForms(tokens: Iterable<Pick<Token, "term" | "surface">>): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of tokens) if (!out.has(t.term)) out.set(t.term, t.surface);
  return out;
}
