import {
  foldText,
  isInvisibleFormat,
  isTagCharacter,
  redactionMarker,
  type FoldedText,
} from "../secrets/index.js";
import type { SecretFinding } from "../secrets/index.js";
import { TextGrams } from "./literals.js";
import { MAX_EXCERPT, type SignalField } from "./types.js";

/** One ticket field, folded for matching, with what the other detectors need to know about it. */
export interface FieldContext {
  readonly field: SignalField;
  readonly original: string;
  readonly folded: FoldedText;
  /** Folded text: lower case, no accents, invisible characters removed, whitespace collapsed. */
  readonly text: string;
  readonly secrets: readonly SecretFinding[];
  /** Start offsets (folded) of the sentences, ascending; the first is 0. */
  readonly sentenceStarts: readonly number[];
  /** Which character pairs and triples the folded text holds: rules skip a text they cannot match. */
  readonly grams: TextGrams;
}

const PHRASE_FOLD = { caseFold: true, confusables: true, collapseWhitespace: true } as const;

// A sentence ends at a line break, or at . ! ? followed by a space (so "apac-1.relaypoint" and
// "3.8.2" do not split).
const BOUNDARY = /\n|[.!?]+(?= )/g;

export function fieldContext(
  field: SignalField,
  original: string,
  secrets: readonly SecretFinding[],
): FieldContext {
  const folded = foldText(original, PHRASE_FOLD);
  const starts = [0];
  for (const m of folded.text.matchAll(BOUNDARY)) {
    const next = m.index + m[0].length + (m[0] === "\n" ? 0 : 1);
    if (next < folded.text.length && next > (starts[starts.length - 1] ?? 0)) starts.push(next);
  }
  return {
    field,
    original,
    folded,
    text: folded.text,
    secrets,
    sentenceStarts: starts,
    grams: new TextGrams(folded.text),
  };
}

/** Index of the sentence containing folded offset `pos`. */
export function sentenceIndex(ctx: FieldContext, pos: number): number {
  const s = ctx.sentenceStarts;
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((s[mid] ?? 0) <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function sentenceStart(ctx: FieldContext, pos: number): number {
  return ctx.sentenceStarts[sentenceIndex(ctx, pos)] ?? 0;
}

export function sentenceEnd(ctx: FieldContext, pos: number): number {
  return ctx.sentenceStarts[sentenceIndex(ctx, pos) + 1] ?? ctx.text.length;
}

const NEGATION = /(?:\b(?:not|never|no|nobody|none|neither|nor|without|nothing)\b|n't\b)[^.!?\n]*$/;

/** A negation shortly before `pos` in the same sentence ("was not leaked", "no keys were exposed"). */
export function isNegated(ctx: FieldContext, pos: number, window = 24): boolean {
  const from = Math.max(sentenceStart(ctx, pos), pos - window);
  return NEGATION.test(ctx.text.slice(from, pos));
}

const HYPOTHETICAL =
  /\b(?:if|whether|in case|what happens|what would|suppose|supposing|imagine|hypothetical(?:ly)?|prevent|avoid|best practices?|for example|e\.g\.|in the event)\b/;

/** The sentence, up to `pos`, asks or supposes rather than reports ("what should we do if a key leaks"). */
export function isHypothetical(ctx: FieldContext, pos: number): boolean {
  const from = Math.max(sentenceStart(ctx, pos), pos - 200);
  return HYPOTHETICAL.test(ctx.text.slice(from, pos));
}

/** Original offsets of a folded range. */
export function originalSpan(ctx: FieldContext, start: number, end: number): readonly [number, number] {
  return [ctx.folded.originalStart(start), ctx.folded.originalEnd(end)];
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * The reviewer-facing excerpt of an original range: secrets redacted, invisible characters shown
 * (tag characters decoded, so hidden text becomes visible), whitespace collapsed, at most
 * MAX_EXCERPT UTF-16 units. Security: bidi controls are shown, never applied, so an excerpt
 * cannot reorder itself on the reviewer's screen.
 */
export function excerpt(
  original: string,
  start: number,
  end: number,
  secrets: readonly SecretFinding[],
): string {
  const windowEnd = Math.min(end, start + MAX_EXCERPT * 4);
  let raw = "";
  let pos = start;
  for (const s of secrets) {
    if (s.end <= pos || s.start >= windowEnd) continue;
    if (s.start > pos) raw += original.slice(pos, s.start);
    raw += redactionMarker(s.kind);
    pos = Math.max(pos, s.end);
  }
  if (pos < windowEnd) raw += original.slice(pos, windowEnd);

  let out = "";
  let i = 0;
  while (i < raw.length) {
    const cp = raw.codePointAt(i) ?? 0;
    const width = cp > 0xffff ? 2 : 1;
    if (isTagCharacter(cp)) {
      let hidden = "";
      while (i < raw.length && isTagCharacter(raw.codePointAt(i) ?? 0)) {
        hidden += String.fromCharCode((raw.codePointAt(i) ?? 0xe0020) - 0xe0000);
        i += 2;
      }
      out += `<hidden: ${hidden}>`;
      continue;
    }
    if (isInvisibleFormat(cp)) {
      let n = 0;
      while (i < raw.length && raw.codePointAt(i) === cp) {
        n++;
        i += width;
      }
      out += n === 1 ? `<U+${hex(cp)}>` : `<U+${hex(cp)} x${n}>`;
      continue;
    }
    if (/\s/.test(raw[i] ?? "")) {
      if (!out.endsWith(" ")) out += " ";
      i += 1;
      continue;
    }
    out += raw.slice(i, i + width);
    i += width;
  }
  out = out.trim();
  if (out.length <= MAX_EXCERPT && windowEnd === end) return out;
  let cut = Math.min(out.length, MAX_EXCERPT - 1);
  const code = out.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return out.slice(0, cut) + "\u2026";
}
