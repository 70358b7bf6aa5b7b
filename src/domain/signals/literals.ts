// What a pattern cannot match without: a set of literal strings, at least one of which every match
// contains. Most rules find nothing in most tickets, and a regex scan costs the same whether it
// finds something or not; a text that holds none of a pattern's literals is not scanned at all
// (see `TextGrams`). Only sound shortcuts are taken: a construct this reader does not know (a
// back-reference, a flag other than g, m or s) gives "no literal known", and the pattern always
// runs.

/** Exact string sets larger than this are given up. */
const LIMIT = 64;
/** A clause of more literals than this is given up. */
const CLAUSE_LIMIT = 256;
/** At most this many clauses are kept per pattern (the most selective ones). */
const MAX_CLAUSES = 6;

/**
 * A requirement on the text: every clause must be met, and a clause is met when the text holds
 * one of its literals (non-empty strings).
 */
export type Clauses = readonly (readonly string[])[];

/** What is known about a piece of a pattern. */
interface Info {
  /** Every string the piece can match, when they are few; null otherwise. */
  readonly exact: readonly string[] | null;
  /** What every match of the piece contains. */
  readonly clauses: Clauses;
}

const ANY: Info = { exact: null, clauses: [] };
const EMPTY: Info = { exact: [""], clauses: [] };

function literal(s: string): Info {
  return { exact: [s], clauses: [[s]] };
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** Every concatenation a + b, or null when there would be too many. */
function product(a: readonly string[], b: readonly string[]): string[] | null {
  if (a.length * b.length > LIMIT) return null;
  const out: string[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return unique(out);
}

/** How selective a clause is likely to be: longer literals first (up to 5), then fewer of them. */
function score(clause: readonly string[]): number {
  const shortest = Math.min(...clause.map((x) => x.length));
  return Math.min(shortest, 5) * 1000 - Math.min(clause.length, 999);
}

function best(clauses: Clauses): Clauses {
  const distinct = new Map(clauses.map((c) => [[...c].sort().join("\u0000"), c]));
  return [...distinct.values()].sort((a, b) => score(b) - score(a)).slice(0, MAX_CLAUSES);
}

/** A clause from exact strings: only when none is empty. */
function clauseOf(exact: readonly string[] | null): Clauses {
  return exact !== null && exact.length > 0 && exact.every((s) => s.length > 0) ? [exact] : [];
}

function sequence(items: readonly Info[]): Info {
  let exact: string[] | null = [""];
  const clauses: (readonly string[])[] = [];
  let run: readonly string[] = [""]; // the exact strings of the current run of exact pieces
  for (const item of items) {
    if (item.exact === null) {
      clauses.push(...item.clauses, ...clauseOf(run));
      run = [""];
      exact = null;
      continue;
    }
    const longer = product(run, item.exact);
    if (longer === null) {
      // Too many strings: keep what the run has so far and start a new run here.
      clauses.push(...clauseOf(run), ...item.clauses);
      run = item.exact;
    } else {
      run = longer;
    }
    exact = exact === null ? null : product(exact, item.exact);
  }
  clauses.push(...clauseOf(run));
  return { exact, clauses: best(clauses) };
}

function alternation(items: readonly Info[]): Info {
  const all = items.flatMap((i) => i.exact ?? []);
  const exact = items.every((i) => i.exact !== null) && all.length <= LIMIT ? unique(all) : null;
  // Each alternative's most selective clause; the pattern needs one of them.
  const parts = items.map((i) => best([...i.clauses, ...clauseOf(i.exact)])[0]);
  const union = parts.every((p) => p !== undefined) ? unique(parts.flatMap((p) => p ?? [])) : [];
  const clauses = union.length > 0 && union.length <= CLAUSE_LIMIT ? [union] : [];
  return { exact, clauses: best([...clauses, ...clauseOf(exact)]) };
}

function repeat(item: Info, min: number, max: number): Info {
  let exact: string[] | null = null;
  if (item.exact !== null && max <= 3) {
    exact = [];
    let power: string[] | null = [""];
    for (let k = 0; k <= max && power !== null; k++) {
      if (k >= min) exact.push(...power);
      power = k < max ? product(power, item.exact) : power;
    }
    exact = power === null || exact.length > LIMIT ? null : unique(exact);
  }
  return { exact, clauses: min >= 1 ? best([...item.clauses, ...clauseOf(item.exact)]) : [] };
}

class Unsupported extends Error {}

/** A reader for the subset of JavaScript regex syntax the rules use. */
class Reader {
  private i = 0;

  constructor(private readonly src: string) {}

  parse(): Info {
    const info = this.alternation();
    if (this.i !== this.src.length) throw new Unsupported(`unexpected ")" at ${this.i}`);
    return info;
  }

  private peek(): string {
    return this.src[this.i] ?? "";
  }

  private alternation(): Info {
    const alternatives = [this.sequence()];
    while (this.peek() === "|") {
      this.i++;
      alternatives.push(this.sequence());
    }
    return alternatives.length === 1 ? (alternatives[0] ?? ANY) : alternation(alternatives);
  }

  private sequence(): Info {
    const items: Info[] = [];
    while (this.i < this.src.length && this.peek() !== "|" && this.peek() !== ")") {
      items.push(this.quantified(this.atom()));
    }
    return sequence(items);
  }

  private quantified(item: Info): Info {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === "*" || c === "+" || c === "?") {
      this.i++;
      [min, max] = c === "*" ? [0, Infinity] : c === "+" ? [1, Infinity] : [0, 1];
    } else if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.i));
      if (m === null) return item; // a literal "{" (no quantifier follows)
      this.i += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
    } else {
      return item;
    }
    if (this.peek() === "?") this.i++; // lazy: the same strings
    return repeat(item, min, max);
  }

  private atom(): Info {
    const c = this.peek();
    this.i++;
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return this.characterClass();
      case "\\":
        return this.escape();
      case ".":
        return ANY;
      case "^":
      case "$":
        return EMPTY;
      case "*":
      case "+":
      case "?":
        throw new Unsupported("quantifier without an atom");
      default:
        return literal(c);
    }
  }

  private group(): Info {
    let assertion = false;
    if (this.src.startsWith("?:", this.i)) this.i += 2;
    else if (this.src.startsWith("?=", this.i) || this.src.startsWith("?!", this.i)) {
      this.i += 2;
      assertion = true;
    } else if (this.src.startsWith("?<=", this.i) || this.src.startsWith("?<!", this.i)) {
      this.i += 3;
      assertion = true;
    } else if (this.src.startsWith("?<", this.i)) {
      const close = this.src.indexOf(">", this.i);
      if (close < 0) throw new Unsupported("unterminated group name");
      this.i = close + 1;
    } else if (this.peek() === "?") {
      throw new Unsupported("unknown group");
    }
    const inner = this.alternation();
    if (this.peek() !== ")") throw new Unsupported("unterminated group");
    this.i++;
    // A lookaround matches no characters, whatever it looks at.
    return assertion ? EMPTY : inner;
  }

  private escape(): Info {
    const c = this.peek();
    this.i++;
    if (c === "b" || c === "B") return EMPTY;
    if ("dDwWsS".includes(c)) return ANY;
    if (c === "p" || c === "P") throw new Unsupported("property escape");
    if (c === "k" || (c >= "1" && c <= "9")) throw new Unsupported("back-reference");
    const char = this.escapedChar(c);
    return literal(char);
  }

  /** The character an escape stands for (the backslash and `c` are consumed). */
  private escapedChar(c: string): string {
    const control: Record<string, string> = { n: "\n", r: "\r", t: "\t", f: "\f", v: "\v", "0": "\0" };
    if (c in control) return control[c] ?? "";
    if (c === "u" || c === "x") {
      const m = (c === "u" ? /^[0-9a-fA-F]{4}/ : /^[0-9a-fA-F]{2}/).exec(this.src.slice(this.i));
      if (m === null) throw new Unsupported(`\\${c} escape`);
      this.i += m[0].length;
      return String.fromCharCode(parseInt(m[0], 16));
    }
    if (c === "c") throw new Unsupported("control escape");
    return c; // an identity escape: "\.", "\/", "\("
  }

  /** A character class: a few plain characters are literals, anything else matches "something". */
  private characterClass(): Info {
    const negated = this.peek() === "^";
    if (negated) this.i++;
    const chars: string[] = [];
    let plain = !negated;
    while (this.i < this.src.length && this.peek() !== "]") {
      let c = this.peek();
      this.i++;
      if (c === "\\") {
        const e = this.peek();
        this.i++;
        if ("dDwWsSbB".includes(e) || e === "p" || e === "P") {
          if (e === "p" || e === "P") throw new Unsupported("property escape");
          plain = false;
          continue;
        }
        c = this.escapedChar(e);
      }
      if (this.peek() === "-" && this.src[this.i + 1] !== "]" && this.i + 1 < this.src.length) {
        // A range: skip its upper end (an escape counts as one character).
        this.i++;
        if (this.peek() === "\\") this.i++;
        this.i++;
        plain = false;
        continue;
      }
      chars.push(c);
    }
    if (this.peek() !== "]") throw new Unsupported("unterminated class");
    this.i++;
    if (!plain || chars.length === 0 || chars.length > 4) return ANY;
    const set = unique(chars);
    return { exact: set, clauses: [set] };
  }
}

/**
 * Literal sets, each holding one literal that every match of `pattern` contains; empty when
 * nothing is known. Flags other than g, m and s are not read (an "i" pattern would need its
 * literals in every case).
 */
export function requiredLiterals(pattern: RegExp): Clauses {
  if (/[^gms]/.test(pattern.flags)) return [];
  try {
    const info = new Reader(pattern.source).parse();
    return best([...info.clauses, ...clauseOf(info.exact)]);
  } catch (error) {
    if (error instanceof Unsupported) return [];
    throw error;
  }
}

const GRAM_BITS = 16;
const GRAM_MASK = (1 << GRAM_BITS) - 1;

function gram(a: number, b: number, c: number): number {
  return (a * 17161 + b * 131 + c) & GRAM_MASK;
}

/**
 * Which character pairs and triples a text holds, hashed into two bitmaps: a literal whose pairs
 * or triples are not all there is not in the text, without searching for it (a set bit may be a
 * collision, so a "maybe" is confirmed by a search).
 */
export class TextGrams {
  private readonly pairs = new Uint32Array(1 << (GRAM_BITS - 5));
  private readonly triples = new Uint32Array(1 << (GRAM_BITS - 5));

  constructor(private readonly text: string) {
    let a = -1;
    let b = -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (b >= 0) {
        const p = gram(0, b, c);
        this.pairs[p >>> 5] = (this.pairs[p >>> 5] ?? 0) | (1 << (p & 31));
      }
      if (a >= 0) {
        const t = gram(a, b, c);
        this.triples[t >>> 5] = (this.triples[t >>> 5] ?? 0) | (1 << (t & 31));
      }
      a = b;
      b = c;
    }
  }

  /** Whether the text holds `literal`: the bitmaps answer most "no"s, a search the rest. */
  contains(literal: string): boolean {
    const n = literal.length;
    if (n === 2) {
      const p = gram(0, literal.charCodeAt(0), literal.charCodeAt(1));
      if (((this.pairs[p >>> 5] ?? 0) & (1 << (p & 31))) === 0) return false;
    }
    for (let i = 2; i < n; i++) {
      const t = gram(literal.charCodeAt(i - 2), literal.charCodeAt(i - 1), literal.charCodeAt(i));
      if (((this.triples[t >>> 5] ?? 0) & (1 << (t & 31))) === 0) return false;
    }
    return this.text.includes(literal);
  }

  /** False when the text certainly holds no match: some clause has none of its literals here. */
  allows(clauses: Clauses): boolean {
    return clauses.every((clause) => clause.some((l) => this.contains(l)));
  }
}
