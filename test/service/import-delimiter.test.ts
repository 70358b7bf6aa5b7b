import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  chooseDelimiter,
  CsvParser,
  headerDelimiterCounts,
  parseDelimiter,
} from "../../src/service/import/csv.js";
import { SourceTextError } from "../../src/service/import/source.js";
import { readCsvTable } from "../../src/service/import/table.js";
import { tempDirs } from "../support/temp.js";

// Spreadsheets in locales whose decimal mark is a comma export CSV with semicolons; some
// helpdesks export tabs. The delimiter is detected from the header line (outside quotes) or
// given with --delimiter, and the report says which one was used and how it was chosen.
// Delimiters are a matter of the file, not of the workspace: these tests run once.

const temp = tempDirs("import-delimiter");

function write(name: string, text: string): string {
  const path = join(temp("csv"), name);
  writeFileSync(path, text);
  return path;
}

// A European Excel export (also in test/cli/import.test.ts): semicolons, a decimal comma, and a semicolon inside a quoted field.
const SEMICOLON =
  'Subject;Description;Priority;Amount\n"Login fails; again";Cannot log in since Monday;High;12,50\n' +
  "Invoice wrong;Charged twice;Normal;99,00\n";

describe("delimiter detection", () => {
  it.each([
    ["a comma header", "id,subject,status\n1,x,open\n", "comma"],
    ["a semicolon header", SEMICOLON, "semicolon"],
    ["a tab header", "id\tsubject\tstatus\n1\tx,y\topen\n", "tab"],
    // Quoted header names may hold other candidates: only separators outside quotes count.
    ["commas inside quoted names", '"Name, full";"Subject, short";Status\n', "semicolon"],
    ["blank lines before the header", "\n\r\nid;subject\n", "semicolon"],
  ])("%s", (_name, text, expected) => {
    const counts = headerDelimiterCounts(text, true);
    expect(counts).toBeDefined();
    expect(chooseDelimiter(undefined, counts!)).toEqual({ delimiter: expected, by: "detected" });
  });

  it("waits for the whole header line (a chunk may end inside it)", () => {
    expect(headerDelimiterCounts("id;sub", false)).toBeUndefined();
    expect(headerDelimiterCounts('"multi\nline";x', false)).toBeUndefined();
    expect(headerDelimiterCounts('"multi\nline";x\n', false)).toEqual({ comma: 0, semicolon: 1, tab: 0 });
  });

  it("reads a one-column header as comma by default, and refuses to guess on a tie", () => {
    expect(chooseDelimiter(undefined, { comma: 0, semicolon: 0, tab: 0 })).toEqual({
      delimiter: "comma",
      by: "default",
    });
    expect(chooseDelimiter(undefined, { comma: 2, semicolon: 2, tab: 0 })).toBeUndefined();
    expect(chooseDelimiter("tab", { comma: 2, semicolon: 2, tab: 0 })).toEqual({
      delimiter: "tab",
      by: "option",
    });
  });

  it("parses --delimiter names and characters", () => {
    expect(parseDelimiter("semicolon")).toBe("semicolon");
    expect(parseDelimiter("Comma")).toBe("comma");
    expect(parseDelimiter(";")).toBe("semicolon");
    expect(parseDelimiter("\\t")).toBe("tab");
    expect(parseDelimiter("\t")).toBe("tab");
    expect(parseDelimiter("|")).toBeUndefined();
  });

  it("the parser splits on the chosen delimiter and keeps quoted ones as text", () => {
    const parser = new CsvParser("semicolon");
    const records = [...parser.push(SEMICOLON), ...parser.end()];
    expect(records.map((r) => r.fields)).toEqual([
      ["Subject", "Description", "Priority", "Amount"],
      ["Login fails; again", "Cannot log in since Monday", "High", "12,50"],
      ["Invoice wrong", "Charged twice", "Normal", "99,00"],
    ]);
  });
});

describe("readCsvTable", () => {
  it("detects the delimiter and reads the columns", () => {
    const table = readCsvTable(write("semi.csv", SEMICOLON));
    expect(table.delimiter).toEqual({ delimiter: "semicolon", by: "detected" });
    expect(table.columns).toEqual(["Subject", "Description", "Priority", "Amount"]);
    expect(table.rows.map((r) => r.error)).toEqual([undefined, undefined]);
  });

  it("a forced delimiter wins over detection", () => {
    const table = readCsvTable(write("semi.csv", SEMICOLON), undefined, "comma");
    expect(table.delimiter).toEqual({ delimiter: "comma", by: "option" });
    expect(table.columns).toEqual(["Subject;Description;Priority;Amount"]);
  });

  it("a tie is a file-level error asking for --delimiter", () => {
    const path = write("tie.csv", "a,b;c\n1,2;3\n");
    expect(() => readCsvTable(path)).toThrow(SourceTextError);
    expect(() => readCsvTable(path)).toThrow(
      "cannot tell the delimiter: the header line has 1 comma and 1 semicolon outside quotes. Pass --delimiter comma, semicolon or tab.",
    );
  });
});
