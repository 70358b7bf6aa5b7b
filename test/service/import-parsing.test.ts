import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseColumnOverride, resolveColumns } from "../../src/service/import/columns.js";
import { CsvParser, type CsvRecord } from "../../src/service/import/csv.js";
import { parseJsonRecords } from "../../src/service/import/json.js";
import { firstInvalidUtf8, SourceTextError } from "../../src/service/import/source.js";
import { readCsvTable, readJsonTable } from "../../src/service/import/table.js";
import { foldKey, importValuesFor, parseDate } from "../../src/service/import/values.js";
import { WORKSPACES } from "../support/workspaces.js";

// Parsing (CSV, JSON, UTF-8, columns, dates) does not depend on the workspace and runs once; the
// value tables come from the workspace and run on each (describe.each below).

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), "import-parse-"));
  temps.push(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function parse(text: string, chunks: number[] = []): CsvRecord[] {
  const parser = new CsvParser();
  const out: CsvRecord[] = [];
  let from = 0;
  for (const at of [...chunks, text.length]) {
    out.push(...parser.push(text.slice(from, at)));
    from = at;
  }
  out.push(...parser.end());
  return out;
}

const rows = (records: CsvRecord[]) => records.map((r) => r.fields);

describe("CSV parser (RFC 4180)", () => {
  it.each([
    [
      "plain fields",
      "a,b,c\n1,2,3\n",
      [
        ["a", "b", "c"],
        ["1", "2", "3"],
      ],
    ],
    [
      "CRLF line ends",
      "a,b\r\n1,2\r\n",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "lone CR line ends",
      "a,b\r1,2\r",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    [
      "no line break at the end",
      "a,b\n1,2",
      [
        ["a", "b"],
        ["1", "2"],
      ],
    ],
    ["empty fields and a trailing separator", "a,,c,\n", [["a", "", "c", ""]]],
    ["a comma inside quotes", 'x,"one, two",y\n', [["x", "one, two", "y"]]],
    ["escaped quotes", '"say ""hi""",""""\n', [['say "hi"', '"']]],
    ["an empty quoted field", '"",b\n', [["", "b"]]],
    ["embedded LF and CRLF kept as written", '"l1\nl2\r\nl3",z\r\n', [["l1\nl2\r\nl3", "z"]]],
    ["a quoted field at the end of the input", 'a,"b"', [["a", "b"]]],
  ])("%s", (_label, text, expected) => {
    const records = parse(text);
    expect(rows(records)).toEqual(expected);
    expect(records.every((r) => r.error === undefined)).toBe(true);
  });

  it("numbers each record by the line it starts on, counting line breaks inside quotes", () => {
    const text = 'h1,h2\r\n"two\r\nlines",x\r\nplain,y\r\n"three\nlines\rhere",z\n\nlast,w';
    expect(parse(text).map((r) => r.line)).toEqual([1, 2, 4, 5, 8, 9]);
  });

  it("reports a quote inside an unquoted field, text after a closing quote, and an unclosed quote", () => {
    const records = parse('a,b\nab"c,d\n"x"y,z\nok,1\n"never closed,2\n3,4\n');
    expect(records.map((r) => [r.line, r.error])).toEqual([
      [1, undefined],
      [2, "a quote inside an unquoted field (field 1)"],
      [3, "text after the closing quote of field 1"],
      [4, undefined],
      [5, "a quoted field opened on line 5 is never closed"],
    ]);
  });

  it("gives the same records however the input is split into chunks", () => {
    const cell = fc.oneof(
      fc.string({ unit: fc.constantFrom("a", "b", " ", "é", "😀"), maxLength: 4 }),
      fc.string({ unit: fc.constantFrom("a", ",", '"', "\n", "\r", "\r\n"), maxLength: 6 }),
    );
    const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(table, fc.constantFrom("\n", "\r\n", "\r"), fc.array(fc.nat()), (cells, eol, cuts) => {
        const text = cells.map((r) => r.map(quote).join(",")).join(eol) + eol;
        const whole = parse(text);
        const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
        expect(parse(text, points)).toEqual(whole);
        // A row of one empty cell is a blank line: it parses as one empty field.
        expect(rows(whole)).toEqual(cells.map((r) => r.map((c) => c)));
      }),
      { numRuns: 300 },
    );
  });
});

describe("reading export files", () => {
  it("strips a UTF-8 byte order mark, skips blank lines, and reports ragged rows by line", () => {
    const path = file(
      "bom.csv",
      "\uFEFFSubject,Status\r\nFirst,open\r\n\r\n,\r\nSecond\r\nThird,closed,extra\r\n",
    );
    const table = readCsvTable(path);
    expect(table.columns).toEqual(["Subject", "Status"]);
    expect(table.blankRows).toBe(2);
    expect(table.rows.map((r) => [r.line, r.error])).toEqual([
      [2, undefined],
      [5, "has 1 fields, the header has 2"],
      [6, "has 3 fields, the header has 2"],
    ]);
  });

  it("refuses a file that is not UTF-8, naming the line of the first bad byte", () => {
    const path = file(
      "latin1.csv",
      Buffer.concat([Buffer.from("subject\nok\nbad caf"), Buffer.from([0xe9]), Buffer.from("\n")]),
    );
    expect(() => readCsvTable(path)).toThrow(SourceTextError);
    try {
      readCsvTable(path);
    } catch (error) {
      expect((error as SourceTextError).line).toBe(3);
      expect((error as Error).message).toMatch(/not UTF-8 text \(invalid byte at offset 18\)/);
    }
  });

  it("finds the first invalid UTF-8 byte", () => {
    expect(firstInvalidUtf8(Buffer.from("plain é 😀"))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xc0, 0x80]))).toBe(1); // overlong
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1); // surrogate
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1); // truncated
  });

  it("refuses a file with no header row", () => {
    expect(() => readCsvTable(file("empty.csv", "\n\n"))).toThrow(/the file is empty: no header row/);
  });

  it("numbers JSON records by their first line, in an array or under tickets", () => {
    const text = '[\n  {"a": "x,\\"]"},\n  {"a": [1, {"b": 2}]}, {"a": 3},\n\n  "not an object"\n]';
    expect(parseJsonRecords(text).map((r) => r.line)).toEqual([2, 3, 3, 5]);
    const wrapped = '{"meta": {"tickets": []},\n "tickets": [\n{"a": 1},\n\n{"a": 2}]}';
    expect(parseJsonRecords(wrapped).map((r) => [r.line, r.value])).toEqual([
      [3, { a: 1 }],
      [5, { a: 2 }],
    ]);
  });

  it("reports invalid JSON with its line, and a JSON value that holds no records", () => {
    expect(() => parseJsonRecords('[\n{"a": 1},\n{"a": }\n]')).toThrow(/not valid JSON/);
    try {
      parseJsonRecords('[\n{"a": 1},\n{"a": }\n]');
    } catch (error) {
      expect((error as SourceTextError).line).toBe(3);
    }
    expect(() => parseJsonRecords('{"rows": []}')).toThrow(/neither a JSON array of records nor an object/);
  });

  it("flattens nested JSON objects to dotted columns and keeps lists of scalars as lists", () => {
    const path = file(
      "nested.json",
      JSON.stringify([
        { id: 1, customer: { name: "A", vip: true }, labels: ["x", "y"] },
        {},
        { id: 2, extra: null, labels: [] },
        7,
      ]),
    );
    const table = readJsonTable(path);
    expect(table.columns).toEqual(["id", "customer.name", "customer.vip", "labels"]);
    expect(table.rows.map((r) => r.values)).toEqual([
      ["1", "A", "true", ["x", "y"]],
      ["2", undefined, undefined, []],
      [],
    ]);
    expect(table.rows[2]?.error).toBe("record [3] is not an object");
    expect(table.blankRows).toBe(1);
  });
});

describe("column mapping", () => {
  it("matches default headers ignoring case, spaces and separators; the first default name present wins", () => {
    const mapping = resolveColumns(
      [
        "TICKET_ID",
        "Title",
        "Summary",
        "Body",
        "State",
        "Urgency",
        "Labels",
        "Created-Date",
        "Organization",
        "Notes",
      ],
      [],
    );
    expect(Object.fromEntries(mapping.fields)).toEqual({
      externalId: 0,
      subject: 1,
      description: 3,
      status: 4,
      priority: 5,
      tags: 6,
      createdAt: 7,
      customer: 8,
    });
    expect(mapping.columns.find((c) => c.column === "Summary")).toEqual({
      column: "Summary",
      field: null,
      by: "unmapped",
    });
  });

  it("lets --map override a default, ignore a column, and refuses unknown fields and columns", () => {
    const mapping = resolveColumns(
      ["Subject", "Headline", "Status"],
      [parseColumnOverride("headline=subject"), parseColumnOverride("Status=ignore")],
    );
    expect(Object.fromEntries(mapping.fields)).toEqual({ subject: 1 });
    expect(mapping.columns.map((c) => c.by)).toEqual(["unmapped", "map", "ignored"]);
    expect(() => parseColumnOverride("a=colour")).toThrow(/"colour" is not a ticket field/);
    expect(() => parseColumnOverride("nothing")).toThrow(/is not column=field/);
    expect(() => resolveColumns(["Subject"], [parseColumnOverride("Missing=subject")])).toThrow(
      /--map names the column "Missing", which the file does not have\. Columns: "Subject"\./,
    );
    expect(parseColumnOverride("customer.name=customer.plan")).toEqual({
      column: "customer.name",
      field: "plan",
    });
  });
});

// The value tables come from the workspace: on each one, every id and alias of every list, in any
// case and with any separator, maps to its id, and a word of another workspace maps to nothing.
describe.each(WORKSPACES)("values on the $label workspace", ({ workspace }) => {
  const values = importValuesFor(workspace);
  const lists = [
    ["status", workspace.statuses],
    ["priority", workspace.priorities],
    ["category", workspace.categories],
    ["team", workspace.vocabulary.teams.map((id) => ({ id, aliases: workspace.aliases.teams[id] ?? [] }))],
    ["plan", workspace.plans],
  ] as const;
  /** How an export may spell `word`: any case, words joined by spaces, hyphens or underscores. */
  const spellings = (word: string): string[] => {
    const cases = [
      word,
      word.toLowerCase(),
      word.toUpperCase(),
      word.replace(/\b\w/g, (ch) => ch.toUpperCase()),
    ];
    return [...new Set(cases.flatMap((w) => [w, w.replace(/[\s_-]+/g, "-"), w.replace(/[\s_-]+/g, "_")]))];
  };

  it.each(lists)("%s: every id and alias, however spelled, maps to its id", (field, defs) => {
    const table = values[field];
    let checked = 0;
    for (const def of defs) {
      for (const word of [def.id, ...def.aliases]) {
        for (const spelled of spellings(word)) {
          expect(table.get(foldKey(spelled)), `${field} ${spelled}`).toBe(def.id);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(defs.length);
  });

  it("a word of another workspace that is none of ours maps to nothing", () => {
    let foreign = 0;
    for (const [field, defs] of lists) {
      const ours = new Set(defs.flatMap((d) => [d.id, ...d.aliases]).map(foldKey));
      for (const key of WORKSPACES.flatMap((w) => [...importValuesFor(w.workspace)[field].keys()])) {
        if (ours.has(key)) continue;
        expect(values[field].get(key), `${field} ${key}`).toBeUndefined();
        foreign++;
      }
    }
    expect(foreign).toBeGreaterThan(0);
  });
});

// Dates are read the same on every workspace.
describe("dates", () => {
  it.each([
    ["2026-04-30T08:15:00Z", "2026-04-30T08:15:00.000Z", false],
    ["2026-04-30T10:15:00+02:00", "2026-04-30T08:15:00.000Z", false],
    ["2026-04-30 08:15:30.250 -0130", "2026-04-30T09:45:30.250Z", false],
    ["2026/04/30 08:15", "2026-04-30T08:15:00.000Z", true],
    ["2026-04-30", "2026-04-30T00:00:00.000Z", true],
    ["Thu, 30 Apr 2026 08:15:00 +0000", "2026-04-30T08:15:00.000Z", false],
    ["1777536900", "2026-04-30T08:15:00.000Z", false],
    ["1777536900000", "2026-04-30T08:15:00.000Z", false],
  ])("date %s", (raw, expected, assumedUtc) => {
    expect(parseDate(raw)).toEqual({ date: new Date(expected), assumedUtc });
  });

  it.each(["30/04/2026", "yesterday", "2026-02-30", "2026-04-30T25:00", "1969-12-31"])(
    "refuses the date %s",
    (raw) => {
      expect(parseDate(raw)).toHaveProperty("error");
    },
  );
});
