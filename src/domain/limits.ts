// The bounds of every string and list a tool accepts (docs/input-limits.md lists them). A module
// of its own, without schemas, so that views (the review card) can read them cheaply.

export const LIMITS = {
  actor: 120,
  shortText: 500,
  longText: 8_000,
  feedback: 2_000,
  listItem: 200,
  listItems: 20,
  tag: 50,
  tags: 20,
  duplicateCandidates: 10,
  query: 500,
  maxOffset: 10_000,
  maxPageSize: 50,
} as const;
