import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyTable } from "../../src/domain/similarity/key-table.js";
import {
  PART_UNITS,
  WORD_UNITS,
  keyHash,
  scanKeys,
  scanTicketKeys,
  ticketKeys,
} from "../../src/domain/text/index.js";

// The keys the similarity index reads from ticket text: every word as scanKeys reports it, plus
// camelCase parts at half weight, hyphenated or underscored compounds whole and dotted numbers
// whole.

/** The keys beyond the plain words, as "key" (whole) or "key/part" (camelCase part). */
function extras(text: string): string[] {
  const words: string[] = [];
  scanKeys(text, (key) => words.push(key));
  const out: string[] = [];
  for (const { key, units } of ticketKeys(text)) {
    if (units === PART_UNITS) out.push(`${key}/part`);
    else if (words[0] === key) words.shift();
    else out.push(key);
  }
  return out;
}

describe("scanTicketKeys", () => {
  it.each([
    // camelCase identifiers: the parts at half weight, the word itself stays whole.
    ["readVectored() is slow", ["read/part", "vectored/part"]],
    ["HTTPServer", ["http/part", "server/part"]],
    ["S3AInputStream", ["s3/part", "a/part", "input/part", "stream/part"]],
    ["iPhone", ["i/part", "phone/part"]],
    // Not camelCase: capitalised, all capitals, an apostrophe.
    ["Hello API users, MFA codes O'Neil sent", []],
    // Hyphenated and underscored compounds starting with a letter: whole, beside the parts.
    ["Upgrade jackson-databind now", ["jackson-databind"]],
    ["fixes CVE-2022-42889.", ["cve-2022-42889"]],
    ["set TRIAGE_DATA_ROOT and sign-in", ["triage_data_root", "sign-in"]],
    ["log4j-core and core-default.xml", ["log4j-core", "core-default.xml"]],
    ["the don't-stop rule", ["dont-stop"]],
    // Dotted numbers whole, with a leading "v", inside a compound, after a name and a colon.
    ["Netty 4.1.45.Final and 10.1.0.178:8485", ["4.1.45", "10.1.0.178"]],
    ["snakeyaml v2.0, release-3.3.1", ["2.0", "3.3.1", "release-3.3.1"]],
    ["org.apache.hadoop:hadoop-common:3.4.0", ["hadoop-common", "3.4.0"]],
    // Not whole: dotted names, compounds starting with a digit, times of day, one connector too many.
    ["org.apache.hadoop.fs.FileSystem failed.Next", ["file/part", "system/part"]],
    ["on 2024-01-31 call 555-0100 at 08:12:34.567", []],
    ["a--b a..b a-_b", []],
    // Non-ASCII text: words fold as in scanKeys, compounds stay ASCII.
    ["Café-bar uses jackson-databind, naïve readTimeout", ["jackson-databind", "read/part", "timeout/part"]],
  ])("%j", (text, expected) => {
    expect(extras(text)).toEqual(expected);
  });

  it("weighs words and compounds as one occurrence and camelCase parts as half of one", () => {
    expect(ticketKeys("readVectored jackson-databind 4.1")).toEqual([
      { key: "readvectored", surface: "readvectored", units: WORD_UNITS },
      { key: "read", surface: "read", units: PART_UNITS },
      { key: "vectored", surface: "vectored", units: PART_UNITS },
      { key: "jackson", surface: "jackson", units: WORD_UNITS },
      { key: "databind", surface: "databind", units: WORD_UNITS },
      // A compound is reported once its run has ended.
      { key: "4", surface: "4", units: WORD_UNITS },
      { key: "jackson-databind", surface: "jackson-databind", units: WORD_UNITS },
      { key: "1", surface: "1", units: WORD_UNITS },
      { key: "4.1", surface: "4.1", units: WORD_UNITS },
    ]);
    expect(WORD_UNITS).toBe(2 * PART_UNITS);
  });

  it("reports every word as scanKeys does, in order, and hashes each range as keyHash does", () => {
    const alphabet = [..."aZ9_-.'  :/é’İ…\u00a0\u0301", "v", "Ab", "CVE-", "x.y", "HTTPServer", "東京", "½"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), (pieces) => {
        const text = pieces.join("");
        const words: string[] = [];
        scanKeys(text, (key) => words.push(key));
        const full: string[] = [];
        scanTicketKeys(text, {
          range: (lower, start, end, hash, units) => {
            const key = lower.slice(start, end);
            expect(hash).toBe(keyHash(key));
            if (units === WORD_UNITS) full.push(key);
          },
          key: (key, _surface, units) => {
            if (units === WORD_UNITS) full.push(key);
          },
        });
        // Without the whole compounds and numbers (a connector in them), exactly scanKeys' words.
        expect(full.filter((key) => !/[-_.]/.test(key))).toEqual(words);
      }),
      { numRuns: 400, seed: 14 },
    );
  });
});

describe("KeyTable", () => {
  it("agrees with a Map across growth, for keys given as ranges of a longer text", () => {
    const table = new KeyTable();
    const reference = new Map<string, number>();
    const text = Array.from({ length: 3000 }, (_, i) => `w${(i * 7919) % 5003}`).join(" ");
    let start = 0;
    for (const word of text.split(" ")) {
      const end = start + word.length;
      const hash = keyHash(text, start, end);
      const found = table.find(text, start, end, hash);
      expect(found).toBe(reference.get(word) ?? KeyTable.MISSING);
      if (found === KeyTable.MISSING) {
        reference.set(word, reference.size);
        table.insert(word, hash, reference.size - 1);
      }
      start = end + 1;
    }
    expect(table.size).toBe(reference.size);
    for (const [word, value] of reference)
      expect(table.find(word, 0, word.length, keyHash(word))).toBe(value);
  });

  it("tells keys with the same hash apart, and keeps -1 (a dropped word) as a value", () => {
    const table = new KeyTable();
    // Same hash on purpose: only the key text may decide.
    table.insert("alpha", 42, 7);
    table.insert("beta", 42, -1);
    table.insert("gamma", 42 + 4096, 9); // the same first slot in a table of 4096
    expect(table.find("alpha", 0, 5, 42)).toBe(7);
    expect(table.find("xbetax", 1, 5, 42)).toBe(-1);
    expect(table.find("gamma", 0, 5, 42 + 4096)).toBe(9);
    expect(table.find("delta", 0, 5, 42)).toBe(KeyTable.MISSING);
    expect(table.find("alph", 0, 4, 42)).toBe(KeyTable.MISSING);
  });
});
