import type { SlaState } from "../../domain/enums.js";
import type { QueueRules } from "../../domain/workspace/index.js";
import type { HandoffState } from "../../domain/handoffs.js";
import type { Recommendation, Ticket } from "../../domain/schemas.js";
import type {
  HandoffFilter,
  IdempotencyEntry,
  OpenTicketStats,
  Page,
  PageRequest,
  RecommendationFilter,
  RecommendationStats,
  SlaCounts,
  StoreView,
  TicketFilter,
} from "../types.js";
import type { StoreState } from "./state.js";

/**
 * The StoreView handed to callers. lastSeq and generation are captured when it is created; the
 * data methods read the live state, so a view is meant to be used synchronously (within one
 * request or transaction body), then dropped.
 */
export class StateView implements StoreView {
  readonly lastSeq: number;
  readonly generation: number;

  constructor(
    private readonly state: StoreState,
    generation: number,
  ) {
    this.lastSeq = state.lastSeq;
    this.generation = generation;
  }

  getTicket(id: string): Ticket | undefined {
    return this.state.tickets.get(id);
  }
  getRecommendation(id: string): Recommendation | undefined {
    return this.state.getRecommendation(id);
  }
  ticketCount(): number {
    return this.state.tickets.count();
  }
  listTickets(filter: TicketFilter, page: PageRequest): Page<Ticket> {
    return this.state.tickets.list(filter, page);
  }
  openTicketStats(rules: Pick<QueueRules, "closedStatuses">): OpenTicketStats {
    return this.state.tickets.openTicketStats(rules);
  }
  slaCounts(nowMs: number, rules: QueueRules): SlaCounts {
    return this.state.tickets.slaCounts(nowMs, rules);
  }
  ticketsBySla(
    state: SlaState,
    nowMs: number,
    atRiskWindowMs: number,
    filter: TicketFilter,
    page: PageRequest,
  ): Page<Ticket> {
    return this.state.tickets.bySla(state, nowMs, atRiskWindowMs, filter, page);
  }
  ticketsByInsertion(from: number, to?: number): Ticket[] {
    return this.state.tickets.byInsertion(from, to);
  }
  ticketIdsByInsertion(): string[] {
    return this.state.tickets.idsByInsertion();
  }
  listRecommendations(filter: RecommendationFilter, page: PageRequest): Page<Recommendation> {
    return this.state.listRecommendations(filter, page);
  }
  recommendationStats(): RecommendationStats {
    return this.state.recommendationStats();
  }
  pendingRecommendationIds(ticketId: string): readonly string[] {
    return this.state.pendingRecommendationIds(ticketId);
  }
  idempotency(key: string): IdempotencyEntry | undefined {
    return this.state.idempotency(key);
  }
  nextTicketNumber(prefix: string): number {
    return this.state.tickets.nextNumber(prefix);
  }
  ticketIdByExternalId(externalId: string): string | undefined {
    return this.state.tickets.idByExternalId(externalId);
  }
  importedSource(sha256: string): number | undefined {
    return this.state.importedSource(sha256);
  }
  workspaceApplied(): { readonly seq: number; readonly sha256: string } | undefined {
    return this.state.workspaceApplied();
  }
  getHandoff(id: string): HandoffState | undefined {
    return this.state.getHandoff(id);
  }
  listHandoffs(filter: HandoffFilter, page: PageRequest): Page<HandoffState> {
    return this.state.listHandoffs(filter, page);
  }
}
