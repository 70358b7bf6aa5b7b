import { grow } from "./typed-array.js";

/**
 * The postings of every term, in one Uint32Array arena of growing blocks: each block is
 * [next block offset, used, capacity, entries...], and offset 0 means "none". A term's blocks
 * form a list from `first(term)`.
 */

// An entry packs (doc << 8) | wtf into a uint32: at most 2^24 document slots, and the weighted
// term frequency capped at 255.
export const MAX_DOCS = 1 << 24;
export const WTF_MASK = 0xff;
export const BLOCK_HEADER = 3; // next block offset, used, capacity
const FIRST_BLOCK = 2;
const MAX_BLOCK = 4096;
const MIN_POOL = 1 << 16;

export class Postings {
  private arena = new Uint32Array(MIN_POOL);
  private used = 4;
  private head = new Uint32Array(1024);
  private tail = new Uint32Array(1024);

  /** The arena, for a scan loop: read `pool[block]` (next), `pool[block + 1]` (used), entries from `block + BLOCK_HEADER`. */
  get pool(): Uint32Array {
    return this.arena;
  }

  get byteLength(): number {
    return this.arena.byteLength;
  }

  /** The first block of a term's list (0: no postings). */
  first(term: number): number {
    return this.head[term] ?? 0;
  }

  /** Makes room for term ids below `size`. */
  growTerms(size: number): void {
    this.head = grow(this.head, size);
    this.tail = grow(this.tail, size);
  }

  append(term: number, entry: number): void {
    let tail = this.tail[term] ?? 0;
    if (tail === 0 || (this.arena[tail + 1] ?? 0) === (this.arena[tail + 2] ?? 0)) {
      const capacity = tail === 0 ? FIRST_BLOCK : Math.min(MAX_BLOCK, (this.arena[tail + 2] ?? 0) * 2);
      const block = this.allocateBlock(capacity);
      if (tail === 0) this.head[term] = block;
      else this.arena[tail] = block;
      this.tail[term] = block;
      tail = block;
    }
    const used = this.arena[tail + 1] ?? 0;
    this.arena[tail + BLOCK_HEADER + used] = entry;
    this.arena[tail + 1] = used + 1;
  }

  /** Drops every posting, keeping room for about `expected` of them. */
  clear(expected: number): void {
    this.arena = new Uint32Array(Math.max(MIN_POOL, expected));
    this.used = 4;
    this.head.fill(0);
    this.tail.fill(0);
  }

  private allocateBlock(capacity: number): number {
    const size = BLOCK_HEADER + capacity;
    if (this.used + size > this.arena.length) {
      this.arena = grow(this.arena, Math.max(Math.ceil(this.arena.length * 1.5), this.used + size));
    }
    const block = this.used;
    this.arena[block] = 0;
    this.arena[block + 1] = 0;
    this.arena[block + 2] = capacity;
    this.used += size;
    return block;
  }
}
