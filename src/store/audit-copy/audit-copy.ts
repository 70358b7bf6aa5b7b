import * as fs from "node:fs";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import type { AuditEvent } from "../../domain/audit-events.js";
import { ReadBack } from "../core/read-back.js";

// A local copy of a database store's audit log: the very lines of audit_events, one per line in
// seq order, as audit.jsonl holds them (`<dataRoot>/audit-copies/<storeId>.jsonl`). It is what
// keeps the audit log "appended as JSON lines under the runtime directory" on every machine of a
// team, and it serves audit reads from the disk as the file store does.
//
// The database stays the record: the copy is written after a commit or a catch-up has folded the
// events, without fsync (a machine crash may cut its tail, which the next writer cuts back to the
// last whole line), and filled from the database when it is behind. Every process of a machine
// that opens the same store keeps the same file: appends happen under a short lock (proper-lockfile,
// held for one write), a process indexes what others appended before it writes, and reads only
// whole lines. A copy that disagrees with the database at its last line, or holds more events
// than the database, is evidence that the database's log was restored or rewritten: it is set
// aside with a warning, never overwritten, and a new copy is written.

export interface CopyLine {
  readonly seq: number;
  readonly line: string;
}

export interface AuditCopyLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** A copy opened to read only: its whole lines, by seq. */
export interface CopyReader {
  readonly file: string;
  /** Whole lines in the file (seq 0 to count - 1). */
  readonly count: number;
  lineAt(seq: number): string | undefined;
  close(): void;
}

/** Lines kept in memory before a write; beyond DROP_AFTER unwritten lines (lock busy), the copy is refilled later. */
const WRITE_EVERY = 2_000;
const DROP_AFTER = 20_000;
const READ_CHUNK = 8 * 1024 * 1024;
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

export class AuditCopy {
  private fd: number;
  private offsets: number[] = [];
  private lengths: number[] = [];
  /** Bytes of the file indexed: just past the last whole line. */
  private bytes = 0;
  private pending: CopyLine[] = [];
  /** The copy stopped (a write or read failed, the file was replaced): reads go to the database. */
  private stopped = false;
  /** Lines read for queries, each decoded and checked once while its bytes stay the same. */
  private readonly readBack = new ReadBack();

  private constructor(
    readonly path: string,
    private readonly lockPath: string,
    private readonly logger: AuditCopyLogger,
    readOnly = false,
  ) {
    this.fd = readOnly ? fs.openSync(path, fs.constants.O_RDONLY | NOFOLLOW) : openCopy(path);
  }

  /**
   * The copy of store `storeId` under `dataRoot`, opened to read only (audit:verify compares it
   * with the database); undefined when there is none. Throws when it is not a copy of a log.
   */
  static reader(dataRoot: string, storeId: string): CopyReader | undefined {
    const dir = join(dataRoot, "audit-copies");
    const path = join(dir, `${storeId}.jsonl`);
    if (!fs.existsSync(path)) return undefined;
    const copy = new AuditCopy(path, join(dir, `${storeId}.lock`), { info() {}, warn() {} }, true);
    // Read only: never written, so never cut back or filled.
    copy.stopped = true;
    try {
      copy.indexNewLines();
    } catch (error) {
      copy.close();
      throw error;
    }
    return {
      file: path,
      count: copy.lastSeq + 1,
      lineAt: (seq) => copy.lineAt(seq),
      close: () => copy.close(),
    };
  }

  /** The copy for store `storeId` under `dataRoot`; undefined (with a warning) when it cannot be kept. */
  static open(dataRoot: string, storeId: string, logger: AuditCopyLogger): AuditCopy | undefined {
    const dir = join(dataRoot, "audit-copies");
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const copy = new AuditCopy(join(dir, `${storeId}.jsonl`), join(dir, `${storeId}.lock`), logger);
      try {
        copy.indexNewLines();
      } catch (error) {
        copy.setAside((error as Error).message);
      }
      return copy;
    } catch (error) {
      logger.warn(
        `no local copy of the audit log in ${dir} (${(error as Error).message}); audit reads go to the database`,
      );
      return undefined;
    }
  }

  /** The last seq the file holds as far as this process has read it (-1: none). */
  get lastSeq(): number {
    return this.offsets.length - 1;
  }

  /**
   * Events folded from the database, in seq order. A line the copy already holds is compared at
   * the copy's last line (a different line there means another history); newer ones are queued.
   */
  folded(lines: readonly CopyLine[]): void {
    if (this.stopped) return;
    // The copy never fails the store: a file it cannot read or set aside stops it.
    try {
      for (const entry of lines) {
        if (entry.seq === this.lastSeq && this.pending.length === 0) {
          if (this.lineAt(entry.seq) !== entry.line) {
            this.setAside(`its line for seq ${entry.seq} is not the database's`);
            this.pending.push(entry);
          }
        } else if (entry.seq > this.lastSeq) {
          const last = this.pending.at(-1);
          if (last !== undefined && entry.seq !== last.seq + 1) this.pending = [];
          this.pending.push(entry);
        }
      }
    } catch (error) {
      this.stop(error);
      return;
    }
    if (this.pending.length >= WRITE_EVERY) this.write();
    if (this.pending.length >= DROP_AFTER) this.pending = [];
  }

  /** After the first fold: a copy holding more events than the database is another history. */
  checkEnd(databaseLastSeq: number): void {
    if (this.stopped || this.lastSeq <= databaseLastSeq) return;
    try {
      this.setAside(`it holds events up to seq ${this.lastSeq}, the database up to seq ${databaseLastSeq}`);
    } catch (error) {
      this.stop(error);
    }
  }

  /**
   * Writes what is queued, under the lock; false when it could not (the lock is busy, or lines
   * between the file's end and the queue are missing: see missing()).
   */
  write(): boolean {
    if (this.stopped) return false;
    let release: (() => void) | undefined;
    try {
      release = lockfile.lockSync(this.path, { lockfilePath: this.lockPath, realpath: false, stale: 10_000 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ELOCKED") return false;
      this.stop(error);
      return false;
    }
    try {
      this.followPath();
      this.indexNewLines();
      const size = fs.fstatSync(this.fd).size;
      // Nobody writes while the lock is held: bytes after the last whole line are a cut write.
      if (size > this.bytes) fs.ftruncateSync(this.fd, this.bytes);
      this.pending = this.pending.filter((e) => e.seq > this.lastSeq);
      const first = this.pending[0];
      if (first === undefined) return true;
      if (first.seq !== this.lastSeq + 1) return false;
      let run = 1;
      while (run < this.pending.length && (this.pending[run] as CopyLine).seq === first.seq + run) run++;
      const lines = this.pending.slice(0, run);
      const text = lines.map((e) => e.line).join("\n") + "\n";
      const written = fs.writeSync(this.fd, text, this.bytes, "utf8");
      const expected = Buffer.byteLength(text);
      if (written !== expected) throw new Error(`wrote ${written} of ${expected} bytes`);
      let offset = this.bytes;
      for (const entry of lines) {
        const length = Buffer.byteLength(entry.line);
        this.offsets.push(offset);
        this.lengths.push(length);
        offset += length + 1;
      }
      this.bytes = offset;
      this.pending = this.pending.slice(run);
      return this.pending.length === 0;
    } catch (error) {
      this.stop(error);
      return false;
    } finally {
      try {
        release();
      } catch {
        // the lock was taken over as stale: the next write checks the file again
      }
    }
  }

  /**
   * The next seq range the copy lacks to hold every event up to `upTo` (the store's last seq):
   * before the queue, or after it. Undefined when the queue covers it (or the copy stopped).
   */
  missing(upTo: number): { from: number; to: number } | undefined {
    if (this.stopped) return undefined;
    try {
      this.indexNewLines();
    } catch (error) {
      this.stop(error);
      return undefined;
    }
    this.pending = this.pending.filter((e) => e.seq > this.lastSeq);
    const next = this.lastSeq + 1;
    const first = this.pending[0]?.seq;
    if (first !== undefined && first > next) return { from: next, to: first - 1 };
    const end = this.pending.at(-1)?.seq ?? this.lastSeq;
    return end < upTo ? { from: end + 1, to: upTo } : undefined;
  }

  /** Lines read from the database for missing(), in seq order: queued and written; false if not all written. */
  fill(lines: readonly CopyLine[]): boolean {
    const head = lines[0];
    const tail = lines.at(-1);
    if (this.stopped || head === undefined || tail === undefined) return false;
    const first = this.pending[0];
    const last = this.pending.at(-1);
    if (first === undefined || last === undefined) this.pending = [...lines];
    else if (tail.seq + 1 === first.seq) this.pending = [...lines, ...this.pending];
    else if (last.seq + 1 === head.seq) this.pending.push(...lines);
    else return false;
    return this.write();
  }

  /** Events `seqs` (ascending) read from the copy, or undefined when it does not hold them all. */
  read(seqs: readonly number[]): AuditEvent[] | undefined {
    if (this.stopped) return undefined;
    const highest = seqs.at(-1);
    if (highest === undefined) return [];
    try {
      if (highest > this.lastSeq) this.indexNewLines();
      if (highest > this.lastSeq) return undefined;
      const out: AuditEvent[] = [];
      let i = 0;
      while (i < seqs.length) {
        let j = i;
        while (j + 1 < seqs.length && seqs[j + 1] === (seqs[j] as number) + 1) j++;
        const start = this.offsets[seqs[i] as number] as number;
        const last = seqs[j] as number;
        const end = (this.offsets[last] as number) + (this.lengths[last] as number);
        const buf = readAt(this.fd, start, end - start);
        for (let k = i; k <= j; k++) {
          const seq = seqs[k] as number;
          const at = (this.offsets[seq] as number) - start;
          const decoded = this.readBack.decode(
            seq,
            buf.toString("utf8", at, at + (this.lengths[seq] as number)),
          );
          if (!decoded.ok || decoded.event.seq !== seq)
            throw new Error(
              `its line for seq ${seq} cannot be used (${decoded.ok ? "another seq" : decoded.detail})`,
            );
          out.push(decoded.event);
        }
        i = j + 1;
      }
      return out;
    } catch (error) {
      this.stop(error);
      return undefined;
    }
  }

  close(): void {
    if (!this.stopped) this.write();
    this.stopped = true;
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }

  private lineAt(seq: number): string | undefined {
    const offset = this.offsets[seq];
    const length = this.lengths[seq];
    if (offset === undefined || length === undefined) return undefined;
    return readAt(this.fd, offset, length).toString("utf8");
  }

  /** Indexes whole lines appended since the last look (by this process or another). */
  private indexNewLines(): void {
    const size = fs.fstatSync(this.fd).size;
    if (size < this.bytes) throw new Error(`${this.path} is shorter than what was read of it`);
    while (this.bytes < size) {
      const buf = readAt(this.fd, this.bytes, Math.min(READ_CHUNK, size - this.bytes));
      let start = 0;
      for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
        const seq = this.offsets.length;
        const prefix = `{"seq":${seq},`;
        if (buf.toString("utf8", start, Math.min(nl, start + prefix.length)) !== prefix)
          throw new Error(`line ${seq + 1} of ${this.path} is not event ${seq}`);
        this.offsets.push(this.bytes + start);
        this.lengths.push(nl - start);
        start = nl + 1;
      }
      if (start === 0) {
        // No whole line in this chunk: a line longer than the chunk, or an unfinished write.
        if (buf.length < READ_CHUNK) return;
        throw new Error(`${this.path} has a line longer than ${READ_CHUNK} bytes`);
      }
      this.bytes += start;
    }
  }

  /** Reopens the path when another process set the file this one has open aside. */
  private followPath(): void {
    const onDisk = fs.statSync(this.path, { throwIfNoEntry: false });
    const open = fs.fstatSync(this.fd);
    if (onDisk !== undefined && onDisk.ino === open.ino && onDisk.dev === open.dev) return;
    this.reopen();
  }

  private reopen(): void {
    fs.closeSync(this.fd);
    this.fd = openCopy(this.path);
    this.offsets = [];
    this.lengths = [];
    this.bytes = 0;
  }

  private setAside(why: string): void {
    const aside = `${this.path}.set-aside-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    this.logger.warn(
      `the local copy of the audit log ${this.path} does not match the database (${why}): the database's log was ` +
        `restored from an older backup or rewritten. The copy is kept as ${aside}; compare it with ` +
        "`npm run audit:verify -- --database-url URL` before trusting the database. A new copy is written.",
    );
    fs.renameSync(this.path, aside);
    this.reopen();
    this.pending = [];
  }

  private stop(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pending = [];
    this.logger.warn(
      `stopped keeping the local copy of the audit log ${this.path} (${(error as Error).message}); audit reads go to ` +
        "the database. Remove the file to have it written anew at the next start.",
    );
  }
}

function openCopy(path: string): number {
  return fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | NOFOLLOW, 0o600);
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}
