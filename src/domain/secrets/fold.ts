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
    private readonly starts: readonly number[],
    private readonly ends: readonly number[],
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

/** Folds `text` for matching; offsets in the result map back to `text`. Linear in its length. */
export function foldText(text: string, options: FoldOptions): FoldedText {
  if (SIMPLE_ASCII.test(text) && (!options.collapseWhitespace || !DOUBLE_SPACE.test(text))) {
    return new IdentityFold(options.caseFold ? text.toLowerCase() : text);
  }
  const cache = new Map<string, string>();
  const parts: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let pendingSpace: { start: number; end: number; newline: boolean } | null = null;

  const flushSpace = () => {
    if (pendingSpace === null) return;
    parts.push(pendingSpace.newline ? "\n" : " ");
    starts.push(pendingSpace.start);
    ends.push(pendingSpace.end);
    pendingSpace = null;
  };

  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    // Fast path for ASCII, the bulk of every ticket: no regex, no string per character.
    if (code < 0x80) {
      if (code === 32 || (code >= 9 && code <= 13)) {
        if (options.collapseWhitespace) {
          const newline = code === 10 || code === 13;
          if (pendingSpace === null) pendingSpace = { start: i, end: i + 1, newline };
          else {
            pendingSpace.end = i + 1;
            pendingSpace.newline ||= newline;
          }
          i += 1;
          continue;
        }
      }
      // A run of non-space ASCII goes in as one slice.
      flushSpace();
      const from = i;
      do {
        starts.push(i);
        ends.push(i + 1);
        i += 1;
        const next = i < text.length ? text.charCodeAt(i) : 0x80;
        if (next >= 0x80 || next === 32 || (next >= 9 && next <= 13)) break;
      } while (i < text.length);
      const run = text.slice(from, i);
      parts.push(options.caseFold ? run.toLowerCase() : run);
      continue;
    }
    const cp = text.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    const ch = width === 2 ? text.slice(i, i + 2) : (text[i] ?? "");
    if (options.collapseWhitespace && SPACE.test(ch)) {
      const newline = ch === "\n" || ch === "\r" || ch === "\u2028" || ch === "\u2029";
      if (pendingSpace === null) pendingSpace = { start: i, end: i + width, newline };
      else {
        pendingSpace.end = i + width;
        pendingSpace.newline ||= newline;
      }
      i += width;
      continue;
    }
    const folded = foldCodePoint(ch, options, cache);
    if (folded.length > 0) {
      flushSpace();
      for (let k = 0; k < folded.length; k++) {
        starts.push(i);
        ends.push(i + width);
      }
      parts.push(folded);
    } else if (pendingSpace !== null) {
      // An invisible character inside a run of spaces stays part of that run.
      pendingSpace.end = i + width;
    }
    i += width;
  }
  flushSpace();
  return new MappedFold(parts.join(""), starts, ends, text.length);
}
