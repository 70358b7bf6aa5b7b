import { ElicitRequestSchema, type ElicitRequestFormParams } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runReview, type ReviewIo } from "../../src/cli/review/commands.js";
import { DomainError } from "../../src/domain/errors.js";
import type { ReviewPacket } from "../../src/domain/review-packet.js";
import type { AuditEvent, Recommendation } from "../../src/domain/schemas.js";
import { createMemoryLogger } from "../../src/logging.js";
import { ApprovalService, type ApprovalOutcome, type Refused } from "../../src/service/approval-service.js";
import { openTriage } from "../../src/service/runtime.js";
import { startHarness, type Harness, type HarnessOptions } from "../support/harness.js";
import { billingProposal, TEST_NOW, writeTestData } from "../support/data.js";

// Every approval channel maps its human's answer onto the one decision (ApprovalService.decide)
// and presents what comes back; none decides anything itself. Chat and the form through a real
// SDK client, the reviewer CLI in process.

const CLIENT = { name: "channel-client", version: "4.5.6" };

const proposal = billingProposal();

const refusal = (code: Refused["code"], message: string): Refused => ({
  kind: "refused",
  code,
  message,
  error: new DomainError(code, message),
});

let open: Harness[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const h of open) await h.close();
  open = [];
});

async function start(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness({ clientInfo: CLIENT, ...options });
  open.push(h);
  return h;
}

async function submit(h: Harness): Promise<Recommendation> {
  const r = await h.call("submit_triage_recommendation", proposal);
  expect(r.ok, r.text).toBe(true);
  return (r.structured as { recommendation: Recommendation }).recommendation;
}

const approveArgs = (rec: Recommendation) => ({
  recommendationId: rec.id,
  ticketId: rec.ticketId,
  expectedRevision: 0,
  approvedFields: ["priority", "team"],
  actor: "dana",
  confirm: true,
});

describe("chat: the approve and reject tools", () => {
  it("approve_triage_recommendation hands the decision over as channel chat and returns its outcome", async () => {
    const h = await start();
    const rec = await submit(h);
    const decide = vi.spyOn(h.triage.approvals, "decide");
    const r = await h.call("approve_triage_recommendation", approveArgs(rec));
    expect(r.ok, r.text).toBe(true);
    expect(decide).toHaveBeenCalledTimes(1);
    expect(decide).toHaveBeenCalledWith(
      {
        kind: "approve",
        recommendationId: rec.id,
        ticketId: "TKT-3005",
        expectedRevision: 0,
        approvedFields: ["priority", "team"],
        actor: "dana",
      },
      { type: "chat", client: CLIENT },
    );
    const outcome = (await decide.mock.results[0]?.value) as ApprovalOutcome;
    expect(outcome.kind).toBe("approved");
    if (outcome.kind !== "approved") return;
    expect(r.structured).toEqual({ ticket: outcome.ticket, auditEvent: outcome.auditEvent });
  });

  it("reject_triage_recommendation hands the decision over as channel chat", async () => {
    const h = await start();
    const rec = await submit(h);
    const decide = vi.spyOn(h.triage.approvals, "decide");
    const r = await h.call("reject_triage_recommendation", {
      ...approveArgs(rec),
      feedback: "Finance decides.",
    });
    expect(r.ok, r.text).toBe(true);
    expect(decide).toHaveBeenCalledWith(
      {
        kind: "reject",
        recommendationId: rec.id,
        ticketId: "TKT-3005",
        actor: "dana",
        feedback: "Finance decides.",
      },
      { type: "chat", client: CLIENT },
    );
    expect((r.structured?.auditEvent as AuditEvent).action).toBe("recommendation-rejected");
  });

  it.each(["approve_triage_recommendation", "reject_triage_recommendation"])(
    "%s presents a refusal as CODE: message",
    async (tool) => {
      const h = await start();
      const rec = await submit(h);
      vi.spyOn(h.triage.approvals, "decide").mockResolvedValue(refusal("POLICY_DENIED", "Not today."));
      const r = await h.call(tool, { ...approveArgs(rec), feedback: "Finance decides." });
      expect(r.ok).toBe(false);
      expect(r.text).toBe("POLICY_DENIED: Not today.");
    },
  );
});

describe("the form (elicitation)", () => {
  async function withForm(answer: Record<string, unknown>) {
    const h = await start({ clientCapabilities: { elicitation: {} } });
    const forms: ElicitRequestFormParams[] = [];
    h.client.setRequestHandler(ElicitRequestSchema, (request) => {
      forms.push(request.params as ElicitRequestFormParams);
      return { action: "accept", content: answer };
    });
    return { h, forms };
  }

  it("asks about the packet the approval service gives, and hands the ticked fields over as channel elicitation", async () => {
    const { h, forms } = await withForm({ tags: true, decision: "approve", reviewer: "dana" });
    const rec = await submit(h);
    const review = vi.spyOn(h.triage.approvals, "review");
    const decide = vi.spyOn(h.triage.approvals, "decide");
    const r = await h.call("approve_triage_recommendation", approveArgs(rec));
    expect(r.ok, r.text).toBe(true);
    expect(review).toHaveBeenCalledWith(rec.id, {
      ticketId: "TKT-3005",
      expectedRevision: 0,
      approvedFields: ["priority", "team"],
      editedCustomerResponse: undefined,
    });
    const packet = review.mock.results[0]?.value as ReviewPacket;
    expect(Object.keys(forms[0]?.requestedSchema.properties ?? {})).toEqual([
      ...packet.fields.map((f) => f.field),
      "decision",
      "reviewer",
      "feedback",
    ]);
    expect(decide).toHaveBeenCalledWith(
      {
        kind: "approve",
        recommendationId: rec.id,
        ticketId: "TKT-3005",
        expectedRevision: 0,
        approvedFields: ["tags"],
        actor: "dana",
      },
      { type: "elicitation", client: CLIENT },
    );
  });

  it("shows no form when the packet says the recommendation cannot be approved, and says why", async () => {
    const { h, forms } = await withForm({ priority: true, decision: "approve" });
    const rec = await submit(h);
    const real = h.triage.approvals.review.bind(h.triage.approvals);
    vi.spyOn(h.triage.approvals, "review").mockImplementation((id, request) => ({
      ...real(id, request),
      approval: { approvable: false, code: "POLICY_DENIED", message: "The policy says no." },
    }));
    const decide = vi.spyOn(h.triage.approvals, "decide");
    const r = await h.call("approve_triage_recommendation", approveArgs(rec));
    expect(r.text).toBe("POLICY_DENIED: The policy says no.");
    expect(forms).toHaveLength(0);
    expect(decide).not.toHaveBeenCalled();
  });

  it("presents a refused decision as CODE: message, and a rejection in the form as APPROVAL_DECLINED", async () => {
    const { h } = await withForm({ priority: true, decision: "approve" });
    const rec = await submit(h);
    vi.spyOn(h.triage.approvals, "decide").mockResolvedValueOnce(
      refusal("STALE_REVISION", "The ticket moved on."),
    );
    expect((await h.call("approve_triage_recommendation", approveArgs(rec))).text).toBe(
      "STALE_REVISION: The ticket moved on.",
    );

    const rejecting = await withForm({ decision: "reject", feedback: "No.", reviewer: "dana" });
    const other = await submit(rejecting.h);
    const decide = vi.spyOn(rejecting.h.triage.approvals, "decide");
    const r = await rejecting.h.call("approve_triage_recommendation", approveArgs(other));
    expect(decide).toHaveBeenCalledWith(
      { kind: "reject", recommendationId: other.id, ticketId: "TKT-3005", actor: "dana", feedback: "No." },
      { type: "elicitation", client: CLIENT },
    );
    expect(r.text).toMatch(
      /^APPROVAL_DECLINED: The reviewer rejected recommendation .* with the feedback "No\."/,
    );
  });
});

describe("the reviewer CLI (operator)", () => {
  async function runtime(): Promise<{
    io: ReviewIo & { out: string[]; err: string[] };
    rec: Recommendation;
  }> {
    const data = writeTestData();
    const triage = await openTriage({ ...data, minutesSaved: 8 }, createMemoryLogger(), {
      clock: () => TEST_NOW,
    });
    const rec = await triage.service.submit(proposal);
    await triage.close();
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      out,
      err,
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      env: {
        TRIAGE_DATA_ROOT: data.dataRoot,
        TRIAGE_SEED_FILE: data.seedFile,
        TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot,
      },
      cwd: data.root,
      version: "9.9.9",
      isTTY: false,
    };
    return { io, rec };
  }

  it("review approve hands the decision over as channel operator, at the recommendation's revision", async () => {
    const { io, rec } = await runtime();
    const decide = vi.spyOn(ApprovalService.prototype, "decide");
    const code = await runReview(["approve", rec.id, "--fields", "priority", "--actor", "dana"], io);
    expect(io.err.join("")).toBe("");
    expect(code).toBe(0);
    expect(decide).toHaveBeenCalledWith(
      {
        kind: "approve",
        recommendationId: rec.id,
        ticketId: "TKT-3005",
        expectedRevision: 0,
        approvedFields: ["priority"],
        actor: "dana",
      },
      { type: "operator", client: { name: "support-triage-mcp review", version: "9.9.9" } },
    );
    expect(io.out.join("")).toMatch(/^Approved recommendation .* \(channel operator, audit event #\d+\)\./);
  });

  it("review reject hands the decision over as channel operator", async () => {
    const { io, rec } = await runtime();
    const decide = vi.spyOn(ApprovalService.prototype, "decide");
    expect(await runReview(["reject", rec.id, "--feedback", "No.", "--actor", "dana"], io)).toBe(0);
    expect(decide).toHaveBeenCalledWith(
      { kind: "reject", recommendationId: rec.id, ticketId: "TKT-3005", actor: "dana", feedback: "No." },
      { type: "operator", client: { name: "support-triage-mcp review", version: "9.9.9" } },
    );
  });

  it("a refused decision is one line on stderr and exit status 1", async () => {
    const { io, rec } = await runtime();
    vi.spyOn(ApprovalService.prototype, "decide").mockResolvedValue(refusal("POLICY_DENIED", "Not today."));
    expect(await runReview(["approve", rec.id, "--fields", "team", "--actor", "dana"], io)).toBe(1);
    expect(io.err.join("")).toBe("POLICY_DENIED: Not today.\n");
    expect(io.out.join("")).toBe("");
  });

  it("review show renders the approval service's packet", async () => {
    const { io, rec } = await runtime();
    const review = vi.spyOn(ApprovalService.prototype, "review");
    expect(await runReview(["show", rec.id], io)).toBe(0);
    expect(review).toHaveBeenCalledWith(rec.id);
    expect(io.out.join("")).toContain(`Recommendation ${rec.id} (pending)`);
  });
});
