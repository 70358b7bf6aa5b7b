// Payment card numbers (PCI scope): 13 to 19 digits, optionally in groups separated by spaces or
// dashes, that pass the Luhn check and start with a known scheme's prefix at a length that scheme
// issues. Order numbers, phone numbers, timestamps and long ids are told apart by that structure:
// a random number passes Luhn one time in ten, so the prefix, the length, the grouping and the
// words around it do the rest.

export const PAYMENT_CARD = "payment card number";

/** A run of digits with single spaces or dashes between them; linear (each step eats a digit). */
export const CARD_CANDIDATE = String.raw`(?<![0-9A-Za-z+#./_-])(?:[0-9][ -]?){12,18}[0-9](?![0-9A-Za-z]|[.,/-][0-9])`;

interface Scheme {
  readonly prefix: RegExp;
  readonly lengths: readonly number[];
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Issuer prefixes and lengths as the schemes publish them.
const SCHEMES: readonly Scheme[] = [
  { prefix: /^4/, lengths: [13, 16, 19] }, // Visa
  { prefix: /^(?:5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)/, lengths: [16] }, // Mastercard
  { prefix: /^3[47]/, lengths: [15] }, // American Express
  { prefix: /^(?:6011|64[4-9]|65)/, lengths: range(16, 19) }, // Discover
  { prefix: /^35(?:2[89]|[3-8])/, lengths: range(16, 19) }, // JCB
  { prefix: /^(?:30[0-5]|3095|36|3[89])/, lengths: range(14, 19) }, // Diners Club
  { prefix: /^62/, lengths: range(16, 19) }, // UnionPay
  { prefix: /^(?:50|5[6-9]|6[0-9])/, lengths: range(13, 19) }, // Maestro
];

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

function knownScheme(digits: string): boolean {
  return SCHEMES.some((s) => s.prefix.test(digits) && s.lengths.includes(digits.length));
}

// Printed layouts: 4-4-4-4(-3), 4-4-4-1 (13-digit Visa), 4-6-5 (Amex), 4-6-4 (Diners).
const GROUPED = /^(?:[0-9]{4}(?:[ -][0-9]{4}){2,3}(?:[ -][0-9]{1,4})?|[0-9]{4}[ -][0-9]{6}[ -][0-9]{4,5})$/;

// Words that say the number is something else, just before it.
const OTHER_NUMBER =
  /(?:order|invoice|tracking|ticket|case|reference|ref|booking|confirmation|transaction|account|acct|iban|customer|member|serial|imei|sku|item|phone|tel|telephone|mobile|fax|call|whatsapp|id|nr|no|number|#|bestell\w*|rechnung\w*|kunden\w*|auftrag\w*|sendung\w*)\W{0,3}$/i;
// Words that say it is a card, for long unseparated numbers.
const CARD_WORD =
  /(?:card|karte|visa|mastercard|amex|maestro|discover|jcb|diners|unionpay|credit|debit|kredit|pan|cc)\b/i;

/** Accepts a CARD_CANDIDATE match at `start` in `text` as a card number. */
export function isCardNumber(candidate: string, text: string, start: number): boolean {
  const separated = /[ -]/.test(candidate);
  if (separated) {
    if (!GROUPED.test(candidate)) return false;
    // One kind of separator throughout: "4111 1111-1111 1111" is not how a card is written.
    if (candidate.includes(" ") && candidate.includes("-")) return false;
  }
  const digits = candidate.replace(/[ -]/g, "");
  if (digits.length < 13 || digits.length > 19 || !luhnValid(digits) || !knownScheme(digits)) return false;
  if (/^(.)\1+$/.test(digits)) return false;
  const before = text.slice(Math.max(0, start - 30), start);
  if (OTHER_NUMBER.test(before) && !CARD_WORD.test(before)) return false;
  // A long run of digits is an id far more often than a card, unless a card is named.
  if (!separated && digits.length > 16 && !CARD_WORD.test(text.slice(Math.max(0, start - 60), start)))
    return false;
  return true;
}
