// Markdown to a single line of plain text, and a short excerpt of it around the words that matched.

export const SNIPPET_MAX_LENGTH = 200;
const ELLIPSIS = "\u2026";

/** Markdown body as one line of prose: no heading marks, bullets, emphasis, code fences or link targets. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/^\s*(```|~~~).*$/gm, " ")
    .replace(/^\s{0,3}#{1,6}\s+/gm, "")
    .replace(/^\s*(?:[-*+]|\d{1,3}[.)])\s+/gm, "")
    .replace(/^\s*>\s?/gm, "")
    .replace(/!?\[([^\]\n]*)\]\([^)\n]*\)/g, "$1")
    .replace(/(\*\*|__|`)/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

export interface SpanToken {
  readonly start: number;
  readonly end: number;
  /** Weight of the token's term in the query, 0 when it did not match. */
  readonly weight: number;
  readonly term: string;
}

/**
 * The excerpt of `text` (at most SNIPPET_MAX_LENGTH characters, ellipses included) that covers the
 * most query weight, counting each matched term once, cut on word boundaries. Without any match,
 * the beginning of the text.
 */
export function bestSnippet(text: string, tokens: readonly SpanToken[]): string {
  const budget = SNIPPET_MAX_LENGTH - 2;
  let best: { score: number; first: number; last: number } | undefined;
  const counts = new Map<string, number>();
  let score = 0;
  let left = 0;
  for (let right = 0; right < tokens.length; right++) {
    const r = tokens[right];
    if (r === undefined) break;
    if (r.weight > 0) {
      const c = counts.get(r.term) ?? 0;
      if (c === 0) score += r.weight;
      counts.set(r.term, c + 1);
    }
    for (;;) {
      const l = tokens[left];
      if (l === undefined || r.end - l.start <= budget) break;
      if (l.weight > 0) {
        const c = counts.get(l.term) ?? 0;
        if (c === 1) score -= l.weight;
        counts.set(l.term, c - 1);
      }
      left++;
    }
    // Only windows that end on a match can be best; ties keep the earliest.
    if (r.weight > 0 && (best === undefined || score > best.score + 1e-12)) {
      let first = left;
      while (first < right && (tokens[first]?.weight ?? 0) === 0) first++;
      best = { score, first, last: right };
    }
  }
  if (best === undefined) return excerpt(text, 0, 0);
  const start = tokens[best.first]?.start ?? 0;
  const end = tokens[best.last]?.end ?? 0;
  return excerpt(text, start, end);
}

/** Widens [start, end) to word boundaries within the budget, preferring a sentence start on the left. */
function excerpt(text: string, start: number, end: number): string {
  const budget = SNIPPET_MAX_LENGTH - 2;
  let s = start;
  let e = Math.max(end, start);
  const spare = budget - (e - s);
  if (spare > 0) {
    // Left: up to a third of the spare room, from a sentence start if one is near.
    const floor = Math.max(0, s - Math.floor(spare / 3));
    let sentence = -1;
    for (let i = s - 1; i >= floor; i--) {
      if (i === 0) {
        sentence = 0;
        break;
      }
      if (/[.!?:]/.test(text[i - 1] ?? "") && text[i] === " ") {
        sentence = i + 1;
        break;
      }
    }
    if (sentence >= 0) s = Math.min(sentence, s);
    else if (floor > 0) s = nextWordStart(text, floor, s);
    else s = 0;
    // Right: whatever is left, ending at a word end.
    const limit = Math.min(text.length, s + budget);
    e = limit >= text.length ? text.length : previousWordEnd(text, limit, e);
  }
  const body = text.slice(s, e).trim();
  return `${s > 0 ? ELLIPSIS : ""}${body}${e < text.length ? ELLIPSIS : ""}`;
}

function isSpace(ch: string | undefined): boolean {
  return ch === " ";
}

/** First index >= from that starts a word (after a space), not beyond `max`. */
function nextWordStart(text: string, from: number, max: number): number {
  for (let i = from; i < max; i++) if (isSpace(text[i - 1])) return i;
  return max;
}

/** Last index <= limit that ends a word (followed by a space or the end), not before `min`. */
function previousWordEnd(text: string, limit: number, min: number): number {
  for (let i = limit; i > min; i--) if (i >= text.length || isSpace(text[i])) return i;
  return min;
}
