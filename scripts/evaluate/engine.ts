import { ESCALATION_REASONS, type EscalationReason } from "../../src/domain/enums.js";
import type { KnowledgeArticle, Ticket } from "../../src/domain/schemas.js";
import { KnowledgeIndex } from "../../src/domain/search/knowledge-index.js";
import { TicketIndex } from "../../src/domain/similarity/ticket-index.js";
import { compareRisk, hasInjection, riskFloors, type Signal } from "../../src/domain/signals/index.js";
import { fraction, type ScoredCase } from "./metrics.js";
import type { DetectorLabels, ExpectedOutcome, SignalDetector } from "./types.js";

// The engine evaluation: our own deterministic components run on the fixtures, measured against
// the expected outcomes. Nothing here reads what an agent wrote except the risks the policy needs.

/** The three questions the server's signals answer about a ticket. */
export const DETECTORS = ["injection", "security", "outage"] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** How each detector reads the signals; the same readings the server's assessment acts on. */
export const DETECTOR_FLAGS: Record<DetectorName, (signals: readonly Signal[]) => boolean> = {
  injection: (signals) => hasInjection(signals),
  security: (signals) => riskFloors(signals).securityRisk !== "none",
  // "possible" outage evidence raises the risk but does not escalate; only likely or above does.
  outage: (signals) => compareRisk(riskFloors(signals).outageRisk, "likely") >= 0,
};

/** find_similar_tickets returns at most this many candidates. */
export const SIMILAR_K = 5;
/** An agent reads the first few search_knowledge hits; recall is measured at this depth. */
export const KNOWLEDGE_K = 3;

export const ENGINE_DEFINITIONS = {
  "duplicateDetection.precisionAt5":
    "TicketIndex over every seed ticket (as find_similar_tickets), queried with each ticket of an expected " +
    "duplicateGroup: of all candidates returned (at most 5 per query), the fraction in the query's group.",
  "duplicateDetection.recallAt5":
    "Same queries: of all (ticket, other group member) pairs, the fraction returned among the 5 candidates.",
  "knowledgeRetrieval.recallAt3":
    "KnowledgeIndex (as search_knowledge) queried with each expected ticket's subject and description: of all " +
    "(ticket, expected article) pairs, the fraction among the first 3 hits.",
  "policyEscalation.precision":
    "Each sample recommendation submitted as the server would: detectSignals on the seed ticket, assess " +
    "(risks raised to the detected floors; policy-conflict when a risk was understated or the text is " +
    "instruction-like), computeEscalation at the evaluation time. Of all reasons raised, the fraction listed in " +
    "requiredEscalations (micro-averaged over every reason).",
  "policyEscalation.recall": "Of all requiredEscalations, the fraction the server raises (micro-averaged).",
  "policyEscalation.byReason": "The same precision and recall per escalation reason.",
  "signalDetection.injection":
    "detectSignals on every seed ticket's subject and description, flagged when any injection signal is found " +
    "(hasInjection): precision and recall against the fixture catalogue's injection labels. null for a seed " +
    "other than the bundled one (no labels).",
  "signalDetection.security":
    "Flagged when the detected security floor (riskFloors) is above none: precision and recall against the " +
    "catalogue's security labels.",
  "signalDetection.outage":
    "Flagged when the detected outage floor is likely or above (the level that escalates): precision and " +
    "recall against the catalogue's outage labels.",
} as const;

export interface DuplicateDetectionResult {
  readonly k: number;
  readonly queries: number;
  readonly precisionAt5: number | null;
  readonly recallAt5: number | null;
  /** Group members not found in a query's top 5, as "query>member". */
  readonly missed: string[];
}

/** Precision and recall at k of the real similarity index against the expected duplicate groups. */
export function evaluateDuplicateDetection(
  tickets: readonly Ticket[],
  expected: readonly ExpectedOutcome[],
  k = SIMILAR_K,
): DuplicateDetectionResult {
  const index = new TicketIndex();
  for (const t of tickets) index.add(t);
  const members = new Map<string, string[]>();
  for (const e of expected) {
    if (e.duplicateGroup === undefined || e.duplicateGroup === null) continue;
    members.set(e.duplicateGroup, [...(members.get(e.duplicateGroup) ?? []), e.ticketId]);
  }
  let queries = 0;
  let returned = 0;
  let relevantReturned = 0;
  let relevantTotal = 0;
  const missed: string[] = [];
  for (const e of expected) {
    if (e.duplicateGroup === undefined || e.duplicateGroup === null) continue;
    const others = (members.get(e.duplicateGroup) ?? []).filter((id) => id !== e.ticketId);
    if (others.length === 0 || !index.has(e.ticketId)) continue;
    queries++;
    const found = index
      .similar(e.ticketId, k)
      .filter((c) => c.ticketId !== e.ticketId)
      .slice(0, k)
      .map((c) => c.ticketId);
    returned += found.length;
    relevantTotal += others.length;
    for (const id of others) {
      if (found.includes(id)) relevantReturned++;
      else missed.push(`${e.ticketId}>${id}`);
    }
  }
  return {
    k,
    queries,
    precisionAt5: fraction(relevantReturned, returned),
    recallAt5: fraction(relevantReturned, relevantTotal),
    missed,
  };
}

export interface KnowledgeRetrievalResult {
  readonly k: number;
  readonly queries: number;
  readonly recallAt3: number | null;
  /** Expected articles not in a ticket's first k hits, as "ticket:article". */
  readonly missed: string[];
}

/** Recall at k of the real knowledge search, each ticket's subject and description as the query. */
export function evaluateKnowledgeRetrieval(
  tickets: ReadonlyMap<string, Ticket>,
  expected: readonly ExpectedOutcome[],
  articles: readonly KnowledgeArticle[],
  k = KNOWLEDGE_K,
): KnowledgeRetrievalResult {
  const index = new KnowledgeIndex(articles);
  let queries = 0;
  let wanted = 0;
  let found = 0;
  const missed: string[] = [];
  for (const e of expected) {
    const ticket = tickets.get(e.ticketId);
    const articleIds = [...new Set(e.knowledgeArticleIds)];
    if (ticket === undefined || articleIds.length === 0) continue;
    queries++;
    const hits = index.search(`${ticket.subject}\n${ticket.description}`, k).map((h) => h.article.id);
    for (const id of articleIds) {
      wanted++;
      if (hits.includes(id)) found++;
      else missed.push(`${e.ticketId}:${id}`);
    }
  }
  return { k, queries, recallAt3: fraction(found, wanted), missed };
}

export interface ReasonScore {
  readonly expected: number;
  readonly raised: number;
  readonly agreed: number;
  readonly precision: number | null;
  readonly recall: number | null;
}

export interface PolicyEscalationResult {
  readonly precision: number | null;
  readonly recall: number | null;
  readonly byReason: Record<EscalationReason, ReasonScore>;
  /** "ticket:reason" required but not raised, and raised but not required. */
  readonly missed: string[];
  readonly unexpected: string[];
}

/** The policy's reasons (already computed in the cases) against requiredEscalations. */
export function evaluatePolicyEscalation(cases: readonly ScoredCase[]): PolicyEscalationResult {
  const counts = Object.fromEntries(
    ESCALATION_REASONS.map((r) => [r, { expected: 0, raised: 0, agreed: 0 }]),
  ) as Record<EscalationReason, { expected: number; raised: number; agreed: number }>;
  const missed: string[] = [];
  const unexpected: string[] = [];
  for (const c of cases) {
    const required = new Set(c.expected.requiredEscalations);
    const raised = new Set(c.escalation.escalationReasons);
    for (const r of ESCALATION_REASONS) {
      const inRequired = required.has(r);
      const inRaised = raised.has(r);
      if (inRequired) counts[r].expected++;
      if (inRaised) counts[r].raised++;
      if (inRequired && inRaised) counts[r].agreed++;
      if (inRequired && !inRaised) missed.push(`${c.expected.ticketId}:${r}`);
      if (!inRequired && inRaised) unexpected.push(`${c.expected.ticketId}:${r}`);
    }
  }
  const byReason = Object.fromEntries(
    ESCALATION_REASONS.map((r) => {
      const { expected, raised, agreed } = counts[r];
      return [
        r,
        { expected, raised, agreed, precision: fraction(agreed, raised), recall: fraction(agreed, expected) },
      ];
    }),
  ) as Record<EscalationReason, ReasonScore>;
  const total = Object.values(counts).reduce(
    (acc, c) => ({
      expected: acc.expected + c.expected,
      raised: acc.raised + c.raised,
      agreed: acc.agreed + c.agreed,
    }),
    { expected: 0, raised: 0, agreed: 0 },
  );
  return {
    precision: fraction(total.agreed, total.raised),
    recall: fraction(total.agreed, total.expected),
    byReason,
    missed,
    unexpected,
  };
}

export interface DetectorScore {
  /** Seed tickets with a label. */
  readonly labelled: number;
  /** Labelled tickets whose label is true. */
  readonly positives: number;
  /** Labelled tickets the detector flagged. */
  readonly flagged: number;
  readonly precision: number | null;
  readonly recall: number | null;
}

export interface DetectorMistakes {
  readonly falsePositives: string[];
  readonly falseNegatives: string[];
}

export type SignalDetectionResult = Record<DetectorName, DetectorScore>;

/**
 * Runs the signal detector once per labelled seed ticket and scores each of its three readings
 * against the labels.
 */
export function evaluateSignalDetection(
  detect: SignalDetector,
  tickets: readonly Ticket[],
  labels: ReadonlyMap<string, DetectorLabels>,
): { result: SignalDetectionResult; mistakes: Record<DetectorName, DetectorMistakes> } {
  type Tally = {
    labelled: number;
    positives: number;
    flagged: number;
    agreed: number;
    fp: string[];
    fn: string[];
  };
  const counts = Object.fromEntries(
    DETECTORS.map((d): [DetectorName, Tally] => [
      d,
      { labelled: 0, positives: 0, flagged: 0, agreed: 0, fp: [], fn: [] },
    ]),
  ) as Record<DetectorName, Tally>;
  for (const t of tickets) {
    const label = labels.get(t.id);
    if (label === undefined) continue;
    const signals = detect(t);
    for (const d of DETECTORS) {
      const c = counts[d];
      const expected = label[d];
      const flagged = DETECTOR_FLAGS[d](signals);
      c.labelled++;
      if (expected) c.positives++;
      if (flagged) c.flagged++;
      if (expected && flagged) c.agreed++;
      if (!expected && flagged) c.fp.push(t.id);
      if (expected && !flagged) c.fn.push(t.id);
    }
  }
  const result = Object.fromEntries(
    DETECTORS.map((d) => {
      const { labelled, positives, flagged, agreed } = counts[d];
      return [
        d,
        {
          labelled,
          positives,
          flagged,
          precision: fraction(agreed, flagged),
          recall: fraction(agreed, positives),
        },
      ];
    }),
  ) as SignalDetectionResult;
  const mistakes = Object.fromEntries(
    DETECTORS.map((d) => [d, { falsePositives: counts[d].fp, falseNegatives: counts[d].fn }]),
  ) as Record<DetectorName, DetectorMistakes>;
  return { result, mistakes };
}

export interface EngineInput {
  readonly tickets: readonly Ticket[];
  readonly expected: readonly ExpectedOutcome[];
  readonly articles: readonly KnowledgeArticle[];
  /** Cases with escalations computed as the server would (see buildCases). */
  readonly cases: readonly ScoredCase[];
  /** The server's signal detector (the same one the cases were built with). */
  readonly detect: SignalDetector;
  /** Detector labels per ticket id, when the seed is the bundled catalogue. */
  readonly detectorLabels: ReadonlyMap<string, DetectorLabels> | null;
}

export interface EngineResult {
  readonly duplicateDetection: Omit<DuplicateDetectionResult, "missed">;
  readonly knowledgeRetrieval: Omit<KnowledgeRetrievalResult, "missed">;
  readonly policyEscalation: Omit<PolicyEscalationResult, "missed" | "unexpected">;
  /** null when the seed has no labels (any seed but the bundled one). */
  readonly signalDetection: SignalDetectionResult | null;
  readonly notes: string[];
}

export interface EngineFindings {
  readonly duplicateDetectionMissed: string[];
  readonly knowledgeRetrievalMissed: string[];
  readonly policyEscalationMissed: string[];
  readonly policyEscalationUnexpected: string[];
  readonly signalDetection?: Record<DetectorName, DetectorMistakes>;
}

export function evaluateEngine(input: EngineInput): { result: EngineResult; findings: EngineFindings } {
  const byId = new Map(input.tickets.map((t) => [t.id, t]));
  const { missed: dupMissed, ...duplicateDetection } = evaluateDuplicateDetection(
    input.tickets,
    input.expected,
  );
  const { missed: kbMissed, ...knowledgeRetrieval } = evaluateKnowledgeRetrieval(
    byId,
    input.expected,
    input.articles,
  );
  const { missed, unexpected, ...policyEscalation } = evaluatePolicyEscalation(input.cases);
  const notes: string[] = [];
  let signalDetection: SignalDetectionResult | null = null;
  let signalFindings: Pick<EngineFindings, "signalDetection"> = {};
  if (input.detectorLabels === null) {
    notes.push(
      "signalDetection: no detector labels for this seed (they come with the bundled fixture catalogue), so " +
        "detector precision and recall are not measured and their thresholds cannot be met (pass --thresholds " +
        "with a file that leaves them out); the policy evaluation still uses the detector",
    );
  } else {
    const scored = evaluateSignalDetection(input.detect, input.tickets, input.detectorLabels);
    signalDetection = scored.result;
    signalFindings = { signalDetection: scored.mistakes };
  }
  return {
    result: { duplicateDetection, knowledgeRetrieval, policyEscalation, signalDetection, notes },
    findings: {
      duplicateDetectionMissed: dupMissed,
      knowledgeRetrievalMissed: kbMissed,
      policyEscalationMissed: missed,
      policyEscalationUnexpected: unexpected,
      ...signalFindings,
    },
  };
}
