import type { CorpusRow } from "./load.js";

// The development corpora are split in two fixed halves, so rules tuned while reading one half
// can be checked on the other. The split is by a hash of the row id, except for BIPIA, where
// every attack instruction occurs in 20 e-mails: there the split is by attack (even attack index
// in the development half, odd in the held-out half), so no held-out attack was ever seen.
// Duplicate pairs are split by a hash of their two issue ids.

export const HALVES = ["all", "development", "held-out"] as const;
export type Half = (typeof HALVES)[number];

/** FNV-1a, 32 bits: stable across runs and platforms. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The attack id of a BIPIA row ("bipia-train-<group>-<i>"), or null for other sources. */
export function attackId(row: CorpusRow): string | null {
  if (row.source === "bipia-attack") return row.id;
  if (row.source === "bipia-email-injected") return row.id.split("|")[1] ?? null;
  return null;
}

export function halfOf(row: CorpusRow): Exclude<Half, "all"> {
  const attack = attackId(row);
  if (attack !== null) {
    const index = Number(attack.slice(attack.lastIndexOf("-") + 1));
    return Number.isInteger(index) && index % 2 === 1 ? "held-out" : "development";
  }
  return fnv1a(row.id) % 2 === 0 ? "development" : "held-out";
}

/** Duplicate pairs: by an FNV-1a hash of the two issue ids (sorted, joined by a space). */
export function pairHalf(a: string, b: string): Exclude<Half, "all"> {
  const [first, second] = a < b ? [a, b] : [b, a];
  return fnv1a(`${first} ${second}`) % 2 === 0 ? "development" : "held-out";
}

export function inHalf(row: CorpusRow, half: Half): boolean {
  return half === "all" || halfOf(row) === half;
}
