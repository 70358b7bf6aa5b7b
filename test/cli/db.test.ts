import { readFileSync, writeFileSync } from "node:fs";
import pg from "pg";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAuditVerify } from "../../src/cli/audit-verify.js";
import { runDb } from "../../src/cli/db.js";
import { runImport } from "../../src/cli/import.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { PASSWORD_CHECKED_ROLE } from "../../scripts/postgres/cluster.js";
import { POSTGRES_SKIP, freshSchemaUrl, sql } from "../support/postgres.js";
import { FILE_BACKEND, POSTGRES_BACKEND, expectTablesMatchFold } from "../store/fixtures/backends.js";
import { approveBody, rejectBody, submitBody } from "../store/fixtures/drafts.js";
import { cleanupTempDirs, storeContents, tempDir } from "../store/fixtures/helpers.js";
import {
  approveWithHandoffs,
  attemptBody,
  createBody,
  fakeSha,
  importBody,
  noteBody,
} from "../store/fixtures/intake.js";
import { makeTickets } from "../store/fixtures/tickets.js";

afterAll(cleanupTempDirs);

async function cli(
  run: typeof runDb,
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

/** Exit status `code`, and `pattern` in one of the streams. */
function expectRun(
  run: { code: number; stdout: string; stderr: string },
  code: number,
  stream: "stdout" | "stderr",
  pattern: RegExp,
): void {
  expect(run.code, run.stderr).toBe(code);
  expect(run[stream]).toMatch(pattern);
}

const db = (argv: string[], env?: Record<string, string>) => cli(runDb, argv, env);
const auditVerify = (argv: string[]) => cli((a, io) => runAuditVerify(a, io), argv);

/** A runtime directory with every kind of record: an outbox with one handoff in flight, an import batch, notes. */
async function busyRuntime(): Promise<string> {
  const root = await FILE_BACKEND.place("runtime");
  const store = await FILE_BACKEND.open(root, { tickets: makeTickets(20) });
  const rec = await store.transact(submitBody("TKT-3"));
  const approved = await store.transact(approveWithHandoffs(rec.id, ["team-notification", "bug-card"]));
  await store.transact(attemptBody(approved.handoffIds[0] as string));
  await store.transactImport(importBody({ count: 3, sourceSha256: fakeSha(1) }));
  await store.transact(noteBody("TKT-4", "Called the customer back."));
  await store.transact(createBody());
  const declined = await store.transact(submitBody("TKT-5"));
  await store.transact(rejectBody(declined.id));
  const other = await store.transact(submitBody("TKT-6"));
  await store.transact(approveBody(other.id));
  await store.close();
  return root;
}

/** What a reader sees of a store: every ticket, recommendation and handoff. */

describe("db: arguments", () => {
  it("needs a command and a database; import needs --from-runtime (exit 2, nothing touched)", async () => {
    expectRun(await db([]), 2, "stderr", /Name a command: migrate or import/);
    expectRun(await db(["migrate"]), 2, "stderr", /Set TRIAGE_DATABASE_URL or pass --database-url URL/);
    expectRun(
      await db(["import"], { TRIAGE_DATABASE_URL: "postgres://127.0.0.1:1/triage" }),
      2,
      "stderr",
      /db import needs --from-runtime DIR/,
    );
    expectRun(
      await db(["migrate", "--database-url", "mysql://h/x"]),
      2,
      "stderr",
      /must start with postgres:\/\//,
    );
  });

  it("an unreachable database is STORE_UNAVAILABLE with host and port, never the password (exit 1)", async () => {
    const r = await db(["migrate", "--database-url", "postgres://triage:s3cret-pw@127.0.0.1:1/triage"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^STORE_UNAVAILABLE: The PostgreSQL database triage@127\.0\.0\.1:1\/triage/);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
    expect(r.stderr + r.stdout).not.toContain("s3cret-pw");
  });
});

describe.skipIf(POSTGRES_SKIP !== undefined)(
  `db migrate and db import${POSTGRES_SKIP === undefined ? "" : ` [${POSTGRES_SKIP}]`}`,
  () => {
    it("migrate creates the schema once; a newer schema is refused by migrate and by the server", async () => {
      const url = await freshSchemaUrl("migrate");
      const first = await db(["migrate", "--database-url", url]);
      expect(first, first.stderr).toMatchObject({ code: 0 });
      expect(first.stdout).toMatch(
        /^migrated .* from schema version 0 to 2: 1 \(.*\), 2 \(state snapshots\)\n$/,
      );
      expectRun(
        await db(["migrate"], { TRIAGE_DATABASE_URL: url }),
        0,
        "stdout",
        /is at schema version 2: nothing to do/,
      );
      // A server started on the migrated, empty schema seeds it as on first start.
      const store = await POSTGRES_BACKEND.open(url);
      expect(store.view().ticketCount()).toBe(20);
      await store.transact(submitBody("TKT-3"));
      await store.close();

      // A database still at version 1 (before state snapshots): the server asks for db migrate,
      // which adds version 2 and keeps everything.
      await sql(url, "DROP TABLE state_snapshots");
      await sql(url, "DELETE FROM triage_schema_migrations WHERE version = 2");
      await expect(POSTGRES_BACKEND.open(url)).rejects.toThrow(/has schema version 1; this server needs 2/);
      expectRun(
        await db(["migrate", "--database-url", url]),
        0,
        "stdout",
        /from schema version 1 to 2: 2 \(state snapshots\)/,
      );
      const upgraded = await POSTGRES_BACKEND.open(url);
      expect(await POSTGRES_BACKEND.events(upgraded)).toHaveLength(2);
      await upgraded.close();

      await sql(url, "INSERT INTO triage_schema_migrations (version, name) VALUES (99, 'from the future')");
      const newer = await db(["migrate", "--database-url", url]);
      expect(newer.code).toBe(1);
      expect(newer.stderr).toMatch(
        /STORE_UNAVAILABLE: .*has schema version 99, newer than this server knows \(2\)\. Upgrade support-triage-mcp/,
      );
      await expect(POSTGRES_BACKEND.open(url)).rejects.toThrow(
        /schema version 99, newer than this server knows/,
      );
    });

    it("an unknown user is STORE_UNAVAILABLE naming the check, never the password", async () => {
      const url = new URL(await freshSchemaUrl("auth"));
      url.username = "nobody_here";
      url.password = "s3cret-pw";
      const r = await db(["migrate", "--database-url", url.toString()]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /STORE_UNAVAILABLE: .*nobody_here@127\.0\.0\.1:\d+\/.*\(28000: .*Check the user and password/,
      );
      expect(r.stderr + r.stdout).not.toContain("s3cret-pw");
      await expect(POSTGRES_BACKEND.open(url.toString())).rejects.toMatchObject({
        code: "STORE_UNAVAILABLE",
      });
    });

    it("a wrong password is STORE_UNAVAILABLE (28P01) naming the check, never the password", async (ctx) => {
      const url = new URL(await freshSchemaUrl("password"));
      await sql(
        url.toString(),
        `DO $$ BEGIN CREATE ROLE ${PASSWORD_CHECKED_ROLE} LOGIN PASSWORD 'right-pw'; ` +
          "EXCEPTION WHEN duplicate_object THEN NULL; END $$",
      );
      url.username = PASSWORD_CHECKED_ROLE;
      url.password = "wr0ng-pw";
      // A server given by TRIAGE_TEST_DATABASE_URL may trust every connection: nothing to check there.
      const probe = new pg.Client({ connectionString: url.toString() });
      const accepted = await probe.connect().then(
        () => true,
        () => false,
      );
      await probe.end().catch(() => undefined);
      if (accepted) ctx.skip();
      const r = await db(["migrate", "--database-url", url.toString()]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /STORE_UNAVAILABLE: .*triage_password_check@127\.0\.0\.1:\d+\/.*\(28P01: .*Check the user and password/,
      );
      expect(r.stderr + r.stdout).not.toContain("wr0ng-pw");
      const error = await POSTGRES_BACKEND.open(url.toString()).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "STORE_UNAVAILABLE" });
      expect((error as Error).message).toMatch(/28P01/);
      expect((error as Error).message).not.toContain("wr0ng-pw");
    });

    it("import copies a runtime whole (same chain, same state, query tables from the fold) and refuses a second copy", async () => {
      const root = await busyRuntime();
      const fileVerified = verifyAuditLog(root);
      expect(fileVerified.ok).toBe(true);
      const url = await freshSchemaUrl("copy");

      const r = await db(["import", "--from-runtime", root, "--database-url", url]);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(r.stdout).toMatch(
        /: 24 tickets, 1 import batches, 11 audit events; chain verified, head [0-9a-f]{64}/,
      );
      expect(r.stdout).toContain(fileVerified.ok ? fileVerified.headHash : "?");
      // Each phase on stderr, for the minute a large runtime takes.
      expect(r.stderr).toMatch(
        /^db import: reading .*\ndb import: read 11 audit events and 24 tickets \([\d.]+ s\)\n/,
      );
      expect(r.stderr).toMatch(/\ndb import: audit events: 11 of 11 \([\d.]+ s\)\n/);
      expect(r.stderr).toMatch(/\ndb import: query tables: 24 tickets, \d+ recommendations, 2 handoffs\n/);
      expect(r.stderr).toMatch(/\ndb import: committed \([\d.]+ s\)\n$/);

      const verified = await auditVerify(["--database-url", url]);
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(
        new RegExp(`verified 11 events in .*; head ${fileVerified.ok ? fileVerified.headHash : "?"}`),
      );

      const file = await FILE_BACKEND.open(root);
      const copied = await POSTGRES_BACKEND.open(url);
      expect(storeContents(copied)).toEqual(storeContents(file));
      expect(storeContents(copied)).toMatchObject({
        handoffs: [{ status: "in-flight" }, { status: "pending" }],
      });
      expect(await POSTGRES_BACKEND.events(copied)).toEqual(await FILE_BACKEND.events(file));
      await expectTablesMatchFold(copied);
      // The copy is a working store: the next commit chains onto the copied head.
      await copied.transact(submitBody("TKT-7"));
      expect(await POSTGRES_BACKEND.verify(url)).toMatchObject({ ok: true, events: 12 });
      await file.close();

      const again = await db(["import", "--from-runtime", root, "--database-url", url]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(
        /already holds a triage store: db import copies only into an empty database/,
      );
      expect(await POSTGRES_BACKEND.events(copied)).toHaveLength(12);
      await copied.close();
    });

    it("the import CLI writes into the database; on a database without a store it refuses and seeds nothing", async () => {
      const csv = join(tempDir("csv"), "export.csv");
      writeFileSync(
        csv,
        "id,subject,created\nE-1,Row one,2026-04-01T00:00:00Z\nE-2,Row two,2026-04-01T00:00:00Z\n",
      );
      const importInto = async (url: string) => {
        let stdout = "";
        let stderr = "";
        const code = await runImport(["--from", csv, "--actor", "me"], {
          stdout: (t) => (stdout += t),
          stderr: (t) => (stderr += t),
          cwd: process.cwd(),
          env: { TRIAGE_DATABASE_URL: url, TRIAGE_DATA_ROOT: tempDir("unused-root") },
          stderrIsTTY: false,
        });
        return { code, stdout, stderr };
      };
      const empty = await freshSchemaUrl("import");
      const refused = await importInto(empty);
      expectRun(refused, 1, "stderr", /holds no triage store yet: start the server against it once/);
      const tables = await sql<{ n: string }>(
        empty,
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()",
      );
      expect(Number(tables[0]?.n)).toBe(0);

      const url = await freshSchemaUrl("import");
      const store = await POSTGRES_BACKEND.open(url);
      const imported = await importInto(url);
      expectRun(imported, 0, "stdout", /^Imported 2 tickets/);
      await store.refresh();
      expect(store.view().ticketCount()).toBe(22);
      expect(await POSTGRES_BACKEND.verify(url)).toMatchObject({ ok: true, events: 2 });
      await store.close();
    });

    it("import refuses a directory that is not a runtime and a damaged runtime, leaving the database empty", async () => {
      const url = await freshSchemaUrl("copy");
      const notRuntime = tempDir("empty");
      const r = await db(["import", "--from-runtime", notRuntime, "--database-url", url]);
      expectRun(r, 1, "stderr", /is not a triage runtime \(no store\.json\)/);

      const root = await busyRuntime();
      const log = join(root, "audit.jsonl");
      writeFileSync(
        log,
        readFileSync(log, "utf8").replace("Called the customer back.", "Called the customer later."),
      );
      const damaged = await db(["import", "--from-runtime", root, "--database-url", url]);
      expect(damaged.code).toBe(1);
      expect(damaged.stderr).toMatch(
        /STORE_UNAVAILABLE: The audit log .*audit\.jsonl is damaged after seq \d+/,
      );
      const rows = await sql<{ n: string }>(
        url,
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'audit_events'",
      );
      const events =
        Number(rows[0]?.n) === 0
          ? 0
          : Number((await sql<{ n: string }>(url, "SELECT count(*) AS n FROM audit_events"))[0]?.n);
      expect(events).toBe(0);
    });
  },
);
