import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAuditVerify } from "../../src/cli/audit-verify.js";
import { parseCommand, runCommand, UsageError, type Command, type CommandIo } from "../../src/cli/command.js";
import { runHandoffs } from "../../src/cli/handoffs/commands.js";
import { runImport } from "../../src/cli/import.js";
import { runReset } from "../../src/cli/reset.js";
import { runReview } from "../../src/cli/review/commands.js";
import { DomainError } from "../../src/domain/errors.js";

// The one command scaffold: its rules once on a small command, then every entry point
// (--help, --version and a usage error), in process and, for the package bin, as a process.

const ROOT = resolve(import.meta.dirname, "../..");
const VERSION = (JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { version: string })
  .version;

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "triage-cli-"));
  temps.push(dir);
  return dir;
}

interface Captured {
  readonly io: CommandIo;
  readonly out: () => string;
  readonly err: () => string;
}
function capture(): Captured {
  let out = "";
  let err = "";
  return {
    io: { stdout: (t) => (out += t), stderr: (t) => (err += t) },
    out: () => out,
    err: () => err,
  };
}

class Refusal extends Error {}

const OPTIONS = { name: { type: "string" }, loud: { type: "boolean", short: "l" } } as const;
const ran: string[] = [];
const greet: Command<typeof OPTIONS, { name: string; loud: boolean }, CommandIo> = {
  name: "greet",
  usage: "Usage: greet --name NAME\n",
  options: OPTIONS,
  positionals: true,
  subcommands: { twice: () => Promise.resolve({ main: (argv) => Promise.resolve(argv.length + 40) }) },
  parse: ({ values, positionals }) => {
    if (values.name === undefined) throw new UsageError("--name NAME is required.");
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}".`);
    return { name: values.name, loud: values.loud === true };
  },
  run: (options, io) => {
    ran.push(options.name);
    switch (options.name) {
      case "refused":
        throw new DomainError("POLICY_DENIED", "Not this one. Ask someone else.");
      case "elsewhere":
        throw new UsageError("not here: run it in a runtime directory.");
      case "elsewhere-with-usage":
        throw new UsageError("not here either.", true);
      case "own-refusal":
        throw new Refusal("the command's own refusal");
      case "broken":
        throw new Error("a bug");
    }
    io.stdout(options.loud ? `HELLO ${options.name.toUpperCase()}\n` : `hello ${options.name}\n`);
    return 0;
  },
  refusal: (error) => (error instanceof Refusal ? `greet: refused: ${error.message}` : undefined),
};

async function greetWith(...argv: string[]) {
  const c = capture();
  const code = await runCommand(greet, argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe("the command scaffold", () => {
  it("runs the command with its parsed options", async () => {
    expect(await greetWith("--name", "dana", "-l")).toEqual({ code: 0, out: "HELLO DANA\n", err: "" });
  });

  it.each([["--help"], ["-h"], ["help"], ["--name", "x", "--help"]])(
    "%s prints the usage on stdout and exits 0 without running",
    async (...argv) => {
      const before = ran.length;
      expect(await greetWith(...argv)).toEqual({ code: 0, out: "Usage: greet --name NAME\n", err: "" });
      expect(ran.length).toBe(before);
    },
  );

  it("--version prints the package version and exits 0", async () => {
    expect(await greetWith("--version")).toEqual({ code: 0, out: `${VERSION}\n`, err: "" });
  });

  it.each([
    [
      ["--bogus"],
      "greet: Unknown option '--bogus'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--bogus\"\n\nUsage: greet --name NAME\n",
    ],
    [["--name"], "greet: Option '--name <value>' argument missing\n\nUsage: greet --name NAME\n"],
    [[], "greet: --name NAME is required.\n\nUsage: greet --name NAME\n"],
    [["--name", "x", "extra"], 'greet: unexpected argument "extra".\n\nUsage: greet --name NAME\n'],
  ])("a usage error in the arguments %j: message and usage on stderr, exit 2", async (argv, stderr) => {
    expect(await greetWith(...argv)).toEqual({ code: 2, out: "", err: stderr });
  });

  it.each([
    ["elsewhere", 2, "greet: not here: run it in a runtime directory.\n"],
    ["elsewhere-with-usage", 2, "greet: not here either.\n\nUsage: greet --name NAME\n"],
    ["refused", 1, "POLICY_DENIED: Not this one. Ask someone else.\n"],
    ["own-refusal", 1, "greet: refused: the command's own refusal\n"],
  ])(
    "a run that ends with %s: one line on stderr (the usage only when asked for), exit %i",
    async (name, code, err) => {
      expect(await greetWith("--name", name)).toEqual({ code, out: "", err });
    },
  );

  it("anything unexpected is not swallowed", async () => {
    await expect(greetWith("--name", "broken")).rejects.toThrow("a bug");
  });

  it("dispatches a subcommand with the arguments after its name, before parsing", async () => {
    expect(await greetWith("twice", "--not-an-option-here", "b")).toEqual({ code: 42, out: "", err: "" });
  });

  it("parseCommand is the same front half, synchronous, for entries that cannot await", () => {
    const before = ran.length;
    const ok = capture();
    expect(parseCommand(greet, ["--name", "dana"], ok.io)).toEqual({
      options: { name: "dana", loud: false },
    });
    const help = capture();
    expect(parseCommand(greet, ["-h"], help.io)).toBe(0);
    expect(help.out()).toBe("Usage: greet --name NAME\n");
    const wrong = capture();
    expect(parseCommand(greet, [], wrong.io)).toBe(2);
    expect(wrong.err()).toBe("greet: --name NAME is required.\n\nUsage: greet --name NAME\n");
    expect(ran.length).toBe(before);
  });
});

describe("every entry point answers --help, --version and a usage error without touching a runtime", () => {
  const dataRoot = join(tempDir(), "runtime");
  const env = { TRIAGE_DATA_ROOT: dataRoot };
  const base = { env, cwd: tempDir() };
  const entries: [string, string, (argv: string[], io: CommandIo) => Promise<number>][] = [
    [
      "review",
      "Usage: support-triage-mcp review",
      (a, io) => runReview(a, { ...io, ...base, version: VERSION, isTTY: false }),
    ],
    ["handoffs", "Usage: support-triage-mcp handoffs", (a, io) => runHandoffs(a, { ...io, ...base })],
    ["import", "Usage: npm run import", (a, io) => runImport(a, { ...io, ...base, stderrIsTTY: false })],
    ["reset", "Usage: npm run reset", (a, io) => runReset(a, { ...io, ...base })],
    ["audit-verify", "Usage: audit-verify --data-root DIR", runAuditVerify],
  ];

  it.each(entries)("%s", async (name, usage, run) => {
    const help = capture();
    expect(await run(["--help"], help.io)).toBe(0);
    expect(help.out().startsWith(usage)).toBe(true);
    expect(help.out()).toMatch(/--version +print the version/);
    expect(help.err()).toBe("");

    const version = capture();
    expect(await run(["--version"], version.io)).toBe(0);
    expect(version.out()).toBe(`${VERSION}\n`);

    const wrong = capture();
    expect(await run(["--bogus"], wrong.io)).toBe(2);
    expect(wrong.out()).toBe("");
    expect(wrong.err()).toMatch(new RegExp(`^${name}: Unknown option '--bogus'.*\\n\\n${usage}`, "s"));
    expect(existsSync(dataRoot)).toBe(false);
  });
});

describe("the package bin (dist/index.js)", () => {
  const bin = resolve(ROOT, "dist/index.js");
  const run = (...argv: string[]) => {
    const cwd = tempDir();
    const r = spawnSync(process.execPath, [bin, ...argv], {
      cwd,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
      timeout: 20_000,
    });
    // Nothing was created where it ran: no runtime, no data directory.
    expect(readdirSync(cwd)).toEqual([]);
    return r;
  };

  it("--help prints the usage and exits without starting the server", () => {
    const r = run("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: support-triage-mcp \[command\] \[options\]\n/);
    expect(r.stdout).toContain("  review ");
    expect(r.stderr).toBe("");
  });

  it("--version prints the package version", () => {
    const r = run("--version");
    expect([r.status, r.stdout, r.stderr]).toEqual([0, `${VERSION}\n`, ""]);
  });

  it("an unknown option or argument is a usage error (exit 2), not a server start", () => {
    for (const argv of [["--bogus"], ["frobnicate"]]) {
      const r = run(...argv);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^support-triage-mcp: .*\n\nUsage: support-triage-mcp/);
    }
  });

  it("a subcommand's own --help and --version", () => {
    expect(run("review", "--help").stdout).toMatch(/^Usage: support-triage-mcp review/);
    expect(run("handoffs", "--version").stdout).toBe(`${VERSION}\n`);
  });
});
