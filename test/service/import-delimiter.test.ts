import { rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runImport, type ImportIo } from "../../src/cli/import.js";
import { createMemoryLogger } from "../../src/logging.js";
import type { ImportReport } from "../../src/service/import-service.js";
import {
  chooseDelimiter,
  CsvParser,
  headerDelimiterCounts,
  parseDelimiter,
} from "../../src/service/import/csv.js";
import { SourceTextError } from "../../src/service/import/source.js";
import { readCsvTable } from "../../src/service/import/table.js";
import { openTriage } from "../../src/service/runtime.js";
import { TEST_NOW, writeTestData, type TestData } from "../support/data.js";

// Spreadsheets in locales whose decimal mark is a comma export CSV with semicolons; some
// helpdesks export tabs. The delimiter is detected from the header line (outside quotes) or
// given with --delimiter, and the report says which one was used and how it was chosen.

const ROOT = resolve(import.meta.dirname, "../..");
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

async function runtime(): Promise<TestData> {
  const data = writeTestData();
  temps.push(data.root);
  const triage = await openTriage({ ...data, minutesSaved: 8 }, createMemoryLogger(), {
    clock: () => TEST_NOW,
  });
  await triage.close();
  return data;
}

function write(data: TestData, name: string, text: string): string {
  const path = join(data.root, name);
  writeFileSync(path, text);
  return path;
}

// A European Excel export: semicolons, a decimal comma, and a semicolon inside a quoted field.
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
  it("detects the delimiter and reads the columns", async () => {
    const data = await runtime();
    const table = readCsvTable(write(data, "semi.csv", SEMICOLON));
    expect(table.delimiter).toEqual({ delimiter: "semicolon", by: "detected" });
    expect(table.columns).toEqual(["Subject", "Description", "Priority", "Amount"]);
    expect(table.rows.map((r) => r.error)).toEqual([undefined, undefined]);
  });

  it("a forced delimiter wins over detection", async () => {
    const data = await runtime();
    const table = readCsvTable(write(data, "semi.csv", SEMICOLON), undefined, "comma");
    expect(table.delimiter).toEqual({ delimiter: "comma", by: "option" });
    expect(table.columns).toEqual(["Subject;Description;Priority;Amount"]);
  });

  it("a tie is a file-level error asking for --delimiter", async () => {
    const data = await runtime();
    const path = write(data, "tie.csv", "a,b;c\n1,2;3\n");
    expect(() => readCsvTable(path)).toThrow(SourceTextError);
    expect(() => readCsvTable(path)).toThrow(
      "cannot tell the delimiter: the header line has 1 comma and 1 semicolon outside quotes. Pass --delimiter comma, semicolon or tab.",
    );
  });
});

describe("npm run import with a semicolon export", () => {
  function io(data: TestData): ImportIo & { out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      cwd: ROOT,
      env: { TRIAGE_SEED_FILE: data.seedFile, TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot },
      stderrIsTTY: false,
      clock: () => TEST_NOW,
    };
  }

  it("imports it and says which delimiter was used and how it was chosen", async () => {
    const data = await runtime();
    const file = write(data, "europe.csv", SEMICOLON);
    const run = io(data);
    expect(await runImport(["--from", file, "--data-root", data.dataRoot, "--actor", "me"], run)).toBe(0);
    const text = run.out.join("");
    expect(text).toMatch(/^Imported 2 tickets from europe\.csv/);
    expect(text).toContain("  delimiter: semicolon (detected from the header line)\n");
    expect(text).toContain('"Subject"');

    const json = io(data);
    const again = write(data, "europe-2.csv", SEMICOLON.replace("Normal", "Low"));
    expect(
      await runImport(["--from", again, "--data-root", data.dataRoot, "--dry-run", "--json"], json),
    ).toBe(0);
    expect((JSON.parse(json.out.join("")) as ImportReport).source.delimiter).toEqual({
      delimiter: "semicolon",
      by: "detected",
    });
  });

  it("--delimiter forces it; a bad value or a JSON file is a usage error", async () => {
    const data = await runtime();
    const file = write(data, "forced.csv", SEMICOLON);
    const forced = io(data);
    expect(
      await runImport(
        ["--from", file, "--data-root", data.dataRoot, "--dry-run", "--delimiter", ";"],
        forced,
      ),
    ).toBe(0);
    expect(forced.out.join("")).toContain("  delimiter: semicolon (given with --delimiter)\n");

    const bad = io(data);
    expect(await runImport(["--from", file, "--data-root", data.dataRoot, "--delimiter", "pipe"], bad)).toBe(
      2,
    );
    expect(bad.err.join("")).toContain('--delimiter must be comma, semicolon or tab, got "pipe".');

    const json = io(data);
    const jsonFile = write(data, "export.json", '[{"subject": "x"}]');
    expect(
      await runImport(["--from", jsonFile, "--data-root", data.dataRoot, "--delimiter", "tab"], json),
    ).toBe(2);
    expect(json.err.join("")).toContain("--delimiter applies to CSV files only");
  });

  it("(before) reading it with commas gives the confusing single-column report", async () => {
    const data = await runtime();
    const file = write(data, "europe.csv", SEMICOLON);
    const run = io(data);
    expect(
      await runImport(
        ["--from", file, "--data-root", data.dataRoot, "--delimiter", "comma", "--dry-run"],
        run,
      ),
    ).toBe(1);
    expect(run.out.join("")).toContain('the file has "Subject;Description;Priority;Amount"');
  });
});
