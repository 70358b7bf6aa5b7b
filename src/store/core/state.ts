import { GENESIS_HASH } from "./event-codec.js";
import { ESCALATION_REASONS, RESOLUTIONS, type Resolution } from "../../domain/enums.js";
import { HANDOFF_STATUSES, type HandoffState, type HandoffStatus } from "../../domain/handoffs.js";
import type { AuditAction, AuditEvent, Recommendation, Ticket } from "../../domain/schemas.js";
import type {
  HandoffFilter,
  IdempotencyEntry,
  Page,
  PageRequest,
  RecommendationFilter,
  RecommendationStats,
} from "../types.js";
import { EventIndex } from "./event-index.js";
import { OrderedTable } from "./ordered-table.js";
import {
  RecommendationSlot,
  recommendationFieldsOf,
  type RawJson,
  type RecommendationFields,
  type TicketFields,
} from "./records.js";
import { deepFreeze } from "./sorted.js";
import { TicketTable } from "./ticket-table.js";

// The in-memory state folded from the base tickets and the audit events: the tickets, the
// recommendations, the handoff outbox, the idempotency keys, the committed imports and the event
// index, with the secondary indexes reads need. Every change goes through the reducer
// (reducer.ts); nothing here does I/O, so any backend folds its events into the same state.
//
// Records are deeply frozen when they enter the state and are handed out as is: callers get the
// shared object and cannot mutate it (a write throws in strict mode). An update replaces the
// object, so a reference a caller holds stays a consistent snapshot.

/** One committed `tickets-imported` event: its batch file and the source file's sha256. */
export interface ImportRecord {
  readonly seq: number;
  readonly file: string;
  readonly sourceSha256: string;
}

export interface Inconsistency {
  readonly seq: number;
  readonly action: AuditAction;
  readonly problem: string;
}

export interface IdempotencySnapshotEntry {
  readonly key: string;
  readonly seq: number;
  readonly action: AuditAction;
  readonly payloadHash: string;
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

const SOURCES_OF_DROPPED_STATES = new FinalizationRegistry<{ close(): void }>((source) => {
  try {
    source.close();
  } catch {
    // Already closed, or the descriptor is gone with the process.
  }
});

export class StoreState {
  readonly tickets = new TicketTable();
  private readonly recs = new OrderedTable<RecommendationSlot, Resolution>(RESOLUTIONS, {
    id: (slot) => slot.fields.id,
    ticketId: (slot) => slot.fields.ticketId,
    key: (slot) => slot.fields.resolution,
  });
  private readonly stats: MutableStats = {
    submitted: 0,
    pending: 0,
    approved: 0,
    rejected: 0,
    confidenceSum: 0,
    escalated: 0,
    escalationCounts: Object.fromEntries(ESCALATION_REASONS.map((r) => [r, 0])),
  };
  private readonly handoffs = new OrderedTable<HandoffState, HandoffStatus>(HANDOFF_STATUSES, {
    id: (handoff) => handoff.id,
    ticketId: (handoff) => handoff.ticketId,
    key: (handoff) => handoff.status,
  });
  private readonly handoffKeys = new Set<string>();
  private readonly idempotencyKeys = new Map<string, IdempotencyEntry>();
  private readonly imports: ImportRecord[] = [];
  private readonly importsByFile = new Map<string, ImportRecord>();
  private readonly importsBySource = new Map<string, ImportRecord>();
  /** Which events name which ticket. */
  readonly events: EventIndex;

  /** Sequence number and hash of the last applied event (-1 / genesis before seq 0). */
  lastSeq = -1;
  lastHash = GENESIS_HASH;
  readonly inconsistencies: Inconsistency[] = [];
  /** Open files that unread records are read from (see records.ts). */
  private readonly recordSources: { close(): void }[] = [];

  private constructor(events = new EventIndex()) {
    this.events = events;
  }

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

  /** The state before the first event: the base tickets. */
  static fromBase(tickets: readonly Ticket[]): StoreState {
    const state = new StoreState();
    const seen = new Set<string>();
    for (const ticket of tickets) {
      if (seen.has(ticket.id)) throw new Error(`base tickets list ${ticket.id} twice`);
      seen.add(ticket.id);
    }
    state.tickets.addMany(tickets);
    return state;
  }

  // ---------- recommendations ----------

  getRecommendation(id: string): Recommendation | undefined {
    return this.recs.get(id)?.rec;
  }

  addRecommendation(raw: Recommendation): void {
    this.addRecommendationSlot(new RecommendationSlot(recommendationFieldsOf(raw), raw));
  }

  private addRecommendationSlot(slot: RecommendationSlot): void {
    const rec = slot.fields;
    if (this.recs.get(rec.id) !== undefined) throw new Error(`recommendation ${rec.id} already exists`);
    this.recs.add(slot);
    const s = this.stats;
    s.submitted++;
    s[rec.resolution]++;
    s.confidenceSum += rec.confidence;
    if (rec.escalationRequired) s.escalated++;
    for (const reason of rec.escalationReasons)
      s.escalationCounts[reason] = (s.escalationCounts[reason] ?? 0) + 1;
  }

  replaceRecommendation(raw: Recommendation): void {
    const before = this.recs.replace(new RecommendationSlot(recommendationFieldsOf(raw), raw)).fields;
    if (raw.resolution !== before.resolution) {
      this.stats[before.resolution]--;
      this.stats[raw.resolution]++;
    }
  }

  listRecommendations(filter: RecommendationFilter, page: PageRequest): Page<Recommendation> {
    return this.recs.list({ ticketId: filter.ticketId, key: filter.resolution }, page, (slot) => slot.rec);
  }

  pendingRecommendationIds(ticketId: string): string[] {
    const all = { offset: 0, limit: Number.MAX_SAFE_INTEGER };
    return this.recs.list({ ticketId, key: "pending" }, all, (slot) => slot.fields.id).items;
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

  // ---------- handoffs (the outbox) ----------

  getHandoff(id: string): HandoffState | undefined {
    return this.handoffs.get(id);
  }

  hasHandoffKey(key: string): boolean {
    return this.handoffKeys.has(key);
  }

  addHandoff(raw: HandoffState): void {
    const handoff = deepFreeze(raw);
    this.handoffs.add(handoff);
    this.handoffKeys.add(handoff.key);
  }

  replaceHandoff(raw: HandoffState): void {
    this.handoffs.replace(deepFreeze(raw));
  }

  listHandoffs(filter: HandoffFilter, page: PageRequest): Page<HandoffState> {
    return this.handoffs.list({ ticketId: filter.ticketId, key: filter.status }, page, (h) => h);
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

  // ---------- the workspace ----------

  private workspace: WorkspaceRecord | undefined;

  recordWorkspace(record: WorkspaceRecord): void {
    this.workspace = Object.freeze({ seq: record.seq, sha256: record.sha256 });
  }

  /** The last `workspace-applied` event, or undefined when there is none. */
  workspaceApplied(): WorkspaceRecord | undefined {
    return this.workspace;
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

  /** Records event `seq` as the last one; called for every event, consistent or not. */
  recordEvent(event: Pick<AuditEvent, "seq" | "hash" | "ticketId">): void {
    if (event.seq !== this.lastSeq + 1)
      throw new Error(`event seq ${event.seq} recorded after ${this.lastSeq}`);
    this.events.record(event.seq, event.ticketId);
    this.lastSeq = event.seq;
    this.lastHash = event.hash;
  }

  // ---------- checkpoints ----------

  /** Everything needed to rebuild this state without its events (a snapshot's content). */
  content(): StateContent {
    return {
      tickets: this.tickets.slots(),
      recommendations: this.recs.all(),
      eventTickets: this.events.tickets(),
      inconsistencies: this.inconsistencies,
      idempotency: Array.from(this.idempotencyKeys, ([key, e]) => ({ key, ...e })),
      handoffs: this.handoffs.all(),
      imports: this.imports,
      ...(this.workspace === undefined ? {} : { workspace: this.workspace }),
    };
  }

  /**
   * The state `content` describes, after event `head.seq`. Tickets and recommendations come as
   * their index fields and their JSON (parsed on first read), or as objects.
   */
  static fromContent(content: LoadedStateContent, head: { seq: number; hash: string }): StoreState {
    if (content.eventTickets.length !== head.seq + 1) {
      throw new Error(`it lists ${content.eventTickets.length} events for seq ${head.seq}`);
    }
    const state = new StoreState(EventIndex.fromTickets(content.eventTickets));
    state.tickets.addLoaded(content.tickets);
    for (const rec of content.recommendations) {
      state.addRecommendationSlot(new RecommendationSlot(rec.fields, rec.source));
    }
    state.lastSeq = head.seq;
    state.lastHash = head.hash;
    state.inconsistencies.push(...content.inconsistencies);
    for (const { key, seq, action, payloadHash } of content.idempotency) {
      if (seq > head.seq)
        throw new Error(`its idempotency key ${key} names seq ${seq}, after its last event`);
      state.recordIdempotency(key, { seq, action, payloadHash });
    }
    for (const handoff of content.handoffs) state.addHandoff(handoff);
    for (const record of content.imports) {
      if (record.seq > head.seq)
        throw new Error(`its import of ${record.file} names seq ${record.seq}, after its last event`);
      state.recordImport(record);
    }
    if (content.workspace !== undefined) {
      if (content.workspace.seq > head.seq)
        throw new Error(`its workspace names seq ${content.workspace.seq}, after its last event`);
      state.recordWorkspace(content.workspace);
    }
    return state;
  }
}

interface ContentCommon {
  /** The ticket each event names (null: none), by seq. */
  readonly eventTickets: readonly (string | null)[];
  readonly inconsistencies: readonly Inconsistency[];
  /** The idempotency index, in commit order. */
  readonly idempotency: readonly IdempotencySnapshotEntry[];
  /** The outbox, in creation order. */
  readonly handoffs: readonly HandoffState[];
  /** Committed imports, in commit order. */
  readonly imports: readonly ImportRecord[];
  /** The last `workspace-applied` event; absent before the first (and in older checkpoints). */
  readonly workspace?: WorkspaceRecord | undefined;
}

/** The workspace file a runtime last ran with: its `workspace-applied` event. */
export interface WorkspaceRecord {
  readonly seq: number;
  readonly sha256: string;
}

/** A record as written: its index fields and its JSON. */
export interface ContentRecord<F> {
  readonly fields: F;
  json(): string | Buffer;
}

/** What a checkpoint is written from. */
export interface StateContent extends ContentCommon {
  /** In insertion order. */
  readonly tickets: readonly ContentRecord<TicketFields>[];
  /** In submission order. */
  readonly recommendations: readonly ContentRecord<RecommendationFields>[];
}

/** A record as loaded: its index fields, and the record or its JSON bytes. */
export interface LoadedRecord<F, T> {
  readonly fields: F;
  readonly source: T | RawJson;
}

/** What a checkpoint is read into. */
export interface LoadedStateContent extends ContentCommon {
  readonly tickets: readonly LoadedRecord<TicketFields, Ticket>[];
  readonly recommendations: readonly LoadedRecord<RecommendationFields, Recommendation>[];
}
