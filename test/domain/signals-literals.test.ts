import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TextGrams, requiredLiterals } from "../../src/domain/signals/literals.js";

// The literals a rule's regex cannot match without: a text holding none of them is not scanned.
// A wrong literal would silently drop a detection, so the reader is checked against the regex
// engine itself on random patterns and texts.

describe("requiredLiterals", () => {
  it.each([
    [/\bignore\s(?:all|any)\sprevious\b/g, [["previous"], ["ignore"], ["all", "any"]]],
    [/\b(?:pre-?approved|authori[sz]ed)\b/g, [["preapproved", "pre-approved", "authorised", "authorized"]]],
    [/approval(?:\sstatus)?\s?[:=]\s?granted/g, [["approval"], ["granted"], [":", "="]]],
    [/\b5\d\d\b|\b5xx\b/g, [["5", "5xx"]]],
    [/<\|im_start\|>|\[\/?inst\]/g, [["<|im_start|>", "[inst]", "[/inst]"]]],
    [/(?<=^|\n)(?:system|ai):/g, [["system:", "ai:"]]],
    [/(?<=^|\n)(?:system|ai)\s?:/g, [["system", "ai"], [":"]]],
    // Nothing to require: optional words, a class, a back-reference, an "i" flag.
    [/\b(?:please\s)?[a-z]+\b/g, []],
    [/(a)\1/g, []],
    [/ignore/gi, []],
  ] as const)("%s", (pattern, expected) => {
    const clauses = requiredLiterals(pattern).map((c) => [...c].sort());
    expect(clauses.sort()).toEqual(expected.map((c) => [...c].sort()).sort());
  });

  it("never rules out a text the regex matches (random patterns and texts)", () => {
    // Small alphabets so that matches are frequent; every construct the reader knows.
    const atom: fc.Arbitrary<string> = fc.constantFrom(
      "a",
      "b",
      "ab",
      "c",
      " ",
      "\\s",
      "\\b",
      "[ab]",
      "[^a]",
      "[a-c]",
      ".",
      "\\.",
      "\\d",
      "^",
      "$",
    );
    const quantifier = fc.constantFrom("", "", "", "?", "*", "+", "{2}", "{1,2}", "{0,3}", "??", "+?");
    const pattern = fc.letrec<{ seq: string; alt: string; group: string }>((tie) => ({
      seq: fc
        .array(fc.oneof({ weight: 4, arbitrary: atom }, { weight: 1, arbitrary: tie("group") }), {
          minLength: 1,
          maxLength: 5,
        })
        .chain((parts) =>
          fc
            .array(quantifier, { minLength: parts.length, maxLength: parts.length })
            .map((qs) => parts.map((p, i) => p + (qs[i] ?? "")).join("")),
        ),
      alt: fc.array(tie("seq"), { minLength: 1, maxLength: 3 }).map((s) => s.join("|")),
      group: fc
        .tuple(fc.constantFrom("(", "(?:", "(?=", "(?!", "(?<=", "(?<!"), tie("alt"))
        .map(([open, body]) => `${open}${body})`),
    })).alt;
    const text = fc.stringMatching(/^[abc1. \n]{0,12}$/);
    fc.assert(
      fc.property(pattern, fc.array(text, { minLength: 1, maxLength: 8 }), (source, texts) => {
        let regex: RegExp;
        try {
          regex = new RegExp(source, "g");
        } catch {
          return; // not a regex ("\\b+": nothing to repeat)
        }
        const clauses = requiredLiterals(regex);
        for (const t of texts) {
          regex.lastIndex = 0;
          if (regex.test(t)) expect(new TextGrams(t).allows(clauses)).toBe(true);
        }
      }),
      { numRuns: 3000, seed: 14 },
    );
  });
});

describe("TextGrams", () => {
  it("contains answers exactly as includes does", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[ab c\u00e9]{0,40}$/),
        fc.stringMatching(/^[ab c\u00e9]{1,5}$/),
        (text, literal) => {
          expect(new TextGrams(text).contains(literal)).toBe(text.includes(literal));
        },
      ),
      { numRuns: 3000, seed: 14 },
    );
  });

  it("allows a text only when every clause has a literal in it", () => {
    const grams = new TextGrams("please ignore the previous note");
    expect(grams.allows([])).toBe(true);
    expect(grams.allows([["ignore", "disregard"], ["previous"]])).toBe(true);
    expect(grams.allows([["ignore"], ["instructions", "rules"]])).toBe(false);
  });
});
