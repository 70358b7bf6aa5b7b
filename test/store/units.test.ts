import { describe, expect, it } from "vitest";
import { Bitset, pageOfIntersection, popcount32 } from "../../src/store/core/bitset.js";
import {
  canonicalBody,
  decodeLine,
  encodeEvent,
  GENESIS_HASH,
  hashOfBody,
  type UnhashedEvent,
} from "../../src/store/core/event-codec.js";
import { ReadBack } from "../../src/store/core/read-back.js";
import { insertSorted, removeSorted } from "../../src/store/core/sorted.js";

// A small deterministic generator, so failures reproduce.
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

describe("Bitset and pageOfIntersection", () => {
  it("counts bits like a naive loop, including bit 31", () => {
    for (const x of [0, 1, 0x80000000, 0xffffffff, 0x55555555, 0x12345678]) {
      let naive = 0;
      for (let b = 0; b < 32; b++) if ((x >>> b) & 1) naive++;
      expect(popcount32(x | 0)).toBe(naive);
    }
  });

  it("pages intersections of random sets exactly like a brute-force filter", () => {
    const random = rng(42);
    const universe = 1000;
    for (let round = 0; round < 40; round++) {
      const k = 1 + (round % 3);
      const members: Set<number>[] = [];
      const sets: Bitset[] = [];
      for (let i = 0; i < k; i++) {
        const density = 0.2 + random() * 0.7;
        const s = new Set<number>();
        const b = new Bitset(round % 2 === 0 ? 0 : universe);
        for (let n = 0; n < universe; n++) {
          if (random() >= density) continue;
          s.add(n);
          b.add(n);
        }
        // Remove a few again, and re-add one, to exercise delete and count.
        for (const n of [...s].slice(0, 5)) {
          s.delete(n);
          b.delete(n);
        }
        members.push(s);
        sets.push(b);
      }
      const expected = [...Array(universe).keys()].filter((n) => members.every((s) => s.has(n)));
      expect(sets[0]?.count).toBe(members[0]?.size);
      for (const [offset, limit] of [
        [0, 10],
        [7, 25],
        [expected.length - 3, 10],
        [expected.length + 1, 5],
        [0, 0],
      ] as const) {
        const page = pageOfIntersection(sets, Math.max(0, offset), limit);
        expect(page.total).toBe(expected.length);
        expect(page.members).toEqual(expected.slice(Math.max(0, offset), Math.max(0, offset) + limit));
      }
    }
  });
});

describe("Bitset.insertAt", () => {
  it("shifts members at and above the gap up by one, across word boundaries and growth", () => {
    const random = rng(7);
    for (let round = 0; round < 60; round++) {
      const universe = 1 + Math.floor(random() * 200);
      // Exactly full words (32, 64) force the top bit to carry into a new word.
      const size = round < 4 ? [32, 64, 31, 1][round] : universe;
      const members = new Set<number>();
      const set = new Bitset(round % 2 === 0 ? 0 : size);
      for (let n = 0; n < (size as number); n++) {
        if (round < 4 || random() < 0.5) {
          members.add(n);
          set.add(n);
        }
      }
      const gap = Math.floor(random() * ((size as number) + 1));
      set.insertAt(gap);
      const expected = [...members].map((n) => (n >= gap ? n + 1 : n)).sort((a, b) => a - b);
      expect(pageOfIntersection([set], 0, 10_000).members, `round ${round}, gap ${gap}`).toEqual(expected);
      expect(set.count).toBe(members.size);
      expect(set.has(gap)).toBe(false);
    }
  });
});

describe("sorted arrays", () => {
  it("insert and remove keep order and uniqueness", () => {
    const list: number[] = [];
    for (const n of [5, 1, 9, 3, 3, 7, 1]) insertSorted(list, n);
    expect(list).toEqual([1, 3, 5, 7, 9]);
    removeSorted(list, 5);
    removeSorted(list, 4);
    expect(list).toEqual([1, 3, 7, 9]);
  });
});

describe("event codec", () => {
  const event: UnhashedEvent = {
    seq: 1,
    id: "0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f",
    timestamp: "2026-06-01T12:00:00.000Z",
    action: "recommendation-approved",
    ticketId: "TKT-1",
    actor: "reviewer",
    recommendationId: "1f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f",
    fromRevision: 2,
    toRevision: 3,
    // Keys given in another order: the canonical form fixes it.
    changes: [{ after: "billing", field: "team", before: null }],
    data: { note: "x" },
    prevHash: GENESIS_HASH,
  };

  it("writes keys in the fixed order with hash last, and hashes prevHash + newline + body", () => {
    const { line, hash } = encodeEvent(event);
    expect(Object.keys(JSON.parse(line) as object)).toEqual([
      "seq",
      "id",
      "timestamp",
      "action",
      "ticketId",
      "actor",
      "recommendationId",
      "fromRevision",
      "toRevision",
      "changes",
      "data",
      "prevHash",
      "hash",
    ]);
    expect(line).toContain('"changes":[{"field":"team","before":null,"after":"billing"}]');
    expect(line.endsWith(`,"hash":"${hash}"}`)).toBe(true);
    expect(decodeLine(line)).toMatchObject({ ok: true, event: { hash } });
    expect(decodeLine(line, "fast")).toMatchObject({ ok: true, event: { hash } });
  });

  it("detects a changed byte in both modes; only strict rejects a re-hashed cosmetic change", () => {
    const { line } = encodeEvent(event);
    const altered = line.replace('"actor":"reviewer"', '"actor":"reviewes"');
    expect(decodeLine(altered)).toMatchObject({ ok: false, problem: "altered", seq: 1 });
    expect(decodeLine(altered, "fast")).toMatchObject({ ok: false, problem: "altered", seq: 1 });
    expect(decodeLine(line.slice(0, 40))).toMatchObject({ ok: false, problem: "unparseable" });
    expect(decodeLine('{"seq":4}')).toMatchObject({ ok: false, problem: "invalid", seq: 4 });

    const body = canonicalBody(event).replace('"data":{', '"data": {');
    const cosmetic = `${body.slice(0, -1)},"hash":"${hashOfBody(event.prevHash, body)}"}`;
    expect(decodeLine(cosmetic, "fast")).toMatchObject({ ok: true });
    expect(decodeLine(cosmetic)).toMatchObject({ ok: false, problem: "altered" });
  });
});

describe("ReadBack", () => {
  const lineAt = (seq: number, actor = "reviewer"): string =>
    encodeEvent({
      seq,
      id: `0f0f0f0f-0f0f-4f0f-8f0f-${String(seq).padStart(12, "0")}`,
      timestamp: "2026-06-01T12:00:00.000Z",
      action: "recommendation-rejected",
      ticketId: "TKT-1",
      actor,
      data: { feedback: "x" },
      prevHash: GENESIS_HASH,
    }).line;

  it("hands the same frozen event back for the same bytes, and checks changed bytes again", () => {
    const reads = new ReadBack();
    const first = reads.decode(1, lineAt(1));
    const again = reads.decode(1, lineAt(1));
    if (!first.ok || !again.ok) throw new Error("expected both reads to decode");
    expect(again.event).toBe(first.event);
    expect(Object.isFrozen(first.event)).toBe(true);
    expect(Object.isFrozen(first.event.data)).toBe(true);

    // The same seq with other bytes: a forged edit is caught even though seq 1 was read before.
    const forged = lineAt(1).replace('"actor":"reviewer"', '"actor":"reviewes"');
    expect(reads.decode(1, forged)).toMatchObject({ ok: false, problem: "altered", seq: 1 });
    // A valid line for another event at that seq is decoded afresh, not served from before.
    const other = reads.decode(1, lineAt(1, "someone"));
    expect(other).toMatchObject({ ok: true, event: { actor: "someone" } });
    // A line that holds another seq is handed back as decoded, and not kept.
    expect(reads.decode(2, lineAt(1))).toMatchObject({ ok: true, event: { seq: 1 } });
    expect(reads.size).toBe(1);
  });

  it("keeps at most its capacity, dropping the least recently read", () => {
    const reads = new ReadBack(2);
    const one = reads.decode(1, lineAt(1));
    reads.decode(2, lineAt(2));
    reads.decode(1, lineAt(1)); // 1 is now the most recent
    reads.decode(3, lineAt(3)); // 2 leaves
    expect(reads.size).toBe(2);
    const oneAgain = reads.decode(1, lineAt(1));
    const twoAgain = reads.decode(2, lineAt(2));
    if (!one.ok || !oneAgain.ok || !twoAgain.ok) throw new Error("expected the reads to decode");
    expect(oneAgain.event).toBe(one.event);
    expect(reads.size).toBe(2);
  });
});
