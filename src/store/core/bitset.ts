// A growable set of small non-negative integers (ticket ranks), one bit each. Ticket indexes
// (by status, team, category, priority) are bitsets over ranks, so moving a ticket between
// index values is O(1), and a filtered, paged listing ANDs a few thousand words in id order.

export class Bitset {
  words: Uint32Array;
  count = 0;

  constructor(capacity = 0) {
    this.words = new Uint32Array(Math.max(1, Math.ceil(capacity / 32)));
  }

  has(bit: number): boolean {
    const w = bit >>> 5;
    return w < this.words.length && ((this.words[w] as number) & (1 << (bit & 31))) !== 0;
  }

  add(bit: number): void {
    const w = bit >>> 5;
    if (w >= this.words.length) {
      const grown = new Uint32Array(Math.max(w + 1, this.words.length * 2));
      grown.set(this.words);
      this.words = grown;
    }
    const mask = 1 << (bit & 31);
    const word = this.words[w] as number;
    if ((word & mask) === 0) {
      this.words[w] = word | mask;
      this.count++;
    }
  }

  /**
   * Opens a gap at `bit`: every member >= bit moves up by one, `bit` itself becomes unset.
   * (A ticket inserted in the middle of id order shifts the ranks after it.) O(words).
   */
  insertAt(bit: number): void {
    const w0 = bit >>> 5;
    const last = this.words.length - 1;
    if (w0 > last) return;
    if ((this.words[last] as number) >>> 31 !== 0) {
      const grown = new Uint32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    const words = this.words;
    for (let w = words.length - 1; w > w0; w--) {
      words[w] = ((words[w] as number) << 1) | ((words[w - 1] as number) >>> 31);
    }
    const low = bit & 31;
    const lowMask = low === 0 ? 0 : 0xffffffff >>> (32 - low);
    const x = words[w0] as number;
    words[w0] = (x & lowMask) | ((x & ~lowMask) << 1);
  }

  delete(bit: number): void {
    const w = bit >>> 5;
    if (w >= this.words.length) return;
    const mask = 1 << (bit & 31);
    const word = this.words[w] as number;
    if ((word & mask) !== 0) {
      this.words[w] = word & ~mask;
      this.count--;
    }
  }
}

export function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

/**
 * The members of the intersection of `sets`, in ascending order, from the `offset`-th one, at
 * most `limit` of them, and how many members the intersection has in total.
 */
export function pageOfIntersection(
  sets: readonly Bitset[],
  offset: number,
  limit: number,
): { members: number[]; total: number } {
  const members: number[] = [];
  if (sets.length === 0) return { members, total: 0 };
  const first = sets[0] as Bitset;
  let words = first.words.length;
  for (const s of sets) words = Math.min(words, s.words.length);
  // With one set the total is known, so the walk can stop once the page is full.
  const knownTotal = sets.length === 1 ? first.count : -1;
  let seen = 0;
  for (let w = 0; w < words; w++) {
    let x = first.words[w] as number;
    for (let i = 1; i < sets.length && x !== 0; i++) x &= (sets[i] as Bitset).words[w] as number;
    if (x === 0) continue;
    const n = popcount32(x);
    if (seen + n <= offset || members.length >= limit) {
      seen += n;
      if (members.length >= limit && knownTotal >= 0) return { members, total: knownTotal };
      continue;
    }
    while (x !== 0) {
      const low = x & -x;
      if (seen >= offset && members.length < limit) members.push(w * 32 + (31 - Math.clz32(low)));
      seen++;
      x ^= low;
    }
  }
  return { members, total: knownTotal >= 0 ? knownTotal : seen };
}
