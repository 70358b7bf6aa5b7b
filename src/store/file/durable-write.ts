import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { dirname } from "node:path";
import { fsyncDir } from "./fs-util.js";

// The one way the store writes a whole file: to a temp file beside it, fsynced, renamed over the
// target, and the directory fsynced. A reader sees the old file or the new one, never half of
// one, and once this returns the new file survives a crash (POSIX makes a rename durable only
// with an fsync of its directory). The content is written through a callback, in pieces: a large
// base, import batch or snapshot is never one string, and a snapshot's header goes in front last.

/** Where the content goes: appended in order, or at a given byte (a header written last). */
export interface DurableOutput {
  /** Appends `data` after what was appended so far. */
  write(data: string | Uint8Array): void;
  /** Writes `data` at byte `position`; appends continue where they were. */
  writeAt(data: Uint8Array, position: number): void;
}

function writeFully(fd: number, data: Uint8Array, position: number): void {
  let done = 0;
  while (done < data.length) done += fs.writeSync(fd, data, done, data.length - done, position + done);
}

/**
 * Writes `target` durably through `temp` (a new name in the same directory, which the caller
 * chooses so that its own clean-up recognises a leftover). On any error the temp file is removed
 * and the target is untouched.
 */
export function writeDurably(target: string, temp: string, content: (out: DurableOutput) => void): void {
  const fd = fs.openSync(temp, "wx");
  try {
    let position = 0;
    content({
      write: (data) => {
        const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
        writeFully(fd, bytes, position);
        position += bytes.length;
      },
      writeAt: (data, at) => writeFully(fd, data, at),
    });
    fs.fsyncSync(fd);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fsyncDir(dirname(target));
}

/**
 * writeDurably for text written in order, in pieces (`write` is called once per piece).
 * Returns the sha256 of the bytes written, which the hash chain records.
 */
export function writeHashedDurably(
  target: string,
  temp: string,
  content: (write: (text: string) => void) => void,
): string {
  const sha = createHash("sha256");
  writeDurably(target, temp, (out) =>
    content((text) => {
      const buf = Buffer.from(text, "utf8");
      sha.update(buf);
      out.write(buf);
    }),
  );
  return sha.digest("hex");
}
