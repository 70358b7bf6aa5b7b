// The targets of the "fast at 100,000 tickets" work, as data, and their evaluation. Pure.
//
// Every latency target is on the p50 over stdio, measured in the same run as the floor (a bare
// MCP round trip to a one-tool echo server on the same SDK).

export const TARGET_GROUPS = [
  "read",
  "search",
  "similar-metrics",
  "submit",
  "approve",
  "first-answer",
  "rss",
] as const;
export type TargetGroup = (typeof TARGET_GROUPS)[number];

export type Limit =
  /** p50 at most `factor` times the floor's tool-call p50. */
  | { readonly kind: "floor-call"; readonly factor: number }
  /** At most `factor` times the floor's own time to first answer. */
  | { readonly kind: "floor-first-answer"; readonly factor: number }
  | { readonly kind: "ms"; readonly max: number }
  | { readonly kind: "mb"; readonly max: number };

export interface TargetRow {
  readonly what: string;
  /** The 10,000-ticket column; also used for smaller datasets. */
  readonly small: Limit;
  /** The 100,000-ticket column; used for every dataset above 10,000 tickets. */
  readonly large: Limit;
}

export const TARGETS: Readonly<Record<TargetGroup, TargetRow>> = {
  read: {
    what: "get_ticket, list_tickets, get_audit_events, list_recommendations",
    small: { kind: "floor-call", factor: 2 },
    large: { kind: "floor-call", factor: 3 },
  },
  search: {
    what: "search_knowledge (bundled articles)",
    small: { kind: "floor-call", factor: 3 },
    large: { kind: "floor-call", factor: 3 },
  },
  "similar-metrics": {
    what: "find_similar_tickets, get_queue_metrics",
    small: { kind: "ms", max: 5 },
    large: { kind: "ms", max: 20 },
  },
  submit: {
    what: "submit (fsynced)",
    small: { kind: "ms", max: 5 },
    large: { kind: "ms", max: 8 },
  },
  approve: {
    what: "approve (fsynced)",
    small: { kind: "ms", max: 10 },
    large: { kind: "ms", max: 15 },
  },
  "first-answer": {
    what: "first answer after spawn",
    small: { kind: "floor-first-answer", factor: 1.5 },
    large: { kind: "ms", max: 2000 },
  },
  rss: {
    what: "server peak RSS",
    small: { kind: "mb", max: 150 },
    large: { kind: "mb", max: 500 },
  },
};

/** Datasets up to this many tickets are judged against the 10,000 column. */
export const SMALL_COLUMN_MAX_TICKETS = 10_000;

export interface FloorFigures {
  /** p50 of the echo tool call, ms. */
  readonly callP50Ms: number;
  /** The echo server's time to first answer after spawn, ms. */
  readonly firstAnswerMs: number;
}

export interface Verdict {
  /** The target as written, e.g. "<= 2x floor". */
  readonly target: string;
  /** The limit in the row's unit (ms or MB) for this run's floor. */
  readonly limit: number;
  readonly actual: number;
  readonly pass: boolean;
}

export function limitFor(group: TargetGroup, tickets: number): Limit {
  const row = TARGETS[group];
  return tickets <= SMALL_COLUMN_MAX_TICKETS ? row.small : row.large;
}

export function describeLimit(limit: Limit): string {
  switch (limit.kind) {
    case "floor-call":
      return `<= ${limit.factor}x floor`;
    case "floor-first-answer":
      return `<= ${limit.factor}x floor's`;
    case "ms":
      return limit.max >= 1000 ? `<= ${limit.max / 1000} s` : `<= ${limit.max} ms`;
    case "mb":
      return `<= ${limit.max} MB`;
  }
}

export function limitValue(limit: Limit, floor: FloorFigures): number {
  switch (limit.kind) {
    case "floor-call":
      return limit.factor * floor.callP50Ms;
    case "floor-first-answer":
      return limit.factor * floor.firstAnswerMs;
    case "ms":
    case "mb":
      return limit.max;
  }
}

/** Judges one figure (a p50 in ms, or MB for RSS) of a dataset with `tickets` tickets. */
export function evaluate(group: TargetGroup, tickets: number, actual: number, floor: FloorFigures): Verdict {
  if (!Number.isFinite(actual)) throw new Error(`cannot judge a non-finite figure (${actual})`);
  const limit = limitFor(group, tickets);
  const value = limitValue(limit, floor);
  return { target: describeLimit(limit), limit: value, actual, pass: actual <= value };
}
