import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { encodeEvent, type UnhashedEvent } from "../../src/store/core/event-codec.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { approveBody, rejectBody, submitBody } from "./fixtures/drafts.js";
import { cleanupTempDirs, open, REPO, tempDir } from "./fixtures/helpers.js";
import { builtEntry } from "../support/built.js";

afterAll(cleanupTempDirs);

/** A runtime with 7 events (seq 0..6); returns a fresh copy of it per test. */
let template: { store: string; base: string; log: string };

beforeAll(async () => {
  const root = tempDir("verify");
  const store = await open(root);
  for (const id of ["TKT-1", "TKT-2", "TKT-3"]) {
    const rec = await store.transact(submitBody(id));
    await store.transact(id === "TKT-2" ? rejectBody(rec.id) : approveBody(rec.id));
  }
  await store.close();
  template = {
    store: readFileSync(join(root, "store.json"), "utf8"),
    base: readFileSync(join(root, "base/tickets.json"), "utf8"),
    log: readFileSync(join(root, "audit.jsonl"), "utf8"),
  };
});

function runtimeWith(edit: (lines: string[]) => string[]): string {
  const root = tempDir("verify");
  const lines = template.log.trimEnd().split("\n");
  writeFileSync(join(root, "store.json"), template.store);
  mkdirSync(join(root, "base"));
  mkdirSync(join(root, "journal"));
  writeFileSync(join(root, "base/tickets.json"), template.base);
  writeFileSync(join(root, "audit.jsonl"), `${edit(lines).join("\n")}\n`);
  return root;
}

function edited(line: string, change: (event: Record<string, unknown>) => void): string {
  const event = JSON.parse(line) as Record<string, unknown>;
  change(event);
  return JSON.stringify(event);
}

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  // Without --data-root it checks the per-user default: an empty one here, whatever this machine holds.
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: tempDir("xdg") };
  delete env.TRIAGE_DATA_ROOT;
  const run = spawnSync(process.execPath, [builtEntry("src/cli/audit-verify.ts"), ...args], {
    cwd: REPO,
    encoding: "utf8",
    env,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("verifyAuditLog", () => {
  it("accepts an intact log and reports the head hash", () => {
    const root = runtimeWith((l) => l);
    const head = (JSON.parse(template.log.trimEnd().split("\n").at(-1) as string) as { hash: string }).hash;
    expect(verifyAuditLog(root)).toEqual({ ok: true, events: 7, headHash: head });
  });

  it.each([
    [
      "a field of a middle event altered",
      (l: string[]) => l.map((x, i) => (i === 3 ? edited(x, (e) => (e.actor = "mallory")) : x)),
      { seq: 3, line: 4, problem: "altered" },
    ],
    [
      "a middle event altered and re-hashed",
      (l: string[]) =>
        l.map((x, i) => {
          if (i !== 3) return x;
          const { hash: _h, ...rest } = JSON.parse(x) as UnhashedEvent & { hash: string };
          return encodeEvent({ ...rest, actor: "mallory" }).line;
        }),
      { seq: 4, line: 5, problem: "chain-broken" },
    ],
    ["a line deleted", (l: string[]) => l.filter((_, i) => i !== 3), { seq: 3, line: 4, problem: "removed" }],
    [
      "the last line deleted (still a valid prefix)",
      (l: string[]) => l.slice(0, -1),
      { ok: true, events: 6 },
    ],
    [
      "two lines swapped",
      (l: string[]) => [...l.slice(0, 3), l[4] as string, l[3] as string, ...l.slice(5)],
      { seq: 3, line: 4, problem: "reordered" },
    ],
    [
      "a line duplicated",
      (l: string[]) => [...l.slice(0, 4), l[3] as string, ...l.slice(4)],
      { seq: 4, line: 5, problem: "reordered" },
    ],
    [
      "a key added (hash still matches the content, but not the line)",
      (l: string[]) => l.map((x, i) => (i === 2 ? x.replace('"actor":', '"note":"x","actor":') : x)),
      { seq: 2, line: 3, problem: "altered" },
    ],
    [
      "a middle line that is not JSON",
      (l: string[]) => l.map((x, i) => (i === 5 ? "{oops" : x)),
      { seq: 5, line: 6, problem: "invalid" },
    ],
    [
      "a middle line that is JSON but no audit event",
      (l: string[]) => l.map((x, i) => (i === 5 ? edited(x, (e) => (e.action = "ticket-deleted")) : x)),
      { seq: 5, line: 6, problem: "invalid" },
    ],
  ])("detects %s", (_name, edit, expected) => {
    expect(verifyAuditLog(runtimeWith(edit))).toMatchObject(expected);
  });

  it("detects a torn last line and an altered base ticket file", () => {
    const torn = runtimeWith((l) => l);
    appendFileSync(join(torn, "audit.jsonl"), '{"seq":7,"id":');
    expect(verifyAuditLog(torn)).toMatchObject({ ok: false, seq: 7, line: 8, problem: "torn" });

    const base = runtimeWith((l) => l);
    writeFileSync(join(base, "base/tickets.json"), template.base.replace('"TKT-1"', '"TKT-1" '));
    expect(verifyAuditLog(base)).toMatchObject({ ok: false, seq: 0, line: 1, problem: "base-altered" });
  });

  it("makes the store refuse to open a tampered log", async () => {
    const root = runtimeWith((l) => l.map((x, i) => (i === 3 ? edited(x, (e) => (e.actor = "mallory")) : x)));
    const error = await open(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(/damaged after seq 2: .*hash does not match its content/);
  });

  it("makes an open store refuse to hand out a line changed after it was read", async () => {
    const root = runtimeWith((l) => l);
    const store = await open(root);
    const before = (await store.listAuditEvents({}, { offset: 0, limit: 7 })).items;
    expect(before.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Same length, same place: only reading the bytes again can tell.
    const text = readFileSync(join(root, "audit.jsonl"), "utf8");
    const lines = text.split("\n");
    lines[3] = (lines[3] as string).replace(
      /"actor":"(.)/,
      (_m, c: string) => `"actor":"${c === "z" ? "y" : "z"}`,
    );
    const changed = lines.join("\n");
    expect(changed).not.toBe(text);
    writeFileSync(join(root, "audit.jsonl"), changed);
    const error = await store.listAuditEvents({}, { offset: 0, limit: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(/audit event seq 3 .* cannot be read back/);
    await store.close();
  });
});

describe("audit-verify CLI", () => {
  it("exits 0 with the event count and head hash for an intact log", () => {
    const run = cli(
      "--data-root",
      runtimeWith((l) => l),
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^verified 7 events; head [0-9a-f]{64}\n$/);
  });

  it("exits 1 and names the first bad event", () => {
    const root = runtimeWith((l) => l.filter((_, i) => i !== 2));
    const run = cli("--data-root", root);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      `audit log damaged at seq 2 (line 3 of ${join(root, "audit.jsonl")}): removed: seq 2 is missing`,
    );
  });

  it("exits 2 with usage for bad arguments or a directory that is not a runtime", () => {
    for (const args of [
      [],
      ["--data-root"],
      ["--bogus"],
      ["--data-root", "/nonexistent/dir"],
      ["--data-root", tempDir("empty")],
    ]) {
      const run = cli(...args);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr).toMatch(/^audit-verify: .*\n\nUsage: audit-verify --data-root DIR/);
    }
    expect(cli("--data-root", tempDir("empty")).stderr).toMatch(
      /not an initialized triage runtime \(no store\.json\)/,
    );
  });
});
