// The workspace: a team's own taxonomy, teams, plans, routing and thresholds (TRIAGE_CONFIG).
export * from "./file.js";
export * from "./check.js";
export * from "./workspace.js";
export * from "./schemas.js";
