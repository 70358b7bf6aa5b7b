import { UsageError } from "./command.js";
import { existsSync } from "node:fs";
import { ConfigError, loadConfig } from "../config.js";
import type { Logger } from "../logging.js";
import type { Workspace } from "../domain/workspace/index.js";
import { openTriage, type Triage } from "../service/runtime.js";
import { loadWorkspace, WorkspaceError, type LoadedWorkspace } from "../service/workspace.js";
import { UnknownStoredValuesError } from "../service/workspace-apply.js";
import { layoutOf } from "../store/index.js";

/** What a maintenance CLI needs to open the runtime a server uses. */
export interface OpenRuntimeIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Warnings and errors of the store, prefixed with the command's name. */
  readonly stderr: (text: string) => void;
}

/**
 * Opens an existing runtime for a CLI (review, handoffs; on the database when TRIAGE_DATABASE_URL
 * is set): `dataRoot` when given, else the
 * configured one. Configuration problems and a directory that is not a runtime are usage errors:
 * opening an empty directory would initialize a new runtime from the seed, which a maintenance
 * command must never do.
 */
export async function openExistingRuntime(
  name: string,
  dataRoot: string | undefined,
  io: OpenRuntimeIo,
  /** Checks of the command's own configuration against the workspace, before anything is opened. */
  prepare?: (workspace: Workspace) => void,
): Promise<Triage> {
  let config;
  try {
    const env = dataRoot === undefined ? io.env : { ...io.env, TRIAGE_DATA_ROOT: dataRoot };
    config = loadConfig(env, io.cwd);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  let loaded: LoadedWorkspace;
  try {
    loaded = loadWorkspace({ file: config.workspaceFile, teamsFile: config.teamsFile });
  } catch (error) {
    if (error instanceof WorkspaceError) throw new UsageError(error.message);
    throw error;
  }
  prepare?.(loaded.workspace);
  if (config.databaseUrl === undefined && !existsSync(layoutOf(config.dataRoot).manifest)) {
    throw new UsageError(
      `${config.dataRoot} is not a triage runtime (no store.json). Pass the directory the server uses, with ` +
        `--data-root or TRIAGE_DATA_ROOT.`,
    );
  }
  // Routine store notices would drown the command's output; warnings and errors still show.
  const logger: Logger = {
    info: () => undefined,
    warn: (m) => io.stderr(`${name}: warning: ${m}\n`),
    error: (m) => io.stderr(`${name}: error: ${m}\n`),
  };
  // A database store is opened as it is: one that was never initialized is refused, not seeded.
  try {
    return await openTriage(config, logger, { workspace: loaded, existing: true });
  } catch (error) {
    if (error instanceof UnknownStoredValuesError) throw new UsageError(error.message);
    throw error;
  }
}
