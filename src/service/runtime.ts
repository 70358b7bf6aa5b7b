import { openKnowledge } from "./knowledge.js";
import { loadSeed } from "./seed.js";
import { TriageService } from "./triage-service.js";
import { ApprovalService } from "./approval-service.js";
import { IntakeService } from "./intake-service.js";
import { HandoffService } from "./handoff-service.js";
import { QueueService } from "./queue-service.js";
import type { TeamDirectory } from "./teams.js";
import { loadWorkspace, type LoadedWorkspace } from "./workspace.js";
import { applyWorkspace, UnknownStoredValuesError } from "./workspace-apply.js";
import { describeUnknownValue, unknownValuesIn } from "./stored-values.js";
import type { Config } from "../config.js";
import type { Workspace } from "../domain/workspace/index.js";
import type { Logger } from "../logging.js";
import { BUNDLED } from "../paths.js";
import { TicketIndex } from "../domain/similarity/ticket-index.js";
import { openFileStore, openPostgresStore, type TriageStore } from "../store/index.js";

/** The bundled workspace's hash: what a runtime from before workspace files ran with. */
function bundledHash(loaded: LoadedWorkspace): string {
  if (loaded.file === BUNDLED.workspaceFile && loaded.teamsFile === undefined) return loaded.sha256;
  return loadWorkspace().sha256;
}

export interface Triage {
  readonly service: TriageService;
  /** The approval decision every channel goes through, and the review packet. */
  readonly approvals: ApprovalService;
  readonly intake: IntakeService;
  readonly handoffs: HandoffService;
  /** The queue as the reviewer desk shows it: the filtered ticket list, SLA by team, sources. */
  readonly queue: QueueService;
  readonly teams: TeamDirectory;
  /** The workspace the runtime was opened with (TRIAGE_CONFIG), immutable. */
  readonly workspace: Workspace;
  /** Where it came from and its hash. */
  readonly loaded: LoadedWorkspace;
  readonly store: TriageStore;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly clock?: () => Date;
  readonly newId?: () => string;
  /** A database store: LISTEN for other servers' commits between requests (default true). */
  readonly listen?: boolean;
  /** Open a store that exists; never initialize one from the seed (maintenance commands). */
  readonly existing?: boolean;
  /** An already loaded workspace (the caller checked it); read from the config when absent. */
  readonly workspace?: LoadedWorkspace;
}

/**
 * Opens the runtime: initializes it from the seed on first start (never again), loads the
 * knowledge articles (a bad article is skipped with a warning; a missing directory is refused)
 * and wires the service.
 */
export async function openTriage(config: Config, logger: Logger, options: OpenOptions = {}): Promise<Triage> {
  const clock = options.clock ?? (() => new Date());
  // Configuration files first: a bad one must not leave a half-opened runtime behind.
  const loaded =
    options.workspace ?? loadWorkspace({ file: config.workspaceFile, teamsFile: config.teamsFile });
  const workspace = loaded.workspace;
  const knowledge = openKnowledge(config.knowledgeRoot, logger);
  const common = {
    dataRoot: config.dataRoot,
    seed: () => {
      const seed = loadSeed(config.seedFile, clock());
      // Checked before anything is made from it: values the workspace lacks and does not rename.
      const unknown = unknownValuesIn(seed.tickets, workspace).filter((v) => v.renamedTo === undefined);
      if (unknown.length > 0 && config.keepUnknownValues !== true)
        throw new UnknownStoredValuesError(loaded.file, unknown, config.seedFile);
      // loadSeed validated the file: the store skips its identical check.
      // The workspace the runtime starts with is recorded in its first event (seed metadata).
      const initial = { workspace: { sha256: loaded.sha256, name: workspace.name } };
      return { tickets: seed.tickets, metadata: { ...seed.metadata, ...initial }, validated: true };
    },
    logger,
    ...(options.newId === undefined ? {} : { newId: options.newId }),
  };
  const store: TriageStore =
    config.databaseUrl === undefined
      ? await openFileStore(common)
      : await openPostgresStore({
          ...common,
          url: config.databaseUrl,
          existing: options.existing,
          listen: options.listen,
        });
  try {
    const applied = await applyWorkspace(store, loaded, {
      keepUnknownValues: config.keepUnknownValues,
      clock,
      baselineSha256: bundledHash(loaded),
      warn: (m) => logger.warn(m),
    });
    for (const v of applied.kept) {
      logger.warn(`kept (TRIAGE_KEEP_UNKNOWN_VALUES=1), not in the workspace: ${describeUnknownValue(v)}`);
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  const service = new TriageService({
    store,
    knowledge,
    createSimilarityIndex: () => new TicketIndex(),
    workspace,
    clock,
    ...(config.minutesSaved === undefined ? {} : { minutesSaved: config.minutesSaved }),
    ...(config.approvalMode === undefined ? {} : { approvalMode: config.approvalMode }),
    ...(config.securityNeedsHumanChannel === undefined
      ? {}
      : { securityNeedsHumanChannel: config.securityNeedsHumanChannel }),
    ...(options.newId === undefined ? {} : { newId: options.newId }),
  });
  const intake = new IntakeService({
    store,
    workspace,
    clock,
    duplicates: (text, k, excludeId) => service.similarToText(text, k, excludeId),
    logger,
    ...(options.newId === undefined ? {} : { newId: options.newId }),
  });
  const handoffs = new HandoffService({ store, clock });
  const approvals = new ApprovalService({ triage: service, store, clock });
  const queue = new QueueService({ store, clock, workspace });
  return {
    service,
    approvals,
    intake,
    handoffs,
    queue,
    store,
    teams: service.teams,
    workspace,
    loaded,
    close: () => store.close(),
  };
}
