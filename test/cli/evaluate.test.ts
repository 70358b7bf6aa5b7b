import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runEvaluate } from "../../src/cli/evaluate/cli.js";
import {
  evaluateDuplicateDetection,
  evaluateInjectionDetection,
  evaluateKnowledgeRetrieval,
  evaluatePolicyEscalation,
} from "../../src/cli/evaluate/engine.js";
import {
  RECOMMENDATION_METRICS,
  approvalSafetyProblems,
  buildCases,
  expectedDuplicatePairs,
  fraction,
  requiredTeamFor,
  scorePairs,
  scoreRecommendations,
} from "../../src/cli/evaluate/metrics.js";
import { checkThresholds, describeFailures } from "../../src/cli/evaluate/thresholds.js";
import {
  EvaluationInputError,
  evaluatedRecommendationsSchema,
  type EvaluatedRecommendation,
  type ExpectedOutcome,
} from "../../src/cli/evaluate/types.js";
import type { Ticket } from "../../src/domain/schemas.js";
import { loadKnowledge } from "../../src/service/knowledge.js";
import { TEST_NOW, testTickets, writeTestData } from "../support/data.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SEED_DIR = join(ROOT, "data/seed");
const temps: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "evaluate-"));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function run(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = runEvaluate(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: ROOT,
  });
  return { code, stdout, stderr };
}

type Json = Record<string, unknown>;
const bundledRecommendations = () =>
  JSON.parse(readFileSync(join(SEED_DIR, "sample-recommendations.json"), "utf8")) as Json[];

/** Writes a modified copy of the bundled recommendations and evaluates it. */
function evaluateModified(change: (recs: Json[]) => Json[]) {
  const file = join(tempDir(), "recommendations.json");
  writeFileSync(file, JSON.stringify(change(bundledRecommendations())));
  return run(["--recommendations", file]);
}

// ---------- small hand-made cases ----------

const HOUR = 3_600_000;
const ticketAt = (id: string, dueInMs: number): Ticket => ({
  ...(testTickets()[1] as Ticket),
  id,
  sla: { responseDueAt: new Date(TEST_NOW.getTime() + dueInMs).toISOString(), breached: false },
});

function rec(ticketId: string, fields: Partial<EvaluatedRecommendation> = {}): EvaluatedRecommendation {
  return {
    ticketId,
    sourceRevision: 0,
    category: "billing",
    priority: "P3",
    team: "billing",
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "none",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: [],
    draftCustomerResponse: "",
    rationale: "",
    confidence: 0.9,
    recommendedNextAction: "",
    resolution: "pending",
    ...fields,
  };
}

function expected(ticketId: string, fields: Partial<ExpectedOutcome> = {}): ExpectedOutcome {
  return {
    ticketId,
    category: "billing",
    acceptablePriorities: ["P3"],
    team: "billing",
    requiredEscalations: [],
    knowledgeArticleIds: [],
    ...fields,
  };
}

const tickets = new Map(
  ["TKT-1", "TKT-2", "TKT-3", "TKT-4"].map((id) => [id, ticketAt(id, 10 * HOUR)] as const),
);
tickets.set("TKT-5", ticketAt("TKT-5", 30 * 60_000)); // due in 30 minutes: at risk

describe("metric functions", () => {
  it("fraction rounds to 4 decimals and is null without a denominator", () => {
    expect(fraction(1, 2)).toBe(0.5);
    expect(fraction(2, 3)).toBe(0.6667);
    expect(fraction(0, 0)).toBeNull();
  });

  it("requiredTeamFor follows the policy's precedence", () => {
    expect(requiredTeamFor(["outage", "security"])).toBe("security");
    expect(requiredTeamFor(["outage", "sla"])).toBe("incident-response");
    expect(requiredTeamFor(["sla", "low-confidence"])).toBeNull();
  });

  it("expected duplicate pairs are directed pairs within a group", () => {
    const pairs = expectedDuplicatePairs([
      expected("TKT-1", { duplicateGroup: "a" }),
      expected("TKT-2", { duplicateGroup: "a" }),
      expected("TKT-3", { duplicateGroup: "a" }),
      expected("TKT-4", { duplicateGroup: "b" }),
      expected("TKT-5"),
    ]);
    expect([...pairs].sort()).toEqual([
      "TKT-1>TKT-2",
      "TKT-1>TKT-3",
      "TKT-2>TKT-1",
      "TKT-2>TKT-3",
      "TKT-3>TKT-1",
      "TKT-3>TKT-2",
    ]);
  });

  it("scorePairs computes precision and recall and lists the mistakes", () => {
    const s = scorePairs(new Set(["A>B", "A>C", "B>D"]), new Set(["A>B", "B>A", "A>C", "C>A"]));
    expect(s.precision).toBe(0.6667);
    expect(s.recall).toBe(0.5);
    expect(s.falsePairs).toEqual(["B>D"]);
    expect(s.missedPairs).toEqual(["B>A", "C>A"]);
    expect(scorePairs(new Set(), new Set(["A>B"])).precision).toBeNull();
  });

  it("buildCases recomputes escalations and ignores the file's own reasons", () => {
    const raw = [
      {
        ...rec("TKT-1", { securityRisk: "likely", team: "security" }),
        escalationReasons: [],
        requiredTeam: null,
      },
      { ...rec("TKT-5"), escalationReasons: ["security", "outage"] },
    ];
    const recommendations = evaluatedRecommendationsSchema.parse(raw);
    const cases = buildCases({
      expected: [expected("TKT-1"), expected("TKT-5")],
      recommendations,
      tickets,
      now: TEST_NOW,
    });
    expect(cases.map((c) => c.escalation.escalationReasons)).toEqual([["security"], ["sla"]]);
    expect(cases[0]?.escalation.requiredTeam).toBe("security");
  });

  it("buildCases adds the extra reasons of a plugged-in rule (policy-conflict from a detector)", () => {
    const cases = buildCases({
      expected: [expected("TKT-1"), expected("TKT-2")],
      recommendations: [rec("TKT-1"), rec("TKT-2")],
      tickets,
      now: TEST_NOW,
      extraReasons: (t) => (t.id === "TKT-2" ? ["policy-conflict"] : []),
    });
    expect(cases.map((c) => c.escalation.escalationReasons)).toEqual([[], ["policy-conflict"]]);
  });

  it("refuses a recommendation set whose ticket ids differ from the expected set, naming them", () => {
    const attempt = (recs: EvaluatedRecommendation[]) => () =>
      buildCases({
        expected: [expected("TKT-1"), expected("TKT-2")],
        recommendations: recs,
        tickets,
        now: TEST_NOW,
      });
    expect(attempt([rec("TKT-1")])).toThrow(/no recommendation for TKT-2/);
    expect(attempt([rec("TKT-1"), rec("TKT-2"), rec("TKT-3")])).toThrow(
      /recommendations for tickets without an expected outcome: TKT-3/,
    );
    expect(attempt([rec("TKT-1"), rec("TKT-2"), rec("TKT-2")])).toThrow(/TKT-2 more than once/);
    expect(attempt([rec("TKT-1")])).toThrow(EvaluationInputError);
    expect(() =>
      buildCases({ expected: [expected("TKT-9")], recommendations: [rec("TKT-9")], tickets, now: TEST_NOW }),
    ).toThrow(/missing from the seed file: TKT-9/);
  });

  it("scores a small set: each metric counts what its definition says", () => {
    const exp = [
      expected("TKT-1", {
        category: "security",
        team: "security",
        requiredEscalations: ["security"],
        acceptablePriorities: ["P1"],
        knowledgeArticleIds: ["a", "b"],
      }),
      expected("TKT-2", {
        category: "incident",
        team: "incident-response",
        requiredEscalations: ["outage"],
        duplicateGroup: "g",
        acceptablePriorities: ["P1", "P2"],
      }),
      expected("TKT-3", {
        category: "incident",
        team: "incident-response",
        requiredEscalations: ["outage"],
        duplicateGroup: "g",
        acceptablePriorities: ["P1"],
      }),
      expected("TKT-4", { knowledgeArticleIds: ["c"] }),
    ];
    const recs = [
      rec("TKT-1", {
        category: "security",
        team: "security",
        securityRisk: "confirmed",
        priority: "P1",
        knowledgeArticleIds: ["a"],
      }),
      rec("TKT-2", {
        category: "incident",
        team: "incident-response",
        outageRisk: "likely",
        priority: "P2",
        duplicateCandidates: [{ ticketId: "TKT-3", confidence: 0.9, evidence: "" }],
      }),
      // Under-rated outage risk, wrong category and priority, a wrong duplicate.
      rec("TKT-3", {
        category: "api",
        team: "incident-response",
        outageRisk: "possible",
        priority: "P3",
        duplicateCandidates: [{ ticketId: "TKT-4", confidence: 0.5, evidence: "" }],
      }),
      rec("TKT-4", { knowledgeArticleIds: ["c", "z"] }),
    ];
    const { metrics, findings } = scoreRecommendations(
      buildCases({ expected: exp, recommendations: recs, tickets, now: TEST_NOW }),
    );
    expect(metrics).toEqual({
      ticketCount: 4,
      categoryAccuracy: 0.75,
      routingAccuracy: 1,
      priorityAgreement: 0.75,
      securityEscalationRecall: 1,
      outageEscalationRecall: 0.5,
      duplicatePrecision: 0.5,
      duplicateRecall: 0.5,
      knowledgeCitationCoverage: 0.6667,
      approvalSafetyViolations: 0,
    });
    expect(findings.categoryMisses).toEqual(["TKT-3"]);
    expect(findings.missedOutageEscalations).toEqual(["TKT-3"]);
    expect(findings.falseDuplicatePairs).toEqual(["TKT-3>TKT-4"]);
    expect(findings.missedDuplicatePairs).toEqual(["TKT-3>TKT-2"]);
    expect(findings.uncitedArticles).toEqual(["TKT-1:b"]);
  });

  it("approval safety: not pending, refused by the policy, or routed away from the required team", () => {
    const check = (r: EvaluatedRecommendation, e: ExpectedOutcome) =>
      approvalSafetyProblems(buildCases({ expected: [e], recommendations: [r], tickets, now: TEST_NOW })[0]!);
    const security = expected("TKT-1", { team: "security", requiredEscalations: ["security"] });
    const outage = expected("TKT-1", { team: "incident-response", requiredEscalations: ["outage"] });

    expect(check(rec("TKT-1", { securityRisk: "likely", team: "security" }), security)).toEqual([]);
    expect(
      check(rec("TKT-1", { securityRisk: "likely", team: "security", resolution: "approved" }), security),
    ).toEqual(['resolution is "approved", not "pending"']);
    // The policy sees the risk and would refuse an approval of team "support".
    expect(check(rec("TKT-1", { securityRisk: "likely", team: "support" }), security).join()).toMatch(
      /policy requires team "security".*approving all fields would be refused/,
    );
    // The risk was understated: the policy would let it through, to the wrong team.
    expect(check(rec("TKT-1", { securityRisk: "none", team: "support" }), security)).toEqual([
      'the ticket requires routing to "security" but approving would move it to "support"',
    ]);
    // Security takes precedence over outage routing.
    expect(
      check(rec("TKT-1", { securityRisk: "possible", outageRisk: "likely", team: "security" }), outage),
    ).toEqual([]);
    expect(check(rec("TKT-1", { outageRisk: "none", team: "api-platform" }), outage)).toHaveLength(1);
  });
});

describe("engine functions", () => {
  const data = writeTestData();
  temps.push(data.root);
  const seed = testTickets();
  const byId = new Map(seed.map((t) => [t.id, t]));

  it("duplicate detection: precision and recall at 5 of the real TicketIndex against the groups", () => {
    const groups = [
      expected("TKT-3001", { duplicateGroup: "frankfurt" }),
      expected("TKT-3002", { duplicateGroup: "frankfurt" }),
      expected("TKT-3003", { duplicateGroup: "frankfurt" }),
    ];
    const r = evaluateDuplicateDetection(seed, groups);
    expect(r.queries).toBe(3);
    expect(r.recallAt5).toBe(1);
    expect(r.precisionAt5).toBeGreaterThan(0);
    // A group the text does not support lowers recall.
    const wrong = evaluateDuplicateDetection(seed, [
      expected("TKT-3001", { duplicateGroup: "x" }),
      expected("TKT-3006", { duplicateGroup: "x" }),
    ]);
    expect(wrong.recallAt5).toBe(0);
    expect(wrong.missed).toEqual(["TKT-3001>TKT-3006", "TKT-3006>TKT-3001"]);
  });

  it("knowledge retrieval: recall at 3 with the ticket's subject and description as the query", () => {
    const articles = loadKnowledge(data.knowledgeRoot, { warn: () => undefined });
    const good = evaluateKnowledgeRetrieval(
      byId,
      [
        expected("TKT-3002", { knowledgeArticleIds: ["regional-outages"] }),
        expected("TKT-3004", { knowledgeArticleIds: ["credential-exposure"] }),
      ],
      articles,
    );
    expect(good).toMatchObject({ k: 3, queries: 2, recallAt3: 1, missed: [] });
    const bad = evaluateKnowledgeRetrieval(
      byId,
      [expected("TKT-3004", { knowledgeArticleIds: ["no-such-article"] })],
      articles,
    );
    expect(bad.recallAt3).toBe(0);
  });

  it("policy escalation: micro-averaged and per-reason precision and recall", () => {
    const cases = buildCases({
      expected: [
        expected("TKT-1", { requiredEscalations: ["security"] }),
        expected("TKT-5", { requiredEscalations: ["sla", "policy-conflict"] }),
      ],
      recommendations: [
        rec("TKT-1", { securityRisk: "likely", team: "security", confidence: 0.5 }),
        rec("TKT-5"),
      ],
      tickets,
      now: TEST_NOW,
    });
    const r = evaluatePolicyEscalation(cases);
    // Raised: security, low-confidence (TKT-1), sla (TKT-5). Required: security, sla, policy-conflict.
    expect(r.precision).toBe(0.6667);
    expect(r.recall).toBe(0.6667);
    expect(r.byReason.security).toEqual({ expected: 1, raised: 1, agreed: 1, precision: 1, recall: 1 });
    expect(r.byReason["policy-conflict"]).toMatchObject({
      expected: 1,
      raised: 0,
      recall: 0,
      precision: null,
    });
    expect(r.missed).toEqual(["TKT-5:policy-conflict"]);
    expect(r.unexpected).toEqual(["TKT-1:low-confidence"]);
  });

  it("injection detection: a plugged-in detector is scored against the labels", () => {
    const detector = { detect: (t: Ticket) => /gateway|pastebin/i.test(t.subject + t.description) };
    const labels = new Map([
      ["TKT-3001", true],
      ["TKT-3004", true],
      ["TKT-3005", true],
      ["TKT-3006", false],
      ["TKT-3002", false],
    ]);
    const r = evaluateInjectionDetection(detector, seed, labels);
    expect(r).toEqual({
      labelled: 5,
      precision: 0.6667,
      recall: 0.6667,
      falsePositives: ["TKT-3002"],
      falseNegatives: ["TKT-3005"],
    });
  });
});

describe("thresholds", () => {
  const report = {
    recommendations: { categoryAccuracy: 0.9, duplicatePrecision: null, approvalSafetyViolations: 1 },
  };

  it("passes, fails and names each failing metric with its value and threshold", () => {
    const r = checkThresholds(
      report,
      {
        metrics: {
          "recommendations.categoryAccuracy": { min: 0.85 },
          "recommendations.duplicatePrecision": { min: 0.5 },
          "recommendations.approvalSafetyViolations": { max: 0 },
        },
      },
      "t.json",
    );
    expect(r.passed).toBe(false);
    expect(r.checks.map((c) => c.passed)).toEqual([true, false, false]);
    expect(describeFailures(r)).toEqual([
      "recommendations.duplicatePrecision = not measurable (nothing to measure), threshold: minimum 0.5",
      "recommendations.approvalSafetyViolations = 1, threshold: maximum 0",
    ]);
  });

  it("refuses a threshold naming a metric the evaluation does not produce", () => {
    expect(() =>
      checkThresholds(report, { metrics: { "recommendations.categoryAcuracy": { min: 0.5 } } }, "t.json"),
    ).toThrow(/does not produce: recommendations.categoryAcuracy/);
  });
});

describe("npm run evaluate on the bundled data", () => {
  const baseline = run([]);
  const result = JSON.parse(baseline.stdout) as {
    recommendations: Record<string, number | null>;
    engine: Json;
    thresholds: { passed: boolean; checks: unknown[] };
    definitions: Record<string, string>;
    inputs: { evaluatedAt: string };
  };

  it("exits 0 and prints one JSON object with every contract key", () => {
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(Object.keys(result.recommendations).sort()).toEqual([...RECOMMENDATION_METRICS].sort());
    expect(result.recommendations.ticketCount).toBe(50);
    expect(result.recommendations.approvalSafetyViolations).toBe(0);
    for (const m of RECOMMENDATION_METRICS) expect(result.definitions[`recommendations.${m}`]).toBeTruthy();
    expect(result.thresholds.passed).toBe(true);
    expect(result.thresholds.checks.length).toBeGreaterThan(10);
    expect(result.engine).toMatchObject({
      duplicateDetection: { k: 5 },
      knowledgeRetrieval: { k: 3 },
      injectionDetection: null,
      notes: expect.arrayContaining(["injectionDetection: detector not implemented"]) as unknown,
    });
    // The fixture SLAs are designed for the seed's epoch.
    const epoch = (
      JSON.parse(readFileSync(join(SEED_DIR, "tickets.epoch.json"), "utf8")) as { epoch: string }
    ).epoch;
    expect(result.inputs.evaluatedAt).toBe(new Date(epoch).toISOString());
  });

  it("every committed minimum is above 0 and approval safety allows no violation", () => {
    const file = JSON.parse(readFileSync(join(ROOT, "data/evaluation-thresholds.json"), "utf8")) as {
      metrics: Record<string, { min?: number; max?: number }>;
    };
    for (const [metric, bound] of Object.entries(file.metrics)) {
      if (bound.min !== undefined) expect(bound.min, metric).toBeGreaterThan(0);
    }
    expect(file.metrics["recommendations.approvalSafetyViolations"]).toEqual({ max: 0 });
  });

  it("a security ticket recommended with securityRisk none and team support lowers securityEscalationRecall and fails", () => {
    const r = evaluateModified((recs) =>
      recs.map((x) => (x.ticketId === "TKT-1007" ? { ...x, securityRisk: "none", team: "support" } : x)),
    );
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as typeof result;
    expect(out.recommendations.securityEscalationRecall).toBeLessThan(
      result.recommendations.securityEscalationRecall!,
    );
    expect(out.recommendations.approvalSafetyViolations).toBe(1);
    expect(out.recommendations.categoryAccuracy).toBe(result.recommendations.categoryAccuracy);
    expect(out.thresholds.passed).toBe(false);
    expect(r.stderr).toMatch(/recommendations\.securityEscalationRecall = 0\.8571, threshold: minimum 0\.95/);
    expect(r.stderr).toMatch(/recommendations\.approvalSafetyViolations = 1, threshold: maximum 0/);
  });

  it("the file's own escalationReasons cannot rescue a wrong recommendation", () => {
    const r = evaluateModified((recs) =>
      recs.map((x) =>
        x.ticketId === "TKT-1007"
          ? {
              ...x,
              securityRisk: "none",
              team: "security",
              escalationReasons: ["security"],
              requiredTeam: "security",
            }
          : x,
      ),
    );
    const out = JSON.parse(r.stdout) as typeof result;
    expect(out.recommendations.securityEscalationRecall).toBeLessThan(1);
    expect(r.code).toBe(1);
  });

  it("a wrong category lowers categoryAccuracy only, and fails its threshold", () => {
    const r = evaluateModified((recs) =>
      recs.map((x) => (x.ticketId === "TKT-1045" ? { ...x, category: "feature-request" } : x)),
    );
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as typeof result;
    expect(out.recommendations.categoryAccuracy).toBe(0.96);
    expect(out.recommendations.securityEscalationRecall).toBe(
      result.recommendations.securityEscalationRecall,
    );
    expect(r.stderr).toMatch(/recommendations\.categoryAccuracy = 0\.96, threshold: minimum 0\.97/);
    expect(r.stderr).not.toMatch(/securityEscalationRecall/);
  });

  it("refuses recommendations whose ticket ids differ from the expected set, naming them", () => {
    const r = evaluateModified((recs) => [
      ...recs.filter((x) => x.ticketId !== "TKT-1020"),
      { ...recs[0], ticketId: "TKT-1033" },
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/no recommendation for TKT-1020/);
    expect(r.stderr).toMatch(/without an expected outcome: TKT-1033/);
  });

  it("refuses a malformed recommendations file with the position of the problem", () => {
    const r = evaluateModified((recs) => recs.map((x, i) => (i === 2 ? { ...x, team: "nobody" } : x)));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not in the expected format at \[2\.team\]/);
  });

  it("--format table prints a table with thresholds; usage errors exit 2", () => {
    const table = run(["--format", "table"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/securityEscalationRecall\s+1\.0000\s+>= 0\.95\s+ok/);
    expect(table.stdout).toContain("All thresholds met");
    expect(run(["--format", "xml"]).code).toBe(2);
    expect(run(["--bogus"]).code).toBe(2);
  });

  it("runs as a command (tsx src/cli/evaluate.ts) and exits 0", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/evaluate.ts"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as typeof result).recommendations).toEqual(result.recommendations);
  });
});
