// Folding for pattern matching with a map back to the original text. Detectors match on the
// folded form (so "ig\u200Bnore", "ＩＧＮＯＲＥ" and "ignore" look alike) but report offsets in
// the text the user wrote, so a reviewer is shown exactly what is there.

export interface FoldOptions {
  /** Lower-case and strip accents (case-insensitive phrase rules). Secret rules keep case. */
  readonly caseFold: boolean;
  /** Map Cyrillic and Greek letters that look like Latin ones ("іgnоre") to Latin. */
  readonly confusables: boolean;
  /** Runs of spaces become one space; runs containing a line break become one "\n". */
  readonly collapseWhitespace: boolean;
}

export interface FoldedText {
  /** The folded text that patterns run over. */
  readonly text: string;
  /** Original offset of the first code unit behind folded index i. */
  originalStart(i: number): number;
  /** Original offset just after the code unit(s) behind the folded range ending at `end` (exclusive). */
  originalEnd(end: number): number;
}

/** Invisible format characters: zero-width space/joiners, bidi marks and overrides, BOM, soft hyphen. */
export function isInvisibleFormat(cp: number): boolean {
  return (
    cp === 0x00ad ||
    cp === 0x034f ||
    cp === 0x061c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    cp === 0x180e ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2064) ||
    (cp >= 0x2066 && cp <= 0x206f) ||
    cp === 0x3164 ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0xe0000 && cp <= 0xe007f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

/** Unicode tag characters U+E0020..U+E007E mirror printable ASCII and render as nothing. */
export function isTagCharacter(cp: number): boolean {
  return cp >= 0xe0020 && cp <= 0xe007e;
}

const PUNCTUATION: Readonly<Record<number, string>> = {
  0x2018: "'",
  0x2019: "'",
  0x201a: "'",
  0x201b: "'",
  0x2032: "'",
  0x02bc: "'",
  0x201c: '"',
  0x201d: '"',
  0x201e: '"',
  0x201f: '"',
  0x2033: '"',
  0x00ab: '"',
  0x00bb: '"',
  0x2010: "-",
  0x2011: "-",
  0x2012: "-",
  0x2013: "-",
  0x2014: "-",
  0x2015: "-",
  0x2212: "-",
  0xfe58: "-",
  0x2026: "...",
};

// Lower-case Cyrillic and Greek letters that render like Latin ones in common fonts.
const CONFUSABLES: Readonly<Record<number, string>> = {
  0x0430: "a",
  0x0435: "e",
  0x043e: "o",
  0x0440: "p",
  0x0441: "c",
  0x0443: "y",
  0x0445: "x",
  0x0456: "i",
  0x0458: "j",
  0x0455: "s",
  0x0501: "d",
  0x051b: "q",
  0x051d: "w",
  0x04bb: "h",
  0x0261: "g",
  0x03bf: "o",
  0x03b1: "a",
  0x03b5: "e",
  0x03b9: "i",
  0x03ba: "k",
  0x03bd: "v",
  0x03c1: "p",
  0x03c4: "t",
  0x03c5: "u",
  0x03c7: "x",
  0x0131: "i",
};

const MARK = /\p{M}/u;
const SPACE = /\s/;

function foldCodePoint(ch: string, options: FoldOptions, cache: Map<string, string>): string {
  const cached = cache.get(ch);
  if (cached !== undefined) return cached;
  const cp = ch.codePointAt(0) ?? 0;
  let out: string;
  if (isTagCharacter(cp)) {
    // Security: tag characters smuggle invisible ASCII; matching sees what they spell.
    out = String.fromCharCode(cp - 0xe0000);
    if (options.caseFold) out = out.toLowerCase();
  } else if (isInvisibleFormat(cp)) {
    out = "";
  } else if (PUNCTUATION[cp] !== undefined) {
    out = PUNCTUATION[cp];
  } else {
    let s = ch.normalize("NFKD");
    if (options.caseFold) s = s.toLowerCase().normalize("NFKD");
    let kept = "";
    for (const c of s) {
      if (options.caseFold && MARK.test(c)) continue;
      const mapped = options.confusables ? CONFUSABLES[c.codePointAt(0) ?? 0] : undefined;
      kept += mapped ?? PUNCTUATION[c.codePointAt(0) ?? 0] ?? c;
    }
    out = kept;
  }
  cache.set(ch, out);
  return out;
}

class MappedFold implements FoldedText {
  constructor(
    readonly text: string,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
    private readonly originalLength: number,
  ) {}

  originalStart(i: number): number {
    if (i >= this.starts.length) return this.originalLength;
    return this.starts[Math.max(0, i)] ?? 0;
  }

  originalEnd(end: number): number {
    if (end <= 0) return this.starts[0] ?? 0;
    return this.ends[Math.min(end, this.ends.length) - 1] ?? this.originalLength;
  }
}

/** Original offsets per folded code unit, in typed arrays that grow as the folded text does. */
class OffsetMap {
  starts: Int32Array;
  ends: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  push(start: number, end: number): void {
    if (this.length === this.starts.length) {
      const starts = new Int32Array(this.length * 2 + 16);
      const ends = new Int32Array(this.length * 2 + 16);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length++;
  }
}

class IdentityFold implements FoldedText {
  constructor(readonly text: string) {}
  originalStart(i: number): number {
    return Math.min(Math.max(0, i), this.text.length);
  }
  originalEnd(end: number): number {
    return Math.min(Math.max(0, end), this.text.length);
  }
}

// Plain printable ASCII plus tab and line feed: nothing to strip, map or collapse except case.
const SIMPLE_ASCII = /^[\x20-\x7e\t\n]*$/;
const DOUBLE_SPACE = /[ \t]{2}|\t|\n[ \t\n]|[ \t]\n/;

/**
 * Plain ASCII whose whitespace runs collapse: the folded text is cut straight from the
 * lower-cased text, and the offset map (needed only to report a match) is built by the general
 * fold the first time it is asked for, so both always agree.
 */
class CollapsedAsciiFold implements FoldedText {
  private mapped: FoldedText | null = null;

  constructor(
    readonly text: string,
    private readonly original: string,
    private readonly options: FoldOptions,
  ) {}

  originalStart(i: number): number {
    return this.map().originalStart(i);
  }

  originalEnd(end: number): number {
    return this.map().originalEnd(end);
  }

  private map(): FoldedText {
    this.mapped ??= mappedFold(this.original, this.options);
    return this.mapped;
  }
}

/** Plain ASCII text (SIMPLE_ASCII) with each run of spaces, tabs and line feeds collapsed. */
function collapseAscii(text: string, lower: string): string {
  const parts: string[] = [];
  let from = 0;
  let i = 0;
  while (i < text.length) {
    let c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10) {
      i++;
      continue;
    }
    const start = i;
    let newline = false;
    while (i < text.length && (c === 32 || c === 9 || c === 10)) {
      newline ||= c === 10;
      c = text.charCodeAt(++i);
    }
    // A lone space or line feed stays as it is; anything else becomes one space or line feed.
    const first = text.charCodeAt(start);
    if (i - start === 1 && first !== 9) continue;
    parts.push(lower.slice(from, start), newline ? "\n" : " ");
    from = i;
  }
  parts.push(lower.slice(from));
  return parts.join("");
}

/** Folds `text` for matching; offsets in the result map back to `text`. Linear in its length. */
export function foldText(text: string, options: FoldOptions): FoldedText {
  if (SIMPLE_ASCII.test(text)) {
    const lower = options.caseFold ? text.toLowerCase() : text;
    if (!options.collapseWhitespace || !DOUBLE_SPACE.test(text)) return new IdentityFold(lower);
    return new CollapsedAsciiFold(collapseAscii(text, lower), text, options);
  }
  return mappedFold(text, options);
}

/** The general fold: every code unit mapped, whitespace collapsed, offsets recorded as it goes. */
function mappedFold(text: string, options: FoldOptions): MappedFold {
  const cache = new Map<string, string>();
  const parts: string[] = [];
  const offsets = new OffsetMap(text.length + 16);
  // Lower-cased once; ASCII runs are cut from it when the offsets still line up.
  const lower = options.caseFold ? text.toLowerCase() : text;
  const aligned = lower.length === text.length;
  // A run of whitespace not yet written: [spaceStart, spaceEnd), with a line break or not.
  let spaceStart = -1;
  let spaceEnd = -1;
  let spaceNewline = false;

  const flushSpace = () => {
    if (spaceStart < 0) return;
    parts.push(spaceNewline ? "\n" : " ");
    offsets.push(spaceStart, spaceEnd);
    spaceStart = -1;
  };
  const addSpace = (start: number, end: number, newline: boolean) => {
    if (spaceStart < 0) {
      spaceStart = start;
      spaceNewline = newline;
    } else {
      spaceNewline ||= newline;
    }
    spaceEnd = end;
  };

  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    // Fast path for ASCII, the bulk of every ticket: no regex, no string per character.
    if (code < 0x80) {
      if (code === 32 || (code >= 9 && code <= 13)) {
        if (options.collapseWhitespace) {
          addSpace(i, i + 1, code === 10 || code === 13);
          i += 1;
          continue;
        }
      }
      // A run of non-space ASCII goes in as one slice.
      flushSpace();
      const from = i;
      do {
        offsets.push(i, i + 1);
        i += 1;
        const next = i < text.length ? text.charCodeAt(i) : 0x80;
        if (next >= 0x80 || next === 32 || (next >= 9 && next <= 13)) break;
      } while (i < text.length);
      if (aligned) parts.push(lower.slice(from, i));
      else parts.push(options.caseFold ? text.slice(from, i).toLowerCase() : text.slice(from, i));
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    const ch = width === 2 ? text.slice(i, i + 2) : (text[i] ?? "");
    if (options.collapseWhitespace && SPACE.test(ch)) {
      addSpace(i, i + width, ch === "\n" || ch === "\r" || ch === "\u2028" || ch === "\u2029");
      i += width;
      continue;
    }
    const folded = foldCodePoint(ch, options, cache);
    if (folded.length > 0) {
      flushSpace();
      for (let k = 0; k < folded.length; k++) offsets.push(i, i + width);
      parts.push(folded);
    } else if (spaceStart >= 0) {
      // An invisible character inside a run of spaces stays part of that run.
      spaceEnd = i + width;
    }
    i += width;
  }
  flushSpace();
  const length = offsets.length;
  return new MappedFold(
    parts.join(""),
    offsets.starts.subarray(0, length),
    offsets.ends.subarray(0, length),
    text.length,
  );
}
