import type { EscalationReason } from "../domain/enums.js";
import type { Handoff } from "../domain/handoffs.js";
import type { Recommendation, Ticket } from "../domain/schemas.js";
import { teamOf, type Workspace } from "../domain/workspace/index.js";

// The outbox: an approval that applies an escalated routing enqueues, in the same transaction, a
// notification for the owning team's channel and, for the workspace's bug-card categories, a bug
// card. Which reasons notify (handoffs.notifyOn) and which categories get a card
// (handoffs.bugCardCategories) are the workspace's. Nothing leaves the machine here; `handoffs
// deliver` sends them later.

export interface ApprovedRouting {
  /** The ticket after the approval. */
  readonly ticket: Ticket;
  readonly rec: Recommendation;
  /** The escalation reasons computed at approval. */
  readonly reasons: readonly EscalationReason[];
  readonly actor: string;
  readonly now: Date;
}

export function handoffsFor(approved: ApprovedRouting, workspace: Workspace, newId: () => string): Handoff[] {
  const { ticket, rec, actor, now } = approved;
  const escalated = approved.reasons.filter((r) => workspace.handoffs.notifyOn.includes(r));
  if (escalated.length === 0 || ticket.team === undefined) return [];
  const team = teamOf(workspace, ticket.team);
  if (team === undefined) return [];
  const base = {
    team: ticket.team,
    channel: team.channel,
    ticketId: ticket.id,
    recommendationId: rec.id,
    createdAt: now.toISOString(),
  };
  const summary =
    `${ticket.id} (${ticket.priority ?? "no priority"}, ${ticket.category ?? "uncategorized"}) routed to ${team.name}: ` +
    `${ticket.subject.slice(0, 140)}`;
  const out: Handoff[] = [
    {
      ...base,
      id: newId(),
      key: `${rec.id}:team-notification`,
      kind: "team-notification",
      payload: {
        text: `Escalation (${escalated.join(", ")}): ${summary}. Approved by ${actor}. On call: @${team.onCall}.`,
        ticketId: ticket.id,
        escalationReasons: escalated,
      },
    },
  ];
  if (ticket.category !== undefined && workspace.handoffs.bugCardCategories.includes(ticket.category)) {
    out.push({
      ...base,
      id: newId(),
      key: `${rec.id}:bug-card`,
      kind: "bug-card",
      payload: {
        text: `Bug card for ${ticket.id}: ${ticket.subject.slice(0, 140)}`,
        title: `[${ticket.id}] ${ticket.subject.slice(0, 120)}`,
        body: `${rec.rationale}\n\nNext action: ${rec.recommendedNextAction}`,
        labels: [ticket.category, ticket.priority ?? "unprioritized", ...escalated],
        ticketId: ticket.id,
      },
    });
  }
  return out;
}
