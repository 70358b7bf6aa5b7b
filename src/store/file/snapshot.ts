import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { handoffStateSchema } from "../../domain/handoffs.js";
import {
  ESCALATION_REASONS,
  RESOLUTIONS,
  STATUSES,
  type EscalationReason,
  type Resolution,
} from "../../domain/enums.js";
import { auditActionSchema } from "../../domain/audit-events.js";
import type { Ticket } from "../../domain/schemas.js";
import { decodeLine } from "../core/event-codec.js";
import { BufferSource, RawJson, type RecordSource } from "../core/records.js";
import {
  StoreState,
  type IdempotencySnapshotEntry,
  type Inconsistency,
  type LoadedStateContent,
  type StateContent,
} from "../core/state.js";
import { writeDurably } from "./durable-write.js";
import { errnoCode, livenessOf, currentProcess, readAt } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { LogPositions } from "./positions.js";

// Checkpoints of the folded state, so opening a runtime with a long log replays only the tail.
// A snapshot is a pure cache: it is written atomically (temp file, fsync, rename), carries a
// sha256 of its body against corruption, names the log position it reflects (seq, hash, byte
// offset) and is only used when the log still holds that exact event there. Anything wrong
// with it means it is ignored with a warning and the state is rebuilt from the log. Deleting
// snapshots/ is always safe.
//
// File: snapshots/state-<seq>.json = a header line (JSON, space-padded to a fixed width so it
// can be written after the body), then the body, in JSON lines:
//   1. one line per ticket, in insertion order;
//   2. one line per recommendation, in submission order;
//   3. the index line: the fields every index needs, per ticket and per recommendation, in
//      columns with each record's byte length, plus the event positions, idempotency keys,
//      outbox and imports. It comes last because it lists the lengths of the lines before it;
//      the header gives its size.
// Loading checks the body's checksum in fixed-size chunks and parses the index line only; the
// file stays open and a ticket or recommendation is read and parsed when it is first needed
// (records.ts). Opening 100,000 tickets thus parses a few megabytes rather than the whole
// file, and holds neither the file nor every record in memory.

const HEADER_BYTES = 512;
const SNAPSHOT_NAME = /^state-(\d+)\.json$/;
const TEMP_NAME = /^\.state-\d+-(\d+)-[0-9a-f]+\.tmp$/;
const KEEP = 2;
/**
 * Bumped whenever the body changes shape; a snapshot of another format is ignored (and the
 * state rebuilt from the log). 2: adds the idempotency index. 3: adds the handoff outbox and
 * the committed imports (tickets of every origin were always in `tickets`). 4: JSON lines with
 * an index line, records parsed on first read.
 */
export const SNAPSHOT_FORMAT = 4;

const headerSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  storeId: z.string(),
  seq: z.number().int().nonnegative(),
  hash: z.string(),
  logBytes: z.number().int().positive(),
  createdAt: z.string(),
  bodyBytes: z.number().int().positive(),
  bodySha256: z.string(),
  /** Bytes of the index line at the end of the body, its "\n" included. */
  indexBytes: z.number().int().positive(),
});
type SnapshotHeader = z.infer<typeof headerSchema>;

const idempotencyEntriesSchema = z.array(
  z.object({
    key: z.string(),
    seq: z.number().int().nonnegative(),
    action: auditActionSchema,
    payloadHash: z.string(),
  }),
);

const handoffsSchema = z.array(handoffStateSchema);

/** What a snapshot holds: the state's content and the length of every line of the log. */
export interface SnapshotData extends StateContent {
  readonly eventLengths: readonly number[];
}

/** What a snapshot is read into. */
export interface LoadedSnapshotData extends LoadedStateContent {
  readonly eventLengths: readonly number[];
}

/** The snapshot of a state whose events are at `positions` of the log. */
export function snapshotDataOf(state: StoreState, positions: LogPositions): SnapshotData {
  return { ...state.content(), eventLengths: positions.lineLengths() };
}

/** The state and log positions a snapshot describes, after event `head.seq`. */
export function fromSnapshotData(
  data: LoadedSnapshotData,
  head: { readonly seq: number; readonly hash: string; readonly logBytes: number },
): { readonly state: StoreState; readonly positions: LogPositions } {
  if (data.eventLengths.length !== head.seq + 1) {
    throw new Error(`it lists ${data.eventLengths.length} events for seq ${head.seq}`);
  }
  const positions = LogPositions.fromLengths(data.eventLengths, head.logBytes);
  return { state: StoreState.fromContent(data, head), positions };
}
const importsSchema = z.array(
  z.object({ seq: z.number().int().nonnegative(), file: z.string(), sourceSha256: z.string() }),
);

export function snapshotSeqs(layout: Layout): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(layout.snapshotsDir);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw error;
  }
  return names
    .map((n) => SNAPSHOT_NAME.exec(n)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
}

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
  };
  yield Buffer.from(`${JSON.stringify(index)}\n`, "utf8");
}

const NEWLINE = Buffer.from("\n", "utf8");

const STATUS_SET = new Set<string>(STATUSES);
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
  const status = strings(ticketIndex.status, n, "ticket statuses", STATUS_SET) as Ticket["status"][];
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
  };
}

/** Decodes a whole body held in memory (tests, tools): the inverse of encodeSnapshotBody. */
export function decodeSnapshotBody(body: Buffer): LoadedSnapshotData {
  const end = body.length - 1;
  if (body[end] !== 10) throw new Error("its body is not a state snapshot");
  const start = body.lastIndexOf(10, end - 1) + 1;
  return decodeSnapshotIndex(body.toString("utf8", start, end), new BufferSource(body), start);
}

/** Writes snapshots/state-<seq>.json for `state`, then keeps only the newest few. */
export function writeSnapshot(
  layout: Layout,
  storeId: string,
  state: StoreState,
  positions: LogPositions,
): string {
  fs.mkdirSync(layout.snapshotsDir, { recursive: true });
  const name = `state-${state.lastSeq}.json`;
  const temp = join(
    layout.snapshotsDir,
    `.state-${state.lastSeq}-${process.pid}-${randomBytes(4).toString("hex")}.tmp`,
  );
  writeDurably(join(layout.snapshotsDir, name), temp, (out) => {
    // Streamed in batches: the body of a large runtime is never one string in memory. The
    // header, which needs the body's size and checksum, goes in front last.
    const sha = createHash("sha256");
    let position = HEADER_BYTES;
    let indexBytes = 0;
    for (const buf of encodeSnapshotBody(snapshotDataOf(state, positions))) {
      sha.update(buf);
      out.writeAt(buf, position);
      position += buf.length;
      indexBytes = buf.length;
    }
    const header: SnapshotHeader = {
      format: SNAPSHOT_FORMAT,
      storeId,
      seq: state.lastSeq,
      hash: state.lastHash,
      logBytes: positions.bytes,
      createdAt: new Date().toISOString(),
      bodyBytes: position - HEADER_BYTES,
      bodySha256: sha.digest("hex"),
      indexBytes,
    };
    const headerText = JSON.stringify(header);
    if (headerText.length >= HEADER_BYTES) throw new Error("snapshot header too long");
    out.writeAt(Buffer.from(`${headerText.padEnd(HEADER_BYTES - 1)}\n`, "utf8"), 0);
  });
  pruneSnapshots(layout);
  return name;
}

/** Keeps the newest snapshots and removes temp files of writers that are gone. */
export function pruneSnapshots(layout: Layout): void {
  for (const seq of snapshotSeqs(layout).slice(KEEP)) {
    fs.rmSync(join(layout.snapshotsDir, `state-${seq}.json`), { force: true });
  }
  for (const name of fs.readdirSync(layout.snapshotsDir)) {
    const pid = Number(TEMP_NAME.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (livenessOf({ hostname: currentProcess().hostname, pid }) === "dead") {
      fs.rmSync(join(layout.snapshotsDir, name), { force: true });
    }
  }
}

export interface LoadedSnapshot {
  /** The state and log positions of the newest usable snapshot (undefined: none), at `seq`. */
  readonly loaded: { readonly state: StoreState; readonly positions: LogPositions } | undefined;
  readonly seq: number;
  /** Seq of the newest snapshot that was ignored, -1 when none was. */
  readonly newestIgnored: number;
}

/**
 * The newest usable snapshot, if any. `logFd`/`logSize` are the open audit log: a snapshot is
 * used only if the log holds an event with the snapshot's seq and hash right before its
 * logBytes offset.
 */
export function loadNewestSnapshot(
  layout: Layout,
  storeId: string,
  logFd: number,
  logSize: number,
  warn: (message: string) => void,
): LoadedSnapshot {
  let newestIgnored = -1;
  for (const seq of snapshotSeqs(layout)) {
    const path = join(layout.snapshotsDir, `state-${seq}.json`);
    try {
      return { loaded: readSnapshot(path, seq, storeId, logFd, logSize), seq, newestIgnored };
    } catch (error) {
      // Pruned by another process since the listing: just try the next one.
      if (errnoCode(error) === "ENOENT") continue;
      newestIgnored = Math.max(newestIgnored, seq);
      warn(
        `ignoring snapshot ${path}: ${(error as Error).message}; using an older snapshot or the audit log instead`,
      );
    }
  }
  return { loaded: undefined, seq: -1, newestIgnored };
}

/**
 * A snapshot file kept open while records of it are unread. Closing it (when the state built
 * from it is dropped) makes later reads fail loudly instead of reading a reused descriptor.
 */
export class SnapshotFile implements RecordSource {
  private fd: number | undefined;

  constructor(
    fd: number,
    private readonly bodyStart: number,
  ) {
    this.fd = fd;
  }

  read(offset: number, length: number): Buffer {
    if (this.fd === undefined) throw new Error("the snapshot this record came from was closed");
    return readAt(this.fd, this.bodyStart + offset, length);
  }

  close(): void {
    if (this.fd === undefined) return;
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

const CHECK_CHUNK_BYTES = 4 * 1024 * 1024;

function readSnapshot(
  path: string,
  seq: number,
  storeId: string,
  logFd: number,
  logSize: number,
): { readonly state: StoreState; readonly positions: LogPositions } {
  const fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  const file = new SnapshotFile(fd, HEADER_BYTES);
  try {
    const loaded = readSnapshotFrom(fd, file, seq, storeId, logFd, logSize);
    loaded.state.holdRecordSource(file);
    return loaded;
  } catch (error) {
    file.close();
    throw error;
  }
}

function readSnapshotFrom(
  fd: number,
  file: SnapshotFile,
  seq: number,
  storeId: string,
  logFd: number,
  logSize: number,
): { readonly state: StoreState; readonly positions: LogPositions } {
  const head = readAt(fd, 0, HEADER_BYTES);
  const nl = head.indexOf(10);
  if (nl !== HEADER_BYTES - 1) throw new Error("it has no header line");
  const rawHeader = JSON.parse(head.toString("utf8", 0, nl)) as unknown;
  const format = (rawHeader as { format?: unknown } | null)?.format;
  if (format !== SNAPSHOT_FORMAT) {
    throw new Error(`it is in format ${String(format)}, this version reads format ${SNAPSHOT_FORMAT}`);
  }
  const header = headerSchema.parse(rawHeader);
  if (header.seq !== seq) throw new Error(`its header says seq ${header.seq}`);
  if (header.storeId !== storeId) throw new Error("it belongs to another runtime");
  if (fs.fstatSync(fd).size !== HEADER_BYTES + header.bodyBytes) throw new Error("it is truncated");
  // The whole body is checked, in chunks: the records are read later, one at a time.
  const sha = createHash("sha256");
  const chunk = Buffer.allocUnsafe(Math.min(CHECK_CHUNK_BYTES, header.bodyBytes));
  for (let done = 0; done < header.bodyBytes;) {
    const n = fs.readSync(fd, chunk, 0, Math.min(chunk.length, header.bodyBytes - done), HEADER_BYTES + done);
    if (n === 0) throw new Error("it is truncated");
    sha.update(chunk.subarray(0, n));
    done += n;
  }
  if (sha.digest("hex") !== header.bodySha256) throw new Error("its checksum does not match");
  if (header.logBytes > logSize) throw new Error("it is ahead of the audit log");
  if (header.indexBytes > header.bodyBytes) throw new Error("its header is malformed");
  const recordBytes = header.bodyBytes - header.indexBytes;
  const indexLine = file.read(recordBytes, header.indexBytes - 1).toString("utf8");
  const data = decodeSnapshotIndex(indexLine, file, recordBytes);
  // The log must still hold this exact event where the snapshot ends.
  const length = data.eventLengths[header.seq];
  if (length === undefined) throw new Error("it does not list its own last event");
  const line = readAt(logFd, header.logBytes - length - 1, length + 1).toString("utf8");
  const decoded = decodeLine(line.slice(0, -1), "fast");
  if (
    !line.endsWith("\n") ||
    !decoded.ok ||
    decoded.event.seq !== header.seq ||
    decoded.event.hash !== header.hash
  ) {
    throw new Error(
      `the audit log does not hold its seq ${header.seq} at byte ${header.logBytes - length - 1}`,
    );
  }
  return fromSnapshotData(data, header);
}
