import { slaStateOf } from "../../domain/policy/index.js";
import type { Ticket } from "../../domain/schemas.js";
import type { TicketQuery } from "../../domain/inputs.js";
import type { FilterOptions, TicketPage } from "../../service/queue-service.js";
import { html, when, type Html } from "../../ui/review/index.js";
import { count, dataTable, hrefOf, live, options, pageOf, pager, slaBadge, ticketLink } from "./parts.js";

// The ticket list: every filter a lead needs, each a labelled control whose values come from the
// service (never a list of our own), and paging that finds any page in the store's indexes.

/** Tickets per page. */
export const TICKETS_PER_PAGE = 50;

/** The filters as URL parameters: the names of the query's fields. */
export const TICKET_FILTERS = [
  "status",
  "category",
  "priority",
  "team",
  "slaState",
  "customer",
  "sourceClient",
  "sourceSession",
] as const;
export type TicketFilterName = (typeof TICKET_FILTERS)[number];

/** The filters' values as given in the URL (unchecked), by name. */
export type FilterValues = Partial<Record<TicketFilterName, string>>;

export function filterValuesOf(params: URLSearchParams): FilterValues {
  const out: FilterValues = {};
  for (const name of TICKET_FILTERS) {
    const value = params.get(name);
    if (value !== null && value.trim() !== "") out[name] = value;
  }
  return out;
}

function select(
  id: string,
  label: string,
  name: TicketFilterName,
  values: readonly string[],
  chosen: string | undefined,
): Html {
  return html`<div>
    <label for="${id}">${label}</label>
    <select id="${id}" name="${name}">
      ${options(values, chosen, "any")}
    </select>
  </div>`;
}

function text(
  id: string,
  label: string,
  name: TicketFilterName,
  chosen: string | undefined,
  hint: string,
): Html {
  return html`<div>
    <label for="${id}">${label}</label>
    <input
      id="${id}"
      name="${name}"
      type="search"
      value="${chosen ?? ""}"
      placeholder="${hint}"
      autocomplete="off"
    />
  </div>`;
}

function filterForm(opts: FilterOptions, chosen: FilterValues): Html {
  return html`<form class="filters" method="get" action="/tickets" role="search" aria-label="Filter tickets">
    ${select("f-status", "Status", "status", opts.status, chosen.status)}
    ${select("f-team", "Team", "team", opts.team, chosen.team)}
    ${select("f-category", "Category", "category", opts.category, chosen.category)}
    ${select("f-priority", "Priority", "priority", opts.priority, chosen.priority)}
    ${select("f-sla", "SLA state", "slaState", opts.slaState, chosen.slaState)}
    ${text("f-customer", "Customer", "customer", chosen.customer, "name or email starts with")}
    ${select("f-client", "Source client", "sourceClient", opts.sourceClient, chosen.sourceClient)}
    ${text("f-session", "Source session", "sourceSession", chosen.sourceSession, "session id")}
    <div class="actions">
      <button type="submit" class="primary">Filter</button>
      <a class="button" href="/tickets">Clear</a>
    </div>
  </form>`;
}

function row(ticket: Ticket, now: Date, atRiskWindowMs: number): Html {
  return html`<tr>
    <td class="id">${ticketLink(ticket.id)}</td>
    <td class="subject u">${ticket.subject}</td>
    <td class="u">
      ${ticket.customer.name}${ticket.customer.vip ? html` <span class="badge">VIP</span>` : ""}
    </td>
    <td>${ticket.status}</td>
    <td>${ticket.priority ?? html`<span class="muted">–</span>`}</td>
    <td>${ticket.team ?? html`<span class="muted">–</span>`}</td>
    <td>${ticket.category ?? html`<span class="muted">–</span>`}</td>
    <td>
      ${slaBadge(slaStateOf(ticket, now, atRiskWindowMs))}
      <span class="muted">${when(ticket.sla.responseDueAt)}</span>
    </td>
  </tr>`;
}

export interface TicketListData {
  readonly options: FilterOptions;
  readonly chosen: FilterValues;
  /** The list, or why the filters were refused. */
  readonly result: { readonly page: TicketPage; readonly query: TicketQuery } | { readonly problem: string };
  readonly now: Date;
  /** The workspace's at-risk window: how close to its due time a ticket is "at risk". */
  readonly atRiskWindowMs: number;
}

function listing(data: TicketListData): Html {
  if ("problem" in data.result) {
    return html`<p class="notice danger" role="alert">
      <strong>INVALID_INPUT</strong>: ${data.result.problem}
    </p>`;
  }
  const { page, query } = data.result;
  const { number, pages } = pageOf(page.total, query.offset, TICKETS_PER_PAGE);
  const hrefFor = (p: number) => hrefOf("/tickets", { ...data.chosen, page: p === 1 ? undefined : p });
  const closed = page.total - page.open;
  const summary = html`<p class="summary" role="status">
    ${count(page.total)}
    ${page.total === 1 ? "ticket matches" : "tickets match"}${closed > 0 ? html`, ${count(page.open)} of them open` : ""}.
    ${page.total > 0 ? html`Showing ${count(page.offset + 1)}–${count(page.offset + page.items.length)}, in id order.` : ""}
  </p>`;
  if (page.items.length === 0) {
    return html`${summary}${page.total > 0 ? pager(number, pages, hrefFor, "Ticket pages") : html`<p class="muted">No ticket matches these filters.</p>`}`;
  }
  return html`${summary}
  ${dataTable(
    "Tickets",
    ["Ticket", "Subject", "Customer", "Status", "Priority", "Team", "Category", "SLA (response due)"],
    page.items.map((t) => row(t, data.now, data.atRiskWindowMs)),
  )}
  ${pager(number, pages, hrefFor, "Ticket pages")}`;
}

export function ticketListBody(data: TicketListData): Html {
  return html`<h1>Tickets</h1>
    ${filterForm(data.options, data.chosen)} ${live("div", "ticket-list", listing(data))}`;
}
