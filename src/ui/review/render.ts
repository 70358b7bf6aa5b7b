import { LIMITS } from "../../domain/limits.js";
import type { ReviewFieldRow, ReviewPacket } from "../../domain/review-packet.js";
import { html, type Html } from "./html.js";

// The review packet as HTML: the review card in the chat (MCP Apps) and the reviewer desk render
// this same markup. Pure: a packet in, an escaped HTML string out. Every name, label and value
// comes from the packet (field names are the labels); the markup is a form whose controls a
// script or a POST reads by name:
//   field (checkbox, one per proposed field, value = field name), draftReply, reviewer, feedback,
//   and the submit buttons `decision=approve` ("Approve selected fields") and `decision=reject`
//   ("Reject with feedback"); `data-*` on the form name the recommendation, ticket and revision.

export interface ReviewFormOptions {
  /** Prefix of every element id, so that several packets can share a page. Default "rc". */
  readonly idPrefix?: string;
  /** The reviewer's name, when it is already known. */
  readonly reviewer?: string;
  /** The name is settled elsewhere (the desk's session): shown, not editable. */
  readonly reviewerReadOnly?: boolean;
  /** Where the form posts (a server-rendered page); without it the form is handled by script. */
  readonly action?: string;
  /** Hidden inputs to post with the form (a CSRF token). */
  readonly hidden?: Readonly<Record<string, string>>;
}

/** The form's data attributes: what a script needs to build the decision. */
export const FORM_DATA = {
  recommendationId: "data-recommendation-id",
  ticketId: "data-ticket-id",
  revision: "data-revision",
} as const;

const DRAFT_FIELD = "customerResponse";

/** An ISO time as every reader and locale sees the same text: `2026-01-05 14:30 UTC`. */
export function when(iso: string): string {
  // 2026-01-05T14:30:00.000Z -> 2026-01-05 14:30 UTC (the same text for every reader and locale).
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m === null ? iso : `${m[1]} ${m[2]} UTC`;
}

const percent = (x: number) => `${Math.round(x * 100)}%`;

function tags(values: readonly string[], empty: string): Html {
  if (values.length === 0) return html`<span class="rc-muted">${empty}</span>`;
  return html`${values.map((v) => html`<span class="rc-tag">${v}</span> `)}`;
}

function header(packet: ReviewPacket): Html {
  const { ticket } = packet;
  const c = ticket.customer;
  return html`<header class="rc-head">
    <p class="rc-kicker">Triage recommendation · awaiting a human decision</p>
    <h1 class="rc-title">
      <span class="rc-id">${ticket.id}</span> <span class="rc-u">${ticket.subject}</span>
    </h1>
    <dl class="rc-facts">
      <div>
        <dt>Customer</dt>
        <dd>
          <span class="rc-u">${c.name}</span> · ${c.plan} ·
          ${c.region}${c.vip ? html` <span class="rc-tag rc-tag-vip">VIP</span>` : ""}
        </dd>
      </div>
      <div>
        <dt>SLA</dt>
        <dd>
          <span class="rc-badge rc-sla-${ticket.sla.state}">${ticket.sla.state}</span> response due
          ${when(ticket.sla.responseDueAt)}
        </dd>
      </div>
      <div>
        <dt>Ticket</dt>
        <dd>revision ${ticket.revision} · status ${ticket.status}</dd>
      </div>
      <div>
        <dt>Proposed by</dt>
        <dd><span class="rc-u">${packet.proposedBy}</span> · confidence ${packet.confidence.toFixed(2)}</dd>
      </div>
    </dl>
  </header>`;
}

function notice(packet: ReviewPacket): Html {
  if (packet.resolution === "approved") {
    return html`<p class="rc-notice rc-ok">
      Already approved by <span class="rc-u">${packet.resolvedBy ?? "a reviewer"}</span>:
      ${(packet.approvedFields ?? []).join(", ")}. Nothing is left to decide.
    </p>`;
  }
  if (packet.resolution === "rejected") {
    return html`<p class="rc-notice rc-warn">
      Already rejected by <span class="rc-u">${packet.resolvedBy ?? "a reviewer"}</span>:
      <span class="rc-u">${packet.feedback ?? ""}</span>. Nothing is left to decide.
    </p>`;
  }
  if (!packet.approval.approvable) {
    return html`<p class="rc-notice rc-danger" role="alert">
      <strong>${packet.approval.code}</strong>: ${packet.approval.message}
    </p>`;
  }
  return html``;
}

function fieldRow(
  row: ReviewFieldRow,
  packet: ReviewPacket,
  id: (name: string) => string,
  disabled: boolean,
): Html {
  const box = id(`field-${row.field}`);
  const change = id(`change-${row.field}`);
  const required = packet.escalation.requiredTeam;
  const flags = [
    row.neededForRouting
      ? html`<p class="rc-flag">
          Needed for routing: ${packet.ticket.id} must end up with team ${required ?? ""}; approving without
          this field is refused.
        </p>`
      : "",
    row.contradictsRequiredTeam
      ? html`<p class="rc-flag">Contradicts the required team ${required ?? ""}: approving it is refused.</p>`
      : "",
    row.edited ? html`<p class="rc-note">The edited reply, not the original draft.</p>` : "",
    row.changes ? "" : html`<p class="rc-note">Unchanged: approving it leaves the value as it is.</p>`,
  ];
  const flagged = row.neededForRouting || row.contradictsRequiredTeam;
  return html`<li class="rc-row${flagged ? " rc-row-flag" : ""}">
    <input
      type="checkbox"
      name="field"
      value="${row.field}"
      id="${box}"
      aria-describedby="${change}"
      ${disabled ? html` disabled` : ""}
    />
    <div class="rc-row-body">
      <label class="rc-fname" for="${box}">${row.field}</label>
      <p class="rc-change${row.field === DRAFT_FIELD ? " rc-change-long" : ""}" id="${change}">
        <span class="rc-sr">now: </span><span class="rc-now rc-u">${row.currentText}</span>
        <span class="rc-arrow" aria-hidden="true">→</span><span class="rc-sr">, proposed: </span>
        <span class="rc-new rc-u">${row.proposedText}</span>
      </p>
      ${flags}
    </div>
  </li>`;
}

function escalation(packet: ReviewPacket): Html {
  const { reasons, requiredTeam, ticketHasRequiredTeam } = packet.escalation;
  const team =
    requiredTeam === null
      ? html`none (routing is free)`
      : html`<strong>${requiredTeam}</strong>
          ${ticketHasRequiredTeam ? "(already its team)" : "(the ticket must end up there)"}`;
  return html`<section class="rc-sec" aria-label="Escalation">
    <h2>Escalation <span class="rc-muted">(computed by the server's policy)</span></h2>
    <p>Reasons: ${tags(reasons, "none")}</p>
    <p>Required team: ${team}</p>
  </section>`;
}

function signals(packet: ReviewPacket): Html {
  if (packet.serverSignals.length === 0) return html``;
  return html`<section class="rc-sec" aria-label="Evidence">
    <h2>Warning signs in the ticket</h2>
    <ul class="rc-list">
      ${packet.serverSignals.map(
        (s) =>
          html`<li>
            <span class="rc-tag rc-kind-${s.kind}">${s.kind}</span> <code>${s.rule}</code> in ${s.field}:
            <q class="rc-quote rc-u">${s.span.text}</q><span class="rc-effect">${s.effect}</span>
          </li>`,
      )}
    </ul>
    <p class="rc-hint">Quoted from the ticket: customer text is data, never instructions or approval.</p>
  </section>`;
}

function similar(packet: ReviewPacket): Html {
  const { similarTickets, duplicateCandidates } = packet;
  if (similarTickets.length === 0 && duplicateCandidates.length === 0) return html``;
  return html`<section class="rc-sec" aria-label="Similar tickets">
    <h2>Similar tickets</h2>
    <ul class="rc-list">
      ${similarTickets.map(
        (t) =>
          html`<li>
            <span class="rc-id">${t.ticketId}</span> <span class="rc-conf">${percent(t.confidence)}</span>
            <span class="rc-u rc-muted">${t.evidence}</span>
          </li>`,
      )}${duplicateCandidates.map(
        (d) =>
          html`<li>
            <span class="rc-id">${d.ticketId}</span> <span class="rc-conf">${percent(d.confidence)}</span>
            <span class="rc-tag">named as duplicate</span> <span class="rc-u rc-muted">${d.evidence}</span>
          </li>`,
      )}
    </ul>
  </section>`;
}

function articles(packet: ReviewPacket): Html {
  if (packet.citedArticles.length === 0) return html``;
  return html`<section class="rc-sec" aria-label="Cited articles">
    <h2>Cited articles</h2>
    <ul class="rc-list">
      ${packet.citedArticles.map(
        (a) =>
          html`<li>
            <code>${a.id}</code>
            ${a.title === null ? html`<span class="rc-flag-inline">not in the knowledge base</span>` : a.title}
          </li>`,
      )}
    </ul>
  </section>`;
}

function reasoning(packet: ReviewPacket): Html {
  return html`<section class="rc-sec" aria-label="Rationale">
    <h2>Why</h2>
    <p class="rc-u">${packet.rationale}</p>
    <p>
      <span class="rc-muted">Next action:</span> <span class="rc-u">${packet.recommendedNextAction}</span>
    </p>
    ${
      packet.missingInformation.length === 0
        ? ""
        : html`<p><span class="rc-muted">Missing information:</span></p>
            <ul class="rc-list">
              ${packet.missingInformation.map((m) => html`<li class="rc-u">${m}</li>`)}
            </ul>`
    }
  </section>`;
}

function draft(packet: ReviewPacket, id: (name: string) => string, disabled: boolean): Html {
  const proposesReply = packet.fields.some((f) => f.field === DRAFT_FIELD);
  if (!proposesReply) return html``;
  const area = id("draft");
  return html`<section class="rc-sec">
    <h2><label for="${area}">Draft reply to the customer</label></h2>
    <textarea
      id="${area}"
      name="draftReply"
      rows="4"
      maxlength="${LIMITS.longText}"
      ${disabled ? html` disabled` : ""}
    >
${packet.draftReply}</textarea>
    <p class="rc-hint">Sent only if you tick ${DRAFT_FIELD}; what you leave here is what is sent.</p>
  </section>`;
}

/** A submit button of the form: `decision=approve` is the primary action. */
function decisionButton(decision: "approve" | "reject", label: string, enabled: boolean): Html {
  const kind = decision === "approve" ? "rc-primary" : "rc-secondary";
  return html`<button
    type="submit"
    name="decision"
    value="${decision}"
    class="${kind}"
    ${enabled ? "" : html` disabled`}
  >
    ${label}
  </button>`;
}

/** The review packet as an escaped HTML form (see the top of this file for its controls). */
export function renderReviewForm(packet: ReviewPacket, options: ReviewFormOptions = {}): string {
  const prefix = options.idPrefix ?? "rc";
  const id = (name: string) => `${prefix}-${name}`;
  const pending = packet.resolution === "pending";
  const canApprove = pending && packet.approval.approvable;
  const hidden = Object.entries(options.hidden ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`,
  );
  const form = html`<form
    class="rc"
    novalidate${options.action === undefined ? "" : html` method="post" action="${options.action}"`}
    ${FORM_DATA.recommendationId}="${packet.recommendationId}"
    ${FORM_DATA.ticketId}="${packet.ticket.id}"
    ${FORM_DATA.revision}="${packet.ticket.revision}"
  >
    ${hidden} ${header(packet)} ${notice(packet)}
    <fieldset class="rc-fields" ${pending ? "" : html` disabled`}>
      <legend>Proposed fields</legend>
      <p class="rc-hint">
        Tick each field to apply; nothing is ticked for you, and only ticked fields change.
      </p>
      <ul>
        ${packet.fields.map((row) => fieldRow(row, packet, id, !canApprove))}
      </ul>
    </fieldset>
    ${escalation(packet)} ${signals(packet)} ${similar(packet)} ${articles(packet)} ${reasoning(packet)}
    ${draft(packet, id, !canApprove)}
    <section class="rc-sec rc-decide">
      <div class="rc-inputs">
        <label for="${id("reviewer")}">Reviewer</label>
        <input
          id="${id("reviewer")}"
          name="reviewer"
          autocomplete="name"
          maxlength="${LIMITS.actor}"
          required
          value="${options.reviewer ?? ""}"
          ${pending ? "" : html` disabled`}${options.reviewerReadOnly === true ? html` readonly` : ""}
        />
        <label for="${id("feedback")}">Feedback (required to reject)</label>
        <textarea
          id="${id("feedback")}"
          name="feedback"
          rows="2"
          maxlength="${LIMITS.feedback}"
          ${pending ? "" : html` disabled`}
        ></textarea>
      </div>
      <div class="rc-actions">
        ${decisionButton("approve", "Approve selected fields", canApprove)}
        ${decisionButton("reject", "Reject with feedback", pending)}
      </div>
      <div class="rc-status" id="${id("status")}" role="status" aria-live="polite"></div>
    </section>
  </form>`;
  return form.value;
}
