import type { SlaState } from "../../domain/enums.js";
import type { Ticket } from "../../domain/schemas.js";
import type { QueueRules } from "../../domain/workspace/index.js";
import { Bitset } from "./bitset.js";
import { lowerBound } from "./sorted.js";
import type { OpenTicketStats, SlaCounts } from "../types.js";

// Aggregates the queue metrics and the SLA filter need, kept up to date as tickets enter and
// change, so neither has to scan every ticket. Both reproduce the scans they replace exactly:
// "open" is a status the workspace does not mark closed, and SLA states follow slaStateOf
// (domain/policy/sla.ts). Which statuses are closed, and how long the at-risk window is, are the
// workspace's (QueueRules, passed with each question): the counts are kept per status.

/** A ticket's place in the SLA index: what StoreState keeps per ticket. */
export interface SlaSlot {
  /** Position in ticket id order. */
  rank: number;
  /** responseDueAt in ms; +Infinity when it does not parse (slaStateOf never finds it due). */
  due: number;
  /** sla.breached: breached whatever the clock says. */
  flagged: boolean;
  status: string;
}

export function dueOf(ticket: Pick<Ticket, "sla">): number {
  const due = Date.parse(ticket.sla.responseDueAt);
  return Number.isNaN(due) ? Number.POSITIVE_INFINITY : due;
}

function isOpen(status: string, rules: Pick<QueueRules, "closedStatuses">): boolean {
  return !rules.closedStatuses.includes(status);
}

/** The fields a ticket's place in the open counts depends on. */
export interface CountedTicket {
  readonly status: Ticket["status"];
  readonly category?: string | undefined;
  readonly priority?: string | undefined;
  readonly team?: string | undefined;
}

interface StatusCounts {
  tickets: number;
  untriaged: number;
  readonly byCategory: Map<string, number>;
  readonly byPriority: Map<string, number>;
  readonly byTeam: Map<string, number>;
}

/** Counts of tickets per status, overall and by category, priority and team. */
export class OpenStats {
  private readonly byStatus = new Map<string, StatusCounts>();

  add(ticket: CountedTicket): void {
    this.count(ticket, 1);
  }

  remove(ticket: CountedTicket): void {
    this.count(ticket, -1);
  }

  /** The counts of the open statuses (those `rules` does not mark closed), summed. */
  snapshot(rules: Pick<QueueRules, "closedStatuses">): OpenTicketStats {
    let open = 0;
    let untriaged = 0;
    const byCategory = new Map<string, number>();
    const byPriority = new Map<string, number>();
    const byTeam = new Map<string, number>();
    for (const [status, counts] of this.byStatus) {
      if (!isOpen(status, rules)) continue;
      open += counts.tickets;
      untriaged += counts.untriaged;
      for (const [k, n] of counts.byCategory) bump(byCategory, k, n);
      for (const [k, n] of counts.byPriority) bump(byPriority, k, n);
      for (const [k, n] of counts.byTeam) bump(byTeam, k, n);
    }
    return {
      open,
      untriaged,
      byCategory: Object.fromEntries(byCategory),
      byPriority: Object.fromEntries(byPriority),
      byTeam: Object.fromEntries(byTeam),
    };
  }

  private count(ticket: CountedTicket, delta: 1 | -1): void {
    let counts = this.byStatus.get(ticket.status);
    if (counts === undefined) {
      counts = { tickets: 0, untriaged: 0, byCategory: new Map(), byPriority: new Map(), byTeam: new Map() };
      this.byStatus.set(ticket.status, counts);
    }
    counts.tickets += delta;
    const { category, priority, team } = ticket;
    if (category === undefined || priority === undefined || team === undefined) counts.untriaged += delta;
    if (category !== undefined) bump(counts.byCategory, category, delta);
    if (priority !== undefined) bump(counts.byPriority, priority, delta);
    if (team !== undefined) bump(counts.byTeam, team, delta);
  }
}

// A value whose count drops to zero is removed, so a snapshot lists only values in use.
function bump(map: Map<string, number>, key: string, delta: number): void {
  const next = (map.get(key) ?? 0) + delta;
  if (next === 0) map.delete(key);
  else map.set(key, next);
}

function upperBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as number) <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function mergeNumbers(a: number[], b: ArrayLike<number>): number[] {
  if (b.length === 0) return a;
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < out.length; k++) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x <= y)) {
      out[k] = x as number;
      i++;
    } else {
      out[k] = y;
      j++;
    }
  }
  return out;
}

interface CachedMatch {
  readonly version: number;
  readonly lo: number;
  readonly hi: number;
  readonly set: Bitset;
}

/**
 * Tickets ordered by response due time, for SLA counts in O(log n) and SLA-filtered listings.
 *
 * Flagged tickets (sla.breached) are breached at any time and sit apart in a bitset. The others
 * are kept sorted by (due, rank): at `now`, those due at or before now are breached, those due
 * in (now, now + the at-risk window] are at risk, the rest are healthy, so each state is one
 * contiguous run of that order, found by two binary searches. The counts keep due times per
 * status, so that which statuses are open is decided when asked. Ties on due are broken by rank, which inserting a
 * ticket elsewhere in id order never reorders (ranks after it all move up by one).
 *
 * The order is two parallel arrays of plain numbers rather than ticket objects: building a
 * listing's bitset reads tens of thousands of ranks, and a sequential read of packed numbers
 * is several times faster than visiting as many objects spread over the heap.
 */
export class SlaIndex {
  private flagged = new Bitset();
  private unflagged = new Bitset();
  /** Unflagged tickets of every status, ascending by (due, rank): due times, and ranks. */
  private dues: number[] = [];
  private ranks: number[] = [];
  /** Due times of the unflagged tickets per status, ascending (repeats kept): the counts. */
  private readonly duesByStatus = new Map<string, number[]>();
  private readonly flaggedByStatus = new Map<string, number>();
  /** Bumped by every change to ranks or members; a cached match set is valid for one version. */
  private version = 0;
  private readonly cache = new Map<SlaState, CachedMatch>();

  /** Ranks >= `rank` move up by one: a ticket is about to be placed there in id order. */
  openGap(rank: number): void {
    this.version++;
    this.flagged.insertAt(rank);
    this.unflagged.insertAt(rank);
    const ranks = this.ranks;
    for (let i = 0; i < ranks.length; i++) {
      const r = ranks[i] as number;
      if (r >= rank) ranks[i] = r + 1;
    }
  }

  /**
   * Existing ranks moved by more than a gap (an import merged into id order): `previous` lists
   * the slots by their former rank, each now carrying its new one.
   */
  remap(previous: readonly SlaSlot[]): void {
    this.version++;
    this.flagged = new Bitset(previous.length);
    this.unflagged = new Bitset(previous.length);
    for (const slot of previous) (slot.flagged ? this.flagged : this.unflagged).add(slot.rank);
    const ranks = this.ranks;
    for (let i = 0; i < ranks.length; i++) ranks[i] = (previous[ranks[i] as number] as SlaSlot).rank;
  }

  insert(slot: SlaSlot): void {
    this.version++;
    if (slot.flagged) {
      this.flagged.add(slot.rank);
      this.flaggedByStatus.set(slot.status, (this.flaggedByStatus.get(slot.status) ?? 0) + 1);
      return;
    }
    this.unflagged.add(slot.rank);
    const at = this.positionOf(slot.due, slot.rank);
    this.dues.splice(at, 0, slot.due);
    this.ranks.splice(at, 0, slot.rank);
    const dues = this.duesOf(slot.status);
    dues.splice(upperBound(dues, slot.due), 0, slot.due);
  }

  private duesOf(status: string): number[] {
    let dues = this.duesByStatus.get(status);
    if (dues === undefined) {
      dues = [];
      this.duesByStatus.set(status, dues);
    }
    return dues;
  }

  /** Takes `slot` out, as it is now (call before changing its fields, then insert it again). */
  remove(slot: SlaSlot): void {
    this.version++;
    if (slot.flagged) {
      this.flagged.delete(slot.rank);
      this.flaggedByStatus.set(slot.status, (this.flaggedByStatus.get(slot.status) ?? 0) - 1);
      return;
    }
    this.unflagged.delete(slot.rank);
    const at = this.positionOf(slot.due, slot.rank);
    if (this.dues[at] !== slot.due || this.ranks[at] !== slot.rank)
      throw new Error("SLA index lost a ticket");
    this.dues.splice(at, 1);
    this.ranks.splice(at, 1);
    const dues = this.duesOf(slot.status);
    const i = lowerBound(dues, slot.due);
    if (dues[i] !== slot.due) throw new Error("SLA index lost a due time");
    dues.splice(i, 1);
  }

  /** Indexes many new slots at once (ranks final, no other rank moved): one sort and one merge. */
  insertMany(added: readonly SlaSlot[]): void {
    this.version++;
    const freshDues: number[] = [];
    const freshRanks: number[] = [];
    const statusDues = new Map<string, number[]>();
    for (const slot of added) {
      if (slot.flagged) {
        this.flagged.add(slot.rank);
        this.flaggedByStatus.set(slot.status, (this.flaggedByStatus.get(slot.status) ?? 0) + 1);
        continue;
      }
      this.unflagged.add(slot.rank);
      freshDues.push(slot.due);
      freshRanks.push(slot.rank);
      let dues = statusDues.get(slot.status);
      if (dues === undefined) statusDues.set(slot.status, (dues = []));
      dues.push(slot.due);
    }
    for (const [status, dues] of statusDues) {
      this.duesByStatus.set(status, mergeNumbers(this.duesOf(status), Float64Array.from(dues).sort()));
    }
    const k = freshDues.length;
    if (k === 0) return;
    // Sorting a permutation over packed numbers is about twice as fast as sorting the slots.
    const order = new Uint32Array(k);
    for (let i = 0; i < k; i++) order[i] = i;
    // Infinity - Infinity is NaN, which falls through to the ranks like a tie.
    order.sort(
      (x, y) =>
        (freshDues[x] as number) - (freshDues[y] as number) ||
        (freshRanks[x] as number) - (freshRanks[y] as number),
    );
    const m = this.dues.length + k;
    const dues = new Array<number>(m);
    const ranks = new Array<number>(m);
    let i = 0;
    let j = 0;
    for (let out = 0; out < m; out++) {
      const next = order[j];
      const d = this.dues[i];
      const r = this.ranks[i];
      const nd = next === undefined ? 0 : (freshDues[next] as number);
      const nr = next === undefined ? 0 : (freshRanks[next] as number);
      if (next === undefined || (d !== undefined && r !== undefined && (d < nd || (d === nd && r < nr)))) {
        dues[out] = d as number;
        ranks[out] = r as number;
        i++;
      } else {
        dues[out] = nd;
        ranks[out] = nr;
        j++;
      }
    }
    this.dues = dues;
    this.ranks = ranks;
  }

  /**
   * Open tickets breached and at risk at `nowMs` (a Date's time; an invalid Date, NaN, makes
   * nothing due, as in slaStateOf). A flagged ticket counts once, as breached.
   */
  counts(nowMs: number, rules: QueueRules): SlaCounts {
    let breached = 0;
    let atRisk = 0;
    for (const [status, flagged] of this.flaggedByStatus) if (isOpen(status, rules)) breached += flagged;
    if (!Number.isFinite(nowMs)) return { breached, atRisk: 0 };
    for (const [status, dues] of this.duesByStatus) {
      if (!isOpen(status, rules)) continue;
      const past = upperBound(dues, nowMs);
      const soon = upperBound(dues, nowMs + rules.atRiskWindowMs);
      breached += past;
      atRisk += soon - past;
    }
    return { breached, atRisk };
  }

  /**
   * The ranks of the tickets (every status) in `state` at `nowMs`. Shared and cached until the
   * index changes or the clock moves a ticket across a boundary: callers must not modify it.
   */
  matching(state: SlaState, nowMs: number, atRiskWindowMs: number): Bitset {
    const m = this.dues.length;
    let lo: number;
    let hi: number;
    if (!Number.isFinite(nowMs)) {
      [lo, hi] = state === "healthy" ? [0, m] : [0, 0];
    } else {
      const past = upperBound(this.dues, nowMs);
      const soon = upperBound(this.dues, nowMs + atRiskWindowMs);
      [lo, hi] = state === "breached" ? [0, past] : state === "at-risk" ? [past, soon] : [soon, m];
    }
    const cached = this.cache.get(state);
    if (cached !== undefined && cached.version === this.version && cached.lo === lo && cached.hi === hi) {
      return cached.set;
    }
    const set = this.rangeBits(lo, hi);
    if (state === "breached") {
      const flagged = this.flagged.words;
      const words = set.words;
      for (let w = 0; w < flagged.length; w++) words[w] = (words[w] as number) | (flagged[w] as number);
      set.count += this.flagged.count;
    }
    this.cache.set(state, { version: this.version, lo, hi, set });
    return set;
  }

  /** The ranks at [lo, hi) of the due order as a bitset, built from whichever side is shorter. */
  private rangeBits(lo: number, hi: number): Bitset {
    const set = new Bitset(Math.max(this.flagged.words.length, this.unflagged.words.length) * 32);
    const words = set.words;
    const ranks = this.ranks;
    const m = ranks.length;
    set.count = hi - lo;
    if ((hi - lo) * 2 <= m) {
      for (let i = lo; i < hi; i++) {
        const r = ranks[i] as number;
        words[r >>> 5] = (words[r >>> 5] as number) | (1 << (r & 31));
      }
      return set;
    }
    // Every unflagged ticket, minus those outside the range.
    words.set(this.unflagged.words);
    const clear = (from: number, to: number): void => {
      for (let i = from; i < to; i++) {
        const r = ranks[i] as number;
        words[r >>> 5] = (words[r >>> 5] as number) & ~(1 << (r & 31));
      }
    };
    clear(0, lo);
    clear(hi, m);
    return set;
  }

  /** Where (due, rank) sits, or would sit, in the due order. */
  private positionOf(due: number, rank: number): number {
    const dues = this.dues;
    const ranks = this.ranks;
    let lo = 0;
    let hi = dues.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const d = dues[mid] as number;
      if (d < due || (d === due && (ranks[mid] as number) < rank)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
