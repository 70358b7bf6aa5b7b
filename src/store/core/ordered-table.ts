import type { Page, PageRequest } from "../types.js";
import { insertSorted, normalizePage, NO_ORDINALS, pageOf, removeSorted } from "./sorted.js";

// Records kept in the order they were added, found by id, and listed oldest first filtered by
// ticket and by one status-like key: the recommendations (by resolution) and the handoff outbox
// (by status). The per-ticket and per-key lists hold ordinals (positions in insertion order) in
// ascending order, so a page filtered one way is a slice; filtered both ways, the ticket's list
// (a few entries) is walked.

/** How a table reads its entries. */
export interface EntryKeys<E, K extends string> {
  id(entry: E): string;
  ticketId(entry: E): string;
  /** The value the per-key lists are kept by (a resolution, a status); fixed set. */
  key(entry: E): K;
}

export class OrderedTable<E, K extends string> {
  private readonly entries: E[] = [];
  private readonly ordinals = new Map<string, number>();
  private readonly byTicket = new Map<string, number[]>();
  private readonly byKey: Map<K, number[]>;

  constructor(
    keys: readonly K[],
    private readonly keysOf: EntryKeys<E, K>,
  ) {
    this.byKey = new Map(keys.map((k) => [k, []]));
  }

  get size(): number {
    return this.entries.length;
  }

  get(id: string): E | undefined {
    const ordinal = this.ordinals.get(id);
    return ordinal === undefined ? undefined : this.entries[ordinal];
  }

  /** Every entry, in insertion order (shared: do not modify). */
  all(): readonly E[] {
    return this.entries;
  }

  /** Adds a new entry after the others; its id must be new. */
  add(entry: E): void {
    const id = this.keysOf.id(entry);
    if (this.ordinals.has(id)) throw new Error(`${id} already exists`);
    const ordinal = this.entries.length;
    this.entries.push(entry);
    this.ordinals.set(id, ordinal);
    const ticketId = this.keysOf.ticketId(entry);
    let perTicket = this.byTicket.get(ticketId);
    if (perTicket === undefined) {
      perTicket = [];
      this.byTicket.set(ticketId, perTicket);
    }
    perTicket.push(ordinal);
    insertSorted(this.keyList(this.keysOf.key(entry)), ordinal);
  }

  /** Replaces the entry with the same id (same ticket), keeping its place; returns the old one. */
  replace(entry: E): E {
    const id = this.keysOf.id(entry);
    const ordinal = this.ordinals.get(id);
    if (ordinal === undefined) throw new Error(`${id} does not exist`);
    const previous = this.entries[ordinal] as E;
    const before = this.keysOf.key(previous);
    const after = this.keysOf.key(entry);
    if (before !== after) {
      removeSorted(this.keyList(before), ordinal);
      insertSorted(this.keyList(after), ordinal);
    }
    this.entries[ordinal] = entry;
    return previous;
  }

  /** Entries oldest first, filtered by ticket and key; `total` counts every match. */
  list<T>(
    filter: { readonly ticketId?: string | undefined; readonly key?: K | undefined },
    page: PageRequest,
    show: (entry: E) => T,
  ): Page<T> {
    const { offset, limit } = normalizePage(page);
    const at = (ordinal: number): T => show(this.entries[ordinal] as E);
    const { ticketId, key } = filter;
    if (ticketId === undefined && key === undefined) {
      return {
        items: this.entries.slice(offset, offset + limit).map(show),
        total: this.entries.length,
        offset,
        limit,
      };
    }
    const byTicket = ticketId === undefined ? undefined : (this.byTicket.get(ticketId) ?? NO_ORDINALS);
    const byKey = key === undefined ? undefined : (this.byKey.get(key) ?? NO_ORDINALS);
    if (byTicket === undefined || byKey === undefined) {
      return pageOf(byTicket ?? byKey ?? NO_ORDINALS, at, offset, limit);
    }
    const items: T[] = [];
    let total = 0;
    for (const ordinal of byTicket) {
      const entry = this.entries[ordinal] as E;
      if (this.keysOf.key(entry) !== key) continue;
      if (total >= offset && items.length < limit) items.push(show(entry));
      total++;
    }
    return { items, total, offset, limit };
  }

  private keyList(key: K): number[] {
    const list = this.byKey.get(key);
    if (list === undefined) throw new Error(`unknown key ${key}`);
    return list;
  }
}
