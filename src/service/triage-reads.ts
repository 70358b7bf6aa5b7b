import type { GetAuditEventsInput, ListRecommendationsInput, ListTicketsInput } from "../domain/inputs.js";
import { DomainError } from "../domain/errors.js";
import { TICKET_ID_PATTERN } from "../domain/ids.js";
import type { ApprovalMode } from "../config.js";
import { reviewCommand } from "../paths.js";
import type { Workspace } from "../domain/workspace/index.js";
import { TeamDirectory } from "./teams.js";
import { queueMetricsOf, type QueueMetrics } from "./queue-metrics.js";
import type { SimilarTicket } from "../domain/similarity/similar-ticket.js";
import type { AuditEvent, KnowledgeArticle, Recommendation, Ticket } from "../domain/schemas.js";
import type { Freshness, Page, StoreView, TriageStore } from "../store/index.js";

export interface KnowledgeHit {
  readonly article: KnowledgeArticle;
  readonly score: number;
  readonly snippet: string;
}

/** The knowledge articles and their ranked search, loaded once at startup. */
export interface KnowledgeSource {
  get(id: string): KnowledgeArticle | undefined;
  list(): readonly KnowledgeArticle[];
  search(query: string, limit: number): KnowledgeHit[];
  /** Why there is nothing to find, when no article is loaded. */
  readonly notice?: string | undefined;
}

/** A similarity index over ticket text that only ever grows (tickets are never removed). */
export interface SimilarityIndex {
  add(ticket: Pick<Ticket, "id" | "subject" | "description">): void;
  similar(id: string, k: number): SimilarTicket[];
  /** Indexed tickets most like a text that need not be indexed (a ticket being created). */
  similarText(
    text: { readonly subject: string; readonly description: string },
    k: number,
    excludeId?: string,
  ): SimilarTicket[];
}

export interface ServiceDeps {
  readonly store: TriageStore;
  readonly knowledge: KnowledgeSource;
  readonly createSimilarityIndex: () => SimilarityIndex;
  /** The workspace: the policy's routing and thresholds, the teams, the queue's statuses. */
  readonly workspace: Workspace;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  /** Minutes per approval in the metrics; the workspace's metrics.minutesSavedPerApproval when absent. */
  readonly minutesSaved?: number;
  readonly approvalMode?: ApprovalMode;
  /** When true, tickets routed to security cannot be approved by chat: the form, card, CLI or desk only. */
  readonly securityNeedsHumanChannel?: boolean;
}

const SIMILAR_LIMIT = 5;

/**
 * The reads of the triage use cases: tickets, knowledge, similar tickets, metrics, the audit log
 * and recommendations. TriageService adds the decisions.
 */
export class TriageReads {
  protected readonly store: TriageStore;
  protected readonly knowledge: KnowledgeSource;
  protected readonly clock: () => Date;
  private readonly minutesSaved: number;
  private readonly createSimilarityIndex: () => SimilarityIndex;
  private similarity: { index: SimilarityIndex; generation: number; indexed: number } | undefined;
  readonly teams: TeamDirectory;
  readonly workspace: Workspace;

  constructor(deps: ServiceDeps) {
    this.store = deps.store;
    this.knowledge = deps.knowledge;
    this.clock = deps.clock ?? (() => new Date());
    this.workspace = deps.workspace;
    this.minutesSaved = deps.minutesSaved ?? deps.workspace.minutesSavedPerApproval;
    this.createSimilarityIndex = deps.createSimilarityIndex;
    this.teams = new TeamDirectory(deps.workspace.teams);
  }

  // ---------- reads ----------

  /**
   * Catches up with what other servers committed. Every entry point calls it once at the start of
   * a request (the MCP tool runtime and resource handlers, the desk; a CLI opens the store fresh),
   * so the synchronous reads below see every commit made before the request arrived, or, with
   * "notified" (what those entry points pass), every commit the store has been told of.
   */
  refresh(freshness?: Freshness): Promise<void> {
    return this.store.refresh(freshness);
  }

  listTickets(input: ListTicketsInput): Page<Ticket> {
    const view = this.store.view();
    const filter = {
      status: input.status,
      category: input.category,
      priority: input.priority,
      team: input.team,
    };
    if (input.slaState === undefined) {
      return view.listTickets(filter, { offset: input.offset, limit: input.limit });
    }
    const asOf = input.asOf === undefined ? this.clock() : new Date(input.asOf);
    return view.ticketsBySla(input.slaState, asOf.getTime(), this.workspace.policy.atRiskWindowMs, filter, {
      offset: input.offset,
      limit: input.limit,
    });
  }

  getTicket(id: string): Ticket {
    return this.requireTicket(this.store.view(), id);
  }

  /** Ticket ids starting with `prefix` (for argument completion), bounded. */
  completeTicketIds(prefix: string, max = 100): string[] {
    const view = this.store.view();
    const upper = prefix.toUpperCase();
    const out: string[] = [];
    for (const id of view.ticketIdsByInsertion()) {
      if (id.startsWith(upper)) {
        out.push(id);
        if (out.length >= max) break;
      }
    }
    return out;
  }

  searchKnowledge(query: string, limit: number): KnowledgeHit[] {
    return this.knowledge.search(query, limit);
  }

  /** The reviewer CLI on this runtime, for messages that send the human to a terminal. */
  reviewerCommand(): string {
    return reviewCommand(this.store.dataRoot);
  }

  /** Set when the knowledge base is empty, so a search that finds nothing says why. */
  knowledgeNotice(): string | undefined {
    return this.knowledge.notice;
  }

  getArticle(id: string): KnowledgeArticle {
    const article = this.knowledge.get(id);
    if (article === undefined) {
      const known = this.knowledge
        .list()
        .map((a) => a.id)
        .slice(0, 30);
      throw new DomainError(
        "NOT_FOUND",
        `No knowledge article "${id}". Known ids: ${known.join(", ")}. Use search_knowledge to find articles.`,
      );
    }
    return article;
  }

  listArticles(): readonly KnowledgeArticle[] {
    return this.knowledge.list();
  }

  findSimilarTickets(id: string): { sourceTicketId: string; candidates: SimilarTicket[] } {
    const view = this.store.view();
    this.requireTicket(view, id);
    const index = this.syncSimilarity(view);
    const candidates = index.similar(id, SIMILAR_LIMIT).filter((c) => c.ticketId !== id);
    return { sourceTicketId: id, candidates };
  }

  /** Existing tickets most like `text`, for duplicate hints at intake; `excludeId` leaves one out. */
  similarToText(
    text: { readonly subject: string; readonly description: string },
    k: number,
    excludeId?: string,
  ): SimilarTicket[] {
    return this.syncSimilarity(this.store.view()).similarText(text, k, excludeId);
  }

  queueMetrics(): QueueMetrics {
    return queueMetricsOf(this.store.view(), this.workspace, this.clock(), this.minutesSaved);
  }

  async auditEvents(input: GetAuditEventsInput): Promise<Page<AuditEvent>> {
    if (input.ticketId !== undefined) this.requireTicket(this.store.view(), input.ticketId);
    return this.store.listAuditEvents(
      { ticketId: input.ticketId },
      { offset: input.offset, limit: input.limit },
    );
  }

  listRecommendations(input: ListRecommendationsInput): Page<Recommendation> {
    const view = this.store.view();
    if (input.ticketId !== undefined) this.requireTicket(view, input.ticketId);
    return view.listRecommendations(
      { ticketId: input.ticketId, resolution: input.resolution },
      { offset: input.offset, limit: input.limit },
    );
  }

  getRecommendation(id: string): Recommendation {
    const rec = this.store.view().getRecommendation(id);
    if (rec === undefined) throw notFoundRecommendation(id);
    return rec;
  }

  // ---------- helpers ----------

  protected requireTicket(view: StoreView, id: string): Ticket {
    const ticket = view.getTicket(id);
    if (ticket === undefined) throw notFoundTicket(view, id);
    return ticket;
  }

  private syncSimilarity(view: StoreView): SimilarityIndex {
    if (this.similarity === undefined || this.similarity.generation !== view.generation) {
      this.similarity = { index: this.createSimilarityIndex(), generation: view.generation, indexed: 0 };
    }
    const state = this.similarity;
    const count = view.ticketCount();
    if (state.indexed < count) {
      for (const t of view.ticketsByInsertion(state.indexed, count)) state.index.add(t);
      state.indexed = count;
    }
    return state.index;
  }
}

export function notFoundTicket(view: StoreView, id: string): DomainError {
  const hint = TICKET_ID_PATTERN.test(id)
    ? `There are ${view.ticketCount()} tickets; use list_tickets to find ids.`
    : "Ticket ids look like TKT-1001.";
  return new DomainError("NOT_FOUND", `No ticket ${id}. ${hint}`);
}

export function notFoundRecommendation(id: string): DomainError {
  return new DomainError(
    "NOT_FOUND",
    `No recommendation ${id}. Use list_recommendations (resolution "pending") to find recommendations waiting for review.`,
  );
}
