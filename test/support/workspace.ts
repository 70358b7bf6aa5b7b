import { inputSchemasFor } from "../../src/domain/inputs.js";
import { toolsFor } from "../../src/mcp/tools/index.js";
import { loadWorkspace } from "../../src/service/workspace.js";

// The bundled workspace (data/workspace.json), read once per test file: what a server started
// without TRIAGE_CONFIG uses.

export const BUNDLED_WORKSPACE = loadWorkspace().workspace;
/** The tool input schemas of the bundled workspace. */
export const BUNDLED_INPUTS = inputSchemasFor(BUNDLED_WORKSPACE);
/** The policy of the bundled workspace (routing, thresholds, approvable fields). */
export const BUNDLED_POLICY = BUNDLED_WORKSPACE.policy;
/** The bundled lists, as the tests enumerate them (what enums.ts held before the workspace). */
export const {
  categories: CATEGORIES,
  priorities: PRIORITIES,
  statuses: STATUSES,
  teams: TEAMS,
  plans: PLANS,
} = BUNDLED_WORKSPACE.vocabulary;
/** The bundled queue rules (closed statuses, at-risk window). */
export const BUNDLED_QUEUE = BUNDLED_WORKSPACE.queue;
/** The bundled at-risk window in ms (escalation.slaAtRiskMinutes). */
export const SLA_AT_RISK_WINDOW_MS = BUNDLED_POLICY.atRiskWindowMs;
/** The tools of a server on the bundled workspace, in tools/list order, and the card's. */
export const { tools: TOOLS, appTools: APP_TOOLS } = toolsFor(BUNDLED_WORKSPACE);
