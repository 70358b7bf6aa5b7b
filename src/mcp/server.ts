import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Logger } from "../logging.js";
import type { IntakeService } from "../service/intake-service.js";
import type { HandoffService } from "../service/handoff-service.js";
import type { TriageService } from "../service/triage-service.js";
import type { ApprovalService } from "../service/approval-service.js";
import { registerPrompts, UNTRUSTED_NOTICE } from "./prompts.js";
import { registerResources } from "./resources.js";
import { DEFAULT_ELICITATION, type ElicitationOptions } from "./ask-human.js";
import { CardTokens } from "../service/card-tokens.js";
import { cardHtmlLoader, cardResultMeta, registerReviewCard, showsCards } from "./review-card.js";
import { elicitationChannel, installTools } from "./tool-runtime.js";
import type { Workspace } from "../domain/workspace/index.js";
import type { ToolDefinition } from "./tool.js";
import { toolsFor } from "./tools/index.js";
import { ALL_TOOLS, serves, type ToolSelection } from "./toolsets.js";

export const SERVER_NAME = "support-triage";

/** What the server tells every client at the handshake; `reviewCommand` is the terminal route. */
export function serverInstructions(reviewCommand: string): string {
  return [
    "Governed support-ticket triage. Read tickets and knowledge, find similar tickets, and submit triage " +
      "recommendations; they are stored as pending and change nothing.",
    UNTRUSTED_NOTICE,
    "Approval needs a human: call approve_triage_recommendation only after the human reviewer explicitly approved " +
      "named fields, and only those fields. Escalations and required routing are decided by the server's policy. " +
      "If your client can show forms, the server asks the reviewer itself in a form and applies only the fields they " +
      `tick; otherwise the reviewer may also decide in a terminal with \`${reviewCommand}\`.`,
  ].join("\n\n");
}

export interface ServerDeps {
  /** The workspace the server was started with: tools, resources and prompts are built from it. */
  readonly workspace: Workspace;
  /** Read-only mode and toolsets (TRIAGE_READ_ONLY, TRIAGE_TOOLSETS); every tool when absent. */
  readonly selection?: ToolSelection;
  readonly service: TriageService;
  readonly approvals: ApprovalService;
  readonly intake: IntakeService;
  readonly handoffs: HandoffService;
  readonly logger: Logger;
  readonly version: string;
  readonly tools?: readonly ToolDefinition[];
  /** Approval forms: how long the reviewer has to answer, and the progress heartbeat meanwhile. */
  readonly elicitation?: Partial<ElicitationOptions>;
  /** The review card (MCP Apps): the clock of its tokens, their lifetime, and the built HTML. */
  readonly card?: {
    readonly clock?: () => Date;
    readonly ttlMs?: number;
    readonly html?: () => string;
  };
}

/** Builds a fully wired MCP server. No global state: every dependency comes in through `deps`. */
export function createServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, title: "Support triage (governed)", version: deps.version },
    { instructions: serverInstructions(deps.service.reviewerCommand()), capabilities: { logging: {} } },
  );
  const selection = deps.selection ?? ALL_TOOLS;
  const catalogue = toolsFor(deps.workspace);
  // Clients that declared MCP Apps get the review card: its resource, its tools and the card data
  // on presenting results. Everyone else sees the server exactly as without it. The card decides,
  // so a server that does not serve triage writes (read-only, or without the toolset) has none.
  const cardsServed = serves(selection, { toolsets: ["triage"], writes: true });
  const showsCard = () => cardsServed && showsCards(server.server.getClientCapabilities());
  const tokens = new CardTokens({
    ...(deps.card?.clock === undefined ? {} : { clock: deps.card.clock }),
    ...(deps.card?.ttlMs === undefined ? {} : { ttlMs: deps.card.ttlMs }),
  });
  installTools(server.server, deps.tools ?? catalogue.tools, {
    selection,
    service: deps.service,
    approvals: deps.approvals,
    intake: deps.intake,
    handoffs: deps.handoffs,
    logger: deps.logger,
    // One server serves one connection; stdio has no transport session id, so the connection
    // gets its own (recorded as a created ticket's source.session).
    session: randomUUID(),
    client: () => {
      const info = server.server.getClientVersion();
      return info === undefined ? undefined : { name: info.name, version: info.version };
    },
    askHuman: elicitationChannel(server.server, { ...DEFAULT_ELICITATION, ...deps.elicitation }),
    cards: {
      shown: showsCard,
      tools: catalogue.appTools,
      tokens,
      resultMeta: (recommendationId, session) =>
        cardResultMeta(deps.approvals, tokens, recommendationId, session),
    },
  });
  const html = deps.card?.html ?? cardHtmlLoader();
  // Capabilities are known once the client initialized; MCP clients send nothing else before.
  server.server.oninitialized = () => {
    if (showsCard()) registerReviewCard(server, html, deps.logger);
  };
  registerResources(server, deps.service, deps.logger, selection);
  registerPrompts(server, deps.service, selection);
  return server;
}
