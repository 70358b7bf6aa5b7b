import { z } from "zod";

// Response targets by plan and VIP flag, in minutes from creation. Documented in the knowledge
// article sla-response-targets.md (a test keeps the two in step).

export const PLANS = ["enterprise", "growth", "team", "free"] as const;
export const planSchema = z.enum(PLANS);
export type Plan = z.infer<typeof planSchema>;

export const SLA_TARGET_MINUTES: Readonly<Record<Plan, { readonly standard: number; readonly vip: number }>> =
  {
    enterprise: { standard: 120, vip: 60 },
    growth: { standard: 240, vip: 120 },
    team: { standard: 480, vip: 240 },
    free: { standard: 1440, vip: 720 },
  };

/** The response deadline of a ticket created at `createdAt` for a customer on `plan`. */
export function slaDeadline(plan: Plan, vip: boolean, createdAt: Date): Date {
  const target = SLA_TARGET_MINUTES[plan];
  return new Date(createdAt.getTime() + (vip ? target.vip : target.standard) * 60_000);
}
