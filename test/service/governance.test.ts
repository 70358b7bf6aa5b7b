import { readdirSync, readFileSync, rmSync, statSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import type { SubmitRecommendationInput } from "../../src/domain/inputs.js";
import { createMemoryLogger } from "../../src/logging.js";
import { reviewCommand } from "../../src/paths.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";

// Governance on the bundled fixtures: the server reads the ticket itself, refuses secrets and
// makes retries safe. The runtime is initialized from data/seed with a fixed clock.
const ROOT = resolve(import.meta.dirname, "../..");
const NOW = new Date("2026-03-10T10:00:00.000Z");
const dirs: string[] = [];
const open: Triage[] = [];

async function start(
  dataRoot?: string,
  extra: {
    approvalMode?: "chat" | "elicit-when-available" | "human-only";
    securityNeedsHumanChannel?: boolean;
  } = {},
): Promise<Triage> {
  const root = dataRoot ?? mkdtempSync(join(tmpdir(), "triage-gov-"));
  if (dataRoot === undefined) dirs.push(root);
  const triage = await openTriage(
    {
      dataRoot: root,
      seedFile: join(ROOT, "data/seed/tickets.json"),
      knowledgeRoot: join(ROOT, "data/knowledge"),
      minutesSaved: 8,
      ...extra,
    },
    createMemoryLogger(),
    { clock: () => NOW },
  );
  open.push(triage);
  return triage;
}

afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function proposal(
  t: Triage,
  ticketId: string,
  overrides: Partial<SubmitRecommendationInput> = {},
): SubmitRecommendationInput {
  const ticket = t.service.getTicket(ticketId);
  return {
    ticketId,
    sourceRevision: ticket.revision,
    category: "other",
    priority: "P3",
    team: "support",
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "none",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: [],
    draftCustomerResponse: "Thanks, we are looking into it.",
    rationale: "Routine request.",
    confidence: 0.9,
    recommendedNextAction: "Reply to the customer.",
    actor: "agent",
    ...overrides,
  };
}

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("server-side evidence", () => {
  it("raises an understated security risk, flags policy-conflict and keeps the ticket in security", async () => {
    const t = await start();
    const rec = await t.service.submit(
      proposal(t, "TKT-1007", { securityRisk: "none", team: "api-platform" }),
    );
    expect(rec.securityRisk).toBe("none");
    expect(rec.serverAssessment).toMatchObject({ securityRisk: "likely", policyConflict: true });
    expect(rec.escalationReasons).toEqual(expect.arrayContaining(["security", "policy-conflict"]));
    expect(rec.requiredTeam).toBe("security");
    const evidence = rec.serverSignals ?? [];
    expect(
      evidence.some((s) => s.kind === "security" && /raised securityRisk from none/.test(s.effect)),
    ).toBe(true);
    for (const s of evidence) {
      const field =
        s.field === "subject"
          ? t.service.getTicket("TKT-1007").subject
          : t.service.getTicket("TKT-1007").description;
      expect(s.span.end).toBeGreaterThan(s.span.start);
      expect(s.span.end).toBeLessThanOrEqual(field.length);
    }
    const denied = await refusal(
      t.service.approve({
        recommendationId: rec.id,
        ticketId: "TKT-1007",
        expectedRevision: rec.sourceRevision,
        approvedFields: ["team"],
        actor: "dana",
        confirm: true,
      }),
    );
    expect(denied.code).toBe("POLICY_DENIED");
    expect(denied.message).toMatch(/must be routed to team "security"/);
    expect(t.service.getTicket("TKT-1007").team).toBeUndefined();
  });

  it("does not flag policy-conflict when the agent's risks match the evidence", async () => {
    const t = await start();
    const rec = await t.service.submit(
      proposal(t, "TKT-1007", {
        securityRisk: "confirmed",
        team: "security",
        category: "security",
        priority: "P1",
      }),
    );
    expect(rec.serverAssessment).toMatchObject({ securityRisk: "confirmed", policyConflict: false });
    expect(rec.escalationReasons).not.toContain("policy-conflict");
  });

  it.each(["TKT-1013", "TKT-1014", "TKT-1015", "TKT-1016", "TKT-1017", "TKT-1018"])(
    "injection ticket %s gets policy-conflict with the matched span",
    async (id) => {
      const t = await start();
      const rec = await t.service.submit(
        proposal(t, id, { securityRisk: "confirmed", outageRisk: "confirmed", team: "security" }),
      );
      expect(rec.escalationReasons).toContain("policy-conflict");
      const injection = (rec.serverSignals ?? []).filter((s) => s.kind === "injection");
      expect(injection.length).toBeGreaterThan(0);
      expect(injection[0]?.effect).toMatch(/not as instructions or approval/);
    },
  );

  it.each(["TKT-1019", "TKT-1020", "TKT-1021", "TKT-1022", "TKT-1023"])(
    "benign look-alike %s gets no policy-conflict",
    async (id) => {
      const t = await start();
      const rec = await t.service.submit(
        proposal(t, id, { securityRisk: "confirmed", outageRisk: "confirmed", team: "security" }),
      );
      expect(rec.escalationReasons).not.toContain("policy-conflict");
      expect((rec.serverSignals ?? []).filter((s) => s.kind === "injection")).toEqual([]);
    },
  );
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("secrets are never stored", () => {
  const secrets: [string, string][] = [
    ["AWS access key", "AKIAQ3EGRTWX7PLKM2ZD"],
    ["GitHub token", "ghp_4Vq9ZyXk2LmN8pR1sT5uW7xA3bC6dE0fG2hJ"],
    [
      "private key",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----",
    ],
    ["connection string", "postgres://admin:Sup3rS3cret!@db.internal.example:5432/prod"],
    ["password assignment", "password=Hunter2-Correct-Horse"],
  ];

  it.each(secrets)(
    "refuses a draft with a %s, names the field, never echoes it, writes nothing",
    async (_kind, secret) => {
      const t = await start();
      const before = filesUnder(t.store.dataRoot).map((f) => [f, readFileSync(f)] as const);
      const error = await refusal(
        t.service.submit(proposal(t, "TKT-1020", { draftCustomerResponse: `Use this to log in: ${secret}` })),
      );
      expect(error.code).toBe("SECRET_DETECTED");
      expect(error.message).toMatch(/^draftCustomerResponse contains/);
      expect(error.message).not.toContain(secret.slice(4, 16));
      const after = filesUnder(t.store.dataRoot);
      for (const f of after) expect(readFileSync(f, "utf8")).not.toContain(secret.slice(4, 16));
      expect(after.length).toBe(before.length);
    },
  );

  it("refuses secrets in rationale, edited responses and feedback too", async () => {
    const t = await start();
    const token = "ghp_4Vq9ZyXk2LmN8pR1sT5uW7xA3bC6dE0fG2hJ";
    expect(
      (await refusal(t.service.submit(proposal(t, "TKT-1020", { rationale: `seen ${token}` })))).message,
    ).toMatch(/^rationale/);
    const rec = await t.service.submit(proposal(t, "TKT-1020"));
    const edited = await refusal(
      t.service.approve({
        recommendationId: rec.id,
        ticketId: "TKT-1020",
        expectedRevision: rec.sourceRevision,
        approvedFields: ["customerResponse"],
        editedCustomerResponse: token,
        actor: "dana",
        confirm: true,
      }),
    );
    expect(edited.message).toMatch(/^editedCustomerResponse/);
    const feedback = await refusal(
      t.service.reject({
        recommendationId: rec.id,
        ticketId: "TKT-1020",
        actor: "dana",
        feedback: `key ${token}`,
      }),
    );
    expect(feedback.message).toMatch(/^feedback/);
    for (const f of filesUnder(t.store.dataRoot)) expect(readFileSync(f, "utf8")).not.toContain(token);
    expect(t.service.getRecommendation(rec.id).resolution).toBe("pending");
  });
});

describe("approval channels and modes", () => {
  it("records the channel on approval and rejection events", async () => {
    const t = await start();
    const a = await t.service.submit(proposal(t, "TKT-1020"));
    const approved = await t.service.approve(
      {
        recommendationId: a.id,
        ticketId: "TKT-1020",
        expectedRevision: a.sourceRevision,
        approvedFields: ["priority"],
        actor: "dana",
        confirm: true,
      },
      { channel: { type: "operator", client: { name: "support-triage-mcp review", version: "1" } } },
    );
    expect(approved.auditEvent.channel).toEqual({
      type: "operator",
      client: { name: "support-triage-mcp review", version: "1" },
    });
    const b = await t.service.submit(proposal(t, "TKT-1021"));
    const rejected = await t.service.reject({
      recommendationId: b.id,
      ticketId: "TKT-1021",
      actor: "dana",
      feedback: "Wrong team.",
    });
    expect(rejected.auditEvent.channel).toEqual({ type: "chat" });
  });

  it("human-only refuses chat approvals, audits the attempt, and accepts operator approvals", async () => {
    const t = await start(undefined, { approvalMode: "human-only" });
    const rec = await t.service.submit(proposal(t, "TKT-1020"));
    const request = {
      recommendationId: rec.id,
      ticketId: "TKT-1020",
      expectedRevision: rec.sourceRevision,
      approvedFields: ["priority" as const],
      actor: "dana",
      confirm: true as const,
    };
    const error = await refusal(t.service.approve(request));
    expect(error.code).toBe("HUMAN_APPROVAL_REQUIRED");
    // The terminal route names this package's own entry and this runtime, never npx (which
    // would fetch whatever a registry holds under the name outside the checkout).
    expect(error.message).toContain(`in a terminal with \`${reviewCommand(t.store.dataRoot)}\`.`);
    expect(error.message).toMatch(/`npm --prefix \S+ run review -- --data-root \S+`/);
    expect(error.message).not.toMatch(/npx/);
    const events = (await t.service.auditEvents({ ticketId: "TKT-1020", offset: 0, limit: 50 })).items;
    expect(events.at(-1)).toMatchObject({ action: "approval-rejected", channel: { type: "chat" } });
    const ok = await t.service.approve(request, { channel: { type: "operator" } });
    expect(ok.ticket.revision).toBe(rec.sourceRevision + 1);
  });

  it("can require a human channel for security-routed tickets only", async () => {
    const t = await start(undefined, {
      approvalMode: "elicit-when-available",
      securityNeedsHumanChannel: true,
    });
    const sec = await t.service.submit(
      proposal(t, "TKT-1007", { securityRisk: "confirmed", team: "security", category: "security" }),
    );
    const secRequest = {
      recommendationId: sec.id,
      ticketId: "TKT-1007",
      expectedRevision: sec.sourceRevision,
      approvedFields: ["team" as const],
      actor: "dana",
      confirm: true as const,
    };
    expect((await refusal(t.service.approve(secRequest))).code).toBe("HUMAN_APPROVAL_REQUIRED");
    expect((await t.service.approve(secRequest, { channel: { type: "elicitation" } })).ticket.team).toBe(
      "security",
    );
    const other = await t.service.submit(proposal(t, "TKT-1020"));
    const done = await t.service.approve({
      recommendationId: other.id,
      ticketId: "TKT-1020",
      expectedRevision: other.sourceRevision,
      approvedFields: ["priority"],
      actor: "dana",
      confirm: true,
    });
    expect(done.auditEvent.channel).toEqual({ type: "chat" });
  });
});

describe("idempotent retries", () => {
  const KEY = "6f1c2a4e-8b3d-4c5e-9f70-1a2b3c4d5e6f";
  const KEY2 = "7a2d3b5f-9c4e-4d6f-8a81-2b3c4d5e6f70";
  const KEY3 = "8b3e4c60-ad5f-4e70-9b92-3c4d5e6f7081";

  it("returns the original result across a restart, with no second effect", async () => {
    const first = await start();
    const root = first.store.dataRoot;
    const input = proposal(first, "TKT-1020", { idempotencyKey: KEY });
    const rec = await first.service.submit(input);
    const approveInput = {
      recommendationId: rec.id,
      ticketId: "TKT-1020",
      expectedRevision: rec.sourceRevision,
      approvedFields: ["priority" as const],
      actor: "dana",
      confirm: true as const,
      idempotencyKey: KEY2,
    };
    const approved = await first.service.approve(approveInput);
    await first.close();
    open.splice(open.indexOf(first), 1);

    const second = await start(root);
    const eventsBefore = (await second.service.auditEvents({ offset: 0, limit: 50 })).total;
    expect(await second.service.submit(input)).toEqual(rec);
    expect(await second.service.approve(approveInput)).toEqual(approved);
    expect((await second.service.auditEvents({ offset: 0, limit: 50 })).total).toBe(eventsBefore);
    expect(second.service.listRecommendations({ ticketId: "TKT-1020", offset: 0, limit: 50 }).total).toBe(1);
    expect(second.service.getTicket("TKT-1020").revision).toBe(rec.sourceRevision + 1);
  });

  it("refuses the same key with a different payload", async () => {
    const t = await start();
    await t.service.submit(proposal(t, "TKT-1020", { idempotencyKey: KEY }));
    const error = await refusal(
      t.service.submit(proposal(t, "TKT-1020", { idempotencyKey: KEY, priority: "P1" })),
    );
    expect(error.code).toBe("CONFLICT");
    expect(error.message).toMatch(/was already used for a different request/);
  });

  it("replays a refused approval as the same refusal", async () => {
    const t = await start();
    const rec = await t.service.submit(proposal(t, "TKT-1007", { securityRisk: "likely", team: "identity" }));
    const input = {
      recommendationId: rec.id,
      ticketId: "TKT-1007",
      expectedRevision: rec.sourceRevision,
      approvedFields: ["team" as const],
      actor: "dana",
      confirm: true as const,
      idempotencyKey: KEY3,
    };
    const first = await refusal(t.service.approve(input));
    const total = (await t.service.auditEvents({ offset: 0, limit: 50 })).total;
    const second = await refusal(t.service.approve(input));
    expect(second.code).toBe(first.code);
    expect(second.message).toBe(first.message);
    expect((await t.service.auditEvents({ offset: 0, limit: 50 })).total).toBe(total);
  });
});
