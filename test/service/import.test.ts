import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AuditEvent, Ticket } from "../../src/domain/schemas.js";
import { foldKey, planOf, type ValueDef, type Workspace } from "../../src/domain/workspace/index.js";
import { createMemoryLogger } from "../../src/logging.js";
import {
  ImportRequestError,
  ImportService,
  type ImportProgress,
  type ImportRequest,
} from "../../src/service/import-service.js";
import { CsvParser } from "../../src/service/import/csv.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { generateCsv } from "../fixtures-import/generate.js";
import { TEST_NOW, testTickets, writeTestData, type TestData } from "../support/data.js";
import { BUNDLED_WORKSPACE } from "../support/workspace.js";
import { carryValue, WORKSPACES, type ValueList } from "../support/workspaces.js";

const FIXTURES = resolve(import.meta.dirname, "../fixtures-import");
const fixture = (name: string) => join(FIXTURES, name);

const temps: string[] = [];
const open: Triage[] = [];
afterAll(async () => {
  for (const t of open) await t.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

const SEED_COUNT = testTickets().length;

async function runtime(
  workspaceFile?: string,
  seed: Ticket[] = testTickets(),
): Promise<{ data: TestData; triage: Triage; importer: ImportService }> {
  const data = writeTestData(seed);
  temps.push(data.root);
  const config = { ...data, ...(workspaceFile === undefined ? {} : { workspaceFile }), minutesSaved: 8 };
  const triage = await openTriage(config, createMemoryLogger(), { clock: () => TEST_NOW });
  open.push(triage);
  return {
    data,
    triage,
    importer: new ImportService({ store: triage.store, clock: () => TEST_NOW, workspace: triage.workspace }),
  };
}

function request(file: string, extra: Partial<ImportRequest> = {}): ImportRequest {
  const format = file.endsWith(".csv") ? "csv" : "json";
  return { file, format, actor: "importer@example.test", ...extra };
}

function writeTemp(data: TestData, name: string, text: string): string {
  const path = join(data.root, name);
  writeFileSync(path, text);
  return path;
}

const auditBytes = (data: TestData) => readFileSync(join(data.dataRoot, "audit.jsonl"));
const importFiles = (data: TestData) =>
  existsSync(join(data.dataRoot, "imports")) ? readdirSync(join(data.dataRoot, "imports")) : [];
const lastEvent = (triage: Triage): Promise<AuditEvent | undefined> => {
  const view = triage.store.view();
  return triage.store.getAuditEvent(view.lastSeq);
};
const ticket = (triage: Triage, id: string): Ticket => {
  const t = triage.store.view().getTicket(id);
  if (t === undefined) throw new Error(`no ticket ${id}`);
  return t;
};

// ---------- the export fixtures, in each workspace's words ----------

/** The list of `workspace` a ValueList names, with ids and aliases. */
function defsOf(workspace: Workspace, list: ValueList): readonly ValueDef[] {
  if (list !== "teams") return workspace[list];
  return workspace.vocabulary.teams.map((id) => ({ id, aliases: workspace.aliases.teams[id] ?? [] }));
}

const defOf = (workspace: Workspace, list: ValueList, word: string): ValueDef | undefined =>
  defsOf(workspace, list).find((d) => [d.id, ...d.aliases].some((w) => foldKey(w) === foldKey(word)));

/**
 * A word of a bundled export -> the word `workspace` reads as the value playing the same part: the
 * word itself when the workspace knows it for that value, else that value's first alias (or id),
 * capitalised like the word. A word the bundled workspace does not know stays as it is.
 */
function carryWord(workspace: Workspace, list: ValueList, word: string): string {
  const bundled = defOf(BUNDLED_WORKSPACE, list, word);
  if (bundled === undefined) return word;
  const id = carryValue(workspace, list, bundled.id);
  if (defOf(workspace, list, word)?.id === id) return word;
  const def = defsOf(workspace, list).find((d) => d.id === id);
  const to = def?.aliases[0] ?? id;
  return /^[A-Z]/.test(word) ? to.charAt(0).toUpperCase() + to.slice(1) : to;
}

const quoteCell = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

/**
 * A fixture export with its values in `workspace`'s words, written under `data` with the same name
 * (the fixture itself when nothing changes: on the bundled workspace). `columns` names, per column
 * (CSV) or key (JSON), the list its values come from.
 */
function carriedFixture(
  workspace: Workspace,
  data: TestData,
  name: string,
  columns: Readonly<Record<string, ValueList>>,
): string {
  const text = readFileSync(fixture(name), "utf8");
  let changed = false;
  const word = (list: ValueList, value: string) => {
    const to = carryWord(workspace, list, value);
    if (to !== value) changed = true;
    return to;
  };
  let carried: string;
  if (name.endsWith(".json")) {
    // Key by key, in place: the records keep their lines.
    carried = text.replace(/"([\w.]+)": "([^"]*)"/g, (whole, key: string, value: string) => {
      const list = columns[key];
      return list === undefined ? whole : `"${key}": "${word(list, value)}"`;
    });
  } else {
    const parser = new CsvParser();
    const records = [...parser.push(text), ...parser.end()].map((r) => r.fields);
    const header = records[0] ?? [];
    carried =
      records
        .map((fields, i) =>
          fields
            .map((cell, col) => {
              const list = columns[header[col] ?? ""];
              return i === 0 || list === undefined ? cell : word(list, cell);
            })
            .map(quoteCell)
            .join(","),
        )
        .join("\n") + "\n";
  }
  if (!changed) return fixture(name);
  const path = join(data.root, name);
  writeFileSync(path, carried);
  return path;
}

/** The response deadline an import sets: the plan's target for the priority if it has one, else its own. */
function deadline(
  workspace: Workspace,
  plan: string,
  vip: boolean,
  createdAt: string,
  priority?: string,
): string {
  const def = planOf(workspace, plan);
  if (def === undefined) throw new Error(`no plan ${plan}`);
  const target = (priority === undefined ? undefined : def.targets.byPriority[priority]) ?? def.targets;
  return new Date(Date.parse(createdAt) + (vip ? target.vip : target.standard) * 60_000).toISOString();
}

const BASIC_COLUMNS = { Status: "statuses", Priority: "priorities", Plan: "plans" } as const;
const EXPORT_KEYS = { state: "statuses", urgency: "priorities", plan: "plans" } as const;
const CUSTOM_COLUMNS = { "Workflow State": "statuses", Severity: "priorities" } as const;

// Every import below runs on each workspace, with the export fixtures carried over to its words
// and every expected value read from it; the 50,000-row import at the end runs once.
describe.each(WORKSPACES)("on the $label workspace", ({ file, workspace, tickets }) => {
  const start = () => runtime(file, tickets());
  /** The id `workspace` reads a word of the carried fixture as. */
  const idOf = (list: ValueList, word: string) =>
    defOf(workspace, list, carryWord(workspace, list, word))?.id;
  const basic = (data: TestData) => carriedFixture(workspace, data, "helpdesk-basic.csv", BASIC_COLUMNS);

  describe("import: CSV with the default column mapping", () => {
    it("imports every row as a ticket with our enums, the external id, an SLA deadline and new ids", async () => {
      const { data, triage, importer } = await start();
      const path = basic(data);
      const report = await importer.importFile(request(path));

      expect(report.outcome).toBe("imported");
      expect(report.counts).toEqual({
        rows: 4,
        blank: 0,
        bad: 0,
        created: 4,
        skipped: 0,
        masked: 0,
        maskedTickets: 0,
        warnings: 2,
      });
      expect(report.ids).toEqual({ prefix: "TKT", first: "TKT-3007", last: "TKT-3010" });
      expect(triage.store.view().ticketCount()).toBe(SEED_COUNT + 4);

      // Quoted field with escaped quotes; VIP customer on the first plan (enterprise): its target, long past.
      const plan = idOf("plans", "enterprise") ?? "";
      const priority = idOf("priorities", "Urgent");
      expect(ticket(triage, "TKT-3007")).toEqual({
        id: "TKT-3007",
        externalId: "ZD-101",
        createdAt: "2026-04-30T08:15:00.000Z",
        updatedAt: "2026-04-30T08:15:00.000Z",
        customer: {
          name: "Northwind Traders",
          plan,
          region: "eu-west",
          vip: true,
          email: "ops@northwind.example",
        },
        subject: "Cannot log in after password reset",
        description: 'I reset my password this morning and the login page still says "invalid credentials".',
        status: idOf("statuses", "Open"),
        priority,
        tags: ["login", "password"],
        sla: {
          responseDueAt: deadline(workspace, plan, true, "2026-04-30T08:15:00.000Z", priority),
          breached: true,
        },
        relatedTicketIds: [],
        revision: 0,
      });
      const second = ticket(triage, "TKT-3008");
      expect([second.status, second.priority, second.tags, second.customer.email]).toEqual([
        idOf("statuses", "pending"),
        idOf("priorities", "normal"),
        ["billing", "invoice"],
        undefined,
      ]);
      // An embedded line break survives; a zone-less date is read as UTC (with a warning).
      const third = ticket(triage, "TKT-3009");
      expect(third.description).toBe(
        "Since yesterday our webhook receiver gets events about 20 minutes late.\nNothing changed on our side.",
      );
      expect([third.status, third.priority, third.createdAt, third.customer.vip]).toEqual([
        idOf("statuses", "Solved"),
        idOf("priorities", "high"),
        "2026-04-29T17:45:00.000Z",
        false,
      ]);
      // The third plan (team), not VIP: 8 hours on the bundled workspace.
      expect(third.sla.responseDueAt).toBe(
        deadline(workspace, idOf("plans", "team") ?? "", false, third.createdAt, third.priority),
      );
      expect(report.warnings).toEqual([
        {
          kind: "date-without-zone",
          message: "a date without a time zone was read as UTC",
          count: 2,
          lines: [4, 6],
        },
      ]);

      // One audit event for the whole file, whose batch file holds the tickets.
      const event = await lastEvent(triage);
      expect(event).toMatchObject({
        seq: report.audit?.seq,
        action: "tickets-imported",
        ticketId: null,
        actor: "importer@example.test",
        timestamp: TEST_NOW.toISOString(),
      });
      const sha = createHash("sha256").update(readFileSync(path)).digest("hex");
      expect(event?.data?.source).toEqual({ name: "helpdesk-basic.csv", sha256: sha, format: "csv" });
      expect(event?.data?.report).toMatchObject({
        counts: report.counts,
        ids: report.ids,
        warnings: [{ kind: "date-without-zone", count: 2 }],
      });
      const recorded = event?.data?.report as { mapping: { columns: unknown[] } };
      expect(recorded.mapping.columns).toContainEqual({
        column: "Ticket ID",
        field: "externalId",
        by: "default",
      });
      const batch = event?.data?.batch as { file: string; sha256: string; count: number };
      expect(batch.count).toBe(4);
      const batchTickets = JSON.parse(readFileSync(join(data.dataRoot, batch.file), "utf8")) as Ticket[];
      expect(batchTickets.map((t) => t.externalId)).toEqual(["ZD-101", "ZD-102", "ZD-103", "ZD-104"]);
      expect(verifyAuditLog(data.dataRoot)).toMatchObject({ ok: true });
    });

    it("reports how every status and priority value was mapped", async () => {
      const { data, importer } = await start();
      const report = await importer.importFile(request(basic(data), { dryRun: true }));
      // Each word once, so in the order of the words.
      const mapped = (list: ValueList, words: string[]) =>
        words
          .map((w) => [carryWord(workspace, list, w), idOf(list, w)] as const)
          .sort(([a], [b]) => (a < b ? -1 : 1));
      expect(report.mapping?.values.status).toEqual(
        mapped("statuses", ["Open", "Solved", "closed", "pending"]).map(([from, to]) => ({
          from,
          to,
          known: true,
          count: 1,
        })),
      );
      expect(report.mapping?.values.priority?.map((v) => [v.from, v.to])).toEqual(
        mapped("priorities", ["Urgent", "high", "low", "normal"]),
      );
      expect(report.mapping?.missingFields).toEqual(["category", "team", "updatedAt"]);
      expect(report.mapping?.defaults).toEqual({ vip: 1 });
    });
  });

  describe("import: JSON with nested keys, unknown values and secrets", () => {
    it("maps nested keys, defaults unknown values with a warning each, and masks secrets", async () => {
      const { data, triage, importer } = await start();
      const report = await importer.importFile(
        request(carriedFixture(workspace, data, "helpdesk-export.json", EXPORT_KEYS)),
      );
      expect(report.outcome).toBe("imported");
      expect(report.counts).toMatchObject({ rows: 3, created: 3, masked: 1, maskedTickets: 1, warnings: 4 });
      expect(report.mapping?.columns.filter((c) => c.field !== null).map((c) => [c.column, c.field])).toEqual(
        [
          ["id", "externalId"],
          ["title", "subject"],
          ["body", "description"],
          ["state", "status"],
          ["urgency", "priority"],
          ["labels", "tags"],
          ["created_at", "createdAt"],
          ["customer.name", "customer"],
          ["customer.plan", "plan"],
          ["customer.region", "region"],
          ["customer.vip", "vip"],
        ],
      );
      // "exportedAt" is outside the tickets array: not a column.
      expect(report.mapping?.columns.map((c) => c.column)).not.toContain("exportedAt");
      expect(report.warnings.map((w) => [w.kind, w.count, w.lines])).toEqual([
        ["unknown-status", 1, [24]],
        ["unknown-priority", 1, [24]],
        ["unknown-plan", 1, [24]],
        ["unknown-vip", 1, [24]],
      ]);
      expect(report.mapping?.values.status).toContainEqual({
        from: "whatever",
        to: workspace.initialStatus,
        known: false,
        count: 1,
      });
      expect(report.mapping?.values.plan).toContainEqual({
        from: "platinum",
        to: workspace.importDefaults.plan,
        known: false,
        count: 1,
      });

      const litware = ticket(triage, "TKT-3007");
      expect([litware.externalId, litware.priority, litware.tags, litware.customer]).toEqual([
        "5001",
        idOf("priorities", "High"),
        ["api", "rate-limit"],
        { name: "Litware Inc", plan: idOf("plans", "enterprise"), region: "us-west", vip: true },
      ]);
      const proseware = ticket(triage, "TKT-3008");
      expect(proseware.description).toContain(
        "our admin password is [REDACTED password assignment] if you need it.",
      );
      expect(JSON.stringify(triage.store.view().ticketsByInsertion(0))).not.toContain("Wint3r-Garden");
      const woodgrove = ticket(triage, "TKT-3009");
      expect([woodgrove.status, woodgrove.priority, woodgrove.customer.plan, woodgrove.customer.vip]).toEqual(
        [workspace.initialStatus, undefined, workspace.importDefaults.plan, false],
      );
      // The default plan (free on the bundled workspace), not VIP: its standard target from creation.
      expect(woodgrove.sla.responseDueAt).toBe(
        deadline(workspace, workspace.importDefaults.plan, false, woodgrove.createdAt),
      );
    });
  });

  describe("import: secrets", () => {
    it("masks secrets in every text field of the stored copy and counts them", async () => {
      const { data, triage, importer } = await start();
      const text = [
        "id,subject,description,requester,tags",
        "S-1,Login broken,our admin password is Wint3r-Garden-2026 for now,Acme,login",
        'S-2,Plain,nothing here,"Contoso, our admin password is Summ3r-Field-2026",billing;token=Q7fK2mZx9LpR4tVw8YcN',
        "S-3,Plain too,nothing,Acme,",
      ].join("\n");
      const report = await importer.importFile(request(writeTemp(data, "secrets.csv", text)));
      expect(report.counts).toMatchObject({ created: 3, masked: 3, maskedTickets: 2 });
      const stored = JSON.stringify(triage.store.view().ticketsByInsertion(SEED_COUNT));
      for (const secret of ["Wint3r-Garden-2026", "Summ3r-Field-2026", "Q7fK2mZx9LpR4tVw8YcN"]) {
        expect(stored).not.toContain(secret);
      }
      expect(ticket(triage, "TKT-3008").customer.name).toBe(
        "Contoso, our admin password is [REDACTED password assignment]",
      );
      expect(ticket(triage, "TKT-3008").tags).toEqual(["billing", "token=[redacted-credential-assignment]"]);
    });
  });

  describe("import: --map", () => {
    it("refuses a file with no subject column, naming its columns, until --map names one", async () => {
      const { data, importer } = await start();
      const custom = carriedFixture(workspace, data, "helpdesk-custom-headers.csv", CUSTOM_COLUMNS);
      const before = auditBytes(data);
      const refused = await importer.importFile(request(custom));
      expect(refused.outcome).toBe("rejected");
      expect(refused.errors).toEqual([
        {
          line: 1,
          reason:
            'no column for the subject: looked for subject, title, summary; the file has "Key", "Headline", "Problem", "Workflow State", "Severity", "Account", "Opened". Name one with --map COLUMN=subject.',
        },
      ]);
      expect(auditBytes(data)).toEqual(before);

      const map = [
        "headline=subject",
        "PROBLEM=description",
        "workflow_state=status",
        "Severity=priority",
        "account=customer",
        "Opened=createdAt",
      ];
      const report = await importer.importFile(request(custom, { map }));
      expect(report.outcome).toBe("imported");
      expect(report.mapping?.columns).toEqual([
        { column: "Key", field: "externalId", by: "default" },
        { column: "Headline", field: "subject", by: "map" },
        { column: "Problem", field: "description", by: "map" },
        { column: "Workflow State", field: "status", by: "map" },
        { column: "Severity", field: "priority", by: "map" },
        { column: "Account", field: "customer", by: "map" },
        { column: "Opened", field: "createdAt", by: "map" },
      ]);
      expect(report.mapping?.values.status).toContainEqual({
        from: "Parked",
        to: workspace.initialStatus,
        known: false,
        count: 1,
      });
      expect(report.mapping?.values.priority?.map((v) => `${v.from}->${String(v.to)}`).sort()).toEqual(
        ["Critical", "Major", "Trivial"]
          .map((w) => `${carryWord(workspace, "priorities", w)}->${idOf("priorities", w)}`)
          .sort(),
      );
    });

    it("lets --map send a column elsewhere or ignore it", async () => {
      const { data, triage, importer } = await start();
      const path = writeTemp(
        data,
        "remap.csv",
        "id,subject,notes,status\nX-1,First,should be the description,Weird\nX-2,Second,also,open\n",
      );
      const report = await importer.importFile(
        request(path, { map: ["notes=description", "status=ignore"] }),
      );
      expect(report.outcome).toBe("imported");
      // The ignored "Weird" status raises no warning; only the missing created dates do.
      expect(report.warnings.map((w) => w.kind)).toEqual(["created-missing"]);
      expect(ticket(triage, "TKT-3007")).toMatchObject({
        description: "should be the description",
        status: workspace.initialStatus,
      });
    });

    it("refuses a --map that names no column or no field before anything is written", async () => {
      const { data, importer } = await start();
      const before = auditBytes(data);
      await expect(importer.importFile(request(basic(data), { map: ["Nope=subject"] }))).rejects.toThrow(
        ImportRequestError,
      );
      await expect(importer.importFile(request(basic(data), { map: ["Subject=headline"] }))).rejects.toThrow(
        /"headline" is not a ticket field/,
      );
      await expect(importer.importFile(request(basic(data), { prefix: "tkt" }))).rejects.toThrow(
        /prefix "tkt" is not a ticket id prefix/,
      );
      await expect(importer.importFile(request(join(data.root, "missing.csv")))).rejects.toThrow(
        /Cannot read .*missing\.csv \(ENOENT\)\. Check --from\./,
      );
      expect(auditBytes(data)).toEqual(before);
    });
  });

  describe("import: all or nothing", () => {
    it("reports every bad row with its line and reason, and changes nothing", async () => {
      const { data, triage, importer } = await start();
      const before = auditBytes(data);
      const report = await importer.importFile(request(fixture("malformed.csv")));
      expect(report.outcome).toBe("rejected");
      expect(report.counts).toMatchObject({ rows: 8, bad: 5, created: 0 });
      expect(report.errors).toEqual([
        { line: 3, reason: "missing subject" },
        {
          line: 4,
          reason:
            'created date: unparsable date "yesterday at noon" (use ISO 8601, such as 2024-03-15T10:00:00Z)',
        },
        // Line 5-6 is one record (a quoted line break): the next starts on line 7.
        { line: 7, reason: "has 3 fields, the header has 5" },
        { line: 8, reason: "a quote inside an unquoted field (field 2)" },
        { line: 10, reason: 'external id "M-1" is also on line 2' },
      ]);
      expect(auditBytes(data)).toEqual(before);
      expect(importFiles(data)).toEqual([]);
      expect(triage.store.view().ticketCount()).toBe(SEED_COUNT);
    });

    it("lists the first N bad rows and counts them all", async () => {
      const { data, importer } = await start();
      const lines = ["subject,created"];
      for (let i = 0; i < 250; i++) lines.push(i % 2 === 0 ? `ok ${i},2026-04-01` : `,2026-04-01`);
      const report = await importer.importFile(
        request(writeTemp(data, "many-bad.csv", lines.join("\n")), { listLimit: 3 }),
      );
      expect(report.counts.bad).toBe(125);
      expect(report.errors).toEqual([
        { line: 3, reason: "missing subject" },
        { line: 5, reason: "missing subject" },
        { line: 7, reason: "missing subject" },
      ]);
    });

    it("refuses over-long text, future dates, bad updated dates and too many tags", async () => {
      const { data, importer } = await start();
      const tags = Array.from({ length: 21 }, (_, i) => `t${i}`).join(";");
      const text = [
        "subject,description,created,updated,tags,region",
        `${"s".repeat(201)},ok,2026-04-01T00:00:00Z,,,`,
        `fine,${"d".repeat(20_001)},2026-04-01T00:00:00Z,,,`,
        "future,ok,2027-01-01T00:00:00Z,,,",
        "updated,ok,2026-04-01T00:00:00Z,not a date,,",
        `tags,ok,2026-04-01T00:00:00Z,,${tags},`,
        `region,ok,2026-04-01T00:00:00Z,,,${"r".repeat(61)}`,
      ].join("\n");
      const report = await importer.importFile(request(writeTemp(data, "limits.csv", text)));
      expect(report.errors.map((e) => [e.line, e.reason])).toEqual([
        [2, "subject is 201 characters, at most 200"],
        [3, "description is 20001 characters, at most 20000"],
        [4, "created date 2027-01-01T00:00:00.000Z is in the future"],
        [5, 'updated date: unparsable date "not a date" (use ISO 8601, such as 2024-03-15T10:00:00Z)'],
        [6, "21 tags, at most 20"],
        [7, "region is 61 characters, at most 60"],
      ]);
    });

    it("refuses a file with a header and no rows, and an empty JSON array", async () => {
      const { data, importer } = await start();
      for (const [name, text] of [
        ["header-only.csv", "subject,status\r\n\r\n"],
        ["empty.json", "[]"],
      ] as const) {
        const report = await importer.importFile(request(writeTemp(data, name, text)));
        expect(report.outcome).toBe("rejected");
        expect(report.errors).toEqual([{ line: 1, reason: "the file holds no rows to import" }]);
      }
    });

    it("refuses a file that is not UTF-8 or not JSON, with the line", async () => {
      const { data, importer } = await start();
      const latin1 = join(data.root, "latin1.csv");
      writeFileSync(
        latin1,
        Buffer.concat([Buffer.from("subject\nCaf"), Buffer.from([0xe9]), Buffer.from("\n")]),
      );
      const report = await importer.importFile(request(latin1));
      expect(report.outcome).toBe("rejected");
      expect(report.errors[0]?.line).toBe(2);
      expect(report.errors[0]?.reason).toMatch(/not UTF-8 text/);
      expect(report.source.sha256).toBe(createHash("sha256").update(readFileSync(latin1)).digest("hex"));

      const broken = await importer.importFile(
        request(writeTemp(data, "broken.json", '[\n{"subject": "a"},\n{"subject": }\n]')),
      );
      expect(broken.errors.map((e) => e.line)).toEqual([3]);
      expect(broken.errors[0]?.reason).toMatch(/^the file is not valid JSON \(line 3, column 13\)/);
    });
  });

  describe("import: re-imports", () => {
    it("a second import of the same file imports nothing and says which event imported it", async () => {
      const { data, triage, importer } = await start();
      const first = await importer.importFile(request(basic(data)));
      const before = auditBytes(data);
      const again = await importer.importFile(request(basic(data)));
      expect(again.outcome).toBe("already-imported");
      expect(again.alreadyImportedBy).toBe(first.audit?.seq);
      expect(again.counts.created).toBe(0);
      expect(auditBytes(data)).toEqual(before);
      expect(triage.store.view().ticketCount()).toBe(SEED_COUNT + 4);
    });

    it("a changed file imports only the rows whose external id is new, and reports the others as skipped", async () => {
      const { data, triage, importer } = await start();
      const header = "id,subject,created";
      const row = (n: number) => `R-${n},Row ${n},2026-04-0${n}T00:00:00Z`;
      await importer.importFile(
        request(writeTemp(data, "a.csv", [header, row(1), row(2), row(3)].join("\n"))),
      );
      const report = await importer.importFile(
        request(writeTemp(data, "b.csv", [header, row(2), row(3), row(4), row(5)].join("\n"))),
      );
      expect(report.outcome).toBe("imported");
      expect(report.counts).toMatchObject({ rows: 4, created: 2, skipped: 2 });
      expect(report.skipped).toEqual([
        { line: 2, externalId: "R-2", ticketId: "TKT-3008" },
        { line: 3, externalId: "R-3", ticketId: "TKT-3009" },
      ]);
      expect(report.ids).toEqual({ prefix: "TKT", first: "TKT-3010", last: "TKT-3011" });
      const view = triage.store.view();
      expect(view.ticketCount()).toBe(SEED_COUNT + 5);
      expect(["R-1", "R-2", "R-3", "R-4", "R-5"].map((id) => view.ticketIdByExternalId(id))).toEqual([
        "TKT-3007",
        "TKT-3008",
        "TKT-3009",
        "TKT-3010",
        "TKT-3011",
      ]);

      // A file whose every row is there already: nothing to commit, no event.
      const before = auditBytes(data);
      const none = await importer.importFile(
        request(writeTemp(data, "c.csv", [header, row(5), row(1)].join("\n"))),
      );
      expect(none.outcome).toBe("nothing-new");
      expect(none.counts).toMatchObject({ created: 0, skipped: 2 });
      expect(auditBytes(data)).toEqual(before);
    });

    it("a dry run reports what would happen and writes nothing", async () => {
      const { data, triage, importer } = await start();
      const before = auditBytes(data);
      const report = await importer.importFile(request(basic(data), { dryRun: true }));
      expect(report.outcome).toBe("dry-run");
      expect(report.counts.created).toBe(4);
      expect(report.ids).toEqual({ prefix: "TKT", first: "TKT-3007", last: "TKT-3010" });
      expect(report.audit).toBeNull();
      expect(auditBytes(data)).toEqual(before);
      expect(importFiles(data)).toEqual([]);
      expect(triage.store.view().ticketCount()).toBe(SEED_COUNT);
    });

    it("numbers under another prefix", async () => {
      const { data, triage, importer } = await start();
      const report = await importer.importFile(request(basic(data), { prefix: "ZD" }));
      expect(report.ids).toEqual({ prefix: "ZD", first: "ZD-1", last: "ZD-4" });
      expect(ticket(triage, "ZD-4").externalId).toBe("ZD-104");
    });
  });

  describe("import: reference (seed) format", () => {
    it("imports seed tickets with new ids, the old id as external id, related ids translated", async () => {
      const { data, triage, importer } = await start();
      const seed = tickets()
        .slice(0, 3)
        .map((t, i) => ({
          ...t,
          id: `OLD-${i + 1}`,
          relatedTicketIds: i === 1 ? ["OLD-1", "OLD-99"] : [],
        }));
      const path = writeTemp(data, "seed.json", JSON.stringify(seed, null, 2));
      const report = await importer.importFile({ file: path, format: "reference", actor: "migration" });
      expect(report.outcome).toBe("imported");
      expect(report.mapping).toBeNull();
      expect(report.warnings).toEqual([
        {
          kind: "related-not-found",
          message: "related ticket ids that are not in the file or the runtime were left out",
          count: 1,
          lines: [],
        },
      ]);
      const imported = ticket(triage, "TKT-3007");
      const { id: _id, relatedTicketIds: _r, revision: _rev, ...rest } = tickets()[0] as Ticket;
      expect(imported).toEqual({
        ...rest,
        id: "TKT-3007",
        externalId: "OLD-1",
        relatedTicketIds: [],
        revision: 0,
      });
      expect(ticket(triage, "TKT-3008").relatedTicketIds).toEqual(["TKT-3007"]);

      const invalid = writeTemp(
        data,
        "bad-seed.json",
        JSON.stringify([{ ...seed[0], id: "OLD-7", status: "lost" }]),
      );
      const refused = await importer.importFile({ file: invalid, format: "reference", actor: "migration" });
      expect(refused.errors.map((e) => e.line)).toEqual([1]);
      expect(refused.errors[0]?.reason).toMatch(/^record \[0\] is not a ticket at status: /);
    });
  });
});

// Volume, not values: the value mapping is covered on each workspace above, and 50,000 rows twice
// would double the suite's longest import. Runs on the bundled workspace.
describe("import: 50,000 generated rows", () => {
  it("imports them all as one event, visible to list_tickets and to another process's view", async () => {
    const { data, triage, importer } = await runtime();
    // Opened before the import: it must see the tickets on its next read.
    const other = await openTriage({ ...data, minutesSaved: 8 }, createMemoryLogger(), {
      clock: () => TEST_NOW,
    });
    open.push(other);
    const totalBefore = other.service.listTickets({ offset: 0, limit: 1 }).total;

    const generated = generateCsv(50_000);
    const path = writeTemp(data, "generated.csv", generated.text);
    const phases = new Set<string>();
    let lastValidate: ImportProgress | undefined;
    const report = await importer.importFile(
      request(path, {
        onProgress: (p) => {
          phases.add(p.phase);
          if (p.phase === "validate") lastValidate = p;
        },
      }),
    );
    expect(report.outcome).toBe("imported");
    expect(report.counts).toMatchObject({ rows: 50_000, bad: 0, created: 50_000, skipped: 0 });
    expect(report.ids).toEqual({ prefix: "TKT", first: "TKT-3007", last: "TKT-53006" });
    expect([...phases]).toEqual(["parse", "validate", "commit"]);
    expect(lastValidate).toEqual({ phase: "validate", done: 50_000, total: 50_000 });

    expect(triage.service.listTickets({ offset: 0, limit: 1 }).total).toBe(totalBefore + 50_000);
    expect(other.service.listTickets({ offset: 0, limit: 1 }).total).toBe(totalBefore + 50_000);
    const events = await other.store.listAuditEvents({}, { offset: 0, limit: 100 });
    expect(events.items.filter((e) => e.action === "tickets-imported")).toHaveLength(1);
    // Quoted cells (CRLF inside, escaped quotes, commas) came through; line ends as LF.
    const view = other.store.view();
    const imported = view.ticketsByInsertion(SEED_COUNT);
    expect(imported.find((t) => t.description.startsWith("Steps:"))?.description).toBe(
      "Steps:\n1. open the page\n2. click export",
    );
    expect(imported.some((t) => t.customer.name === 'The "Best" Co')).toBe(true);
    expect(imported.some((t) => t.customer.name === "Contoso, Ltd.")).toBe(true);
    const id = view.ticketIdByExternalId("GEN-50000");
    expect(id).toBe("TKT-53006");
    const lastRow = generated.text.trimEnd().split("\r\n").at(-1) ?? "";
    expect(lastRow.startsWith("GEN-50000,")).toBe(true);
    expect(view.getTicket(id ?? "")?.subject).toMatch(/#50000$/);

    // A re-import of the same 50,000 rows is recognized at once.
    const again = await importer.importFile(request(path));
    expect(again.outcome).toBe("already-imported");
    expect(triage.service.listTickets({ offset: 0, limit: 1 }).total).toBe(totalBefore + 50_000);
  });
});
