import { z } from "zod";

// The closed vocabularies of the triage contract. Order matters: it is the order used in
// outputs (escalation reasons are always reported in ESCALATION_REASONS order).
export const CATEGORIES = [
  "account-access",
  "authentication",
  "billing",
  "api",
  "integration",
  "performance",
  "incident",
  "security",
  "feature-request",
  "other",
] as const;
export const PRIORITIES = ["P1", "P2", "P3", "P4"] as const;
export const TEAMS = [
  "support",
  "billing",
  "identity",
  "api-platform",
  "integrations",
  "incident-response",
  "security",
  "product",
] as const;
export const STATUSES = ["new", "triage", "waiting-customer", "in-progress", "resolved"] as const;
export const RISKS = ["none", "possible", "likely", "confirmed"] as const;
export const ESCALATION_REASONS = [
  "security",
  "outage",
  "low-confidence",
  "sla",
  "missing-information",
  "policy-conflict",
] as const;
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

export const categorySchema = z.enum(CATEGORIES);
export const prioritySchema = z.enum(PRIORITIES);
export const teamSchema = z.enum(TEAMS);
export const statusSchema = z.enum(STATUSES);
export const riskSchema = z.enum(RISKS);
export const escalationReasonSchema = z.enum(ESCALATION_REASONS);
export const approvableFieldSchema = z.enum(APPROVABLE_FIELDS);
export const resolutionSchema = z.enum(RESOLUTIONS);
export const slaStateSchema = z.enum(SLA_STATES);

export type Category = z.infer<typeof categorySchema>;
export type Priority = z.infer<typeof prioritySchema>;
export type Team = z.infer<typeof teamSchema>;
export type Status = z.infer<typeof statusSchema>;
export type Risk = z.infer<typeof riskSchema>;
export type EscalationReason = z.infer<typeof escalationReasonSchema>;
export type ApprovableField = z.infer<typeof approvableFieldSchema>;
export type Resolution = z.infer<typeof resolutionSchema>;
export type SlaState = z.infer<typeof slaStateSchema>;
