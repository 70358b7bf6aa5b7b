import { describe, expect, it } from "vitest";
import type { ApprovableField } from "../../src/domain/enums.js";
import type { ErrorCode } from "../../src/domain/errors.js";
import { planApproval, preflightApproval, type PreflightRequest } from "../../src/domain/policy/index.js";
import { reviewPacketOf, reviewPacketSchema } from "../../src/domain/review-packet.js";
import type { Recommendation, Ticket } from "../../src/domain/schemas.js";

// The preflight: can this recommendation be approved right now, and what would the reviewer be
// asked. Every channel shows its answer; the approval itself starts with the same checks.

const NOW = new Date("2026-03-01T12:00:00.000Z");
const minutes = (m: number) => new Date(NOW.getTime() + m * 60_000).toISOString();
const AWS_KEY = ["AKIA", "IOSFODNN7", "EXAMPLE"].join("");

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

function rec(overrides: Partial<Recommendation> = {}): Recommendation {
  return {
    id: "6f1d3c9e-8a4b-4c2d-9e8f-0a1b2c3d4e5f",
    ticketId: "TKT-2001",
    sourceRevision: 2,
    category: "feature-request",
    priority: "P3",
    team: "product",
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "none",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: [],
    draftCustomerResponse: "Thanks, we are looking into the export button.",
    rationale: "A product gap.",
    confidence: 0.9,
    recommendedNextAction: "Route to product.",
    actor: "triage-agent",
    escalationRequired: false,
    escalationReasons: [],
    requiredTeam: null,
    resolution: "pending",
    createdAt: minutes(-10),
    ...overrides,
  };
}

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
      "Recommendation 6f1d3c9e-8a4b-4c2d-9e8f-0a1b2c3d4e5f is for TKT-2001, not TKT-2002. Pass the ticketId of the recommendation.",
    ],
    [
      "already approved",
      ticket(),
      rec({ resolution: "approved" }),
      at(),
      "ALREADY_RESOLVED",
      "Recommendation 6f1d3c9e-8a4b-4c2d-9e8f-0a1b2c3d4e5f is already approved. Submit a new recommendation for TKT-2001 if it still needs triage.",
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
    const { refusal } = preflightApproval(t, r, request, NOW);
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
    expect(preflightApproval(t, r, at(), NOW).refusal).toBeNull();
  });

  it("refuses whatever planApproval refuses for the same target, with the same code", () => {
    const cases: [Ticket, Recommendation, PreflightRequest][] = [
      [ticket(), rec(), at({ ticketId: "TKT-2002" })],
      [ticket(), rec({ resolution: "approved" }), at()],
      [ticket({ revision: 3 }), rec(), at({ expectedRevision: 3 })],
      [ticket(), rec(), at({ expectedRevision: 1 })],
    ];
    for (const [t, r, request] of cases) {
      const pre = preflightApproval(t, r, request, NOW).refusal;
      let planned: unknown;
      try {
        planApproval(
          t,
          r,
          { ...request, recommendationId: r.id, approvedFields: ["team"], actor: "dana" },
          NOW,
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
      ticket({ category: "feature-request", tags: ["export"] }),
      rec({ tags: ["export"], assignee: null }),
      at(),
      NOW,
    );
    expect(question.fields.map((f) => [f.field, f.current, f.proposed, f.changes])).toEqual([
      ["category", "feature-request", "feature-request", false],
      ["priority", null, "P3", true],
      ["team", null, "product", true],
      ["assignee", null, null, false],
      ["tags", ["export"], ["export"], false],
      ["customerResponse", null, "Thanks, we are looking into the export button.", true],
    ]);
    expect(question.fields.every((f) => !f.neededForRouting && !f.contradictsRequiredTeam)).toBe(true);
  });

  it("flags the team row: needed for routing, and contradicting the required team", () => {
    const team = (t: Ticket, r: Recommendation) =>
      preflightApproval(t, r, at(), NOW).question.fields.find((f) => f.field === "team");
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
    );
    expect(question.fields.at(-1)).toMatchObject({
      field: "customerResponse",
      proposed: edited,
      edited: true,
    });
  });

  it("computes escalation at the moment of asking (the SLA clock moves)", () => {
    const soon = ticket({ sla: { responseDueAt: minutes(30), breached: false } });
    const { question } = preflightApproval(soon, rec(), at(), NOW);
    expect(question.escalation.escalationReasons).toEqual(["sla"]);
  });
});

describe("the review packet", () => {
  const fields = (p: { fields: { field: ApprovableField }[] }) => p.fields.map((f) => f.field);

  it("is valid against its published schema and carries what a reviewer needs", () => {
    const packet = reviewPacketOf({
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
    expect(packet.draftReply).toBe("Thanks, we are looking into the export button.");
    expect(packet.approval).toEqual({ approvable: true, expectedRevision: 2 });
  });

  it("carries the refusal that an approval would get now", () => {
    const stale = reviewPacketOf({ rec: rec(), ticket: ticket({ revision: 5 }), now: NOW });
    expect(stale.approval).toEqual({
      approvable: false,
      code: "STALE_REVISION",
      message:
        "TKT-2001 is at revision 5, the recommendation was made at 2. Read the ticket again and submit a new recommendation.",
    });
    const resolved = reviewPacketOf({
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
      rec: rec({ outageRisk: "confirmed", team: "api-platform" }),
      ticket: ticket(),
      now: NOW,
    });
    expect(unroutable.approval).toMatchObject({ approvable: false, code: "POLICY_DENIED" });
    expect(unroutable.fields.find((f) => f.field === "team")?.contradictsRequiredTeam).toBe(true);
  });
});
