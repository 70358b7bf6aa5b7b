import { readFile } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The committed client setup files must launch the same server the package builds, under the
// name the Skill declares as its dependency.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SERVER = "support-triage";

async function text(rel: string): Promise<string> {
  return readFile(path.join(ROOT, rel), "utf8");
}

/** Key/value lines of one TOML table, enough for the flat values used here. */
function tomlTable(source: string, header: string): Map<string, string> {
  const values = new Map<string, string>();
  let inside = false;
  for (const raw of source.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      inside = line === `[${header}]`;
      continue;
    }
    if (!inside || line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq > 0) values.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return values;
}

describe("client setup files", () => {
  it("package.json builds the entry the clients launch", async () => {
    const pkg = JSON.parse(await text("package.json")) as { bin?: Record<string, string>; main?: string };
    expect(pkg.bin?.["support-triage-mcp"]).toBe("dist/index.js");
  });

  it(".mcp.json starts the stdio server for Claude Code with the runtime directory", async () => {
    const config = JSON.parse(await text(".mcp.json")) as {
      mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
    };
    expect(Object.keys(config.mcpServers)).toEqual([SERVER]);
    const server = config.mcpServers[SERVER];
    expect(server?.command).toBe("node");
    expect(server?.args).toEqual(["dist/index.js"]);
    expect(server?.env?.TRIAGE_DATA_ROOT).toBe("data/runtime");
  });

  it(".codex/config.toml starts the same server with timeouts long enough for a reviewer", async () => {
    const toml = await text(".codex/config.toml");
    const server = tomlTable(toml, `mcp_servers.${SERVER}`);
    expect(server.get("command")).toBe('"node"');
    expect(server.get("args")).toBe('["dist/index.js"]');
    expect(server.get("cwd")).toBe('"."');
    expect(Number(server.get("startup_timeout_sec"))).toBeGreaterThanOrEqual(10);
    expect(Number(server.get("tool_timeout_sec"))).toBeGreaterThanOrEqual(300);
    expect(tomlTable(toml, `mcp_servers.${SERVER}.env`).get("TRIAGE_DATA_ROOT")).toBe('"data/runtime"');
  });

  it("the Skill's Codex metadata depends on the server by the same name", async () => {
    const yaml = await text(".agents/skills/triaging-support-tickets/agents/openai.yaml");
    expect(yaml).toMatch(new RegExp(`type: "mcp"\\s+value: "${SERVER}"`));
  });
});
