import type { AuditEvent } from "../../domain/audit-events.js";
import { decodeLine, type DecodeResult } from "./event-codec.js";
import { deepFreeze } from "./sorted.js";

/** How many decoded events a reader keeps: a few desk pages and ticket histories, about 10 MB. */
export const READ_BACK_CAPACITY = 2048;

/**
 * Audit lines read back from a file, decoded and checked once. A later read of the same seq gets
 * the same (frozen) event only when the stored bytes are exactly the line that was checked:
 * a line changed on disk since is decoded and checked again, so it is caught as before. Least
 * recently read events leave first.
 */
export class ReadBack {
  private readonly bySeq = new Map<number, { readonly line: string; readonly event: AuditEvent }>();

  constructor(private readonly capacity = READ_BACK_CAPACITY) {}

  decode(seq: number, line: string): DecodeResult {
    const kept = this.bySeq.get(seq);
    if (kept !== undefined && kept.line === line) {
      this.bySeq.delete(seq);
      this.bySeq.set(seq, kept);
      return { ok: true, event: kept.event };
    }
    const decoded = decodeLine(line, "fast");
    if (!decoded.ok || decoded.event.seq !== seq) {
      this.bySeq.delete(seq);
      return decoded;
    }
    const event = deepFreeze(decoded.event);
    this.bySeq.delete(seq);
    this.bySeq.set(seq, { line, event });
    if (this.bySeq.size > this.capacity) {
      const oldest = this.bySeq.keys().next();
      if (oldest.done !== true) this.bySeq.delete(oldest.value);
    }
    return { ok: true, event };
  }

  get size(): number {
    return this.bySeq.size;
  }
}
