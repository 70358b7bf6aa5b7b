// The reviewer desk: the queue and its approvals in a browser, over the same services as the MCP
// server. Outside code (the `desk` command) starts it through this module only.
export {
  bindProblem,
  DEFAULT_PORT,
  DESK_CLIENT_NAME,
  startDesk,
  type Desk,
  type DeskLog,
  type DeskOptions,
} from "./server.js";
export type { DeskServices } from "./routes.js";
export { LOOPBACK } from "./guard.js";
