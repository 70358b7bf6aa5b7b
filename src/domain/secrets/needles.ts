// Literal needles: the cheap test that decides which detectors run on a text at all.

/** The literal characters a pattern source starts with: "hf_" of "hf_[A-Za-z]{34}", "dp." of "dp\\.pt". */
export function literalPrefix(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? "";
    const escaped = c === "\\" && /[.$/~-]/.test(source[i + 1] ?? "");
    if (!escaped && "\\[](){}*+?|^$.".includes(c)) break;
    const next = source[i + (escaped ? 2 : 1)] ?? "";
    // A quantifier makes the last literal optional or repeated: stop before it.
    if ("*+?{".includes(next)) break;
    out += escaped ? (source[i + 1] ?? "") : c;
    i += escaped ? 2 : 1;
  }
  return out;
}

/**
 * Which of a set of literals occur in a text, in one pass over it: each position is looked up by
 * its first two characters (a number key), and only the literals starting with those two are
 * compared there. One-character literals and case-insensitive sets are few and use `includes`.
 * Far cheaper than a regex alternation of a hundred literals, or a substring search per detector.
 */
export class NeedleSet {
  private readonly needles: readonly string[];
  // Needle ids by their first two characters: an ASCII pair indexes `table` (0: none, else 1 +
  // the index of its list), any other pair is a map key.
  private readonly table = new Int32Array(128 * 128);
  private readonly lists: number[][] = [];
  private readonly other = new Map<number, number[]>();
  private readonly short: readonly number[];
  private readonly ignoreCase: boolean;

  constructor(needles: readonly string[], ignoreCase: boolean) {
    this.ignoreCase = ignoreCase;
    this.needles = [...new Set(needles.map((n) => (ignoreCase ? n.toLowerCase() : n)))].sort();
    const short: number[] = [];
    this.needles.forEach((n, id) => {
      // Case-insensitive sets are a few words: a native search each beats a pass of our own.
      if (n.length < 2 || ignoreCase) {
        short.push(id);
        return;
      }
      const a = n.charCodeAt(0);
      const b = n.charCodeAt(1);
      if ((a | b) < 128) {
        const slot = this.table[(a << 7) | b] ?? 0;
        if (slot === 0) {
          this.lists.push([id]);
          this.table[(a << 7) | b] = this.lists.length;
        } else {
          this.lists[slot - 1]?.push(id);
        }
      } else {
        const key = a * 65536 + b;
        this.other.set(key, [...(this.other.get(key) ?? []), id]);
      }
    });
    this.short = short;
  }

  present(text: string): Set<string> {
    const haystack = this.ignoreCase ? text.toLowerCase() : text;
    const found = new Uint8Array(this.needles.length);
    let left = this.needles.length;
    for (const id of this.short) {
      if (haystack.includes(this.needles[id] ?? "")) {
        found[id] = 1;
        left--;
      }
    }
    const table = this.table;
    const last = haystack.length - 1;
    let next = haystack.charCodeAt(0);
    for (let i = 0; left > 0 && i < last; i++) {
      const first = next;
      next = haystack.charCodeAt(i + 1);
      let candidates: number[] | undefined;
      if ((first | next) < 128) {
        const slot = table[(first << 7) | next] ?? 0;
        if (slot === 0) continue;
        candidates = this.lists[slot - 1];
      } else {
        candidates = this.other.get(first * 65536 + next);
      }
      if (candidates === undefined) continue;
      for (const id of candidates) {
        if (found[id] === 0 && haystack.startsWith(this.needles[id] ?? "", i)) {
          found[id] = 1;
          left--;
        }
      }
    }
    const out = new Set<string>();
    found.forEach((f, id) => {
      if (f === 1) out.add(this.needles[id] ?? "");
    });
    return out;
  }
}
