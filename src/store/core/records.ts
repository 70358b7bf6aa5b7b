import type { EscalationReason, Resolution } from "../../domain/enums.js";
import type { Recommendation, Ticket } from "../../domain/schemas.js";
import { deepFreeze } from "./sorted.js";
import { dueOf, type SlaSlot } from "./ticket-aggregates.js";

// The slots the state keeps per ticket and per recommendation.
//
// A slot carries the few fields the indexes and counters need, and the record itself either
// parsed (deeply frozen, shared with callers) or as its JSON bytes in a loaded snapshot, parsed
// on first read. Opening a large runtime therefore parses the index fields only (a compact
// section of the snapshot), not every ticket and recommendation: most are never read by a
// session, and those that are cost one small JSON.parse each, once.

/** Where records' JSON lives: a snapshot file kept open, or bytes in memory (tests). */
export interface RecordSource {
  read(offset: number, length: number): Buffer;
}

/** A record's JSON text: `length` bytes at `offset` of its source. */
export class RawJson {
  constructor(
    readonly source: RecordSource,
    readonly offset: number,
    readonly length: number,
  ) {}
}

export function rawBytes(raw: RawJson): Buffer {
  const buf = raw.source.read(raw.offset, raw.length);
  if (buf.length !== raw.length) throw new Error("a snapshot record was cut short");
  return buf;
}

function parseRaw<T>(raw: RawJson): T {
  return JSON.parse(rawBytes(raw).toString("utf8")) as T;
}

/** An in-memory RecordSource. */
export class BufferSource implements RecordSource {
  constructor(private readonly buf: Buffer) {}
  read(offset: number, length: number): Buffer {
    return this.buf.subarray(offset, offset + length);
  }
}

/** What the ticket indexes, counters and id lookups need, without the rest of the ticket. */
export interface TicketFields {
  readonly id: string;
  readonly status: Ticket["status"];
  readonly team: string | undefined;
  readonly category: string | undefined;
  readonly priority: string | undefined;
  readonly externalId: string | undefined;
  /** responseDueAt in ms; +Infinity when it does not parse. */
  readonly due: number;
  /** sla.breached */
  readonly flagged: boolean;
}

export function ticketFieldsOf(ticket: Ticket): TicketFields {
  return {
    id: ticket.id,
    status: ticket.status,
    team: ticket.team,
    category: ticket.category,
    priority: ticket.priority,
    externalId: ticket.externalId,
    due: dueOf(ticket),
    flagged: ticket.sla.breached,
  };
}

export interface IdKey {
  readonly prefix: string;
  readonly num: number;
  readonly id: string;
}

export function idKey(id: string): IdKey {
  const dash = id.lastIndexOf("-");
  return { prefix: id.slice(0, dash), num: Number(id.slice(dash + 1)), id };
}

/**
 * A record with its index fields, held parsed (frozen, shared with callers) or as its JSON bytes
 * in a snapshot until first read.
 */
abstract class LazyRecord<T, F> {
  fields: F;
  private value: T | undefined;
  private raw: RawJson | undefined;

  constructor(fields: F, source: T | RawJson) {
    this.fields = fields;
    if (source instanceof RawJson) this.raw = source;
    else this.value = deepFreeze(source);
  }

  /** The record, parsed on first read and kept. */
  protected read(): T {
    if (this.value === undefined) {
      this.value = deepFreeze(parseRaw<T>(this.raw as RawJson));
      this.raw = undefined;
    }
    return this.value;
  }

  /**
   * The record without keeping a parsed copy: for scans over every record (the similarity index),
   * which would otherwise hold the whole store in memory as objects. Callers must not modify it.
   */
  peek(): T {
    return this.value ?? parseRaw<T>(this.raw as RawJson);
  }

  /** The record as JSON: the original bytes when it was never parsed. */
  json(): string | Buffer {
    const raw = this.raw;
    return raw === undefined ? JSON.stringify(this.value) : rawBytes(raw);
  }

  protected replace(value: T, fields: F): void {
    this.value = deepFreeze(value);
    this.raw = undefined;
    this.fields = fields;
  }
}

export class TicketSlot extends LazyRecord<Ticket, TicketFields> implements SlaSlot {
  /** Position in ticket id order (compareTicketIds); index lists hold ranks. */
  rank = -1;
  readonly key: IdKey;
  due: number;
  flagged: boolean;
  status: string;

  constructor(fields: TicketFields, source: Ticket | RawJson) {
    super(fields, source);
    this.key = idKey(fields.id);
    this.due = fields.due;
    this.flagged = fields.flagged;
    this.status = fields.status;
  }

  get ticket(): Ticket {
    return this.read();
  }

  /** Replaces the ticket (the caller maintains the indexes and the SLA fields). */
  set(ticket: Ticket, fields: TicketFields): void {
    this.replace(ticket, fields);
  }
}

/** What the recommendation indexes and counters need. */
export interface RecommendationFields {
  readonly id: string;
  readonly ticketId: string;
  readonly resolution: Resolution;
  readonly confidence: number;
  readonly escalationRequired: boolean;
  readonly escalationReasons: readonly EscalationReason[];
}

export function recommendationFieldsOf(rec: Recommendation): RecommendationFields {
  return {
    id: rec.id,
    ticketId: rec.ticketId,
    resolution: rec.resolution,
    confidence: rec.confidence,
    escalationRequired: rec.escalationRequired,
    escalationReasons: rec.escalationReasons,
  };
}

export class RecommendationSlot extends LazyRecord<Recommendation, RecommendationFields> {
  get rec(): Recommendation {
    return this.read();
  }
}
