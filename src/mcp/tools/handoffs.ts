import { listHandoffsInput } from "../../domain/inputs.js";
import { defineTool, type ToolSchemas } from "../tool.js";

export const listHandoffs = ({ outputs }: ToolSchemas) =>
  defineTool({
    name: "list_handoffs",
    title: "List handoffs",
    description:
      "List the handoff outbox, oldest first: team notifications and bug cards that approvals of escalated " +
      "routings enqueued, with their channel, ticket, delivery status, every attempt (HTTP status or error) and " +
      "the next retry time. Read only: handoffs are created by approvals and sent by the operator's " +
      "`handoffs deliver` command, never by a tool.",
    kind: "read",
    toolset: "handoffs",
    input: listHandoffsInput,
    output: outputs.handoffPage,
    handler: (args, { handoffs }) => handoffs.list(args),
  });
