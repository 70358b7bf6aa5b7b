import type { StoreLogger } from "../core/options.js";
import * as fs from "node:fs";
import { parseAuditEvent, type AuditEvent } from "../../domain/audit-events.js";
import type { DomainError } from "../../domain/errors.js";
import type { Ticket } from "../../domain/schemas.js";
import { RUNBOOK } from "../../paths.js";
import { unavailable } from "../core/transaction.js";
import { decodeLine, sha256Hex, type DecodeProblem } from "../core/event-codec.js";
import { applyEvent } from "../core/apply.js";
import type { ReducerContext } from "../core/reducer.js";
import { ReadBack } from "../core/read-back.js";
import { StoreState } from "../core/state.js";
import { errnoCode, forEachLine, readAt } from "./fs-util.js";
import type { ImportBatches } from "./imports.js";
import type { InitializedBase } from "./init.js";
import type { Layout, Manifest } from "./layout.js";
import { LogPositions, type EventLocation } from "./positions.js";
import { loadNewestSnapshot } from "./snapshot.js";
import { readManifest, RuntimeNotInitializedError } from "./verify.js";

// Reading the log: loading a runtime (its newest usable snapshot, or the base tickets, then the
// events after it), catching up with what other processes appended (a stat, then only the new
// bytes), noticing a runtime replaced underneath (reload), and reading audit events back. The
// state is the fold of the base tickets and every complete, valid line; an incomplete last line
// (a writer mid-append, or a crash) is not read yet, and a damaged line stops the fold there.

export type { StoreLogger };

interface LogHandle {
  readonly fd: number;
  readonly dev: number;
  readonly ino: number;
}

/** Bytes after the last folded line: nothing, an incomplete line, or a complete bad line. */
export type Tail =
  | { readonly kind: "clean" }
  | { readonly kind: "partial"; readonly size: number }
  | {
      readonly kind: "bad";
      readonly size: number;
      readonly offset: number;
      readonly final: boolean;
      readonly problem: DecodeProblem | "chain";
      readonly detail: string;
    };

/** Security: O_NOFOLLOW, so a log swapped for a link is never read or appended through. */
export const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

function openLog(path: string): LogHandle {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (error) {
    if (errnoCode(error) === "ENOENT")
      throw unavailable(
        `${path} is missing: the runtime directory was removed or is being re-initialized. Retry in a moment.`,
      );
    throw error;
  }
  const st = fs.fstatSync(fd);
  return { fd, dev: st.dev, ino: st.ino };
}

interface Loaded {
  readonly manifest: Manifest;
  readonly log: LogHandle;
  readonly state: StoreState;
  readonly positions: LogPositions;
  readonly tail: Tail;
  /** Seq of the snapshot the state was loaded from, -1 when it was replayed from the start. */
  readonly snapshotSeq: number;
  /** Seq of the newest snapshot that could not be used, -1 when none was ignored. */
  readonly ignoredSnapshotSeq: number;
}

/**
 * The folded log of one runtime directory, kept up to date with the file. Its fields are read
 * by the other parts of the file store; only this class sets them, except `snapshotSeq`, which
 * the store moves forward when it writes or finds a newer snapshot.
 */
export class LogReader {
  /** The state folded from the log, caught up by refresh(); another object after reload(). */
  state!: StoreState;
  /** Where each folded event's line is in audit.jsonl. */
  positions!: LogPositions;
  manifest!: Manifest;
  /** What followed the last folded line when the runtime was (re)loaded. */
  loadTail!: Tail;
  /** Seq of the newest snapshot loaded or written for this runtime (-1: none). */
  snapshotSeq = -1;
  /** Seq of the newest snapshot the last (re)load could not use (-1: none). */
  ignoredSnapshotSeq = -1;
  /** Changes whenever the runtime is replaced underneath us (reset), so derived indexes rebuild. */
  generation = 1;
  private handle!: LogHandle;
  /** Events read back for queries, each line decoded and checked once while its bytes stay the same. */
  private readonly readBack = new ReadBack();
  /** The last bad tail seen by a read, so repeated reads neither re-parse nor re-warn. */
  private badTailSeen: { size: number; mtimeMs: number; tail: Tail } | undefined;

  private constructor(
    readonly layout: Layout,
    private readonly logger: StoreLogger,
    private readonly batches: ImportBatches,
    loaded: Loaded,
  ) {
    this.adopt(loaded);
  }

  /**
   * Loads the runtime under `layout`. `base`: the tickets this process just wrote as
   * base/tickets.json, used instead of reading the file back when the manifest names that base.
   */
  static open(
    layout: Layout,
    logger: StoreLogger,
    batches: ImportBatches,
    base?: InitializedBase,
  ): LogReader {
    return new LogReader(layout, logger, batches, load(layout, logger, batches, base));
  }

  /** The open log file (read only). */
  get fd(): number {
    return this.handle.fd;
  }

  /** Whether `st` describes the file this reader has open. */
  isItsFile(st: { readonly dev: number; readonly ino: number }): boolean {
    return st.ino === this.handle.ino && st.dev === this.handle.dev;
  }

  /** Whether audit.jsonl is no longer the file this reader has open. */
  replaced(): boolean {
    return !this.isItsFile(fs.statSync(this.layout.auditLog));
  }

  /** Folds one event whose line is at `location` (just appended, or found in the log). */
  fold(event: AuditEvent, location: EventLocation): void {
    applyEvent(this.state, event, this.batches, (m) => this.logger.warn(m));
    this.positions.add(location);
    this.badTailSeen = undefined;
  }

  /**
   * Brings the state up to the end of the log: a stat, then only the new bytes. Reloads from
   * scratch when audit.jsonl was replaced (the runtime was reset) and bumps the generation.
   */
  refresh(): Tail {
    let st: fs.Stats;
    try {
      st = fs.statSync(this.layout.auditLog);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") {
        throw unavailable(
          `${this.layout.auditLog} is missing: the runtime directory was removed or is being re-initialized. Retry in a moment.`,
        );
      }
      throw error;
    }
    // (birthtime is not compared: where statx is unavailable Node reports ctime, which every
    // append changes. A replacement that reuses the inode and has exactly our size is caught
    // by the check of our last line that every transaction makes under the lock.)
    const bytes = this.positions.bytes;
    if (!this.isItsFile(st) || st.size < bytes) return this.reload();
    if (st.size === bytes) return { kind: "clean" };
    const seen = this.badTailSeen;
    if (seen !== undefined && seen.size === st.size && seen.mtimeMs === st.mtimeMs) return seen.tail;
    const tail = foldLines(this.handle.fd, this.state, this.positions, st.size, this.batches, (m) =>
      this.logger.warn(m),
    );
    if (tail.kind !== "clean" && !this.lastLineIntact()) {
      // Our last line is gone from its place: the file was overwritten in place (same inode).
      return this.reload();
    }
    if (tail.kind === "bad") {
      if (seen?.tail.kind !== "bad" || seen.tail.offset !== tail.offset) {
        this.logger.warn(`${this.layout.auditLog}: ${describeTail(tail)}; reads stop before it.`);
      }
    }
    this.badTailSeen = tail.kind === "clean" ? undefined : { size: st.size, mtimeMs: st.mtimeMs, tail };
    return tail;
  }

  /** Whether the log still holds our last event's line where we read it. */
  lastLineIntact(): boolean {
    const line = this.lineAt(this.state.lastSeq);
    if (line === undefined) return true;
    const decoded = decodeLine(line);
    return decoded.ok && decoded.event.hash === this.state.lastHash;
  }

  /** Loads the runtime again (it was replaced) and bumps the generation. */
  reload(): Tail {
    const loaded = load(this.layout, this.logger, this.batches);
    this.closeFile();
    // The old state is not released: a view taken before the reload may still read it; its
    // snapshot file closes when that state is collected.
    this.adopt(loaded);
    this.badTailSeen = undefined;
    this.generation++;
    this.logger.info(
      `the runtime in ${this.layout.root} was replaced; reloaded it (generation ${this.generation})`,
    );
    return loaded.tail;
  }

  private adopt(loaded: Loaded): void {
    this.handle = loaded.log;
    this.state = loaded.state;
    this.positions = loaded.positions;
    this.manifest = loaded.manifest;
    this.loadTail = loaded.tail;
    this.snapshotSeq = loaded.snapshotSeq;
    this.ignoredSnapshotSeq = loaded.ignoredSnapshotSeq;
  }

  /** Forgets the bad tail seen last (the bytes after the last line were just cut off). */
  tailRepaired(): void {
    this.badTailSeen = undefined;
  }

  lineAt(seq: number): string | undefined {
    const loc = this.positions.location(seq);
    return loc === undefined ? undefined : readAt(this.handle.fd, loc.offset, loc.length).toString("utf8");
  }

  /** The committed events `seqs` (ascending), read back and validated. */
  readEvents(seqs: readonly number[]): AuditEvent[] {
    const out: AuditEvent[] = [];
    let i = 0;
    while (i < seqs.length) {
      // Read runs of adjacent events with one read call.
      let j = i;
      while (j + 1 < seqs.length && seqs[j + 1] === (seqs[j] as number) + 1) j++;
      const first = this.positions.location(seqs[i] as number);
      const last = this.positions.location(seqs[j] as number);
      if (first === undefined || last === undefined)
        throw new Error(`no location for seq ${String(seqs[i])}`);
      const buf = readAt(this.handle.fd, first.offset, last.offset + last.length - first.offset);
      for (let k = i; k <= j; k++) {
        const seq = seqs[k] as number;
        const loc = this.positions.location(seq) as EventLocation;
        const start = loc.offset - first.offset;
        const decoded = this.readBack.decode(seq, buf.toString("utf8", start, start + loc.length));
        if (!decoded.ok || decoded.event.seq !== seq) {
          throw unavailable(
            `audit event seq ${seq} in ${this.layout.auditLog} cannot be read back (${decoded.ok ? "wrong sequence number" : decoded.detail}). Run audit:verify.`,
          );
        }
        out.push(decoded.event);
      }
      i = j + 1;
    }
    return out;
  }

  close(): void {
    this.closeFile();
    this.state.release();
  }

  private closeFile(): void {
    try {
      fs.closeSync(this.handle.fd);
    } catch {
      // already closed
    }
  }
}

function load(layout: Layout, logger: StoreLogger, batches: ImportBatches, base?: InitializedBase): Loaded {
  refuseLinks(layout);
  let manifest: Manifest;
  try {
    manifest = readManifest(layout);
  } catch (error) {
    if (error instanceof RuntimeNotInitializedError) {
      throw unavailable(`${error.message} It was removed or is being re-initialized. Retry in a moment.`);
    }
    throw unavailable(`The runtime in ${layout.root} cannot be opened: ${(error as Error).message}`);
  }
  const log = openLog(layout.auditLog);
  let stateOf: StoreState | undefined;
  try {
    const size = fs.fstatSync(log.fd).size;
    const snapshot = loadNewestSnapshot(layout, manifest.storeId, log.fd, size, (m) => logger.warn(m));
    stateOf = snapshot.loaded?.state;
    const { state, positions } = snapshot.loaded ?? {
      state: StoreState.fromBase(
        base !== undefined && base.sha256 === manifest.baseSha256 ? base.tickets : readBase(layout, manifest),
      ),
      positions: new LogPositions(),
    };
    const tail = foldLines(log.fd, state, positions, size, batches, (m) => logger.warn(m));
    if (tail.kind === "bad" && !isTorn(tail)) throw corruptLog(layout, state, tail);
    if (state.lastSeq < 0) throw unavailable(`${layout.auditLog} has no initialization event.`);
    const first = parseAuditEvent(readEventAt(log.fd, positions, 0));
    if (
      !("event" in first) ||
      first.event.action !== "runtime-initialized" ||
      first.event.data.storeId !== manifest.storeId ||
      first.event.data.baseSha256 !== manifest.baseSha256
    ) {
      throw unavailable(`${layout.auditLog} belongs to another runtime than ${layout.manifest}.`);
    }
    return {
      manifest,
      log,
      state,
      positions,
      tail,
      snapshotSeq: snapshot.seq,
      ignoredSnapshotSeq: snapshot.newestIgnored,
    };
  } catch (error) {
    fs.closeSync(log.fd);
    stateOf?.release();
    throw error;
  }
}

/**
 * Folds the complete lines after positions.bytes (up to `size`) into the state. Stops at the
 * first line that is not a valid next event, and says what is left.
 */
function foldLines(
  fd: number,
  state: StoreState,
  positions: LogPositions,
  size: number,
  context: ReducerContext,
  warn: (message: string) => void,
): Tail {
  let bad: Extract<Tail, { kind: "bad" }> | undefined;
  const end = forEachLine(fd, positions.bytes, size, (text, offset, length) => {
    const final = offset + length + 1 === size;
    const decoded = decodeLine(text, "fast");
    if (!decoded.ok) {
      bad = { kind: "bad", size, offset, final, problem: decoded.problem, detail: decoded.detail };
      return false;
    }
    const event = decoded.event;
    if (event.seq !== state.lastSeq + 1 || event.prevHash !== state.lastHash) {
      const detail =
        event.seq !== state.lastSeq + 1
          ? `it holds seq ${event.seq} after seq ${state.lastSeq}`
          : `its prevHash is not the hash of seq ${state.lastSeq}`;
      bad = { kind: "bad", size, offset, final, problem: "chain", detail };
      return false;
    }
    applyEvent(state, event, context, warn);
    positions.add({ offset, length });
    return true;
  });
  if (bad !== undefined) return bad;
  return end < size ? { kind: "partial", size } : { kind: "clean" };
}

/**
 * An interrupted append: an incomplete last line, or a last line that is not even JSON. A last
 * line that parses but fails the schema or the chain was not torn by a crash: it is damage.
 */
export function isTorn(tail: Tail): boolean {
  return tail.kind === "partial" || (tail.kind === "bad" && tail.final && tail.problem === "unparseable");
}

function describeTail(tail: Extract<Tail, { kind: "bad" }>): string {
  return `the line at byte ${tail.offset} is not a valid next audit event (${tail.detail})`;
}

export function corruptLog(
  layout: Layout,
  state: StoreState,
  tail: Extract<Tail, { kind: "bad" }>,
): DomainError {
  return unavailable(
    `The audit log ${layout.auditLog} is damaged after seq ${state.lastSeq}: ${describeTail(tail)}. ` +
      `Nothing more is written until it is repaired (${RUNBOOK} says how); run audit:verify for details.`,
    { lastGoodSeq: state.lastSeq, offset: tail.offset },
  );
}

function readBase(layout: Layout, manifest: Manifest): Ticket[] {
  let baseText: Buffer;
  try {
    baseText = fs.readFileSync(layout.baseTickets);
  } catch (error) {
    throw unavailable(`${layout.baseTickets} cannot be read (${errnoCode(error) ?? String(error)}).`);
  }
  // The base was validated when it was written; its hash proves it is still that file.
  if (sha256Hex(baseText) !== manifest.baseSha256) {
    throw unavailable(
      `${layout.baseTickets} does not match the hash recorded at initialization: it was modified. ` +
        `Restore it from a backup (${RUNBOOK} says how), or run audit:verify for details.`,
    );
  }
  return JSON.parse(baseText.toString("utf8")) as Ticket[];
}

/**
 * The runtime directory may be reached through links (macOS /tmp), but the files the store owns
 * must be regular files inside it: a link would make it read and append outside the directory.
 */
function refuseLinks(layout: Layout): void {
  for (const path of [layout.manifest, layout.baseTickets, layout.auditLog]) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path);
    } catch {
      continue; // a missing file is reported by its reader
    }
    if (st.isSymbolicLink()) {
      throw unavailable(
        `${path} is a symbolic link (to ${fs.readlinkSync(path)}). The store only uses regular files inside ${layout.root}: ` +
          `put the file itself back in place. Nothing was read or written.`,
      );
    }
  }
}

function readEventAt(fd: number, positions: LogPositions, seq: number): AuditEvent {
  const loc = positions.location(seq);
  if (loc === undefined) throw new Error(`no event ${seq}`);
  const decoded = decodeLine(readAt(fd, loc.offset, loc.length).toString("utf8"));
  if (!decoded.ok) throw new Error(`event ${seq} cannot be read back: ${decoded.detail}`);
  return decoded.event;
}
