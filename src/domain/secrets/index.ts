import { scanCandidates } from "./detectors.js";
import { foldText } from "./fold.js";
import type { SecretCandidate, SecretKind } from "./kinds.js";

export { secretStrength } from "./detectors.js";
export {
  SECRET_KINDS,
  secretCategory,
  type SecretCategory,
  type SecretKind,
  type SecretStrength,
} from "./kinds.js";
export { PAYMENT_CARD, luhnValid } from "./cards.js";
export { PROVIDER_FORMATS } from "./providers.js";
export { foldText, isInvisibleFormat, isTagCharacter, type FoldOptions, type FoldedText } from "./fold.js";

/** Where a secret-like value sits in a text. Deliberately carries no part of the value. */
export interface SecretFinding {
  readonly kind: SecretKind;
  /** Offsets in the original text (UTF-16 code units, end exclusive). */
  readonly start: number;
  readonly end: number;
}

// Keys are case-sensitive: no case folding, but full-width forms and invisible characters inside
// a key ("ghp_\u200B...") must not hide it.
const SECRET_FOLD = { caseFold: false, confusables: false, collapseWhitespace: false } as const;

function resolveOverlaps(candidates: SecretCandidate[]): SecretCandidate[] {
  const ordered = [...candidates].sort(
    (a, b) => a.rank - b.rank || a.start - b.start || b.end - b.start - (a.end - a.start),
  );
  const kept: SecretCandidate[] = [];
  for (const c of ordered) {
    if (kept.every((k) => c.end <= k.start || c.start >= k.end)) kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * Secret-like values in `text`, in order, without overlaps (a provider format wins over a
 * generic assignment covering the same characters). Deterministic and linear in the text length.
 */
export function findSecrets(text: string): SecretFinding[] {
  if (text.length === 0) return [];
  const folded = foldText(text, SECRET_FOLD);
  return resolveOverlaps(scanCandidates(folded.text)).map((c) => ({
    kind: c.kind,
    start: folded.originalStart(c.start),
    end: folded.originalEnd(c.end),
  }));
}

/** The marker that replaces a secret: names its kind, never its value. */
export function redactionMarker(kind: SecretKind): string {
  return `[REDACTED ${kind}]`;
}

/** `text` with every secret-like value replaced by `[REDACTED <kind>]`; offsets refer to the input. */
export function maskSecrets(text: string): { text: string; masked: SecretFinding[] } {
  const masked = findSecrets(text);
  if (masked.length === 0) return { text, masked };
  let out = "";
  let from = 0;
  for (const f of masked) {
    out += text.slice(from, f.start) + redactionMarker(f.kind);
    from = f.end;
  }
  return { text: out + text.slice(from), masked };
}

function article(kind: string): string {
  // "an AWS access key", "an npm token", "a JWT", "a GitHub token".
  return /^(?:[AEIOU]|npm\b|xAI\b)/i.test(kind) ? "an" : "a";
}

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

/**
 * The refusal text for `field`: which kinds of secret were seen and how many, never the value.
 * Example: "draftCustomerResponse contains what looks like a GitHub token (1 match) and a
 * password assignment (2 matches); remove them and try again. The value was not stored."
 */
export function describeSecretFindings(field: string, findings: readonly SecretFinding[]): string {
  if (findings.length === 0) return `${field} contains no secret-like value.`;
  const counts = new Map<SecretKind, number>();
  for (const f of findings) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
  const parts = [...counts].map(
    ([kind, n]) => `${article(kind)} ${kind} (${n} ${n === 1 ? "match" : "matches"})`,
  );
  const pronoun = findings.length === 1 ? "it" : "them";
  const stored = findings.length === 1 ? "The value was not stored." : "The values were not stored.";
  return `${field} contains what looks like ${joinList(parts)}; remove ${pronoun} and try again. ${stored}`;
}
