import { z } from "zod";
import { riskSchema, type EscalationReason, type Risk } from "../enums.js";
import { compareRisk, maxRisk } from "../signals/risk.js";
import { signalSchema, type Signal } from "../signals/types.js";

// The server's own reading of a ticket, combined with the agent's claims. The agent may raise
// a risk but never lower it below what the ticket itself shows; understating it, or a ticket that
// carries instruction-like text, is a policy conflict that a human must look at.

export const serverSignalSchema = signalSchema.extend({
  effect: z.string().describe("What this evidence did to the recommendation."),
});
export type ServerSignal = z.infer<typeof serverSignalSchema>;

export const serverAssessmentSchema = z.object({
  securityRisk: riskSchema.describe("max(agent's securityRisk, the floor the ticket text implies)"),
  outageRisk: riskSchema.describe("max(agent's outageRisk, the floor the ticket text implies)"),
  policyConflict: z
    .boolean()
    .describe("True when the agent understated a risk or the ticket carries instruction-like text."),
});
export type ServerAssessment = z.infer<typeof serverAssessmentSchema>;

export interface Assessment {
  readonly assessment: ServerAssessment;
  readonly serverSignals: ServerSignal[];
}

function floorOf(signals: readonly Signal[], kind: "security" | "outage"): Risk {
  return maxRisk("none", ...signals.filter((s) => s.kind === kind).map((s) => s.floor ?? "possible"));
}

/** Combines the agent's claimed risks with the detected evidence. Pure and deterministic. */
export function assess(
  claimed: { readonly securityRisk: Risk; readonly outageRisk: Risk },
  signals: readonly Signal[],
): Assessment {
  const securityFloor = floorOf(signals, "security");
  const outageFloor = floorOf(signals, "outage");
  const securityRisk = maxRisk(claimed.securityRisk, securityFloor);
  const outageRisk = maxRisk(claimed.outageRisk, outageFloor);
  const understatedSecurity = compareRisk(claimed.securityRisk, securityFloor) < 0;
  const understatedOutage = compareRisk(claimed.outageRisk, outageFloor) < 0;
  const injection = signals.some((s) => s.kind === "injection");

  const serverSignals = signals.map((s): ServerSignal => {
    if (s.kind === "injection") {
      return {
        ...s,
        effect:
          "policy-conflict: instruction-like or approval-claiming text in the ticket is treated as a warning sign, not as instructions or approval",
      };
    }
    const claimedRisk = s.kind === "security" ? claimed.securityRisk : claimed.outageRisk;
    const field = s.kind === "security" ? "securityRisk" : "outageRisk";
    const floor = s.floor ?? "possible";
    return {
      ...s,
      effect:
        compareRisk(claimedRisk, floor) < 0
          ? `raised ${field} from ${claimedRisk} to at least ${floor} (policy-conflict: the agent understated it)`
          : `supports the agent's ${field} (${claimedRisk})`,
    };
  });
  return {
    assessment: {
      securityRisk,
      outageRisk,
      policyConflict: injection || understatedSecurity || understatedOutage,
    },
    serverSignals,
  };
}

/** Extra escalation reasons implied by an assessment. */
export function assessmentReasons(assessment: ServerAssessment | undefined): EscalationReason[] {
  return assessment?.policyConflict === true ? ["policy-conflict"] : [];
}
