import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApprovalMode } from "../../src/config.js";
import { DomainError, type ErrorCode } from "../../src/domain/errors.js";
import { reviewPacketSchema } from "../../src/domain/review-packet.js";
import type { Channel, Recommendation } from "../../src/domain/schemas.js";
import { createMemoryLogger } from "../../src/logging.js";
import {
  ApprovalService,
  type ApprovalDecision,
  type ApprovalOutcome,
} from "../../src/service/approval-service.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import { billingProposal, TEST_NOW, writeTestData } from "../support/data.js";

// The one approval decision, on a real runtime: every outcome and every refusal code it can
// return, the review packet, and a retried form found through the idempotency index.

const AWS_KEY = ["AKIA", "IOSFODNN7", "EXAMPLE"].join("");
const CHAT: Channel = { type: "chat" };
const DESK: Channel = { type: "desk", client: { name: "desk", version: "1" } };

const open: { triage: Triage; root: string }[] = [];
afterEach(async () => {
  for (const { triage, root } of open.splice(0)) {
    await triage.close();
    rmSync(root, { recursive: true, force: true });
  }
});

async function start(
  options: { approvalMode?: ApprovalMode; securityNeedsHumanChannel?: boolean } = {},
): Promise<Triage> {
  const data = writeTestData();
  const triage = await openTriage({ ...data, minutesSaved: 8, ...options }, createMemoryLogger(), {
    clock: () => TEST_NOW,
  });
  open.push({ triage, root: data.root });
  return triage;
}

// TKT-3005: a billing ticket without triage, its SLA breached. TKT-3004: a leaked API key (security).
const proposal = billingProposal;

const securityProposal = (team: "security" | "identity") =>
  proposal({
    ticketId: "TKT-3004",
    sourceRevision: 1,
    category: "security",
    team,
    securityRisk: "likely",
    tags: undefined,
    knowledgeArticleIds: ["credential-exposure"],
  });

/** How many audit events the runtime holds (awaits, so it keeps working when reads become async). */
async function eventCount(t: Triage): Promise<number> {
  return (await Promise.resolve(t.store.listAuditEvents({}, { offset: 0, limit: 0 }))).total;
}

const approve = (rec: Recommendation, overrides: Partial<ApprovalDecision> = {}): ApprovalDecision =>
  ({
    kind: "approve",
    recommendationId: rec.id,
    ticketId: rec.ticketId,
    expectedRevision: rec.sourceRevision,
    approvedFields: ["priority", "team"],
    actor: "dana",
    ...overrides,
  }) as ApprovalDecision;

const reject = (rec: Recommendation, overrides: Partial<ApprovalDecision> = {}): ApprovalDecision =>
  ({
    kind: "reject",
    recommendationId: rec.id,
    ticketId: rec.ticketId,
    actor: "dana",
    feedback: "Finance decides refunds.",
    ...overrides,
  }) as ApprovalDecision;

describe("ApprovalService.decide", () => {
  it("approves exactly the decided fields and records the channel", async () => {
    const t = await start();
    const rec = await t.service.submit(proposal());
    const outcome = await t.approvals.decide(approve(rec), DESK);
    expect(outcome.kind).toBe("approved");
    if (outcome.kind !== "approved") return;
    expect(outcome.ticket).toMatchObject({ revision: 1, priority: "P2", team: "billing" });
    expect(outcome.ticket.category).toBeUndefined();
    expect(outcome.auditEvent).toMatchObject({
      action: "recommendation-approved",
      channel: DESK,
      actor: "dana",
    });
    expect(t.service.getTicket("TKT-3005")).toMatchObject({ revision: 1, priority: "P2" });
  });

  it("rejects with the feedback and records the channel", async () => {
    const t = await start();
    const rec = await t.service.submit(proposal());
    const outcome = await t.approvals.decide(reject(rec, { feedback: "  Finance decides refunds.  " }), DESK);
    expect(outcome).toMatchObject({
      kind: "rejected",
      feedback: "Finance decides refunds.",
      auditEvent: {
        action: "recommendation-rejected",
        channel: DESK,
        data: { feedback: "Finance decides refunds." },
      },
    });
    expect(t.service.getRecommendation(rec.id).resolution).toBe("rejected");
  });

  type Setup = (t: Triage) => Promise<{ decision: ApprovalDecision; channel?: Channel }>;
  const submitted = (t: Triage) => t.service.submit(proposal());
  const decided = async (t: Triage) => {
    const rec = await submitted(t);
    await t.approvals.decide(reject(rec), DESK);
    return rec;
  };

  it.each<[string, { approvalMode?: ApprovalMode }, Setup, ErrorCode, RegExp, boolean]>([
    [
      "no such recommendation",
      {},
      async (t) => ({ decision: approve({ ...(await submitted(t)), id: randomUUID() }) }),
      "NOT_FOUND",
      /^No recommendation [0-9a-f-]+\. Use list_recommendations/,
      false,
    ],
    [
      "another ticket",
      {},
      async (t) => ({ decision: approve(await submitted(t), { ticketId: "TKT-3004" }) }),
      "INVALID_INPUT",
      /is for TKT-3005, not TKT-3004\./,
      false,
    ],
    [
      "a field the recommendation does not propose",
      {},
      async (t) => ({ decision: approve(await submitted(t), { approvedFields: ["assignee"] }) }),
      "INVALID_INPUT",
      /proposes no value for assignee\./,
      false,
    ],
    [
      "a decided recommendation",
      {},
      async (t) => ({ decision: approve(await decided(t)) }),
      "ALREADY_RESOLVED",
      /is already rejected\./,
      true,
    ],
    [
      "a rejection of a decided recommendation",
      {},
      async (t) => ({ decision: reject(await decided(t)) }),
      "ALREADY_RESOLVED",
      /is already rejected\./,
      false,
    ],
    [
      "a stale revision",
      {},
      async (t) => ({ decision: approve(await submitted(t), { expectedRevision: 3 }) }),
      "STALE_REVISION",
      /^expectedRevision 3 does not match TKT-3005's current revision 0\./,
      true,
    ],
    [
      "routing the policy forbids",
      {},
      async (t) => ({
        decision: approve(await t.service.submit(securityProposal("identity")), { approvedFields: ["team"] }),
      }),
      "POLICY_DENIED",
      /^TKT-3004 must be routed to team "security"/,
      true,
    ],
    [
      "a secret in the edited reply",
      {},
      async (t) => ({
        decision: approve(await submitted(t), {
          approvedFields: ["customerResponse"],
          editedCustomerResponse: `Your key ${AWS_KEY} is revoked.`,
        }),
      }),
      "SECRET_DETECTED",
      /^editedCustomerResponse contains what looks like an AWS access key/,
      false,
    ],
    [
      "a chat approval where a human channel is required",
      { approvalMode: "human-only" },
      async (t) => ({ decision: approve(await submitted(t)), channel: CHAT }),
      "HUMAN_APPROVAL_REQUIRED",
      /TRIAGE_APPROVAL_MODE=human-only/,
      true,
    ],
    [
      "an idempotency key used for another request",
      {},
      async (t) => {
        const key = randomUUID();
        await t.approvals.decide(reject(await submitted(t), { idempotencyKey: key }), DESK);
        return { decision: approve(await submitted(t), { idempotencyKey: key }) };
      },
      "CONFLICT",
      /^idempotencyKey [0-9a-f-]+ was already used for a different request/,
      false,
    ],
  ])("refuses %s", async (_label, options, setup, code, message, audited) => {
    const t = await start(options);
    const { decision, channel } = await setup(t);
    const before = await eventCount(t);
    const ticketBefore = t.service.getTicket("TKT-3005").revision;
    const outcome: ApprovalOutcome = await t.approvals.decide(decision, channel ?? DESK);
    expect(outcome.kind).toBe("refused");
    if (outcome.kind !== "refused") return;
    expect(outcome.code).toBe(code);
    expect(outcome.message).toMatch(message);
    expect(outcome.error).toBeInstanceOf(DomainError);
    expect(outcome.error.toString()).toBe(`${code}: ${outcome.message}`);
    expect(t.service.getTicket("TKT-3005").revision).toBe(ticketBefore);
    // A refusal that passed input validation is audited as approval-rejected; nothing else is written.
    const after = await eventCount(t);
    expect(after - before).toBe(audited ? 1 : 0);
  });

  it("passes STORE_UNAVAILABLE on as a refusal", async () => {
    const t = await start();
    const rec = await t.service.submit(proposal());
    vi.spyOn(t.service, "approve").mockRejectedValueOnce(
      new DomainError("STORE_UNAVAILABLE", "Another process holds the runtime lock. Retry in a moment."),
    );
    const outcome = await t.approvals.decide(approve(rec), DESK);
    expect(outcome).toMatchObject({ kind: "refused", code: "STORE_UNAVAILABLE" });
  });

  it("lets an unexpected error through instead of calling it a refusal", async () => {
    const t = await start();
    const rec = await t.service.submit(proposal());
    vi.spyOn(t.service, "approve").mockRejectedValueOnce(new Error("disk on fire"));
    await expect(t.approvals.decide(approve(rec), DESK)).rejects.toThrow("disk on fire");
  });

  it("gives a retry with the same key and the same decision the original outcome", async () => {
    const t = await start();
    const rec = await t.service.submit(proposal());
    const decision = approve(rec, { idempotencyKey: randomUUID() });
    const first = await t.approvals.decide(decision, DESK);
    const again = await t.approvals.decide(decision, DESK);
    expect(again).toEqual(first);
    expect(t.service.getTicket("TKT-3005").revision).toBe(1);
  });
});

describe("ApprovalService.review (the review packet)", () => {
  it("returns everything a reviewer needs, valid against the published schema", async () => {
    const t = await start();
    const rec = await t.service.submit(
      proposal({
        ticketId: "TKT-3002",
        sourceRevision: 0,
        category: "incident",
        team: "incident-response",
        outageRisk: "likely",
        knowledgeArticleIds: ["regional-outages"],
        duplicateCandidates: [
          { ticketId: "TKT-3003", confidence: 0.8, evidence: "Frankfurt gateway errors" },
        ],
      }),
    );
    const packet = t.approvals.review(rec.id);
    expect(reviewPacketSchema.parse(packet)).toEqual(packet);
    expect(packet).toMatchObject({
      recommendationId: rec.id,
      resolution: "pending",
      proposedBy: "triage-agent",
      ticket: { id: "TKT-3002", subject: "502 Bad Gateway from Frankfurt endpoint", revision: 0 },
      citedArticles: [{ id: "regional-outages", title: "Regional outage response" }],
      duplicateCandidates: [{ ticketId: "TKT-3003" }],
      draftReply: "We are refunding the duplicate charge.",
      approval: { approvable: true, expectedRevision: 0 },
    });
    expect(packet.ticket.customer.name).toBe("Customer of TKT-3002");
    // Found by the server's own similarity index, strongest first.
    const similar = packet.similarTickets.map((s) => s.ticketId);
    expect(similar).toEqual(expect.arrayContaining(["TKT-3001", "TKT-3003"]));
    expect(similar).not.toContain("TKT-3002");
    expect(packet.similarTickets.every((s) => s.confidence > 0 && s.confidence <= 1)).toBe(true);
  });

  it("says what an approval would be refused with, and flags the contradicting team", async () => {
    const t = await start();
    const rec = await t.service.submit(securityProposal("identity"));
    const packet = t.approvals.review(rec.id);
    expect(packet.escalation).toMatchObject({ requiredTeam: "security", ticketHasRequiredTeam: false });
    expect(packet.fields.find((f) => f.field === "team")).toMatchObject({
      current: "identity",
      proposed: "identity",
      changes: false,
      neededForRouting: true,
      contradictsRequiredTeam: true,
    });
    expect(packet.approval).toMatchObject({ approvable: false, code: "POLICY_DENIED" });
    expect(packet.ticket.revision).toBe(1);
  });

  it("is NOT_FOUND for an unknown recommendation", async () => {
    const t = await start();
    expect(() => t.approvals.review(randomUUID())).toThrow(/^No recommendation /);
  });
});

describe("ApprovalService.replay (a retried channel call)", () => {
  async function decidedWithKey(t: Triage, decision: (rec: Recommendation, key: string) => ApprovalDecision) {
    const rec = await t.service.submit(proposal());
    const key = randomUUID();
    const outcome = await t.approvals.decide(decision(rec, key), DESK);
    return { rec, key, outcome };
  }

  function countingStore(t: Triage) {
    const getAuditEvent = vi.fn((seq: number) => t.store.getAuditEvent(seq));
    const listAuditEvents = vi.spyOn(t.store, "listAuditEvents");
    const approvals = new ApprovalService({
      triage: t.service,
      store: { view: () => t.store.view(), getAuditEvent },
      clock: () => TEST_NOW,
    });
    return { approvals, getAuditEvent, listAuditEvents };
  }

  it("finds the original approval through the idempotency index, without reading the ticket's history", async () => {
    const t = await start();
    const { rec, key, outcome } = await decidedWithKey(t, (r, k) =>
      approve(r, { approvedFields: ["priority"], idempotencyKey: k }),
    );
    const { approvals, getAuditEvent, listAuditEvents } = countingStore(t);
    const packet = approvals.review(rec.id);
    expect(packet.approval).toMatchObject({ approvable: false, code: "ALREADY_RESOLVED" });
    const replayed = await approvals.replay(packet, key);
    expect(replayed).toEqual(outcome);
    expect(getAuditEvent).toHaveBeenCalledTimes(1);
    expect(getAuditEvent).toHaveBeenCalledWith(t.store.view().idempotency(key)?.seq);
    expect(listAuditEvents).not.toHaveBeenCalled();
  });

  it("finds an original rejection with its feedback", async () => {
    const t = await start();
    const { rec, key, outcome } = await decidedWithKey(t, (r, k) => reject(r, { idempotencyKey: k }));
    const replayed = await t.approvals.replay(t.approvals.review(rec.id), key);
    expect(replayed).toEqual(outcome);
    expect(replayed).toMatchObject({ kind: "rejected", feedback: "Finance decides refunds." });
  });

  it("finds nothing for another key, another recommendation, or a recommendation still pending", async () => {
    const t = await start();
    const { rec, key } = await decidedWithKey(t, (r, k) => approve(r, { idempotencyKey: k }));
    const { approvals, getAuditEvent } = countingStore(t);
    expect(await approvals.replay(approvals.review(rec.id), randomUUID())).toBeUndefined();
    expect(await approvals.replay(approvals.review(rec.id), undefined)).toBeUndefined();
    const other = await t.service.submit(proposal({ sourceRevision: 1 }));
    await t.approvals.decide(reject(other), DESK);
    expect(await approvals.replay(approvals.review(other.id), key)).toBeUndefined();
    const pending = await t.service.submit(proposal({ sourceRevision: 1 }));
    expect(await approvals.replay(approvals.review(pending.id), key)).toBeUndefined();
    // Only the key that is in the index leads to an event (that of another recommendation); a
    // pending recommendation is not a retry, so the index is not even consulted for it.
    expect(getAuditEvent).toHaveBeenCalledTimes(1);
  });
});

describe("ApprovalService.decisionOf (how a decided recommendation was decided)", () => {
  it("null while pending; an approval's reviewer, time, channel, revisions and changes", async () => {
    const t = await start();
    const rec = await t.service.submit(proposal());
    expect(await t.approvals.decisionOf(rec.id)).toBeNull();
    const outcome = await t.approvals.decide(approve(rec), DESK);
    expect(outcome.kind).toBe("approved");
    expect(await t.approvals.decisionOf(rec.id)).toEqual({
      resolution: "approved",
      actor: "dana",
      at: TEST_NOW.toISOString(),
      channel: DESK,
      auditSeq: outcome.kind === "approved" ? outcome.auditEvent.seq : -1,
      fromRevision: 0,
      toRevision: 1,
      changes: [
        { field: "priority", before: null, after: "P2" },
        { field: "team", before: null, after: "billing" },
      ],
      customerResponseEdited: false,
      feedback: null,
    });
  });

  it("finds a rejection behind more than a page of later events on the ticket", async () => {
    const t = await start();
    const first = await t.service.submit(proposal());
    expect((await t.approvals.decide(reject(first, { actor: "sam" }), DESK)).kind).toBe("rejected");
    for (let i = 0; i < 101; i++) await t.service.submit(proposal());
    const decision = await t.approvals.decisionOf(first.id);
    expect(decision).toMatchObject({
      resolution: "rejected",
      actor: "sam",
      feedback: "Finance decides refunds.",
      changes: [],
    });
    expect(decision?.auditSeq).toBeLessThan(
      (await t.service.auditEvents({ ticketId: "TKT-3005", offset: 0, limit: 1 })).total - 100,
    );
  });

  it("NOT_FOUND for an id no recommendation has", async () => {
    const t = await start();
    await expect(t.approvals.decisionOf("6f1d3c9e-8a4b-4c2d-9e8f-0a1b2c3d4e5f")).rejects.toThrow(
      /^No recommendation 6f1d3c9e/,
    );
  });
});
