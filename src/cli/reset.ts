// `npm run reset`: removes the runtime state of a data root (tickets base, recommendations and
// audit log, journal, snapshots, locks) so the next server start initializes it from the seed
// again. Run with --help for the options.
//
// Safety rules, checked before anything is deleted:
//  - the directory is the package's own data/runtime or the per-user runtime (the default), or
//    it holds a valid store.json manifest and nothing but what the store creates (so a mistyped
//    path is never emptied);
//  - neither the directory nor any of its parents inside the package is a symbolic link;
//  - the runtime lock is free, and it is held while deleting, so no transaction is cut in half.
// Only names the store creates are removed; .gitkeep and anything unknown stay.
import { lstatSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { createInterface } from "node:readline/promises";
import { PROCESS_IO, runCommand, runIfMain, UsageError } from "./command.js";
import type { Command, CommandIo, ParsedArgs } from "./command.js";
import { ConfigError, resolveDataRoot } from "../config.js";
import { DomainError } from "../domain/errors.js";
import { currentHost, defaultDataRoot, PACKAGE_ROOT, type Host } from "../paths.js";
import {
  layoutOf,
  livePresences,
  manifestSchema,
  RuntimeLock,
  type HeldLock,
  type Layout,
} from "../store/index.js";

export const USAGE = `Usage: npm run reset -- [--data-root DIR] [--yes]

Removes the runtime state in DIR (default: TRIAGE_DATA_ROOT, else the per-user runtime the server
uses by default): store.json, base/, audit.jsonl, journal/, snapshots/ and locks. The next server
start initializes it from the seed. Keeps .gitkeep. Refuses a directory that is neither this
package's data/runtime nor the per-user runtime and does not look like a runtime, a symbolic link,
and a runtime whose lock a server holds.

Options:
  --data-root DIR   the runtime directory to reset (resolved from the working directory)
  --yes             do not ask for confirmation (required when not run from a terminal)
  -h, --help        show this help
  --version         print the version

Exit status: 0 reset (or nothing to reset), 1 refused, 2 usage error.
`;

const KEEP = ".gitkeep";
/** How long to wait for a transaction in flight to release the lock. */
const LOCK_WAIT_MS = 1_000;

/** Why reset refused; nothing was deleted. */
export class ResetRefused extends Error {
  override readonly name = "ResetRefused";
}

export interface ResetPlan {
  readonly root: string;
  /** The package's data/runtime or the per-user default: known runtimes, unknown files kept. */
  readonly packageRuntime: boolean;
  /** Entries the store creates, in deletion order (store.json first: "not initialized" at once). */
  readonly removable: string[];
  /** Entries left alone: .gitkeep and, in the package's runtime directory, unknown names. */
  readonly kept: string[];
}

export type ResetOutcome =
  | { readonly kind: "nothing"; readonly root: string; readonly message: string }
  | { readonly kind: "removed"; readonly root: string; readonly removed: string[]; readonly kept: string[] };

/** Names a runtime directory may hold, derived from the store's layout. */
function storeNames(layout: Layout): { names: Set<string>; temporary: RegExp[] } {
  const name = (path: string) => relative(layout.root, path);
  return {
    names: new Set([
      name(layout.manifest),
      name(layout.baseDir),
      name(layout.auditLog),
      name(layout.journalDir),
      name(layout.snapshotsDir),
      name(layout.presenceDir),
      name(layout.importsDir),
      name(layout.lockDir),
      name(layout.lockTarget),
    ]),
    // Temp files of store.json (store.json.<digits>) and of an interrupted initialization's log.
    temporary: [/^store\.json\.\d+$/, /^audit\.jsonl\.init-\d+\.tmp$/],
  };
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Refuses a symlinked data root, or a symlink anywhere between the package root and it. */
function checkNoSymlinks(root: string, packageRoot: string): void {
  if (isSymlink(root)) {
    throw new ResetRefused(
      `${root} is a symbolic link. Reset the directory it points to by its real path, if at all.`,
    );
  }
  const rel = relative(packageRoot, root);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return;
  let path = packageRoot;
  for (const part of rel.split(sep)) {
    path = join(path, part);
    if (isSymlink(path)) {
      throw new ResetRefused(
        `${path} is a symbolic link inside the package, on the way to ${root}. Nothing was deleted.`,
      );
    }
  }
}

function validManifest(layout: Layout): boolean {
  try {
    return manifestSchema.safeParse(JSON.parse(readFileSync(layout.manifest, "utf8"))).success;
  } catch {
    return false;
  }
}

/**
 * Decides what a reset of `dataRoot` would remove, or refuses. Returns undefined when there is
 * nothing to remove (no directory, or only .gitkeep / unknown files in the package's runtime).
 */
export function planReset(
  dataRoot: string,
  packageRoot: string = PACKAGE_ROOT,
  userRuntime: string | null = perUserRuntime(currentHost()),
): ResetPlan | undefined {
  const root = resolve(dataRoot);
  const packageRuntime =
    root === resolve(packageRoot, "data", "runtime") ||
    (userRuntime !== null && root === resolve(userRuntime));
  checkNoSymlinks(root, resolve(packageRoot));
  if (!exists(root)) return undefined;
  if (!lstatSync(root).isDirectory())
    throw new ResetRefused(`${root} is not a directory. Nothing was deleted.`);

  const layout = layoutOf(root);
  const { names, temporary } = storeNames(layout);
  const entries = readdirSync(root).sort();
  const ours = (n: string) => names.has(n) || temporary.some((re) => re.test(n));
  const removable = entries.filter(ours);
  const unknown = entries.filter((n) => n !== KEEP && !ours(n));
  if (removable.length === 0) {
    if (packageRuntime || unknown.length === 0) return undefined;
  }
  if (!packageRuntime) {
    if (!validManifest(layout)) {
      throw new ResetRefused(
        `${root} is not this package's data/runtime and holds no valid store.json, so it does not look like a ` +
          `triage runtime. Nothing was deleted. Check --data-root / TRIAGE_DATA_ROOT.`,
      );
    }
    if (unknown.length > 0) {
      throw new ResetRefused(
        `${root} holds files the store does not create (${unknown.slice(0, 10).join(", ")}${unknown.length > 10 ? ", ..." : ""}). ` +
          `Nothing was deleted. Move them away or check --data-root / TRIAGE_DATA_ROOT.`,
      );
    }
  }
  const manifestName = relative(root, layout.manifest);
  removable.sort((a, b) => Number(b === manifestName) - Number(a === manifestName));
  return { root, packageRuntime, removable, kept: entries.filter((n) => !ours(n)) };
}

/** Takes the runtime lock, removes the plan's entries, releases the lock. */
export async function executeReset(
  plan: ResetPlan,
  options: { readonly lockWaitMs?: number; readonly warn?: (message: string) => void } = {},
): Promise<string[]> {
  const layout = layoutOf(plan.root);
  const lockName = relative(plan.root, layout.lockDir);
  const lock = new RuntimeLock(layout, options.warn ?? (() => undefined));
  let held: HeldLock;
  try {
    held = await lock.acquire(options.lockWaitMs ?? LOCK_WAIT_MS);
  } catch (error) {
    if (error instanceof DomainError && error.code === "STORE_UNAVAILABLE") {
      throw new ResetRefused(
        `A server holds the runtime lock of ${plan.root} (${layout.lockDir}). Nothing was deleted. ` +
          `Stop every server using this directory and run reset again.`,
      );
    }
    throw error;
  }
  const removed: string[] = [];
  try {
    // An idle server holds no lock but keeps a presence record: refuse while any is alive.
    const running = livePresences(layout);
    if (running.length > 0) {
      throw new ResetRefused(
        `${running.length} server process(es) are using ${plan.root} (pid ${running.map((r) => `${r.pid}@${r.hostname}`).join(", ")}). ` +
          `Nothing was deleted. Stop them (quit the MCP clients that started them) and run reset again.`,
      );
    }
    // Re-read under the lock: only names from the plan that are still there.
    const present = new Set(readdirSync(plan.root));
    for (const name of plan.removable) {
      if (name === lockName) continue; // ours now; released below
      if (!present.has(name)) continue;
      const path = join(plan.root, name);
      const dir = lstatSync(path).isDirectory();
      rmSync(path, { recursive: true, force: true, maxRetries: 3 });
      removed.push(dir ? `${name}/` : name);
    }
  } finally {
    await held.release();
  }
  // A lock directory found in the plan was a stale lock of a stopped server: taking the lock
  // reclaimed it and releasing it removed it.
  if (plan.removable.includes(lockName)) removed.push(`${lockName}/`);
  return removed;
}

export async function resetRuntime(
  dataRoot: string,
  options: {
    readonly packageRoot?: string;
    /** The per-user default runtime (known like the package's own; null: none); computed when absent. */
    readonly userRuntime?: string | null;
    readonly confirm?: (plan: ResetPlan) => Promise<boolean>;
    readonly lockWaitMs?: number;
  } = {},
): Promise<ResetOutcome> {
  const root = resolve(dataRoot);
  const plan = planReset(
    root,
    options.packageRoot ?? PACKAGE_ROOT,
    options.userRuntime === undefined ? perUserRuntime(currentHost()) : options.userRuntime,
  );
  if (plan === undefined) {
    const message = exists(root)
      ? `Nothing to reset: ${root} holds no runtime state.`
      : `Nothing to reset: ${root} does not exist.`;
    return { kind: "nothing", root, message };
  }
  if (options.confirm !== undefined && !(await options.confirm(plan))) {
    throw new ResetRefused("Not confirmed. Nothing was deleted.");
  }
  const removed = await executeReset(
    plan,
    options.lockWaitMs === undefined ? {} : { lockWaitMs: options.lockWaitMs },
  );
  return { kind: "removed", root, removed, kept: plan.kept };
}

// ---------- command line ----------

export interface ResetIo extends CommandIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Asks a yes/no question on the terminal; undefined when there is no terminal. */
  readonly ask?: ((question: string) => Promise<boolean>) | undefined;
  readonly packageRoot?: string;
  /** Platform, environment and home of the per-user default; the real ones when absent. */
  readonly host?: Host;
}

/** The per-user default runtime, or null when there is none (no home directory). */
function perUserRuntime(host: Host): string | null {
  try {
    return defaultDataRoot(host);
  } catch {
    return null;
  }
}

const OPTIONS = {
  "data-root": { type: "string" },
  yes: { type: "boolean", short: "y" },
} as const;

interface ResetOptions {
  readonly dataRoot: string;
  readonly yes: boolean;
  readonly host: Host;
}

function parse({ values }: ParsedArgs<typeof OPTIONS>, io: ResetIo): ResetOptions {
  const given = values["data-root"];
  if (given !== undefined && given.trim() === "") throw new UsageError("--data-root is blank.", false);
  const host = io.host ?? currentHost(io.env);
  let dataRoot: string;
  try {
    dataRoot = given !== undefined ? resolve(io.cwd, given) : resolveDataRoot(io.env, io.cwd, host).path;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UsageError(error.message, false);
  }
  return { dataRoot, yes: values.yes === true, host };
}

async function resetCommand(options: ResetOptions, io: ResetIo): Promise<number> {
  const ask = io.ask;
  const confirm = options.yes
    ? undefined
    : async (plan: ResetPlan): Promise<boolean> => {
        if (ask === undefined) {
          throw new ResetRefused(
            `Pass --yes to reset ${plan.root} (there is no terminal to ask). Nothing was deleted.`,
          );
        }
        return ask(`Remove ${plan.removable.join(", ")} from ${plan.root}? [y/N] `);
      };
  const outcome = await resetRuntime(options.dataRoot, {
    ...(io.packageRoot === undefined ? {} : { packageRoot: io.packageRoot }),
    userRuntime: perUserRuntime(options.host),
    ...(confirm === undefined ? {} : { confirm }),
  });
  if (outcome.kind === "nothing") {
    io.stdout(`${outcome.message}\n`);
    return 0;
  }
  io.stdout(`Reset ${outcome.root}:\n${outcome.removed.map((n) => `  removed ${n}\n`).join("")}`);
  if (outcome.kept.length > 0) io.stdout(`  kept ${outcome.kept.join(", ")}\n`);
  io.stdout("The next server start initializes the runtime from the seed.\n");
  return 0;
}

const RESET: Command<typeof OPTIONS, ResetOptions, ResetIo> = {
  name: "reset",
  usage: USAGE,
  options: OPTIONS,
  parse,
  run: resetCommand,
  refusal: (error) => (error instanceof ResetRefused ? `reset: refused: ${error.message}` : undefined),
};

/** `reset ...`: returns the exit status (0 reset or nothing to reset, 1 refused, 2 usage error). */
export function runReset(argv: readonly string[], io: ResetIo): Promise<number> {
  return runCommand(RESET, argv, io);
}

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Runs reset with the process's arguments, streams and environment. */
export function main(argv: readonly string[]): Promise<number> {
  return runReset(argv, {
    ...PROCESS_IO,
    cwd: process.cwd(),
    env: process.env,
    ask: process.stdin.isTTY ? askOnTerminal : undefined,
  });
}

await runIfMain(import.meta.url, "reset", main);
