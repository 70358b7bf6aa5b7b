import {
  WORD_APOSTROPHE,
  WORD_NON_ASCII,
  WORD_UPPER,
  isWordCharAt,
  nonAsciiWordCharAt,
  scanKeys,
  scanWords,
  type KeySink,
} from "./tokenize.js";

/**
 * Ticket text names things as well as describing them: class and method names (`readVectored`,
 * `S3AInputStream`), artifact and product names (`jackson-databind`, `sign-in`), identifiers
 * (`CVE-2022-42889`, `INV-2048`, `TRIAGE_DATA_ROOT`) and versions (`4.1.45`, `v2.0`, an IP
 * address). `scanTicketKeys` reports every word exactly as `scanKeys` does, at full weight, and
 * adds:
 *
 * - the parts of a camelCase word at half weight ("readVectored" -> "read", "vectored"): the
 *   whole word still matches exactly, its parts match the same words written apart, and an
 *   identifier of five humps does not outweigh the sentence around it;
 * - a compound of words joined by single hyphens or underscores (dots may join parts too) that
 *   starts with a letter, whole ("jackson-databind", "cve-2022-42889", "log4j-core"), beside its
 *   parts: two tickets naming the same artifact or the same advisory share a rare term;
 * - a dotted number of two or more parts, whole ("4.1.45" in "4.1.45.Final", "2.0" in "v2.0"),
 *   except the seconds of a time ("08:12:34.567"); after a name it stays ("hadoop:3.4.0").
 *
 * Dotted names (`org.apache.hadoop.fs`, `core.xml`) are not kept whole: package paths are too
 * specific to recur between two tickets, and their parts carry the meaning (measured: keeping
 * them lowered duplicate recall). Compounds that start with a digit (dates, phone numbers,
 * ranges) are not kept whole either.
 *
 * Speed: an index reads every word of every ticket, so plain ASCII words are handed over as a
 * range of the lower-cased text with its hash, computed in the same pass that finds the word; a
 * consumer that already knows the word looks it up without cutting a string out of the text.
 */

/** Receives the keys of ticket text with their weights in half-occurrences. */
export interface TicketKeySink {
  /** The key `lower.slice(start, end)` (`lower`: the text lower-cased), with `keyHash` of it. */
  range(lower: string, start: number, end: number, hash: number, units: number): void;
  /** A key that is no slice of the lower-cased text (folded, or apostrophes removed). */
  key(key: string, surface: string, units: number): void;
}

/** Weight of a word (or a whole compound) in half-occurrences... */
export const WORD_UNITS = 2;
/** ...and of one part of a camelCase word. */
export const PART_UNITS = 1;

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** FNV-1a (32 bits, signed) of `text.slice(start, end)`: the hash `TicketKeySink.range` receives. */
export function keyHash(text: string, start = 0, end = text.length): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

/** The keys of a text as strings, in order, with their display forms and weights. */
export function ticketKeys(text: string): { key: string; surface: string; units: number }[] {
  const out: { key: string; surface: string; units: number }[] = [];
  scanTicketKeys(text, {
    range: (lower, start, end, _hash, units) => {
      const key = lower.slice(start, end);
      out.push({ key, surface: key, units });
    },
    key: (key, surface, units) => {
      out.push({ key, surface, units });
    },
  });
  return out;
}

const INNER_UPPER = /.[A-Z]/;
const DIGITS = /^[0-9]+$/;
const APOSTROPHES = /'/g;
const HYPHEN = 45;
const DOT = 46;
const COLON = 58;
const UNDERSCORE = 95;

/** Reports the keys of ticket text with their weights (see the file comment). */
export function scanTicketKeys(text: string, sink: TicketKeySink): void {
  const lower = text.toLowerCase();
  // Lower-casing keeps every offset unless a letter grows ("İ" -> "i̇"): then word by word.
  if (lower.length === text.length) scanAligned(text, lower, sink);
  else scanByWord(text, sink);
}

/**
 * The common case, in one loop: words as `scanWords` finds them (letters, digits and marks, with
 * inner apostrophes), each ASCII word found and hashed in the same pass and handed over as a range
 * of `lower`; a word with a non-ASCII letter is folded as `scanKeys` folds it. Only words joined
 * to a neighbour by a connector reach the compound tracker, so prose pays one comparison per
 * word for compounds.
 */
function scanAligned(text: string, lower: string, sink: TicketKeySink): void {
  const n = text.length;
  let compounds: CompoundTracker | null = null;
  let joinsNext = false; // the previous word is followed by a connector and another word
  let folded: KeySink | null = null;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (!isAsciiWordChar(c) && (c < 128 || nonAsciiWordCharAt(text, i) === 0)) {
      i++;
      continue;
    }
    const start = i;
    let hash = FNV_OFFSET;
    let innerUpper = false;
    let apostrophe = false;
    let nonAscii = false;
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) hash = Math.imul(hash ^ c, FNV_PRIME);
      else if (c >= 65 && c <= 90) {
        hash = Math.imul(hash ^ (c | 32), FNV_PRIME);
        innerUpper ||= i > start;
      } else if (c === 39 && i + 1 < n && isWordCharAt(text, i + 1)) apostrophe = true;
      else if (c < 128) break;
      else {
        const length = nonAsciiWordCharAt(text, i);
        if (length > 0) i += length - 1;
        else if (!((c === 0x2019 || c === 0x02bc) && i + 1 < n && isWordCharAt(text, i + 1))) break;
        nonAscii = true;
      }
    }
    if (nonAscii) {
      // Folding (NFKC, accents, CJK bigrams) exactly as scanKeys does; no compound spans it.
      compounds?.flush();
      joinsNext = false;
      folded ??= (key, surface) => {
        sink.key(key, surface, WORD_UNITS);
      };
      scanKeys(text.slice(start, i), folded);
      continue;
    }
    if (apostrophe) {
      const key = lower.slice(start, i).replace(APOSTROPHES, "");
      sink.key(key, key, WORD_UNITS);
    } else {
      sink.range(lower, start, i, hash, WORD_UNITS);
      if (innerUpper && hasLower(text, start, i)) camelParts(text, lower, start, i, sink);
    }
    // The previous word joined this one, or this one joins the next: part of a compound.
    const joinedPrevious = joinsNext;
    joinsNext = i + 1 < n && isConnector(c) && isAsciiWordChar(text.charCodeAt(i + 1));
    if (joinedPrevious || joinsNext) {
      compounds ??= new CompoundTracker(text, lower, sink);
      compounds.word(start, i, isDigits(text, start, i));
    }
  }
  compounds?.flush();
}

/** The rare text whose lower-cased form has other offsets: word by word, each key cut out. */
function scanByWord(text: string, sink: TicketKeySink): void {
  const compounds = new CompoundTracker(text, null, sink);
  const folded: KeySink = (key, surface) => {
    sink.key(key, surface, WORD_UNITS);
  };
  scanWords(text, (word, start, end, flags) => {
    if ((flags & WORD_NON_ASCII) !== 0) {
      compounds.flush();
      scanKeys(word, folded);
      return;
    }
    let key = (flags & WORD_UPPER) !== 0 ? word.toLowerCase() : word;
    if ((flags & WORD_APOSTROPHE) !== 0) key = key.replace(APOSTROPHES, "");
    sink.key(key, key, WORD_UNITS);
    if ((flags & WORD_APOSTROPHE) === 0 && INNER_UPPER.test(word) && word !== word.toUpperCase()) {
      camelParts(word, word.toLowerCase(), 0, word.length, sink);
    }
    const joinsNext = isConnector(text.charCodeAt(end)) && isAsciiWordChar(text.charCodeAt(end + 1));
    const joinsPrevious =
      start >= 2 && isConnector(text.charCodeAt(start - 1)) && isAsciiWordChar(text.charCodeAt(start - 2));
    if (joinsNext || joinsPrevious) compounds.word(start, end, DIGITS.test(word));
  });
  compounds.flush();
}

/**
 * The parts of the camelCase word at [start, end) of `raw` (`lower`: the same, lower-cased):
 * "readVectored" -> read, vectored; "HTTPServer" -> http, server; "S3AInput" -> s3, a, input.
 */
function camelParts(raw: string, lower: string, start: number, end: number, sink: TicketKeySink): void {
  let from = start;
  for (let i = start + 1; i < end; i++) {
    const c = raw.charCodeAt(i);
    const p = raw.charCodeAt(i - 1);
    let at = -1;
    if (isUpper(c)) {
      if (!isUpper(p)) at = i; // "readV", "s3A"
    } else if (isLower(c) && isUpper(p) && i - 1 > from && isUpper(raw.charCodeAt(i - 2))) {
      at = i - 1; // "HTTPServer": the last capital starts the next part
    }
    if (at < 0) continue;
    sink.range(lower, from, at, keyHash(lower, from, at), PART_UNITS);
    from = at;
  }
  if (from > start) sink.range(lower, from, end, keyHash(lower, from, end), PART_UNITS);
}

/**
 * Follows a run of ASCII words joined by single connectors ("-", "_", "."), given the words of
 * the run in order, and reports the whole compound and the dotted numbers once they end.
 */
class CompoundTracker {
  private runStart = 0;
  private runEnd = -1;
  private runWords = 0;
  private runJoined = false; // a hyphen or an underscore joins two of its words
  private numberStart = 0;
  private numberEnd = 0;
  private numberParts = 0;

  /** `lower`: the text lower-cased with the same offsets, or null (then each key is cut out). */
  constructor(
    private readonly text: string,
    private readonly lower: string | null,
    private readonly sink: TicketKeySink,
  ) {}

  /** A word at [start, end) of the text joined to a neighbour; `digits` when it is only digits. */
  word(start: number, end: number, digits: boolean): void {
    const connector = start === this.runEnd + 1 ? this.text.charCodeAt(this.runEnd) : 0;
    if (this.runEnd >= 0 && isConnector(connector)) {
      this.runEnd = end;
      this.runWords++;
      if (connector !== DOT) this.runJoined = true;
    } else {
      this.flush();
      this.runStart = start;
      this.runEnd = end;
      this.runWords = 1;
    }
    this.number(start, end, digits, connector === DOT);
  }

  /** Ends the current run: reports the compound and the dotted number it held. */
  flush(): void {
    this.flushNumber();
    if (this.runWords >= 2 && this.runJoined && isLetter(this.text.charCodeAt(this.runStart))) {
      this.emit(this.runStart, this.runEnd);
    }
    this.runEnd = -1;
    this.runWords = 0;
    this.runJoined = false;
  }

  private emit(start: number, end: number): void {
    const lower = this.lower;
    if (lower !== null && !hasApostrophe(lower, start, end)) {
      this.sink.range(lower, start, end, keyHash(lower, start, end), WORD_UNITS);
      return;
    }
    const key = this.text.slice(start, end).toLowerCase().replace(APOSTROPHES, "");
    this.sink.key(key, key, WORD_UNITS);
  }

  /** Dotted numbers: digit-only words joined by dots; "v" may lead the first one. */
  private number(start: number, end: number, digits: boolean, afterDot: boolean): void {
    if (digits && afterDot && this.numberParts !== 0) {
      this.numberEnd = end;
      this.numberParts++;
      return;
    }
    this.flushNumber();
    const text = this.text;
    if (digits) {
      // After "<digit>:", the seconds of a time: never reported (a negative count stays below 2).
      const time = start > 1 && text.charCodeAt(start - 1) === COLON && isDigit(text.charCodeAt(start - 2));
      this.startNumber(start, end, time);
    } else if ((text.charCodeAt(start) | 32) === 118 && isDigits(text, start + 1, end)) {
      this.startNumber(start + 1, end, false); // "v2.0", "V4.1.2"
    }
  }

  private startNumber(start: number, end: number, time: boolean): void {
    this.numberStart = start;
    this.numberEnd = end;
    this.numberParts = time ? -1 : 1;
  }

  private flushNumber(): void {
    if (this.numberParts >= 2) this.emit(this.numberStart, this.numberEnd);
    this.numberParts = 0;
  }
}

function isConnector(c: number): boolean {
  return c === HYPHEN || c === DOT || c === UNDERSCORE;
}

/** An ASCII letter or digit (a non-ASCII neighbour never joins a compound). */
function isAsciiWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57);
}

function hasApostrophe(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 39) return true;
  return false;
}

function hasLower(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (isLower(text.charCodeAt(i))) return true;
  return false;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return isLower(c) || isUpper(c);
}

function isDigits(text: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}
