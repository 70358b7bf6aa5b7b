// Private key blocks: where a "-----BEGIN ... PRIVATE KEY-----" match ends.

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

export function extendKeyBlock(text: string, _start: number, end: number, scan: ScanContext): number {
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
