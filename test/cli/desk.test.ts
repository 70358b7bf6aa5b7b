import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DESK, exposureWarning, USAGE, type DeskIo } from "../../src/cli/desk.js";
import { runCommand } from "../../src/cli/command.js";
import type { Desk } from "../../src/desk/index.js";
import { createMemoryLogger } from "../../src/logging.js";
import { openTriage } from "../../src/service/runtime.js";
import { writeTestData, type TestData } from "../support/data.js";

// `support-triage-mcp desk`: the scaffold's help, version and usage errors, a runtime that must
// exist, the printed one-time link, and a clean stop; once in-process, once as the built bin.

const ROOT = resolve(import.meta.dirname, "../..");
const BIN = resolve(ROOT, "dist/index.js");
const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** A runtime a server has initialized. */
async function runtime(): Promise<TestData> {
  const data = writeTestData();
  temps.push(data.root);
  const triage = await openTriage(
    { dataRoot: data.dataRoot, seedFile: data.seedFile, knowledgeRoot: data.knowledgeRoot, minutesSaved: 8 },
    createMemoryLogger(),
  );
  await triage.close();
  return data;
}

interface Captured {
  readonly io: DeskIo;
  readonly out: () => string;
  readonly err: () => string;
  readonly stop: () => void;
  readonly started: Promise<Desk>;
}

function capture(env: Record<string, string | undefined> = {}): Captured {
  let out = "";
  let err = "";
  let stop = (): void => undefined;
  let started = (_desk: Desk): void => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  const startedPromise = new Promise<Desk>((r) => (started = r));
  return {
    io: {
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
      env,
      cwd: ROOT,
      version: "1.2.3",
      untilStopped: () => stopped,
      onStarted: (desk) => started(desk),
    },
    out: () => out,
    err: () => err,
    stop: () => stop(),
    started: startedPromise,
  };
}

describe("desk command", () => {
  it("answers --help and --version without opening anything", async () => {
    const help = capture();
    expect(await runCommand(DESK, ["--help"], help.io)).toBe(0);
    expect(help.out()).toBe(USAGE);
    expect(USAGE).toContain("--i-understand-this-exposes-the-desk");
    const version = capture();
    expect(await runCommand(DESK, ["--version"], version.io)).toBe(0);
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each([
    [["--port", "abc"], '--port must be a port number from 0 to 65535 (0 picks a free one), got "abc".'],
    [["--port", "70000"], "--port must be a port number"],
    [["--port=-1"], "--port must be a port number"],
    [["--host", "0.0.0.0"], "add --i-understand-this-exposes-the-desk"],
    [["--host", "10.0.0.5"], "would let other machines reach the desk"],
    [["--what"], "Unknown option '--what'"],
  ])("refuses %j as a usage error (exit 2) before opening the runtime", async (args, message) => {
    const c = capture();
    expect(await runCommand(DESK, args, c.io)).toBe(2);
    expect(c.err()).toContain(message);
  });

  it("refuses a directory that is not a runtime (exit 2), creating nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "desk-empty-"));
    temps.push(dir);
    const c = capture();
    expect(await runCommand(DESK, ["--data-root", dir, "--port", "0"], c.io)).toBe(2);
    expect(c.err()).toContain("is not a triage runtime (no store.json)");
    expect(existsSync(join(dir, "audit.jsonl"))).toBe(false);
  });

  it("prints its address and a one-time link, serves it, and stops cleanly", async () => {
    const data = await runtime();
    const c = capture();
    const exit = runCommand(DESK, ["--data-root", data.dataRoot, "--port", "0"], c.io);
    const desk = await c.started;
    expect(c.out()).toContain(`The reviewer desk is running at ${desk.url} on the runtime ${data.dataRoot}.`);
    const link = /Log in: (\S+)/.exec(c.out())?.[1] ?? "";
    expect(link.startsWith(`${desk.url}/login?token=`)).toBe(true);
    const first = await fetch(link, { redirect: "manual" });
    expect(first.status).toBe(303);
    expect(first.headers.get("set-cookie")).toContain("HttpOnly; SameSite=Strict; Path=/");
    // A used link: the page says so, and a fresh link is printed in the terminal.
    expect((await fetch(link, { redirect: "manual" })).status).toBe(401);
    expect(c.out().match(/Log in: /g)).toHaveLength(2);
    c.stop();
    expect(await exit).toBe(0);
    expect(c.out()).toContain("The desk has stopped.");
    await expect(fetch(desk.url)).rejects.toThrow();
  });

  it("says when the port is taken (exit 1) and leaves the runtime closed", async () => {
    const data = await runtime();
    const first = capture();
    const exit = runCommand(DESK, ["--data-root", data.dataRoot, "--port", "0"], first.io);
    const desk = await first.started;
    const second = capture();
    expect(
      await runCommand(DESK, ["--data-root", data.dataRoot, "--port", String(desk.port)], second.io),
    ).toBe(1);
    expect(second.err()).toContain(`cannot listen on 127.0.0.1 port ${desk.port} (EADDRINUSE)`);
    first.stop();
    expect(await exit).toBe(0);
  });

  it("warns in plain words when told to listen where other machines can reach it", () => {
    const text = exposureWarning("http://192.168.1.20:4680");
    expect(text).toContain("WARNING");
    expect(text).toContain("Anyone who gets a login link can approve and reject recommendations");
    expect(text).toContain("not encrypted");
  });

  it("runs as a subcommand of the built bin: prints the link on stdout, logs on stderr, stops on SIGTERM", async () => {
    expect(existsSync(BIN), "run `npm run build` first (npm test does)").toBe(true);
    const data = await runtime();
    const child: ChildProcessWithoutNullStreams = spawn(
      process.execPath,
      [BIN, "desk", "--data-root", data.dataRoot, "--port", "0"],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "" } },
    );
    let out = "";
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const link = await new Promise<string>((resolveLink, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const m = /Log in: (\S+)/.exec(out);
        if (m?.[1] !== undefined) resolveLink(m[1]);
      });
      child.on("exit", (code) => reject(new Error(`the desk exited (${code}): ${err}`)));
    });
    expect((await fetch(link, { redirect: "manual" })).status).toBe(303);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(err).toContain("a reviewer logged in with the one-time link");
    expect(out).toContain("The desk has stopped.");
  });
});
