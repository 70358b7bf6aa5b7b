import type { DomainError } from "../domain/errors.js";
import type { AuditAction, AuditEvent, AuditEventDraft, Recommendation, Ticket } from "../domain/schemas.js";
import type { Priority, Resolution, Category, Status, Team } from "../domain/enums.js";

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

/** Read-only view of the committed state, as of the moment it is handed out. */
export interface StoreView {
  getTicket(id: string): Ticket | undefined;
  getRecommendation(id: string): Recommendation | undefined;
  /** Total number of tickets. */
  ticketCount(): number;
  /** Tickets in ascending id order (prefix, then number), filtered; `total` counts all matches. */
  listTickets(filter: TicketFilter, page: PageRequest): Page<Ticket>;
  /** Tickets in the order they entered the store (seed order, then creation). Index-stable. */
  ticketsByInsertion(from: number, to?: number): Ticket[];
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
  /** Sequence number of the last committed event (0 after initialization). */
  readonly lastSeq: number;
  /** Changes whenever the runtime is replaced underneath us (reset), so derived indexes rebuild. */
  readonly generation: number;
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
 * refusal, or a value when nothing needs committing (an idempotent retry, say): the lock is
 * released, nothing is appended and `value` is returned. A refusal may carry an event too (for
 * example `approval-rejected`), which is committed before the error is thrown to the caller.
 */
export type TxOutcome<T> =
  | { readonly event: AuditEventDraft; readonly result: (committed: AuditEvent) => T }
  | { readonly refusal: DomainError; readonly event?: AuditEventDraft }
  | { readonly value: T };

export interface TriageStore {
  readonly dataRoot: string;
  /** Fresh view: includes every event committed by any process before this call. */
  view(): StoreView;
  /** Audit events, oldest first; filtered by ticket when `ticketId` is given. */
  listAuditEvents(filter: { readonly ticketId?: string | undefined }, page: PageRequest): Page<AuditEvent>;
  /** The audit event with sequence number `seq`, read back and validated; undefined if there is none. */
  getAuditEvent(seq: number): AuditEvent | undefined;
  /**
   * Runs `body` under the cross-process lock against fully caught-up state, then commits its
   * event atomically (all of its effects or none of them) and durably before resolving.
   */
  transact<T>(body: (view: StoreView) => TxOutcome<T>): Promise<T>;
  close(): Promise<void>;
}
