import { z } from "zod";
import { auditActionSchema } from "../../domain/audit-events.js";
import {
  ESCALATION_REASONS,
  RESOLUTIONS,
  type EscalationReason,
  type Resolution,
} from "../../domain/enums.js";
import { handoffStateSchema } from "../../domain/handoffs.js";
import type { Ticket } from "../../domain/schemas.js";
import { BufferSource, RawJson, type RecordSource } from "./records.js";
import {
  type IdempotencySnapshotEntry,
  type Inconsistency,
  type LoadedStateContent,
  type StateContent,
} from "./state.js";

// The body of a state snapshot (the file store's snapshots/ files, the PostgreSQL store's
// state_snapshots rows): the records as JSON lines, then one index line with what every index
// needs in columns, so loading parses the index line and leaves the records as byte ranges, read
// on first use. Encoding streams the body in pieces; decoding checks every column before anything
// is built from it.

const idempotencyEntriesSchema = z.array(
  z.object({
    key: z.string(),
    seq: z.number().int().nonnegative(),
    action: auditActionSchema,
    payloadHash: z.string(),
  }),
);

const handoffsSchema = z.array(handoffStateSchema);

/**
 * What a snapshot holds: the state's content and the length of every line of the log (the file
 * store's; a store that keeps no log file lists none).
 */
export interface SnapshotData extends StateContent {
  readonly eventLengths: readonly number[];
}

/** What a snapshot is read into. */
export interface LoadedSnapshotData extends LoadedStateContent {
  readonly eventLengths: readonly number[];
}

const workspaceSchema = z.object({ seq: z.number().int().nonnegative(), sha256: z.string() });

const importsSchema = z.array(
  z.object({ seq: z.number().int().nonnegative(), file: z.string(), sourceSha256: z.string() }),
);

const nullable = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

/**
 * The body of a snapshot, in pieces (the records are never joined into one string). The last
 * piece is the index line.
 */
export function* encodeSnapshotBody(data: SnapshotData): Generator<Buffer> {
  const lengths: number[][] = [[], []];
  for (const [k, list] of [data.tickets, data.recommendations].entries()) {
    const sizes = lengths[k] as number[];
    const batch: Buffer[] = [];
    for (const record of list) {
      const json = record.json();
      const buf = typeof json === "string" ? Buffer.from(json, "utf8") : json;
      sizes.push(buf.length);
      batch.push(buf, NEWLINE);
      if (batch.length >= 4000) yield Buffer.concat(batch.splice(0));
    }
    if (batch.length > 0) yield Buffer.concat(batch);
  }
  const t = data.tickets.map((r) => r.fields);
  const r = data.recommendations.map((x) => x.fields);
  const index = {
    tickets: {
      bytes: lengths[0],
      id: t.map((f) => f.id),
      status: t.map((f) => f.status),
      team: t.map((f) => nullable(f.team)),
      category: t.map((f) => nullable(f.category)),
      priority: t.map((f) => nullable(f.priority)),
      externalId: t.map((f) => nullable(f.externalId)),
      // JSON has no Infinity: null stands for a due time that does not parse.
      due: t.map((f) => (Number.isFinite(f.due) ? f.due : null)),
      flagged: t.map((f) => (f.flagged ? 1 : 0)),
    },
    recommendations: {
      bytes: lengths[1],
      id: r.map((f) => f.id),
      ticketId: r.map((f) => f.ticketId),
      resolution: r.map((f) => f.resolution),
      confidence: r.map((f) => f.confidence),
      escalationRequired: r.map((f) => (f.escalationRequired ? 1 : 0)),
      escalationReasons: r.map((f) => f.escalationReasons),
    },
    eventLengths: data.eventLengths,
    eventTickets: data.eventTickets,
    inconsistencies: data.inconsistencies,
    idempotency: data.idempotency,
    handoffs: data.handoffs,
    imports: data.imports,
    ...(data.workspace === undefined ? {} : { workspace: data.workspace }),
  };
  yield Buffer.from(`${JSON.stringify(index)}\n`, "utf8");
}

const NEWLINE = Buffer.from("\n", "utf8");

const RESOLUTION_SET = new Set<string>(RESOLUTIONS);
const REASON_SET = new Set<string>(ESCALATION_REASONS);

const strings = (list: unknown, n: number, what: string, allowed?: Set<string>): string[] => {
  if (
    !Array.isArray(list) ||
    list.length !== n ||
    !list.every((v) => typeof v === "string" && (allowed === undefined || allowed.has(v)))
  ) {
    throw new Error(`its index of ${what} is malformed`);
  }
  return list as string[];
};
const optionalStrings = (list: unknown, n: number, what: string): (string | undefined)[] => {
  if (!Array.isArray(list) || list.length !== n || !list.every((v) => v === null || typeof v === "string"))
    throw new Error(`its index of ${what} is malformed`);
  return (list as (string | null)[]).map((v) => (v === null ? undefined : v));
};
const numbers = (list: unknown, n: number, what: string, nullable = false): (number | null)[] => {
  if (
    !Array.isArray(list) ||
    list.length !== n ||
    !list.every((v) => (typeof v === "number" && Number.isFinite(v)) || (nullable && v === null))
  ) {
    throw new Error(`its index of ${what} is malformed`);
  }
  return list as (number | null)[];
};

/** Consecutive records of the given byte lengths (each followed by "\n") from `offset`. */
function records(source: RecordSource, offset: number, sizes: unknown, count: number): RawJson[] {
  const lengths = numbers(sizes, count, "record sizes");
  const out = new Array<RawJson>(count);
  let at = offset;
  for (let i = 0; i < count; i++) {
    const length = lengths[i] as number;
    if (!Number.isInteger(length) || length <= 0) throw new Error("its index of record sizes is malformed");
    out[i] = new RawJson(source, at, length);
    at += length + 1;
  }
  return out;
}

/**
 * The snapshot data described by `indexLine` (the body's last line, without its "\n"), whose
 * `recordBytes` of records come first in `source`. Tickets and recommendations are left as
 * references to their bytes.
 */
export function decodeSnapshotIndex(
  indexLine: string,
  source: RecordSource,
  recordBytes: number,
): LoadedSnapshotData {
  const raw = JSON.parse(indexLine) as Record<string, unknown> | null;
  const ticketIndex = raw?.tickets as Record<string, unknown> | undefined;
  const recIndex = raw?.recommendations as Record<string, unknown> | undefined;
  const { eventLengths, eventTickets, inconsistencies } = raw ?? {};
  if (
    raw === null ||
    typeof raw !== "object" ||
    typeof ticketIndex !== "object" ||
    typeof recIndex !== "object" ||
    !Array.isArray(ticketIndex.id) ||
    !Array.isArray(recIndex.id) ||
    !Array.isArray(eventLengths) ||
    !Array.isArray(eventTickets)
  ) {
    throw new Error("its body is not a state snapshot");
  }
  const n = ticketIndex.id.length;
  const ids = strings(ticketIndex.id, n, "ticket ids");
  const status = strings(ticketIndex.status, n, "ticket statuses");
  const team = optionalStrings(ticketIndex.team, n, "teams");
  const category = optionalStrings(ticketIndex.category, n, "categories");
  const priority = optionalStrings(ticketIndex.priority, n, "priorities");
  const externalId = optionalStrings(ticketIndex.externalId, n, "external ids");
  const due = numbers(ticketIndex.due, n, "due times", true);
  const flagged = numbers(ticketIndex.flagged, n, "breach flags");

  const m = recIndex.id.length;
  const recIds = strings(recIndex.id, m, "recommendation ids");
  const recTickets = strings(recIndex.ticketId, m, "recommendation tickets");
  const resolution = strings(recIndex.resolution, m, "resolutions", RESOLUTION_SET) as Resolution[];
  const confidence = numbers(recIndex.confidence, m, "confidences");
  const escalationRequired = numbers(recIndex.escalationRequired, m, "escalation flags");
  const reasons = recIndex.escalationReasons;
  if (
    !Array.isArray(reasons) ||
    reasons.length !== m ||
    !reasons.every((list) => Array.isArray(list) && list.every((x) => REASON_SET.has(x as string)))
  ) {
    throw new Error("its index of escalation reasons is malformed");
  }

  const ticketRecords = records(source, 0, ticketIndex.bytes, n);
  const last = ticketRecords[n - 1];
  const recStart = last === undefined ? 0 : last.offset + last.length + 1;
  const recRecords = records(source, recStart, recIndex.bytes, m);
  const end = recRecords[m - 1];
  if ((end === undefined ? recStart : end.offset + end.length + 1) !== recordBytes)
    throw new Error("its index does not add up to its records");

  const idempotencyEntries = idempotencyEntriesSchema.safeParse(raw.idempotency);
  if (!idempotencyEntries.success) throw new Error("its idempotency index is missing or malformed");
  const handoffStates = handoffsSchema.safeParse(raw.handoffs);
  if (!handoffStates.success) throw new Error("its handoff outbox is missing or malformed");
  const importRecords = importsSchema.safeParse(raw.imports);
  if (!importRecords.success) throw new Error("its list of imports is missing or malformed");
  // Absent in checkpoints written before workspace-applied events existed (and before the first).
  const workspace = workspaceSchema.optional().safeParse(raw.workspace);
  if (!workspace.success) throw new Error("its workspace record is malformed");
  return {
    tickets: ids.map((id, i) => ({
      fields: {
        id,
        status: status[i] as Ticket["status"],
        team: team[i],
        category: category[i],
        priority: priority[i],
        externalId: externalId[i],
        due: due[i] ?? Number.POSITIVE_INFINITY,
        flagged: flagged[i] === 1,
      },
      source: ticketRecords[i] as RawJson,
    })),
    recommendations: recIds.map((id, i) => ({
      fields: {
        id,
        ticketId: recTickets[i] as string,
        resolution: resolution[i] as Resolution,
        confidence: confidence[i] as number,
        escalationRequired: escalationRequired[i] === 1,
        escalationReasons: reasons[i] as EscalationReason[],
      },
      source: recRecords[i] as RawJson,
    })),
    eventLengths: eventLengths as number[],
    eventTickets: eventTickets as (string | null)[],
    inconsistencies: (Array.isArray(inconsistencies) ? inconsistencies : []) as Inconsistency[],
    idempotency: idempotencyEntries.data satisfies IdempotencySnapshotEntry[],
    handoffs: handoffStates.data,
    imports: importRecords.data,
    ...(workspace.data === undefined ? {} : { workspace: workspace.data }),
  };
}

/** Decodes a whole body held in memory (tests, tools): the inverse of encodeSnapshotBody. */
export function decodeSnapshotBody(body: Buffer): LoadedSnapshotData {
  const end = body.length - 1;
  if (body[end] !== 10) throw new Error("its body is not a state snapshot");
  const start = body.lastIndexOf(10, end - 1) + 1;
  return decodeSnapshotIndex(body.toString("utf8", start, end), new BufferSource(body), start);
}
