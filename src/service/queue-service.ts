import { SLA_STATES, type SlaState } from "../domain/enums.js";
import { DomainError } from "../domain/errors.js";
import { HANDOFF_STATUSES } from "../domain/handoffs.js";
import type { TicketQuery } from "../domain/inputs.js";
import { slaStateOf } from "../domain/policy/index.js";
import type { Ticket } from "../domain/schemas.js";
import type { Workspace } from "../domain/workspace/index.js";
import type { Page, StoreView, TicketFilter, TriageStore } from "../store/index.js";
import { inIdOrder, TicketFacets, type TicketOrigin } from "./ticket-facets.js";

// The reviewer's view of the queue, for pages that show it whole (the desk): the ticket list with
// every filter a support lead asks for, the SLA state of each team's open tickets, where a ticket
// came from, the values each filter offers, and a mark that moves whenever anything is committed.
// Reads only; every change still goes through TriageService, IntakeService and ApprovalService.

/** The values each filter of the ticket list (and the handoff outbox) offers. */
export interface FilterOptions {
  readonly status: readonly string[];
  readonly category: readonly string[];
  readonly priority: readonly string[];
  readonly team: readonly string[];
  readonly slaState: readonly string[];
  /** The clients that created tickets over MCP, by name. */
  readonly sourceClient: readonly string[];
  readonly handoffStatus: readonly string[];
}

/** A page of the ticket list, and how many of its matches are open. */
export interface TicketPage extends Page<Ticket> {
  /** Matching tickets whose status the workspace does not mark closed. */
  readonly open: number;
}

/** Open tickets of one team (null: no team yet) by SLA state now. */
export interface TeamSla {
  readonly team: string | null;
  readonly open: number;
  readonly breached: number;
  readonly atRisk: number;
  readonly healthy: number;
}

/** Moves whenever another event is committed, by any process, or the runtime is replaced. */
export interface ChangeMark {
  readonly seq: number;
  readonly generation: number;
}

export interface QueueServiceDeps {
  readonly store: Pick<TriageStore, "view" | "listAuditEvents">;
  /** The workspace's values (the filters' options) and queue rules (closed statuses, at-risk window). */
  readonly workspace: Workspace;
  readonly clock?: () => Date;
}

export class QueueService {
  private readonly store: Pick<TriageStore, "view" | "listAuditEvents">;
  private readonly clock: () => Date;
  private readonly facets: TicketFacets;
  private readonly workspace: Workspace;

  constructor(deps: QueueServiceDeps) {
    this.store = deps.store;
    this.workspace = deps.workspace;
    this.clock = deps.clock ?? (() => new Date());
    this.facets = new TicketFacets(deps.store);
  }

  async filterOptions(): Promise<FilterOptions> {
    await this.facets.sync();
    return {
      status: this.workspace.vocabulary.statuses,
      category: this.workspace.vocabulary.categories,
      priority: this.workspace.vocabulary.priorities,
      team: this.workspace.vocabulary.teams,
      slaState: SLA_STATES,
      sourceClient: this.facets.clients(),
      handoffStatus: HANDOFF_STATUSES,
    };
  }

  /**
   * Tickets in id order, filtered and paged; `total` counts every match. Status, category,
   * priority, team and SLA state are the store's indexes; customer and source narrow the
   * candidates through TicketFacets first, then each candidate is checked as it is now.
   */
  async findTickets(query: TicketQuery): Promise<TicketPage> {
    const view = this.store.view();
    const now = this.clock();
    const nowMs = now.getTime();
    const filter: TicketFilter = {
      status: query.status,
      category: query.category,
      priority: query.priority,
      team: query.team,
    };
    const page = { offset: query.offset, limit: query.limit };
    const { closedStatuses, atRiskWindowMs } = this.workspace.queue;
    const candidates = await this.candidates(query);
    if (candidates === undefined) {
      const list = (f: TicketFilter, p: { offset: number; limit: number }) =>
        query.slaState === undefined
          ? view.listTickets(f, p)
          : view.ticketsBySla(query.slaState, nowMs, atRiskWindowMs, f, p);
      const found = list(filter, page);
      const closed =
        query.status === undefined
          ? closedStatuses.reduce(
              (n, status) => n + list({ ...filter, status }, { offset: 0, limit: 0 }).total,
              0,
            )
          : closedStatuses.includes(query.status)
            ? found.total
            : 0;
      return { ...found, open: found.total - closed };
    }
    const matches: Ticket[] = [];
    for (const id of inIdOrder(candidates)) {
      const ticket = view.getTicket(id);
      if (ticket !== undefined && matchesFilter(ticket, filter, query.slaState, now, atRiskWindowMs))
        matches.push(ticket);
    }
    return {
      items: matches.slice(page.offset, page.offset + page.limit),
      total: matches.length,
      offset: page.offset,
      limit: page.limit,
      open: matches.filter((t) => !closedStatuses.includes(t.status)).length,
    };
  }

  /** Open tickets per team (and without one) by SLA state now; counted in the store's indexes. */
  slaByTeam(): TeamSla[] {
    const view = this.store.view();
    const nowMs = this.clock().getTime();
    const rules = this.workspace.queue;
    const stats = view.openTicketStats(rules);
    const openIn = (state: SlaState, team: string): number => {
      const count = (status?: string) =>
        view.ticketsBySla(state, nowMs, rules.atRiskWindowMs, { team, status }, { offset: 0, limit: 0 })
          .total;
      return rules.closedStatuses.reduce((n, status) => n - count(status), count());
    };
    const rows = this.workspace.vocabulary.teams.map((team): TeamSla => {
      const open = stats.byTeam[team] ?? 0;
      const breached = openIn("breached", team);
      const atRisk = openIn("at-risk", team);
      return { team, open, breached, atRisk, healthy: open - breached - atRisk };
    });
    const all = view.slaCounts(nowMs, rules);
    const sum = (key: "open" | "breached" | "atRisk") => rows.reduce((n, r) => n + r[key], 0);
    const open = stats.open - sum("open");
    const breached = all.breached - sum("breached");
    const atRisk = all.atRisk - sum("atRisk");
    return [...rows, { team: null, open, breached, atRisk, healthy: open - breached - atRisk }];
  }

  /**
   * Where a ticket came from: the MCP (or CLI) client and session that created it; null for
   * tickets of the seed or an import. NOT_FOUND when there is no such ticket.
   */
  async ticketSource(id: string): Promise<TicketOrigin | null> {
    const view = this.store.view();
    if (view.getTicket(id) === undefined) {
      throw new DomainError("NOT_FOUND", `No ticket ${id}. There are ${view.ticketCount()} tickets.`);
    }
    await this.facets.sync();
    return this.facets.sourceOf(id) ?? null;
  }

  /** The store's last sequence number and generation: compare two marks to know whether anything changed. */
  changes(): ChangeMark {
    const view: StoreView = this.store.view();
    return { seq: view.lastSeq, generation: view.generation };
  }

  /** The candidate ids of the customer and source filters (their intersection); undefined when none is set. */
  private async candidates(query: TicketQuery): Promise<Iterable<string> | undefined> {
    const sets: (readonly string[])[] = [];
    if (
      query.customer === undefined &&
      query.sourceClient === undefined &&
      query.sourceSession === undefined
    ) {
      return undefined;
    }
    await this.facets.sync();
    if (query.customer !== undefined) sets.push(this.facets.customerTickets(query.customer));
    if (query.sourceClient !== undefined) sets.push(this.facets.clientTickets(query.sourceClient));
    if (query.sourceSession !== undefined) sets.push(this.facets.sessionTickets(query.sourceSession));
    sets.sort((a, b) => a.length - b.length);
    const [smallest = [], ...others] = sets;
    const lookups = others.map((ids) => new Set(ids));
    return smallest.filter((id) => lookups.every((set) => set.has(id)));
  }
}

function matchesFilter(
  ticket: Ticket,
  filter: TicketFilter,
  slaState: SlaState | undefined,
  now: Date,
  atRiskWindowMs: number,
): boolean {
  return (
    (filter.status === undefined || ticket.status === filter.status) &&
    (filter.category === undefined || ticket.category === filter.category) &&
    (filter.priority === undefined || ticket.priority === filter.priority) &&
    (filter.team === undefined || ticket.team === filter.team) &&
    (slaState === undefined || slaStateOf(ticket, now, atRiskWindowMs) === slaState)
  );
}
