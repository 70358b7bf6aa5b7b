import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { foldText } from "../../src/domain/secrets/index.js";

// Plain ASCII text takes a short cut through the fold (its offset map is built only when a match
// asks for it); text with any other character takes the general path. Both must agree.

const PHRASE = { caseFold: true, confusables: true, collapseWhitespace: true } as const;

describe("foldText", () => {
  it("folds plain ASCII exactly as the general path does, text and offsets", () => {
    const ascii = fc.stringMatching(/^[a-zA-Z0-9 \t\n.:-]{0,40}$/);
    fc.assert(
      fc.property(ascii, (text) => {
        // "é" sends the same text down the general path; it folds to one "e" at the end.
        const shortCut = foldText(text, PHRASE);
        const general = foldText(`${text}\u00e9`, PHRASE);
        expect(general.text).toBe(`${shortCut.text}e`);
        for (let i = 0; i <= shortCut.text.length; i++) {
          if (i < shortCut.text.length) expect(shortCut.originalStart(i)).toBe(general.originalStart(i));
          expect(shortCut.originalEnd(i)).toBe(general.originalEnd(i));
        }
      }),
      { numRuns: 2000, seed: 14 },
    );
  });

  it("collapses runs of whitespace to one space or one line break, and maps them back", () => {
    const folded = foldText("Ignore  the\t\tPREVIOUS \n  rules\tnow", PHRASE);
    expect(folded.text).toBe("ignore the previous\nrules now");
    const at = folded.text.indexOf("\n");
    expect([folded.originalStart(at), folded.originalEnd(at + 1)]).toEqual([21, 25]);
    expect(folded.originalStart(folded.text.indexOf("rules"))).toBe(25);
  });
});
