import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, describe, expect, it } from "vitest";
import { writeTestData } from "../support/data.js";

// Spawns the built server (`npm run build` runs before the suite in `npm test`).
const ENTRY = resolve(import.meta.dirname, "../../dist/index.js");
const data = writeTestData();
afterAll(() => rmSync(data.root, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? "",
  TRIAGE_DATA_ROOT: data.dataRoot,
  TRIAGE_SEED_FILE: data.seedFile,
  TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot,
  ...extra,
});

describe("stdio entry (dist/index.js)", () => {
  it("is built", () => {
    expect(existsSync(ENTRY), "run `npm run build` first (npm test does)").toBe(true);
  });

  it("serves MCP on stdout and logs only to stderr", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [ENTRY],
      env: env(),
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: "stdio-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.length).toBeGreaterThanOrEqual(10);
      const r = await client.callTool({ name: "get_ticket", arguments: { id: "TKT-3004" } });
      expect(r.structuredContent).toMatchObject({ ticket: { id: "TKT-3004" } });
      expect(client.getServerVersion()?.name).toBe("support-triage");
    } finally {
      await client.close();
    }
    expect(stderr).toMatch(/ready: data root/);
    expect(existsSync(resolve(data.dataRoot, "audit.jsonl"))).toBe(true);
  });

  it.each([
    [{ TRIAGE_DATA_ROOT: "  " }, /TRIAGE_DATA_ROOT is set but blank/],
    [{ TRIAGE_MINUTES_SAVED: "-1" }, /TRIAGE_MINUTES_SAVED must be a finite number >= 0/],
    [{ TRIAGE_MINUTES_SAVED: "abc" }, /TRIAGE_MINUTES_SAVED must be a finite number >= 0/],
  ])("exits 1 with a clear message on bad configuration %j", (extra, message) => {
    const r = spawnSync(process.execPath, [ENTRY], {
      env: env(extra),
      input: "",
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
  });

  it("exits 1 naming the problem when the seed is malformed on first start", () => {
    const bad = writeTestData();
    try {
      const r = spawnSync(process.execPath, [ENTRY], {
        env: {
          ...env(),
          TRIAGE_DATA_ROOT: bad.dataRoot,
          TRIAGE_SEED_FILE: resolve(bad.root, "missing.json"),
        },
        input: "",
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/Cannot read the seed file .*missing\.json/);
    } finally {
      rmSync(bad.root, { recursive: true, force: true });
    }
  });
});
