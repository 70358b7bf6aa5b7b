import type { Page, PageRequest } from "../types.js";

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
