import { resolve } from "node:path";

export interface Config {
  readonly dataRoot: string;
  readonly seedFile: string;
  readonly knowledgeRoot: string;
  readonly minutesSaved: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const DEFAULTS = {
  TRIAGE_DATA_ROOT: "data/runtime",
  TRIAGE_SEED_FILE: "data/seed/tickets.json",
  TRIAGE_KNOWLEDGE_ROOT: "data/knowledge",
  TRIAGE_MINUTES_SAVED: "8",
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
  return {
    dataRoot: resolve(cwd, read(env, "TRIAGE_DATA_ROOT")),
    seedFile: resolve(cwd, read(env, "TRIAGE_SEED_FILE")),
    knowledgeRoot: resolve(cwd, read(env, "TRIAGE_KNOWLEDGE_ROOT")),
    minutesSaved,
  };
}
