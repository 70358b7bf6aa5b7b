import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Triage } from "../../src/service/runtime.js";
import type { TestData } from "../support/data.js";
import {
  approveRouting,
  countByKey,
  expectEachOnce,
  handoffsOf,
  LEAK,
  openRuntime,
  OUTAGE,
  startReceiver,
  writeHandoffData,
  type Receiver,
} from "../service/handoff-fixtures.js";
import { crashEnv as crashAt } from "../support/crash.js";
import { builtEntry } from "../support/built.js";

// `handoffs deliver` as a separate process against a real HTTP server on 127.0.0.1, including a
// kill -9 at each step of a delivery and two deliverers at once.

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = builtEntry("src/cli/handoffs.ts");
const ENTRY = builtEntry("src/index.ts");

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr }));
  });
}

let receiver: Receiver;
const opened: Triage[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  receiver.requests.length = 0;
  receiver.reply(() => 200);
  receiver.delay(0);
});

async function runtime(): Promise<{ triage: Triage; data: TestData; env: Record<string, string> }> {
  const data = writeHandoffData();
  dirs.push(data.root);
  const triage = await openRuntime(data);
  opened.push(triage);
  const env = {
    PATH: process.env.PATH ?? "",
    TRIAGE_DATA_ROOT: data.dataRoot,
    TRIAGE_SEED_FILE: data.seedFile,
    TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot,
    TRIAGE_WEBHOOKS: JSON.stringify({ "*": receiver.url("/hooks") }),
  };
  return { triage, data, env };
}

const deliver = (args: string[], env: Record<string, string>) => run(CLI, ["deliver", ...args], env);

describe("handoffs deliver (CLI)", () => {
  it("delivers what is due, prints a line per handoff and a summary, exits 0; list shows the outbox", async () => {
    const { triage, env, data } = await runtime();
    const { handoffs } = await approveRouting(triage, "TKT-4100", OUTAGE);
    const file = join(data.root, "webhooks.json");
    writeFileSync(file, JSON.stringify({ "incident-response": receiver.url("/incident") }));
    const { TRIAGE_WEBHOOKS: _unused, ...withoutInline } = env;

    const r = await deliver(["--webhooks", file], withoutInline);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const h of handoffs) {
      expect(r.stdout).toMatch(
        new RegExp(
          `^delivered +${h.id} TKT-4100 incident-response ${h.kind} attempt 1 HTTP 200: delivered to http://127\\.0\\.0\\.1:${receiver.port}/incident$`,
          "m",
        ),
      );
    }
    expect(r.stdout).toMatch(/^handoffs: 2 delivered in \d+\.\d\d s$/m);
    expectEachOnce(
      receiver.requests,
      handoffs.map((h) => h.key),
    );
    expect(handoffsOf(triage).map((h) => h.status)).toEqual(["delivered", "delivered"]);

    const again = await deliver([], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^handoffs: nothing to deliver in \d+\.\d\d s\n$/);
    expect(receiver.requests).toHaveLength(2);

    const list = await run(CLI, ["list", "--ticket", "TKT-4100"], env);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split("\n")).toHaveLength(2);
    expect(list.stdout).toMatch(
      /^delivered +\S+ TKT-4100 incident-response team-notification #\S+: attempt 1 delivered HTTP 200$/m,
    );
  });

  it("exits 1 on a final failure, through `support-triage-mcp handoffs deliver`", async () => {
    const { triage, env } = await runtime();
    const [h] = (await approveRouting(triage, "TKT-4200", LEAK)).handoffs;
    receiver.reply(() => 500);
    const r = await run(ENTRY, ["handoffs", "deliver", "--max-attempts", "1"], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `failed        ${h!.id} TKT-4200 security team-notification attempt 1 HTTP 500: HTTP 500 Internal Server Error; attempt 1 of 1, giving up`,
    );
    expect(r.stdout).toMatch(/^handoffs: 1 failed in/m);
    expect(triage.handoffs.get(h!.id).status).toBe("failed");
  });

  it("--watch retries after the backoff until nothing is pending", async () => {
    const { triage, env } = await runtime();
    const [h] = (await approveRouting(triage, "TKT-4201", LEAK)).handoffs;
    receiver.reply((_r, n) => (n === 0 ? 503 : 200));
    const r = await deliver(["--watch"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^retrying .* attempt 1 HTTP 503: HTTP 503 Service Unavailable; attempt 1 of 5, next at /m,
    );
    expect(r.stdout).toMatch(/^delivered .* attempt 2 HTTP 200/m);
    expect(triage.handoffs.get(h!.id).attempts.map((a) => a.outcome)).toEqual(["failed", "delivered"]);
    expect(receiver.requests).toHaveLength(2);
  });

  it.each([
    [["deliver"], { TRIAGE_WEBHOOKS: "" }, /no webhook URLs configured/],
    [
      ["deliver"],
      { TRIAGE_WEBHOOKS: '{"security": "https://hooks.example/T1/tok-SECRET-1", ' },
      /TRIAGE_WEBHOOKS is not valid JSON/,
    ],
    [
      ["deliver"],
      { TRIAGE_WEBHOOKS: '{"security": "file:///etc/tok-SECRET-1"}' },
      /at "security": must be an absolute http/,
    ],
    [["deliver", "--retry-in-flight"], {}, /--retry-in-flight needs --actor NAME/],
    [["deliver", "--max-attempts", "0"], {}, /--max-attempts must be a whole number from 1 to 100/],
    [["deliver", "--once", "--watch"], {}, /--once and --watch exclude each other/],
    [["deliver", "--status", "pending"], {}, /--status cannot be used with "deliver"/],
    [["send"], {}, /unknown command "send"/],
    [[], {}, /name a command: deliver or list/],
  ])("usage error %j exits 2", async (args, extra, message) => {
    const { env } = await runtime();
    const r = await run(CLI, args, { ...env, ...extra });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("tok-SECRET-1");
    expect(receiver.requests).toEqual([]);
  });

  it("refuses a directory that is not a runtime, and creates nothing there", async () => {
    const { env } = await runtime();
    const empty = mkdtempSync(join(tmpdir(), "triage-not-runtime-"));
    dirs.push(empty);
    const r = await deliver(["--data-root", empty], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not a triage runtime (no store.json)");
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe("restart in the middle of a delivery", () => {
  const crashEnv = (env: Record<string, string>, at: string) => ({ ...env, ...crashAt(at) });

  it("killed after the attempt is recorded, before the POST: nothing was sent, nothing is resent until the operator asks, then once", async () => {
    const { triage, env } = await runtime();
    const [notification, card] = (await approveRouting(triage, "TKT-4100", OUTAGE)).handoffs;
    const crashed = await deliver(["--concurrency", "1"], crashEnv(env, "handoff.attempt-recorded"));
    expect(crashed.signal).toBe("SIGKILL");
    expect(receiver.requests).toEqual([]);
    expect(triage.handoffs.get(notification!.id)).toMatchObject({
      status: "in-flight",
      attempts: [{ attempt: 1 }],
    });
    expect(triage.handoffs.get(card!.id).status).toBe("pending");

    const second = await deliver([], env);
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(new RegExp(`^in-flight +${notification!.id} .*not resent`, "m"));
    expect(second.stdout).toMatch(new RegExp(`^delivered +${card!.id} `, "m"));
    expectEachOnce(receiver.requests, [card!.key]);
    expect(triage.handoffs.get(notification!.id).status).toBe("in-flight");

    const third = await deliver(["--retry-in-flight", "--actor", "ops.lead"], env);
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(new RegExp(`^delivered +${notification!.id} .* attempt 2 HTTP 200`, "m"));
    expectEachOnce(receiver.requests, [notification!.key, card!.key]);
    expect(triage.handoffs.get(notification!.id).attempts.map((a) => [a.outcome, a.error])).toEqual([
      ["failed", "outcome unknown; resent by operator ops.lead"],
      ["delivered", undefined],
    ]);

    const fourth = await deliver(["--retry-in-flight", "--actor", "ops.lead"], env);
    expect(fourth.code).toBe(0);
    expect(receiver.requests).toHaveLength(2);
  });

  it("killed after the POST, before the outcome is recorded: the receiver got it once and no run sends it again", async () => {
    const { triage, env } = await runtime();
    const [notification, card] = (await approveRouting(triage, "TKT-4101", OUTAGE)).handoffs;
    const crashed = await deliver(["--concurrency", "1"], crashEnv(env, "handoff.posted"));
    expect(crashed.signal).toBe("SIGKILL");
    expectEachOnce(receiver.requests, [notification!.key]);
    expect(triage.handoffs.get(notification!.id)).toMatchObject({
      status: "in-flight",
      attempts: [{ attempt: 1 }],
    });

    for (let i = 0; i < 2; i++) {
      const again = await deliver([], env);
      expect(again.code).toBe(1);
      expect(again.stdout).toMatch(new RegExp(`^in-flight +${notification!.id} `, "m"));
    }
    // No duplicates: the notification once (before the kill), the card once (by the next run).
    expectEachOnce(receiver.requests, [notification!.key, card!.key]);
    expect(triage.handoffs.get(notification!.id).status).toBe("in-flight");
    expect(triage.handoffs.get(card!.id).status).toBe("delivered");
  });

  it("two deliverers started together post every handoff exactly once", async () => {
    const { triage, env } = await runtime();
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) {
      keys.push(...(await approveRouting(triage, `TKT-410${i}`, OUTAGE)).handoffs.map((h) => h.key));
      keys.push(...(await approveRouting(triage, `TKT-420${i}`, LEAK)).handoffs.map((h) => h.key));
    }
    expect(keys).toHaveLength(15);
    receiver.delay(40);
    const [a, b] = await Promise.all([
      deliver(["--concurrency", "2"], env),
      deliver(["--concurrency", "2"], env),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    expectEachOnce(receiver.requests, keys);
    expect([...countByKey(receiver.requests).values()].every((n) => n === 1)).toBe(true);
    expect(handoffsOf(triage).every((h) => h.status === "delivered" && h.attempts.length === 1)).toBe(true);
    const deliveredLines = (a.stdout + b.stdout).split("\n").filter((l) => l.startsWith("delivered "));
    expect(deliveredLines).toHaveLength(15);
  });
});
