import { existsSync, readFileSync } from "node:fs";
import type { Team } from "../domain/enums.js";
import { DomainError } from "../domain/errors.js";
import { teamsFileSchema, type TeamRecord } from "../domain/teams.js";

/** The teams of data/teams.json: members (assignee handles), on-call handle and channel. */
export class TeamDirectory {
  private readonly byId: ReadonlyMap<Team, TeamRecord>;

  constructor(teams: readonly TeamRecord[]) {
    this.byId = new Map(teams.map((t) => [t.id, Object.freeze({ ...t, members: [...t.members] })]));
  }

  list(): TeamRecord[] {
    return [...this.byId.values()];
  }

  get(id: Team): TeamRecord | undefined {
    return this.byId.get(id);
  }

  /** Refuses an assignee who is not a member of `team`, listing the valid members. */
  assertMember(team: Team, assignee: string): void {
    const record = this.byId.get(team);
    if (record === undefined) {
      throw new DomainError(
        "INVALID_INPUT",
        `Team "${team}" has no entry in the teams file; it has no members.`,
      );
    }
    if (!record.members.includes(assignee)) {
      throw new DomainError(
        "INVALID_INPUT",
        `assignee "${assignee}" is not a member of team "${team}". Members: ${record.members.join(", ")}. ` +
          `Use list_teams to see every team's members, or propose assignee null to leave it unassigned.`,
      );
    }
  }
}

/** Reads and validates a teams file; a missing or malformed file is a startup error. */
export function loadTeams(file: string): TeamDirectory {
  if (!existsSync(file)) {
    throw new DomainError(
      "INVALID_INPUT",
      `The teams file ${file} does not exist. Set TRIAGE_TEAMS_FILE to a teams JSON file.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new DomainError(
      "INVALID_INPUT",
      `The teams file ${file} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const parsed = teamsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "" : ` at [${issue.path.join(".")}]`;
    throw new DomainError(
      "INVALID_INPUT",
      `The teams file ${file} is not valid${where}: ${issue?.message ?? "unknown problem"}.`,
    );
  }
  return new TeamDirectory(parsed.data.teams);
}
