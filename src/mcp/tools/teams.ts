import { listTeamsInput } from "../../domain/inputs.js";
import { defineTool, type ToolSchemas } from "../tool.js";

export const listTeams = ({ outputs }: ToolSchemas) =>
  defineTool({
    name: "list_teams",
    title: "List teams",
    description:
      "List the teams (queues) with their description, members (the valid assignee handles), on-call handle and " +
      "the channel that receives their handoffs. Read it before proposing a team and an assignee: an assignee who is " +
      "not a member of the proposed team is refused.",
    kind: "read",
    toolset: "tickets",
    input: listTeamsInput,
    output: outputs.teams,
    handler: (_args, { service }) => ({ teams: service.teams.list() }),
  });
