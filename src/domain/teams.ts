import { z } from "zod";
import { TEAMS, teamSchema, type Team } from "./enums.js";

// Teams and their members ("queues and users"): who may be assigned a ticket of a team, who is on
// call, and which channel gets the team's handoffs.

export const handleSchema = z.string().regex(/^[a-z]+(?:[.-][a-z]+)*$/, "handles look like maria.chen");

export const teamRecordSchema = z.object({
  id: teamSchema,
  name: z.string().min(1),
  description: z.string().min(1),
  members: z.array(handleSchema).min(1),
  onCall: handleSchema,
  channel: z.string().regex(/^#[a-z0-9-]+$/, "channels look like #team-slug"),
});
export type TeamRecord = z.infer<typeof teamRecordSchema>;

export const teamsFileSchema = z.object({ teams: z.array(teamRecordSchema) }).superRefine((file, ctx) => {
  const ids = file.teams.map((t) => t.id);
  for (const team of TEAMS) {
    if (!ids.includes(team)) ctx.addIssue({ code: "custom", message: `team "${team}" is missing` });
  }
  if (new Set(ids).size !== ids.length) ctx.addIssue({ code: "custom", message: "a team is listed twice" });
  for (const t of file.teams) {
    if (!t.members.includes(t.onCall)) {
      ctx.addIssue({ code: "custom", message: `${t.id}: onCall "${t.onCall}" is not a member` });
    }
  }
});
export type TeamsFile = z.infer<typeof teamsFileSchema>;

export type TeamMembers = ReadonlyMap<Team, readonly string[]>;

export function membersByTeam(file: TeamsFile): TeamMembers {
  return new Map(file.teams.map((t) => [t.id, t.members]));
}
