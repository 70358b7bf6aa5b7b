import { ESCALATION_REASONS, type EscalationReason, type Priority, type Risk, type Team } from "../enums.js";
import type { Recommendation, Ticket } from "../schemas.js";
import { assessmentReasons } from "./assessment.js";
import { slaStateOf } from "./sla.js";

/** Below this confidence a recommendation is escalated as low-confidence (0.75 itself is fine). */
export const LOW_CONFIDENCE_THRESHOLD = 0.75;

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

const OUTAGE_RISKS: ReadonlySet<Risk> = new Set(["likely", "confirmed"]);

/**
 * The contract's escalation rules, pure and deterministic. The caller's own list of reasons is
 * never consulted: reasons are always derived from the risks, the ticket and the clock.
 */
export function computeEscalation(
  input: EscalationInput,
  ticket: Pick<Ticket, "sla">,
  now: Date,
): Escalation {
  const reasons = new Set<EscalationReason>(input.extraReasons ?? []);
  const security = input.securityRisk !== "none";
  const outage = OUTAGE_RISKS.has(input.outageRisk);
  if (security) reasons.add("security");
  if (outage) reasons.add("outage");
  if (input.confidence < LOW_CONFIDENCE_THRESHOLD) reasons.add("low-confidence");
  if (slaStateOf(ticket, now) !== "healthy") reasons.add("sla");
  const highImpact =
    input.priority === "P1" || input.priority === "P2" || security || input.outageRisk !== "none";
  if (highImpact && input.missingInformation.length > 0) reasons.add("missing-information");
  const ordered = ESCALATION_REASONS.filter((r) => reasons.has(r));
  // Security takes precedence over outage routing.
  const requiredTeam: Team | null = security ? "security" : outage ? "incident-response" : null;
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
