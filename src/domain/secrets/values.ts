// Checks on a matched value: is it a secret, or only a mask, a template, a word or an instruction?
//
// Decision on placeholders: values that merely contain "EXAMPLE", "test" or "fake" are still
// reported. A real key can contain any of those letters, the bundled fixtures use such strings to
// stand for a pasted key, and refusing a draft that quotes one costs a rewrite, while storing a
// real one costs a rotation. Only values that hold no secret at all are skipped: masks ("****"),
// template variables ("${DB_PASSWORD}", "<password>") and words like "required" or "null", and
// provider-shaped values whose body is a mask or an instruction ("ghp_xxxx...", "AKIAXXXX...",
// "sk_live_PUT_YOUR_TOKEN_HERE"): they say where a key would go, they are not one.

export const PLACEHOLDER =
  /^(?:\*+|x{3,}|X{3,}|\.{2,}|•+|-+|_+|<[^>]*>|\[[^\]]*\]?|\{\{[^}]*(?:\}\})?|\$\{[^}]*\}?|\$\([^)]*\)|%[A-Za-z0-9_]+%|\$[A-Za-z_][A-Za-z0-9_]*|(?:your|my|the|some|a|new|old)[_-]?(?:password|passwd|pwd|pass|secret|token|key)[A-Za-z0-9_-]*|password|passwd|pass|pwd|pw|secret|redacted|hidden|removed|omitted|none|null|nil|undefined|true|false|required|optional|empty|string|value|changeit|\?+)$/i;

// Words that follow "password:" in prose or UI text rather than a password.
const PROSE_VALUE =
  /^(?:reset|resets|resetting|change|changed|changes|expired|expires|incorrect|invalid|wrong|forgotten|forgot|required|mismatch|policy|manager|protected|field|prompt|box|length|rules|requirements|same|updated|locked|is|was|not|set|unset|hidden|sent|please|see|n\/a|tbd|unknown)$/i;

// Tokens that identify a page, a request or a form, not a caller.
export const NOT_A_CREDENTIAL =
  /^(?:[A-Za-z0-9]{1,30}[_.-])?(?:page|cursor|next|continuation|sync|idempotency|csrf|xsrf|request|trace|pagination)[_.-]?token/i;

export function hasLetterAndDigit(v: string): boolean {
  return /[A-Za-z]/.test(v) && /[0-9]/.test(v);
}

export function isRepetitive(v: string): boolean {
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

export function isJwtHeader(segment: string): boolean {
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

export function isBasicCredential(value: string): boolean {
  const decoded = decodeBase64Url(value.replace(/=+$/, ""));
  if (decoded === null) return false;
  const colon = decoded.indexOf(":");
  return colon > 0 && colon < decoded.length - 1 && /^[\x20-\x7e]+$/.test(decoded);
}
