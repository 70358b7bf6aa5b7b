import type { EscalationReason, Team } from "../../src/domain/enums.js";
import { compareTicketIds } from "../../src/domain/ids.js";
import {
  assess,
  assessmentReasons,
  computeEscalation,
  type Escalation,
  type ServerAssessment,
  type ServerSignal,
} from "../../src/domain/policy/index.js";
import type { Ticket } from "../../src/domain/schemas.js";
import { loadWorkspace } from "../../src/service/workspace.js";
import { compareRisk } from "../../src/domain/signals/index.js";

const POLICY = loadWorkspace().workspace.policy;
import {
  EvaluationInputError,
  type EvaluatedRecommendation,
  type ExpectedOutcome,
  type SignalDetector,
} from "./types.js";

// The contract's recommendation metrics, as pure functions. Every ratio is rounded to 4 decimals
// and is null when there is nothing to measure (an empty denominator), never a flattering 1.
// Escalations are recomputed exactly as the server's submit computes them (the server's own signals
// on the seed ticket raise understated risks and add policy-conflict), never read from the file, so
// a file can neither claim an escalation nor dodge one the ticket text earns. Duplicate pairs are directed (ticket -> candidate)
// so one recommendation's correct candidates cannot hide another's misses.

export const RECOMMENDATION_METRICS = [
  "ticketCount",
  "categoryAccuracy",
  "routingAccuracy",
  "priorityAgreement",
  "securityEscalationRecall",
  "outageEscalationRecall",
  "duplicatePrecision",
  "duplicateRecall",
  "knowledgeCitationCoverage",
  "approvalSafetyViolations",
] as const;
export type RecommendationMetricName = (typeof RECOMMENDATION_METRICS)[number];

export type RecommendationMetrics = {
  ticketCount: number;
  approvalSafetyViolations: number;
} & Record<Exclude<RecommendationMetricName, "ticketCount" | "approvalSafetyViolations">, number | null>;

export const RECOMMENDATION_DEFINITIONS: Record<RecommendationMetricName, string> = {
  ticketCount: "Number of expected outcomes; the recommendation ticket ids must be exactly this set.",
  categoryAccuracy: "Fraction of tickets whose recommended category equals the expected category.",
  routingAccuracy: "Fraction of tickets whose recommended team equals the expected team.",
  priorityAgreement: "Fraction of tickets whose recommended priority is one of the acceptablePriorities.",
  securityEscalationRecall:
    "Of tickets whose requiredEscalations include security, the fraction whose escalation reasons, recomputed " +
    "as the server's submit would (risks raised to the floor its signals detect on the seed ticket, " +
    "policy-conflict from the assessment, SLA at the evaluation time), include security.",
  outageEscalationRecall:
    "Of tickets whose requiredEscalations include outage, the fraction whose recomputed reasons include outage.",
  duplicatePrecision:
    "Directed pairs (ticket, candidate) from every duplicateCandidates list: the fraction whose candidate is in " +
    "the ticket's expected duplicateGroup. null when no candidate is proposed.",
  duplicateRecall:
    "Directed pairs (ticket, other member) of every expected duplicateGroup: the fraction that the ticket's " +
    "duplicateCandidates list.",
  knowledgeCitationCoverage:
    "(ticket, article) pairs of the expected knowledgeArticleIds: the fraction cited in the ticket's " +
    "knowledgeArticleIds.",
  approvalSafetyViolations:
    "Recommendations that are not pending, that propose a team other than the one the server requires from its " +
    "own risks (an approval of all fields would be refused), or that would route a ticket whose requiredEscalations include " +
    "security (outage) to a team other than security (incident-response or security).",
};

/** hits / total rounded to 4 decimals; null when total is 0. */
export function fraction(hits: number, total: number): number | null {
  if (total === 0) return null;
  return Math.round((hits / total) * 10_000) / 10_000;
}

/** The team a set of escalation reasons requires, with the policy's precedence (security first). */
export function requiredTeamFor(reasons: readonly EscalationReason[]): Team | null {
  if (reasons.includes("security")) return "security";
  if (reasons.includes("outage")) return "incident-response";
  return null;
}

/** One evaluated ticket: what was expected, what was recommended, what the server computes. */
export interface ScoredCase {
  readonly expected: ExpectedOutcome;
  readonly recommendation: EvaluatedRecommendation;
  /** The server's risks (max of the recommendation's and the detected floors) and policy conflict. */
  readonly assessment: ServerAssessment;
  readonly serverSignals: ServerSignal[];
  readonly escalation: Escalation;
}

/**
 * What the server's submit stores for this recommendation on this ticket at `now`: the same
 * assessment, extra reasons and escalation (see TriageService.submit).
 */
export function serverEscalation(
  recommendation: EvaluatedRecommendation,
  ticket: Ticket,
  now: Date,
  detect: SignalDetector,
): Pick<ScoredCase, "assessment" | "serverSignals" | "escalation"> {
  const { assessment, serverSignals } = assess(recommendation, detect(ticket));
  const escalation = computeEscalation(
    {
      securityRisk: assessment.securityRisk,
      outageRisk: assessment.outageRisk,
      confidence: recommendation.confidence,
      priority: recommendation.priority,
      missingInformation: recommendation.missingInformation,
      extraReasons: assessmentReasons(assessment),
    },
    ticket,
    now,
    POLICY,
  );
  return { assessment, serverSignals, escalation };
}

/**
 * Pairs the two files by ticket id and recomputes every escalation as the server would. The ids
 * must be the same set on both sides, each listed once, and every ticket must be in the seed.
 */
export function buildCases(input: {
  readonly expected: readonly ExpectedOutcome[];
  readonly recommendations: readonly EvaluatedRecommendation[];
  readonly tickets: ReadonlyMap<string, Ticket>;
  readonly now: Date;
  readonly detect: SignalDetector;
}): ScoredCase[] {
  const expectedById = uniqueById(input.expected, (e) => e.ticketId, "expected outcomes");
  const recsById = uniqueById(input.recommendations, (r) => r.ticketId, "recommendations");
  const missing = [...expectedById.keys()].filter((id) => !recsById.has(id)).sort(compareTicketIds);
  const extra = [...recsById.keys()].filter((id) => !expectedById.has(id)).sort(compareTicketIds);
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      missing.length > 0 ? `no recommendation for ${missing.join(", ")}` : "",
      extra.length > 0 ? `recommendations for tickets without an expected outcome: ${extra.join(", ")}` : "",
    ].filter((p) => p !== "");
    throw new EvaluationInputError(
      `The recommendation ticket ids must equal the expected set exactly: ${parts.join("; ")}.`,
    );
  }
  const notInSeed = [...expectedById.keys()].filter((id) => !input.tickets.has(id)).sort(compareTicketIds);
  if (notInSeed.length > 0) {
    throw new EvaluationInputError(`Tickets missing from the seed file: ${notInSeed.join(", ")}.`);
  }
  return [...expectedById.values()]
    .sort((a, b) => compareTicketIds(a.ticketId, b.ticketId))
    .map((expected) => {
      const ticket = input.tickets.get(expected.ticketId) as Ticket;
      const recommendation = recsById.get(expected.ticketId) as EvaluatedRecommendation;
      // The file's own escalationReasons and requiredTeam are never read: the server decides.
      return {
        expected,
        recommendation,
        ...serverEscalation(recommendation, ticket, input.now, input.detect),
      };
    });
}

/** "TKT-1: securityRisk none -> likely" for every risk the server raised above the recommendation's. */
export function raisedRisks(c: ScoredCase): string[] {
  const out: string[] = [];
  for (const field of ["securityRisk", "outageRisk"] as const) {
    const claimed = c.recommendation[field];
    const server = c.assessment[field];
    if (compareRisk(server, claimed) > 0)
      out.push(`${c.expected.ticketId}: ${field} ${claimed} -> ${server}`);
  }
  return out;
}

function uniqueById<T>(items: readonly T[], idOf: (item: T) => string, what: string): Map<string, T> {
  const byId = new Map<string, T>();
  const twice = new Set<string>();
  for (const item of items) {
    const id = idOf(item);
    if (byId.has(id)) twice.add(id);
    byId.set(id, item);
  }
  if (twice.size > 0) {
    throw new EvaluationInputError(
      `The ${what} list ${[...twice].sort(compareTicketIds).join(", ")} more than once; each ticket must appear once.`,
    );
  }
  return byId;
}

/** Directed pair key "A>B": ticket A names B as a duplicate. */
const pair = (a: string, b: string): string => `${a}>${b}`;

/** Every directed pair of tickets sharing an expected duplicateGroup. */
export function expectedDuplicatePairs(expected: readonly ExpectedOutcome[]): Set<string> {
  const groups = new Map<string, string[]>();
  for (const e of expected) {
    if (e.duplicateGroup === undefined || e.duplicateGroup === null) continue;
    groups.set(e.duplicateGroup, [...(groups.get(e.duplicateGroup) ?? []), e.ticketId]);
  }
  const pairs = new Set<string>();
  for (const members of groups.values()) {
    for (const a of members) for (const b of members) if (a !== b) pairs.add(pair(a, b));
  }
  return pairs;
}

export interface PairScore {
  readonly precision: number | null;
  readonly recall: number | null;
  readonly falsePairs: string[];
  readonly missedPairs: string[];
}

export function scorePairs(predicted: ReadonlySet<string>, expected: ReadonlySet<string>): PairScore {
  let hits = 0;
  const falsePairs: string[] = [];
  for (const p of predicted) {
    if (expected.has(p)) hits++;
    else falsePairs.push(p);
  }
  const missedPairs = [...expected].filter((p) => !predicted.has(p));
  return {
    precision: fraction(hits, predicted.size),
    recall: fraction(hits, expected.size),
    falsePairs: falsePairs.sort(),
    missedPairs: missedPairs.sort(),
  };
}

/** Why approving this recommendation would be unsafe, or [] when it is safe. */
export function approvalSafetyProblems(c: ScoredCase): string[] {
  const { recommendation: rec, escalation, expected } = c;
  const problems: string[] = [];
  if (rec.resolution !== "pending") problems.push(`resolution is "${rec.resolution}", not "pending"`);
  if (escalation.requiredTeam !== null && rec.team !== escalation.requiredTeam) {
    problems.push(
      `the server requires team "${escalation.requiredTeam}" (${escalation.escalationReasons.join(", ")}) but the ` +
        `recommendation proposes "${rec.team}": approving all fields would be refused`,
    );
  }
  const expectedTeam = requiredTeamFor(expected.requiredEscalations);
  // Security takes precedence over outage routing, so an outage ticket may go to security.
  const acceptable: readonly Team[] =
    expectedTeam === "incident-response"
      ? ["incident-response", "security"]
      : expectedTeam === null
        ? []
        : [expectedTeam];
  if (expectedTeam !== null && !acceptable.includes(rec.team)) {
    problems.push(
      `the ticket requires routing to "${expectedTeam}" but approving would move it to "${rec.team}"`,
    );
  }
  return problems;
}

export interface RecommendationFindings {
  readonly categoryMisses: string[];
  readonly routingMisses: string[];
  readonly priorityMisses: string[];
  readonly missedSecurityEscalations: string[];
  readonly missedOutageEscalations: string[];
  readonly falseDuplicatePairs: string[];
  readonly missedDuplicatePairs: string[];
  readonly uncitedArticles: string[];
  /** Risks the server raised above the recommendation's from its own signals (policy-conflict). */
  readonly raisedRisks: string[];
  readonly approvalSafetyViolations: { ticketId: string; problems: string[] }[];
}

export function scoreRecommendations(cases: readonly ScoredCase[]): {
  metrics: RecommendationMetrics;
  findings: RecommendationFindings;
} {
  const ids = (pred: (c: ScoredCase) => boolean) => cases.filter(pred).map((c) => c.expected.ticketId);

  const categoryMisses = ids((c) => c.recommendation.category !== c.expected.category);
  const routingMisses = ids((c) => c.recommendation.team !== c.expected.team);
  const priorityMisses = ids((c) => !c.expected.acceptablePriorities.includes(c.recommendation.priority));

  const recallOf = (reason: EscalationReason) => {
    const required = cases.filter((c) => c.expected.requiredEscalations.includes(reason));
    const missed = required
      .filter((c) => !c.escalation.escalationReasons.includes(reason))
      .map((c) => c.expected.ticketId);
    return { value: fraction(required.length - missed.length, required.length), missed };
  };
  const security = recallOf("security");
  const outage = recallOf("outage");

  const predictedPairs = new Set<string>();
  for (const c of cases) {
    for (const d of c.recommendation.duplicateCandidates)
      predictedPairs.add(pair(c.expected.ticketId, d.ticketId));
  }
  const duplicates = scorePairs(predictedPairs, expectedDuplicatePairs(cases.map((c) => c.expected)));

  let citable = 0;
  const uncitedArticles: string[] = [];
  for (const c of cases) {
    for (const article of new Set(c.expected.knowledgeArticleIds)) {
      citable++;
      if (!c.recommendation.knowledgeArticleIds.includes(article))
        uncitedArticles.push(`${c.expected.ticketId}:${article}`);
    }
  }

  const approvalSafetyViolations = cases
    .map((c) => ({ ticketId: c.expected.ticketId, problems: approvalSafetyProblems(c) }))
    .filter((v) => v.problems.length > 0);

  const n = cases.length;
  return {
    metrics: {
      ticketCount: n,
      categoryAccuracy: fraction(n - categoryMisses.length, n),
      routingAccuracy: fraction(n - routingMisses.length, n),
      priorityAgreement: fraction(n - priorityMisses.length, n),
      securityEscalationRecall: security.value,
      outageEscalationRecall: outage.value,
      duplicatePrecision: duplicates.precision,
      duplicateRecall: duplicates.recall,
      knowledgeCitationCoverage: fraction(citable - uncitedArticles.length, citable),
      approvalSafetyViolations: approvalSafetyViolations.length,
    },
    findings: {
      categoryMisses,
      routingMisses,
      priorityMisses,
      missedSecurityEscalations: security.missed,
      missedOutageEscalations: outage.missed,
      falseDuplicatePairs: duplicates.falsePairs,
      missedDuplicatePairs: duplicates.missedPairs,
      uncitedArticles,
      raisedRisks: cases.flatMap(raisedRisks),
      approvalSafetyViolations,
    },
  };
}
