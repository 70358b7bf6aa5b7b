import { getQueueMetricsInput } from "../../domain/inputs.js";
import { metricsOutput } from "../outputs.js";
import { defineTool } from "../tool.js";

export const getQueueMetrics = defineTool({
  name: "get_queue_metrics",
  title: "Queue metrics",
  description:
    "Current queue health: open and untriaged tickets, SLA breached and at-risk counts, tickets by category, " +
    "priority and team, recommendation outcomes, escalation counts and estimated minutes saved.",
  kind: "read",
  toolset: "tickets",
  input: getQueueMetricsInput,
  output: metricsOutput,
  handler: (_args, { service }) => service.queueMetrics(),
});
