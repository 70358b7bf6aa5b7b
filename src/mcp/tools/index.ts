import { inputSchemasFor } from "../../domain/inputs.js";
import { vocabularySchemas, type Workspace } from "../../domain/workspace/index.js";
import { outputSchemasFor } from "../outputs.js";
import type { ToolDefinition, ToolSchemas } from "../tool.js";
import { getAuditEvents } from "./audit.js";
import { addTicketNote, createTicket } from "./intake.js";
import { listHandoffs } from "./handoffs.js";
import { searchKnowledge } from "./knowledge.js";
import { getQueueMetrics } from "./metrics.js";
import { listRecommendations } from "./recommendations.js";
import { decideRecommendation, reviewRecommendation } from "./review-card.js";
import { listTeams } from "./teams.js";
import { findSimilarTickets, getTicket, listTickets } from "./tickets.js";
import {
  approveTriageRecommendation,
  rejectTriageRecommendation,
  submitTriageRecommendation,
} from "./workflow.js";

/** The tools of a server, built from its workspace (enums and descriptions come from the file). */
export interface ToolCatalogue {
  /** Every tool, in the order tools/list shows them. Registration, docs and tests walk this array. */
  readonly tools: readonly ToolDefinition[];
  /**
   * Tools only clients that declared MCP Apps get (after `tools` in their tools/list): the review
   * card's. Every other client never sees them, and a call to one is an unknown tool.
   */
  readonly appTools: readonly ToolDefinition[];
}

/** The schemas tools are built from: the workspace's inputs and outputs, made once. */
export function toolSchemasFor(workspace: Workspace): ToolSchemas {
  return {
    workspace,
    inputs: inputSchemasFor(workspace),
    outputs: outputSchemasFor(vocabularySchemas(workspace.vocabulary)),
  };
}

export function toolsFor(workspace: Workspace): ToolCatalogue {
  const s = toolSchemasFor(workspace);
  return {
    tools: [
      listTickets(s),
      getTicket(s),
      searchKnowledge,
      findSimilarTickets,
      getQueueMetrics,
      getAuditEvents(s),
      listRecommendations(s),
      submitTriageRecommendation(s),
      approveTriageRecommendation(s),
      rejectTriageRecommendation(s),
      listTeams(s),
      createTicket(s),
      addTicketNote(s),
      listHandoffs(s),
    ],
    appTools: [reviewRecommendation(s), decideRecommendation(s)],
  };
}
