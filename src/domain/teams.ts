import { z } from "zod";
import { HANDLE_PATTERN, teamFileSchema } from "./workspace/file.js";
import type { TeamRecord, Workspace } from "./workspace/workspace.js";
import type { VocabularySchemas } from "./workspace/schemas.js";

// Teams and their members ("queues and users"): who may be assigned a ticket of a team, who is on
// call, and which channel gets the team's handoffs. They are the workspace's `teams` section.

export const handleSchema = z.string().regex(HANDLE_PATTERN, "handles look like maria.chen");

/** A team as list_teams and team://{id} publish it, its id one of the workspace's teams. */
export function teamRecordSchemaFor(v: Pick<VocabularySchemas, "team">) {
  return z.object({
    id: v.team,
    name: z.string().min(1),
    description: z.string().min(1),
    members: z.array(handleSchema).min(1),
    onCall: handleSchema,
    channel: z.string().regex(/^#[a-z0-9-]+$/, "channels look like #team-slug"),
  });
}

/**
 * A teams file (TRIAGE_TEAMS_FILE, `{"teams": [...]}`): it replaces the workspace's teams section,
 * which is checked as a whole afterwards.
 */
export const teamsFileSchema = z.object({ teams: z.array(teamFileSchema).min(1) });
export type TeamsFile = z.output<typeof teamsFileSchema>;

export type { TeamRecord };

export type TeamMembers = ReadonlyMap<string, readonly string[]>;

export function membersByTeam(source: { readonly teams: readonly TeamRecord[] } | Workspace): TeamMembers {
  return new Map(source.teams.map((t) => [t.id, t.members]));
}
