import type { HandoffState } from "../../domain/handoffs.js";
import { slaStateOf } from "../../domain/policy/index.js";
import { formatValue } from "../../domain/review-format.js";
import type { AuditEvent, Recommendation, Ticket } from "../../domain/schemas.js";
import { maskSecrets } from "../../domain/secrets/index.js";
import type { SimilarTicket } from "../../domain/similarity/similar-ticket.js";
import type { Page } from "../../store/index.js";
import type { TicketOrigin } from "../../service/ticket-facets.js";
import { html, when, type Html } from "../../ui/review/index.js";
import { count, hrefOf, live, pageOf, pager, slaBadge, ticketLink } from "./parts.js";
import { handoffRows } from "./handoffs.js";

// One ticket: its fields, the customer's text, where it came from (the MCP client and session, for
// tickets created over MCP), notes, its recommendations, similar tickets, handoffs and the audit
// timeline. Customer text is shown masked (secret-like values), like every reviewer view.

export const EVENTS_PER_PAGE = 50;

export interface TicketPageData {
  readonly ticket: Ticket;
  readonly now: Date;
  /** The workspace's at-risk window: how close to its due time a ticket is "at risk". */
  readonly atRiskWindowMs: number;
  readonly source: TicketOrigin | null;
  readonly recommendations: readonly Recommendation[];
  readonly similar: readonly SimilarTicket[];
  readonly handoffs: readonly HandoffState[];
  readonly events: Page<AuditEvent>;
}

const masked = (text: string) => maskSecrets(text).text;
const unset = html`<span class="muted">–</span>`;

function fact(label: string, value: Html | string | number): Html {
  return html`<div>
    <dt>${label}</dt>
    <dd>${value}</dd>
  </div>`;
}

function fields(t: Ticket, now: Date, atRiskWindowMs: number): Html {
  const c = t.customer;
  return html`<dl class="facts">
      ${fact("Customer", html`<span class="u">${c.name}</span>${c.email === undefined ? "" : html` · <span class="u">${c.email}</span>`} · ${c.plan} · ${c.region}${c.vip ? html` <span class="badge">VIP</span>` : ""}`)}
      ${fact("SLA", html`${slaBadge(slaStateOf(t, now, atRiskWindowMs))} response due ${when(t.sla.responseDueAt)}`)}
      ${fact("Status", t.status)} ${fact("Revision", t.revision)} ${fact("Category", t.category ?? unset)}
      ${fact("Priority", t.priority ?? unset)} ${fact("Team", t.team ?? unset)}
      ${fact("Assignee", t.assignee ?? unset)}
      ${fact("Tags", t.tags.length === 0 ? unset : html`${t.tags.map((tag) => html`<span class="badge u">${tag}</span> `)}`)}
      ${fact("Created", when(t.createdAt))} ${fact("Updated", when(t.updatedAt))}
      ${t.externalId === undefined ? "" : fact("External id", html`<span class="u">${t.externalId}</span>`)}
      ${t.relatedTicketIds.length === 0 ? "" : fact("Related", html`${t.relatedTicketIds.map((id) => html`${ticketLink(id)} `)}`)}
    </dl>
    <h2>Description</h2>
    <p class="text">${masked(t.description)}</p>
    ${
      t.customerResponse === undefined
        ? ""
        : html`<h2>Approved reply to the customer</h2>
            <p class="text">${masked(t.customerResponse)}</p>`
    }`;
}

function source(origin: TicketOrigin | null): Html {
  if (origin === null)
    return html`<p class="muted">Loaded from the seed or an import (not created over MCP).</p>`;
  const client = origin.client;
  return html`<dl class="facts one">
    ${fact("Created over", origin.kind === "mcp" ? "MCP (create_ticket)" : "the command line")}
    ${fact("Client", client === undefined ? unset : html`<a href="${hrefOf("/tickets", { sourceClient: client.name })}" class="u">${client.name}</a> <span class="muted u">${client.version}</span>`)}
    ${fact("Session", html`<a href="${hrefOf("/tickets", { sourceSession: origin.session })}" class="mono u">${origin.session}</a>`)}
  </dl>`;
}

function notes(t: Ticket): Html {
  const list = t.notes ?? [];
  if (list.length === 0) return html`<p class="muted">No internal notes.</p>`;
  return html`<ul class="plain">
    ${list.map(
      (n) =>
        html`<li>
          <p class="muted"><span class="u">${n.author}</span> · ${when(n.createdAt)}</p>
          <p class="text">${masked(n.body)}</p>
        </li>`,
    )}
  </ul>`;
}

function recommendations(recs: readonly Recommendation[]): Html {
  if (recs.length === 0) return html`<p class="muted">No recommendation was submitted for this ticket.</p>`;
  return html`<ul class="plain">
    ${recs.map(
      (r) =>
        html`<li>
          <a href="/reviews/${r.id}">${r.resolution === "pending" ? "Review" : "View"} the recommendation</a>
          <span class="badge">${r.resolution}</span>
          <span class="muted"
            >by <span class="u">${r.actor}</span>, ${when(r.createdAt)}, at revision ${r.sourceRevision},
            confidence ${r.confidence.toFixed(2)}</span
          >
          ${r.resolvedBy === undefined ? "" : html`<span class="muted"> · decided by <span class="u">${r.resolvedBy}</span></span>`}
        </li>`,
    )}
  </ul>`;
}

function similar(list: readonly SimilarTicket[]): Html {
  if (list.length === 0) return html`<p class="muted">No similar ticket found.</p>`;
  return html`<ul class="plain">
    ${list.map((s) => html`<li>${ticketLink(s.ticketId)} <strong>${Math.round(s.confidence * 100)}%</strong> <span class="muted u">${s.evidence}</span></li>`)}
  </ul>`;
}

function channelText(event: AuditEvent): string {
  const channel = event.channel;
  if (channel === undefined) return "";
  return channel.client === undefined
    ? `via ${channel.type}`
    : `via ${channel.type} (${channel.client.name} ${channel.client.version})`;
}

function eventDetail(event: AuditEvent): Html {
  const feedback = event.data?.feedback;
  return html`${
    event.changes === undefined || event.changes.length === 0
      ? ""
      : html`<ul class="changes">
          ${event.changes.map((c) => html`<li><code>${c.field}</code>: <span class="muted u">${formatValue(c.field, c.before)}</span> → <span class="u">${formatValue(c.field, c.after)}</span></li>`)}
        </ul>`
  }${event.reason === undefined ? "" : html`<p class="u">${masked(event.reason)}</p>`}${
    typeof feedback === "string" ? html`<p>Feedback: <span class="u">${masked(feedback)}</span></p>` : ""
  }`;
}

function timeline(t: Ticket, events: Page<AuditEvent>): Html {
  const { number, pages } = pageOf(events.total, events.offset, EVENTS_PER_PAGE);
  const hrefFor = (p: number) =>
    hrefOf(`/tickets/${encodeURIComponent(t.id)}`, { events: p === 1 ? undefined : p });
  if (events.total === 0) return html`<p class="muted">No audit event names this ticket yet.</p>`;
  return html`<p class="summary">
      ${count(events.total)} ${events.total === 1 ? "event" : "events"}, oldest first.
    </p>
    <ol class="plain timeline">
      ${events.items.map(
        (e) =>
          html`<li>
            <div class="head">
              <span class="seq">#${e.seq}</span> <strong>${e.action}</strong>
              <span class="muted"
                >${when(e.timestamp)} · <span class="u">${e.actor}</span> ${channelText(e)}</span
              >
              ${e.fromRevision === undefined || e.toRevision === undefined ? "" : html`<span class="muted">revision ${e.fromRevision} → ${e.toRevision}</span>`}
            </div>
            ${eventDetail(e)}
          </li>`,
      )}
    </ol>
    ${pager(number, pages, hrefFor, "Audit event pages")}`;
}

export function ticketBody(data: TicketPageData): Html {
  const t = data.ticket;
  return html`<p><a href="/tickets">← All tickets</a></p>
    <h1><span class="mono muted">${t.id}</span> <span class="u">${masked(t.subject)}</span></h1>
    ${live("section", "ticket-fields", fields(t, data.now, data.atRiskWindowMs), html` aria-label="Ticket"`)}
    <div class="panels">
      <section aria-labelledby="source-title">
        <h2 id="source-title">Source</h2>
        ${source(data.source)}
        <h2>Internal notes</h2>
        ${live("div", "ticket-notes", notes(t))}
      </section>
      <section aria-labelledby="recs-title">
        <h2 id="recs-title">Recommendations</h2>
        ${live("div", "ticket-recs", recommendations(data.recommendations))}
        <h2>Similar tickets</h2>
        ${similar(data.similar)}
      </section>
    </div>
    <section aria-labelledby="handoffs-title">
      <h2 id="handoffs-title">Handoffs</h2>
      ${live("div", "ticket-handoffs", data.handoffs.length === 0 ? html`<p class="muted">No handoff for this ticket.</p>` : handoffRows(data.handoffs))}
    </section>
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Audit timeline</h2>
      ${live("div", "ticket-timeline", timeline(t, data.events))}
    </section>`;
}
