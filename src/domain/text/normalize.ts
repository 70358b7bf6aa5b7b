// Text folding shared by every text engine: the same input always folds to the same key.

const APOSTROPHES = /['\u2019\u02bc]/g;
// Any UTF-16 code unit outside U+0000-U+007F.
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Combining marks that are accents on Latin, Greek and Cyrillic letters (the combining
 * diacritical mark blocks). Marks of other scripts (Devanagari vowel signs, Arabic harakat, ...)
 * are part of the letter and are kept.
 */
function isDiacritic(c: number): boolean {
  return (
    (c >= 0x0300 && c <= 0x036f) ||
    (c >= 0x1ab0 && c <= 0x1aff) ||
    (c >= 0x1dc0 && c <= 0x1dff) ||
    (c >= 0x20d0 && c <= 0x20ff) ||
    (c >= 0xfe20 && c <= 0xfe2f)
  );
}

export function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}

/**
 * Lower-case form for display: NFKC (full-width and compatibility characters become plain ones),
 * lower-cased, accents kept ("Café" -> "café"), apostrophes removed ("customer's" -> "customers").
 */
export function displayFold(word: string): string {
  const lower = isAscii(word) ? word.toLowerCase() : word.normalize("NFKC").toLowerCase();
  return lower.includes("'") || lower.includes("\u2019") || lower.includes("\u02bc")
    ? lower.replace(APOSTROPHES, "")
    : lower;
}

/** Removes Latin/Greek/Cyrillic accents: "café" -> "cafe", "İ" (lower-cased) -> "i". */
export function stripDiacritics(text: string): string {
  if (isAscii(text)) return text;
  const decomposed = text.normalize("NFD");
  let out = "";
  let from = 0;
  for (let i = 0; i < decomposed.length; i++) {
    if (!isDiacritic(decomposed.charCodeAt(i))) continue;
    out += decomposed.slice(from, i);
    from = i + 1;
  }
  return (from === 0 ? decomposed : out + decomposed.slice(from)).normalize("NFC");
}

/** The matching key of a word: NFKC, lower case, no accents, no apostrophes. */
export function foldWord(word: string): string {
  return stripDiacritics(displayFold(word));
}

/** The same folding over a whole text, for callers that compare or display normalized text. */
export function normalizeText(text: string): string {
  return stripDiacritics(text.normalize("NFKC").toLowerCase());
}
