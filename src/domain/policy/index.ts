export * from "./sla.js";
export * from "./escalation.js";
export * from "./approval.js";
