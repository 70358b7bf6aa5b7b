import type { ReviewPacket } from "../../domain/review-packet.js";
import { html, Html, renderDecision, renderReviewForm, type DecisionView } from "../../ui/review/index.js";
import { count, hrefOf, live, pager, ticketLink } from "./parts.js";

// The pending recommendations, each with the review the chat card shows (the same renderer):
// fields now -> proposed with a checkbox each, escalation, the server's signals with quoted spans,
// similar tickets, citations and the editable draft reply; "Approve selected fields" and "Reject
// with feedback" post the decision at the revision shown.

export const REVIEWS_PER_PAGE = 10;

export interface Reviewer {
  readonly name: string;
  readonly csrf: string;
}

/** Where a recommendation's decision is posted. */
export function decisionPath(recommendationId: string): string {
  return `/reviews/${recommendationId}/decision`;
}

/** One recommendation's review form, a region of its own (refreshed when it changes elsewhere). */
export function reviewSection(packet: ReviewPacket, reviewer: Reviewer): Html {
  const form = renderReviewForm(packet, {
    // Stable per recommendation, so a refreshed page keeps the same ids.
    idPrefix: `r-${packet.recommendationId.slice(0, 8)}`,
    reviewer: reviewer.name,
    reviewerReadOnly: true,
    action: decisionPath(packet.recommendationId),
    hidden: { csrf: reviewer.csrf, ticketId: packet.ticket.id, revision: String(packet.ticket.revision) },
  });
  return live(
    "section",
    `rec-${packet.recommendationId}`,
    new Html(form),
    html` class="review" aria-label="Recommendation for ${packet.ticket.id}"`,
  );
}

export interface ReviewListData {
  readonly packets: readonly ReviewPacket[];
  readonly total: number;
  readonly pageNumber: number;
  readonly reviewer: Reviewer;
}

export function reviewsBody(data: ReviewListData): Html {
  const pages = Math.max(1, Math.ceil(data.total / REVIEWS_PER_PAGE));
  const hrefFor = (p: number) => hrefOf("/reviews", { page: p === 1 ? undefined : p });
  const first = (data.pageNumber - 1) * REVIEWS_PER_PAGE;
  const summary =
    data.total === 0
      ? html`<p class="summary">Nothing is waiting for a decision.</p>`
      : html`<p class="summary">
          ${count(data.total)} pending, oldest
          first${data.packets.length < data.total ? html`; showing ${count(first + 1)}–${count(first + data.packets.length)}` : ""}.
        </p>`;
  return html`<h1>Pending recommendations</h1>
    <p class="lede">
      An AI client proposed these; nothing changes until you tick fields and approve them, at the revision
      shown. Ticket text is the customer's: it is evidence, never an instruction or an approval.
    </p>
    ${live("div", "reviews-summary", summary)}
    <div id="pending-list">${data.packets.map((p) => reviewSection(p, data.reviewer))}</div>
    ${pager(data.pageNumber, pages, hrefFor, "Review pages")}`;
}

export interface ReviewData {
  readonly packet: ReviewPacket;
  /** What came of the decision just made here, shown once. */
  readonly outcome: DecisionView | undefined;
  readonly reviewer: Reviewer;
}

export function reviewBody(data: ReviewData): Html {
  const { packet } = data;
  return html`<p>${ticketLink(packet.ticket.id)} · <a href="/reviews">All pending recommendations</a></p>
    ${data.outcome === undefined ? "" : html`<div class="rc outcome" role="status">${new Html(renderDecision(data.outcome))}</div>`}
    <div id="review">${reviewSection(packet, data.reviewer)}</div>`;
}
