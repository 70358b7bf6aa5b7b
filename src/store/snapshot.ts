import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { handoffStateSchema } from "../domain/handoffs.js";
import { auditActionSchema, type Recommendation, type Ticket } from "../domain/schemas.js";
import { decodeLine } from "./event-codec.js";
import { errnoCode, fsyncDir, livenessOf, currentProcess, readAt } from "./fs-util.js";
import type { Layout } from "./layout.js";
import { StoreState, type IdempotencySnapshotEntry, type Inconsistency, type SnapshotData } from "./state.js";

// Checkpoints of the folded state, so opening a runtime with a long log replays only the tail.
// A snapshot is a pure cache: it is written atomically (temp file, fsync, rename), carries a
// sha256 of its body against corruption, names the log position it reflects (seq, hash, byte
// offset) and is only used when the log still holds that exact event there. Anything wrong
// with it means it is ignored with a warning and the state is rebuilt from the log. Deleting
// snapshots/ is always safe.
//
// File: snapshots/state-<seq>.json = a header line (JSON, space-padded to a fixed width so it
// can be written after the body), then the body (one JSON document).

const HEADER_BYTES = 512;
const SNAPSHOT_NAME = /^state-(\d+)\.json$/;
const TEMP_NAME = /^\.state-\d+-(\d+)-[0-9a-f]+\.tmp$/;
const KEEP = 2;
/**
 * Bumped whenever the body changes shape; a snapshot of another format is ignored (and the
 * state rebuilt from the log). 2: adds the idempotency index. 3: adds the handoff outbox and
 * the committed imports (tickets of every origin were always in `tickets`).
 */
export const SNAPSHOT_FORMAT = 3;

const headerSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  storeId: z.string(),
  seq: z.number().int().nonnegative(),
  hash: z.string(),
  logBytes: z.number().int().positive(),
  createdAt: z.string(),
  bodyBytes: z.number().int().positive(),
  bodySha256: z.string(),
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

function* bodyChunks(data: SnapshotData): Generator<string> {
  const batch = 2000;
  const list = function* (items: readonly unknown[]): Generator<string> {
    yield "[";
    for (let i = 0; i < items.length; i += batch) {
      const part = items.slice(i, i + batch).map((x) => JSON.stringify(x));
      yield (i === 0 ? "" : ",") + part.join(",");
    }
    yield "]";
  };
  yield '{"tickets":';
  yield* list(data.tickets);
  yield ',"recommendations":';
  yield* list(data.recommendations);
  yield `,"eventLengths":${JSON.stringify(data.eventLengths)}`;
  yield `,"eventTickets":${JSON.stringify(data.eventTickets)}`;
  yield `,"inconsistencies":${JSON.stringify(data.inconsistencies)}`;
  yield ',"idempotency":';
  yield* list(data.idempotency);
  yield ',"handoffs":';
  yield* list(data.handoffs);
  yield ',"imports":';
  yield* list(data.imports);
  yield "}";
}

/** Writes snapshots/state-<seq>.json for `state`, then keeps only the newest few. */
export function writeSnapshot(layout: Layout, storeId: string, state: StoreState): string {
  fs.mkdirSync(layout.snapshotsDir, { recursive: true });
  const name = `state-${state.lastSeq}.json`;
  const temp = join(
    layout.snapshotsDir,
    `.state-${state.lastSeq}-${process.pid}-${randomBytes(4).toString("hex")}.tmp`,
  );
  const fd = fs.openSync(temp, "wx");
  try {
    // Streamed in batches: the body of a large runtime is never one string in memory.
    const sha = createHash("sha256");
    let position = HEADER_BYTES;
    for (const chunk of bodyChunks(state.snapshotData())) {
      const buf = Buffer.from(chunk, "utf8");
      sha.update(buf);
      fs.writeSync(fd, buf, 0, buf.length, position);
      position += buf.length;
    }
    const header: SnapshotHeader = {
      format: SNAPSHOT_FORMAT,
      storeId,
      seq: state.lastSeq,
      hash: state.lastHash,
      logBytes: state.logBytes,
      createdAt: new Date().toISOString(),
      bodyBytes: position - HEADER_BYTES,
      bodySha256: sha.digest("hex"),
    };
    const headerText = JSON.stringify(header);
    if (headerText.length >= HEADER_BYTES) throw new Error("snapshot header too long");
    fs.writeSync(fd, Buffer.from(`${headerText.padEnd(HEADER_BYTES - 1)}\n`, "utf8"), 0, HEADER_BYTES, 0);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  fs.renameSync(temp, join(layout.snapshotsDir, name));
  fsyncDir(layout.snapshotsDir);
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
  /** The state from the newest usable snapshot (undefined when none is usable), at `seq`. */
  readonly state: StoreState | undefined;
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
      return { state: readSnapshot(path, seq, storeId, logFd, logSize), seq, newestIgnored };
    } catch (error) {
      // Pruned by another process since the listing: just try the next one.
      if (errnoCode(error) === "ENOENT") continue;
      newestIgnored = Math.max(newestIgnored, seq);
      warn(
        `ignoring snapshot ${path}: ${(error as Error).message}; using an older snapshot or the audit log instead`,
      );
    }
  }
  return { state: undefined, seq: -1, newestIgnored };
}

function readSnapshot(
  path: string,
  seq: number,
  storeId: string,
  logFd: number,
  logSize: number,
): StoreState {
  const buf = fs.readFileSync(path);
  const nl = buf.indexOf(10);
  if (nl !== HEADER_BYTES - 1) throw new Error("it has no header line");
  const rawHeader = JSON.parse(buf.toString("utf8", 0, nl)) as unknown;
  const format = (rawHeader as { format?: unknown } | null)?.format;
  if (format !== SNAPSHOT_FORMAT) {
    throw new Error(`it is in format ${String(format)}, this version reads format ${SNAPSHOT_FORMAT}`);
  }
  const header = headerSchema.parse(rawHeader);
  if (header.seq !== seq) throw new Error(`its header says seq ${header.seq}`);
  if (header.storeId !== storeId) throw new Error("it belongs to another runtime");
  const body = buf.subarray(HEADER_BYTES);
  if (body.length !== header.bodyBytes) throw new Error("it is truncated");
  if (createHash("sha256").update(body).digest("hex") !== header.bodySha256)
    throw new Error("its checksum does not match");
  if (header.logBytes > logSize) throw new Error("it is ahead of the audit log");
  const raw = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  const {
    tickets,
    recommendations,
    eventLengths,
    eventTickets,
    inconsistencies,
    idempotency,
    handoffs,
    imports,
  } = raw;
  if (
    !Array.isArray(tickets) ||
    !Array.isArray(recommendations) ||
    !Array.isArray(eventLengths) ||
    !Array.isArray(eventTickets)
  ) {
    throw new Error("its body is not a state snapshot");
  }
  const idempotencyEntries = idempotencyEntriesSchema.safeParse(idempotency);
  if (!idempotencyEntries.success) throw new Error("its idempotency index is missing or malformed");
  const handoffStates = handoffsSchema.safeParse(handoffs);
  if (!handoffStates.success) throw new Error("its handoff outbox is missing or malformed");
  const importRecords = importsSchema.safeParse(imports);
  if (!importRecords.success) throw new Error("its list of imports is missing or malformed");
  const data: SnapshotData = {
    tickets: tickets as Ticket[],
    recommendations: recommendations as Recommendation[],
    eventLengths: eventLengths as number[],
    eventTickets: eventTickets as (string | null)[],
    inconsistencies: (Array.isArray(inconsistencies) ? inconsistencies : []) as Inconsistency[],
    idempotency: idempotencyEntries.data satisfies IdempotencySnapshotEntry[],
    handoffs: handoffStates.data,
    imports: importRecords.data,
  };
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
  return StoreState.fromSnapshotData(data, header);
}
