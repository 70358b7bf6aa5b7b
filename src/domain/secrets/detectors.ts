// The secret shapes we recognise. Every pattern is linear: a literal or anchored prefix, then
// single character classes with bounded repetition, never a quantified group of quantifiers.
// The value checks live in values.ts (see its note on placeholders), the key-block extension in
// key-block.ts, the literal pre-filter in needles.ts.

import { CARD_CANDIDATE, PAYMENT_CARD, isCardNumber } from "./cards.js";
import { extendKeyBlock, type ScanContext } from "./key-block.js";
import type { SecretCandidate, SecretKind, SecretStrength } from "./kinds.js";
import { NeedleSet, literalPrefix } from "./needles.js";
import { PROVIDER_FORMATS } from "./providers.js";
import {
  NOT_A_CREDENTIAL,
  PLACEHOLDER,
  hasLetterAndDigit,
  isBasicCredential,
  isJwtHeader,
  isPasswordValue,
  isPlaceholderToken,
  isRepetitive,
} from "./values.js";

interface SecretDetector {
  readonly kind: SecretKind;
  readonly strength: SecretStrength;
  readonly rank: number;
  readonly pattern: RegExp;
  /** Index of the capture group holding the secret; 0 for the whole match. */
  readonly group?: number;
  /** Extra check on the secret text (the group's value). */
  readonly accept?: (value: string, match: RegExpExecArray) => boolean;
  /** The scan skips the pattern unless the text contains one of these (see ProviderFormat). */
  readonly needles?: readonly string[];
  /** The same, for case-insensitive patterns: looked up in the lower-cased text. */
  readonly lowerNeedles?: readonly string[];
  /** Skips the placeholder check: key blocks (a long base64 body) and card numbers (their own checks). */
  readonly keepPlaceholders?: true;
  /** Extends a match (private key blocks run to their END line). */
  readonly extend?: (text: string, start: number, end: number, scan: ScanContext) => number;
}

// Boundaries: a token must not be glued to more token characters on either side (so a
// base64 image or a longer identifier that merely contains "AKIA" is not a key).
const B = "(?<![A-Za-z0-9_+/-])";
const E = "(?![A-Za-z0-9_-])";

// "d": match indices, so a captured value is located exactly, not searched for.
const re = (source: string, flags = "g") => new RegExp(source, flags + "d");

const ASSIGN_SEP = String.raw`["']?[ \t]{0,3}(?::=|=>|=|:)[ \t]{0,3}`;
const VALUE = String.raw`(?:"([^"\n]{1,200})"|'([^'\n]{1,200})'|([^\s"'<>,;)}\]]{1,200}))`;

export const DETECTORS: readonly SecretDetector[] = [
  {
    kind: "AWS access key",
    strength: "strong",
    rank: 0,
    needles: ["AKIA", "ASIA"],
    pattern: re(`${B}(?:AKIA|ASIA)[A-Z0-9]{16}${E}`),
  },
  {
    kind: "AWS secret access key",
    strength: "strong",
    rank: 0,
    lowerNeedles: ["aws"],
    pattern: re(
      String.raw`aws_?secret_?access_?key${ASSIGN_SEP}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])`,
      "gi",
    ),
    group: 1,
  },
  {
    kind: "GitHub token",
    strength: "strong",
    rank: 0,
    needles: ["gh", "github_pat_"],
    pattern: re(`${B}(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,255})${E}`),
  },
  {
    kind: "GitLab token",
    strength: "strong",
    rank: 0,
    needles: ["glpat-"],
    pattern: re(`${B}glpat-[A-Za-z0-9_.-]{20,300}${E}`),
  },
  {
    // Pipeline trigger, deploy, runner, CI job, incoming mail, agent, OAuth, feed and feature flag tokens.
    kind: "GitLab token",
    strength: "strong",
    rank: 0,
    needles: ["gl", "GR1348941"],
    pattern: re(
      `${B}(?:(?:glptt|gldt|glrt|glcbt|glimt|glagent|gloas|glsoat|glft|glffct)-[A-Za-z0-9_.-]{20,300}|GR1348941[A-Za-z0-9_-]{20,40})${E}`,
    ),
  },
  {
    kind: "Slack token",
    strength: "strong",
    rank: 0,
    needles: ["xox"],
    pattern: re(`${B}xox[abposr]-[A-Za-z0-9-]{10,250}${E}`),
    accept: (v) => /[0-9]/.test(v),
  },
  {
    // App-level tokens and configuration tokens.
    kind: "Slack token",
    strength: "strong",
    rank: 0,
    needles: ["xapp-", "xoxe"],
    pattern: re(
      `${B}(?:xapp-[0-9]-[A-Z0-9]{6,20}-[0-9]{6,20}-[a-z0-9]{20,80}|xoxe(?:\\.xox[bp])?-[0-9]-[A-Za-z0-9]{100,200})${E}`,
    ),
  },
  {
    kind: "Slack webhook URL",
    strength: "strong",
    rank: 0,
    needles: ["hooks.slack.com/"],
    pattern: re(String.raw`https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20,200}`),
  },
  {
    kind: "Stripe-style live key",
    strength: "strong",
    rank: 0,
    needles: ["_live_"],
    pattern: re(`${B}(?:sk|rk)_live_[A-Za-z0-9]{10,247}${E}`),
  },
  {
    kind: "Stripe-style test key",
    strength: "weak",
    rank: 0,
    needles: ["_test_"],
    pattern: re(`${B}(?:sk|rk)_test_[A-Za-z0-9]{10,247}${E}`),
  },
  {
    // Other providers' live keys ("xy_live_..."); publishable "pk_live_" keys are public by design.
    kind: "live API key",
    strength: "strong",
    rank: 1,
    needles: ["_live_"],
    pattern: re(`${B}(?!pk_)[a-z][a-z0-9]{1,11}_live_[A-Za-z0-9_]{8,200}${E}`),
    accept: (v) => /[0-9A-Z]/.test(v.slice(v.indexOf("_live_") + 6)),
  },
  {
    kind: "OpenAI-style API key",
    strength: "strong",
    rank: 0,
    needles: ["sk-"],
    pattern: re(`${B}sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,300}${E}`),
  },
  {
    kind: "Anthropic-style API key",
    strength: "strong",
    rank: 0,
    needles: ["sk-ant-"],
    pattern: re(`${B}sk-ant-[a-z]{2,8}[0-9]{2}-[A-Za-z0-9_-]{20,300}${E}`),
  },
  {
    kind: "OpenAI-style API key",
    strength: "strong",
    rank: 0,
    needles: ["sk-"],
    pattern: re(`${B}sk-[A-Za-z0-9]{32,200}${E}`),
    accept: (v) => hasLetterAndDigit(v.slice(3)) && !isRepetitive(v.slice(3)),
  },
  {
    kind: "Google API key",
    strength: "strong",
    rank: 0,
    needles: ["AIza"],
    pattern: re(`${B}AIza[0-9A-Za-z_-]{35}${E}`),
  },
  {
    kind: "npm token",
    strength: "strong",
    rank: 0,
    needles: ["npm_"],
    pattern: re(`${B}npm_[A-Za-z0-9]{36}${E}`),
  },
  {
    kind: "SendGrid API key",
    strength: "strong",
    rank: 0,
    needles: ["SG."],
    pattern: re(`${B}SG\\.[A-Za-z0-9_-]{16,32}\\.[A-Za-z0-9_-]{30,64}${E}`),
  },
  {
    kind: "webhook signing secret",
    strength: "strong",
    rank: 0,
    needles: ["whsec_"],
    pattern: re(`${B}whsec_[A-Za-z0-9+/=_-]{10,500}`),
  },
  ...PROVIDER_FORMATS.map((p): SecretDetector => ({
    kind: p.kind,
    strength: "strong",
    rank: 0,
    pattern: re(`${"url" in p ? "" : B}${p.pattern}${E}`),
    needles: "needles" in p ? p.needles : [literalPrefix(p.pattern)],
  })),
  {
    kind: "Azure storage account key",
    strength: "strong",
    rank: 0,
    needles: ["AccountKey="],
    pattern: re(String.raw`AccountKey=([A-Za-z0-9+/]{86}==)`),
    group: 1,
  },
  {
    kind: PAYMENT_CARD,
    strength: "weak",
    rank: 1,
    pattern: re(CARD_CANDIDATE),
    keepPlaceholders: true,
    accept: (value, m) => isCardNumber(value, m.input, m.index),
  },
  {
    kind: "private key block",
    strength: "strong",
    rank: 0,
    needles: ["PRIVATE KEY"],
    pattern: re("-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----"),
    keepPlaceholders: true,
    extend: extendKeyBlock,
  },
  {
    kind: "JWT",
    strength: "weak",
    rank: 1,
    needles: ["eyJ"],
    pattern: re(`${B}(eyJ[A-Za-z0-9_-]{8,4000})\\.[A-Za-z0-9_-]{2,8000}\\.[A-Za-z0-9_-]{0,4000}${E}`),
    accept: (_v, m) => isJwtHeader(m[1] ?? ""),
  },
  {
    kind: "basic auth credentials",
    strength: "weak",
    rank: 2,
    lowerNeedles: ["basic"],
    pattern: re(
      String.raw`\bauthorization["']?[ \t]{0,3}[:=][ \t]{0,3}["']?basic[ \t]{1,3}([A-Za-z0-9+/]{8,1000}={0,2})`,
      "gi",
    ),
    group: 1,
    accept: isBasicCredential,
  },
  {
    kind: "generic bearer token",
    strength: "weak",
    rank: 2,
    lowerNeedles: ["bearer"],
    pattern: re(String.raw`\bbearer[ \t]{1,3}([A-Za-z0-9._~+/-]{20,4096}=*)`, "gi"),
    group: 1,
    accept: (v) => hasLetterAndDigit(v) && !isRepetitive(v) && !PLACEHOLDER.test(v),
  },
  {
    kind: "connection string with credentials",
    strength: "strong",
    rank: 2,
    needles: ["://"],
    pattern: re(
      String.raw`\b[A-Za-z][A-Za-z0-9+.-]{1,20}://[^\s:/?#@"'<>]{0,128}:([^\s/?#@"'<>]{1,256})@[A-Za-z0-9.\[\]_-]`,
      "g",
    ),
    group: 1,
    accept: (v) => !PLACEHOLDER.test(v) && !isRepetitive(v),
  },
  {
    kind: "password assignment",
    strength: "weak",
    rank: 3,
    lowerNeedles: ["pass", "pwd"],
    pattern: re(
      String.raw`(?<![A-Za-z0-9])(?:[A-Za-z0-9]{1,30}[_.-])?(?:password|passwd|passwort|passphrase|pwd|pass)(?![A-Za-z])${ASSIGN_SEP}${VALUE}`,
      "gi",
    ),
    accept: (value, m) => {
      const name = m[0].slice(0, m[0].search(/["']?[ \t]*(?::=|=>|=|:)/));
      // A bare "pass" is too common a word ("pass: 3 of 5"); only "db_pass" and the like.
      if (/^pass$/i.test(name)) return false;
      const sep = /:=|=>|=|:/.exec(m[0].slice(name.length))?.[0] ?? ":";
      return isPasswordValue(value, sep, m[1] !== undefined || m[2] !== undefined);
    },
    group: -1,
  },
  {
    kind: "password assignment",
    strength: "weak",
    rank: 3,
    lowerNeedles: ["password"],
    pattern: re(
      String.raw`\b(?:my|our|the|her|his|their|your)[ \t]{1,3}(?:(?:new|temporary|temp|current|old|initial|admin|root)[ \t]{1,3})?password[ \t]{1,3}(?:is|was|would be)[ \t]{1,3}["']?([^\s"']{6,100})`,
      "gi",
    ),
    group: 1,
    accept: (v) => {
      const value = v.replace(/[.,;!?)]+$/, "");
      return isPasswordValue(value, ":", false) && /[0-9]|[^A-Za-z0-9]/.test(value);
    },
  },
  {
    kind: "credential assignment",
    strength: "weak",
    rank: 3,
    lowerNeedles: ["key", "secret", "token"],
    pattern: re(
      String.raw`(?<![A-Za-z0-9])(?:[A-Za-z0-9]{1,30}[_.-])?(?:api[_-]?key|apikey|secret[_-]?key|client[_-]?secret|secret|access[_-]?token|auth[_-]?token|refresh[_-]?token|token|private[_-]?key|signing[_-]?key)(?![A-Za-z])${ASSIGN_SEP}["']?([A-Za-z0-9_\-./+=~]{16,500})`,
      "gi",
    ),
    group: 1,
    accept: (v, m) =>
      hasLetterAndDigit(v) && !isRepetitive(v) && !PLACEHOLDER.test(v) && !NOT_A_CREDENTIAL.test(m[0]),
  },
];

/** Strength per kind: the strongest detector that can report it. */
export function secretStrength(kind: SecretKind): SecretStrength {
  return DETECTORS.some((d) => d.kind === kind && d.strength === "strong") ? "strong" : "weak";
}

/** The span of the secret inside a match: the group's, or the first of several alternatives'. */
function valueSpan(m: RegExpExecArray, group: number | undefined): readonly [number, number] | null {
  if (group === undefined || group === 0) return [m.index, m.index + m[0].length];
  const groups = group === -1 ? [1, 2, 3] : [group];
  for (const g of groups) {
    const span = m.indices?.[g];
    if (span !== undefined) return span;
  }
  return null;
}

const NEEDLES = new NeedleSet(
  DETECTORS.flatMap((d) => d.needles ?? []),
  false,
);
const LOWER_NEEDLES = new NeedleSet(
  DETECTORS.flatMap((d) => d.lowerNeedles ?? []),
  true,
);

/** All raw candidates in `text`, overlapping ones included. */
export function scanCandidates(text: string): SecretCandidate[] {
  const out: SecretCandidate[] = [];
  const scan: ScanContext = {};
  const present = NEEDLES.present(text);
  const presentLower = LOWER_NEEDLES.present(text);
  for (const d of DETECTORS) {
    if (d.needles !== undefined && !d.needles.some((n) => present.has(n))) continue;
    if (d.lowerNeedles !== undefined && !d.lowerNeedles.some((n) => presentLower.has(n))) continue;
    // search() finds out cheaply whether there is anything to scan (and restores lastIndex);
    // matchAll then works on a copy of the pattern: the shared regex objects are never mutated.
    if (text.search(d.pattern) < 0) continue;
    let skipUntil = 0;
    for (const m of text.matchAll(d.pattern)) {
      if (m.index < skipUntil) continue;
      const span = valueSpan(m, d.group);
      if (span === null) continue;
      const [start, valueEnd] = span;
      const value = text.slice(start, valueEnd);
      if (d.keepPlaceholders !== true && isPlaceholderToken(value)) continue;
      if (d.accept !== undefined && !d.accept(value, m)) continue;
      const end = d.extend === undefined ? valueEnd : d.extend(text, start, valueEnd, scan);
      skipUntil = end;
      out.push({ kind: d.kind, start, end, rank: d.rank });
    }
  }
  return out;
}
