import type { HandoffState } from "../../domain/handoffs.js";
import type { Page } from "../../store/index.js";
import { html, when, type Html } from "../../ui/review/index.js";
import { count, dataTable, hrefOf, live, options, pageOf, pager, ticketLink } from "./parts.js";

// The handoff outbox: the team notifications and bug cards approvals created, with their delivery
// state. Delivery itself stays with `handoffs deliver` (it posts to webhooks and is the operator's
// call); the desk shows where each one stands.

export const HANDOFFS_PER_PAGE = 50;

function attempts(h: HandoffState): Html {
  const last = h.attempts.at(-1);
  if (last === undefined) return html`<span class="muted">none yet</span>`;
  const outcome = last.outcome ?? "outcome unknown";
  return html`${h.attempts.length} · last ${when(last.startedAt)}:
  ${outcome}${
    last.httpStatus === undefined ? "" : html` (HTTP ${last.httpStatus})`
  }${last.error === undefined ? "" : html` <span class="muted u">${last.error}</span>`}`;
}

/** The handoffs as a table (also on a ticket's page). */
export function handoffRows(list: readonly HandoffState[]): Html {
  return dataTable(
    "Handoffs",
    ["Ticket", "Kind", "Team", "Channel", "Created", "Delivery", "Attempts"],
    list.map(
      (h) =>
        html`<tr>
          <td class="id">${ticketLink(h.ticketId)}</td>
          <td>${h.kind}</td>
          <td>${h.team}</td>
          <td class="u">${h.channel}</td>
          <td>${when(h.createdAt)}</td>
          <td>
            <span class="badge h-${h.status}">${h.status}</span>${
              h.nextAttemptAt === undefined
                ? ""
                : html` <span class="muted">next ${when(h.nextAttemptAt)}</span>`
            }
          </td>
          <td>${attempts(h)}</td>
        </tr>`,
    ),
  );
}

export interface HandoffListData {
  readonly statuses: readonly string[];
  readonly status: string | undefined;
  readonly page: Page<HandoffState>;
}

export function handoffsBody(data: HandoffListData): Html {
  const { page } = data;
  const { number, pages } = pageOf(page.total, page.offset, HANDOFFS_PER_PAGE);
  const hrefFor = (p: number) => hrefOf("/handoffs", { status: data.status, page: p === 1 ? undefined : p });
  const listing = html`<p class="summary" role="status">
      ${count(page.total)} ${page.total === 1 ? "handoff" : "handoffs"}, oldest first.
    </p>
    ${page.items.length === 0 ? html`<p class="muted">The outbox holds nothing here.</p>` : handoffRows(page.items)}
    ${pager(number, pages, hrefFor, "Handoff pages")}`;
  return html`<h1>Handoff outbox</h1>
    <p class="lede">
      Messages approvals created for the teams' channels. They leave the machine only when an operator runs
      <code>handoffs deliver</code>; a delivery whose outcome is unknown is never resent on its own.
    </p>
    <form class="filters" method="get" action="/handoffs" role="search" aria-label="Filter handoffs">
      <div>
        <label for="f-delivery">Delivery state</label>
        <select id="f-delivery" name="status">
          ${options(data.statuses, data.status, "any")}
        </select>
      </div>
      <div class="actions"><button type="submit" class="primary">Filter</button></div>
    </form>
    ${live("div", "handoff-list", listing)}`;
}
