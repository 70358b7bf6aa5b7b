import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES } from "../../src/config.js";
import { tempDirs } from "../support/temp.js";

// Every client snippet in README.md and docs/clients.md, taken from the Markdown itself, so a
// snippet that breaks fails here: the real `claude mcp` and `codex mcp` commands run it where
// those clients are installed (a throwaway HOME each; skipped with a notice where they are
// not), the Inspector CLI runs through npx, and every JSON and TOML snippet starts the server
// exactly as it says and reads a ticket.

const ROOT = resolve(import.meta.dirname, "../..");
const ENTRY = join(ROOT, "dist/index.js");
const DOCS = ["README.md", "docs/clients.md"] as const;
/** The Inspector release that runs on Node 20 (later ones need Node 22), as the docs say. */
const INSPECTOR = "@modelcontextprotocol/inspector@0.15.0";

const temp = tempDirs("triage-snippet");

// ---------- extraction ----------

interface Snippet {
  readonly file: string;
  readonly line: number;
  /** sh, json, toml for fenced blocks; inline for a code span in the prose. */
  readonly kind: string;
  readonly text: string;
}

const FENCE = /^( *)```(\w*)\n([\s\S]*?)^\1```$/gm;
const COMMAND = /^(claude mcp|codex mcp|npx @modelcontextprotocol\/inspector)\b/;

export function extractSnippets(file: string, markdown: string): Snippet[] {
  const lineOf = (index: number) => markdown.slice(0, index).split("\n").length;
  const out: Snippet[] = [];
  for (const m of markdown.matchAll(FENCE)) {
    const indent = (m[1] ?? "").length;
    const body = (m[3] ?? "")
      .split("\n")
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join("\n");
    out.push({ file, line: lineOf(m.index), kind: m[2] ?? "", text: body });
  }
  // Code spans in the prose (a span may wrap onto the next line) that are client commands.
  const prose = markdown.replace(FENCE, (block) => block.replace(/[^\n]/g, " "));
  for (const m of prose.matchAll(/`([^`]+)`/g)) {
    const code = (m[1] ?? "").replace(/\s*\n\s*/g, " ").trim();
    if (COMMAND.test(code) && !code.includes("..."))
      out.push({ file, line: lineOf(m.index), kind: "inline", text: code });
  }
  return out;
}

/** The commands of a shell snippet: continuations joined, comments and blank lines dropped. */
function commandsOf(s: Snippet): string[] {
  if (s.kind === "inline") return [s.text];
  return s.text
    .replace(/\\\n\s*/g, "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** Words of a command line, the way a POSIX shell splits them (quotes, no expansion). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

/** The docs' placeholders, mapped onto this checkout and temporary directories. */
function substitute(text: string, scratch: string): string {
  return text
    .replaceAll("/abs/path/support-triage-mcp", ROOT)
    .replaceAll("/Users/you/src/support-triage-mcp", ROOT)
    .replaceAll("/abs/path/dist/", `${ROOT}/dist/`)
    .replaceAll("/abs/path", scratch)
    .replaceAll("/Users/you", scratch)
    .replaceAll("/tmp/triage-scratch", join(scratch, "triage-scratch"));
}

const ALL = DOCS.flatMap((file) => extractSnippets(file, readFileSync(join(ROOT, file), "utf8")));
const COMMANDS = ALL.flatMap((s) =>
  s.kind === "sh" || s.kind === "inline" ? commandsOf(s).map((c) => ({ snippet: s, command: c })) : [],
);
const where = (s: Snippet) => `${s.file}:${s.line}`;

// ---------- running things ----------

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command with nothing of this test run's environment but PATH, plus `env`. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs?: number },
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", fail);
    child.on("close", (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });
}

function installed(command: string): boolean {
  return spawnSync(command, ["--version"], { encoding: "utf8", timeout: 30_000 }).status === 0;
}

/** A per-user home for one client run: the server's runtime goes to its XDG_DATA_HOME. */
function home(): { dir: string; env: Record<string, string> } {
  const dir = temp("home");
  return { dir, env: { HOME: dir, XDG_DATA_HOME: join(dir, "share") } };
}

/** A project directory like a clone: the built server reachable as dist/index.js. */
function project(): string {
  const dir = temp("project");
  symlinkSync(join(ROOT, "dist"), join(dir, "dist"));
  return dir;
}

/** Starts the server as a client config describes it and reads TKT-1001. */
async function readsTicket(launch: {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd: string;
}) {
  const transport = new StdioClientTransport({
    command: launch.command === "node" ? process.execPath : launch.command,
    args: launch.args,
    cwd: launch.cwd,
    env: { PATH: process.env.PATH ?? "", ...home().env, ...launch.env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (b: Buffer) => (stderr += b.toString()));
  const client = new Client({ name: "snippet-test", version: "1.0.0" });
  try {
    await client.connect(transport);
    const r = await client.callTool({ name: "get_ticket", arguments: { id: "TKT-1001" } });
    expect(r.structuredContent, stderr).toMatchObject({ ticket: { id: "TKT-1001" } });
  } finally {
    await client.close();
  }
}

const KNOWN_VARIABLES = new Set(CONFIG_VARIABLES.flatMap((v) => v.names));

// ---------- the tests ----------

describe("client snippets in README.md and docs/clients.md", () => {
  it("are found (the extraction itself works)", () => {
    expect(existsSync(ENTRY), "run `npm run build` first (npm test does)").toBe(true);
    const kinds = (file: string) => new Set(ALL.filter((s) => s.file === file).map((s) => s.kind));
    expect([...kinds("README.md")].sort()).toEqual(["inline", "json", "sh"]);
    expect([...kinds("docs/clients.md")].sort()).toEqual(["inline", "json", "sh", "toml"]);
    const count = (prefix: string) => COMMANDS.filter((c) => c.command.startsWith(prefix)).length;
    expect(count("claude mcp add ")).toBeGreaterThanOrEqual(3);
    expect(count("codex mcp add ")).toBeGreaterThanOrEqual(3);
    expect(count("npx @modelcontextprotocol/inspector")).toBeGreaterThanOrEqual(8);
    // The extraction keeps continuations and wrapped spans together, and skips "..." examples.
    const s = extractSnippets(
      "x.md",
      "a `claude mcp add x\n  -- node y` b `claude mcp list ...`\n```sh\ncodex mcp add x \\\n  -- node y\n```\n",
    );
    expect(s.flatMap(commandsOf)).toEqual(["codex mcp add x -- node y", "claude mcp add x -- node y"]);
  });

  it("name only variables the server reads", () => {
    const named = ALL.flatMap((s) =>
      [...s.text.matchAll(/\bTRIAGE_[A-Z_]+\b/g)].map((m) => `${m[0]} (${where(s)})`),
    );
    expect(named.filter((n) => !KNOWN_VARIABLES.has(n.split(" ")[0] as string))).toEqual([]);
  });

  it("the .mcp.json and .codex/config.toml shown are the committed files", () => {
    const json = ALL.filter((s) => s.kind === "json" && s.text.includes('"args": ["dist/index.js"]'));
    expect(json).toHaveLength(1);
    expect(JSON.parse(json[0]?.text ?? "")).toEqual(
      JSON.parse(readFileSync(join(ROOT, ".mcp.json"), "utf8")),
    );
    const toml = ALL.find((s) => s.kind === "toml" && s.text.startsWith("[mcp_servers.support-triage]\n"));
    const committed = readFileSync(join(ROOT, ".codex/config.toml"), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "" && !l.startsWith("#"))
      .join("\n");
    expect(
      toml?.text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .join("\n"),
    ).toBe(committed);
  });

  it("every JSON snippet starts the server it names, which serves TKT-1001", async () => {
    const configs = ALL.filter((s) => s.kind === "json");
    expect(configs.length).toBeGreaterThanOrEqual(3);
    for (const s of configs) {
      const scratch = temp("scratch");
      const parsed = JSON.parse(substitute(s.text, scratch)) as {
        mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
      };
      const server = parsed.mcpServers["support-triage"];
      expect(server, where(s)).toBeDefined();
      if (server === undefined) continue;
      expect(server.command, where(s)).toBe("node");
      // A relative entry (the committed .mcp.json) is started in a project directory, as Claude
      // Code does; an absolute one anywhere else.
      const relative = !(server.args[0] ?? "").startsWith("/");
      const cwd = relative ? project() : temp("elsewhere");
      expect(existsSync(resolve(cwd, server.args[0] ?? "")), where(s)).toBe(true);
      await readsTicket({
        command: server.command,
        args: server.args,
        cwd,
        ...(server.env === undefined ? {} : { env: server.env }),
      });
    }
  });
});

describe.skipIf(!installed("claude"))("with Claude Code (claude mcp)", () => {
  const adds = COMMANDS.filter((c) => c.command.startsWith("claude mcp add "));

  it.each(adds.map((c) => [where(c.snippet), c.command]))(
    "%s: `claude mcp add` stores the server and `claude mcp list` shows it Connected",
    async (_where, command) => {
      const { env } = home();
      const scratch = temp("scratch");
      const cwd = temp("cwd");
      const args = words(substitute(command, scratch)).slice(1);
      const added = await run("claude", args, { cwd, env });
      expect(added.status, added.stderr + added.stdout).toBe(0);
      expect(added.stdout).toContain("Added stdio MCP server support-triage with command: node ");

      const got = await run("claude", ["mcp", "get", "support-triage"], { cwd, env });
      expect(got.status, got.stderr).toBe(0);
      expect(got.stdout).toContain("Command: node\n");
      expect(got.stdout).toContain(`Args: ${ENTRY}\n`);
      const stored = [...got.stdout.matchAll(/^ {4}(TRIAGE_[A-Z_]+)=(.*)$/gm)].map((m) => `${m[1]}=${m[2]}`);
      const given = args.flatMap((a, i) => (args[i - 1] === "--env" || args[i - 1] === "-e" ? [a] : []));
      expect(stored).toEqual(given);

      const list = await run("claude", ["mcp", "list"], { cwd, env });
      expect(list.stdout).toMatch(new RegExp(`^support-triage: node ${ENTRY} - ✔ Connected$`, "m"));
      // A runtime named in --env is the one the server opened.
      const dataRoot = given
        .find((g) => g.startsWith("TRIAGE_DATA_ROOT="))
        ?.slice("TRIAGE_DATA_ROOT=".length);
      if (dataRoot !== undefined) expect(existsSync(join(dataRoot, "store.json"))).toBe(true);
    },
  );

  it("the committed .mcp.json connects from a clone (once project servers are approved)", async () => {
    const { dir, env } = home();
    mkdirSync(join(dir, ".claude"));
    writeFileSync(
      join(dir, ".claude", "settings.json"),
      JSON.stringify({ enableAllProjectMcpServers: true }),
    );
    const clone = project();
    cpSync(join(ROOT, ".mcp.json"), join(clone, ".mcp.json"));
    const list = await run("claude", ["mcp", "list"], { cwd: clone, env });
    expect(list.stdout).toMatch(/^support-triage: node dist\/index\.js - ✔ Connected$/m);
    expect(existsSync(join(clone, "data", "runtime", "store.json"))).toBe(true);
  });

  it("the put-the-name-last form the docs warn about really fails", async () => {
    const { env } = home();
    const r = await run(
      "claude",
      [
        "mcp",
        "add",
        "--transport",
        "stdio",
        "--env",
        "TRIAGE_APPROVAL_MODE=chat",
        "support-triage",
        "--",
        "node",
        ENTRY,
      ],
      { cwd: temp("cwd"), env },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr + r.stdout).toContain("Invalid environment variable format: support-triage");
  });

  it("every other `claude mcp` subcommand named in the docs exists", async () => {
    const help = await run("claude", ["mcp", "--help"], { cwd: temp("cwd"), env: home().env });
    const named = COMMANDS.filter((c) => c.command.startsWith("claude mcp ")).map(
      (c) => words(c.command)[2] ?? "",
    );
    for (const sub of new Set(named)) expect(help.stdout, sub).toMatch(new RegExp(`^ {2}${sub}\\b`, "m"));
  });
});
if (!installed("claude"))
  console.log("client snippets: `claude` is not on PATH; the Claude Code checks are skipped.");

describe.skipIf(!installed("codex"))("with Codex (codex mcp)", () => {
  /** Codex's own reading of a config: what `codex mcp get --json` reports. */
  async function codexGet(codexHome: string) {
    const r = await run("codex", ["mcp", "get", "support-triage", "--json"], {
      cwd: codexHome,
      env: { HOME: codexHome, CODEX_HOME: codexHome },
    });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as {
      transport: { command: string; args: string[]; env: Record<string, string> | null; cwd: string | null };
      startup_timeout_sec: number | null;
      tool_timeout_sec: number | null;
    };
  }

  const adds = COMMANDS.filter((c) => c.command.startsWith("codex mcp add "));
  it.each(adds.map((c) => [where(c.snippet), c.command]))(
    "%s: `codex mcp add` stores a server that starts and serves TKT-1001",
    async (_where, command) => {
      const codexHome = temp("codex");
      const scratch = temp("scratch");
      const args = words(substitute(command, scratch)).slice(1);
      const added = await run("codex", args, {
        cwd: codexHome,
        env: { HOME: codexHome, CODEX_HOME: codexHome },
      });
      expect(added.status, added.stderr).toBe(0);
      const { transport } = await codexGet(codexHome);
      expect(transport.command).toBe("node");
      expect(transport.args).toEqual([ENTRY]);
      await readsTicket({
        command: "node",
        args: transport.args,
        env: transport.env ?? {},
        cwd: temp("elsewhere"),
      });
    },
  );

  it.each(ALL.filter((s) => s.kind === "toml").map((s) => [where(s), s.text]))(
    "%s: Codex accepts the TOML, and its server starts from a clone",
    async (_where, text) => {
      const codexHome = temp("codex");
      // A table of its own (per-tool approval) is checked on top of the server it configures.
      const base = text.startsWith("[mcp_servers.support-triage]\n")
        ? text
        : `${readFileSync(join(ROOT, ".codex/config.toml"), "utf8")}\n${text}`;
      writeFileSync(join(codexHome, "config.toml"), base);
      const got = await codexGet(codexHome);
      expect(got.tool_timeout_sec).toBeGreaterThanOrEqual(300);
      // cwd "." is the directory Codex was started in: a clone.
      expect(got.transport.cwd).toBe(".");
      await readsTicket({
        command: "node",
        args: got.transport.args,
        env: got.transport.env ?? {},
        cwd: project(),
      });
    },
  );
});
if (!installed("codex"))
  console.log("client snippets: `codex` is not on PATH; the Codex checks are skipped.");

describe("with the MCP Inspector", () => {
  const inspector = COMMANDS.filter((c) => c.command.startsWith("npx @modelcontextprotocol/inspector"));
  const cli = inspector.filter((c) => words(c.command).includes("--cli"));
  const web = inspector.filter((c) => !words(c.command).includes("--cli"));

  it.each(web.map((c) => [where(c.snippet), c.command]))(
    "%s: the web UI command names the built server",
    (_w, command) => {
      const args = words(command);
      const server = args.slice(args.indexOf("node"));
      expect(server[0]).toBe("node");
      expect(existsSync(join(ROOT, server[1] ?? ""))).toBe(true);
      for (const a of args.filter((_, i) => args[i - 1] === "-e"))
        expect(KNOWN_VARIABLES).toContain(a.split("=")[0]);
    },
  );

  const EXPECT: Record<string, (out: Record<string, unknown>) => void> = {
    "tools/list": (out) =>
      expect((out.tools as { name: string }[]).map((t) => t.name)).toContain("get_ticket"),
    "resources/list": (out) => expect(out.resources).toBeInstanceOf(Array),
    "prompts/list": (out) =>
      expect((out.prompts as { name: string }[]).map((p) => p.name)).toContain("triage_ticket"),
    "tools/call": (out) => expect(out.structuredContent).toMatchObject({ ticket: { id: "TKT-1001" } }),
    "resources/read": (out) => expect(JSON.stringify(out.contents)).toContain("openTickets"),
  };

  // The first run downloads the Inspector into npx's cache; later runs take a second or two each.
  it(
    "every --cli command answers, run from the repository root as the docs say",
    { timeout: 180_000 },
    async () => {
      expect(cli.length).toBeGreaterThanOrEqual(5);
      const results = await Promise.all(
        cli.map(async ({ snippet, command }) => {
          const scratch = temp("scratch");
          const args = words(substitute(command, scratch)).slice(2);
          // npx keeps its cache under the real HOME; the server's runtime goes to a temporary XDG_DATA_HOME.
          const env = { HOME: process.env.HOME ?? home().dir, XDG_DATA_HOME: join(scratch, "share") };
          const r = await run("npx", ["-y", INSPECTOR, ...args], {
            cwd: ROOT,
            env,
            timeoutMs: 150_000,
          });
          return { snippet, command, args, scratch, r };
        }),
      );
      const offline = results.find(
        (x) =>
          x.r.status !== 0 &&
          /npm (ERR!|error) (code )?(E[A-Z_]+|404)/.test(x.r.stderr) &&
          !/Failed to connect/.test(x.r.stderr + x.r.stdout),
      );
      if (offline !== undefined) {
        console.log(
          `client snippets: npx could not fetch ${INSPECTOR}; the Inspector checks are skipped.\n${offline.r.stderr.slice(0, 400)}`,
        );
        return;
      }
      for (const { snippet, command, args, scratch, r } of results) {
        expect(r.status, `${where(snippet)} ${command}\n${r.stderr}\n${r.stdout}`).toBe(0);
        const method = args[args.indexOf("--method") + 1] ?? "";
        EXPECT[method]?.(JSON.parse(r.stdout) as Record<string, unknown>);
        expect(Object.keys(EXPECT)).toContain(method);
        if (command.includes("/tmp/triage-scratch"))
          expect(existsSync(join(scratch, "triage-scratch", "store.json"))).toBe(true);
      }
    },
  );
});
