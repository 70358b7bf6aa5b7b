import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { decodeLine } from "../core/event-codec.js";
import type { RecordSource } from "../core/records.js";
import type { StoreState } from "../core/state.js";
import { writeDurably } from "./durable-write.js";
import { currentProcess, errnoCode, livenessOf, namesIn, readAt } from "./fs-util.js";
import type { Layout } from "./layout.js";
import type { LogPositions } from "./positions.js";
import { decodeSnapshotIndex, encodeSnapshotBody } from "../core/snapshot-body.js";
import { fromSnapshotData, snapshotDataOf } from "./snapshot-body.js";

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
//      the header gives its size. (The body's format is core/snapshot-body.ts.)
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

export function snapshotSeqs(layout: Layout): number[] {
  return namesIn(layout.snapshotsDir)
    .map((n) => SNAPSHOT_NAME.exec(n)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number)
    .sort((a, b) => b - a);
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
