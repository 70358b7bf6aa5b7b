import type { Page, PageRequest } from "../types.js";

// Ascending arrays of small integers (ticket ranks, recommendation ordinals) kept sorted by
// binary-search insertion, so filtered paging walks them in order without sorting per request;
// and the pages cut from them.

export function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function insertSorted(list: number[], value: number): void {
  // Appends are the common case (new recommendations, replay in order).
  const last = list[list.length - 1];
  if (last === undefined || last < value) {
    list.push(value);
    return;
  }
  const at = lowerBound(list, value);
  if (list[at] !== value) list.splice(at, 0, value);
}

export function removeSorted(list: number[], value: number): void {
  const at = lowerBound(list, value);
  if (list[at] === value) list.splice(at, 1);
}

/** Recursively freezes plain objects and arrays, so shared state cannot be mutated by callers. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  if (Array.isArray(value)) {
    for (const item of value) deepFreeze(item);
  } else {
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return Object.freeze(value);
}

/** offset and limit as whole numbers >= 0 (an infinite limit means "all"). */
export function normalizePage(page: PageRequest): { offset: number; limit: number } {
  const offset = Number.isFinite(page.offset) ? Math.max(0, Math.floor(page.offset)) : 0;
  const limit = Number.isFinite(page.limit)
    ? Math.max(0, Math.floor(page.limit))
    : page.limit > 0
      ? Number.MAX_SAFE_INTEGER
      : 0;
  return { offset, limit };
}

export const NO_ORDINALS: readonly number[] = Object.freeze([]);

/** One page of `list` (positions into `at`), `total` counting the whole list. */
export function pageOf<T>(
  list: readonly number[],
  at: (ordinal: number) => T,
  offset: number,
  limit: number,
): Page<T> {
  return { items: list.slice(offset, offset + limit).map(at), total: list.length, offset, limit };
}
