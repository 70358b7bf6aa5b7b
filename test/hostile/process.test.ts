import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_ARGUMENT_BYTES } from "../../src/mcp/tool-runtime.js";
import { writeTestData, type TestData } from "../support/data.js";
import { openRuntime } from "./support.js";
import { builtEntry } from "../support/built.js";

// The server as a process (the built dist/index.js; the suite's setup rebuilds it when src/ is newer). A client
// restarts a server that exits; a server that cannot open its runtime must exit once with a
// one-line reason on stderr, not a stack trace, so the operator sees what to fix.

const REPO = resolve(import.meta.dirname, "../..");
const ENTRY = builtEntry("src/index.ts");

let data: TestData;
afterEach(() => {
  rmSync(data.root, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    TRIAGE_DATA_ROOT: data.dataRoot,
    TRIAGE_SEED_FILE: data.seedFile,
    TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot,
    ...extra,
  };
}

/** Starts the server with stdin closed; returns how it exited and what it said. */
function start(extra: Record<string, string> = {}): {
  status: number | null;
  stderr: string;
  stdout: string;
} {
  const r = spawnSync(process.execPath, [ENTRY], {
    cwd: REPO,
    env: env(extra),
    input: "",
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

async function initialized(): Promise<void> {
  data = writeTestData();
  const { triage } = await openRuntime(data);
  await triage.close();
}

const STARTUP_FAILURES: { name: string; arrange: () => Promise<Record<string, string>>; reason: RegExp }[] = [
  {
    name: "a seed that is not JSON",
    arrange: () => {
      data = writeTestData();
      writeFileSync(data.seedFile, "{oops");
      return Promise.resolve({});
    },
    reason: /cannot open the runtime at \S+: The seed file \S+ is not valid JSON/,
  },
  {
    name: "a damaged audit line",
    arrange: async () => {
      await initialized();
      const path = join(data.dataRoot, "audit.jsonl");
      writeFileSync(path, readFileSync(path, "utf8").replace('"actor":"system"', '"actor":"systen"'));
      return {};
    },
    reason: /cannot open the runtime at \S+: The audit log \S+ is damaged after seq -1: .*run audit:verify/,
  },
  {
    name: "journal/ replaced by a regular file",
    arrange: async () => {
      await initialized();
      rmSync(join(data.dataRoot, "journal"), { recursive: true });
      writeFileSync(join(data.dataRoot, "journal"), "not a directory");
      return {};
    },
    reason: /cannot open the runtime at \S+: (?=.*journal)(?=.*ENOTDIR)/,
  },
  {
    name: "a data root below a regular file",
    arrange: () => {
      data = writeTestData();
      writeFileSync(join(data.root, "a-file"), "x");
      return Promise.resolve({ TRIAGE_DATA_ROOT: join(data.root, "a-file", "runtime") });
    },
    reason: /cannot open the runtime at \S+a-file\/runtime: .*ENOTDIR/,
  },
];

describe("a server that cannot open its runtime", () => {
  for (const c of STARTUP_FAILURES) {
    it(`${c.name}: exits 1 with a one-line reason and no stack trace`, async () => {
      const extra = await c.arrange();
      const r = start(extra);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      const errors = r.stderr.split("\n").filter((l) => l.length > 0 && !/^\[[\w-]+\] (info|warn): /.test(l));
      expect(errors, r.stderr).toHaveLength(1);
      expect(errors[0]).toMatch(/^\[support-triage\] error: /);
      expect(errors[0]).toMatch(c.reason);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe("a 2 MB argument over real stdio", () => {
  it("is refused, nothing of it is stored, and the server keeps serving", async () => {
    data = writeTestData();
    mkdirSync(data.dataRoot, { recursive: true });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [ENTRY],
      cwd: REPO,
      env: env(),
      stderr: "pipe",
    });
    const client = new Client({ name: "hostile-stdio", version: "1.0.0" });
    await client.connect(transport);
    try {
      const marker = `STDIO-2MB-${Date.now()}`;
      const big = marker + "y".repeat(2 * 1024 * 1024);
      const refused = (await client.callTool({
        name: "add_ticket_note",
        arguments: { ticketId: "TKT-3001", author: "fuzz", body: big },
      })) as CallToolResult;
      expect(refused.isError).toBe(true);
      const text = refused.content.map((c) => (c.type === "text" ? c.text : "")).join("");
      expect(text).toMatch(
        new RegExp(
          `^INVALID_INPUT: arguments are \\d+ bytes; add_ticket_note accepts at most ${MAX_ARGUMENT_BYTES}\\.`,
        ),
      );
      const alive = (await client.callTool({
        name: "list_tickets",
        arguments: { limit: 1 },
      })) as CallToolResult;
      expect(alive.isError).not.toBe(true);
      expect(readFileSync(join(data.dataRoot, "audit.jsonl"), "utf8")).not.toContain(marker);
    } finally {
      await client.close();
    }
  });
});
