import type { SlaState } from "../enums.js";
import type { Ticket } from "../schemas.js";
import type { PlanDef } from "../workspace/workspace.js";

/**
 * SLA state at `now`: breached when flagged or past due; at-risk when due within `atRiskWindowMs`
 * (the workspace's escalation.slaAtRiskMinutes; exactly that far away counts as at-risk); healthy
 * otherwise.
 */
export function slaStateOf(ticket: Pick<Ticket, "sla">, now: Date, atRiskWindowMs: number): SlaState {
  if (ticket.sla.breached) return "breached";
  const due = Date.parse(ticket.sla.responseDueAt);
  const remaining = due - now.getTime();
  if (remaining <= 0) return "breached";
  if (remaining <= atRiskWindowMs) return "at-risk";
  return "healthy";
}

/**
 * The response deadline of a ticket created at `createdAt` for a customer on `plan`: the plan's
 * target for the VIP flag, or its target for `priority` when the plan has one and the ticket
 * arrives with that priority (an import).
 */
export function slaDeadline(plan: PlanDef, vip: boolean, createdAt: Date, priority?: string): Date {
  const byPriority = plan.targets.byPriority;
  const target =
    (priority !== undefined && Object.hasOwn(byPriority, priority) ? byPriority[priority] : undefined) ??
    plan.targets;
  return new Date(createdAt.getTime() + (vip ? target.vip : target.standard) * 60_000);
}
