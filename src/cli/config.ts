// `support-triage-mcp config check [FILE]` / `npm run config:check -- [FILE]`: checks a workspace
// file (TRIAGE_CONFIG) as the server would at start, without starting anything: every problem by
// path, and with --data-root, the values stored tickets carry that the file no longer has.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, loadConfig } from "../config.js";
import { SHAPE_FIRST } from "../domain/workspace/index.js";
import { createMemoryLogger } from "../logging.js";
import { unknownStoredValues, describeUnknownValue } from "../service/stored-values.js";
import { checkWorkspaceFile, type LoadedWorkspace } from "../service/workspace.js";
import { layoutOf, openFileStore } from "../store/index.js";
import { PROCESS_IO, runCommand, runIfMain, UsageError, type Command, type CommandIo } from "./command.js";

const USAGE = `Usage: support-triage-mcp config check [FILE] [--data-root DIR]

Checks a workspace file (JSON or YAML: categories, priorities, statuses, teams, plans, routing,
thresholds) as the server does at start, without starting it. Every problem is printed with its
path in the file (teams[2].members[0]: ...). Nothing is created or changed.

  FILE              the workspace file (default: TRIAGE_CONFIG, else the bundled data/workspace.json)
  --data-root DIR   also check the tickets of this existing runtime: values they carry that the file
                    no longer has are listed (map them in "renames", or start with
                    TRIAGE_KEEP_UNKNOWN_VALUES=1)
  -h, --help        show this help
  --version         print the version

Exit status: 0 valid, 1 problems found, 2 usage error.
`;

const OPTIONS = { "data-root": { type: "string" } } as const;

interface ConfigIo extends CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

interface Parsed {
  readonly file: string | undefined;
  readonly teamsFile: string | undefined;
  readonly dataRoot: string | undefined;
}

const CHECK: Command<typeof OPTIONS, Parsed, ConfigIo> = {
  name: "config check",
  usage: USAGE,
  options: OPTIONS,
  positionals: true,
  parse: ({ values, positionals }, io) => {
    if (positionals.length > 1) throw new UsageError(`one file at most, got ${positionals.length}.`);
    const dataRoot = values["data-root"];
    if (dataRoot !== undefined && dataRoot.trim() === "") throw new UsageError("--data-root is blank.");
    let config;
    try {
      config = loadConfig(io.env, io.cwd);
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(error.message);
      throw error;
    }
    const given = positionals[0];
    return {
      file: given === undefined ? config.workspaceFile : resolve(io.cwd, given),
      teamsFile: given === undefined ? config.teamsFile : undefined,
      dataRoot: dataRoot === undefined ? undefined : resolve(io.cwd, dataRoot),
    };
  },
  run: async (options, io) => {
    const { loaded, problems } = checkWorkspaceFile({ file: options.file, teamsFile: options.teamsFile });
    if (loaded === undefined) {
      const count = problems.filter((p) => p !== SHAPE_FIRST).length;
      io.stderr(`${options.file}: ${count} problem${count === 1 ? "" : "s"}\n`);
      for (const p of problems) io.stdout(`${p}\n`);
      return 1;
    }
    io.stdout(`${loaded.file}: valid (workspace "${loaded.workspace.name}", sha256 ${loaded.sha256})\n`);
    if (options.dataRoot === undefined) return 0;
    return checkRuntime(options.dataRoot, loaded, io);
  },
};

/** The runtime's stored values against the workspace: 1 when some are unknown and not renamed. */
async function checkRuntime(dataRoot: string, loaded: LoadedWorkspace, io: ConfigIo): Promise<number> {
  if (!existsSync(layoutOf(dataRoot).manifest)) {
    throw new UsageError(`${dataRoot} is not a triage runtime (no store.json).`);
  }
  const store = await openFileStore({
    dataRoot,
    seed: () => {
      throw new UsageError(`${dataRoot} is not an initialized runtime.`);
    },
    logger: createMemoryLogger(),
  });
  try {
    const unknown = unknownStoredValues(store.view(), loaded.workspace);
    if (unknown.length === 0) {
      io.stdout(`${dataRoot}: every stored value is in the workspace\n`);
      return 0;
    }
    const unmapped = unknown.filter((v) => v.renamedTo === undefined);
    for (const v of unknown) io.stdout(`${describeUnknownValue(v)}\n`);
    if (unmapped.length === 0) {
      io.stdout(`${dataRoot}: every unknown value is renamed; the next start applies the renames\n`);
      return 0;
    }
    io.stderr(
      `${dataRoot}: ${unmapped.length} stored value${unmapped.length === 1 ? "" : "s"} not in the workspace: ` +
        `map them in "renames" (old -> new), or start with TRIAGE_KEEP_UNKNOWN_VALUES=1 to keep them\n`,
    );
    return 1;
  } finally {
    await store.close();
  }
}

const CONFIG_USAGE = `Usage: support-triage-mcp config check [FILE] [--data-root DIR]

Commands:
  check   check a workspace file without starting the server (config check --help)
`;

function ioOf(io: CommandIo): ConfigIo {
  return { ...io, env: process.env, cwd: process.cwd() };
}

/** `config check ...`: the arguments after "check". */
export function runConfigCheck(argv: readonly string[], io: ConfigIo): Promise<number> {
  return runCommand(CHECK, argv, io);
}

const CONFIG: Command<Record<string, never>, undefined, CommandIo> = {
  name: "config",
  usage: CONFIG_USAGE,
  options: {},
  positionals: true,
  subcommands: { check: () => Promise.resolve({ main: (argv) => runConfigCheck(argv, ioOf(PROCESS_IO)) }) },
  parse: () => {
    throw new UsageError("name a command: check.");
  },
  run: () => 2,
};

/** `config ...` with the process's streams: the arguments after "config". */
export function main(argv: readonly string[]): Promise<number> {
  return runCommand(CONFIG, argv, PROCESS_IO);
}

await runIfMain(import.meta.url, "config", main);
