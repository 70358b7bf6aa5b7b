import { describe, expect, it } from "vitest";
import { APPROVABLE_FIELDS, RISKS, type ApprovableField, type Risk } from "../../src/domain/enums.js";
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
import { routedTeam, type RoutedRisk } from "../../src/domain/workspace/index.js";
import { carryValue, WORKSPACES, type ValueList } from "../support/workspaces.js";

// The policy on each workspace: every expectation is read from the workspace under test (its
// routing rules and their thresholds and precedence, its at-risk window, confidence threshold,
// high-impact priorities and approvable fields). Ticket values are the bundled test values carried
// over to the workspace by the part they play (carryValue), so the bundled run keeps its values.

const NOW = new Date("2026-03-01T12:00:00.000Z");
const minutes = (m: number) => new Date(NOW.getTime() + m * 60_000).toISOString();
const REC_ID = "0f1e2d3c-4b5a-4968-8776-655443322110";
/** A pattern matching `text` literally. */
const literally = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

const AWS_KEY = ["AKIA", "IOSFODNN7", "EXAMPLE"].join("");

const at = (overrides: Partial<PreflightRequest> = {}): PreflightRequest => ({
  ticketId: "TKT-2001",
  expectedRevision: 2,
  ...overrides,
});

const request = (
  fields: readonly ApprovableField[],
  extra: Partial<{ expectedRevision: number; editedCustomerResponse: string; ticketId: string }> = {},
) => ({
  recommendationId: REC_ID,
  ticketId: extra.ticketId ?? "TKT-2001",
  expectedRevision: extra.expectedRevision ?? 2,
  approvedFields: fields,
  actor: "dana",
  ...(extra.editedCustomerResponse === undefined
    ? {}
    : { editedCustomerResponse: extra.editedCustomerResponse }),
});

describe.each(WORKSPACES)("policy on the $label workspace", ({ workspace }) => {
  const POLICY = workspace.policy;
  /** The at-risk window, in ms and in minutes. */
  const W = POLICY.atRiskWindowMs;
  const WM = W / 60_000;
  const c = (list: ValueList, value: string) => carryValue(workspace, list, value);
  const SECURITY = routedTeam(workspace, "security");
  const OUTAGE = routedTeam(workspace, "outage");
  const ruleOf = (risk: RoutedRisk) => {
    const rule = POLICY.routing.find((r) => r.risk === risk);
    if (rule === undefined) throw new Error(`no ${risk} rule`);
    return rule;
  };
  /** Whether `level` of `risk` brings in its routing rule (routing.<risk>.from on). */
  const routes = (risk: RoutedRisk, level: Risk) => RISKS.indexOf(level) >= RISKS.indexOf(ruleOf(risk).from);
  /** `level`, raised to the rule's threshold when it is below: a level that routes. */
  const routing = (risk: RoutedRisk, level: Risk): Risk => (routes(risk, level) ? level : ruleOf(risk).from);
  const routedReasons = (risk: RoutedRisk, level: Risk): RoutedRisk[] => (routes(risk, level) ? [risk] : []);
  const teamFor = (risk: RoutedRisk, level: Risk) =>
    routes(risk, level) ? routedTeam(workspace, risk) : null;
  /** The rule that decides the team when both apply: the lowest precedence. */
  const winner = [...POLICY.routing].sort((a, b) => a.precedence - b.precedence)[0];
  const highImpact = (priority: string) => POLICY.highImpactPriorities.includes(priority);
  const approvable = (field: ApprovableField) => POLICY.approvableFields.includes(field);
  /** The fields every recommendation proposes, in the workspace's order. */
  const ALWAYS_PROPOSED = POLICY.approvableFields.filter((f) =>
    (["category", "priority", "team", "customerResponse"] as const).some((g) => g === f),
  );

  function ticket(overrides: Partial<Ticket> = {}): Ticket {
    return {
      id: "TKT-2001",
      createdAt: minutes(-120),
      updatedAt: minutes(-60),
      customer: { name: "Lumen Bakery", plan: c("plans", "growth"), region: "eu-central", vip: false },
      subject: "Export button does nothing",
      description: "Clicking export in the reports view has no effect.",
      status: c("statuses", "new"),
      tags: [],
      sla: { responseDueAt: minutes(4 * WM), breached: false },
      relatedTicketIds: [],
      revision: 2,
      ...overrides,
    };
  }

  function rec(overrides: Partial<Recommendation> = {}): Recommendation {
    return {
      id: REC_ID,
      ticketId: "TKT-2001",
      sourceRevision: 2,
      category: c("categories", "performance"),
      priority: c("priorities", "P3"),
      team: c("teams", "support"),
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

  const base: EscalationInput = {
    securityRisk: "none",
    outageRisk: "none",
    confidence: 0.9,
    priority: c("priorities", "P3"),
    missingInformation: [],
  };

  describe("slaStateOf", () => {
    it.each([
      ["flagged breached even if far away", { responseDueAt: minutes(500), breached: true }, "breached"],
      ["past due", { responseDueAt: minutes(-1), breached: false }, "breached"],
      ["due exactly now", { responseDueAt: minutes(0), breached: false }, "breached"],
      ["due in 1 minute", { responseDueAt: minutes(1), breached: false }, "at-risk"],
      [
        `due in exactly the at-risk window (${WM} minutes)`,
        { responseDueAt: minutes(WM), breached: false },
        "at-risk",
      ],
      [`due in ${WM + 1} minutes`, { responseDueAt: minutes(WM + 1), breached: false }, "healthy"],
    ] as const)("%s", (_label, sla, expected) => {
      expect(slaStateOf({ sla }, NOW, W)).toBe(expected);
    });
  });

  describe("computeEscalation", () => {
    const healthy = ticket();
    const missing = (priority: string, info: string) => ({ priority, missingInformation: [info] });
    it.each<[string, Partial<EscalationInput>, Ticket, string[], string | null]>([
      ["nothing to escalate", {}, healthy, [], null],
      // Each routing rule one level below its threshold (when there is one), at it, and confirmed.
      ...(["security", "outage"] as const).flatMap((risk) => {
        const from = ruleOf(risk).from;
        const below = RISKS[RISKS.indexOf(from) - 1] as Risk;
        const levels: Risk[] = [...(below === "none" ? [] : [below]), from, "confirmed"];
        return levels.map((level): [string, Partial<EscalationInput>, Ticket, string[], string | null] => [
          `${risk} ${level}${routes(risk, level) ? "" : `: below routing.${risk}.from, no escalation`}`,
          risk === "security" ? { securityRisk: level } : { outageRisk: level },
          healthy,
          routedReasons(risk, level),
          teamFor(risk, level),
        ]);
      }),
      [
        `security together with outage: ${winner?.risk} routing wins (lowest precedence)`,
        { securityRisk: routing("security", "likely"), outageRisk: "confirmed" },
        healthy,
        ["security", "outage"],
        winner?.team ?? null,
      ],
      [
        `confidence exactly ${POLICY.lowConfidenceBelow} is fine`,
        { confidence: POLICY.lowConfidenceBelow },
        healthy,
        [],
        null,
      ],
      [
        `confidence ${POLICY.lowConfidenceBelow - 0.0001} is low`,
        { confidence: POLICY.lowConfidenceBelow - 0.0001 },
        healthy,
        ["low-confidence"],
        null,
      ],
      [
        `sla due in exactly ${WM} minutes`,
        {},
        ticket({ sla: { responseDueAt: minutes(WM), breached: false } }),
        ["sla"],
        null,
      ],
      [
        `sla due in ${WM + 1} minutes`,
        {},
        ticket({ sla: { responseDueAt: minutes(WM + 1), breached: false } }),
        [],
        null,
      ],
      [
        "sla breached flag",
        {},
        ticket({ sla: { responseDueAt: minutes(10 * WM), breached: true } }),
        ["sla"],
        null,
      ],
      // Missing information escalates on a high-impact priority only.
      ...(
        [
          ["P1", "account id"],
          ["P2", "region"],
          ["P3", "region"],
        ] as const
      ).map(([bundled, info]): [string, Partial<EscalationInput>, Ticket, string[], string | null] => {
        const priority = c("priorities", bundled);
        return [
          `missing info on ${priority}${highImpact(priority) ? "" : " is not escalated"}`,
          missing(priority, info),
          healthy,
          highImpact(priority) ? ["missing-information"] : [],
          null,
        ];
      }),
      [
        "missing info with possible outage risk is high impact",
        { ...missing(c("priorities", "P4"), "region"), outageRisk: "possible" },
        healthy,
        [...routedReasons("outage", "possible"), "missing-information"],
        teamFor("outage", "possible"),
      ],
      [
        "missing info with security risk",
        { ...missing(c("priorities", "P4"), "who has access"), securityRisk: "possible" },
        healthy,
        [...routedReasons("security", "possible"), "missing-information"],
        teamFor("security", "possible"),
      ],
      [
        `${c("priorities", "P1")} without missing info`,
        { priority: c("priorities", "P1") },
        healthy,
        [],
        null,
      ],
      [
        "extra policy-conflict reason is kept, in canonical order",
        { extraReasons: ["policy-conflict"], securityRisk: routing("security", "likely") },
        healthy,
        ["security", "policy-conflict"],
        SECURITY,
      ],
    ])("%s", (_label, overrides, t, reasons, team) => {
      const result = computeEscalation({ ...base, ...overrides }, t, NOW, POLICY);
      expect(result.escalationReasons).toEqual(reasons);
      expect(result.escalationRequired).toBe(reasons.length > 0);
      expect(result.requiredTeam).toBe(team);
    });
  });

  describe("approvable fields", () => {
    it("lists only fields with a proposal, in the workspace's order", () => {
      expect(proposedFields(rec(), POLICY)).toEqual(ALWAYS_PROPOSED);
      expect(
        proposedFields(rec({ assignee: null, ticketStatus: c("statuses", "triage"), tags: ["x"] }), POLICY),
      ).toEqual(POLICY.approvableFields);
    });

    // status and tags: only those this workspace approves (the example one does not approve tags).
    const unproposed = (["status", "tags"] as const).filter(approvable);
    it.each<[string, ApprovableField[], string | undefined, RegExp]>([
      ["empty", [], undefined, /at least one field/],
      ["duplicate", ["team", "team"], undefined, /lists "team" twice/],
      ["no proposal for assignee", ["assignee"], undefined, /proposes no value for assignee/],
      [
        `no proposal for ${unproposed.join(" and ")}`,
        unproposed,
        undefined,
        literally(`proposes no value for ${unproposed.join(", ")}.`),
      ],
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

    const closed = APPROVABLE_FIELDS.filter((f) => !approvable(f));
    // Only a workspace that leaves some field out of approvableFields has one to refuse.
    it.skipIf(closed.length === 0)("refuses a field this workspace's reviewers do not approve", () => {
      const error = refusal(() =>
        validateApprovedFields(rec({ assignee: null, ticketStatus: "x", tags: ["x"] }), closed, POLICY),
      );
      expect(error.code).toBe("INVALID_INPUT");
      expect(error.message).toBe(
        `approvedFields names ${closed.join(", ")}, which reviewers do not approve in this workspace. ` +
          `Approvable fields: ${POLICY.approvableFields.join(", ")}.`,
      );
    });
  });

  describe("planApproval", () => {
    it("applies only the named fields and bumps the revision by one", () => {
      // tags only where the workspace approves them.
      const fields = (["priority", "tags"] as const).filter(approvable);
      const plan = planApproval(
        ticket({ team: c("teams", "product") }),
        rec({ tags: ["export"] }),
        request(fields),
        NOW,
        POLICY,
      );
      expect(plan.ticketAfter.priority).toBe(c("priorities", "P3"));
      expect(plan.ticketAfter.tags).toEqual(approvable("tags") ? ["export"] : []);
      expect(plan.ticketAfter.team).toBe(c("teams", "product"));
      expect(plan.ticketAfter.category).toBeUndefined();
      expect(plan.ticketAfter.revision).toBe(3);
      expect(plan.ticketAfter.updatedAt).toBe(NOW.toISOString());
      expect(plan.changes).toEqual([
        { field: "priority", before: null, after: c("priorities", "P3") },
        ...(approvable("tags") ? [{ field: "tags", before: [], after: ["export"] }] : []),
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
        rec({ ticketStatus: c("statuses", "in-progress"), assignee: null }),
        request(["status", "assignee"]),
        NOW,
        POLICY,
      );
      expect(plan.ticketAfter.status).toBe(c("statuses", "in-progress"));
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
          planApproval(
            ticket({ revision: 3 }),
            rec(),
            request(["team"], { expectedRevision: 3 }),
            NOW,
            POLICY,
          ),
        "STALE_REVISION",
        /TKT-2001 is at revision 3, the recommendation was made at 2\. Read the ticket again and submit a new recommendation\./,
      ],
      [
        "security routing without the team field",
        () =>
          planApproval(
            ticket({ team: c("teams", "identity") }),
            rec({ securityRisk: routing("security", "possible"), team: SECURITY }),
            request(["priority"]),
            NOW,
            POLICY,
          ),
        "POLICY_DENIED",
        literally(`must be routed to team "${SECURITY}"`),
      ],
      [
        "security routing with a wrong proposed team",
        () =>
          planApproval(
            ticket(),
            rec({ securityRisk: routing("security", "likely"), team: c("teams", "identity") }),
            request(["team"]),
            NOW,
            POLICY,
          ),
        "POLICY_DENIED",
        literally(`proposes team "${c("teams", "identity")}"`),
      ],
      [
        "outage routing to the wrong team",
        () =>
          planApproval(
            ticket(),
            rec({ outageRisk: "confirmed", team: c("teams", "api-platform") }),
            request(["team"]),
            NOW,
            POLICY,
          ),
        "POLICY_DENIED",
        literally(`"${OUTAGE}"`),
      ],
    ])("refuses: %s", (_label, fn, code, message) => {
      const error = refusal(fn);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    });

    it("allows security routing when the ticket already sits with security", () => {
      const plan = planApproval(
        ticket({ team: SECURITY }),
        rec({ securityRisk: routing("security", "possible"), team: c("teams", "identity") }),
        request(["priority"]),
        NOW,
        POLICY,
      );
      expect(plan.ticketAfter.team).toBe(SECURITY);
      expect(plan.escalation.requiredTeam).toBe(SECURITY);
    });

    it("recomputes SLA escalation at approval time", () => {
      const t = ticket({ sla: { responseDueAt: minutes(WM / 2), breached: false } });
      const plan = planApproval(t, rec(), request(["priority"]), NOW, POLICY);
      expect(plan.escalation.escalationReasons).toContain("sla");
    });
  });

  // ---------- the preflight and the review packet ----------

  describe("preflightApproval: every refusal, in the order the approval checks them", () => {
    const identity = c("teams", "identity");
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
        at({
          approvedFields: ["customerResponse"],
          editedCustomerResponse: `Your key ${AWS_KEY} is revoked.`,
        }),
        "SECRET_DETECTED",
        /^editedCustomerResponse contains what looks like an AWS access key/,
      ],
      [
        "routing no choice of fields can satisfy",
        ticket({ team: identity }),
        rec({ securityRisk: routing("security", "likely"), team: identity }),
        at(),
        "POLICY_DENIED",
        `TKT-2001 must be routed to team "${SECURITY}" (escalation: security), but the recommendation proposes team ` +
          `"${identity}" and the ticket's team is "${identity}", so no choice of fields can be approved. Reject this ` +
          `recommendation with feedback, or submit a new one with team "${SECURITY}".`,
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
        ticket({ team: identity }),
        rec({ securityRisk: routing("security", "likely"), team: SECURITY }),
      ],
      [
        "the ticket already has the required team",
        ticket({ team: SECURITY }),
        rec({ securityRisk: routing("security", "likely"), team: identity }),
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
    it("one row per proposed field, in the workspace's order: now, proposed, whether it changes", () => {
      const category = c("categories", "performance");
      const { question } = preflightApproval(
        ticket({ category, tags: ["export"] }),
        rec({ tags: ["export"], assignee: null }),
        at(),
        NOW,
        POLICY,
      );
      // The recommendation proposes every field but status.
      const rows: Partial<Record<ApprovableField, unknown[]>> = {
        category: ["category", category, category, false],
        priority: ["priority", null, c("priorities", "P3"), true],
        team: ["team", null, c("teams", "support"), true],
        assignee: ["assignee", null, null, false],
        tags: ["tags", ["export"], ["export"], false],
        customerResponse: ["customerResponse", null, "We are looking into the export problem.", true],
      };
      expect(question.fields.map((f) => [f.field, f.current, f.proposed, f.changes])).toEqual(
        POLICY.approvableFields.flatMap((f) => {
          const row = rows[f];
          return row === undefined ? [] : [row];
        }),
      );
      expect(question.fields.every((f) => !f.neededForRouting && !f.contradictsRequiredTeam)).toBe(true);
    });

    it("flags the team row: needed for routing, and contradicting the required team", () => {
      const identity = c("teams", "identity");
      const securityRisk = routing("security", "possible");
      const team = (t: Ticket, r: Recommendation) =>
        preflightApproval(t, r, at(), NOW, POLICY).question.fields.find((f) => f.field === "team");
      expect(team(ticket({ team: identity }), rec({ securityRisk, team: SECURITY }))).toMatchObject({
        neededForRouting: true,
        contradictsRequiredTeam: false,
      });
      expect(team(ticket({ team: SECURITY }), rec({ securityRisk, team: identity }))).toMatchObject({
        neededForRouting: false,
        contradictsRequiredTeam: true,
      });
      expect(
        team(ticket(), rec({ outageRisk: routing("outage", "likely"), team: c("teams", "api-platform") })),
      ).toMatchObject({
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
      expect(question.fields.find((f) => f.field === "customerResponse")).toMatchObject({
        field: "customerResponse",
        proposed: edited,
        edited: true,
      });
    });

    it("computes escalation at the moment of asking (the SLA clock moves)", () => {
      const soon = ticket({ sla: { responseDueAt: minutes(WM / 2), breached: false } });
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
          sla: { responseDueAt: minutes(WM / 2), breached: false },
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
      expect(fields(packet)).toEqual(ALWAYS_PROPOSED);
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
        rec: rec({ outageRisk: "confirmed", team: c("teams", "api-platform") }),
        ticket: ticket(),
        now: NOW,
      });
      expect(unroutable.approval).toMatchObject({ approvable: false, code: "POLICY_DENIED" });
      expect(unroutable.fields.find((f) => f.field === "team")?.contradictsRequiredTeam).toBe(true);
    });
  });
});
