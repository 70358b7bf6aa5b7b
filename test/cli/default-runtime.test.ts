import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runReset } from "../../src/cli/reset.js";
import { runReview } from "../../src/cli/review/commands.js";
import { createMemoryLogger } from "../../src/logging.js";
import type { Host } from "../../src/paths.js";
import { openTriage } from "../../src/service/runtime.js";
import { TEST_NOW, writeTestData } from "../support/data.js";
import { tempDirs } from "../support/temp.js";

// The maintenance commands find the runtime the server uses by default, through the same
// function: TRIAGE_DATA_ROOT when set, else the per-user data directory (XDG_DATA_HOME here).

const REPO = resolve(import.meta.dirname, "../..");
const temp = tempDirs("triage-default");

/** A per-user data directory, and the runtime a server with no configuration would use in it. */
async function defaultRuntime(): Promise<{ xdg: string; runtime: string; host: Host }> {
  const xdg = temp("xdg");
  const runtime = join(xdg, "support-triage-mcp", "runtime");
  const data = writeTestData();
  const triage = await openTriage({ ...data, dataRoot: runtime, minutesSaved: 8 }, createMemoryLogger(), {
    clock: () => TEST_NOW,
  });
  await triage.close();
  rmSync(data.root, { recursive: true, force: true }); // the seed is copied into the runtime
  return { xdg, runtime, host: { platform: "linux", env: { XDG_DATA_HOME: xdg }, homedir: temp("home") } };
}

function output() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
}

describe("commands without --data-root or TRIAGE_DATA_ROOT", () => {
  it("review lists the per-user runtime's pending recommendations", async () => {
    const { xdg } = await defaultRuntime();
    const io = output();
    const code = await runReview(["list", "--json"], {
      ...io,
      env: { XDG_DATA_HOME: xdg },
      cwd: temp("cwd"),
      version: "test",
      isTTY: false,
    });
    expect(code, io.err.join("")).toBe(0);
    expect(JSON.parse(io.out.join(""))).toEqual([]);
  });

  // The built command (`npm test` builds first), run from a directory that is not the package.
  it("audit:verify checks the per-user runtime", async () => {
    const { xdg, runtime } = await defaultRuntime();
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [join(REPO, "dist/cli/audit-verify.js")], {
        cwd: temp("cwd"),
        env: { PATH: process.env.PATH ?? "", ...env },
        encoding: "utf8",
      });
    const ok = run({ XDG_DATA_HOME: xdg });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^verified 1 events; head [0-9a-f]{64}\n$/);
    // TRIAGE_DATA_ROOT still wins; an empty per-user directory is a usage error naming it.
    const empty = temp("xdg");
    const missing = run({ XDG_DATA_HOME: empty });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(`${join(empty, "support-triage-mcp", "runtime")} is not a directory.`);
    expect(run({ XDG_DATA_HOME: empty, TRIAGE_DATA_ROOT: runtime }).status).toBe(0);
  });

  it("reset removes the per-user runtime", async () => {
    const { runtime, host } = await defaultRuntime();
    const io = output();
    const code = await runReset(["--yes"], { ...io, cwd: temp("cwd"), env: {}, host });
    expect(code, io.err.join("")).toBe(0);
    expect(io.out.join("")).toContain(`Reset ${runtime}:`);
    expect(readdirSync(runtime)).toEqual([]);
  });

  it("reset treats the per-user runtime as known: a half-initialized one is reset, unknown files stay", async () => {
    const { runtime, host } = await defaultRuntime();
    rmSync(join(runtime, "store.json"));
    writeFileSync(join(runtime, "notes.txt"), "mine");
    const io = output();
    expect(await runReset(["--yes"], { ...io, cwd: temp("cwd"), env: {}, host })).toBe(0);
    expect(readdirSync(runtime)).toEqual(["notes.txt"]);

    // The same directory anywhere else is not recognizably a runtime: refused, nothing deleted.
    const elsewhere = join(temp("other"), "runtime");
    mkdirSync(join(elsewhere, "base"), { recursive: true });
    const refused = output();
    expect(
      await runReset(["--yes", "--data-root", elsewhere], { ...refused, cwd: REPO, env: {}, host }),
    ).toBe(1);
    expect(refused.err.join("")).toMatch(
      /is not this package's data\/runtime and holds no valid store\.json/,
    );
    expect(existsSync(join(elsewhere, "base"))).toBe(true);
  });

  it("reset refuses a per-user runtime that is a symbolic link", async () => {
    const { host } = await defaultRuntime();
    const xdg = host.env.XDG_DATA_HOME ?? "";
    const app = join(xdg, "support-triage-mcp");
    const real = join(app, "real-runtime");
    rmSync(join(app, "runtime"), { recursive: true });
    mkdirSync(real);
    spawnSync("ln", ["-s", real, join(app, "runtime")]);
    const io = output();
    expect(await runReset(["--yes"], { ...io, cwd: REPO, env: {}, host })).toBe(1);
    expect(io.err.join("")).toMatch(/is a symbolic link/);
  });

  it("reset says what to set when there is no per-user directory", async () => {
    const io = output();
    const code = await runReset(["--yes"], {
      ...io,
      cwd: REPO,
      env: {},
      host: { platform: "linux", env: {}, homedir: "" },
    });
    expect(code).toBe(2);
    expect(io.err.join("")).toMatch(/^reset: there is no home directory .*Set TRIAGE_DATA_ROOT/);
  });
});
