import { handoffStateSchema } from "../../domain/handoffs.js";
import { listHandoffsInput } from "../../domain/inputs.js";
import { pageOutput } from "../outputs.js";
import { defineTool } from "../tool.js";

export const handoffPageOutput = pageOutput(handoffStateSchema, "handoffs");

export const listHandoffs = defineTool({
  name: "list_handoffs",
  title: "List handoffs",
  description:
    "List the handoff outbox, oldest first: team notifications and bug cards that approvals of escalated " +
    "routings enqueued, with their channel, ticket, delivery status, every attempt (HTTP status or error) and " +
    "the next retry time. Read only: handoffs are created by approvals and sent by the operator's " +
    "`handoffs deliver` command, never by a tool.",
  kind: "read",
  input: listHandoffsInput,
  output: handoffPageOutput,
  handler: (args, { handoffs }) => handoffs.list(args),
});
