import { openKnowledge } from "./knowledge.js";
import { loadSeed } from "./seed.js";
import { TriageService } from "./triage-service.js";
import { ApprovalService } from "./approval-service.js";
import { IntakeService } from "./intake-service.js";
import { HandoffService } from "./handoff-service.js";
import { QueueService } from "./queue-service.js";
import { loadTeams, type TeamDirectory } from "./teams.js";
import type { Config } from "../config.js";
import type { Logger } from "../logging.js";
import { BUNDLED } from "../paths.js";
import { TicketIndex } from "../domain/similarity/ticket-index.js";
import { openFileStore, openPostgresStore, type TriageStore } from "../store/index.js";

export interface Triage {
  readonly service: TriageService;
  /** The approval decision every channel goes through, and the review packet. */
  readonly approvals: ApprovalService;
  readonly intake: IntakeService;
  readonly handoffs: HandoffService;
  /** The queue as the reviewer desk shows it: the filtered ticket list, SLA by team, sources. */
  readonly queue: QueueService;
  readonly teams: TeamDirectory;
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
}

/**
 * Opens the runtime: initializes it from the seed on first start (never again), loads the
 * knowledge articles (a bad article is skipped with a warning; a missing directory is refused)
 * and wires the service.
 */
export async function openTriage(config: Config, logger: Logger, options: OpenOptions = {}): Promise<Triage> {
  const clock = options.clock ?? (() => new Date());
  // Configuration files first: a bad one must not leave a half-opened runtime behind.
  const teams = loadTeams(config.teamsFile ?? BUNDLED_TEAMS_FILE);
  const knowledge = openKnowledge(config.knowledgeRoot, logger);
  const common = {
    dataRoot: config.dataRoot,
    seed: () => {
      const seed = loadSeed(config.seedFile, clock());
      // loadSeed validated the file: the store skips its identical check.
      return { tickets: seed.tickets, metadata: seed.metadata, validated: true };
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
  const service = new TriageService({
    store,
    knowledge,
    createSimilarityIndex: () => new TicketIndex(),
    teams,
    clock,
    minutesSaved: config.minutesSaved,
    ...(config.approvalMode === undefined ? {} : { approvalMode: config.approvalMode }),
    ...(config.securityNeedsHumanChannel === undefined
      ? {}
      : { securityNeedsHumanChannel: config.securityNeedsHumanChannel }),
    ...(options.newId === undefined ? {} : { newId: options.newId }),
  });
  const intake = new IntakeService({
    store,
    clock,
    duplicates: (text, k, excludeId) => service.similarToText(text, k, excludeId),
    logger,
    ...(options.newId === undefined ? {} : { newId: options.newId }),
  });
  const handoffs = new HandoffService({ store, clock });
  const approvals = new ApprovalService({ triage: service, store, clock });
  const queue = new QueueService({ store, clock });
  return { service, approvals, intake, handoffs, queue, store, teams, close: () => store.close() };
}

/** The bundled teams file, next to the package's data (works from src/ and from dist/). */
export const BUNDLED_TEAMS_FILE = BUNDLED.teamsFile;
