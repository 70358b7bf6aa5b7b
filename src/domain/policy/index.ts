export * from "./sla.js";
export * from "./escalation.js";
export * from "./approval.js";
export * from "./assessment.js";
