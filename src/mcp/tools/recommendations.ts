import { listRecommendationsInput } from "../../domain/inputs.js";
import { recommendationPageOutput } from "../outputs.js";
import { defineTool } from "../tool.js";

export const listRecommendations = defineTool({
  name: "list_recommendations",
  title: "List recommendations",
  description:
    'List triage recommendations, oldest first, filtered by ticket and by resolution. Use resolution "pending" ' +
    "to find what is waiting for a human reviewer, with its proposed fields and escalation reasons.",
  kind: "read",
  input: listRecommendationsInput,
  output: recommendationPageOutput,
  handler: (args, { service }) => service.listRecommendations(args),
});
