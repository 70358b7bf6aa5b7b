import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readSync,
  statSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { threadId } from "node:worker_threads";

/** Makes a rename, link or unlink inside `dir` durable (POSIX needs an fsync of the directory). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch (error) {
    // Some platforms refuse to fsync a directory; the data itself was fsynced already.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EISDIR" && code !== "EINVAL" && code !== "EPERM" && code !== "EBADF") throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Cuts a file back to `bytes`, durably (a torn or failed append of audit.jsonl). */
export function truncateDurably(path: string, bytes: number): void {
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, bytes);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The names in `dir`; none when it does not exist (yet). */
export function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return [];
    throw error;
  }
}

export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Who wrote a lock owner record or a claim. */
export interface ProcessIdentity {
  readonly pid: number;
  readonly hostname: string;
  readonly threadId?: number | undefined;
}

export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, hostname: hostname(), threadId };
}

/**
 * "self": this very thread. "alive"/"dead": a process on this host, by `kill(pid, 0)`.
 * "unknown": another host, or another thread of this process; callers fall back to age.
 */
export type Liveness = "self" | "alive" | "dead" | "unknown";

export function livenessOf(owner: ProcessIdentity): Liveness {
  if (owner.hostname !== hostname()) return "unknown";
  if (owner.pid === process.pid) {
    return owner.threadId === undefined || owner.threadId === threadId ? "self" : "unknown";
  }
  try {
    process.kill(owner.pid, 0);
    return "alive";
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return errnoCode(error) === "ESRCH" ? "dead" : "alive";
  }
}

/** Reads exactly `length` bytes at `position` (short reads only at end of file). */
export function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? buf : buf.subarray(0, done);
}

const CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Calls `visit` for every complete line ("\n"-terminated) in [start, end) of the file, with its
 * text, byte offset and byte length (without "\n"). Stops early when `visit` returns false.
 * Returns the offset just past the last visited line, i.e. where unconsumed bytes begin.
 */
export function forEachLine(
  fd: number,
  start: number,
  end: number,
  visit: (text: string, offset: number, length: number) => boolean,
): number {
  let pos = start;
  let carry: Buffer | undefined;
  let consumed = start;
  const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, end - start)));
  while (pos < end) {
    const n = readSync(fd, chunk, 0, Math.min(chunk.length, end - pos), pos);
    if (n === 0) break;
    const data = carry === undefined ? chunk.subarray(0, n) : Buffer.concat([carry, chunk.subarray(0, n)]);
    const dataStart = pos - (carry?.length ?? 0);
    let lineStart = 0;
    for (let nl = data.indexOf(10, lineStart); nl !== -1; nl = data.indexOf(10, lineStart)) {
      const offset = dataStart + lineStart;
      if (!visit(data.toString("utf8", lineStart, nl), offset, nl - lineStart)) return offset;
      lineStart = nl + 1;
      consumed = dataStart + lineStart;
    }
    // The chunk buffer is reused, so a partial line is copied out.
    carry = lineStart < data.length ? Buffer.from(data.subarray(lineStart)) : undefined;
    pos += n;
  }
  return consumed;
}

/**
 * The path, from `dir` upwards, that exists but is not a directory: what makes creating `dir`
 * fail with EEXIST or ENOTDIR. Undefined when there is none.
 */
export function fileInTheWay(dir: string): string | undefined {
  for (let path = resolve(dir); ; path = dirname(path)) {
    try {
      return statSync(path).isDirectory() ? undefined : path;
    } catch {
      // Missing (or below a file): look one level up.
    }
    if (dirname(path) === path) return undefined;
  }
}
