import type { ToolDefinition } from "../tool.js";
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

/** Every tool, in the order tools/list shows them. Registration, docs and tests walk this array. */
export const TOOLS: readonly ToolDefinition[] = [
  listTickets,
  getTicket,
  searchKnowledge,
  findSimilarTickets,
  getQueueMetrics,
  getAuditEvents,
  listRecommendations,
  submitTriageRecommendation,
  approveTriageRecommendation,
  rejectTriageRecommendation,
  listTeams,
  createTicket,
  addTicketNote,
  listHandoffs,
];

/**
 * Tools only clients that declared MCP Apps get (after TOOLS in their tools/list): the review
 * card's. Every other client never sees them, and a call to one is an unknown tool.
 */
export const APP_TOOLS: readonly ToolDefinition[] = [reviewRecommendation, decideRecommendation];
