import { z } from "zod";

// The closed vocabularies the server's code relies on. Order matters: it is the order used in
// outputs (escalation reasons are always reported in ESCALATION_REASONS order). A team's own
// values (categories, priorities, statuses, teams, plans) are not here: they come from the
// workspace file (src/domain/workspace/), and are strings checked against it at the boundary.
export const RISKS = ["none", "possible", "likely", "confirmed"] as const;
export const ESCALATION_REASONS = [
  "security",
  "outage",
  "low-confidence",
  "sla",
  "missing-information",
  "policy-conflict",
] as const;
/** The ticket fields an approval can apply; a workspace chooses which of them reviewers approve. */
export const APPROVABLE_FIELDS = [
  "category",
  "priority",
  "team",
  "assignee",
  "status",
  "tags",
  "customerResponse",
] as const;
export const RESOLUTIONS = ["pending", "approved", "rejected"] as const;
export const SLA_STATES = ["breached", "at-risk", "healthy"] as const;

export const riskSchema = z.enum(RISKS);
export const escalationReasonSchema = z.enum(ESCALATION_REASONS);
export const approvableFieldSchema = z.enum(APPROVABLE_FIELDS);
export const resolutionSchema = z.enum(RESOLUTIONS);
export const slaStateSchema = z.enum(SLA_STATES);

/** Values of the workspace's lists: strings, checked against the workspace where they enter. */
export type Category = string;
export type Priority = string;
export type Team = string;
export type Status = string;
export type Risk = z.infer<typeof riskSchema>;
export type EscalationReason = z.infer<typeof escalationReasonSchema>;
export type ApprovableField = z.infer<typeof approvableFieldSchema>;
export type Resolution = z.infer<typeof resolutionSchema>;
export type SlaState = z.infer<typeof slaStateSchema>;
