import { existsSync } from "node:fs";
import { ConfigError, loadConfig } from "../config.js";
import type { Logger } from "../logging.js";
import { openTriage, type Triage } from "../service/runtime.js";
import { layoutOf } from "../store/index.js";

/** What a maintenance CLI needs to open the runtime a server uses. */
export interface OpenRuntimeRequest {
  readonly dataRoot: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The command's name, prefixed to warnings and errors on stderr. */
  readonly name: string;
  readonly stderr: (text: string) => void;
  /** Builds the command's own usage error (exit 2). */
  readonly usageError: (message: string) => Error;
}

/**
 * Opens an existing runtime for a CLI (review, handoffs). Configuration problems and a directory
 * that is not a runtime are usage errors: opening an empty directory would initialize a new
 * runtime from the seed, which a maintenance command must never do.
 */
export async function openExistingRuntime(request: OpenRuntimeRequest): Promise<Triage> {
  let config;
  try {
    const env =
      request.dataRoot === undefined ? request.env : { ...request.env, TRIAGE_DATA_ROOT: request.dataRoot };
    config = loadConfig(env, request.cwd);
  } catch (error) {
    if (error instanceof ConfigError) throw request.usageError(error.message);
    throw error;
  }
  if (!existsSync(layoutOf(config.dataRoot).manifest)) {
    throw request.usageError(
      `${config.dataRoot} is not a triage runtime (no store.json). Pass the directory the server uses, with ` +
        `--data-root or TRIAGE_DATA_ROOT.`,
    );
  }
  // Routine store notices would drown the command's output; warnings and errors still show.
  const logger: Logger = {
    info: () => undefined,
    warn: (m) => request.stderr(`${request.name}: warning: ${m}\n`),
    error: (m) => request.stderr(`${request.name}: error: ${m}\n`),
  };
  return openTriage(config, logger);
}
