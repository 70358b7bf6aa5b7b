import { DomainError } from "../domain/errors.js";
import type { TeamRecord } from "../domain/workspace/index.js";

/** A team as list_teams returns it (its own copy). */
export type ListedTeam = Omit<TeamRecord, "members"> & { members: string[] };

/** The workspace's teams: members (assignee handles), on-call handle and channel. */
export class TeamDirectory {
  private readonly byId: ReadonlyMap<string, TeamRecord>;

  constructor(teams: readonly TeamRecord[]) {
    this.byId = new Map(teams.map((t) => [t.id, t]));
  }

  list(): ListedTeam[] {
    return [...this.byId.values()].map((t) => ({ ...t, members: [...t.members] }));
  }

  get(id: string): TeamRecord | undefined {
    return this.byId.get(id);
  }

  /** Refuses an assignee who is not a member of `team`, listing the valid members. */
  assertMember(team: string, assignee: string): void {
    const record = this.byId.get(team);
    if (record === undefined) {
      throw new DomainError("INVALID_INPUT", `Team "${team}" is not in the workspace; it has no members.`);
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
