import type { Recommendation } from "../../domain/schemas.js";
import type { QueueMetrics } from "../../service/triage-service.js";
import type { TeamSla } from "../../service/queue-service.js";
import { html, when, type Html } from "../../ui/review/index.js";
import { count, dataTable, hrefOf, live, ticketLink } from "./parts.js";

// The queue at a glance: the counts a lead watches, the SLA state of each team's open tickets
// (a chart drawn as inline SVG, with the same numbers in a table), and the oldest pending
// recommendations.

export interface DashboardData {
  readonly metrics: QueueMetrics;
  readonly teams: readonly TeamSla[];
  readonly handoffsWaiting: number;
  readonly handoffsFailed: number;
  readonly oldestPending: readonly Recommendation[];
}

function stat(n: number, label: string, href: string | null, tone: "" | "danger" | "warn" = ""): Html {
  const inner = html`<span class="n">${count(n)}</span><span class="l">${label}</span>`;
  const kind = `stat${tone === "" ? "" : ` ${tone}`}`;
  return html`<li>
    ${href === null ? html`<div class="${kind}">${inner}</div>` : html`<a class="${kind}" href="${href}">${inner}</a>`}
  </li>`;
}

function stats(data: DashboardData): Html {
  const m = data.metrics;
  return html`<ul class="stats" aria-label="Queue counts">
    ${stat(m.openTickets, "open tickets", "/tickets")} ${stat(m.untriagedTickets, "untriaged (open)", null)}
    ${stat(m.slaBreachedTickets, "SLA breached (open)", hrefOf("/tickets", { slaState: "breached" }), m.slaBreachedTickets > 0 ? "danger" : "")}
    ${stat(m.slaAtRiskTickets, "SLA at risk (open)", hrefOf("/tickets", { slaState: "at-risk" }), m.slaAtRiskTickets > 0 ? "warn" : "")}
    ${stat(m.pendingRecommendations, "pending recommendations", "/reviews")}
    ${stat(data.handoffsWaiting, "handoffs waiting", hrefOf("/handoffs", { status: "pending" }))}
    ${stat(data.handoffsFailed, "handoffs failed", hrefOf("/handoffs", { status: "failed" }), data.handoffsFailed > 0 ? "danger" : "")}
  </ul>`;
}

const teamName = (row: TeamSla) => row.team ?? "(no team)";

const STATES = [
  { key: "breached", label: "breached" },
  { key: "atRisk", label: "at-risk" },
  { key: "healthy", label: "healthy" },
] as const;

/** Stacked horizontal bars, one per team: SVG attributes only, so the strict CSP needs no inline style. */
function chart(rows: readonly TeamSla[]): Html {
  const labelWidth = 140;
  const barWidth = 360;
  const rowHeight = 26;
  const width = labelWidth + barWidth + 60;
  const height = rows.length * rowHeight + 4;
  const max = Math.max(1, ...rows.map((r) => r.open));
  const summary = rows
    .filter((r) => r.open > 0)
    .map((r) => `${teamName(r)}: ${r.breached} breached, ${r.atRisk} at risk, ${r.healthy} healthy`)
    .join("; ");
  const bars = rows.map((row, i) => {
    const y = i * rowHeight + 4;
    let x = labelWidth;
    const segments = STATES.map(({ key, label }) => {
      const n = row[key];
      const w = (n / max) * barWidth;
      const rect =
        n === 0
          ? html``
          : html`<rect
              class="bar-${label}"
              x="${x.toFixed(1)}"
              y="${y}"
              width="${Math.max(w, 1).toFixed(1)}"
              height="${rowHeight - 8}"
              ><title>${teamName(row)}: ${n} ${label}</title></rect
            >`;
      x += w;
      return rect;
    });
    return html`<g>
      <text x="0" y="${y + rowHeight / 2}">${teamName(row)}</text>
      ${segments}
      <text class="n" x="${(x + 6).toFixed(1)}" y="${y + rowHeight / 2}">${row.open}</text>
    </g>`;
  });
  return html`<svg
      class="chart"
      viewBox="0 0 ${width} ${height}"
      role="img"
      aria-labelledby="sla-chart-title sla-chart-desc"
    >
      <title id="sla-chart-title">Open tickets by team and SLA state</title>
      <desc id="sla-chart-desc">${summary === "" ? "No open tickets." : summary}</desc>
      ${bars}
    </svg>
    <ul class="legend" aria-hidden="true">
      <li class="k-breached">breached</li>
      <li class="k-at-risk">at risk (due within an hour)</li>
      <li class="k-healthy">healthy</li>
    </ul>`;
}

function teamTable(rows: readonly TeamSla[]): Html {
  const cell = (row: TeamSla, state: "breached" | "at-risk" | "healthy", n: number) =>
    row.team === null || n === 0
      ? html`${count(n)}`
      : html`<a href="${hrefOf("/tickets", { team: row.team, slaState: state })}">${count(n)}</a>`;
  return dataTable(
    "Load per team: open tickets by SLA state",
    [
      "Team",
      { label: "Open", className: "num" },
      { label: "Breached", className: "num" },
      { label: "At risk", className: "num" },
      { label: "Healthy", className: "num" },
    ],
    rows.map(
      (row) =>
        html`<tr>
          <th scope="row">
            ${row.team === null ? "(no team)" : html`<a href="${hrefOf("/tickets", { team: row.team })}">${row.team}</a>`}
          </th>
          <td class="num">${count(row.open)}</td>
          <td class="num">${cell(row, "breached", row.breached)}</td>
          <td class="num">${cell(row, "at-risk", row.atRisk)}</td>
          <td class="num">${cell(row, "healthy", row.healthy)}</td>
        </tr>`,
    ),
  );
}

function breakdown(
  title: string,
  counts: Readonly<Record<string, number>>,
  filter: "category" | "priority",
): Html {
  return html`<h2>${title}</h2>
    <ul class="tally">
      ${Object.entries(counts).map(
        ([value, n]) =>
          html`<li><a href="${hrefOf("/tickets", { [filter]: value })}">${value}</a> ${count(n)}</li>`,
      )}
    </ul>`;
}

function oldest(recs: readonly Recommendation[]): Html {
  if (recs.length === 0) return html`<p class="muted">Nothing is waiting for a decision.</p>`;
  return html`<ul class="plain">
    ${recs.map(
      (r) =>
        html`<li>
          ${ticketLink(r.ticketId)} · <a href="/reviews/${r.id}">review</a>
          <span class="muted"
            >submitted ${when(r.createdAt)} by <span class="u">${r.actor}</span>, confidence
            ${r.confidence.toFixed(2)}</span
          >
          ${r.escalationReasons.length === 0 ? "" : html` · escalation: ${r.escalationReasons.join(", ")}`}
        </li>`,
    )}
  </ul>`;
}

export function dashboardBody(data: DashboardData): Html {
  const m = data.metrics;
  return html`<h1>Queue</h1>
    <p class="lede">
      Counted ${when(m.generatedAt)}; this page follows changes made by any client or reviewer.
    </p>
    ${live("div", "dash-stats", stats(data))}
    <div class="panels">
      <section aria-labelledby="sla-title">
        <h2 id="sla-title">SLA by team</h2>
        ${live("div", "dash-chart", chart(data.teams))}
      </section>
      <section aria-labelledby="load-title">
        <h2 id="load-title">Load per team</h2>
        ${live("div", "dash-load", teamTable(data.teams))}
      </section>
    </div>
    <div class="panels">
      ${live("section", "dash-breakdown", html`${breakdown("Open by priority", m.ticketsByPriority, "priority")}${breakdown("Open by category", m.ticketsByCategory, "category")}`)}
      <section aria-labelledby="oldest-title">
        <h2 id="oldest-title">Oldest pending recommendations</h2>
        ${live("div", "dash-oldest", oldest(data.oldestPending))}
      </section>
    </div>`;
}
