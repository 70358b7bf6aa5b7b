// The secret shapes we recognise. Every pattern is linear: a literal or anchored prefix, then
// single character classes with bounded repetition, never a quantified group of quantifiers.
//
// Decision on placeholders: values that merely contain "EXAMPLE", "test" or "fake" are still
// reported. A real key can contain any of those letters, the bundled fixtures use such strings to
// stand for a pasted key, and refusing a draft that quotes one costs a rewrite, while storing a
// real one costs a rotation. Only values that hold no secret at all are skipped: masks ("****"),
// template variables ("${DB_PASSWORD}", "<password>") and words like "required" or "null", and
// provider-shaped values whose body is a mask or an instruction ("ghp_xxxx...", "AKIAXXXX...",
// "sk_live_PUT_YOUR_TOKEN_HERE"): they say where a key would go, they are not one.

import { CARD_CANDIDATE, PAYMENT_CARD, isCardNumber } from "./cards.js";
import { PROVIDER_FORMATS, type ProviderKind } from "./providers.js";

/** Human labels of the formats written out below. */
const CORE_KINDS = [
  "AWS access key",
  "AWS secret access key",
  "GitHub token",
  "GitLab token",
  "Slack token",
  "Slack webhook URL",
  "Stripe-style live key",
  "Stripe-style test key",
  "live API key",
  "OpenAI-style API key",
  "Anthropic-style API key",
  "Google API key",
  "npm token",
  "SendGrid API key",
  "webhook signing secret",
  "private key block",
  "JWT",
  "generic bearer token",
  "basic auth credentials",
  "connection string with credentials",
  "password assignment",
  "credential assignment",
  "Azure storage account key",
] as const;

export type SecretKind = (typeof CORE_KINDS)[number] | ProviderKind | typeof PAYMENT_CARD;

/** Human labels, used in findings and refusals; never the value itself. */
export const SECRET_KINDS: readonly SecretKind[] = [
  ...CORE_KINDS,
  ...PROVIDER_FORMATS.map((p) => p.kind),
  PAYMENT_CARD,
];

/** What a finding is: a credential (refused, masked, and evidence of exposure) or a card number (refused and masked). */
export type SecretCategory = "credential" | "payment card";

export function secretCategory(kind: SecretKind): SecretCategory {
  return kind === PAYMENT_CARD ? "payment card" : "credential";
}

/** How sure a match is a working credential: provider formats are, assignments only may be. */
export type SecretStrength = "strong" | "weak";

export interface SecretCandidate {
  readonly kind: SecretKind;
  /** Offsets in the scanned (folded) text. */
  readonly start: number;
  readonly end: number;
  /** Lower wins when two candidates overlap: a provider format beats a generic assignment. */
  readonly rank: number;
}

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

const PLACEHOLDER =
  /^(?:\*+|x{3,}|X{3,}|\.{2,}|•+|-+|_+|<[^>]*>|\[[^\]]*\]?|\{\{[^}]*(?:\}\})?|\$\{[^}]*\}?|\$\([^)]*\)|%[A-Za-z0-9_]+%|\$[A-Za-z_][A-Za-z0-9_]*|(?:your|my|the|some|a|new|old)[_-]?(?:password|passwd|pwd|pass|secret|token|key)[A-Za-z0-9_-]*|password|passwd|pass|pwd|pw|secret|redacted|hidden|removed|omitted|none|null|nil|undefined|true|false|required|optional|empty|string|value|changeit|\?+)$/i;

// Words that follow "password:" in prose or UI text rather than a password.
const PROSE_VALUE =
  /^(?:reset|resets|resetting|change|changed|changes|expired|expires|incorrect|invalid|wrong|forgotten|forgot|required|mismatch|policy|manager|protected|field|prompt|box|length|rules|requirements|same|updated|locked|is|was|not|set|unset|hidden|sent|please|see|n\/a|tbd|unknown)$/i;

// Tokens that identify a page, a request or a form, not a caller.
const NOT_A_CREDENTIAL =
  /^(?:[A-Za-z0-9]{1,30}[_.-])?(?:page|cursor|next|continuation|sync|idempotency|csrf|xsrf|request|trace|pagination)[_.-]?token/i;

function hasLetterAndDigit(v: string): boolean {
  return /[A-Za-z]/.test(v) && /[0-9]/.test(v);
}

function isRepetitive(v: string): boolean {
  return new Set(v).size <= 3;
}

// A mask or an instruction where the key would be: "xxxx", "XXXX", "****", "0000000000",
// "<token>", "${TOKEN}", "YOUR_TOKEN", "..._HERE", "placeholder", "redacted".
const MASKED_BODY =
  /x{4}|X{4}|\*{3}|•{3}|\.{3}|0{10}|[<>{}]|\$\{|your[_-]|your(?:api|access|secret|auth)?(?:key|token|secret|pass)|[_-]here(?![a-z])|placeholder|changeme|change[_-]me|redacted|dummy/i;

/** A provider-shaped value that only marks where a key would go. */
export function isPlaceholderToken(value: string): boolean {
  return MASKED_BODY.test(value);
}

/** A value after "password=" / "password:" that looks like a password, not a word or a template. */
export function isPasswordValue(value: string, separator: string, quoted: boolean): boolean {
  if (value.length < 4 || value.length > 200) return false;
  if (PLACEHOLDER.test(value) || PROSE_VALUE.test(value) || isRepetitive(value)) return false;
  if (/\s/.test(value)) return false;
  // "=" and quoted values are assignments; a bare ":" is often prose ("Password: Incorrect").
  if (separator.includes("=") || quoted) return true;
  if (value.length < 6) return false;
  const classes =
    Number(/[a-z]/.test(value)) +
    Number(/[A-Z]/.test(value)) +
    Number(/[0-9]/.test(value)) +
    Number(/[^A-Za-z0-9]/.test(value));
  if (/^[A-Z]?[a-z]+$/.test(value)) return false;
  return classes >= 2;
}

function decodeBase64Url(segment: string): string | null {
  try {
    const b64 = segment.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
    return atob(padded);
  } catch {
    return null;
  }
}

function isJwtHeader(segment: string): boolean {
  if (segment.length > 2000) return false;
  const decoded = decodeBase64Url(segment);
  if (decoded === null) return false;
  try {
    const header: unknown = JSON.parse(decoded);
    return (
      typeof header === "object" &&
      header !== null &&
      !Array.isArray(header) &&
      typeof (header as Record<string, unknown>).alg === "string"
    );
  } catch {
    return false;
  }
}

function isBasicCredential(value: string): boolean {
  const decoded = decodeBase64Url(value.replace(/=+$/, ""));
  if (decoded === null) return false;
  const colon = decoded.indexOf(":");
  return colon > 0 && colon < decoded.length - 1 && /^[\x20-\x7e]+$/.test(decoded);
}

// A private key block runs to its END line; without one, over the base64 lines that follow (and
// the "Proc-Type:"-style headers of encrypted keys), stopping at prose or a blank line.
const KEY_END = /-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const BASE64_LINE = /^[A-Za-z0-9+/=]+$/;
const HEADER_LINE = /^[A-Za-z-]{2,30}: ?[^\s].{0,200}$/;
const MAX_KEY_BLOCK = 20000;

/** Facts about the whole text, computed once per scan. */
export interface ScanContext {
  /** [start, end) of every END line, ascending; found lazily. */
  keyEnds?: readonly (readonly [number, number])[];
}

function keyEnds(text: string, scan: ScanContext): readonly (readonly [number, number])[] {
  scan.keyEnds ??= [...text.matchAll(KEY_END)].map((m) => [m.index, m.index + m[0].length] as const);
  return scan.keyEnds;
}

function extendKeyBlock(text: string, _start: number, end: number, scan: ScanContext): number {
  // One pass finds every END line; each BEGIN then takes the first END after it.
  const ends = keyEnds(text, scan);
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ends[mid]?.[0] ?? 0) < end) lo = mid + 1;
    else hi = mid;
  }
  const close = ends[lo];
  if (close !== undefined && close[0] - end <= MAX_KEY_BLOCK) return close[1];
  let last = end;
  let pos = end;
  let inBody = false;
  let blanks = 0;
  while (pos < text.length && pos - end < MAX_KEY_BLOCK) {
    const nl = text.indexOf("\n", pos);
    const lineEnd = nl < 0 ? text.length : nl;
    const raw = text.slice(pos, lineEnd).trimEnd();
    const line = raw.trim();
    if (line.length === 0) {
      // The rest of the BEGIN line, and one blank line after encrypted-key headers.
      if (inBody || (pos !== end && ++blanks > 1)) break;
    } else if (BASE64_LINE.test(line) && (inBody || line.length >= 16)) {
      inBody = true;
      last = pos + raw.length;
      // Padding ends the base64 body.
      if (line.endsWith("=")) break;
    } else if (!inBody && HEADER_LINE.test(line)) {
      last = pos + raw.length;
    } else break;
    if (nl < 0) break;
    pos = nl + 1;
  }
  return last;
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
class NeedleSet {
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
