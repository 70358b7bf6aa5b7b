import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeTools } from "../../src/mcp/tool-runtime.js";
import { TOOLS } from "../support/workspace.js";
import { DOC_PATH, inputLimitRows, maxMatchLength, renderInputLimits } from "../../scripts/input-limits.js";
import { startHarness } from "../support/harness.js";

describe("docs/input-limits.md", () => {
  it("is generated from the published input schemas and current (npx tsx scripts/input-limits.ts)", async () => {
    expect(readFileSync(DOC_PATH, "utf8")).toBe(await renderInputLimits());
  });

  it("has a row for every tool and every top-level input field", () => {
    const rows = inputLimitRows();
    for (const tool of describeTools(TOOLS)) {
      const fields = Object.keys(tool.inputSchema.properties ?? {});
      const documented = new Set(rows.filter((r) => r.tool === tool.name).map((r) => r.field));
      if (fields.length === 0) expect(documented, tool.name).toEqual(new Set(["(none)"]));
      for (const field of fields) expect(documented.has(field), `${tool.name}.${field}`).toBe(true);
    }
  });

  it("every string and array input of every tool has an upper bound of its own", () => {
    const unbounded = inputLimitRows()
      .filter((r) => r.unbounded)
      .map((r) => `${r.tool} ${r.field}`);
    expect(unbounded).toEqual([]);
  });
});

describe("maxMatchLength (the longest string a pattern can match)", () => {
  const CASES: [string, number | undefined][] = [
    ["^[A-Z][A-Z0-9]{1,9}-\\d{1,9}$", 20],
    ["^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", 36],
    ["^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$", 80],
    ["^(?:ab|c)d?$", 3],
    ["^[\\]x]{2}\\.$", 3],
    ["^a{3}$", 3],
    ["^a+$", undefined],
    ["^a*$", undefined],
    ["^a{2,}$", undefined],
    ["^(?:\\.\\d+)?Z$", undefined],
    ["abc", undefined],
    ["^abc", undefined],
    ["^a|bcd$", undefined],
    ["^(a)\\1$", undefined],
  ];
  for (const [pattern, expected] of CASES) {
    it(`${pattern} -> ${String(expected)}`, () => {
      expect(maxMatchLength(pattern)).toBe(expected);
    });
  }

  it("agrees with the patterns themselves: the longest string found by the bound matches, one more does not", () => {
    expect(maxMatchLength("^[A-Z][A-Z0-9]{1,9}-\\d{1,9}$")).toBe("ABCDEFGHIJ-123456789".length);
    expect(/^[A-Z][A-Z0-9]{1,9}-\d{1,9}$/.test("ABCDEFGHIJ-123456789")).toBe(true);
    expect(/^[A-Z][A-Z0-9]{1,9}-\d{1,9}$/.test("ABCDEFGHIJK-123456789")).toBe(false);
  });
});

describe("the asOf bound", () => {
  it("list_tickets refuses an asOf longer than 40 characters, and accepts nanosecond precision", async () => {
    const h = await startHarness();
    try {
      const long = await h.call("list_tickets", { asOf: `2026-05-04T09:00:00.${"1".repeat(200)}Z` });
      expect(long.text).toBe(
        "INVALID_INPUT: asOf: asOf must be at most 40 characters. See the input schema of list_tickets in tools/list.",
      );
      const precise = await h.call("list_tickets", { asOf: "2026-05-04T09:00:00.123456789+05:30", limit: 1 });
      expect(precise.ok, precise.text).toBe(true);
    } finally {
      await h.close();
    }
  });
});
