import { ESCALATION_REASONS, type EscalationReason } from "../../domain/enums.js";
import type { KnowledgeArticle, Ticket } from "../../domain/schemas.js";
import { KnowledgeIndex } from "../../domain/search/knowledge-index.js";
import { TicketIndex } from "../../domain/similarity/ticket-index.js";
import { fraction, type ScoredCase } from "./metrics.js";
import type { ExpectedOutcome, InjectionDetector } from "./types.js";

// The engine evaluation: our own deterministic components run on the fixtures, measured against
// the expected outcomes. Nothing here reads what an agent wrote except the risks the policy needs.

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
    "computeEscalation on each sample recommendation's risks, the seed ticket and the evaluation time: of all " +
    "reasons raised, the fraction listed in requiredEscalations (micro-averaged over every reason).",
  "policyEscalation.recall": "Of all requiredEscalations, the fraction the policy raises (micro-averaged).",
  "policyEscalation.byReason": "The same precision and recall per escalation reason.",
  injectionDetection:
    "Precision and recall of the injection detector against the fixture catalogue's injection labels; " +
    "null until a detector exists.",
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

export interface InjectionDetectionResult {
  readonly labelled: number;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly falsePositives: string[];
  readonly falseNegatives: string[];
}

/** The detector against per-ticket labels (true: the text is aimed at the triage process). */
export function evaluateInjectionDetection(
  detector: InjectionDetector,
  tickets: readonly Ticket[],
  labels: ReadonlyMap<string, boolean>,
): InjectionDetectionResult {
  let truePositives = 0;
  let labelledPositive = 0;
  let flagged = 0;
  let labelled = 0;
  const falsePositives: string[] = [];
  const falseNegatives: string[] = [];
  for (const t of tickets) {
    const label = labels.get(t.id);
    if (label === undefined) continue;
    labelled++;
    const detected = detector.detect(t);
    if (label) labelledPositive++;
    if (detected) flagged++;
    if (label && detected) truePositives++;
    if (!label && detected) falsePositives.push(t.id);
    if (label && !detected) falseNegatives.push(t.id);
  }
  return {
    labelled,
    precision: fraction(truePositives, flagged),
    recall: fraction(truePositives, labelledPositive),
    falsePositives,
    falseNegatives,
  };
}

export interface EngineInput {
  readonly tickets: readonly Ticket[];
  readonly expected: readonly ExpectedOutcome[];
  readonly articles: readonly KnowledgeArticle[];
  /** Cases with escalations computed by the policy (see buildCases). */
  readonly cases: readonly ScoredCase[];
  /** null until src/domain/signals provides a detector. */
  readonly injectionDetector: InjectionDetector | null;
  /** Injection labels per ticket id, when the seed is the bundled catalogue. */
  readonly injectionLabels: ReadonlyMap<string, boolean> | null;
}

export interface EngineResult {
  readonly duplicateDetection: Omit<DuplicateDetectionResult, "missed">;
  readonly knowledgeRetrieval: Omit<KnowledgeRetrievalResult, "missed">;
  readonly policyEscalation: Omit<PolicyEscalationResult, "missed" | "unexpected">;
  readonly injectionDetection: Omit<InjectionDetectionResult, "falsePositives" | "falseNegatives"> | null;
  readonly notes: string[];
}

export interface EngineFindings {
  readonly duplicateDetectionMissed: string[];
  readonly knowledgeRetrievalMissed: string[];
  readonly policyEscalationMissed: string[];
  readonly policyEscalationUnexpected: string[];
  readonly injectionFalsePositives?: string[];
  readonly injectionFalseNegatives?: string[];
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
  let injectionDetection: EngineResult["injectionDetection"] = null;
  let injectionFindings: Pick<EngineFindings, "injectionFalsePositives" | "injectionFalseNegatives"> = {};
  if (input.injectionDetector === null) {
    notes.push("injectionDetection: detector not implemented");
    if (policyEscalation.byReason["policy-conflict"].expected > 0) {
      notes.push(
        "policyEscalation: policy-conflict is raised only from a detected injection, so its recall stays 0 until the detector exists",
      );
    }
  } else if (input.injectionLabels === null) {
    notes.push(
      "injectionDetection: no injection labels for this seed (they come with the bundled fixture catalogue)",
    );
  } else {
    const { falsePositives, falseNegatives, ...scores } = evaluateInjectionDetection(
      input.injectionDetector,
      input.tickets,
      input.injectionLabels,
    );
    injectionDetection = scores;
    injectionFindings = { injectionFalsePositives: falsePositives, injectionFalseNegatives: falseNegatives };
  }
  return {
    result: { duplicateDetection, knowledgeRetrieval, policyEscalation, injectionDetection, notes },
    findings: {
      duplicateDetectionMissed: dupMissed,
      knowledgeRetrievalMissed: kbMissed,
      policyEscalationMissed: missed,
      policyEscalationUnexpected: unexpected,
      ...injectionFindings,
    },
  };
}
