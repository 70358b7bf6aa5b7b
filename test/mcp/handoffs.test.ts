import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HandoffState } from "../../src/domain/handoffs.js";
import { TEST_NOW } from "../support/data.js";
import { startHarness, type Harness } from "../support/harness.js";
import { startReceiver, writeHandoffData, type Receiver } from "../service/handoff-fixtures.js";

// list_handoffs through a real SDK Client: the outbox an MCP approval fills, and its delivery
// status as the operator's deliverer moves it along.

let h: Harness;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(async () => {
  h = await startHarness({ data: writeHandoffData(2) });
});
afterEach(async () => {
  await h.close();
  receiver.requests.length = 0;
  receiver.reply(() => 200);
});

const outage = (ticketId: string) => ({
  ticketId,
  sourceRevision: 0,
  category: "incident",
  priority: "P1",
  team: "incident-response",
  duplicateCandidates: [],
  outageRisk: "likely",
  securityRisk: "none",
  slaRisk: "none",
  missingInformation: [],
  knowledgeArticleIds: ["regional-outages"],
  draftCustomerResponse: "We are investigating errors in the Frankfurt region.",
  rationale: "Several reports of 502s from the Frankfurt API: a regional outage.",
  confidence: 0.9,
  recommendedNextAction: "Page incident response.",
  actor: "triage-agent",
});

async function approveOutage(ticketId: string): Promise<string> {
  const submitted = await h.call("submit_triage_recommendation", outage(ticketId));
  expect(submitted.ok, submitted.text).toBe(true);
  const rec = (submitted.structured as { recommendation: { id: string } }).recommendation;
  const approved = await h.call("approve_triage_recommendation", {
    recommendationId: rec.id,
    ticketId,
    expectedRevision: 0,
    approvedFields: ["category", "priority", "team"],
    actor: "maria.chen",
    confirm: true,
  });
  expect(approved.ok, approved.text).toBe(true);
  return rec.id;
}

function items(structured: Record<string, unknown> | undefined): HandoffState[] {
  return (structured as { items: HandoffState[] }).items;
}

describe("list_handoffs", () => {
  it("is listed as a read-only tool", async () => {
    const { tools } = await h.client.listTools();
    const tool = tools.find((t) => t.name === "list_handoffs");
    expect(tool?.annotations).toMatchObject({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
    });
    expect(Object.keys(tool?.inputSchema.properties ?? {})).toEqual([
      "status",
      "ticketId",
      "offset",
      "limit",
    ]);
  });

  it("shows the handoffs an approval enqueued, then their attempts and delivery", async () => {
    const empty = await h.call("list_handoffs", {});
    expect(empty.structured).toEqual({ items: [], total: 0, offset: 0, limit: 20 });

    const recId = await approveOutage("TKT-4100");
    await approveOutage("TKT-4101");
    const all = await h.call("list_handoffs", {});
    expect(all.ok, all.text).toBe(true);
    expect(all.structured).toMatchObject({ total: 4, offset: 0, limit: 20 });
    expect(JSON.parse(all.text)).toEqual(all.structured);
    const first = items(all.structured).slice(0, 2);
    expect(first.map((x) => [x.kind, x.team, x.ticketId, x.status, x.key])).toEqual([
      ["team-notification", "incident-response", "TKT-4100", "pending", `${recId}:team-notification`],
      ["bug-card", "incident-response", "TKT-4100", "pending", `${recId}:bug-card`],
    ]);
    expect(first[0]?.channel).toMatch(/^#[a-z0-9-]+$/);
    expect(first[0]?.attempts).toEqual([]);

    const page = await h.call("list_handoffs", { offset: 1, limit: 2 });
    expect(page.structured).toMatchObject({ total: 4, offset: 1, limit: 2 });
    expect(items(page.structured).map((x) => x.ticketId)).toEqual(["TKT-4100", "TKT-4101"]);
    const one = await h.call("list_handoffs", { ticketId: "TKT-4101" });
    expect(items(one.structured).map((x) => x.kind)).toEqual(["team-notification", "bug-card"]);

    // The operator's deliverer: the notification of TKT-4100 fails once, everything else lands.
    receiver.reply((_r, n) => (n === 0 ? 502 : 200));
    const report = await h.triage.handoffs.deliver({
      webhooks: { "*": receiver.url() },
      now: TEST_NOW,
      concurrency: 1,
    });
    expect(report.counts).toMatchObject({ delivered: 3, retrying: 1 });

    const delivered = await h.call("list_handoffs", { status: "delivered" });
    expect(delivered.structured?.total).toBe(3);
    expect(items(delivered.structured)[0]?.attempts[0]).toMatchObject({
      outcome: "delivered",
      httpStatus: 200,
    });
    const pending = await h.call("list_handoffs", { status: "pending", ticketId: "TKT-4100" });
    expect(items(pending.structured)).toHaveLength(1);
    expect(items(pending.structured)[0]).toMatchObject({
      kind: "team-notification",
      nextAttemptAt: new Date(TEST_NOW.getTime() + 2_000).toISOString(),
      attempts: [{ attempt: 1, outcome: "failed", httpStatus: 502, error: "HTTP 502 Bad Gateway" }],
    });
    expect((await h.call("list_handoffs", { status: "failed" })).structured?.total).toBe(0);
  });

  it("refuses an unknown ticket and bad arguments", async () => {
    const missing = await h.call("list_handoffs", { ticketId: "TKT-9999" });
    expect(missing.ok).toBe(false);
    expect(missing.text).toBe("NOT_FOUND: No ticket TKT-9999. Use list_tickets to find ids.");
    for (const args of [{ status: "sent" }, { ticketId: "../etc" }, { limit: 51 }, { offset: -1 }]) {
      const r = await h.call("list_handoffs", args);
      expect(r.ok, JSON.stringify(args)).toBe(false);
      expect(r.text).toMatch(/^INVALID_INPUT: /);
    }
  });
});
