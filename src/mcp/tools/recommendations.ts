import { listRecommendationsInput } from "../../domain/inputs.js";
import { defineTool, type ToolSchemas } from "../tool.js";

export const listRecommendations = ({ outputs }: ToolSchemas) =>
  defineTool({
    name: "list_recommendations",
    title: "List recommendations",
    description:
      'List triage recommendations, oldest first, filtered by ticket and by resolution. Use resolution "pending" ' +
      "to find what is waiting for a human reviewer, with its proposed fields and escalation reasons.",
    kind: "read",
    toolset: "triage",
    input: listRecommendationsInput,
    output: outputs.recommendationPage,
    handler: (args, { service }) => service.listRecommendations(args),
  });
