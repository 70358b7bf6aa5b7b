import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAuditVerify } from "../../src/cli/audit-verify.js";
import { openPostgresStore, type PostgresStore } from "../../src/store/index.js";
import { POSTGRES_SKIP, sql } from "../support/postgres.js";
import { approveBody, submitBody } from "./fixtures/drafts.js";
import { POSTGRES_BACKEND } from "./fixtures/backends.js";
import { cleanupTempDirs, memoryLogger, tempDir } from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";

// The local copy of a database store's audit log (<dataRoot>/audit-copies/<storeId>.jsonl): the
// lines of audit_events, in order, kept by every process of a machine, filled when behind, cut
// back after a torn write, set aside (never overwritten) when it disagrees with the database, and
// used for audit reads only while it is sound.

afterAll(cleanupTempDirs);

type Logger = ReturnType<typeof memoryLogger>;

async function openOn(
  url: string,
  dataRoot: string,
  logger: Logger = memoryLogger(),
): Promise<PostgresStore> {
  return openPostgresStore({ url, dataRoot, logger, pollMs: 0, seed: () => makeTickets(20) });
}

async function databaseLines(url: string): Promise<string[]> {
  const rows = await sql<{ line: string }>(url, "SELECT line FROM audit_events ORDER BY seq");
  return rows.map((r) => r.line);
}

function copyFile(store: PostgresStore): string {
  return join(store.dataRoot, "audit-copies", `${store.storeId}.jsonl`);
}

async function auditVerify(argv: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const code = await runAuditVerify(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stdout += t),
  });
  return { code, stdout };
}

function copyLines(store: PostgresStore): string[] {
  const text = readFileSync(copyFile(store), "utf8");
  expect(text.endsWith("\n")).toBe(true);
  return text.slice(0, -1).split("\n");
}

describe.skipIf(POSTGRES_SKIP !== undefined)(
  `the local copy of the audit log${POSTGRES_SKIP === undefined ? "" : ` [${POSTGRES_SKIP}]`}`,
  () => {
    it("holds the database's lines in order on every machine, the other machines' commits included", async () => {
      const url = await POSTGRES_BACKEND.place("copy");
      const a = await openOn(url, tempDir("machine-a"));
      const b = await openOn(url, tempDir("machine-b"));
      const rec = await a.transact(submitBody("TKT-2"));
      await b.refresh();
      await b.transact(approveBody(rec.id));
      await a.transact(submitBody("TKT-5"));
      await b.refresh();
      await a.refresh();
      const lines = await databaseLines(url);
      expect(lines).toHaveLength(4);
      expect(copyLines(a)).toEqual(lines);
      expect(copyLines(b)).toEqual(lines);
      await a.close();
      await b.close();
    });

    it("is one file for the processes of one machine: each event once, in order", async () => {
      const url = await POSTGRES_BACKEND.place("copy-shared");
      const root = tempDir("machine");
      const a = await openOn(url, root);
      const b = await openOn(url, root);
      for (let i = 1; i <= 6; i++) {
        const [writer, other] = i % 2 === 0 ? [a, b] : [b, a];
        await writer.transact(submitBody(`TKT-${i}`));
        await other.refresh();
      }
      expect(copyLines(a)).toEqual(await databaseLines(url));
      // Reads come back the same from either process.
      const all = { offset: 0, limit: 50 };
      expect((await a.listAuditEvents({}, all)).items).toEqual((await b.listAuditEvents({}, all)).items);
      await a.close();
      await b.close();
    });

    it("is filled at the next start when behind, and a torn last line is cut back", async () => {
      const url = await POSTGRES_BACKEND.place("copy-behind");
      const root = tempDir("machine");
      const a = await openOn(url, root);
      for (const id of ["TKT-1", "TKT-2", "TKT-3"]) await a.transact(submitBody(id));
      await a.close();
      const file = copyFile(a);
      const whole = readFileSync(file, "utf8");
      // Two whole lines, then half of the third: what a machine crash can leave.
      const lines = whole.split("\n");
      writeFileSync(file, `${lines[0]}\n${lines[1]}\n${(lines[2] as string).slice(0, 40)}`);
      const again = await openOn(url, root);
      expect(readFileSync(file, "utf8")).toBe(whole);
      await again.close();
    });

    it("waits while another process holds its lock, then writes what it missed", async () => {
      const url = await POSTGRES_BACKEND.place("copy-locked");
      const root = tempDir("machine");
      const a = await openOn(url, root);
      const lock = join(root, "audit-copies", `${a.storeId}.lock`);
      mkdirSync(lock);
      await a.transact(submitBody("TKT-1"));
      await a.transact(submitBody("TKT-2"));
      expect(copyLines(a)).toHaveLength(1);
      rmSync(lock, { recursive: true });
      await a.transact(submitBody("TKT-3"));
      expect(copyLines(a)).toEqual(await databaseLines(url));
      await a.close();
    });

    it("is set aside, never overwritten, when its last line is not the database's", async () => {
      const url = await POSTGRES_BACKEND.place("copy-diverged");
      const root = tempDir("machine");
      const a = await openOn(url, root);
      await a.transact(submitBody("TKT-1"));
      await a.close();
      const file = copyFile(a);
      const [first, last] = readFileSync(file, "utf8").split("\n");
      const forged = `${first}\n${(last as string).replace('"actor":"', '"actor":"x')}\n`;
      writeFileSync(file, forged);
      const logger = memoryLogger();
      const again = await openOn(url, root, logger);
      expect(logger.warnings.join("\n")).toMatch(
        /does not match the database \(its line for seq 1 is not the database's\)/,
      );
      const aside = readdirSync(join(root, "audit-copies")).filter((f) => f.includes(".set-aside-"));
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(root, "audit-copies", aside[0] as string), "utf8")).toBe(forged);
      expect(copyLines(again)).toEqual(await databaseLines(url));
      await again.close();
    });

    it("is set aside when it holds more events than the database", async () => {
      const url = await POSTGRES_BACKEND.place("copy-ahead");
      const root = tempDir("machine");
      const a = await openOn(url, root);
      await a.transact(submitBody("TKT-1"));
      await a.close();
      const file = copyFile(a);
      const lines = readFileSync(file, "utf8").split("\n");
      appendFileSync(file, `${(lines[1] as string).replace('{"seq":1,', '{"seq":2,')}\n`);
      const logger = memoryLogger();
      const again = await openOn(url, root, logger);
      expect(logger.warnings.join("\n")).toMatch(/holds events up to seq 2, the database up to seq 1/);
      expect(copyLines(again)).toEqual(await databaseLines(url));
      await again.close();
    });

    it("a damaged line stops the copy and reads go to the database, with the same answers", async () => {
      const url = await POSTGRES_BACKEND.place("copy-damaged");
      const root = tempDir("machine");
      const a = await openOn(url, root);
      const rec = await a.transact(submitBody("TKT-2"));
      await a.transact(approveBody(rec.id));
      const expected = (await a.listAuditEvents({}, { offset: 0, limit: 10 })).items;
      await a.close();
      const file = copyFile(a);
      // A middle line, same length, same seq prefix: only reading it back can tell.
      const text = readFileSync(file, "utf8");
      const damaged = text.replace(
        '"action":"recommendation-submitted"',
        '"action":"recommendation-submittes"',
      );
      expect(damaged).not.toBe(text);
      writeFileSync(file, damaged);
      const logger = memoryLogger();
      const again = await openOn(url, root, logger);
      expect((await again.listAuditEvents({}, { offset: 0, limit: 10 })).items).toEqual(expected);
      expect(logger.warnings.join("\n")).toMatch(/stopped keeping the local copy of the audit log/);
      await again.close();
    });

    it("audit:verify --database-url --data-root compares it with the database, line by line", async () => {
      const url = await POSTGRES_BACKEND.place("copy-verify");
      const root = tempDir("machine");
      const a = await openOn(url, root);
      const rec = await a.transact(submitBody("TKT-2"));
      await a.transact(approveBody(rec.id));
      await a.close();
      const agreed = await auditVerify(["--database-url", url, "--data-root", root]);
      expect(agreed.code, agreed.stdout).toBe(0);
      expect(agreed.stdout).toContain(`the local copy ${copyFile(a)} agrees with the database (3 events)`);

      // The database loses its last event (restored from an older backup; triggers bypassed as a
      // superuser can): its own chain still verifies, the copy says otherwise.
      await sql(url, "SET session_replication_role = replica; DELETE FROM audit_events WHERE seq = 2");
      expect((await auditVerify(["--database-url", url])).code).toBe(0);
      const cut = await auditVerify(["--database-url", url, "--data-root", root]);
      expect(cut.code).toBe(1);
      expect(cut.stdout).toMatch(/copy-differs: the local copy .* holds 3 events, the database 2/);

      // A changed line in the copy is named by its seq.
      const file = copyFile(a);
      const lines = readFileSync(file, "utf8").split("\n");
      lines[1] = (lines[1] as string).replace('"actor":"', '"actor":"x');
      writeFileSync(file, lines.slice(0, 2).join("\n") + "\n");
      const changed = await auditVerify(["--database-url", url, "--data-root", root]);
      expect(changed.code).toBe(1);
      expect(changed.stdout).toMatch(
        /at seq 1 .*copy-differs: the local copy .* holds another line for seq 1/,
      );
    });

    it("a runtime directory that cannot hold it: a warning, and the store works from the database", async () => {
      const url = await POSTGRES_BACKEND.place("copy-nowhere");
      const root = tempDir("machine");
      writeFileSync(join(root, "audit-copies"), "a file where the directory should be");
      const logger = memoryLogger();
      const a = await openOn(url, root, logger);
      await a.transact(submitBody("TKT-1"));
      expect((await a.listAuditEvents({}, { offset: 0, limit: 10 })).total).toBe(2);
      expect(logger.warnings.join("\n")).toMatch(/no local copy of the audit log in .*audit-copies/);
      await a.close();
    });
  },
);
