import { requiredLiterals, type Clauses } from "./literals.js";
import type { SignalRuleId } from "./rules.js";
import type { FieldContext } from "./text.js";

/** A rule match. Offsets are in the folded text unless `original` is set. */
export interface Hit {
  readonly rule: SignalRuleId;
  readonly start: number;
  readonly end: number;
  readonly original?: true;
}

export type Detector = (ctx: FieldContext) => Hit[];

/**
 * Matches of a global regex, in order; bounded so one rule cannot flood a field. matchAll works
 * on a copy of the pattern, so the shared regex objects are never mutated.
 */
export function matches(pattern: RegExp, text: string, limit = 500): RegExpExecArray[] {
  // Most patterns find nothing in most tickets: search() answers that without the copy matchAll
  // makes (it restores lastIndex, so the shared object is left as it was).
  if (text.search(pattern) < 0) return [];
  const out: RegExpExecArray[] = [];
  for (const m of text.matchAll(pattern)) {
    if (out.length >= limit) break;
    out.push(m);
  }
  return out;
}

// The literals each pattern needs, read once per pattern object. A memo of a pure function of the
// pattern's source: it changes how fast a rule answers, never what it answers.
const LITERALS = new WeakMap<RegExp, Clauses>();

/**
 * False when `pattern` certainly finds nothing in the field's folded text: the text holds none
 * of the literals every match needs. True means "scan it".
 */
export function mayMatch(ctx: FieldContext, pattern: RegExp): boolean {
  let literals = LITERALS.get(pattern);
  if (literals === undefined) {
    literals = requiredLiterals(pattern);
    LITERALS.set(pattern, literals);
  }
  return ctx.grams.allows(literals);
}

/** `matches` over the field's folded text, skipping a text that cannot match. */
export function fieldMatches(ctx: FieldContext, pattern: RegExp, limit?: number): RegExpExecArray[] {
  return mayMatch(ctx, pattern) ? matches(pattern, ctx.text, limit) : [];
}

/** `pattern.test` over the field's folded text, skipping a text that cannot match. */
export function fieldTest(ctx: FieldContext, pattern: RegExp): boolean {
  return mayMatch(ctx, pattern) && pattern.test(ctx.text);
}

/** Hits for every match of the patterns that `accept` lets through. */
export function patternHits(
  ctx: FieldContext,
  rule: SignalRuleId,
  patterns: readonly RegExp[],
  accept: (m: RegExpExecArray) => boolean = () => true,
): Hit[] {
  const hits: Hit[] = [];
  for (const p of patterns) {
    for (const m of fieldMatches(ctx, p)) {
      if (accept(m)) hits.push({ rule, start: m.index, end: m.index + m[0].length });
    }
  }
  return hits;
}

/** A global regex from a raw source string (lets shared fragments be interpolated). */
export function re(source: string): RegExp {
  return new RegExp(source, "g");
}

/** One character of the same sentence: a "." inside "api.example.com" does not end it. */
export const IN_SENTENCE = String.raw`(?:[^.!?\n]|[.!?](?=\S))`;
