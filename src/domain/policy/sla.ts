import type { SlaState } from "../enums.js";
import type { Ticket } from "../schemas.js";

/** A ticket whose response is due within this window is "at risk" (inclusive). */
export const SLA_AT_RISK_WINDOW_MS = 60 * 60 * 1000;

/**
 * SLA state at `now`: breached when flagged or past due; at-risk when due within 60 minutes
 * (exactly 60 minutes away counts as at-risk); healthy otherwise.
 */
export function slaStateOf(ticket: Pick<Ticket, "sla">, now: Date): SlaState {
  if (ticket.sla.breached) return "breached";
  const due = Date.parse(ticket.sla.responseDueAt);
  const remaining = due - now.getTime();
  if (remaining <= 0) return "breached";
  if (remaining <= SLA_AT_RISK_WINDOW_MS) return "at-risk";
  return "healthy";
}
