import { resolve } from "node:path";

/**
 * chat: confirm:true from the model is enough (the reference behaviour).
 * elicit-when-available: clients that can show a form ask the human there; others use chat.
 * human-only: chat approvals are refused; the human uses the form or the reviewer CLI.
 */
export const APPROVAL_MODES = ["chat", "elicit-when-available", "human-only"] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

export interface Config {
  readonly dataRoot: string;
  readonly seedFile: string;
  readonly knowledgeRoot: string;
  readonly minutesSaved: number;
  /** Teams, members and channels; optional so tests can leave it out (the bundled file is used). */
  readonly teamsFile?: string;
  /** How approvals reach the server; see SECURITY.md. Optional so tests can leave it out. */
  readonly approvalMode?: ApprovalMode;
  /** Security-routed tickets need the form (elicitation) or the reviewer CLI, never chat. */
  readonly securityNeedsHumanChannel?: boolean;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const DEFAULTS = {
  TRIAGE_DATA_ROOT: "data/runtime",
  TRIAGE_SEED_FILE: "data/seed/tickets.json",
  TRIAGE_KNOWLEDGE_ROOT: "data/knowledge",
  TRIAGE_TEAMS_FILE: "data/teams.json",
  TRIAGE_MINUTES_SAVED: "8",
  TRIAGE_APPROVAL_MODE: "elicit-when-available",
  TRIAGE_SECURITY_APPROVAL: "any",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function read(env: Env, name: keyof typeof DEFAULTS): string {
  const value = env[name];
  if (value === undefined) return DEFAULTS[name];
  if (value.trim() === "") {
    throw new ConfigError(
      `${name} is set but blank. Unset it to use the default (${DEFAULTS[name]}) or give a value.`,
    );
  }
  return value;
}

/** Environment variables of the contract; paths resolve from the working directory. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const minutesRaw = read(env, "TRIAGE_MINUTES_SAVED");
  const minutesSaved = Number(minutesRaw);
  if (!Number.isFinite(minutesSaved) || minutesSaved < 0) {
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
  return {
    approvalMode: approvalMode as ApprovalMode,
    securityNeedsHumanChannel: securityApproval === "human",
    dataRoot: resolve(cwd, read(env, "TRIAGE_DATA_ROOT")),
    seedFile: resolve(cwd, read(env, "TRIAGE_SEED_FILE")),
    knowledgeRoot: resolve(cwd, read(env, "TRIAGE_KNOWLEDGE_ROOT")),
    // Unset: data/teams.json in the working directory if present, else the bundled file.
    ...(env.TRIAGE_TEAMS_FILE === undefined
      ? {}
      : { teamsFile: resolve(cwd, read(env, "TRIAGE_TEAMS_FILE")) }),
    minutesSaved,
  };
}
