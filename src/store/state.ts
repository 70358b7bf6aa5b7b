import { ESCALATION_REASONS, RESOLUTIONS, type Resolution, type SlaState } from "../domain/enums.js";
import { HANDOFF_STATUSES, type HandoffState, type HandoffStatus } from "../domain/handoffs.js";
import type { AuditAction, AuditEvent, Recommendation, Ticket } from "../domain/schemas.js";
import { GENESIS_HASH } from "./event-codec.js";
import { Bitset, pageOfIntersection } from "./bitset.js";
import {
  RecommendationSlot,
  recommendationFieldsOf,
  TicketSlot,
  ticketFieldsOf,
  type IdKey,
  type RawJson,
  type RecommendationFields,
  type TicketFields,
} from "./records.js";
import { deepFreeze, insertSorted, removeSorted } from "./sorted.js";
import { isOpen, OpenStats, SlaIndex } from "./ticket-aggregates.js";
import type {
  HandoffFilter,
  IdempotencyEntry,
  OpenTicketStats,
  Page,
  PageRequest,
  RecommendationFilter,
  RecommendationStats,
  SlaCounts,
  StoreView,
  TicketFilter,
} from "./types.js";

// The in-memory state folded from base tickets and the audit log, with the secondary indexes
// reads need. Every mutation goes through the reducer (reducer.ts); nothing here does I/O.
//
// Tickets and recommendations are deeply frozen when they enter the state and are handed out
// as is: callers get the shared object and cannot mutate it (a write throws in strict mode).
// An update replaces the object, so a reference a caller holds stays a consistent snapshot.

export const INDEXED_TICKET_FIELDS = ["status", "team", "category", "priority"] as const;
export type IndexedTicketField = (typeof INDEXED_TICKET_FIELDS)[number];

interface HandoffSlot {
  handoff: HandoffState;
  /** Position in creation order; status and per-ticket lists hold ordinals. */
  readonly ordinal: number;
}

/** One committed `tickets-imported` event: its batch file and the source file's sha256. */
export interface ImportRecord {
  readonly seq: number;
  readonly file: string;
  readonly sourceSha256: string;
}

export interface Inconsistency {
  readonly seq: number;
  readonly action: AuditEvent["action"];
  readonly problem: string;
}

/** Where an event's line sits in audit.jsonl (bytes, without the "\n"). */
export interface EventLocation {
  readonly offset: number;
  readonly length: number;
}

interface MutableStats {
  submitted: number;
  pending: number;
  approved: number;
  rejected: number;
  confidenceSum: number;
  escalated: number;
  escalationCounts: Record<string, number>;
}

function emptyStats(): MutableStats {
  return {
    submitted: 0,
    pending: 0,
    approved: 0,
    rejected: 0,
    confidenceSum: 0,
    escalated: 0,
    escalationCounts: Object.fromEntries(ESCALATION_REASONS.map((r) => [r, 0])),
  };
}

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

const EMPTY: readonly number[] = Object.freeze([]);

const SOURCES_OF_DROPPED_STATES = new FinalizationRegistry<{ close(): void }>((source) => {
  try {
    source.close();
  } catch {
    // Already closed, or the descriptor is gone with the process.
  }
});

export class StoreState {
  private readonly tickets = new Map<string, TicketSlot>();
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
  /** Largest number among the ids of each prefix, for nextTicketNumber. */
  private readonly prefixMax = new Map<string, number>();
  private readonly externalIds = new Map<string, string>();

  private readonly recs = new Map<string, RecommendationSlot>();
  private readonly recOrder: RecommendationSlot[] = [];
  private readonly recsByTicket = new Map<string, number[]>();
  private readonly recsByResolution = new Map<Resolution, number[]>(RESOLUTIONS.map((r) => [r, []]));
  private readonly stats: MutableStats = emptyStats();
  private readonly idempotencyKeys = new Map<string, IdempotencyEntry>();

  private readonly handoffs = new Map<string, HandoffSlot>();
  private readonly handoffOrder: HandoffSlot[] = [];
  private readonly handoffsByStatus = new Map<HandoffStatus, number[]>(HANDOFF_STATUSES.map((s) => [s, []]));
  private readonly handoffsByTicket = new Map<string, number[]>();
  private readonly handoffKeys = new Set<string>();

  private readonly imports: ImportRecord[] = [];
  private readonly importsByFile = new Map<string, ImportRecord>();
  private readonly importsBySource = new Map<string, ImportRecord>();

  /** Sequence number and hash of the last applied event (-1 / genesis before seq 0). */
  lastSeq = -1;
  lastHash = GENESIS_HASH;
  /** Bytes of audit.jsonl folded into this state: the offset just past the last line. */
  logBytes = 0;
  private readonly eventOffsets: number[] = [];
  private readonly eventLengths: number[] = [];
  private readonly eventsByTicket = new Map<string, number[]>();
  readonly inconsistencies: Inconsistency[] = [];
  /** Bumped by every applied event; a view compares it to know whether it is current. */
  version = 0;
  /** Open snapshot files that unread records are read from (see records.ts). */
  private readonly recordSources: { close(): void }[] = [];

  /**
   * Keeps `source` open while this state lives: closed by release(), or when the state is
   * garbage collected (a state replaced after a reset may still be read by a view in flight).
   */
  holdRecordSource(source: { close(): void }): void {
    this.recordSources.push(source);
    SOURCES_OF_DROPPED_STATES.register(this, source, source);
  }

  /** Closes the files unread records come from: the state is not read after this. */
  release(): void {
    for (const source of this.recordSources.splice(0)) {
      SOURCES_OF_DROPPED_STATES.unregister(source);
      source.close();
    }
  }

  static fromBase(tickets: readonly Ticket[]): StoreState {
    const state = new StoreState();
    const seen = new Set<string>();
    for (const ticket of tickets) {
      if (seen.has(ticket.id)) throw new Error(`base tickets list ${ticket.id} twice`);
      seen.add(ticket.id);
    }
    state.addTickets(tickets);
    return state;
  }

  // ---------- tickets ----------

  getTicket(id: string): Ticket | undefined {
    return this.tickets.get(id)?.ticket;
  }

  ticketCount(): number {
    return this.insertion.length;
  }

  /** Tickets not yet parsed are parsed for the caller and not kept (see TicketSlot.peek). */
  ticketsByInsertion(from: number, to?: number): Ticket[] {
    return this.insertion.slice(from, to).map((s) => s.peek());
  }

  ticketIdsByInsertion(): string[] {
    return this.insertion.map((s) => s.key.id);
  }

  nextTicketNumber(prefix: string): number {
    return (this.prefixMax.get(prefix) ?? 0) + 1;
  }

  ticketIdByExternalId(externalId: string): string | undefined {
    return this.externalIds.get(externalId);
  }

  /**
   * Adds one ticket after the existing ones (insertion order). A new largest id (the usual
   * case) is appended in O(1); one that sorts earlier is placed by binary search and shifts
   * the ranks after it (O(n) word moves, no re-sort).
   */
  addTicket(raw: Ticket): void {
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
  addTickets(raws: readonly Ticket[]): void {
    if (raws.length === 1) {
      this.addTicket(raws[0] as Ticket);
      return;
    }
    if (raws.length === 0) return;
    this.mergeSlots(raws.map((raw) => this.newSlot(ticketFieldsOf(raw), raw)));
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
    if (this.tickets.has(fields.id)) throw new Error(`ticket ${fields.id} already exists`);
    const slot = new TicketSlot(fields, source);
    this.tickets.set(fields.id, slot);
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

  replaceTicket(raw: Ticket): void {
    const slot = this.tickets.get(raw.id);
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
    const { due, flagged } = next;
    const open = isOpen(next);
    if (due !== slot.due || flagged !== slot.flagged || open !== slot.open) {
      this.sla.remove(slot);
      slot.due = due;
      slot.flagged = flagged;
      slot.open = open;
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

  listTickets(filter: TicketFilter, page: PageRequest): Page<Ticket> {
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
    const { members, total } = pageOfIntersection(sets as Bitset[], offset, limit);
    return { items: members.map((rank) => (this.sorted[rank] as TicketSlot).ticket), total, offset, limit };
  }

  /** Counts of open (not resolved) tickets, overall, untriaged and per field value in use. */
  openTicketStats(): OpenTicketStats {
    return this.openStats.snapshot();
  }

  /** Open tickets breached (flagged or due at or before `nowMs`) and at risk at `nowMs`. */
  slaCounts(nowMs: number): SlaCounts {
    return this.sla.counts(nowMs);
  }

  /** Tickets of every status whose SLA state at `nowMs` is `state`, filtered, in id order. */
  ticketsBySla(state: SlaState, nowMs: number, filter: TicketFilter, page: PageRequest): Page<Ticket> {
    const { offset, limit } = normalizePage(page);
    const sets = [this.sla.matching(state, nowMs)];
    for (const field of INDEXED_TICKET_FIELDS) {
      const value = filter[field];
      if (value === undefined) continue;
      const set = this.indexes[field].get(value);
      if (set === undefined) return { items: [], total: 0, offset, limit };
      sets.push(set);
    }
    const { members, total } = pageOfIntersection(sets, offset, limit);
    return { items: members.map((rank) => (this.sorted[rank] as TicketSlot).ticket), total, offset, limit };
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

  // ---------- recommendations ----------

  getRecommendation(id: string): Recommendation | undefined {
    return this.recs.get(id)?.rec;
  }

  addRecommendation(raw: Recommendation): void {
    this.addRecommendationSlot(recommendationFieldsOf(raw), raw);
  }

  private addRecommendationSlot(rec: RecommendationFields, source: Recommendation | RawJson): void {
    if (this.recs.has(rec.id)) throw new Error(`recommendation ${rec.id} already exists`);
    const slot = new RecommendationSlot(rec, source, this.recOrder.length);
    this.recs.set(rec.id, slot);
    this.recOrder.push(slot);
    let perTicket = this.recsByTicket.get(rec.ticketId);
    if (perTicket === undefined) {
      perTicket = [];
      this.recsByTicket.set(rec.ticketId, perTicket);
    }
    perTicket.push(slot.ordinal);
    insertSorted(this.resolutionList(rec.resolution), slot.ordinal);
    const s = this.stats;
    s.submitted++;
    s[rec.resolution]++;
    s.confidenceSum += rec.confidence;
    if (rec.escalationRequired) s.escalated++;
    for (const reason of rec.escalationReasons)
      s.escalationCounts[reason] = (s.escalationCounts[reason] ?? 0) + 1;
  }

  replaceRecommendation(raw: Recommendation): void {
    const slot = this.recs.get(raw.id);
    if (slot === undefined) throw new Error(`recommendation ${raw.id} does not exist`);
    const before = slot.fields.resolution;
    if (raw.resolution !== before) {
      removeSorted(this.resolutionList(before), slot.ordinal);
      insertSorted(this.resolutionList(raw.resolution), slot.ordinal);
      this.stats[before]--;
      this.stats[raw.resolution]++;
    }
    slot.set(raw);
  }

  listRecommendations(filter: RecommendationFilter, page: PageRequest): Page<Recommendation> {
    const { offset, limit } = normalizePage(page);
    const at = (ordinal: number): Recommendation => (this.recOrder[ordinal] as RecommendationSlot).rec;
    if (filter.ticketId === undefined && filter.resolution === undefined) {
      return {
        items: this.recOrder.slice(offset, offset + limit).map((s) => s.rec),
        total: this.recOrder.length,
        offset,
        limit,
      };
    }
    const byTicket =
      filter.ticketId === undefined ? undefined : (this.recsByTicket.get(filter.ticketId) ?? EMPTY);
    const byResolution = filter.resolution === undefined ? undefined : this.resolutionList(filter.resolution);
    if (byTicket === undefined || byResolution === undefined) {
      const list = byTicket ?? byResolution ?? EMPTY;
      return { items: list.slice(offset, offset + limit).map(at), total: list.length, offset, limit };
    }
    const items: Recommendation[] = [];
    let total = 0;
    for (const ordinal of byTicket) {
      const slot = this.recOrder[ordinal] as RecommendationSlot;
      if (slot.fields.resolution !== filter.resolution) continue;
      if (total >= offset && items.length < limit) items.push(slot.rec);
      total++;
    }
    return { items, total, offset, limit };
  }

  pendingRecommendationIds(ticketId: string): string[] {
    const list = this.recsByTicket.get(ticketId) ?? EMPTY;
    const out: string[] = [];
    for (const ordinal of list) {
      const rec = (this.recOrder[ordinal] as RecommendationSlot).fields;
      if (rec.resolution === "pending") out.push(rec.id);
    }
    return out;
  }

  recommendationStats(): RecommendationStats {
    const s = this.stats;
    return {
      submitted: s.submitted,
      pending: s.pending,
      approved: s.approved,
      rejected: s.rejected,
      confidenceSum: s.confidenceSum,
      escalated: s.escalated,
      escalationCounts: { total: s.escalated, ...s.escalationCounts },
    };
  }

  private resolutionList(resolution: Resolution): number[] {
    return this.recsByResolution.get(resolution) as number[];
  }

  // ---------- idempotency ----------

  /** The committed event that carried idempotency key `key`, if any. */
  idempotency(key: string): IdempotencyEntry | undefined {
    return this.idempotencyKeys.get(key);
  }

  recordIdempotency(key: string, entry: IdempotencyEntry): void {
    if (this.idempotencyKeys.has(key)) throw new Error(`idempotency key ${key} is already recorded`);
    this.idempotencyKeys.set(key, Object.freeze({ ...entry }));
  }

  // ---------- handoffs (the outbox) ----------

  getHandoff(id: string): HandoffState | undefined {
    return this.handoffs.get(id)?.handoff;
  }

  hasHandoffKey(key: string): boolean {
    return this.handoffKeys.has(key);
  }

  addHandoff(raw: HandoffState): void {
    if (this.handoffs.has(raw.id)) throw new Error(`handoff ${raw.id} already exists`);
    const handoff = deepFreeze(raw);
    const slot: HandoffSlot = { handoff, ordinal: this.handoffOrder.length };
    this.handoffs.set(handoff.id, slot);
    this.handoffOrder.push(slot);
    this.handoffKeys.add(handoff.key);
    let perTicket = this.handoffsByTicket.get(handoff.ticketId);
    if (perTicket === undefined) {
      perTicket = [];
      this.handoffsByTicket.set(handoff.ticketId, perTicket);
    }
    perTicket.push(slot.ordinal);
    insertSorted(this.statusList(handoff.status), slot.ordinal);
  }

  replaceHandoff(raw: HandoffState): void {
    const slot = this.handoffs.get(raw.id);
    if (slot === undefined) throw new Error(`handoff ${raw.id} does not exist`);
    const next = deepFreeze(raw);
    if (next.status !== slot.handoff.status) {
      removeSorted(this.statusList(slot.handoff.status), slot.ordinal);
      insertSorted(this.statusList(next.status), slot.ordinal);
    }
    slot.handoff = next;
  }

  listHandoffs(filter: HandoffFilter, page: PageRequest): Page<HandoffState> {
    const { offset, limit } = normalizePage(page);
    const at = (ordinal: number): HandoffState => (this.handoffOrder[ordinal] as HandoffSlot).handoff;
    if (filter.ticketId === undefined && filter.status === undefined) {
      return {
        items: this.handoffOrder.slice(offset, offset + limit).map((s) => s.handoff),
        total: this.handoffOrder.length,
        offset,
        limit,
      };
    }
    const byTicket =
      filter.ticketId === undefined ? undefined : (this.handoffsByTicket.get(filter.ticketId) ?? EMPTY);
    const byStatus =
      filter.status === undefined ? undefined : (this.handoffsByStatus.get(filter.status) ?? EMPTY);
    if (byTicket === undefined || byStatus === undefined) {
      const list = byTicket ?? byStatus ?? EMPTY;
      return { items: list.slice(offset, offset + limit).map(at), total: list.length, offset, limit };
    }
    const items: HandoffState[] = [];
    let total = 0;
    for (const ordinal of byTicket) {
      const handoff = at(ordinal);
      if (handoff.status !== filter.status) continue;
      if (total >= offset && items.length < limit) items.push(handoff);
      total++;
    }
    return { items, total, offset, limit };
  }

  private statusList(status: HandoffStatus): number[] {
    return this.handoffsByStatus.get(status) as number[];
  }

  // ---------- imports ----------

  recordImport(record: ImportRecord): void {
    if (this.importsByFile.has(record.file)) throw new Error(`batch ${record.file} is already imported`);
    const frozen = Object.freeze({ ...record });
    this.imports.push(frozen);
    this.importsByFile.set(frozen.file, frozen);
    // The first import of a source is the one a re-import finds (the reducer refuses a second).
    if (!this.importsBySource.has(frozen.sourceSha256)) this.importsBySource.set(frozen.sourceSha256, frozen);
  }

  /** Seq of the `tickets-imported` event that imported a source file with this sha256. */
  importedSource(sha256: string): number | undefined {
    return this.importsBySource.get(sha256)?.seq;
  }

  /** Seq of the committed event whose batch is `file` (imports/<name>.json). */
  importOfBatch(file: string): number | undefined {
    return this.importsByFile.get(file)?.seq;
  }

  // ---------- events ----------

  /** Records where event `seq` sits in the log; called for every event, consistent or not. */
  recordEvent(event: AuditEvent, location: EventLocation): void {
    if (event.seq !== this.lastSeq + 1) {
      throw new Error(`event seq ${event.seq} recorded after ${this.lastSeq}`);
    }
    this.eventOffsets.push(location.offset);
    this.eventLengths.push(location.length);
    if (event.ticketId !== null) {
      let list = this.eventsByTicket.get(event.ticketId);
      if (list === undefined) {
        list = [];
        this.eventsByTicket.set(event.ticketId, list);
      }
      list.push(event.seq);
    }
    this.lastSeq = event.seq;
    this.lastHash = event.hash;
    this.logBytes = location.offset + location.length + 1;
    this.version++;
  }

  eventCount(ticketId?: string): number {
    return ticketId === undefined
      ? this.eventOffsets.length
      : (this.eventsByTicket.get(ticketId)?.length ?? 0);
  }

  /** Sequence numbers of one page of events, oldest first. */
  eventSeqs(ticketId: string | undefined, offset: number, limit: number): number[] {
    if (ticketId !== undefined)
      return (this.eventsByTicket.get(ticketId) ?? EMPTY).slice(offset, offset + limit);
    const end = Math.min(this.eventOffsets.length, offset + limit);
    const out: number[] = [];
    for (let seq = offset; seq < end; seq++) out.push(seq);
    return out;
  }

  eventLocation(seq: number): EventLocation | undefined {
    const offset = this.eventOffsets[seq];
    const length = this.eventLengths[seq];
    return offset === undefined || length === undefined ? undefined : { offset, length };
  }

  // ---------- snapshots ----------

  /** Everything needed to rebuild this state without replaying the log (see snapshot.ts). */
  snapshotData(): SnapshotData {
    const eventTickets: (string | null)[] = new Array<string | null>(this.eventLengths.length).fill(null);
    for (const [id, seqs] of this.eventsByTicket) for (const seq of seqs) eventTickets[seq] = id;
    return {
      tickets: this.insertion,
      recommendations: this.recOrder,
      eventLengths: this.eventLengths,
      eventTickets,
      inconsistencies: this.inconsistencies,
      idempotency: Array.from(this.idempotencyKeys, ([key, e]) => ({ key, ...e })),
      handoffs: this.handoffOrder.map((s) => s.handoff),
      imports: this.imports,
    };
  }

  /**
   * The state a snapshot describes. Tickets and recommendations come as their index fields and
   * their JSON bytes (parsed on first read), or as objects.
   */
  static fromSnapshot(
    data: LoadedSnapshotData,
    head: { seq: number; hash: string; logBytes: number },
  ): StoreState {
    if (data.eventLengths.length !== head.seq + 1 || data.eventTickets.length !== head.seq + 1) {
      throw new Error(`it lists ${data.eventLengths.length} events for seq ${head.seq}`);
    }
    const state = new StoreState();
    state.mergeSlots(data.tickets.map((t) => state.newSlot(t.fields, t.source)));
    for (const rec of data.recommendations) state.addRecommendationSlot(rec.fields, rec.source);
    let offset = 0;
    for (let seq = 0; seq <= head.seq; seq++) {
      const length = data.eventLengths[seq] as number;
      state.eventOffsets.push(offset);
      state.eventLengths.push(length);
      offset += length + 1;
      const ticketId = data.eventTickets[seq];
      if (ticketId !== null && ticketId !== undefined) {
        let list = state.eventsByTicket.get(ticketId);
        if (list === undefined) {
          list = [];
          state.eventsByTicket.set(ticketId, list);
        }
        list.push(seq);
      }
    }
    if (offset !== head.logBytes)
      throw new Error(`its event lengths add up to ${offset} bytes, not ${head.logBytes}`);
    state.lastSeq = head.seq;
    state.lastHash = head.hash;
    state.logBytes = head.logBytes;
    state.version = head.seq + 1;
    state.inconsistencies.push(...data.inconsistencies);
    for (const { key, seq, action, payloadHash } of data.idempotency) {
      if (seq > head.seq)
        throw new Error(`its idempotency key ${key} names seq ${seq}, after its last event`);
      state.recordIdempotency(key, { seq, action, payloadHash });
    }
    for (const handoff of data.handoffs) state.addHandoff(handoff);
    for (const record of data.imports) {
      if (record.seq > head.seq)
        throw new Error(`its import of ${record.file} names seq ${record.seq}, after its last event`);
      state.recordImport(record);
    }
    return state;
  }
}

interface SnapshotCommon {
  readonly eventLengths: readonly number[];
  readonly eventTickets: readonly (string | null)[];
  readonly inconsistencies: readonly Inconsistency[];
  /** The idempotency index, in commit order. */
  readonly idempotency: readonly IdempotencySnapshotEntry[];
  /** The outbox, in creation order. */
  readonly handoffs: readonly HandoffState[];
  /** Committed imports, in commit order. */
  readonly imports: readonly ImportRecord[];
}

/** A record as written: its index fields and its JSON. */
export interface SnapshotRecord<F> {
  readonly fields: F;
  json(): string | Buffer;
}

/** What a snapshot is written from. */
export interface SnapshotData extends SnapshotCommon {
  /** In insertion order. */
  readonly tickets: readonly SnapshotRecord<TicketFields>[];
  /** In submission order. */
  readonly recommendations: readonly SnapshotRecord<RecommendationFields>[];
}

/** A record as loaded: its index fields, and the record or its JSON bytes. */
export interface LoadedRecord<F, T> {
  readonly fields: F;
  readonly source: T | RawJson;
}

/** What a snapshot is read into. */
export interface LoadedSnapshotData extends SnapshotCommon {
  readonly tickets: readonly LoadedRecord<TicketFields, Ticket>[];
  readonly recommendations: readonly LoadedRecord<RecommendationFields, Recommendation>[];
}

export interface IdempotencySnapshotEntry {
  readonly key: string;
  readonly seq: number;
  readonly action: AuditAction;
  readonly payloadHash: string;
}

export function normalizePage(page: PageRequest): { offset: number; limit: number } {
  const offset = Number.isFinite(page.offset) ? Math.max(0, Math.floor(page.offset)) : 0;
  const limit = Number.isFinite(page.limit)
    ? Math.max(0, Math.floor(page.limit))
    : page.limit > 0
      ? Number.MAX_SAFE_INTEGER
      : 0;
  return { offset, limit };
}

/**
 * The StoreView handed to callers. lastSeq and generation are captured when it is created; the
 * data methods read the live state, so a view is meant to be used synchronously (within one
 * request or transaction body), then dropped.
 */
export class StateView implements StoreView {
  readonly lastSeq: number;
  readonly generation: number;

  constructor(
    private readonly state: StoreState,
    generation: number,
  ) {
    this.lastSeq = state.lastSeq;
    this.generation = generation;
  }

  getTicket(id: string): Ticket | undefined {
    return this.state.getTicket(id);
  }
  getRecommendation(id: string): Recommendation | undefined {
    return this.state.getRecommendation(id);
  }
  ticketCount(): number {
    return this.state.ticketCount();
  }
  listTickets(filter: TicketFilter, page: PageRequest): Page<Ticket> {
    return this.state.listTickets(filter, page);
  }
  openTicketStats(): OpenTicketStats {
    return this.state.openTicketStats();
  }
  slaCounts(nowMs: number): SlaCounts {
    return this.state.slaCounts(nowMs);
  }
  ticketsBySla(state: SlaState, nowMs: number, filter: TicketFilter, page: PageRequest): Page<Ticket> {
    return this.state.ticketsBySla(state, nowMs, filter, page);
  }
  ticketsByInsertion(from: number, to?: number): Ticket[] {
    return this.state.ticketsByInsertion(from, to);
  }
  ticketIdsByInsertion(): string[] {
    return this.state.ticketIdsByInsertion();
  }
  listRecommendations(filter: RecommendationFilter, page: PageRequest): Page<Recommendation> {
    return this.state.listRecommendations(filter, page);
  }
  recommendationStats(): RecommendationStats {
    return this.state.recommendationStats();
  }
  pendingRecommendationIds(ticketId: string): readonly string[] {
    return this.state.pendingRecommendationIds(ticketId);
  }
  idempotency(key: string): IdempotencyEntry | undefined {
    return this.state.idempotency(key);
  }
  nextTicketNumber(prefix: string): number {
    return this.state.nextTicketNumber(prefix);
  }
  ticketIdByExternalId(externalId: string): string | undefined {
    return this.state.ticketIdByExternalId(externalId);
  }
  importedSource(sha256: string): number | undefined {
    return this.state.importedSource(sha256);
  }
  getHandoff(id: string): HandoffState | undefined {
    return this.state.getHandoff(id);
  }
  listHandoffs(filter: HandoffFilter, page: PageRequest): Page<HandoffState> {
    return this.state.listHandoffs(filter, page);
  }
}
