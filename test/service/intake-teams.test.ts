import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import type { SubmitRecommendationInput } from "../../src/domain/inputs.js";
import { createMemoryLogger } from "../../src/logging.js";
import { teamOf } from "../../src/domain/workspace/index.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import { billingProposal, TEST_NOW, writeTestData, type TestData } from "../support/data.js";
import { carryValue, WORKSPACES } from "../support/workspaces.js";

// Assignees belong to teams, on each workspace: a recommendation whose assignee is not a member of
// the proposed team is refused with the valid members, and nothing is stored. The proposal's
// values are the bundled ones carried to the workspace, the way the seed is.

const opened: { triage: Triage; data: TestData }[] = [];
afterEach(async () => {
  for (const { triage, data } of opened.splice(0)) {
    await triage.close();
    rmSync(data.root, { recursive: true, force: true });
  }
});

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe.each(WORKSPACES)("on the $label workspace", ({ file, workspace, tickets }) => {
  const teamCarried = (bundledTeam: string) =>
    teamOf(workspace, carryValue(workspace, "teams", bundledTeam))!;
  // The billing proposal's team (billing on the bundled workspace), with two members at least.
  const team = teamCarried("billing");
  const member = team.members.at(-1)!;
  const outsider = teamCarried("api-platform").members[0]!;

  async function start(teamsFile?: string): Promise<Triage> {
    const data = writeTestData(tickets());
    const triage = await openTriage(
      {
        dataRoot: data.dataRoot,
        seedFile: data.seedFile,
        knowledgeRoot: data.knowledgeRoot,
        workspaceFile: file,
        ...(teamsFile === undefined ? {} : { teamsFile }),
      },
      createMemoryLogger(),
      { clock: () => TEST_NOW },
    );
    opened.push({ triage, data });
    return triage;
  }

  const proposal = (overrides: Partial<SubmitRecommendationInput> = {}): SubmitRecommendationInput =>
    billingProposal({
      category: carryValue(workspace, "categories", "billing"),
      priority: carryValue(workspace, "priorities", "P3"),
      team: team.id,
      tags: undefined,
      draftCustomerResponse: "We are checking both charges and will refund the duplicate.",
      rationale: "TKT-3005 reports two identical charges; duplicate-charges applies.",
      recommendedNextAction: "Verify both charges and refund one.",
      ...overrides,
    });

  describe("assignees are members of the recommended team", () => {
    it("refuses a non-member with the list of members and stores nothing", async () => {
      const t = await start();
      const error = await refusal(t.service.submit(proposal({ assignee: outsider })));
      expect(error.code).toBe("INVALID_INPUT");
      expect(error.message).toBe(
        `assignee "${outsider}" is not a member of team "${team.id}". Members: ${team.members.join(", ")}. ` +
          "Use list_teams to see every team's members, or propose assignee null to leave it unassigned.",
      );
      expect(t.service.listRecommendations({ offset: 0, limit: 10 }).total).toBe(0);
      expect(t.store.view().lastSeq).toBe(0);
    });

    it("accepts a member, null (unassign) and no assignee", async () => {
      const t = await start();
      expect((await t.service.submit(proposal({ assignee: member }))).assignee).toBe(member);
      expect((await t.service.submit(proposal({ assignee: null }))).assignee).toBeNull();
      expect((await t.service.submit(proposal())).assignee).toBeUndefined();
    });

    it("checks against the team proposed, not the ticket's current team", async () => {
      const t = await start();
      // A member of the billing team proposed for another team is refused even though he exists.
      const other = teamCarried("support").id;
      const error = await refusal(t.service.submit(proposal({ team: other, assignee: member })));
      expect(
        error.message.startsWith(`assignee "${member}" is not a member of team "${other}". Members: `),
      ).toBe(true);
    });

    it("uses the teams file given by the configuration", async () => {
      const data = writeTestData();
      const file = join(data.root, "teams.json");
      writeFileSync(
        file,
        JSON.stringify({
          teams: workspace.vocabulary.teams.map((id) => ({
            id,
            name: id,
            description: `The ${id} team.`,
            // A handle is in one team only (the workspace's rule).
            members: id === team.id ? ["ana.lima", "ben.ito"] : [`someone.${id}`],
            onCall: id === team.id ? "ana.lima" : `someone.${id}`,
            channel: `#${id}`,
          })),
        }),
      );
      const t = await start(file);
      rmSync(data.root, { recursive: true, force: true });
      expect(t.teams.get(team.id)?.members).toEqual(["ana.lima", "ben.ito"]);
      const error = await refusal(t.service.submit(proposal({ assignee: member })));
      expect(error.message).toMatch(/Members: ana\.lima, ben\.ito\./);
      expect((await t.service.submit(proposal({ assignee: "ben.ito" }))).assignee).toBe("ben.ito");
    });
  });
});
