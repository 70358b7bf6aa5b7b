import { createHash } from "node:crypto";
import * as fs from "node:fs";

// Reads an export file once, in chunks: the text goes to the parser as it is decoded and the
// bytes to the sha256 that identifies the file (a re-import of the same bytes is a no-op).

const CHUNK_BYTES = 1 << 20;

/** The file is not text we can read: reported like a bad row, with the line it is on. */
export class SourceTextError extends Error {
  override readonly name = "SourceTextError";
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SourceRead {
  readonly sha256: string;
  readonly bytes: number;
}

/** Index of the first byte of `buf` that does not start or continue valid UTF-8, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] as number;
    let need: number;
    // The second byte's range excludes overlong forms, surrogates and values above U+10FFFF.
    let low = 0x80;
    let high = 0xbf;
    if (b < 0x80) need = 0;
    else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < low || c > high : (c & 0xc0) !== 0x80) return i;
    }
    i += need + 1;
  }
  return -1;
}

function lineAt(path: string, offset: number): number {
  const fd = fs.openSync(path, "r");
  try {
    const buf = Buffer.alloc(CHUNK_BYTES);
    let line = 1;
    let position = 0;
    while (position < offset) {
      const n = fs.readSync(fd, buf, 0, Math.min(CHUNK_BYTES, offset - position), position);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === 0x0a) line++;
      position += n;
    }
    return line;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Streams `path` as UTF-8 text to `onText` (the byte order mark removed), with the bytes read so
 * far. Throws SourceTextError for bytes that are not UTF-8.
 */
export function readSourceText(
  path: string,
  onText: (text: string, bytesRead: number, totalBytes: number) => void,
): SourceRead {
  const fd = fs.openSync(path, "r");
  const hash = createHash("sha256");
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let position = 0;
  try {
    const total = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK_BYTES, position);
      const chunk = buf.subarray(0, n);
      hash.update(chunk);
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: n > 0 });
      } catch {
        throw notUtf8(path, position, n);
      }
      position += n;
      if (text.length > 0 || n === 0) onText(text, position, Math.max(total, position));
      if (n === 0) break;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: hash.digest("hex"), bytes: position };
}

function notUtf8(path: string, chunkStart: number, chunkLength: number): SourceTextError {
  // Re-read from a little before the chunk: a sequence may have started in the previous one.
  const from = Math.max(0, chunkStart - 3);
  const fd = fs.openSync(path, "r");
  let bad: number;
  try {
    const buf = Buffer.alloc(chunkStart - from + chunkLength);
    const n = fs.readSync(fd, buf, 0, buf.length, from);
    // Start at a character boundary: skip continuation bytes of a sequence begun earlier.
    let start = 0;
    while (start < n && start < chunkStart - from && ((buf[start] as number) & 0xc0) === 0x80) start++;
    const found = firstInvalidUtf8(buf.subarray(start, n));
    bad = found === -1 ? chunkStart + chunkLength : from + start + found;
  } finally {
    fs.closeSync(fd);
  }
  return new SourceTextError(
    lineAt(path, bad),
    `the file is not UTF-8 text (invalid byte at offset ${bad}); save the export as UTF-8 and import again`,
  );
}

/** sha256 of a file's bytes (for a file that could not be read as text). */
export function hashFile(path: string): SourceRead {
  const fd = fs.openSync(path, "r");
  const hash = createHash("sha256");
  let position = 0;
  try {
    const buf = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK_BYTES, position);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      position += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { sha256: hash.digest("hex"), bytes: position };
}
