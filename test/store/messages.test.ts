import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { RUNBOOK } from "../../src/paths.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { submitBody } from "./fixtures/drafts.js";
import { cleanupTempDirs, open, tempDir } from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";

// What the store says when its directory is damaged or misplaced: grammatical, naming the file,
// and pointing at the runbook that says how to repair it.

afterAll(cleanupTempDirs);
const REPO = resolve(import.meta.dirname, "../..");

async function tamperedRuntime(): Promise<string> {
  const root = tempDir("messages");
  const store = await open(root, { tickets: makeTickets(3) });
  await store.transact(submitBody("TKT-1"));
  await store.transact(submitBody("TKT-2"));
  await store.close();
  const log = join(root, "audit.jsonl");
  const lines = readFileSync(log, "utf8").split("\n");
  lines[1] = (lines[1] as string).replace(/"actor":"[^"]+"/, '"actor":"mallory"');
  writeFileSync(log, lines.join("\n"));
  return root;
}

describe("a tampered audit event", () => {
  it("is described as the event's hash not matching its content", async () => {
    const root = await tamperedRuntime();
    expect(verifyAuditLog(root)).toMatchObject({
      ok: false,
      seq: 1,
      problem: "altered",
      detail: "the event's hash does not match its content",
    });
  });

  it("audit:verify prints it and the runbook to follow", async () => {
    const root = await tamperedRuntime();
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "src/cli/audit-verify.ts", "--data-root", root],
      {
        cwd: REPO,
        encoding: "utf8",
      },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(
      `audit log damaged at seq 1 (line 2 of ${join(root, "audit.jsonl")}): altered: the event's hash does not match its content\n` +
        `What to do next (find what changed, restore from a backup or snapshot): ${RUNBOOK}\n`,
    );
  });

  it("makes the store refuse to open, naming the runbook", async () => {
    const root = await tamperedRuntime();
    const error = await open(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(
      /is damaged after seq 0: .*\(the event's hash does not match its content\)\. Nothing more is written until it is repaired \(\S+runbook\.md says how\); run audit:verify for details\.$/,
    );
    expect((error as DomainError).message).toContain(`(${RUNBOOK} says how)`);
  });

  it("a modified base file names the runbook too", async () => {
    const root = tempDir("messages");
    await (await open(root, { tickets: makeTickets(3) })).close();
    const base = join(root, "base", "tickets.json");
    writeFileSync(base, readFileSync(base, "utf8").replace("TKT-1", "TKT-9"));
    const error = await open(root).catch((e: unknown) => e);
    expect((error as DomainError).message).toBe(
      `${base} does not match the hash recorded at initialization: it was modified. ` +
        `Restore it from a backup (${RUNBOOK} says how), or run audit:verify for details.`,
    );
  });
});

describe("a data root that is a file", () => {
  it("names the file and says what to do (not EEXIST: mkdir)", async () => {
    const dir = tempDir("messages");
    const file = join(dir, "runtime");
    writeFileSync(file, "not a directory");
    const error = await open(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("STORE_UNAVAILABLE");
    expect((error as DomainError).message).toBe(
      `${file} is a file, not a directory (EEXIST), so the runtime directory ${file} cannot be used. ` +
        `Point TRIAGE_DATA_ROOT at a directory (it is created when missing), or move the file away. Nothing was written.`,
    );
    expect(readFileSync(file, "utf8")).toBe("not a directory");
  });

  it("or a file further up the path", async () => {
    const dir = tempDir("messages");
    mkdirSync(join(dir, "a"));
    writeFileSync(join(dir, "a", "b"), "x");
    const root = join(dir, "a", "b", "c", "runtime");
    const error = await open(root).catch((e: unknown) => e);
    expect((error as DomainError).message).toMatch(
      new RegExp(
        `^${join(dir, "a", "b")} is a file, not a directory \\(ENOTDIR\\), so the runtime directory ${root} cannot be used\\.`,
      ),
    );
  });
});

describe("a runtime whose store.json was removed", () => {
  it("is refused, not re-initialized: its history stays", async () => {
    const root = await tamperedRuntime();
    const log = readFileSync(join(root, "audit.jsonl"));
    rmSync(join(root, "store.json"));
    const error = await open(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toBe(
      `${root} holds an audit log with events after its initialization but no store.json: store.json was removed. ` +
        `Restore it from a backup or rebuild it from event 0 (${RUNBOOK} says how); nothing was changed.`,
    );
    expect(readFileSync(join(root, "audit.jsonl"))).toEqual(log);
  });

  it("(an interrupted initialization, one event and no store.json, is still replaced)", async () => {
    const root = tempDir("messages");
    await (await open(root, { tickets: makeTickets(3) })).close();
    rmSync(join(root, "store.json"));
    const store = await open(root, { tickets: makeTickets(5) });
    expect(store.view().ticketCount()).toBe(5);
    await store.close();
  });
});
