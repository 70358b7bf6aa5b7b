// A light English stemmer in the spirit of Porter's steps 1 and 2 (plus the final "e"), without
// the aggressive later steps. Stems only need to be consistent, not pretty: "charge", "charged",
// "charges" and "charging" all become "charg"; "rotate", "rotated", "rotating" and "rotation"
// all become "rotat". Display uses the surface form, never the stem.
//
// Only plain ASCII-letter words longer than three characters are touched; numbers, mixed tokens
// ("5xx", "v2") and non-Latin words pass through unchanged. A stem is never shorter than two
// characters and never empty.

// Words that end like an adverb ("-ly") but are nouns or verbs.
const LY_EXCEPTIONS: ReadonlySet<string> = new Set([
  "anomaly",
  "assembly",
  "family",
  "supply",
  "multiply",
  "comply",
  "monopoly",
  "butterfly",
  "italy",
  "homily",
  "melancholy",
]);

function isConsonant(w: string, i: number): boolean {
  const c = w.charCodeAt(i);
  if (c === 97 || c === 101 || c === 105 || c === 111 || c === 117) return false;
  // "y" is a vowel after a consonant ("typ-" in "type"), a consonant at the start or after a vowel.
  if (c === 121) return i === 0 ? true : !isConsonant(w, i - 1);
  return true;
}

/** Porter's measure m: the number of vowel-consonant sequences in w[0, end). */
function measure(w: string, end: number): number {
  let i = 0;
  let m = 0;
  while (i < end && isConsonant(w, i)) i++;
  while (i < end) {
    while (i < end && !isConsonant(w, i)) i++;
    if (i >= end) break;
    while (i < end && isConsonant(w, i)) i++;
    m++;
  }
  return m;
}

function hasVowel(w: string, end: number): boolean {
  for (let i = 0; i < end; i++) if (!isConsonant(w, i)) return true;
  return false;
}

/** consonant-vowel-consonant ending, the last not w, x or y ("hop", "rat", but not "snow"). */
function endsCvc(w: string, end: number): boolean {
  if (end < 3) return false;
  if (!isConsonant(w, end - 1) || isConsonant(w, end - 2) || !isConsonant(w, end - 3)) return false;
  const c = w.charCodeAt(end - 1);
  return c !== 119 && c !== 120 && c !== 121;
}

function endsDoubleConsonant(w: string): boolean {
  const n = w.length;
  return n >= 2 && w.charCodeAt(n - 1) === w.charCodeAt(n - 2) && isConsonant(w, n - 1);
}

// Derivational suffixes, longest first within a shared ending. Applied once, when the remaining
// stem has measure > 0. "-ly" becomes "-li" by the y rule before this table runs.
const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ["ational", "ate"],
  ["tional", "tion"],
  ["ization", "ize"],
  ["ification", "ifi"],
  ["ation", "ate"],
  ["ator", "ate"],
  ["iveness", "ive"],
  ["fulness", "ful"],
  ["ousness", "ous"],
  ["biliti", "ble"],
  ["aliti", "al"],
  ["iviti", "ive"],
  ["ness", ""],
];

const PLAIN_WORD = /^[a-z]+$/;
// Four-letter plurals of words ending in "i" ("apis", "kpis", "uris"), unlike "axis" or "basis".
const SHORT_PLURAL_IS = /^(?!axis$|iris$|ibis$)[a-z]{2}is$/;

export function stem(word: string): string {
  if (word.length <= 3 || !PLAIN_WORD.test(word)) return word;
  let w = word;

  // Plurals and third person: -sses, -ies, -s (but not -ss, -us, -is: "access", "status", "analysis").
  if (w.endsWith("sses")) w = w.slice(0, -2);
  else if (w.endsWith("ies")) w = w.length > 4 ? w.slice(0, -3) + "y" : w.slice(0, -1);
  else if (w.endsWith("ss") || w.endsWith("us") || (w.endsWith("is") && !SHORT_PLURAL_IS.test(w))) {
    // keep
  } else if (w.endsWith("s")) w = w.slice(0, -1);

  // Past tense and gerund: -eed, -ed, -ing, then repair the stem ("rotat" -> "rotate", "stopp" -> "stop").
  if (w.endsWith("eed")) {
    if (measure(w, w.length - 3) > 0) w = w.slice(0, -1);
  } else {
    const cut = w.endsWith("ed") ? 2 : w.endsWith("ing") ? 3 : 0;
    if (cut > 0 && w.length - cut >= 3 && hasVowel(w, w.length - cut)) {
      w = w.slice(0, -cut);
      if (w.endsWith("at") || w.endsWith("bl") || w.endsWith("iz")) w += "e";
      else if (endsDoubleConsonant(w) && !/[lsz]$/.test(w)) w = w.slice(0, -1);
      else if (measure(w, w.length) === 1 && endsCvc(w, w.length)) w += "e";
    }
  }

  // Terminal y after a consonant: "verify"/"verified"/"verifies" all meet at "verifi".
  if (w.length > 2 && w.endsWith("y") && isConsonant(w, w.length - 2) && hasVowel(w, w.length - 1)) {
    w = w.slice(0, -1) + "i";
  }

  w = stripDerivational(w, word);

  // Final e: "charge" -> "charg", but short cvc words keep it ("rate", "time", "page").
  if (w.length > 3 && w.endsWith("e")) {
    const m = measure(w, w.length - 1);
    if (m > 1 || (m === 1 && !endsCvc(w, w.length - 1))) w = w.slice(0, -1);
  }

  return w.length >= 2 ? w : word;
}

function stripDerivational(w: string, original: string): string {
  for (const [suffix, replacement] of SUFFIXES) {
    if (w.endsWith(suffix)) {
      const base = w.length - suffix.length;
      if (measure(w, base) > 0) return w.slice(0, base) + replacement;
      break;
    }
  }
  // Adverbs: "suddenly" -> "sudden", "monthly" -> "month"; not "reply", "apply", "family".
  if (w.endsWith("li") && original.endsWith("ly") && w.length - 2 >= 4 && !LY_EXCEPTIONS.has(original)) {
    return w.slice(0, -2);
  }
  // "-ful": "successful" -> "success", "helpful" -> "help".
  if (w.endsWith("ful") && w.length - 3 >= 4) return w.slice(0, -3);
  // "-ion" after s/t: "connection" -> "connect", "deletion" -> "delet", "session" -> "sess".
  if (
    w.endsWith("ion") &&
    w.length - 3 >= 4 &&
    /[st]$/.test(w.slice(0, -3)) &&
    measure(w, w.length - 3) > 0
  ) {
    return w.slice(0, -3);
  }
  return w;
}
