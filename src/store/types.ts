import type { DomainError } from "../domain/errors.js";
import type { AuditAction, AuditEvent, AuditEventDraft, TypedAuditEvent } from "../domain/audit-events.js";
import type { Recommendation, Ticket } from "../domain/schemas.js";
import type { Priority, Resolution, Category, SlaState, Status, Team } from "../domain/enums.js";
import type { QueueRules } from "../domain/workspace/index.js";
import type { HandoffState, HandoffStatus } from "../domain/handoffs.js";

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

export interface TicketFilter {
  readonly status?: Status | undefined;
  readonly category?: Category | undefined;
  readonly priority?: Priority | undefined;
  readonly team?: Team | undefined;
}

export interface PageRequest {
  readonly offset: number;
  readonly limit: number;
}

export interface RecommendationFilter {
  readonly ticketId?: string | undefined;
  readonly resolution?: Resolution | undefined;
}

export interface HandoffFilter {
  readonly status?: HandoffStatus | undefined;
  readonly ticketId?: string | undefined;
}

/** Read-only view of the committed state, as of the moment it is handed out. */
export interface StoreView {
  getTicket(id: string): Ticket | undefined;
  getRecommendation(id: string): Recommendation | undefined;
  /** Total number of tickets. */
  ticketCount(): number;
  /** Tickets in ascending id order (prefix, then number), filtered; `total` counts all matches. */
  listTickets(filter: TicketFilter, page: PageRequest): Page<Ticket>;
  /**
   * Counts of open tickets (a status `rules` does not mark closed): overall, untriaged, and per
   * value in use. The workspace says which statuses are closed; the store counts per status.
   */
  openTicketStats(rules: Pick<QueueRules, "closedStatuses">): OpenTicketStats;
  /**
   * Open tickets breached and at risk at `nowMs` (a Date's time), as slaStateOf judges them with
   * the rules' at-risk window; a ticket flagged breached counts once. O(statuses x log n).
   */
  slaCounts(nowMs: number, rules: QueueRules): SlaCounts;
  /**
   * Tickets of every status (closed included) whose slaStateOf at `nowMs` (with `atRiskWindowMs`)
   * is `state`, filtered, in ascending id order like listTickets; `total` counts all matches.
   */
  ticketsBySla(
    state: SlaState,
    nowMs: number,
    atRiskWindowMs: number,
    filter: TicketFilter,
    page: PageRequest,
  ): Page<Ticket>;
  /** Tickets in the order they entered the store (seed order, then creation). Index-stable. */
  ticketsByInsertion(from: number, to?: number): Ticket[];
  /** Ticket ids in insertion order, without reading the tickets. */
  ticketIdsByInsertion(): string[];
  /** Recommendations, oldest first. */
  listRecommendations(filter: RecommendationFilter, page: PageRequest): Page<Recommendation>;
  /** Counts of recommendations by resolution, and summed confidence, for metrics. */
  recommendationStats(): RecommendationStats;
  /** Pending recommendations of one ticket. */
  pendingRecommendationIds(ticketId: string): readonly string[];
  /**
   * The committed event whose `data.idempotency.key` is `key` (refusal events included), or
   * undefined. Keys are kept for the life of the runtime, across restarts.
   */
  idempotency(key: string): IdempotencyEntry | undefined;
  /**
   * 1 + the largest number among ticket ids `<prefix>-<digits>` (1 when there is none):
   * TKT-9 and TKT-0010 give 11. New ids are `<prefix>-<number>`, without padding.
   */
  nextTicketNumber(prefix: string): number;
  /** The ticket that carries `externalId` (imported tickets keep their helpdesk id). */
  ticketIdByExternalId(externalId: string): string | undefined;
  /** Seq of the `tickets-imported` event that imported a source file with this sha256. */
  importedSource(sha256: string): number | undefined;
  /** The last `workspace-applied` event (seq and the workspace file's sha256), if any. */
  workspaceApplied(): { readonly seq: number; readonly sha256: string } | undefined;
  /** A handoff of the outbox, with its delivery status and attempts. */
  getHandoff(id: string): HandoffState | undefined;
  /** Handoffs, oldest first (in the order approvals created them), filtered. */
  listHandoffs(filter: HandoffFilter, page: PageRequest): Page<HandoffState>;
  /** Sequence number of the last committed event (0 after initialization). */
  readonly lastSeq: number;
  /** Changes whenever the runtime is replaced underneath us (reset), so derived indexes rebuild. */
  readonly generation: number;
}

/** Open tickets (status not closed); a field value with no open ticket is absent. */
export interface OpenTicketStats {
  readonly open: number;
  /** Open tickets missing a category, a priority or a team. */
  readonly untriaged: number;
  readonly byCategory: Record<string, number>;
  readonly byPriority: Record<string, number>;
  readonly byTeam: Record<string, number>;
}

export interface SlaCounts {
  readonly breached: number;
  readonly atRisk: number;
}

/** Where an idempotency key was used: its event, and the payload hash recorded with it. */
export interface IdempotencyEntry {
  readonly seq: number;
  readonly action: AuditAction;
  readonly payloadHash: string;
}

export interface RecommendationStats {
  readonly submitted: number;
  readonly pending: number;
  readonly approved: number;
  readonly rejected: number;
  readonly confidenceSum: number;
  /** Submitted recommendations that required escalation. */
  readonly escalated: number;
  /** Per escalation reason (every reason present, 0 when unused), plus `total` = `escalated`. */
  readonly escalationCounts: Readonly<Record<string, number>>;
}

/**
 * What a transaction body returns: an event to commit (with a result for the caller), a
 * refusal, a value when nothing needs committing (the lock is released, nothing is appended and
 * `value` is returned), or the replay of a committed event (an idempotent retry): the store reads
 * event `replay`, parses its data and returns what `answer` makes of it (`answer` may throw a
 * DomainError to repeat a refusal). A body never reads audit events itself: a store may have to
 * fetch them asynchronously. A refusal may carry an event too (for example `approval-rejected`),
 * which is committed before the error is thrown to the caller.
 */
export type TxOutcome<T> =
  | { readonly event: AuditEventDraft; readonly result: (committed: AuditEvent) => T }
  | { readonly refusal: DomainError; readonly event?: AuditEventDraft }
  | { readonly value: T }
  | { readonly replay: number; readonly answer: (original: TypedAuditEvent) => T };

/**
 * A batch written for a `tickets-imported` event (a file under imports/, or a row of a database
 * store's batch table, named the same way): its `data.batch`.
 */
export interface StagedImportBatch {
  /** `imports/<name>.json` (for the file store, relative to the runtime directory). */
  readonly file: string;
  readonly sha256: string;
  readonly count: number;
}

/**
 * What an import transaction body returns: the tickets to import (ids assigned against this
 * view) with a function building the event from the staged batch, or, like any transaction,
 * a refusal or a plain value (a re-import of a source already imported, say).
 */
export type ImportTxOutcome<T> =
  | TxOutcome<T>
  | {
      readonly tickets: readonly Ticket[];
      readonly draft: (batch: StagedImportBatch) => AuditEventDraft;
      readonly result: (committed: AuditEvent) => T;
    };

/** How fresh refresh() makes the view: see TriageStore.refresh. */
export type Freshness = "latest" | "notified";

export interface TriageStore {
  /** The runtime directory (the file store's; a database store keeps the configured one for its callers). */
  readonly dataRoot: string;
  /** The database a database store uses, as a URL without its password; undefined for the file store. */
  readonly database?: string | undefined;
  /**
   * The committed state as of the last catch-up. The file store catches up on every call (a
   * stat); a store whose events live elsewhere catches up in refresh(), which every entry point
   * calls at the start of a request, and on its own between requests.
   */
  view(): StoreView;
  /**
   * Catches up with other processes' commits. "latest" (the default) sees every event committed
   * by any process before this call. "notified" is what a request boundary asks for: a store that
   * is told of other processes' commits (PostgreSQL's LISTEN/NOTIFY) may skip the round trip while
   * that channel is up and has told it of nothing new; writes never rely on it (a commit always
   * checks the latest state under the commit lock).
   */
  refresh(freshness?: Freshness): Promise<void>;
  /** Audit events as stored, oldest first; filtered by ticket when `ticketId` is given. */
  listAuditEvents(
    filter: { readonly ticketId?: string | undefined },
    page: PageRequest,
  ): Promise<Page<AuditEvent>>;
  /** The audit event with sequence number `seq`, read back and validated; undefined if there is none. */
  getAuditEvent(seq: number): Promise<AuditEvent | undefined>;
  /**
   * Runs `body` under the cross-process lock against fully caught-up state, then commits its
   * event atomically (all of its effects or none of them) and durably before resolving.
   */
  transact<T>(body: (view: StoreView) => TxOutcome<T>): Promise<T>;
  /**
   * An import as one transaction: under the lock, `body(view)` returns the tickets; the store
   * writes them to a batch file under imports/ (fsynced), then commits the `tickets-imported`
   * event built by `draft(batch)`. All of the tickets or none of them; a batch that was not
   * committed is removed. The way to import: ids are assigned against caught-up state.
   */
  transactImport<T>(body: (view: StoreView) => ImportTxOutcome<T>): Promise<T>;
  /**
   * Lower level: writes `tickets` (validated) to a new batch file and fsyncs it, outside any
   * transaction; commit it with `transact` (`data.batch` = the result), or discard it. A batch
   * whose writer is alive is kept for a minute at least; after that, or once the writer is
   * gone, an uncommitted batch is removed by recovery.
   */
  stageImportBatch(tickets: readonly Ticket[]): Promise<StagedImportBatch>;
  /** Removes a staged batch that will not be committed; false (kept) if an event uses it. */
  discardImportBatch(batch: StagedImportBatch): Promise<boolean>;
  close(): Promise<void>;
}
