import { ESCALATION_REASONS } from "../domain/enums.js";
import type { Workspace } from "../domain/workspace/index.js";
import type { StoreView } from "../store/index.js";

// The queue's health, from indexes the store keeps up to date (nothing here scans the tickets),
// counted with the workspace's statuses (closed ones are not open), values and at-risk window.

export interface QueueMetrics {
  generatedAt: string;
  openTickets: number;
  untriagedTickets: number;
  slaBreachedTickets: number;
  slaAtRiskTickets: number;
  ticketsByCategory: Record<string, number>;
  ticketsByPriority: Record<string, number>;
  ticketsByTeam: Record<string, number>;
  submittedRecommendations: number;
  pendingRecommendations: number;
  approvedRecommendations: number;
  rejectedRecommendations: number;
  acceptanceRate: number | null;
  rejectionRate: number | null;
  averageConfidence: number | null;
  escalationCounts: { total: number } & Record<string, number>;
  minutesPerAcceptedRecommendation: number;
  estimatedMinutesSaved: number;
}

/** Every value of a list, 0 when the store counts none (a stored value the workspace lacks is kept). */
function withZeroes(
  values: readonly string[],
  counts: Readonly<Record<string, number>>,
): Record<string, number> {
  return { ...Object.fromEntries(values.map((v) => [v, 0])), ...counts };
}

function ratio(n: number, d: number): number | null {
  return d === 0 ? null : Math.round((n / d) * 10_000) / 10_000;
}

export function queueMetricsOf(
  view: StoreView,
  workspace: Workspace,
  now: Date,
  minutesSaved: number,
): QueueMetrics {
  const open = view.openTicketStats(workspace.queue);
  const sla = view.slaCounts(now.getTime(), workspace.queue);
  const stats = view.recommendationStats();
  const decided = stats.approved + stats.rejected;
  const escalationCounts: QueueMetrics["escalationCounts"] = { total: stats.escalationCounts.total ?? 0 };
  for (const reason of ESCALATION_REASONS) escalationCounts[reason] = stats.escalationCounts[reason] ?? 0;
  const { vocabulary } = workspace;
  return {
    generatedAt: now.toISOString(),
    openTickets: open.open,
    untriagedTickets: open.untriaged,
    slaBreachedTickets: sla.breached,
    slaAtRiskTickets: sla.atRisk,
    ticketsByCategory: withZeroes(vocabulary.categories, open.byCategory),
    ticketsByPriority: withZeroes(vocabulary.priorities, open.byPriority),
    ticketsByTeam: withZeroes(vocabulary.teams, open.byTeam),
    submittedRecommendations: stats.submitted,
    pendingRecommendations: stats.pending,
    approvedRecommendations: stats.approved,
    rejectedRecommendations: stats.rejected,
    acceptanceRate: ratio(stats.approved, decided),
    rejectionRate: ratio(stats.rejected, decided),
    averageConfidence: ratio(stats.confidenceSum, stats.submitted),
    escalationCounts,
    minutesPerAcceptedRecommendation: minutesSaved,
    estimatedMinutesSaved: stats.approved * minutesSaved,
  };
}
