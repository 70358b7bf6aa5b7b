import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ResetRefused, resetRuntime, runReset } from "../../src/cli/reset.js";
import { createMemoryLogger } from "../../src/logging.js";
import { openTriage } from "../../src/service/runtime.js";
import { layoutOf } from "../../src/store/index.js";
import { RuntimeLock } from "../../src/store/index.js";
import { TEST_NOW, writeTestData, type TestData } from "../support/data.js";

const ROOT = resolve(import.meta.dirname, "../..");
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});
const onWindows = process.platform === "win32";

/** A real runtime created by openTriage, with a recommendation and a rejection in its log. */
async function makeRuntime(dataRoot?: string): Promise<TestData & { dataRoot: string }> {
  const data = writeTestData();
  temps.push(data.root);
  const root = dataRoot ?? data.dataRoot;
  const triage = await openTriage({ ...data, dataRoot: root, minutesSaved: 8 }, createMemoryLogger(), {
    clock: () => TEST_NOW,
  });
  const rec = await triage.service.submit({
    ticketId: "TKT-3002",
    sourceRevision: 0,
    category: "incident",
    priority: "P1",
    team: "incident-response",
    duplicateCandidates: [],
    outageRisk: "likely",
    securityRisk: "none",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: [],
    draftCustomerResponse: "We are on it.",
    rationale: "Same 502s as TKT-3001.",
    confidence: 0.9,
    recommendedNextAction: "Link to the incident.",
    actor: "agent",
  });
  await triage.service.reject({
    recommendationId: rec.id,
    ticketId: "TKT-3002",
    actor: "reviewer",
    feedback: "dup",
  });
  await triage.close();
  return { ...data, dataRoot: root };
}

/** A directory laid out like a package: <pkg>/data/runtime. */
function fakePackage(): { pkg: string; runtime: string } {
  const pkg = mkdtempSync(join(tmpdir(), "reset-pkg-"));
  temps.push(pkg);
  const runtime = join(pkg, "data", "runtime");
  mkdirSync(runtime, { recursive: true });
  writeFileSync(join(runtime, ".gitkeep"), "");
  return { pkg, runtime };
}

const noPackage = () => {
  const dir = mkdtempSync(join(tmpdir(), "reset-nopkg-"));
  temps.push(dir);
  return dir;
};

const list = (dir: string) => readdirSync(dir).sort();

describe("reset", () => {
  it("removes a real runtime created by openTriage, keeps .gitkeep, and the next start re-initializes", async () => {
    const data = await makeRuntime();
    writeFileSync(join(data.dataRoot, ".gitkeep"), "");
    expect(list(data.dataRoot)).toEqual(
      expect.arrayContaining(["store.json", "audit.jsonl", "base", "journal"]),
    );

    const outcome = await resetRuntime(data.dataRoot, { packageRoot: noPackage() });
    expect(outcome.kind).toBe("removed");
    expect(outcome.kind === "removed" && outcome.removed).toEqual(
      expect.arrayContaining(["store.json", "audit.jsonl", "base/", "journal/"]),
    );
    expect(outcome.kind === "removed" && outcome.removed[0]).toBe("store.json");
    expect(list(data.dataRoot)).toEqual([".gitkeep"]);

    const again = await openTriage({ ...data, minutesSaved: 8 }, createMemoryLogger(), {
      clock: () => TEST_NOW,
    });
    try {
      expect(again.service.queueMetrics().submittedRecommendations).toBe(0);
    } finally {
      await again.close();
    }
  });

  it("a second reset is a no-op with a clear message", async () => {
    const data = await makeRuntime();
    const pkg = noPackage();
    await resetRuntime(data.dataRoot, { packageRoot: pkg });
    const second = await resetRuntime(data.dataRoot, { packageRoot: pkg });
    expect(second).toEqual({
      kind: "nothing",
      root: data.dataRoot,
      message: `Nothing to reset: ${data.dataRoot} holds no runtime state.`,
    });
    const missing = await resetRuntime(join(data.root, "nope"), { packageRoot: pkg });
    expect(missing.kind === "nothing" && missing.message).toMatch(/does not exist/);
  });

  it("in the package's own data/runtime, removes store files but leaves unknown files alone", async () => {
    const { pkg, runtime } = fakePackage();
    await makeRuntime(runtime);
    writeFileSync(join(runtime, "notes.txt"), "mine");
    const outcome = await resetRuntime(runtime, { packageRoot: pkg });
    expect(outcome.kind === "removed" && outcome.kept).toEqual([".gitkeep", "notes.txt"]);
    expect(list(runtime)).toEqual([".gitkeep", "notes.txt"]);
    // Nothing of ours left: a no-op, even though notes.txt is there.
    expect((await resetRuntime(runtime, { packageRoot: pkg })).kind).toBe("nothing");
  });

  it("refuses a random directory with other files, deleting nothing", async () => {
    const dir = noPackage();
    writeFileSync(join(dir, "thesis.tex"), "precious");
    mkdirSync(join(dir, "journal"));
    await expect(resetRuntime(dir, { packageRoot: noPackage() })).rejects.toThrow(
      /is not this package's data\/runtime and holds no valid store\.json/,
    );
    expect(list(dir)).toEqual(["journal", "thesis.tex"]);
  });

  it("refuses a runtime with a valid store.json that also holds unexpected files", async () => {
    const data = await makeRuntime();
    writeFileSync(join(data.dataRoot, "thesis.tex"), "precious");
    const before = list(data.dataRoot);
    await expect(resetRuntime(data.dataRoot, { packageRoot: noPackage() })).rejects.toThrow(
      /holds files the store does not create \(thesis\.tex\)/,
    );
    expect(list(data.dataRoot)).toEqual(before);
  });

  it("refuses a store.json that is not a valid manifest outside the package", async () => {
    const data = await makeRuntime();
    writeFileSync(join(data.dataRoot, "store.json"), "{}");
    await expect(resetRuntime(data.dataRoot, { packageRoot: noPackage() })).rejects.toThrow(ResetRefused);
    expect(existsSync(join(data.dataRoot, "audit.jsonl"))).toBe(true);
  });

  it.skipIf(onWindows)("refuses a symlinked data root, deleting nothing", async () => {
    const data = await makeRuntime();
    const link = join(data.root, "link");
    symlinkSync(data.dataRoot, link, "dir");
    const before = list(data.dataRoot);
    await expect(resetRuntime(link, { packageRoot: noPackage() })).rejects.toThrow(/is a symbolic link/);
    expect(list(data.dataRoot)).toEqual(before);
  });

  it.skipIf(onWindows)("refuses when a parent inside the package is a symlink", async () => {
    const { pkg } = fakePackage();
    const elsewhere = noPackage();
    await makeRuntime(join(elsewhere, "runtime"));
    rmSync(join(pkg, "data"), { recursive: true });
    symlinkSync(elsewhere, join(pkg, "data"), "dir");
    await expect(resetRuntime(join(pkg, "data", "runtime"), { packageRoot: pkg })).rejects.toThrow(
      /data is a symbolic link inside the package/,
    );
    expect(list(join(elsewhere, "runtime"))).toContain("store.json");
  });

  it("refuses while this process holds the runtime lock through the lock module", async () => {
    const data = await makeRuntime();
    const lock = new RuntimeLock(layoutOf(data.dataRoot), () => undefined);
    const held = await lock.acquire(1_000);
    try {
      await expect(
        resetRuntime(data.dataRoot, { packageRoot: noPackage(), lockWaitMs: 100 }),
      ).rejects.toThrow(/A server holds the runtime lock/);
      expect(existsSync(join(data.dataRoot, "store.json"))).toBe(true);
    } finally {
      await held.release();
    }
    expect((await resetRuntime(data.dataRoot, { packageRoot: noPackage() })).kind).toBe("removed");
  });

  it("refuses while an idle server uses the runtime, and works once it has stopped", async () => {
    const data = await makeRuntime();
    const server = spawn(process.execPath, [resolve(ROOT, "dist/index.js")], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        TRIAGE_DATA_ROOT: data.dataRoot,
        TRIAGE_SEED_FILE: data.seedFile,
        TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    try {
      await new Promise<void>((done, fail) => {
        server.stderr.on("data", (chunk: Buffer) => chunk.toString().includes("ready:") && done());
        server.on("exit", (code) => fail(new Error(`server exited with ${code}`)));
      });
      await expect(
        resetRuntime(data.dataRoot, { packageRoot: noPackage(), lockWaitMs: 100 }),
      ).rejects.toThrow(/1 server process\(es\) are using .*Nothing was deleted/);
      expect(existsSync(join(data.dataRoot, "store.json"))).toBe(true);
    } finally {
      server.stdin.end();
      await new Promise((done) => server.once("exit", done));
    }
    expect((await resetRuntime(data.dataRoot, { packageRoot: noPackage() })).kind).toBe("removed");
  });

  it("refuses while another process holds the runtime lock", async () => {
    const data = await makeRuntime();
    const script = join(data.root, "hold-lock.mts");
    writeFileSync(
      script,
      [
        `import { layoutOf, RuntimeLock } from ${JSON.stringify(resolve(ROOT, "src/store/index.ts"))};`,
        `const held = await new RuntimeLock(layoutOf(process.argv[2]), () => {}).acquire(5000);`,
        `process.stdout.write("locked\\n");`,
        `process.stdin.resume();`,
        `process.stdin.on("end", async () => { await held.release(); process.exit(0); });`,
      ].join("\n"),
    );
    const child = spawn(process.execPath, ["--import", "tsx", script, data.dataRoot], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "inherit"],
    });
    try {
      await new Promise<void>((done, fail) => {
        child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("locked") && done());
        child.on("exit", (code) => fail(new Error(`lock holder exited with ${code}`)));
      });
      const refused = spawnSync(
        process.execPath,
        ["--import", "tsx", "src/cli/reset.ts", "--data-root", data.dataRoot, "--yes"],
        { cwd: ROOT, encoding: "utf8", timeout: 30_000 },
      );
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(
        /reset: refused: A server holds the runtime lock of .*Nothing was deleted/,
      );
      expect(existsSync(join(data.dataRoot, "store.json"))).toBe(true);
    } finally {
      child.stdin.end();
      await new Promise((done) => child.once("exit", done));
    }
  });
});

describe("reset command line", () => {
  async function run(
    argv: string[],
    env: Record<string, string> = {},
    ask?: (q: string) => Promise<boolean>,
  ) {
    let stdout = "";
    let stderr = "";
    const code = await runReset(argv, {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      cwd: ROOT,
      env,
      ask,
      packageRoot: noPackage(),
    });
    return { code, stdout, stderr };
  }

  it("needs --yes without a terminal, asks on a terminal, and prints what it removed", async () => {
    const data = await makeRuntime();
    const noTty = await run(["--data-root", data.dataRoot]);
    expect(noTty.code).toBe(1);
    expect(noTty.stderr).toMatch(/Pass --yes/);
    expect(existsSync(join(data.dataRoot, "store.json"))).toBe(true);

    const declined = await run(["--data-root", data.dataRoot], {}, () => Promise.resolve(false));
    expect(declined.code).toBe(1);
    expect(existsSync(join(data.dataRoot, "store.json"))).toBe(true);

    const questions: string[] = [];
    const accepted = await run(["--data-root", data.dataRoot], {}, (q) => {
      questions.push(q);
      return Promise.resolve(true);
    });
    expect(accepted.code).toBe(0);
    expect(questions[0]).toContain(`from ${data.dataRoot}?`);
    expect(accepted.stdout).toMatch(/removed store\.json\n {2}removed audit\.jsonl/);
  });

  it("uses TRIAGE_DATA_ROOT when --data-root is not given; blank values are usage errors", async () => {
    const data = await makeRuntime();
    const r = await run(["--yes"], { TRIAGE_DATA_ROOT: data.dataRoot });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Reset ${data.dataRoot}:`);
    expect((await run(["--yes"], { TRIAGE_DATA_ROOT: data.dataRoot })).stdout).toMatch(/Nothing to reset/);
    expect((await run(["--yes"], { TRIAGE_DATA_ROOT: " " })).code).toBe(2);
    expect((await run(["--data-root", "", "--yes"])).code).toBe(2);
  });

  it("refuses (exit 1) instead of deleting a directory that is not a runtime", async () => {
    const r = await run(["--data-root", "src", "--yes"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/reset: refused: .*src is not this package's data\/runtime/);
    expect(existsSync(join(ROOT, "src/index.ts"))).toBe(true);
  });
});
