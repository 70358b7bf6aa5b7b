import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DomainError } from "../domain/errors.js";

// The one command scaffold every CLI uses: arguments (node's parseArgs, strict), `--help`/`-h`
// (usage on stdout, exit 0), `--version` (exit 0), usage errors (message and usage on stderr,
// exit 2), typed errors (one line on stderr, exit 1), subcommands, and the "is this file the
// program?" check. A command declares its options and two steps; nothing here is copied into it.

/** Wrong arguments or a wrong environment for the command: exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";

  /**
   * `showUsage`: print the usage after the message. By default it is printed for errors found
   * while reading the arguments (`parse`) and not for errors found while running.
   */
  constructor(
    message: string,
    readonly showUsage?: boolean,
  ) {
    super(message);
  }
}

export interface CommandIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly multiple?: boolean;
}
type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type OptionValue<S extends OptionSpec> = S extends { readonly type: "boolean" }
  ? S extends { readonly multiple: true }
    ? boolean[]
    : boolean
  : S extends { readonly multiple: true }
    ? string[]
    : string;

/** The options as given on the command line; absent ones are undefined. */
export type OptionValues<O extends OptionSpecs> = { readonly [K in keyof O]?: OptionValue<O[K]> };

export interface ParsedArgs<O extends OptionSpecs> {
  readonly values: OptionValues<O>;
  readonly positionals: readonly string[];
}

/** A program that takes the arguments after its name and returns its exit status. */
export interface Program {
  main(argv: readonly string[]): Promise<number>;
}

export interface Command<O extends OptionSpecs, P, I extends CommandIo> {
  /** Prefixes messages on stderr: `review: ...`. */
  readonly name: string;
  /** Printed for --help (stdout) and after a usage error (stderr). */
  readonly usage: string;
  /** The command's own options; `--help`, `-h` and `--version` are added. */
  readonly options: O;
  /** Whether words are accepted besides options (commands, ids). The word `help` prints the usage. */
  readonly positionals?: boolean;
  /** Subcommands dispatched on the first argument, before anything is parsed. */
  readonly subcommands?: Readonly<Record<string, () => Promise<Program>>>;
  /** Checks the arguments and turns them into the command's options. Throws UsageError. */
  readonly parse: (args: ParsedArgs<O>, io: I) => P;
  /** Does the work; returns the exit status. */
  readonly run: (options: P, io: I) => Promise<number> | number;
  /** The one line to print for a typed refusal other than DomainError (exit 1); undefined: not one. */
  readonly refusal?: (error: unknown) => string | undefined;
}

const STANDARD_OPTIONS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

/** The package version: src/cli and dist/cli are both two levels below the package root. */
export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

function usageFailure(
  command: { name: string; usage: string },
  io: CommandIo,
  error: UsageError,
  inParse: boolean,
) {
  const usage = error.showUsage ?? inParse;
  io.stderr(`${command.name}: ${error.message}\n${usage ? `\n${command.usage}` : ""}`);
  return 2;
}

/** What `parseCommand` needs of a command: everything but the work. */
export type CommandArguments<O extends OptionSpecs, P, I extends CommandIo> = Pick<
  Command<O, P, I>,
  "name" | "usage" | "options" | "positionals" | "parse"
>;

/**
 * The synchronous half of `runCommand`: reads the arguments, answers `--help` and `--version`,
 * and reports usage errors. Returns the command's options, or the exit status when there is
 * nothing left to run. For commands whose entry must stay synchronous.
 */
export function parseCommand<O extends OptionSpecs, P, I extends CommandIo>(
  command: CommandArguments<O, P, I>,
  argv: readonly string[],
  io: I,
): { readonly options: P } | number {
  let parsed: ParsedArgs<O> & { values: { help?: boolean; version?: boolean } };
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: command.positionals ?? false,
      options: { ...command.options, ...STANDARD_OPTIONS },
    });
  } catch (error) {
    return usageFailure(command, io, new UsageError((error as Error).message), true);
  }
  if (parsed.values.help === true || parsed.positionals[0] === "help") {
    io.stdout(command.usage);
    return 0;
  }
  if (parsed.values.version === true) {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  try {
    return { options: command.parse(parsed, io) };
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(command, io, error, true);
    throw error;
  }
}

/** Runs a command with its arguments; returns the exit status (0 done, 1 refused, 2 usage error). */
export async function runCommand<O extends OptionSpecs, P, I extends CommandIo>(
  command: Command<O, P, I>,
  argv: readonly string[],
  io: I,
): Promise<number> {
  const sub = argv[0] === undefined ? undefined : command.subcommands?.[argv[0]];
  if (sub !== undefined) return (await sub()).main(argv.slice(1));
  const parsed = parseCommand(command, argv, io);
  if (typeof parsed === "number") return parsed;
  try {
    return await command.run(parsed.options, io);
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(command, io, error, false);
    if (error instanceof DomainError) {
      io.stderr(`${error.toString()}\n`);
      return 1;
    }
    const line = command.refusal?.(error);
    if (line === undefined) throw error;
    io.stderr(`${line}\n`);
    return 1;
  }
}

/** The process's own streams. */
export const PROCESS_IO: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** True when the module at `moduleUrl` is the program being run (not imported by the server entry or a test). */
export function invokedDirectly(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(moduleUrl);
  } catch {
    return false;
  }
}

/**
 * Runs `main` with the process's arguments when the module at `moduleUrl` is the program, and
 * sets the exit status. Anything unexpected is reported on stderr with exit status 1.
 */
export async function runIfMain(moduleUrl: string, name: string, main: Program["main"]): Promise<void> {
  if (!invokedDirectly(moduleUrl)) return;
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(
      `${name}: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}
