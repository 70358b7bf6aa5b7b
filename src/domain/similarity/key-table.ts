/**
 * Folded keys to term ids, looked up by a range of the text and its hash (`keyHash`), so a word
 * seen before costs no string: open addressing with linear probing, grown at half load. A slot
 * keeps the hash beside the value (one cache line per probe); the key itself is read only to
 * confirm a hash match. Values are small integers (a term id, or -1 for a dropped word).
 */
export class KeyTable {
  /** What `find` returns for a key that is not in the table. */
  static readonly MISSING = -2;

  // slots[2 * i] = hash, slots[2 * i + 1] = value (MISSING: empty).
  private slots = KeyTable.emptySlots(1 << 12);
  private keys: string[] = new Array<string>(1 << 12).fill("");
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value stored for `text.slice(start, end)`, whose hash is `hash`, or MISSING. */
  find(text: string, start: number, end: number, hash: number): number {
    const slots = this.slots;
    const mask = this.keys.length - 1;
    const length = end - start;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const value = slots[2 * i + 1] ?? KeyTable.MISSING;
      if (value === KeyTable.MISSING) return value;
      if (slots[2 * i] !== hash) continue;
      const key = this.keys[i] ?? "";
      if (key.length !== length) continue;
      let j = 0;
      while (j < length && key.charCodeAt(j) === text.charCodeAt(start + j)) j++;
      if (j === length) return value;
    }
  }

  /** Stores a key that is not in the table yet. */
  insert(key: string, hash: number, value: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.resize(this.keys.length * 2);
    this.place(key, hash, value);
    this.count++;
  }

  private place(key: string, hash: number, value: number): void {
    const mask = this.keys.length - 1;
    let i = hash & mask;
    while (this.slots[2 * i + 1] !== KeyTable.MISSING) i = (i + 1) & mask;
    this.slots[2 * i] = hash;
    this.slots[2 * i + 1] = value;
    this.keys[i] = key;
  }

  private resize(size: number): void {
    const { slots, keys } = this;
    this.slots = KeyTable.emptySlots(size);
    this.keys = new Array<string>(size).fill("");
    for (let i = 0; i < keys.length; i++) {
      const value = slots[2 * i + 1] ?? KeyTable.MISSING;
      if (value !== KeyTable.MISSING) this.place(keys[i] ?? "", slots[2 * i] ?? 0, value);
    }
  }

  private static emptySlots(size: number): Int32Array {
    const slots = new Int32Array(2 * size);
    for (let i = 1; i < slots.length; i += 2) slots[i] = KeyTable.MISSING;
    return slots;
  }
}
