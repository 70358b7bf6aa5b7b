import { describeIssues, DomainError } from "../domain/errors.js";
import { TICKET_ID_PATTERN, UUID_PATTERN } from "../domain/ids.js";
import { inputSchemasFor, type WorkspaceInputs } from "../domain/inputs.js";
import type { Workspace } from "../domain/workspace/index.js";
import type { HandoffStatus } from "../domain/handoffs.js";
import type { Channel } from "../domain/schemas.js";
import type { ApprovalService } from "../service/approval-service.js";
import type { HandoffService } from "../service/handoff-service.js";
import type { QueueService } from "../service/queue-service.js";
import type { TriageService } from "../service/triage-service.js";
import type { Html } from "../ui/review/index.js";
import type { DeskAssets } from "./assets.js";
import type { Session } from "./auth.js";
import { decideFromForm } from "./decide.js";
import { dashboardBody } from "./pages/dashboard.js";
import { handoffsBody, HANDOFFS_PER_PAGE } from "./pages/handoffs.js";
import { page, type Section } from "./pages/layout.js";
import { pageParam } from "./pages/parts.js";
import { reviewBody, reviewsBody, REVIEWS_PER_PAGE, type Reviewer } from "./pages/reviews.js";
import { EVENTS_PER_PAGE, ticketBody } from "./pages/ticket.js";
import { filterValuesOf, ticketListBody, TICKETS_PER_PAGE, type TicketListData } from "./pages/tickets.js";

// The desk's pages and its one JSON endpoint, over the service layer only. A handler gets the
// request's URL, the reviewer's session and (for a post) the form, and returns a reply; the HTTP
// pipeline (server.ts) has already checked the Host, the session, and for a post its Origin and
// CSRF token.

/** What the desk reads and decides through: the same services as the MCP server. */
export interface DeskServices {
  readonly service: TriageService;
  readonly approvals: ApprovalService;
  readonly handoffs: HandoffService;
  readonly queue: QueueService;
  /** The workspace: the values of every filter and form, and the queue's rules. */
  readonly workspace: Workspace;
}

export type Reply =
  | { readonly kind: "page"; readonly body: string; readonly status?: number }
  | { readonly kind: "redirect"; readonly location: string }
  | { readonly kind: "json"; readonly value: unknown };

/** A request of a logged-in reviewer who has given a name. */
export interface PageRequest {
  readonly url: URL;
  readonly session: Session;
  readonly reviewer: string;
  readonly form?: URLSearchParams;
}

interface Route {
  readonly method: "GET" | "POST";
  readonly pattern: RegExp;
  readonly handle: (request: PageRequest, id: string) => Reply | Promise<Reply>;
}

export interface DeskPagesOptions {
  readonly assets: DeskAssets;
  /** Recorded on every decision made on the desk (type `desk`, the desk's name and version). */
  readonly channel: Channel;
  readonly clock: () => Date;
  readonly pollMs: number;
}

function notFound(what: string): DomainError {
  return new DomainError("NOT_FOUND", what);
}

/** The id in a path, decoded and checked against its pattern; NOT_FOUND otherwise. */
function idOf(raw: string, pattern: RegExp, what: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    id = "";
  }
  if (!pattern.test(id)) throw notFound(`There is no ${what} "${id.slice(0, 60)}".`);
  return id;
}

export class DeskPages {
  private readonly routes: readonly Route[] = [
    { method: "GET", pattern: /^\/$/, handle: (r) => this.dashboard(r) },
    { method: "GET", pattern: /^\/tickets$/, handle: (r) => this.tickets(r) },
    { method: "GET", pattern: /^\/tickets\/([^/]+)$/, handle: (r, id) => this.ticket(r, id) },
    { method: "GET", pattern: /^\/reviews$/, handle: (r) => this.reviews(r) },
    { method: "GET", pattern: /^\/reviews\/([^/]+)$/, handle: (r, id) => this.review(r, id) },
    { method: "POST", pattern: /^\/reviews\/([^/]+)\/decision$/, handle: (r, id) => this.decide(r, id) },
    { method: "GET", pattern: /^\/handoffs$/, handle: (r) => this.outbox(r) },
    { method: "GET", pattern: /^\/api\/changes$/, handle: () => this.changes() },
  ];

  private readonly inputs: WorkspaceInputs;

  constructor(
    private readonly services: DeskServices,
    private readonly options: DeskPagesOptions,
  ) {
    this.inputs = inputSchemasFor(services.workspace);
  }

  /** The route for a method and path: its handler, or "no such path" / "not with this method". */
  match(
    method: string,
    path: string,
  ): ((request: PageRequest) => Reply | Promise<Reply>) | "none" | "method" {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (m === null) continue;
      pathMatched = true;
      if (route.method === method || (route.method === "GET" && method === "HEAD")) {
        return (request) => route.handle(request, m[1] ?? "");
      }
    }
    return pathMatched ? "method" : "none";
  }

  /**
   * Builds what the first pages would otherwise build while a reviewer waits (the customer and
   * source index, the similarity index): seconds at 100,000 tickets, once, before the login link
   * is printed. Returns how many tickets there are.
   */
  async warm(): Promise<number> {
    const { service, queue } = this.services;
    await queue.filterOptions();
    const first = await queue.findTickets({ offset: 0, limit: 1 });
    const ticket = first.items[0];
    if (ticket !== undefined) service.findSimilarTickets(ticket.id);
    return first.total;
  }

  private frame(request: PageRequest, title: string, section: Section | undefined, body: Html): Reply {
    const { service, queue } = this.services;
    const mark = queue.changes();
    return {
      kind: "page",
      body: page(
        {
          assets: this.options.assets,
          title,
          ...(section === undefined ? {} : { section }),
          reviewer: request.reviewer,
          csrf: request.session.csrf,
          mark: `${mark.generation}.${mark.seq}`,
          pending: service.queueMetrics().pendingRecommendations,
          pollMs: this.options.pollMs,
        },
        body,
      ),
    };
  }

  private reviewerOf(request: PageRequest): Reviewer {
    return { name: request.reviewer, csrf: request.session.csrf };
  }

  private dashboard(request: PageRequest): Reply {
    const { service, queue, handoffs } = this.services;
    const total = (status: HandoffStatus) => handoffs.list({ status, offset: 0, limit: 0 }).total;
    const body = dashboardBody({
      metrics: service.queueMetrics(),
      teams: queue.slaByTeam(),
      handoffsWaiting: total("pending"),
      handoffsFailed: total("failed"),
      oldestPending: service.listRecommendations({ resolution: "pending", offset: 0, limit: 5 }).items,
    });
    return this.frame(request, "Dashboard", "dashboard", body);
  }

  private async tickets(request: PageRequest): Promise<Reply> {
    const { queue } = this.services;
    const chosen = filterValuesOf(request.url.searchParams);
    const offset = (pageParam(request.url.searchParams.get("page")) - 1) * TICKETS_PER_PAGE;
    const parsed = this.inputs.ticketQuery.safeParse({ ...chosen, offset, limit: TICKETS_PER_PAGE });
    const result: TicketListData["result"] = parsed.success
      ? { page: await queue.findTickets(parsed.data), query: parsed.data }
      : { problem: `${describeIssues(parsed.error.issues)}.` };
    const body = ticketListBody({
      options: await queue.filterOptions(),
      chosen,
      result,
      now: this.options.clock(),
      atRiskWindowMs: this.services.workspace.queue.atRiskWindowMs,
    });
    return this.frame(request, "Tickets", "tickets", body);
  }

  private async ticket(request: PageRequest, raw: string): Promise<Reply> {
    const { service, queue, handoffs } = this.services;
    const id = idOf(raw, TICKET_ID_PATTERN, "ticket");
    const ticket = service.getTicket(id);
    const events = (pageParam(request.url.searchParams.get("events")) - 1) * EVENTS_PER_PAGE;
    const body = ticketBody({
      ticket,
      now: this.options.clock(),
      atRiskWindowMs: this.services.workspace.queue.atRiskWindowMs,
      source: await queue.ticketSource(id),
      recommendations: service.listRecommendations({ ticketId: id, offset: 0, limit: 100 }).items,
      similar: service.findSimilarTickets(id).candidates,
      handoffs: handoffs.list({ ticketId: id, offset: 0, limit: 100 }).items,
      events: await service.auditEvents({ ticketId: id, offset: events, limit: EVENTS_PER_PAGE }),
    });
    return this.frame(request, `${id}`, "tickets", body);
  }

  private reviews(request: PageRequest): Reply {
    const { service, approvals } = this.services;
    const pageNumber = pageParam(request.url.searchParams.get("page"));
    const pending = service.listRecommendations({
      resolution: "pending",
      offset: (pageNumber - 1) * REVIEWS_PER_PAGE,
      limit: REVIEWS_PER_PAGE,
    });
    const body = reviewsBody({
      packets: pending.items.map((rec) => approvals.review(rec.id)),
      total: pending.total,
      pageNumber,
      reviewer: this.reviewerOf(request),
    });
    return this.frame(request, "Reviews", "reviews", body);
  }

  private review(request: PageRequest, raw: string): Reply {
    const id = idOf(raw, UUID_PATTERN, "recommendation");
    const packet = this.services.approvals.review(id);
    const outcome = request.session.outcomes.get(id);
    request.session.outcomes.delete(id);
    const body = reviewBody({ packet, outcome, reviewer: this.reviewerOf(request) });
    return this.frame(request, `Review of ${packet.ticket.id}`, "reviews", body);
  }

  private async decide(request: PageRequest, raw: string): Promise<Reply> {
    const id = idOf(raw, UUID_PATTERN, "recommendation");
    const packet = this.services.approvals.review(id);
    const form = request.form ?? new URLSearchParams();
    const outcome = await decideFromForm(
      this.services.approvals,
      this.inputs.approveRecommendation,
      this.options.channel,
      packet,
      form,
      request.reviewer,
    );
    request.session.outcomes.set(id, outcome);
    return { kind: "redirect", location: `/reviews/${id}` };
  }

  private async outbox(request: PageRequest): Promise<Reply> {
    const { queue, handoffs } = this.services;
    const statuses = (await queue.filterOptions()).handoffStatus;
    const given = request.url.searchParams.get("status") ?? "";
    const status = statuses.includes(given) ? (given as HandoffStatus) : undefined;
    const pageNumber = pageParam(request.url.searchParams.get("page"));
    const list = handoffs.list({
      status,
      offset: (pageNumber - 1) * HANDOFFS_PER_PAGE,
      limit: HANDOFFS_PER_PAGE,
    });
    const body = handoffsBody({ statuses, status, page: list });
    return this.frame(request, "Handoffs", "handoffs", body);
  }

  private changes(): Reply {
    return { kind: "json", value: this.services.queue.changes() };
  }
}
