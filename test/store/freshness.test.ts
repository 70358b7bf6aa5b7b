import { appendFileSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import pg from "pg";
import { approveBody, submitBody } from "./fixtures/drafts.js";
import { openPostgresStore, verifyAuditLog, type PostgresStore } from "../../src/store/index.js";
import { POSTGRES_SKIP, sql } from "../support/postgres.js";
import { POSTGRES_BACKEND } from "./fixtures/backends.js";
import { cleanupTempDirs, memoryLogger, open, runChild, tempDir } from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";

afterAll(cleanupTempDirs);

describe("freshness across instances and processes", () => {
  it("a write through one instance is visible through another's next view()", async () => {
    const root = tempDir();
    const a = await open(root);
    const b = await open(root);
    const rec = await a.transact(submitBody("TKT-2"));
    expect(b.view().getRecommendation(rec.id)).toEqual(rec);
    await b.transact(approveBody(rec.id));
    expect(a.view().getTicket("TKT-2")?.revision).toBe(3);
    expect(a.view().lastSeq).toBe(2);
    expect((await a.listAuditEvents({ ticketId: "TKT-2" }, { offset: 0, limit: 10 })).total).toBe(2);
    expect(await a.getAuditEvent(2)).toMatchObject({
      seq: 2,
      action: "recommendation-approved",
      ticketId: "TKT-2",
    });
    // b approved against a's submission: a second approval through a is refused, not doubled.
    await expect(a.transact(approveBody(rec.id))).rejects.toMatchObject({ code: "ALREADY_RESOLVED" });
    await a.close();
    await b.close();
  });

  it("sees writes of a child process", async () => {
    const root = tempDir();
    const store = await open(root);
    const recId = "11111111-2222-4333-8444-555555555555";
    const run = await runChild({
      dataRoot: root,
      ops: [
        { op: "submit", ticketId: "TKT-5", recId },
        { op: "approve", recId },
      ],
    }).done;
    expect(run.code, run.stderr).toBe(0);
    const view = store.view();
    expect(view.lastSeq).toBe(2);
    expect(view.getRecommendation(recId)?.resolution).toBe("approved");
    expect(view.getTicket("TKT-5")?.revision).toBe(3);
    await store.close();
  });

  it("keeps serving reads while another writer's line is half written, and picks it up once complete", async () => {
    const root = tempDir();
    const logPath = join(root, "audit.jsonl");
    const reader = await open(root);
    const writer = await open(root);
    const rec = await writer.transact(submitBody("TKT-3"));
    // Rewind the file to just before that line, then let it reappear in two pieces, as a
    // reader may observe an append in progress.
    const full = readFileSync(logPath, "utf8");
    const line = full.split("\n").at(-2) as string;
    truncateSync(logPath, full.length - line.length - 1);
    appendFileSync(logPath, line.slice(0, 40));
    expect(reader.view().lastSeq).toBe(0);
    expect(reader.view().getRecommendation(rec.id)).toBeUndefined();
    expect((await reader.listAuditEvents({}, { offset: 0, limit: 10 })).total).toBe(1);
    appendFileSync(logPath, `${line.slice(40)}\n`);
    expect(reader.view().lastSeq).toBe(1);
    expect(reader.view().getRecommendation(rec.id)).toEqual(rec);
    await reader.close();
    await writer.close();
  });

  it("reloads when the runtime's files are overwritten in place (same inode)", async () => {
    const root = tempDir();
    const a = await open(root, { tickets: makeTickets(10) });
    await a.transact(submitBody("TKT-1"));
    expect(a.view().lastSeq).toBe(1);
    const other = tempDir();
    const b = await open(other, { tickets: makeTickets(15) });
    for (const id of ["TKT-2", "TKT-3", "TKT-4"]) await b.transact(submitBody(id));
    await b.close();
    const inode = statSync(join(root, "audit.jsonl")).ino;
    for (const file of ["store.json", "base/tickets.json", "audit.jsonl"]) {
      writeFileSync(join(root, file), readFileSync(join(other, file)));
    }
    expect(statSync(join(root, "audit.jsonl")).ino).toBe(inode);
    const view = a.view();
    expect(view.generation).toBe(2);
    expect(view.lastSeq).toBe(3);
    expect(view.ticketCount()).toBe(15);
    expect(a.storeId).toBe(b.storeId);
    await a.close();
  });

  it("never chains a write onto a replaced log of identical size (same inode)", async () => {
    const root = tempDir();
    const a = await open(root, { tickets: makeTickets(10) });
    const other = tempDir();
    const b = await open(other, { tickets: makeTickets(10) });
    await b.close();
    expect(statSync(join(other, "audit.jsonl")).size).toBe(statSync(join(root, "audit.jsonl")).size);
    for (const file of ["store.json", "base/tickets.json", "audit.jsonl"]) {
      writeFileSync(join(root, file), readFileSync(join(other, file)));
    }
    // A write checks its predecessor under the lock, notices and reloads first.
    await a.transact(submitBody("TKT-3"));
    expect(a.storeId).toBe(b.storeId);
    expect(a.view().generation).toBe(2);
    expect(verifyAuditLog(root)).toMatchObject({ ok: true, events: 2 });
    await a.close();
  });

  it("reloads when the runtime directory is wiped and re-initialized, and bumps the generation", async () => {
    const root = tempDir();
    const a = await open(root, { tickets: makeTickets(10) });
    const rec = await a.transact(submitBody("TKT-2"));
    await a.transact(approveBody(rec.id));
    const generation = a.view().generation;
    const storeId = a.storeId;

    rmSync(root, { recursive: true });
    expect(() => a.view()).toThrow(/STORE_UNAVAILABLE|is missing/);
    const b = await open(root, { tickets: makeTickets(12) });

    const view = a.view();
    expect(view.generation).toBe(generation + 1);
    expect(a.storeId).toBe(b.storeId);
    expect(a.storeId).not.toBe(storeId);
    expect(view.ticketCount()).toBe(12);
    expect(view.lastSeq).toBe(0);
    expect(view.getRecommendation(rec.id)).toBeUndefined();
    expect(view.getTicket("TKT-2")?.revision).toBe(2);
    // And a writes into the new runtime.
    await a.transact(submitBody("TKT-11"));
    expect(b.view().lastSeq).toBe(1);
    await a.close();
    await b.close();
  });
});

describe.skipIf(POSTGRES_SKIP !== undefined)(
  `freshness on a database${POSTGRES_SKIP === undefined ? "" : ` [${POSTGRES_SKIP}]`}`,
  () => {
    it("refresh() catches up with another instance's commit; a notification does so between requests", async () => {
      const place = await POSTGRES_BACKEND.place("fresh");
      const writer = await POSTGRES_BACKEND.open(place);
      const quiet = await openPostgresStore({
        url: place,
        dataRoot: tempDir("pg-root"),
        seed: () => makeTickets(20),
        logger: memoryLogger(),
        listen: false,
        pollMs: 0,
      });
      const listening = await openPostgresStore({
        url: place,
        dataRoot: tempDir("pg-root"),
        seed: () => makeTickets(20),
        logger: memoryLogger(),
        pollMs: 0,
      });
      const rec = await writer.transact(submitBody("TKT-2"));
      // Without a request boundary, the quiet instance still shows the state it last read...
      expect(quiet.view().getRecommendation(rec.id)).toBeUndefined();
      await quiet.refresh();
      expect(quiet.view().getRecommendation(rec.id)).toEqual(rec);
      // ...while the listening one is told by NOTIFY and catches up on its own.
      await vi.waitFor(() => expect(listening.view().getRecommendation(rec.id)).toEqual(rec), {
        timeout: 10_000,
      });
      for (const s of [writer, quiet, listening]) await s.close();
    });

    it('a "notified" refresh asks the database only when told of a commit, or when not listening', async () => {
      const place = await POSTGRES_BACKEND.place("notified");
      const writer = await POSTGRES_BACKEND.open(place);
      const reader = (await POSTGRES_BACKEND.open(place)) as PostgresStore;
      await vi.waitFor(() => expect(reader.listening).toBe(true), { timeout: 10_000 });
      await reader.refresh();
      const queries = vi.spyOn(pg.Client.prototype, "query");
      try {
        // Listening and told of nothing: the request boundary costs no round trip...
        for (let i = 0; i < 5; i++) await reader.refresh("notified");
        expect(queries).not.toHaveBeenCalled();
        // ...while "latest" always asks.
        await reader.refresh("latest");
        expect(queries).toHaveBeenCalled();
        // A commit elsewhere is notified, and the reader catches up on its own.
        const rec = await writer.transact(submitBody("TKT-3"));
        await vi.waitFor(() => expect(reader.view().getRecommendation(rec.id)).toEqual(rec), {
          timeout: 10_000,
        });
        // The listening connection dies: every request asks again, and sees the next commit at once.
        await sql(
          place,
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'",
        );
        await vi.waitFor(() => expect(reader.listening).toBe(false), { timeout: 10_000 });
        const next = await writer.transact(submitBody("TKT-4"));
        await reader.refresh("notified");
        expect(reader.view().getRecommendation(next.id)).toEqual(next);
      } finally {
        queries.mockRestore();
      }
      await writer.close();
      await reader.close();
    });

    it("sees writes of a child process on its own database pool", async () => {
      const place = await POSTGRES_BACKEND.place("fresh");
      const store = await POSTGRES_BACKEND.open(place);
      const recId = "11111111-2222-4333-8444-555555555555";
      const run = await runChild(
        {
          ops: [
            { op: "submit", ticketId: "TKT-5", recId },
            { op: "approve", recId },
          ],
        },
        POSTGRES_BACKEND.childEnv(place),
      ).done;
      expect(run.code, run.stderr).toBe(0);
      await store.refresh();
      const view = store.view();
      expect(view.lastSeq).toBe(2);
      expect(view.getRecommendation(recId)?.resolution).toBe("approved");
      expect(view.getTicket("TKT-5")?.revision).toBe(3);
      await store.close();
    });
  },
);
