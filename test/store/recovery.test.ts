import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { encodeEvent } from "../../src/store/core/event-codec.js";
import { verifyAuditLog, type FileStore } from "../../src/store/index.js";
import { submitBody } from "./fixtures/drafts.js";
import {
  cleanupTempDirs,
  expectConsistent,
  journalFiles,
  memoryLogger,
  open,
  readLog,
  runChild,
  tempDir,
} from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";
import { claimOnly, closeUnlockedWriters } from "./fixtures/unlocked.js";
import { crashEnv } from "../support/crash.js";

afterAll(() => {
  closeUnlockedWriters();
  cleanupTempDirs();
});

const SEED = makeTickets(20);

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ["-e", ""]).pid;
  if (pid === undefined) throw new Error("could not spawn");
  return pid;
}

async function storeWithEvents(logger = memoryLogger()): Promise<{ root: string; store: FileStore }> {
  const root = tempDir("recovery");
  const store = await open(root, { tickets: SEED, logger });
  await store.transact(submitBody("TKT-1"));
  await store.transact(submitBody("TKT-2"));
  return { root, store };
}

/** Leaves a claim for the next seq as a writer that died right after claiming would. */
function leaveClaim(store: FileStore, ticketId: string, pid: number): { seq: number; line: string } {
  const seq = claimOnly(store, submitBody(ticketId));
  const path = join(store.dataRoot, "journal", `${seq}.json`);
  const claim = JSON.parse(readFileSync(path, "utf8")) as { pid: number; line: string };
  writeFileSync(path, JSON.stringify({ ...claim, pid }));
  return { seq, line: claim.line };
}

function quarantined(root: string): string[] {
  const dir = join(root, "journal/quarantine");
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe("recovery of a torn last line", () => {
  it("reads work before the repair; the next open cuts the fragment off and keeps it in quarantine", async () => {
    const { root, store } = await storeWithEvents();
    appendFileSync(join(root, "audit.jsonl"), '{"seq":3,"id":"0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f","timest');
    // The writer side has not repaired it yet: reads ignore the fragment.
    expect(store.view().lastSeq).toBe(2);
    expect((await store.listAuditEvents({}, { offset: 0, limit: 10 })).items).toHaveLength(3);
    expect(verifyAuditLog(root)).toMatchObject({ ok: false, problem: "torn", seq: 3, line: 4 });

    const logger = memoryLogger();
    const reopened = await open(root, { tickets: SEED, logger });
    expect(logger.warnings.join("\n")).toMatch(/cut an incomplete last line \(60 bytes at offset \d+\)/);
    expect(quarantined(root).some((n) => n.startsWith("torn-"))).toBe(true);
    expect(verifyAuditLog(root)).toMatchObject({ ok: true, events: 3 });
    await reopened.transact(submitBody("TKT-3"));
    await expectConsistent(reopened, SEED);
    // The first instance follows along.
    expect(store.view().lastSeq).toBe(3);
    await reopened.close();
    await store.close();
  });

  it("also cuts a last line that is not JSON at all, found by a transaction", async () => {
    const { root, store } = await storeWithEvents();
    appendFileSync(join(root, "audit.jsonl"), "\u0000\u0000\u0000\n");
    await store.transact(submitBody("TKT-4"));
    expect(readLog(root).map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    await expectConsistent(store, SEED);
    await store.close();
  });

  it("refuses to open, and to write, when a complete line is damaged rather than torn", async () => {
    const { root, store } = await storeWithEvents();
    const [e0] = readLog(root);
    // A well-formed line that does not continue the chain.
    const { line } = encodeEvent({
      ...(e0 as never as Parameters<typeof encodeEvent>[0]),
      seq: 3,
      prevHash: "f".repeat(64),
    });
    appendFileSync(join(root, "audit.jsonl"), `${line}\n`);
    const before = readFileSync(join(root, "audit.jsonl"), "utf8");
    const error = await open(root, { tickets: SEED }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("STORE_UNAVAILABLE");
    expect((error as DomainError).message).toMatch(/damaged after seq 2.*run audit:verify/);
    await expect(store.transact(submitBody("TKT-5"))).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    expect(readFileSync(join(root, "audit.jsonl"), "utf8")).toBe(before);
    // Reads keep serving the intact prefix.
    expect(store.view().lastSeq).toBe(2);
    await store.close();
  });
});

describe("recovery of commit claims", () => {
  it("rolls forward a claim for the next seq left by a dead writer", async () => {
    const { root, store } = await storeWithEvents();
    const claim = leaveClaim(store, "TKT-7", deadPid());
    await store.close();
    const logger = memoryLogger();
    const reopened = await open(root, { tickets: SEED, logger });
    expect(logger.warnings.join("\n")).toMatch(
      new RegExp(`finished the commit of seq ${claim.seq} \\(recommendation-submitted\\)`),
    );
    expect(readFileSync(join(root, "audit.jsonl"), "utf8").trimEnd().split("\n").at(-1)).toBe(claim.line);
    expect(reopened.view().pendingRecommendationIds("TKT-7")).toHaveLength(1);
    expect(journalFiles(root)).toEqual([]);
    await expectConsistent(reopened, SEED);
    await reopened.close();
  });

  it("rolls forward over a torn copy of the same line (killed mid-append)", async () => {
    const { root, store } = await storeWithEvents();
    const claim = leaveClaim(store, "TKT-8", deadPid());
    appendFileSync(join(root, "audit.jsonl"), claim.line.slice(0, 100));
    await store.transact(submitBody("TKT-9"));
    const events = readLog(root);
    expect(events.map((e) => e.ticketId)).toEqual([null, "TKT-1", "TKT-2", "TKT-8", "TKT-9"]);
    await expectConsistent(store, SEED);
    await store.close();
  });

  it("removes a claim whose line is already in the log, and stray temp files of dead writers", async () => {
    const logger = memoryLogger();
    const { root, store } = await storeWithEvents(logger);
    const line = readFileSync(join(root, "audit.jsonl"), "utf8").trimEnd().split("\n")[2] as string;
    const dead = deadPid();
    writeFileSync(
      join(root, "journal/2.json"),
      JSON.stringify({
        format: 1,
        pid: dead,
        hostname: hostname(),
        seq: 2,
        hash: (JSON.parse(line) as { hash: string }).hash,
        createdAt: new Date().toISOString(),
        line,
      }),
    );
    writeFileSync(join(root, `journal/.claim-${dead}-0-abcdef.tmp`), "{");
    await store.transact(submitBody("TKT-10"));
    expect(journalFiles(root)).toEqual([]);
    expect(quarantined(root)).toEqual([]);
    expect(logger.warnings).toEqual([]);
    await expectConsistent(store, SEED);
    await store.close();
  });

  it("quarantines garbage and claims that do not continue the log, and never applies them", async () => {
    const { root, store } = await storeWithEvents();
    const dead = deadPid();
    writeFileSync(join(root, "journal/3.json"), "not json at all");
    writeFileSync(join(root, "journal/notes.txt"), "hello");
    await store.close();
    const logger = memoryLogger();
    const reopened = await open(root, { tickets: SEED, logger });
    expect(quarantined(root)).toHaveLength(2);
    expect(logger.warnings.join("\n")).toMatch(/journal\/3\.json is not a JSON claim/);
    expect(logger.warnings.join("\n")).toMatch(/journal\/notes\.txt is not a claim file name/);

    // A well-formed claim for the next seq whose line points at the wrong predecessor.
    const next = encodeEvent({
      seq: 3,
      id: "12345678-1234-4234-8234-123456789abc",
      timestamp: "2026-06-01T12:00:00.000Z",
      action: "approval-rejected",
      ticketId: "TKT-1",
      actor: "x",
      prevHash: "a".repeat(64),
    });
    writeFileSync(
      join(root, "journal/3.json"),
      JSON.stringify({
        format: 1,
        pid: dead,
        hostname: hostname(),
        seq: 3,
        hash: next.hash,
        createdAt: new Date().toISOString(),
        line: next.line,
      }),
    );
    // And one far ahead of the log.
    const ahead = { ...(JSON.parse(readFileSync(join(root, "journal/3.json"), "utf8")) as object), seq: 9 };
    writeFileSync(join(root, "journal/9.json"), JSON.stringify(ahead));
    await reopened.transact(submitBody("TKT-11"));
    expect(logger.warnings.join("\n")).toMatch(
      /journal\/3\.json cannot be applied \(it does not follow seq 2\)/,
    );
    expect(logger.warnings.join("\n")).toMatch(/journal\/9\.json claims seq 9 but the log ends at seq 2/);
    expect(quarantined(root)).toHaveLength(4);
    expect(readLog(root).map((e) => e.action)).toEqual([
      "runtime-initialized",
      "recommendation-submitted",
      "recommendation-submitted",
      "recommendation-submitted",
    ]);
    await expectConsistent(reopened, SEED);
    await reopened.close();
  });
});

describe("the runtime lock", () => {
  it("reclaims at once a lock whose owner died on this host (no wait for staleness)", async () => {
    const root = tempDir("lock");
    const run = await runChild(
      { dataRoot: root, ops: [{ op: "submit", ticketId: "TKT-1" }] },
      crashEnv("tx.locked"),
    ).done;
    expect(run.signal).toBe("SIGKILL");
    expect(existsSync(join(root, "store.lock/owner.json"))).toBe(true);
    // The lock is seconds old, far from the 10 s stale time; a 300 ms budget suffices only
    // because the dead owner is recognized.
    const store = await open(root, { tickets: SEED, lockTimeoutMs: 300 });
    await store.transact(submitBody("TKT-2"));
    expect(existsSync(join(root, "store.lock"))).toBe(false);
    await store.close();
  });

  it("waits for a live owner, then fails with STORE_UNAVAILABLE and a retry hint", async () => {
    const root = tempDir("lock");
    const store = await open(root, { tickets: SEED, lockTimeoutMs: 150 });
    mkdirSync(join(root, "store.lock"));
    writeFileSync(
      join(root, "store.lock/owner.json"),
      JSON.stringify({
        pid: process.ppid,
        hostname: hostname(),
        token: "other",
        acquiredAt: new Date().toISOString(),
      }),
    );
    const error = await store.transact(submitBody("TKT-2")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).toString()).toMatch(
      /^STORE_UNAVAILABLE: Another process holds the runtime lock on .* \(waited 150 ms\)\. Retry in a moment\.$/,
    );
    expect(store.view().lastSeq).toBe(0);
    expect(existsSync(join(root, "store.lock/owner.json"))).toBe(true);
    await store.close();
  });
});
