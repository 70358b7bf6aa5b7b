import { ESCALATION_REASONS, type EscalationReason, type Priority, type Risk, type Team } from "../enums.js";
import type { Recommendation, Ticket } from "../schemas.js";
import { compareRisk } from "../signals/risk.js";
import type { TriagePolicy } from "../workspace/workspace.js";
import { assessmentReasons } from "./assessment.js";
import { slaStateOf } from "./sla.js";

export interface EscalationInput {
  readonly securityRisk: Risk;
  readonly outageRisk: Risk;
  readonly confidence: number;
  readonly priority: Priority;
  readonly missingInformation: readonly string[];
  /** Extra reasons decided elsewhere by deterministic rules (e.g. policy-conflict). */
  readonly extraReasons?: readonly EscalationReason[];
}

export interface Escalation {
  readonly escalationRequired: boolean;
  readonly escalationReasons: EscalationReason[];
  /** The team the ticket must end up with after approval, or null when routing is free. */
  readonly requiredTeam: Team | null;
}

/**
 * The escalation rules, pure and deterministic, with the workspace's routing and thresholds
 * (`policy`). The caller's own list of reasons is never consulted: reasons are always derived
 * from the risks, the ticket and the clock. A routing rule applies from its risk level on, adds
 * its reason (security, outage) and requires its team; of several, the lowest precedence wins.
 */
export function computeEscalation(
  input: EscalationInput,
  ticket: Pick<Ticket, "sla">,
  now: Date,
  policy: TriagePolicy,
): Escalation {
  const reasons = new Set<EscalationReason>(input.extraReasons ?? []);
  const risks = { security: input.securityRisk, outage: input.outageRisk };
  // policy.routing is ordered by precedence: the first rule that applies decides the team.
  let requiredTeam: Team | null = null;
  for (const rule of policy.routing) {
    if (compareRisk(risks[rule.risk], rule.from) < 0) continue;
    reasons.add(rule.risk);
    requiredTeam ??= rule.team;
  }
  if (input.confidence < policy.lowConfidenceBelow) reasons.add("low-confidence");
  if (slaStateOf(ticket, now, policy.atRiskWindowMs) !== "healthy") reasons.add("sla");
  const highImpact =
    policy.highImpactPriorities.includes(input.priority) ||
    input.securityRisk !== "none" ||
    input.outageRisk !== "none";
  if (highImpact && input.missingInformation.length > 0) reasons.add("missing-information");
  const ordered = ESCALATION_REASONS.filter((r) => reasons.has(r));
  return { escalationRequired: ordered.length > 0, escalationReasons: ordered, requiredTeam };
}

/**
 * The escalation input of a stored recommendation: the server's assessed risks when present
 * (never the agent's lower claim) and the policy-conflict it implies.
 */
export function escalationInputOf(rec: Recommendation): EscalationInput {
  return {
    securityRisk: rec.serverAssessment?.securityRisk ?? rec.securityRisk,
    outageRisk: rec.serverAssessment?.outageRisk ?? rec.outageRisk,
    confidence: rec.confidence,
    priority: rec.priority,
    missingInformation: rec.missingInformation,
    extraReasons: assessmentReasons(rec.serverAssessment),
  };
}
