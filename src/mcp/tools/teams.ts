import { z } from "zod";
import { listTeamsInput } from "../../domain/inputs.js";
import { teamRecordSchema } from "../../domain/teams.js";
import { defineTool } from "../tool.js";

export const listTeamsOutput = z.object({
  teams: z.array(teamRecordSchema).describe("Every team, in the order of the teams file."),
});

export const listTeams = defineTool({
  name: "list_teams",
  title: "List teams",
  description:
    "List the teams (queues) with their description, members (the valid assignee handles), on-call handle and " +
    "the channel that receives their handoffs. Read it before proposing a team and an assignee: an assignee who is " +
    "not a member of the proposed team is refused.",
  kind: "read",
  input: listTeamsInput,
  output: listTeamsOutput,
  handler: (_args, { service }) => ({ teams: service.teams.list() }),
});
