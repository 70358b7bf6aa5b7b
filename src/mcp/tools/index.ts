import type { ToolDefinition } from "../tool.js";
import { getAuditEvents } from "./audit.js";
import { addTicketNote, createTicket } from "./intake.js";
import { listHandoffs } from "./handoffs.js";
import { searchKnowledge } from "./knowledge.js";
import { getQueueMetrics } from "./metrics.js";
import { listRecommendations } from "./recommendations.js";
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
