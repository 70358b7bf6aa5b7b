import type { SimilarTicket } from "./similar-ticket.js";

/** A term two tickets share, and how much it adds to their cosine. */
export interface SharedTerm {
  readonly term: number;
  readonly contribution: number;
  /** In the subject of both. */
  readonly subject: boolean;
}

/** Up to this many shared terms are listed in `sharedTerms`, fewer in the evidence sentence. */
const SHARED_TERMS_LIMIT = 10;
const EVIDENCE_TERMS_LIMIT = 6;

/**
 * A match as the index reports it: the shared terms strongest first (ties by the term's text,
 * so the order never depends on insertion order), and the sentence naming the strongest ones.
 */
export function describeMatch(
  ticketId: string,
  confidence: number,
  shared: SharedTerm[],
  termText: (term: number) => string,
  surface: (term: number) => string,
): SimilarTicket {
  shared.sort((a, b) => b.contribution - a.contribution || (termText(a.term) < termText(b.term) ? -1 : 1));
  const listed = shared.slice(0, SHARED_TERMS_LIMIT);
  const shown = listed.slice(0, EVIDENCE_TERMS_LIMIT);
  const inSubject = shown.filter((s) => s.subject).map((s) => surface(s.term));
  const elsewhere = shown.filter((s) => !s.subject).map((s) => surface(s.term));
  const parts: string[] = [];
  if (inSubject.length > 0) parts.push(`${inSubject.join(", ")} (subject)`);
  if (elsewhere.length > 0) parts.push(elsewhere.join(", "));
  return {
    ticketId,
    confidence,
    evidence: `Shared terms: ${parts.join("; ")}`,
    sharedTerms: listed.map((s) => surface(s.term)),
  };
}
