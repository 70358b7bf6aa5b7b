import { describe, expect, it } from "vitest";
import { DomainError, type ErrorCode } from "../../src/domain/errors.js";
import type { Recommendation, Ticket } from "../../src/domain/schemas.js";
import {
  computeEscalation,
  planApproval,
  preflightApproval,
  proposedFields,
  slaStateOf,
  validateApprovedFields,
  type EscalationInput,
  type PreflightRequest,
} from "../../src/domain/policy/index.js";
import { reviewPacketOf, reviewPacketSchema } from "../../src/domain/review-packet.js";
import type { ApprovableField } from "../../src/domain/enums.js";
import { BUNDLED_POLICY as POLICY, SLA_AT_RISK_WINDOW_MS as W } from "../support/workspace.js";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const minutes = (m: number) => new Date(NOW.getTime() + m * 60_000).toISOString();

function ticket(overrides: Partial<Ticket> = {}): Ticket {
  return {
    id: "TKT-2001",
    createdAt: minutes(-120),
    updatedAt: minutes(-60),
    customer: { name: "Lumen Bakery", plan: "pro", region: "eu-central", vip: false },
    subject: "Export button does nothing",
    description: "Clicking export in the reports view has no effect.",
    status: "new",
    tags: [],
    sla: { responseDueAt: minutes(240), breached: false },
    relatedTicketIds: [],
    revision: 2,
    ...overrides,
  };
}

const base: EscalationInput = {
  securityRisk: "none",
  outageRisk: "none",
  confidence: 0.9,
  priority: "P3",
  missingInformation: [],
};

describe("slaStateOf", () => {
  it.each([
    ["flagged breached even if far away", { responseDueAt: minutes(500), breached: true }, "breached"],
    ["past due", { responseDueAt: minutes(-1), breached: false }, "breached"],
    ["due exactly now", { responseDueAt: minutes(0), breached: false }, "breached"],
    ["due in 1 minute", { responseDueAt: minutes(1), breached: false }, "at-risk"],
    ["due in exactly 60 minutes", { responseDueAt: minutes(60), breached: false }, "at-risk"],
    ["due in 61 minutes", { responseDueAt: minutes(61), breached: false }, "healthy"],
  ] as const)("%s", (_label, sla, expected) => {
    expect(slaStateOf({ sla }, NOW, W)).toBe(expected);
  });
});

describe("computeEscalation", () => {
  const healthy = ticket();
  it.each<[string, Partial<EscalationInput>, Ticket, string[], string | null]>([
    ["nothing to escalate", {}, healthy, [], null],
    ["security possible", { securityRisk: "possible" }, healthy, ["security"], "security"],
    ["security confirmed", { securityRisk: "confirmed" }, healthy, ["security"], "security"],
    ["outage possible is not an outage escalation", { outageRisk: "possible" }, healthy, [], null],
    ["outage likely", { outageRisk: "likely" }, healthy, ["outage"], "incident-response"],
    ["outage confirmed", { outageRisk: "confirmed" }, healthy, ["outage"], "incident-response"],
    [
      "security together with outage: security routing wins",
      { securityRisk: "likely", outageRisk: "confirmed" },
      healthy,
      ["security", "outage"],
      "security",
    ],
    ["confidence exactly 0.75 is fine", { confidence: 0.75 }, healthy, [], null],
    ["confidence 0.7499 is low", { confidence: 0.7499 }, healthy, ["low-confidence"], null],
    [
      "sla due in exactly 60 minutes",
      {},
      ticket({ sla: { responseDueAt: minutes(60), breached: false } }),
      ["sla"],
      null,
    ],
    ["sla due in 61 minutes", {}, ticket({ sla: { responseDueAt: minutes(61), breached: false } }), [], null],
    [
      "sla breached flag",
      {},
      ticket({ sla: { responseDueAt: minutes(600), breached: true } }),
      ["sla"],
      null,
    ],
    [
      "missing info on P1",
      { priority: "P1", missingInformation: ["account id"] },
      healthy,
      ["missing-information"],
      null,
    ],
    [
      "missing info on P2",
      { priority: "P2", missingInformation: ["region"] },
      healthy,
      ["missing-information"],
      null,
    ],
    [
      "missing info on P3 is not escalated",
      { priority: "P3", missingInformation: ["region"] },
      healthy,
      [],
      null,
    ],
    [
      "missing info with possible outage risk is high impact",
      { priority: "P4", outageRisk: "possible", missingInformation: ["region"] },
      healthy,
      ["missing-information"],
      null,
    ],
    [
      "missing info with security risk",
      { priority: "P4", securityRisk: "possible", missingInformation: ["who has access"] },
      healthy,
      ["security", "missing-information"],
      "security",
    ],
    ["P1 without missing info", { priority: "P1" }, healthy, [], null],
    [
      "extra policy-conflict reason is kept, in canonical order",
      { extraReasons: ["policy-conflict"], securityRisk: "likely" },
      healthy,
      ["security", "policy-conflict"],
      "security",
    ],
  ])("%s", (_label, overrides, t, reasons, team) => {
    const result = computeEscalation({ ...base, ...overrides }, t, NOW, POLICY);
    expect(result.escalationReasons).toEqual(reasons);
    expect(result.escalationRequired).toBe(reasons.length > 0);
    expect(result.requiredTeam).toBe(team);
  });
});

function rec(overrides: Partial<Recommendation> = {}): Recommendation {
  return {
    id: "0f1e2d3c-4b5a-4968-8776-655443322110",
    ticketId: "TKT-2001",
    sourceRevision: 2,
    category: "performance",
    priority: "P3",
    team: "support",
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "none",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: [],
    draftCustomerResponse: "We are looking into the export problem.",
    rationale: "Single-customer UI issue.",
    confidence: 0.9,
    recommendedNextAction: "Reproduce in staging.",
    actor: "agent",
    escalationRequired: false,
    escalationReasons: [],
    requiredTeam: null,
    resolution: "pending",
    createdAt: minutes(-5),
    ...overrides,
  };
}

const request = (
  fields: ApprovableField[],
  extra: Partial<{ expectedRevision: number; editedCustomerResponse: string; ticketId: string }> = {},
) => ({
  recommendationId: rec().id,
  ticketId: extra.ticketId ?? "TKT-2001",
  expectedRevision: extra.expectedRevision ?? 2,
  approvedFields: fields,
  actor: "dana",
  ...(extra.editedCustomerResponse === undefined
    ? {}
    : { editedCustomerResponse: extra.editedCustomerResponse }),
});

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

describe("approvable fields", () => {
  it("lists only fields with a proposal", () => {
    expect(proposedFields(rec(), POLICY)).toEqual(["category", "priority", "team", "customerResponse"]);
    expect(proposedFields(rec({ assignee: null, ticketStatus: "triage", tags: ["x"] }), POLICY)).toEqual([
      "category",
      "priority",
      "team",
      "assignee",
      "status",
      "tags",
      "customerResponse",
    ]);
  });

  it.each<[string, ApprovableField[], string | undefined, RegExp]>([
    ["empty", [], undefined, /at least one field/],
    ["duplicate", ["team", "team"], undefined, /lists "team" twice/],
    ["no proposal for assignee", ["assignee"], undefined, /proposes no value for assignee/],
    ["no proposal for status and tags", ["status", "tags"], undefined, /status, tags/],
    [
      "edited response without customerResponse",
      ["team"],
      "Hello",
      /only allowed when approvedFields includes customerResponse/,
    ],
    ["blank edited response", ["customerResponse"], "   ", /blank/],
  ])("refuses %s", (_label, fields, edited, message) => {
    const error = refusal(() => validateApprovedFields(rec(), fields, POLICY, edited));
    expect(error.code).toBe("INVALID_INPUT");
    expect(error.message).toMatch(message);
  });
});

describe("planApproval", () => {
  it("applies only the named fields and bumps the revision by one", () => {
    const plan = planApproval(
      ticket({ team: "product" }),
      rec({ tags: ["export"] }),
      request(["priority", "tags"]),
      NOW,
      POLICY,
    );
    expect(plan.ticketAfter.priority).toBe("P3");
    expect(plan.ticketAfter.tags).toEqual(["export"]);
    expect(plan.ticketAfter.team).toBe("product");
    expect(plan.ticketAfter.category).toBeUndefined();
    expect(plan.ticketAfter.revision).toBe(3);
    expect(plan.ticketAfter.updatedAt).toBe(NOW.toISOString());
    expect(plan.changes).toEqual([
      { field: "priority", before: null, after: "P3" },
      { field: "tags", before: [], after: ["export"] },
    ]);
  });

  it("uses the reviewer's edited customer response", () => {
    const plan = planApproval(
      ticket(),
      rec(),
      request(["customerResponse"], { editedCustomerResponse: "Edited." }),
      NOW,
      POLICY,
    );
    expect(plan.ticketAfter.customerResponse).toBe("Edited.");
  });

  it("maps status to ticketStatus and null assignee to unassign", () => {
    const plan = planApproval(
      ticket({ assignee: "sam.ortiz" }),
      rec({ ticketStatus: "in-progress", assignee: null }),
      request(["status", "assignee"]),
      NOW,
      POLICY,
    );
    expect(plan.ticketAfter.status).toBe("in-progress");
    expect(plan.ticketAfter.assignee).toBeNull();
  });

  it.each<[string, () => unknown, string, RegExp]>([
    [
      "ticket mismatch",
      () => planApproval(ticket(), rec(), request(["team"], { ticketId: "TKT-2002" }), NOW, POLICY),
      "INVALID_INPUT",
      /is for TKT-2001, not TKT-2002/,
    ],
    [
      "already approved",
      () => planApproval(ticket(), rec({ resolution: "approved" }), request(["team"]), NOW, POLICY),
      "ALREADY_RESOLVED",
      /already approved/,
    ],
    [
      "already rejected",
      () => planApproval(ticket(), rec({ resolution: "rejected" }), request(["team"]), NOW, POLICY),
      "ALREADY_RESOLVED",
      /already rejected/,
    ],
    [
      "stale expected revision",
      () => planApproval(ticket(), rec(), request(["team"], { expectedRevision: 1 }), NOW, POLICY),
      "STALE_REVISION",
      /expectedRevision 1 does not match TKT-2001's current revision 2/,
    ],
    [
      "ticket moved on since the recommendation",
      () =>
        planApproval(ticket({ revision: 3 }), rec(), request(["team"], { expectedRevision: 3 }), NOW, POLICY),
      "STALE_REVISION",
      /TKT-2001 is at revision 3, the recommendation was made at 2\. Read the ticket again and submit a new recommendation\./,
    ],
    [
      "security routing without the team field",
      () =>
        planApproval(
          ticket({ team: "identity" }),
          rec({ securityRisk: "possible", team: "security" }),
          request(["priority"]),
          NOW,
          POLICY,
        ),
      "POLICY_DENIED",
      /must be routed to team "security"/,
    ],
    [
      "security routing with a wrong proposed team",
      () =>
        planApproval(
          ticket(),
          rec({ securityRisk: "likely", team: "identity" }),
          request(["team"]),
          NOW,
          POLICY,
        ),
      "POLICY_DENIED",
      /proposes team "identity"/,
    ],
    [
      "outage routing to the wrong team",
      () =>
        planApproval(
          ticket(),
          rec({ outageRisk: "confirmed", team: "api-platform" }),
          request(["team"]),
          NOW,
          POLICY,
        ),
      "POLICY_DENIED",
      /"incident-response"/,
    ],
  ])("refuses: %s", (_label, fn, code, message) => {
    const error = refusal(fn);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it("allows security routing when the ticket already sits with security", () => {
    const plan = planApproval(
      ticket({ team: "security" }),
      rec({ securityRisk: "possible", team: "identity" }),
      request(["priority"]),
      NOW,
      POLICY,
    );
    expect(plan.ticketAfter.team).toBe("security");
    expect(plan.escalation.requiredTeam).toBe("security");
  });

  it("recomputes SLA escalation at approval time", () => {
    const t = ticket({ sla: { responseDueAt: minutes(30), breached: false } });
    const plan = planApproval(t, rec(), request(["priority"]), NOW, POLICY);
    expect(plan.escalation.escalationReasons).toContain("sla");
  });
});

// ---------- the preflight and the review packet ----------

const AWS_KEY = ["AKIA", "IOSFODNN7", "EXAMPLE"].join("");

const at = (overrides: Partial<PreflightRequest> = {}): PreflightRequest => ({
  ticketId: "TKT-2001",
  expectedRevision: 2,
  ...overrides,
});

describe("preflightApproval: every refusal, in the order the approval checks them", () => {
  it.each<[string, Ticket, Recommendation, PreflightRequest, ErrorCode, string | RegExp]>([
    [
      "another ticket",
      ticket(),
      rec(),
      at({ ticketId: "TKT-2002" }),
      "INVALID_INPUT",
      "Recommendation 0f1e2d3c-4b5a-4968-8776-655443322110 is for TKT-2001, not TKT-2002. Pass the ticketId of the recommendation.",
    ],
    [
      "already approved",
      ticket(),
      rec({ resolution: "approved" }),
      at(),
      "ALREADY_RESOLVED",
      "Recommendation 0f1e2d3c-4b5a-4968-8776-655443322110 is already approved. Submit a new recommendation for TKT-2001 if it still needs triage.",
    ],
    [
      "already rejected",
      ticket(),
      rec({ resolution: "rejected" }),
      at(),
      "ALREADY_RESOLVED",
      /already rejected/,
    ],
    [
      "the ticket moved on",
      ticket({ revision: 3 }),
      rec(),
      at({ expectedRevision: 3 }),
      "STALE_REVISION",
      "TKT-2001 is at revision 3, the recommendation was made at 2. Read the ticket again and submit a new recommendation.",
    ],
    [
      "the reviewer saw another revision",
      ticket(),
      rec(),
      at({ expectedRevision: 1 }),
      "STALE_REVISION",
      "expectedRevision 1 does not match TKT-2001's current revision 2. Read the ticket again and pass expectedRevision 2 if the reviewer approved this recommendation at that revision.",
    ],
    [
      "an edited response without customerResponse",
      ticket(),
      rec(),
      at({ approvedFields: ["team"], editedCustomerResponse: "Edited." }),
      "INVALID_INPUT",
      "editedCustomerResponse is only allowed when approvedFields includes customerResponse.",
    ],
    [
      "a blank edited response",
      ticket(),
      rec(),
      at({ approvedFields: ["customerResponse"], editedCustomerResponse: "  " }),
      "INVALID_INPUT",
      "editedCustomerResponse is blank. Omit it or give the edited text.",
    ],
    [
      "a secret in the edited response",
      ticket(),
      rec(),
      at({ approvedFields: ["customerResponse"], editedCustomerResponse: `Your key ${AWS_KEY} is revoked.` }),
      "SECRET_DETECTED",
      /^editedCustomerResponse contains what looks like an AWS access key/,
    ],
    [
      "routing no choice of fields can satisfy",
      ticket({ team: "identity" }),
      rec({ securityRisk: "likely", team: "identity" }),
      at(),
      "POLICY_DENIED",
      'TKT-2001 must be routed to team "security" (escalation: security), but the recommendation proposes team ' +
        '"identity" and the ticket\'s team is "identity", so no choice of fields can be approved. Reject this ' +
        'recommendation with feedback, or submit a new one with team "security".',
    ],
  ])("refuses %s", (_label, t, r, request, code, message) => {
    const { refusal } = preflightApproval(t, r, request, NOW, POLICY);
    expect(refusal?.code).toBe(code);
    if (typeof message === "string") expect(refusal?.message).toBe(message);
    else expect(refusal?.message).toMatch(message);
  });

  it.each<[string, Ticket, Recommendation]>([
    ["free routing", ticket(), rec()],
    [
      "the proposed team is the required one",
      ticket({ team: "identity" }),
      rec({ securityRisk: "likely", team: "security" }),
    ],
    [
      "the ticket already has the required team",
      ticket({ team: "security" }),
      rec({ securityRisk: "likely", team: "identity" }),
    ],
  ])("accepts %s", (_label, t, r) => {
    expect(preflightApproval(t, r, at(), NOW, POLICY).refusal).toBeNull();
  });

  it("refuses whatever planApproval refuses for the same target, with the same code", () => {
    const cases: [Ticket, Recommendation, PreflightRequest][] = [
      [ticket(), rec(), at({ ticketId: "TKT-2002" })],
      [ticket(), rec({ resolution: "approved" }), at()],
      [ticket({ revision: 3 }), rec(), at({ expectedRevision: 3 })],
      [ticket(), rec(), at({ expectedRevision: 1 })],
    ];
    for (const [t, r, request] of cases) {
      const pre = preflightApproval(t, r, request, NOW, POLICY).refusal;
      let planned: unknown;
      try {
        planApproval(
          t,
          r,
          { ...request, recommendationId: r.id, approvedFields: ["team"], actor: "dana" },
          NOW,
          POLICY,
        );
      } catch (error) {
        planned = error;
      }
      expect(pre).not.toBeNull();
      expect(planned).toEqual(pre);
    }
  });
});

describe("what the reviewer is asked", () => {
  it("one row per proposed field: now, proposed, whether it changes", () => {
    const { question } = preflightApproval(
      ticket({ category: "performance", tags: ["export"] }),
      rec({ tags: ["export"], assignee: null }),
      at(),
      NOW,
      POLICY,
    );
    expect(question.fields.map((f) => [f.field, f.current, f.proposed, f.changes])).toEqual([
      ["category", "performance", "performance", false],
      ["priority", null, "P3", true],
      ["team", null, "support", true],
      ["assignee", null, null, false],
      ["tags", ["export"], ["export"], false],
      ["customerResponse", null, "We are looking into the export problem.", true],
    ]);
    expect(question.fields.every((f) => !f.neededForRouting && !f.contradictsRequiredTeam)).toBe(true);
  });

  it("flags the team row: needed for routing, and contradicting the required team", () => {
    const team = (t: Ticket, r: Recommendation) =>
      preflightApproval(t, r, at(), NOW, POLICY).question.fields.find((f) => f.field === "team");
    expect(
      team(ticket({ team: "identity" }), rec({ securityRisk: "possible", team: "security" })),
    ).toMatchObject({
      neededForRouting: true,
      contradictsRequiredTeam: false,
    });
    expect(
      team(ticket({ team: "security" }), rec({ securityRisk: "possible", team: "identity" })),
    ).toMatchObject({
      neededForRouting: false,
      contradictsRequiredTeam: true,
    });
    expect(team(ticket(), rec({ outageRisk: "likely", team: "api-platform" }))).toMatchObject({
      neededForRouting: true,
      contradictsRequiredTeam: true,
    });
  });

  it("shows the reviewer's edited response instead of the draft", () => {
    const edited = "We fixed the export button.";
    const { question } = preflightApproval(
      ticket(),
      rec(),
      at({ approvedFields: ["customerResponse"], editedCustomerResponse: edited }),
      NOW,
      POLICY,
    );
    expect(question.fields.at(-1)).toMatchObject({
      field: "customerResponse",
      proposed: edited,
      edited: true,
    });
  });

  it("computes escalation at the moment of asking (the SLA clock moves)", () => {
    const soon = ticket({ sla: { responseDueAt: minutes(30), breached: false } });
    const { question } = preflightApproval(soon, rec(), at(), NOW, POLICY);
    expect(question.escalation.escalationReasons).toEqual(["sla"]);
  });
});

describe("the review packet", () => {
  const fields = (p: { fields: { field: ApprovableField }[] }) => p.fields.map((f) => f.field);

  it("is valid against its published schema and carries what a reviewer needs", () => {
    const packet = reviewPacketOf({
      policy: POLICY,
      rec: rec({
        knowledgeArticleIds: ["export-guide", "gone"],
        duplicateCandidates: [{ ticketId: "TKT-2009", confidence: 0.7, evidence: "same button" }],
        serverAssessment: { securityRisk: "none", outageRisk: "none", policyConflict: true },
        serverSignals: [
          {
            rule: "injection.ignore-instructions",
            kind: "injection",
            field: "description",
            span: { start: 0, end: 6, text: "Ignore" },
            effect: "policy-conflict",
          },
        ],
      }),
      ticket: ticket({
        subject: `Key ${AWS_KEY} in the export`,
        sla: { responseDueAt: minutes(30), breached: false },
      }),
      now: NOW,
      similarTickets: [
        { ticketId: "TKT-2003", confidence: 0.61, evidence: "shared: export", sharedTerms: ["export"] },
      ],
      articleTitle: (id) => (id === "export-guide" ? "Exporting reports" : undefined),
    });
    expect(reviewPacketSchema.parse(packet)).toEqual(packet);
    expect(packet.ticket).toMatchObject({ id: "TKT-2001", revision: 2, sla: { state: "at-risk" } });
    expect(packet.ticket.subject).not.toContain(AWS_KEY);
    expect(packet.ticket.subject).toContain("[REDACTED");
    expect(fields(packet)).toEqual(["category", "priority", "team", "customerResponse"]);
    expect(packet.escalation).toEqual({
      reasons: ["sla", "policy-conflict"],
      requiredTeam: null,
      ticketHasRequiredTeam: true,
    });
    expect(packet.risks.assessed?.policyConflict).toBe(true);
    expect(packet.serverSignals[0]?.span.text).toBe("Ignore");
    expect(packet.similarTickets.map((s) => [s.ticketId, s.confidence])).toEqual([["TKT-2003", 0.61]]);
    expect(packet.duplicateCandidates).toEqual([
      { ticketId: "TKT-2009", confidence: 0.7, evidence: "same button" },
    ]);
    expect(packet.citedArticles).toEqual([
      { id: "export-guide", title: "Exporting reports" },
      { id: "gone", title: null },
    ]);
    expect(packet.draftReply).toBe("We are looking into the export problem.");
    expect(packet.approval).toEqual({ approvable: true, expectedRevision: 2 });
  });

  it("carries the refusal that an approval would get now", () => {
    const stale = reviewPacketOf({ policy: POLICY, rec: rec(), ticket: ticket({ revision: 5 }), now: NOW });
    expect(stale.approval).toEqual({
      approvable: false,
      code: "STALE_REVISION",
      message:
        "TKT-2001 is at revision 5, the recommendation was made at 2. Read the ticket again and submit a new recommendation.",
    });
    const resolved = reviewPacketOf({
      policy: POLICY,
      rec: rec({ resolution: "approved", resolvedBy: "dana", approvedFields: ["team"] }),
      ticket: ticket({ revision: 3 }),
      now: NOW,
    });
    expect(resolved).toMatchObject({
      resolution: "approved",
      resolvedBy: "dana",
      approvedFields: ["team"],
      approval: { approvable: false, code: "ALREADY_RESOLVED" },
    });
    const unroutable = reviewPacketOf({
      policy: POLICY,
      rec: rec({ outageRisk: "confirmed", team: "api-platform" }),
      ticket: ticket(),
      now: NOW,
    });
    expect(unroutable.approval).toMatchObject({ approvable: false, code: "POLICY_DENIED" });
    expect(unroutable.fields.find((f) => f.field === "team")?.contradictsRequiredTeam).toBe(true);
  });
});
