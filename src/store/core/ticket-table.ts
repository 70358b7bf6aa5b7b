import type { SlaState } from "../../domain/enums.js";
import type { Ticket } from "../../domain/schemas.js";
import type { OpenTicketStats, Page, PageRequest, SlaCounts, TicketFilter } from "../types.js";
import { Bitset, pageOfIntersection } from "./bitset.js";
import { normalizePage } from "./sorted.js";
import { TicketSlot, ticketFieldsOf, type IdKey, type RawJson, type TicketFields } from "./records.js";
import type { QueueRules } from "../../domain/workspace/index.js";
import { OpenStats, SlaIndex } from "./ticket-aggregates.js";

// The tickets: by id, in insertion order (seed order, then creation and import) and in id order,
// with a bitset per value of each indexed field over the id order (a filtered page ANDs the
// relevant bitsets), the open-ticket counts, the SLA order, the largest number per id prefix and
// the external ids. Tickets are deeply frozen when they enter and are handed out as is.

export const INDEXED_TICKET_FIELDS = ["status", "team", "category", "priority"] as const;
export type IndexedTicketField = (typeof INDEXED_TICKET_FIELDS)[number];

// Same order as compareTicketIds, on pre-split keys (sorting 100k ids with the string form
// would split each id ~17 times).
function compareKeys(a: IdKey, b: IdKey): number {
  if (a.prefix !== b.prefix) return a.prefix < b.prefix ? -1 : 1;
  if (a.num !== b.num) return a.num - b.num;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function isSortedByKey(slots: readonly TicketSlot[]): boolean {
  for (let i = 1; i < slots.length; i++) {
    if (compareKeys((slots[i - 1] as TicketSlot).key, (slots[i] as TicketSlot).key) >= 0) return false;
  }
  return true;
}

export class TicketTable {
  private readonly byId = new Map<string, TicketSlot>();
  private readonly insertion: TicketSlot[] = [];
  private sorted: TicketSlot[] = [];
  private readonly indexes: Record<IndexedTicketField, Map<string, Bitset>> = {
    status: new Map(),
    team: new Map(),
    category: new Map(),
    priority: new Map(),
  };
  /** Open-ticket counts for the queue metrics, and the SLA order (ticket-aggregates.ts). */
  private readonly openStats = new OpenStats();
  private readonly sla = new SlaIndex();
  /** Largest number among the ids of each prefix, for nextNumber. */
  private readonly prefixMax = new Map<string, number>();
  private readonly externalIds = new Map<string, string>();

  get(id: string): Ticket | undefined {
    return this.byId.get(id)?.ticket;
  }

  count(): number {
    return this.insertion.length;
  }

  /** Tickets not yet parsed are parsed for the caller and not kept (see TicketSlot.peek). */
  byInsertion(from: number, to?: number): Ticket[] {
    return this.insertion.slice(from, to).map((s) => s.peek());
  }

  idsByInsertion(): string[] {
    return this.insertion.map((s) => s.key.id);
  }

  /** The slots in insertion order (shared: do not modify), as a snapshot writes them. */
  slots(): readonly TicketSlot[] {
    return this.insertion;
  }

  nextNumber(prefix: string): number {
    return (this.prefixMax.get(prefix) ?? 0) + 1;
  }

  idByExternalId(externalId: string): string | undefined {
    return this.externalIds.get(externalId);
  }

  /**
   * Adds one ticket after the existing ones (insertion order). A new largest id (the usual
   * case) is appended in O(1); one that sorts earlier is placed by binary search and shifts
   * the ranks after it (O(n) word moves, no re-sort).
   */
  add(raw: Ticket): void {
    const slot = this.newSlot(ticketFieldsOf(raw), raw);
    const n = this.sorted.length;
    const last = this.sorted[n - 1];
    if (last === undefined || compareKeys(last.key, slot.key) < 0) {
      slot.rank = n;
      this.sorted.push(slot);
      this.indexTicket(slot);
      this.sla.insert(slot);
      return;
    }
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys((this.sorted[mid] as TicketSlot).key, slot.key) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.sorted.splice(lo, 0, slot);
    for (let r = lo; r < this.sorted.length; r++) (this.sorted[r] as TicketSlot).rank = r;
    for (const index of Object.values(this.indexes)) for (const set of index.values()) set.insertAt(lo);
    this.sla.openGap(lo);
    this.indexTicket(slot);
    this.sla.insert(slot);
  }

  /**
   * Adds many tickets at once (an import, or the base): one sort of the new ids and one merge
   * into id order, instead of a placement per ticket. The caller has checked that every id is
   * new and listed once.
   */
  addMany(raws: readonly Ticket[]): void {
    if (raws.length === 1) {
      this.add(raws[0] as Ticket);
      return;
    }
    if (raws.length === 0) return;
    this.mergeSlots(raws.map((raw) => this.newSlot(ticketFieldsOf(raw), raw)));
  }

  /** Adds tickets known by their index fields, the rest as JSON read on demand (a snapshot). */
  addLoaded(tickets: readonly { readonly fields: TicketFields; readonly source: Ticket | RawJson }[]): void {
    this.mergeSlots(tickets.map((t) => this.newSlot(t.fields, t.source)));
  }

  replace(raw: Ticket): void {
    const slot = this.byId.get(raw.id);
    if (slot === undefined) throw new Error(`ticket ${raw.id} does not exist`);
    const next = ticketFieldsOf(raw);
    const previous = slot.fields;
    for (const field of INDEXED_TICKET_FIELDS) {
      const before = previous[field];
      const after = next[field];
      if (before === after) continue;
      if (before !== undefined) this.indexSet(field, before).delete(slot.rank);
      if (after !== undefined) this.indexSet(field, after).add(slot.rank);
    }
    this.openStats.remove(previous);
    this.openStats.add(next);
    const { due, flagged, status } = next;
    if (due !== slot.due || flagged !== slot.flagged || status !== slot.status) {
      this.sla.remove(slot);
      slot.due = due;
      slot.flagged = flagged;
      slot.status = status;
      this.sla.insert(slot);
    }
    const { externalId } = previous;
    if (externalId !== next.externalId) {
      if (externalId !== undefined && this.externalIds.get(externalId) === next.id)
        this.externalIds.delete(externalId);
      if (next.externalId !== undefined && !this.externalIds.has(next.externalId))
        this.externalIds.set(next.externalId, next.id);
    }
    slot.set(raw, next);
  }

  list(filter: TicketFilter, page: PageRequest): Page<Ticket> {
    const { offset, limit } = normalizePage(page);
    const active = INDEXED_TICKET_FIELDS.filter((f) => filter[f] !== undefined);
    if (active.length === 0) {
      return {
        items: this.sorted.slice(offset, offset + limit).map((s) => s.ticket),
        total: this.sorted.length,
        offset,
        limit,
      };
    }
    const sets = active.map((f) => this.indexes[f].get(filter[f] as string));
    if (sets.some((set) => set === undefined)) return { items: [], total: 0, offset, limit };
    return this.pageOf(sets as Bitset[], offset, limit);
  }

  /** Counts of open tickets (status not closed), overall, untriaged and per field value in use. */
  openTicketStats(rules: Pick<QueueRules, "closedStatuses">): OpenTicketStats {
    return this.openStats.snapshot(rules);
  }

  /** Open tickets breached (flagged or due at or before `nowMs`) and at risk at `nowMs`. */
  slaCounts(nowMs: number, rules: QueueRules): SlaCounts {
    return this.sla.counts(nowMs, rules);
  }

  /** Tickets of every status whose SLA state at `nowMs` is `state`, filtered, in id order. */
  bySla(
    state: SlaState,
    nowMs: number,
    atRiskWindowMs: number,
    filter: TicketFilter,
    page: PageRequest,
  ): Page<Ticket> {
    const { offset, limit } = normalizePage(page);
    const sets = [this.sla.matching(state, nowMs, atRiskWindowMs)];
    for (const field of INDEXED_TICKET_FIELDS) {
      const value = filter[field];
      if (value === undefined) continue;
      const set = this.indexes[field].get(value);
      if (set === undefined) return { items: [], total: 0, offset, limit };
      sets.push(set);
    }
    return this.pageOf(sets, offset, limit);
  }

  private pageOf(sets: Bitset[], offset: number, limit: number): Page<Ticket> {
    const { members, total } = pageOfIntersection(sets, offset, limit);
    return { items: members.map((rank) => (this.sorted[rank] as TicketSlot).ticket), total, offset, limit };
  }

  private mergeSlots(added: TicketSlot[]): void {
    if (added.length === 0) return;
    // Tickets usually enter in id order (seeds, creations): the check is then all it costs.
    if (!isSortedByKey(added)) added.sort((a, b) => compareKeys(a.key, b.key));
    const last = this.sorted[this.sorted.length - 1];
    if (last === undefined || compareKeys(last.key, (added[0] as TicketSlot).key) < 0) {
      for (const slot of added) {
        slot.rank = this.sorted.length;
        this.sorted.push(slot);
        this.indexTicket(slot);
      }
      this.sla.insertMany(added);
      return;
    }
    const old = this.sorted;
    const merged: TicketSlot[] = new Array<TicketSlot>(old.length + added.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < merged.length; k++) {
      const a = old[i];
      const b = added[j];
      const slot =
        b === undefined || (a !== undefined && compareKeys(a.key, b.key) < 0) ? (i++, a) : (j++, b);
      (slot as TicketSlot).rank = k;
      merged[k] = slot as TicketSlot;
    }
    this.sorted = merged;
    for (const index of Object.values(this.indexes)) index.clear();
    for (const slot of merged) this.indexTicket(slot);
    this.sla.remap(old);
    this.sla.insertMany(added);
  }

  private newSlot(fields: TicketFields, source: Ticket | RawJson): TicketSlot {
    if (this.byId.has(fields.id)) throw new Error(`ticket ${fields.id} already exists`);
    const slot = new TicketSlot(fields, source);
    this.byId.set(fields.id, slot);
    this.openStats.add(fields);
    this.insertion.push(slot);
    const max = this.prefixMax.get(slot.key.prefix);
    if (max === undefined || slot.key.num > max) this.prefixMax.set(slot.key.prefix, slot.key.num);
    // The first ticket with an external id keeps it (the reducer refuses a second one).
    if (fields.externalId !== undefined && !this.externalIds.has(fields.externalId)) {
      this.externalIds.set(fields.externalId, fields.id);
    }
    return slot;
  }

  private indexSet(field: IndexedTicketField, value: string): Bitset {
    const index = this.indexes[field];
    let set = index.get(value);
    if (set === undefined) {
      set = new Bitset(this.sorted.length);
      index.set(value, set);
    }
    return set;
  }

  private indexTicket(slot: TicketSlot): void {
    for (const field of INDEXED_TICKET_FIELDS) {
      const value = slot.fields[field];
      if (value !== undefined) this.indexSet(field, value).add(slot.rank);
    }
  }
}
