import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../support/temp.js";

// The built server started the way Claude Desktop or a global client entry starts it: from a
// directory that is not the repository, with no TRIAGE_* variable. Bundled data comes from the
// package, the runtime from the per-user data directory (XDG_DATA_HOME here, a temporary one).
const ROOT = resolve(import.meta.dirname, "../..");
const ENTRY = join(ROOT, "dist/index.js");
const temp = tempDirs("triage-defaults");

/** Only what is given: no TRIAGE_* variable of the test run leaks into the server. */
function server(cwd: string, env: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [ENTRY],
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return { transport, client: new Client({ name: "defaults-test", version: "1.0.0" }), stderr: () => stderr };
}

describe("the built server with no configuration, started elsewhere", () => {
  it("is built", () => {
    expect(existsSync(ENTRY), "run `npm run build` first (npm test does)").toBe(true);
  });

  it("serves the bundled tickets from the per-user runtime and leaves the working directory alone", async () => {
    const cwd = temp("cwd");
    const home = temp("home");
    const xdg = temp("xdg");
    const s = server(cwd, { HOME: home, XDG_DATA_HOME: xdg });
    await s.client.connect(s.transport);
    const runtime = join(xdg, "support-triage-mcp", "runtime");
    try {
      const r = await s.client.callTool({ name: "get_ticket", arguments: { id: "TKT-1001" } });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ ticket: { id: "TKT-1001" } });
      const search = await s.client.callTool({ name: "search_knowledge", arguments: { query: "refund" } });
      expect((search.structuredContent as { articles: unknown[] }).articles.length).toBeGreaterThan(0);
      // The reviewer is sent to this very package and runtime, never to npx.
      expect(s.client.getInstructions()).toContain(`\`node ${ENTRY} review --data-root ${runtime}\``);
    } finally {
      await s.client.close();
    }
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(home)).toEqual([]);
    expect(existsSync(join(runtime, "store.json"))).toBe(true);
    const log = s.stderr();
    expect(log).toContain(`runtime: ${runtime} (the per-user default; set TRIAGE_DATA_ROOT to change it)`);
    expect(log).toContain(
      `seed: ${join(ROOT, "data/seed/tickets.json")} (bundled with the package; set TRIAGE_SEED_FILE to change it)`,
    );
    expect(log).toContain(
      `knowledge: ${join(ROOT, "data/knowledge")} (bundled with the package; set TRIAGE_KNOWLEDGE_ROOT to change it)`,
    );
  });

  it("answers the client's initialize with the reason when it cannot open the runtime", async () => {
    const cwd = temp("cwd");
    const missing = join(cwd, "nowhere", "tickets.json");
    const s = server(cwd, { XDG_DATA_HOME: temp("xdg"), TRIAGE_SEED_FILE: missing });
    const error = await s.client.connect(s.transport).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    // What a client shows as the connection error, instead of "Connection closed".
    expect((error as Error).message).toMatch(
      new RegExp(
        `support-triage: cannot open the runtime at \\S+: Cannot read the seed file ${missing} .*TRIAGE_SEED_FILE`,
      ),
    );
    expect(s.stderr()).toMatch(/\[support-triage\] error: cannot open the runtime at /);
    await s.client.close();
  });

  it("stops at startup when TRIAGE_KNOWLEDGE_ROOT names a directory that does not exist", async () => {
    const cwd = temp("cwd");
    const xdg = temp("xdg");
    const s = server(cwd, { XDG_DATA_HOME: xdg, TRIAGE_KNOWLEDGE_ROOT: "knowledge-typo" });
    const error = await s.client.connect(s.transport).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      new RegExp(
        `The knowledge directory ${join(cwd, "knowledge-typo")} cannot be read \\(ENOENT: no such file or directory, stat .*\\)\\. ` +
          `Set TRIAGE_KNOWLEDGE_ROOT to a directory of Markdown articles, or unset it to use the bundled ones\\.`,
      ),
    );
    // Configuration is checked before the runtime is created.
    expect(readdirSync(xdg)).toEqual([]);
    await s.client.close();
  });
});
