import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runDemo } from "../../scripts/demo.js";

// Runs `npm run demo` the way a newcomer does (`npm test` builds dist/ before the suite).
const ROOT = resolve(import.meta.dirname, "../..");
const ENTRY = resolve(ROOT, "dist/index.js");
const RUNTIME = resolve(ROOT, "data/runtime");

describe("npm run demo", () => {
  it("has the built server to start", () => {
    expect(existsSync(ENTRY), "run `npm run build` first (npm test does)").toBe(true);
  });

  it("drives the server through every step, prints the transcript and leaves nothing behind", () => {
    const runtimeBefore = readdirSync(RUNTIME).sort();
    const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, TRIAGE_DATA_ROOT: "should-not-be-used" },
    });
    const out = r.stdout;
    expect(r.status, `${out}\n${r.stderr}`).toBe(0);

    expect(out).toContain("Server: node dist/index.js, over stdio");
    const steps = [
      /-> get_queue_metrics \{\}/,
      /A ticket that tries to instruct the AI \(TKT-\d+\)/,
      /-> submit_triage_recommendation \{"ticketId":"TKT-1016"/,
      /"resolution": "pending"/,
      /<- error: INVALID_INPUT: confirm/,
      /<- error: INVALID_INPUT: approvedFields/,
      /A security ticket must go to security \(TKT-1007\)/,
      /<- error: POLICY_DENIED: TKT-1007 must be routed to team "security"/,
      /-> reject_triage_recommendation .*"feedback":"Exposed credentials/,
      /-> find_similar_tickets \{"id":"TKT-1001"\}/,
      /<- TKT-100\d {2}confidence [\d.]+ {2}\[same incident\]/,
      /-> approve_triage_recommendation .*"approvedFields":\["category","priority","team"\]/,
      /change: team: null -> "security"/,
      /-> get_audit_events \{"ticketId":"TKT-1007"\}/,
      /#\d+ approval-rejected by sam\.reviewer/,
      /#\d+ recommendation-rejected by sam\.reviewer/,
      /#\d+ recommendation-approved by sam\.reviewer/,
      /"approvedRecommendations": 1/,
      /"rejectedRecommendations": 1/,
    ];
    let from = 0;
    for (const step of steps) {
      const match = step.exec(out.slice(from));
      expect(match, `missing or out of order: ${step}`).not.toBeNull();
      from += (match?.index ?? 0) + (match?.[0].length ?? 0);
    }

    // The temporary runtime is gone, and the package's own runtime was not touched.
    const temp = /Temporary runtime: (.+)/.exec(out)?.[1]?.trim();
    expect(temp).toBeTruthy();
    expect(existsSync(temp as string)).toBe(false);
    expect(out).toContain(`Removed the temporary runtime ${temp}`);
    expect(readdirSync(RUNTIME).sort()).toEqual(runtimeBefore);
    expect(existsSync(resolve(ROOT, "should-not-be-used"))).toBe(false);
  });
});

describe("runDemo on failure", () => {
  it("reports the failure with the server's stderr and still removes the temporary runtime", async () => {
    const lines: string[] = [];
    const result = await runDemo(
      { out: (line) => lines.push(line) },
      {
        server: {
          command: process.execPath,
          args: ["-e", "process.stderr.write('boom: cannot start'); process.exit(3)"],
          description: "a server that exits at once",
        },
      },
    );
    const out = lines.join("\n");
    expect(result.exitCode).toBe(1);
    expect(out).toMatch(/demo failed: /);
    expect(out).toContain("boom: cannot start");
    expect(result.tempDir).toBeTruthy();
    expect(existsSync(result.tempDir as string)).toBe(false);
  });
});

describe("npm run demo -- --keep", () => {
  it("keeps the runtime and prints the reviewer command that opens it", async () => {
    const lines: string[] = [];
    const result = await runDemo({ out: (line) => lines.push(line) }, { keep: true });
    const tempDir = result.tempDir as string;
    try {
      const out = lines.join("\n");
      expect(result.exitCode, out).toBe(0);
      const runtime = join(tempDir, "runtime");
      expect(out).toContain(`Kept the runtime ${runtime}.`);
      const command = `node ${ENTRY} review --data-root ${runtime}`;
      expect(out).toContain(`Review what the demo left pending: ${command}`);
      expect(out).toContain(`Remove it when done: rm -rf ${tempDir}`);
      // The printed command works: it lists what the demo left pending.
      const [node, ...args] = command.split(" ");
      expect(node).toBe("node");
      const r = spawnSync(process.execPath, [...args.slice(0, 2), "list", ...args.slice(2)], {
        cwd: tmpdir(),
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Pending recommendations \(1\):\n {2}- TKT-\d+/);
    } finally {
      rmSync(tempDir, { recursive: true, force: true });
    }
  });
});

describe("an interrupted demo", () => {
  // The signal often arrives more than once (the terminal signals the whole process group, npm
  // and tsx relay it again): each case sends it twice.
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("%s removes the temporary runtime and exits %i", async (signal, code) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((done) => child.once("exit", (c) => done(c)));
    const temp = await new Promise<string>((done, fail) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /Temporary runtime: (\S+)\n/.exec(out);
        if (match?.[1] !== undefined) done(match[1]);
      });
      child.once("exit", () => fail(new Error(`the demo ended before starting: ${out}`)));
    });
    expect(existsSync(temp)).toBe(true);
    child.kill(signal);
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(existsSync(temp)).toBe(false);
  });
});
