export interface TicketIndexOptions {
  /** How much a subject occurrence counts against a description occurrence (integer, 1..16). */
  readonly subjectWeight?: number;
  /** Candidates below this cosine are not returned. */
  readonly minConfidence?: number;
  /** Terms held by more than this share of tickets do not generate candidates... */
  readonly commonTermRatio?: number;
  /** ...unless they are held by at most this many tickets. */
  readonly commonTermFloor?: number;
  /** The rarest terms of a query that always generate candidates, however common. */
  readonly minScanTerms?: number;
  /** How many candidates are rescored exactly when common terms were skipped. */
  readonly rescoreLimit?: number;
}

const DEFAULTS = {
  subjectWeight: 3,
  minConfidence: 0.1,
  commonTermRatio: 0.05,
  commonTermFloor: 1000,
  minScanTerms: 2,
  rescoreLimit: 256,
} as const;

/** The options with their defaults filled in, the subject weight clamped to 1..16. */
export function resolveOptions(options: TicketIndexOptions): Required<TicketIndexOptions> {
  return {
    subjectWeight: Math.min(16, Math.max(1, Math.round(options.subjectWeight ?? DEFAULTS.subjectWeight))),
    minConfidence: options.minConfidence ?? DEFAULTS.minConfidence,
    commonTermRatio: options.commonTermRatio ?? DEFAULTS.commonTermRatio,
    commonTermFloor: options.commonTermFloor ?? DEFAULTS.commonTermFloor,
    minScanTerms: options.minScanTerms ?? DEFAULTS.minScanTerms,
    rescoreLimit: options.rescoreLimit ?? DEFAULTS.rescoreLimit,
  };
}
