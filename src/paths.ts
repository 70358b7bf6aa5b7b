// Where things live when nothing is configured. Bundled data (seed, epoch file, knowledge, the
// workspace file) resolves from the installed package, found from this module's own location, never from
// the working directory: clients such as Claude Desktop start servers in a directory of their
// own choosing. The runtime defaults to a per-user data directory, so every client, and every
// maintenance command, finds the same one wherever it was started.
import { homedir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const APP_NAME = "support-triage-mcp";

/** The package root: this module is src/paths.ts (through tsx) or dist/paths.js (built). */
export const PACKAGE_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** The data files published with the package. */
export const BUNDLED = {
  seedFile: path.join(PACKAGE_ROOT, "data", "seed", "tickets.json"),
  knowledgeRoot: path.join(PACKAGE_ROOT, "data", "knowledge"),
  workspaceFile: path.join(PACKAGE_ROOT, "data", "workspace.json"),
} as const;

/** What the per-user directory depends on; injected by tests. */
export interface Host {
  readonly platform: NodeJS.Platform;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
}

export function currentHost(env: Readonly<Record<string, string | undefined>> = process.env): Host {
  let home = "";
  try {
    home = homedir();
  } catch {
    // No home directory (a system account): userDataDir says what to set instead.
  }
  return { platform: process.platform, env, homedir: home };
}

/** Why there is no per-user directory; the caller turns it into its own error. */
export class NoUserDataDirError extends Error {
  override readonly name = "NoUserDataDirError";
}

function absolute(value: string | undefined, p: typeof path.posix): string | undefined {
  return value !== undefined && value.trim() !== "" && p.isAbsolute(value) ? value : undefined;
}

/**
 * The package's per-user data directory, by each platform's convention: `$XDG_DATA_HOME` (an
 * absolute path, else `~/.local/share`) on Linux and other Unixes, `~/Library/Application Support`
 * on macOS, `%LOCALAPPDATA%` (else `~\AppData\Local`) on Windows; then `support-triage-mcp`.
 */
export function userDataDir(host: Host): string {
  const p = host.platform === "win32" ? path.win32 : path.posix;
  const home = absolute(host.homedir, p);
  const fromHome = (...parts: string[]): string => {
    if (home === undefined) {
      throw new NoUserDataDirError(
        "there is no home directory to hold the per-user runtime (HOME is not set). Set TRIAGE_DATA_ROOT to the runtime directory.",
      );
    }
    return p.join(home, ...parts);
  };
  switch (host.platform) {
    case "win32":
      return p.join(absolute(host.env.LOCALAPPDATA, p) ?? fromHome("AppData", "Local"), APP_NAME);
    case "darwin":
      return fromHome("Library", "Application Support", APP_NAME);
    default:
      // XDG Base Directory: a relative XDG_DATA_HOME is invalid and ignored.
      return p.join(absolute(host.env.XDG_DATA_HOME, p) ?? fromHome(".local", "share"), APP_NAME);
  }
}

/** The runtime directory used when TRIAGE_DATA_ROOT is not set. */
export function defaultDataRoot(host: Host): string {
  return (host.platform === "win32" ? path.win32 : path.posix).join(userDataDir(host), "runtime");
}

/** Quotes a path or word for a shell when it needs it (POSIX shells, PowerShell and cmd alike). */
function shellWord(word: string): string {
  if (/^[\w@%+=:,./\\-]+$/.test(word)) return word;
  if (!/["$`!\\]/.test(word)) return `"${word}"`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The reviewer CLI for the runtime `dataRoot`, as a command that runs this very package: the
 * absolute path of the built entry (or, from the sources, npm inside this checkout). Never
 * `npx support-triage-mcp`, which outside the checkout would fetch whatever a registry holds
 * under that name.
 */
export function reviewCommand(dataRoot: string, moduleUrl: string = import.meta.url): string {
  const root = fileURLToPath(new URL("../", moduleUrl));
  const data = ["--data-root", shellWord(dataRoot)].join(" ");
  if (moduleUrl.endsWith(".ts")) {
    return `npm --prefix ${shellWord(path.resolve(root))} run review -- ${data}`;
  }
  return `node ${shellWord(path.join(root, "dist", "index.js"))} review ${data}`;
}

/** The operator's runbook (verify, find the damage, restore), as a path in this package. */
export const RUNBOOK = path.join(PACKAGE_ROOT, "docs", "runbook.md");
