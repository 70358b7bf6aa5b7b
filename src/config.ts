import { resolve } from "node:path";
import { checkDatabaseUrl, redactUrl } from "./store/index.js";
import { BUNDLED, currentHost, defaultDataRoot, NoUserDataDirError, type Host } from "./paths.js";
import { TOOLSETS, type Toolset } from "./mcp/toolsets.js";

/**
 * chat: confirm:true from the model is enough (the reference behaviour).
 * elicit-when-available: clients that can show a form ask the human there; others use chat.
 * human-only: chat approvals are refused; the human uses the form or the reviewer CLI.
 */
export const APPROVAL_MODES = ["chat", "elicit-when-available", "human-only"] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

/** Where a location came from: its variable, or the default. */
export type Origin = "variable" | "default";
export type Location = "dataRoot" | "seedFile" | "knowledgeRoot" | "workspaceFile" | "teamsFile";

export interface Config {
  readonly dataRoot: string;
  readonly seedFile: string;
  readonly knowledgeRoot: string;
  /** The workspace file (TRIAGE_CONFIG); the bundled one when absent. */
  readonly workspaceFile?: string;
  /** Minutes per approval in the metrics (TRIAGE_MINUTES_SAVED); the workspace's when absent. */
  readonly minutesSaved?: number;
  /** A teams file (TRIAGE_TEAMS_FILE) that replaces the workspace's teams section. */
  readonly teamsFile?: string;
  /** TRIAGE_READ_ONLY=1: only read tools are listed and served. */
  readonly readOnly?: boolean;
  /** TRIAGE_TOOLSETS: the groups of tools served; every toolset when absent. */
  readonly toolsets?: readonly Toolset[];
  /** TRIAGE_KEEP_UNKNOWN_VALUES=1: start although stored tickets carry values the workspace lacks. */
  readonly keepUnknownValues?: boolean;
  /** How approvals reach the server; see SECURITY.md. Optional so tests can leave it out. */
  readonly approvalMode?: ApprovalMode;
  /** Security-routed tickets need the form (elicitation) or the reviewer CLI, never chat. */
  readonly securityNeedsHumanChannel?: boolean;
  /** TRIAGE_DATABASE_URL: the PostgreSQL store instead of the runtime directory's files. */
  readonly databaseUrl?: string;
  /** Which locations came from a variable, for the startup report; absent in hand-built configs. */
  readonly origins?: Readonly<Record<Location, Origin>>;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Every variable the server and its commands read: the README's and docs/clients.md's
 * configuration tables are generated from this list (`npm run docs`).
 */
export const CONFIG_VARIABLES: readonly {
  readonly names: readonly string[];
  readonly default: string;
  readonly meaning: string;
}[] = [
  {
    names: ["TRIAGE_DATA_ROOT"],
    default:
      "the per-user runtime: `$XDG_DATA_HOME/support-triage-mcp/runtime` (else `~/.local/share/...`) on Linux, `~/Library/Application Support/support-triage-mcp/runtime` on macOS, `%LOCALAPPDATA%\\support-triage-mcp\\runtime` on Windows",
    meaning:
      "runtime state: tickets, recommendations, the audit log; created on first start. The reviewer, handoffs, import, reset and audit:verify commands default to the same directory",
  },
  {
    names: ["TRIAGE_DATABASE_URL"],
    default: "unset: the runtime directory",
    meaning:
      "`postgres://USER:PASSWORD@HOST:PORT/DATABASE` (TLS: `?sslmode=verify-full&sslrootcert=FILE`): keep tickets, recommendations and the audit log in PostgreSQL, shared by every server pointed at it (docs/postgres.md). An empty database is set up and seeded on first start",
  },
  {
    names: ["TRIAGE_SEED_FILE"],
    default: "the bundled `data/seed/tickets.json`",
    meaning:
      "tickets copied into an empty runtime on first start (never again); a `<name>.epoch.json` beside it shifts their times to the present",
  },
  {
    names: ["TRIAGE_KNOWLEDGE_ROOT"],
    default: "the bundled `data/knowledge`",
    meaning:
      "knowledge articles, one Markdown file each (front matter `id`, `title`, `tags`); a directory that does not exist stops the server at startup",
  },
  {
    names: ["TRIAGE_CONFIG"],
    default: "the bundled `data/workspace.json`",
    meaning:
      "the workspace file (JSON or YAML): categories, priorities, statuses, teams, plans and response targets, routing, escalation thresholds, approvable fields; checked at startup (`config check` without starting)",
  },
  {
    names: ["TRIAGE_KEEP_UNKNOWN_VALUES"],
    default: "unset",
    meaning:
      "`1`: start although stored tickets carry a team, category, priority or status the workspace no longer has (they keep it); without it the server refuses until the workspace's `renames` map them",
  },
  {
    names: ["TRIAGE_READ_ONLY"],
    default: "unset",
    meaning: "`1`: list and serve only read tools; every other tool is refused with the reason",
  },
  {
    names: ["TRIAGE_TOOLSETS"],
    default: "every toolset",
    meaning: `comma-separated toolsets to serve (${TOOLSETS.join(", ")}); an unknown name stops the server`,
  },
  {
    names: ["TRIAGE_TEAMS_FILE"],
    default: "unset: the workspace's teams",
    meaning:
      'a teams file (`{"teams": [...]}`) that replaces the workspace\'s `teams` section; kept for existing setups, prefer the workspace file',
  },
  {
    names: ["TRIAGE_MINUTES_SAVED"],
    default: "the workspace's `metrics.minutesSavedPerApproval` (`8` bundled)",
    meaning:
      "minutes counted per approved recommendation in the metrics (finite, >= 0); overrides the workspace",
  },
  {
    names: ["TRIAGE_APPROVAL_MODE"],
    default: "`elicit-when-available`",
    meaning:
      "`chat` (confirm: true is enough), `elicit-when-available` (a form in the client when it supports one), `human-only` (chat approvals refused)",
  },
  {
    names: ["TRIAGE_SECURITY_APPROVAL"],
    default: "`any`",
    meaning: "`human`: tickets routed to security can only be approved through the form or the reviewer CLI",
  },
  {
    names: ["TRIAGE_WEBHOOKS", "TRIAGE_WEBHOOKS_FILE"],
    default: "none",
    meaning:
      'for `handoffs deliver`: JSON `{"security": "https://...", "*": "https://..."}` mapping teams to webhook URLs',
  },
];

const DEFAULTS = {
  TRIAGE_APPROVAL_MODE: "elicit-when-available",
  TRIAGE_SECURITY_APPROVAL: "any",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** A variable's value; undefined when unset. Set but blank is an error, never the default. */
function given(env: Env, name: string, defaultText: string): string | undefined {
  const value = env[name];
  if (value !== undefined && value.trim() === "") {
    throw new ConfigError(
      `${name} is set but blank. Unset it to use the default (${defaultText}) or give a value.`,
    );
  }
  return value;
}

function read(env: Env, name: keyof typeof DEFAULTS): string {
  return given(env, name, DEFAULTS[name]) ?? DEFAULTS[name];
}

/**
 * The runtime directory: TRIAGE_DATA_ROOT (relative to `cwd`), else the per-user default. The
 * one place every command gets it from.
 */
export function resolveDataRoot(
  env: Env,
  cwd: string,
  host: Host = currentHost(env),
): { readonly path: string; readonly origin: Origin } {
  const value = given(env, "TRIAGE_DATA_ROOT", "the per-user runtime directory");
  if (value !== undefined) return { path: resolve(cwd, value), origin: "variable" };
  try {
    return { path: defaultDataRoot(host), origin: "default" };
  } catch (error) {
    if (error instanceof NoUserDataDirError) throw new ConfigError(error.message);
    throw error;
  }
}

/** A bundled file or directory, or the variable's path resolved from `cwd`. */
function located(env: Env, cwd: string, name: string, bundled: string): { path: string; origin: Origin } {
  const value = given(env, name, bundled);
  return value === undefined
    ? { path: bundled, origin: "default" }
    : { path: resolve(cwd, value), origin: "variable" };
}

/**
 * Environment variables of the contract. Paths given in variables resolve from the working
 * directory; unset, the runtime is the per-user directory and the data is the package's own.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd(), host?: Host): Config {
  const minutesRaw = given(env, "TRIAGE_MINUTES_SAVED", "the workspace's metrics.minutesSavedPerApproval");
  const minutesSaved = minutesRaw === undefined ? undefined : Number(minutesRaw);
  if (minutesSaved !== undefined && (!Number.isFinite(minutesSaved) || minutesSaved < 0)) {
    throw new ConfigError(
      `TRIAGE_MINUTES_SAVED must be a finite number >= 0 (minutes saved per approved recommendation), got "${minutesRaw}".`,
    );
  }
  const approvalMode = read(env, "TRIAGE_APPROVAL_MODE");
  if (!(APPROVAL_MODES as readonly string[]).includes(approvalMode)) {
    throw new ConfigError(
      `TRIAGE_APPROVAL_MODE must be one of ${APPROVAL_MODES.join(", ")}, got "${approvalMode}".`,
    );
  }
  const securityApproval = read(env, "TRIAGE_SECURITY_APPROVAL");
  if (securityApproval !== "any" && securityApproval !== "human") {
    throw new ConfigError(
      `TRIAGE_SECURITY_APPROVAL must be "any" (every channel) or "human" (security-routed tickets need the form or the reviewer CLI), got "${securityApproval}".`,
    );
  }
  const dataRoot = resolveDataRoot(env, cwd, host);
  const databaseUrl = given(env, "TRIAGE_DATABASE_URL", "the runtime directory");
  const badUrl = databaseUrl === undefined ? undefined : checkDatabaseUrl(databaseUrl);
  if (badUrl !== undefined) throw new ConfigError(badUrl);
  const seedFile = located(env, cwd, "TRIAGE_SEED_FILE", BUNDLED.seedFile);
  const knowledgeRoot = located(env, cwd, "TRIAGE_KNOWLEDGE_ROOT", BUNDLED.knowledgeRoot);
  const workspaceFile = located(env, cwd, "TRIAGE_CONFIG", BUNDLED.workspaceFile);
  const teamsValue = given(env, "TRIAGE_TEAMS_FILE", "the workspace's teams");
  const toolsets = toolsetsOf(given(env, "TRIAGE_TOOLSETS", "every toolset"));
  return {
    approvalMode: approvalMode as ApprovalMode,
    securityNeedsHumanChannel: securityApproval === "human",
    dataRoot: dataRoot.path,
    seedFile: seedFile.path,
    knowledgeRoot: knowledgeRoot.path,
    workspaceFile: workspaceFile.path,
    ...(teamsValue === undefined ? {} : { teamsFile: resolve(cwd, teamsValue) }),
    ...(minutesSaved === undefined ? {} : { minutesSaved }),
    readOnly: flag(env, "TRIAGE_READ_ONLY"),
    ...(toolsets === undefined ? {} : { toolsets }),
    keepUnknownValues: flag(env, "TRIAGE_KEEP_UNKNOWN_VALUES"),
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    origins: {
      dataRoot: dataRoot.origin,
      seedFile: seedFile.origin,
      knowledgeRoot: knowledgeRoot.origin,
      workspaceFile: workspaceFile.origin,
      teamsFile: teamsValue === undefined ? "default" : "variable",
    },
  };
}

/** A switch: unset or 0 is off, 1 is on; anything else is a mistake worth stopping for. */
function flag(env: Env, name: string): boolean {
  const value = given(env, name, "off")?.trim().toLowerCase();
  if (value === undefined || value === "0" || value === "false") return false;
  if (value === "1" || value === "true") return true;
  throw new ConfigError(`${name} must be 1 (on) or 0 (off), got "${env[name]}".`);
}

/** TRIAGE_TOOLSETS: comma-separated names; an unknown one stops the server with the valid names. */
function toolsetsOf(value: string | undefined): Toolset[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  const unknown = names.filter((n) => !(TOOLSETS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigError(
      `TRIAGE_TOOLSETS names ${unknown.length === 0 ? "no toolset" : `unknown toolset${unknown.length === 1 ? "" : "s"} ${unknown.map((n) => `"${n}"`).join(", ")}`}. ` +
        `Valid toolsets: ${TOOLSETS.join(", ")} (comma-separated), or unset it to serve them all.`,
    );
  }
  return [...new Set(names)] as Toolset[];
}

const DESCRIBED: readonly { key: Location; label: string; variable: string; fallback: string }[] = [
  { key: "dataRoot", label: "runtime", variable: "TRIAGE_DATA_ROOT", fallback: "the per-user default" },
  { key: "seedFile", label: "seed", variable: "TRIAGE_SEED_FILE", fallback: "bundled with the package" },
  {
    key: "knowledgeRoot",
    label: "knowledge",
    variable: "TRIAGE_KNOWLEDGE_ROOT",
    fallback: "bundled with the package",
  },
  {
    key: "workspaceFile",
    label: "workspace",
    variable: "TRIAGE_CONFIG",
    fallback: "bundled with the package",
  },
];

/** One line per location for the startup log: the path, and whether a variable or the default chose it. */
export function describeLocations(config: Config): string[] {
  const database =
    config.databaseUrl === undefined
      ? []
      : [`database: ${redactUrl(config.databaseUrl)} (from TRIAGE_DATABASE_URL)`];
  return [
    ...database,
    ...DESCRIBED.flatMap(({ key, label, variable, fallback }) => {
      const path = config[key];
      if (path === undefined) return [];
      const origin = config.origins?.[key];
      const why =
        origin === "variable"
          ? `from ${variable}`
          : origin === "default"
            ? `${fallback}; set ${variable} to change it`
            : "";
      return [`${label}: ${path}${why === "" ? "" : ` (${why})`}`];
    }),
    ...(config.teamsFile === undefined
      ? []
      : [`teams: ${config.teamsFile} (from TRIAGE_TEAMS_FILE, in place of the workspace's teams)`]),
  ];
}
