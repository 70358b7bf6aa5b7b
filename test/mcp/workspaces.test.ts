import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Recommendation, Ticket } from "../../src/domain/schemas.js";
import { planOf, routedTeam } from "../../src/domain/workspace/index.js";
import { ImportService } from "../../src/service/import-service.js";
import { TEST_NOW, writeTestData } from "../support/data.js";
import { startHarness, type Harness } from "../support/harness.js";
import { WORKSPACES } from "../support/workspaces.js";

// The server on each workspace, through a real SDK Client: its enums in tools/list, its plans in
// create_ticket and their response targets, its security team required by the policy, its aliases
// in imports. Every expectation is read from the workspace under test.

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type JsonSchema = { properties?: Record<string, JsonSchema>; enum?: string[]; items?: JsonSchema };

const minutes = (m: number) => new Date(TEST_NOW.getTime() + m * 60_000).toISOString();

describe.each(WORKSPACES)("on the $label workspace", ({ file, workspace, tickets }) => {
  const v = workspace.vocabulary;
  const start = async () => {
    h = await startHarness({ data: writeTestData(tickets()), workspaceFile: file, approvalMode: "chat" });
    return h;
  };

  it("tools/list publishes the workspace's values", async () => {
    const s = await start();
    const { tools } = await s.client.listTools();
    const input = (name: string) => tools.find((t) => t.name === name)?.inputSchema as JsonSchema;
    const submit = input("submit_triage_recommendation").properties ?? {};
    expect(submit["category"]?.enum).toEqual(v.categories);
    expect(submit["priority"]?.enum).toEqual(v.priorities);
    expect(submit["team"]?.enum).toEqual(v.teams);
    expect(submit["ticketStatus"]?.enum).toEqual(v.statuses);
    const customer = input("create_ticket").properties?.["customer"]?.properties ?? {};
    expect(customer["plan"]?.enum).toEqual(v.plans);
    const approve = input("approve_triage_recommendation").properties ?? {};
    expect(approve["approvedFields"]?.items?.enum).toEqual(v.approvableFields);
  });

  it("create_ticket accepts its plans, sets the deadline from their targets and refuses other plans", async () => {
    const s = await start();
    for (const plan of workspace.plans) {
      for (const vip of [false, true]) {
        const r = await s.call("create_ticket", {
          subject: "Where is my parcel",
          description: "Ordered a week ago, nothing arrived yet.",
          customer: { name: "Ada", plan: plan.id, region: "eu", vip },
        });
        expect(r.ok, r.text).toBe(true);
        const ticket = (r.structured as { ticket: Ticket }).ticket;
        expect(ticket.status).toBe(workspace.initialStatus);
        expect(ticket.sla.responseDueAt, `${plan.id}/${vip}`).toBe(
          minutes(vip ? plan.targets.vip : plan.targets.standard),
        );
      }
    }
    const foreign = WORKSPACES.flatMap((w) => w.workspace.vocabulary.plans).find((p) => !v.plans.includes(p));
    const refused = await s.call("create_ticket", {
      subject: "Where is my parcel",
      description: "Ordered a week ago, nothing arrived yet.",
      customer: { name: "Ada", plan: foreign, region: "eu", vip: false },
    });
    expect(refused.ok).toBe(false);
    expect(refused.text).toMatch(/^INVALID_INPUT: /);
  });

  it("a security signal requires the workspace's security team; approving another team is POLICY_DENIED naming it", async () => {
    const s = await start();
    const security = routedTeam(workspace, "security");
    const other = v.teams.find((t) => t !== security && t !== routedTeam(workspace, "outage"));
    const leak = tickets().find((t) => t.id === "TKT-3004")!;
    const submitted = await s.call("submit_triage_recommendation", {
      ticketId: leak.id,
      sourceRevision: leak.revision,
      category: v.categories[0],
      priority: v.priorities[0],
      team: other,
      duplicateCandidates: [],
      outageRisk: "none",
      securityRisk: "confirmed",
      slaRisk: "none",
      missingInformation: [],
      knowledgeArticleIds: [],
      draftCustomerResponse: "We are looking into it.",
      rationale: "A leaked key.",
      confidence: 0.9,
      recommendedNextAction: "Rotate the key.",
      actor: "triage-agent",
    });
    expect(submitted.ok, submitted.text).toBe(true);
    const rec = (submitted.structured as { recommendation: Recommendation }).recommendation;
    expect(rec.requiredTeam).toBe(security);
    expect(rec.escalationReasons).toContain("security");
    const approved = await s.call("approve_triage_recommendation", {
      recommendationId: rec.id,
      ticketId: leak.id,
      expectedRevision: leak.revision,
      approvedFields: ["team"],
      actor: "dana",
      confirm: true,
    });
    expect(approved.ok).toBe(false);
    expect(approved.text).toMatch(/^POLICY_DENIED: /);
    expect(approved.text).toContain(`must be routed to team "${security}"`);
  });

  it("imports a helpdesk export through the workspace's aliases, with its plans' targets", async () => {
    const s = await start();
    const closed = workspace.statuses.find((st) => st.closed)!;
    const plan = workspace.plans.find((p) => p.aliases.length > 0)!;
    const priority = workspace.priorities.find((p) => p.aliases.length > 0)!;
    const csv = join(s.data.root, "export.csv");
    writeFileSync(
      csv,
      [
        "subject,description,status,priority,plan,vip,created at,external id",
        `Broken,It broke.,${closed.aliases[0]},${priority.aliases[0]},${plan.aliases[0]},no,${TEST_NOW.toISOString()},EXT-1`,
        `Other,Something else.,,,no-such-plan,yes,${TEST_NOW.toISOString()},EXT-2`,
      ].join("\n"),
    );
    const importer = new ImportService({ store: s.triage.store, clock: () => TEST_NOW, workspace });
    const report = await importer.importFile({ file: csv, format: "csv", actor: "migration" });
    expect(report.outcome).toBe("imported");
    const imported = s.triage.store
      .view()
      .ticketsByInsertion(0)
      .filter((t) => t.externalId !== undefined);
    const [first, second] = imported;
    expect(first).toMatchObject({ status: closed.id, priority: priority.id, customer: { plan: plan.id } });
    const target = plan.targets.byPriority[priority.id] ?? plan.targets;
    expect(first?.sla.responseDueAt).toBe(minutes(target.standard));
    const fallback = planOf(workspace, workspace.importDefaults.plan)!;
    expect(second).toMatchObject({
      status: workspace.initialStatus,
      customer: { plan: fallback.id, vip: true },
    });
    expect(second?.sla.responseDueAt).toBe(minutes(fallback.targets.vip));
  });
});
