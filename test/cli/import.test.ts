import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderSummary, runImport, type ImportIo } from "../../src/cli/import.js";
import { createMemoryLogger } from "../../src/logging.js";
import type { ImportReport } from "../../src/service/import-service.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import { TEST_NOW, writeTestData, type TestData } from "../support/data.js";
import { builtEntry } from "../support/built.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = builtEntry("src/cli/import.ts");
const FIXTURES = join(ROOT, "test/fixtures-import");

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

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[], data?: TestData): Promise<Run> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.TRIAGE_DATA_ROOT;
  if (data !== undefined) {
    env.TRIAGE_SEED_FILE = data.seedFile;
    env.TRIAGE_KNOWLEDGE_ROOT = data.knowledgeRoot;
  }
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

const auditBytes = (data: TestData) => readFileSync(join(data.dataRoot, "audit.jsonl"));
const importsDir = (data: TestData) =>
  existsSync(join(data.dataRoot, "imports")) ? readdirSync(join(data.dataRoot, "imports")) : [];

describe("npm run import (child process)", () => {
  it("imports a file (exit 0) while another process has the runtime open, which then sees the tickets", async () => {
    const data = await runtime();
    const server: Triage = await openTriage({ ...data, minutesSaved: 8 }, createMemoryLogger());
    try {
      const before = server.service.listTickets({ offset: 0, limit: 1 }).total;
      const run = await cli(
        ["--from", join(FIXTURES, "helpdesk-basic.csv"), "--data-root", data.dataRoot, "--actor", "ops.lead"],
        data,
      );
      expect(run.code, run.stderr).toBe(0);
      // Not a terminal: no progress bar, no other noise.
      expect(run.stderr).toBe("");
      expect(run.stdout).toMatch(
        /^Imported 4 tickets from helpdesk-basic\.csv \(csv, sha256 [0-9a-f]{12}\): TKT-3007 \.\. TKT-3010\.\n {2}rows 4, created 4, skipped 0, warnings 2\n {2}audit event seq 1 \(tickets-imported\), batch imports\/\S+\.json\n/,
      );
      expect(run.stdout).toContain('"Status"      -> status');
      expect(run.stdout).toContain('"Open" -> new 1');
      expect(server.service.listTickets({ offset: 0, limit: 1 }).total).toBe(before + 4);
      expect(server.service.getTicket("TKT-3010").externalId).toBe("ZD-104");
      const event = await server.store.getAuditEvent(1);
      expect(event).toMatchObject({ action: "tickets-imported", actor: "ops.lead" });

      // Again: nothing to do, still exit 0.
      const again = await cli(
        ["--from", join(FIXTURES, "helpdesk-basic.csv"), "--data-root", data.dataRoot],
        data,
      );
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(
        /^Nothing to do: helpdesk-basic\.csv .* was already imported \(audit event seq 1\)\./,
      );
      expect(server.service.listTickets({ offset: 0, limit: 1 }).total).toBe(before + 4);
    } finally {
      await server.close();
    }
  });

  it("exits 1 on bad rows, listing them, and leaves the runtime as it was", async () => {
    const data = await runtime();
    const before = auditBytes(data);
    const run = await cli(["--from", join(FIXTURES, "malformed.csv"), "--data-root", data.dataRoot], data);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Nothing was imported: malformed.csv");
    expect(run.stdout).toContain("has 5 bad rows. Fix them and import again.");
    expect(run.stdout).toContain("Bad rows (5):\n  line 3: missing subject\n");
    expect(run.stdout).toContain('  line 10: external id "M-1" is also on line 2\n');
    expect(auditBytes(data)).toEqual(before);
    expect(importsDir(data)).toEqual([]);
  });

  it("--dry-run reports and changes nothing; --json prints the report", async () => {
    const data = await runtime();
    const before = auditBytes(data);
    const run = await cli(
      ["--from", join(FIXTURES, "helpdesk-export.json"), "--data-root", data.dataRoot, "--dry-run", "--json"],
      data,
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as ImportReport;
    expect(report.outcome).toBe("dry-run");
    expect(report.counts).toMatchObject({ rows: 3, created: 3, masked: 1 });
    expect(report.ids).toEqual({ prefix: "TKT", first: "TKT-3007", last: "TKT-3009" });
    expect(report.audit).toBeNull();
    expect(auditBytes(data)).toEqual(before);
    expect(importsDir(data)).toEqual([]);

    const human = await cli(
      ["--from", join(FIXTURES, "helpdesk-export.json"), "--data-root", data.dataRoot, "--dry-run"],
      data,
    );
    expect(human.stdout).toMatch(
      /^Dry run: 3 tickets would be imported from helpdesk-export\.json .*Nothing was written\./,
    );
    expect(auditBytes(data)).toEqual(before);
  });

  it.each([
    [["--data-root", "x"], /--from FILE is required/],
    [["--from", "a.txt"], /Cannot tell the format of a\.txt/],
    [["--from", "a.csv", "--format", "xml"], /--format must be one of csv, json, reference/],
    [["--from", "a.csv", "--bogus"], /Unknown option '--bogus'/],
    [["--from", "a.csv", "--limit", "many"], /--limit must be a whole number/],
  ])("exits 2 on a usage error: %j", async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });

  it("exits 2 for a --map naming no column, a missing file, and a directory that is not a runtime", async () => {
    const data = await runtime();
    const before = auditBytes(data);
    const badMap = await cli(
      ["--from", join(FIXTURES, "helpdesk-basic.csv"), "--data-root", data.dataRoot, "--map", "Nope=subject"],
      data,
    );
    expect(badMap.code).toBe(2);
    expect(badMap.stderr).toMatch(/--map names the column "Nope", which the file does not have/);
    const missing = await cli(["--from", join(data.root, "nothing.csv"), "--data-root", data.dataRoot], data);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read .*nothing\.csv \(ENOENT\)/);
    const notRuntime = await cli(
      ["--from", join(FIXTURES, "helpdesk-basic.csv"), "--data-root", data.root],
      data,
    );
    expect(notRuntime.code).toBe(2);
    expect(notRuntime.stderr).toMatch(/is not a triage runtime \(no store\.json\)/);
    expect(existsSync(join(data.root, "store.json"))).toBe(false);
    expect(auditBytes(data)).toEqual(before);
  });
});

describe("runImport (in process)", () => {
  function io(data: TestData, stderrIsTTY: boolean): ImportIo & { out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      cwd: ROOT,
      env: { TRIAGE_SEED_FILE: data.seedFile, TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot },
      stderrIsTTY,
      columns: 100,
      clock: () => TEST_NOW,
    };
  }

  it("draws a progress bar on a terminal through every phase, then clears it", async () => {
    const data = await runtime();
    const lines = ["id,subject,created"];
    for (let i = 1; i <= 3_000; i++) lines.push(`P-${i},Row ${i},2026-04-01T00:00:00Z`);
    const file = join(data.root, "progress.csv");
    writeFileSync(file, lines.join("\n"));
    const terminal = io(data, true);
    const code = await runImport(["--from", file, "--data-root", data.dataRoot, "--actor", "me"], terminal);
    expect(code).toBe(0);
    // Each redraw returns to the start of the line and erases it (ESC [2K).
    const frames = terminal.err.join("").split("\r\x1b[2K");
    expect(frames[0]).toBe("");
    expect(frames).toContainEqual(expect.stringMatching(/^reading {2}\[#+\] 100% 0\.\d\/0\.\d MB$/));
    expect(frames).toContainEqual(expect.stringMatching(/^checking \[#+\] 100% 3,000\/3,000 rows$/));
    expect(frames).toContainEqual(expect.stringMatching(/^writing {2}\[-+\] {3}0% committing$/));
    expect(frames).toContainEqual(expect.stringMatching(/^writing {2}\[#+\] 100% done$/));
    // Cleared at the end: the last frame is empty.
    expect(frames.at(-1)).toBe("");
    expect(terminal.out.join("")).toMatch(/^Imported 3,000 tickets/);

    const plain = io(data, false);
    expect(await runImport(["--from", file, "--data-root", data.dataRoot], plain)).toBe(0);
    expect(plain.err).toEqual([]);
  });

  it("renders skipped rows and warnings in the summary", async () => {
    const data = await runtime();
    const first = join(data.root, "first.csv");
    writeFileSync(first, "key,title,state\nK-1,One,open\n");
    const second = join(data.root, "second.csv");
    writeFileSync(second, "key,title,state\nK-1,One,open\nK-2,Two,mystery\n");
    const a = io(data, false);
    expect(await runImport(["--from", first, "--data-root", data.dataRoot], a)).toBe(0);
    const b = io(data, false);
    expect(await runImport(["--from", second, "--data-root", data.dataRoot], b)).toBe(0);
    const text = b.out.join("");
    expect(text).toContain("Imported 1 ticket from second.csv");
    expect(text).toContain("  rows 2, created 1, skipped 1, warnings 3\n");
    expect(text).toContain('  status: "mystery" -> new 1 (unknown), "open" -> new 1\n');
    expect(text).toContain("  1 x an unknown status was set to new (line 3)\n");
    expect(text).toContain('Skipped, external id already a ticket (1):\n  line 2: "K-1" is TKT-3007\n');
  });

  // A European spreadsheet export: semicolons, a decimal comma, a semicolon inside quotes.
  const SEMICOLON =
    'Subject;Description;Priority;Amount\n"Login fails; again";Cannot log in since Monday;High;12,50\n' +
    "Invoice wrong;Charged twice;Normal;99,00\n";

  it("imports a semicolon export and says which delimiter was used and how it was chosen", async () => {
    const data = await runtime();
    const file = join(data.root, "europe.csv");
    writeFileSync(file, SEMICOLON);
    const run = io(data, false);
    expect(await runImport(["--from", file, "--data-root", data.dataRoot, "--actor", "me"], run)).toBe(0);
    const text = run.out.join("");
    expect(text).toMatch(/^Imported 2 tickets from europe\.csv/);
    expect(text).toContain("  delimiter: semicolon (detected from the header line)\n");
    expect(text).toContain('"Subject"');

    const again = join(data.root, "europe-2.csv");
    writeFileSync(again, SEMICOLON.replace("Normal", "Low"));
    const json = io(data, false);
    expect(
      await runImport(["--from", again, "--data-root", data.dataRoot, "--dry-run", "--json"], json),
    ).toBe(0);
    expect((JSON.parse(json.out.join("")) as ImportReport).source.delimiter).toEqual({
      delimiter: "semicolon",
      by: "detected",
    });
  });

  it("--delimiter forces the delimiter; a bad value or a JSON file is a usage error", async () => {
    const data = await runtime();
    const csv = join(data.root, "forced.csv");
    writeFileSync(csv, SEMICOLON);
    const json = join(data.root, "export.json");
    writeFileSync(json, '[{"subject": "x"}]');
    const cases: [string[], number, string][] = [
      [
        ["--from", csv, "--dry-run", "--delimiter", ";"],
        0,
        "  delimiter: semicolon (given with --delimiter)\n",
      ],
      // Read with commas, the export is one column: the confusing report the detection avoids.
      [
        ["--from", csv, "--dry-run", "--delimiter", "comma"],
        1,
        'the file has "Subject;Description;Priority;Amount"',
      ],
      [["--from", csv, "--delimiter", "pipe"], 2, '--delimiter must be comma, semicolon or tab, got "pipe".'],
      [["--from", json, "--delimiter", "tab"], 2, "--delimiter applies to CSV files only"],
    ];
    for (const [args, code, text] of cases) {
      const run = io(data, false);
      expect(await runImport([...args, "--data-root", data.dataRoot], run), args.join(" ")).toBe(code);
      expect([...run.out, ...run.err].join("")).toContain(text);
    }
  });

  it("summarizes a report without a mapping (reference format)", () => {
    const text = renderSummary({
      outcome: "imported",
      source: {
        path: "/x/seed.json",
        name: "seed.json",
        format: "reference",
        sha256: "ab".repeat(32),
        bytes: 10,
      },
      counts: { rows: 2, blank: 0, bad: 0, created: 2, skipped: 0, masked: 1, maskedTickets: 1, warnings: 0 },
      mapping: null,
      warnings: [],
      errors: [],
      skipped: [],
      listLimit: 20,
      ids: { prefix: "TKT", first: "TKT-1", last: "TKT-2" },
      audit: { seq: 3, eventId: "e", batch: { file: "imports/a.json", sha256: "cd".repeat(32), count: 2 } },
      alreadyImportedBy: null,
    });
    expect(text).toBe(
      "Imported 2 tickets from seed.json (reference, sha256 abababababab): TKT-1 .. TKT-2.\n" +
        "  rows 2, created 2, skipped 0, secrets masked 1 in 1 ticket, warnings 0\n" +
        "  audit event seq 3 (tickets-imported), batch imports/a.json\n",
    );
  });
});
