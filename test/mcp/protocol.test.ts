import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APPROVABLE_FIELDS } from "../../src/domain/enums.js";
import type { Ticket } from "../../src/domain/schemas.js";
import { routedTeam } from "../../src/domain/workspace/index.js";
import { TEST_NOW, writeTestData } from "../support/data.js";
import { validSubmission } from "../hostile/support.js";
import { startHarness, type Harness } from "../support/harness.js";
import { foreignValue, WORKSPACES } from "../support/workspaces.js";

// The tools through a real SDK Client, on each workspace: its values in the arguments, and every
// expectation (teams, routing, statuses, at-risk window, approvable fields) read from it.

describe.each(WORKSPACES)("on the $label workspace", ({ file, workspace, tickets }) => {
  const v = workspace.vocabulary;
  const seed = tickets();
  const seedTicket = (id: string): Ticket => seed.find((t) => t.id === id)!;
  const leak = seedTicket("TKT-3004");
  const security = routedTeam(workspace, "security");
  const approvable: readonly string[] = v.approvableFields;

  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ data: writeTestData(seed), workspaceFile: file });
  });
  afterEach(async () => {
    await h.close();
  });

  // The hostile suites' valid submission, with this workspace's values.
  const recommendation = (overrides: Record<string, unknown> = {}) =>
    validSubmission({ category: leak.category, priority: leak.priority, team: security, ...overrides });

  /** Approves the team of a recommendation for TKT-3004 at revision 1, unless `overrides` say otherwise. */
  const approve = (recommendationId: string, overrides: Record<string, unknown> = {}) =>
    h.call("approve_triage_recommendation", {
      recommendationId,
      ticketId: "TKT-3004",
      expectedRevision: 1,
      approvedFields: ["team"],
      actor: "reviewer",
      confirm: true,
      ...overrides,
    });

  async function submit(overrides: Record<string, unknown> = {}) {
    const r = await h.call("submit_triage_recommendation", recommendation(overrides));
    expect(r.ok, r.text).toBe(true);
    return (
      r.structured as { recommendation: { id: string; escalationReasons: string[]; resolution: string } }
    ).recommendation;
  }

  describe("read tools", () => {
    it("list_tickets pages, filters and counts", async () => {
      const all = await h.call("list_tickets", {});
      expect(all.ok).toBe(true);
      expect(all.structured).toMatchObject({ total: seed.length, offset: 0, limit: 20 });
      const page = await h.call("list_tickets", { offset: 2, limit: 2 });
      expect((page.structured?.items as { id: string }[]).map((t) => t.id)).toEqual(["TKT-3003", "TKT-3004"]);
      const outageTicket = seedTicket("TKT-3001");
      const team = await h.call("list_tickets", { team: outageTicket.team });
      expect(team.structured?.total).toBe(seed.filter((t) => t.team === outageTicket.team).length);
      const breached = await h.call("list_tickets", { slaState: "breached" });
      expect((breached.structured?.items as { id: string }[]).map((t) => t.id)).toEqual(["TKT-3005"]);
      // TKT-3001 is due in 30 minutes: at risk now when the workspace's window is wider, and at
      // risk from exactly one window before its deadline on.
      const atRiskAt = async (ms: number) => {
        const r = await h.call("list_tickets", { slaState: "at-risk", asOf: new Date(ms).toISOString() });
        return (r.structured?.items as { id: string }[]).map((t) => t.id);
      };
      const due = Date.parse(outageTicket.sla.responseDueAt);
      const window = workspace.policy.atRiskWindowMs;
      expect(await atRiskAt(TEST_NOW.getTime())).toEqual(
        due - TEST_NOW.getTime() <= window ? ["TKT-3001"] : [],
      );
      expect(await atRiskAt(due - window)).toEqual(["TKT-3001"]);
      expect(await atRiskAt(due - window - 60_000)).toEqual([]);
      const later = await h.call("list_tickets", { slaState: "breached", asOf: "2026-05-05T09:00:00.000Z" });
      expect(later.structured?.total).toBe(seed.length);
    });

    it("list_tickets refuses out-of-bounds arguments with INVALID_INPUT", async () => {
      for (const args of [
        { limit: 51 },
        { limit: 0 },
        { offset: -1 },
        { offset: 10_001 },
        { limit: "ten" },
        { status: foreignValue(workspace, "statuses") },
        { asOf: "yesterday" },
      ]) {
        const r = await h.call("list_tickets", args);
        expect(r.ok, JSON.stringify(args)).toBe(false);
        expect(r.text).toMatch(/^INVALID_INPUT: /);
      }
    });

    it("get_ticket returns the ticket or a NOT_FOUND that says what to do", async () => {
      const r = await h.call("get_ticket", { id: "TKT-3001" });
      expect(r.structured).toMatchObject({ ticket: { id: "TKT-3001", revision: 2 } });
      expect(JSON.parse(r.text)).toEqual(r.structured);
      const missing = await h.call("get_ticket", { id: "TKT-9999" });
      expect(missing.text).toBe(
        "NOT_FOUND: No ticket TKT-9999. There are 6 tickets; use list_tickets to find ids.",
      );
      const hostile = await h.call("get_ticket", { id: "../../etc/passwd" });
      expect(hostile.text).toMatch(/^INVALID_INPUT: id: ticket ids look like TKT-1001/);
      const absent = await h.call("get_ticket", {});
      expect(absent.ok).toBe(false);
    });

    it("search_knowledge ranks articles and refuses blank queries", async () => {
      const r = await h.call("search_knowledge", { query: "customer charged twice on invoice", limit: 3 });
      const articles = r.structured?.articles as {
        id: string;
        score: number;
        snippet: string;
        body: string;
      }[];
      expect(articles[0]?.id).toBe("duplicate-charges");
      expect(articles[0]?.score).toBeGreaterThan(0);
      expect(articles[0]?.snippet.length).toBeGreaterThan(0);
      const blank = await h.call("search_knowledge", { query: "   " });
      expect(blank.text).toMatch(/^INVALID_INPUT: query: query must not be blank/);
      const long = await h.call("search_knowledge", { query: "x".repeat(501) });
      expect(long.ok).toBe(false);
    });

    it("find_similar_tickets finds the cluster, never the ticket itself", async () => {
      const r = await h.call("find_similar_tickets", { id: "TKT-3001" });
      const s = r.structured as {
        sourceTicketId: string;
        candidates: { ticketId: string; confidence: number; evidence: string }[];
      };
      expect(s.sourceTicketId).toBe("TKT-3001");
      const ids = s.candidates.map((c) => c.ticketId);
      expect(ids).toContain("TKT-3002");
      expect(ids).toContain("TKT-3003");
      expect(ids).not.toContain("TKT-3001");
      expect(s.candidates.length).toBeLessThanOrEqual(5);
      for (const c of s.candidates) {
        expect(c.confidence).toBeGreaterThanOrEqual(0);
        expect(c.confidence).toBeLessThanOrEqual(1);
        expect(c.evidence.length).toBeGreaterThan(0);
      }
    });

    it("get_queue_metrics counts open tickets, SLA states and outcomes", async () => {
      const r = await h.call("get_queue_metrics", {});
      // The contract's counts, over the seed's open tickets (status not closed in the workspace).
      const now = TEST_NOW.getTime();
      const open = seed.filter((t) => !workspace.closedStatuses.includes(t.status));
      const dueIn = (t: Ticket) => Date.parse(t.sla.responseDueAt) - now;
      const breached = open.filter((t) => t.sla.breached || dueIn(t) <= 0);
      expect(r.structured).toMatchObject({
        openTickets: open.length,
        untriagedTickets: open.filter((t) => !t.category || !t.priority || !t.team).length,
        slaBreachedTickets: breached.length,
        slaAtRiskTickets: open.filter(
          (t) => !breached.includes(t) && dueIn(t) <= workspace.policy.atRiskWindowMs,
        ).length,
        submittedRecommendations: 0,
        acceptanceRate: null,
        estimatedMinutesSaved: 0,
        minutesPerAcceptedRecommendation: workspace.minutesSavedPerApproval,
      });
    });
  });

  describe("workflow", () => {
    it("submit stores a pending recommendation with server-computed escalations and changes nothing", async () => {
      const rec = await submit({ escalationReasons: undefined });
      expect(rec.resolution).toBe("pending");
      expect(rec.escalationReasons).toEqual(["security"]);
      const t = await h.call("get_ticket", { id: "TKT-3004" });
      expect(t.structured).toMatchObject({ ticket: { revision: 1, team: leak.team } });
      const pending = await h.call("list_recommendations", { resolution: "pending" });
      expect(pending.structured).toMatchObject({ total: 1 });
    });

    it("ignores caller-supplied escalation reasons: the server computes them", async () => {
      const rec = await submit({ escalationReasons: [], escalationRequired: false, requiredTeam: null });
      expect(rec.escalationReasons).toEqual(["security"]);
    });

    it.each([
      ["stale revision", { sourceRevision: 0 }, /^STALE_REVISION: TKT-3004 is at revision 1, not 0\./],
      ["unknown ticket", { ticketId: "TKT-4242" }, /^NOT_FOUND: No ticket TKT-4242/],
      [
        "unknown article",
        { knowledgeArticleIds: ["no-such-article"] },
        /^INVALID_INPUT: Unknown knowledge article id\(s\): no-such-article/,
      ],
      [
        "self as duplicate",
        { duplicateCandidates: [{ ticketId: "TKT-3004", confidence: 1, evidence: "x" }] },
        /itself/,
      ],
      ["rationale over 500", { rationale: "r".repeat(501) }, /^INVALID_INPUT: rationale/],
      ["confidence above 1", { confidence: 1.5 }, /^INVALID_INPUT: confidence/],
      ["blank actor", { actor: "  " }, /^INVALID_INPUT: actor: actor must not be blank/],
    ])("submit refuses %s", async (_label, overrides, message) => {
      const r = await h.call("submit_triage_recommendation", recommendation(overrides));
      expect(r.ok).toBe(false);
      expect(r.text).toMatch(message);
      const list = await h.call("list_recommendations", {});
      expect(list.structured?.total).toBe(0);
    });

    it("approve applies named fields only, bumps the revision and audits before/after", async () => {
      // Tags only where the workspace lets reviewers approve them.
      const tags = approvable.includes("tags") ? ["security", "leak"] : [];
      const rec = await submit({ tags: ["security", "leak"] });
      const r = await approve(rec.id, {
        approvedFields: ["team", "tags"].filter((f) => approvable.includes(f)),
        actor: "reviewer.kim",
      });
      expect(r.ok, r.text).toBe(true);
      const s = r.structured as { ticket: Record<string, unknown>; auditEvent: Record<string, unknown> };
      expect(s.ticket).toMatchObject({
        revision: 2,
        team: security,
        tags,
        priority: leak.priority,
        category: leak.category,
      });
      expect(s.auditEvent).toMatchObject({
        action: "recommendation-approved",
        actor: "reviewer.kim",
        fromRevision: 1,
        toRevision: 2,
        changes: [
          { field: "team", before: leak.team, after: security },
          ...(tags.length === 0 ? [] : [{ field: "tags", before: [], after: tags }]),
        ],
      });
      const again = await approve(rec.id, { expectedRevision: 2, actor: "reviewer.kim" });
      expect(again.text).toMatch(/^ALREADY_RESOLVED: Recommendation .* is already approved\./);
      const audit = await h.call("get_audit_events", { ticketId: "TKT-3004" });
      const actions = (audit.structured?.events as { action: string }[]).map((e) => e.action);
      expect(actions).toEqual(["recommendation-submitted", "recommendation-approved", "approval-rejected"]);
    });

    it("approve refuses every guard violation and leaves the ticket unchanged", async () => {
      const rec = await submit();
      const base = {
        recommendationId: rec.id,
        ticketId: "TKT-3004",
        expectedRevision: 1,
        approvedFields: ["team"],
        actor: "reviewer",
        confirm: true,
      };
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ...base, confirm: undefined }, /^INVALID_INPUT: confirm/],
        [{ ...base, confirm: false }, /^INVALID_INPUT: confirm/],
        [{ ...base, confirm: "true" }, /^INVALID_INPUT: confirm/],
        [
          { ...base, expectedRevision: 2 },
          /^STALE_REVISION: expectedRevision 2 does not match TKT-3004's current revision 1/,
        ],
        [{ ...base, approvedFields: [] }, /^INVALID_INPUT: approvedFields/],
        [{ ...base, approvedFields: ["description"] }, /^INVALID_INPUT: approvedFields\.0/],
        // The fields an approval could apply that this workspace does not let reviewers approve.
        ...APPROVABLE_FIELDS.filter((f) => !approvable.includes(f)).map(
          (f): [Record<string, unknown>, RegExp] => [
            { ...base, approvedFields: [f] },
            /^INVALID_INPUT: approvedFields\.0/,
          ],
        ),
        [{ ...base, approvedFields: ["team", "team"] }, /^INVALID_INPUT: approvedFields lists "team" twice/],
        [{ ...base, approvedFields: ["assignee"] }, /proposes no value for assignee/],
        [{ ...base, actor: "   " }, /^INVALID_INPUT: actor/],
        [
          { ...base, ticketId: "TKT-3001" },
          /^INVALID_INPUT: Recommendation .* is for TKT-3004, not TKT-3001/,
        ],
        [
          { ...base, recommendationId: "00000000-0000-4000-8000-000000000000" },
          /^NOT_FOUND: No recommendation/,
        ],
        [
          { ...base, editedCustomerResponse: "Edited" },
          /only allowed when approvedFields includes customerResponse/,
        ],
      ];
      for (const [args, message] of cases) {
        const clean = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
        const r = await h.call("approve_triage_recommendation", clean);
        expect(r.ok, JSON.stringify(args)).toBe(false);
        expect(r.text).toMatch(message);
      }
      const t = await h.call("get_ticket", { id: "TKT-3004" });
      expect(t.structured).toMatchObject({ ticket: { revision: 1, team: leak.team } });
    });

    it("enforces required routing at approval", async () => {
      const rec = await submit({ team: leak.team });
      const r = await approve(rec.id);
      expect(r.text).toMatch(new RegExp(`^POLICY_DENIED: TKT-3004 must be routed to team "${security}"`));
      const t = await h.call("get_ticket", { id: "TKT-3004" });
      expect(t.structured).toMatchObject({ ticket: { revision: 1, team: leak.team } });
      const audit = await h.call("get_audit_events", { ticketId: "TKT-3004" });
      const last = (audit.structured?.events as { action: string; reason?: string }[]).at(-1);
      expect(last?.action).toBe("approval-rejected");
      expect(last?.reason).toMatch(/^POLICY_DENIED/);
    });

    it("other pending recommendations go stale when the ticket changes", async () => {
      const first = await submit();
      const second = await submit({ priority: v.priorities[1] });
      await approve(first.id);
      const r = await approve(second.id, { expectedRevision: 2, approvedFields: ["priority"] });
      expect(r.text).toBe(
        "STALE_REVISION: TKT-3004 is at revision 2, the recommendation was made at 1. Read the ticket again and submit a new recommendation.",
      );
    });

    it("reject requires feedback, leaves the ticket alone and blocks later approval", async () => {
      const rec = await submit();
      const base = { recommendationId: rec.id, ticketId: "TKT-3004", actor: "reviewer" };
      expect((await h.call("reject_triage_recommendation", { ...base, feedback: "  " })).text).toMatch(
        /^INVALID_INPUT: feedback/,
      );
      expect(
        (await h.call("reject_triage_recommendation", { ...base, ticketId: "TKT-3001", feedback: "no" }))
          .text,
      ).toMatch(/is for TKT-3004/);
      const ok = await h.call("reject_triage_recommendation", {
        ...base,
        feedback: "Priority should be P2: key already revoked.",
      });
      expect(ok.structured).toMatchObject({
        auditEvent: { action: "recommendation-rejected", actor: "reviewer" },
      });
      expect((await h.call("reject_triage_recommendation", { ...base, feedback: "again" })).text).toMatch(
        /^ALREADY_RESOLVED: .* already rejected/,
      );
      const approve = await h.call("approve_triage_recommendation", {
        ...base,
        expectedRevision: 1,
        approvedFields: ["team"],
        confirm: true,
      });
      expect(approve.text).toMatch(/^ALREADY_RESOLVED/);
      const t = await h.call("get_ticket", { id: "TKT-3004" });
      expect(t.structured).toMatchObject({ ticket: { revision: 1 } });
      const metrics = await h.call("get_queue_metrics", {});
      expect(metrics.structured).toMatchObject({
        submittedRecommendations: 1,
        rejectedRecommendations: 1,
        rejectionRate: 1,
        acceptanceRate: 0,
      });
    });

    it("unknown tools are refused and the server stays up", async () => {
      const r = await h.call("drop_all_tickets", {});
      expect(r.text).toMatch(/^NOT_FOUND: Unknown tool "drop_all_tickets"\. Available tools: list_tickets/);
      expect((await h.call("list_tickets", {})).ok).toBe(true);
    });

    it("huge arguments are refused before any work", async () => {
      const r = await h.call("search_knowledge", { query: "x".repeat(2 * 1024 * 1024) });
      expect(r.text).toMatch(/^INVALID_INPUT: arguments are \d+ bytes/);
    });
  });
});
