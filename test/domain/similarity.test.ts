import { describe, expect, it } from "vitest";
import { compareTicketIds } from "../../src/domain/ids.js";
import {
  TicketIndex,
  type SimilarTicket,
  type TicketText,
} from "../../src/domain/similarity/ticket-index.js";
import { terms, termOfKey, ticketKeys } from "../../src/domain/text/index.js";

// ------------------------------------------------------------------------------------------------
// Fixtures: our own tickets. Three near-duplicate groups, unrelated tickets, and "noise" tickets
// that share many everyday words with everything.

const T = (id: string, subject: string, description: string): TicketText => ({ id, subject, description });

const GROUPS: TicketText[] = [
  T(
    "SUP-101",
    "Checkout page returns 502 in APAC",
    "Since 09:00 every checkout request from Singapore and Sydney ends with a 502 from the edge proxy apac-lb-4.",
  ),
  T(
    "SUP-102",
    "APAC shoppers get 502 at checkout",
    "Customers in Sydney see HTTP 502 on the checkout page; the proxy apac-lb-4 is in the response headers.",
  ),
  T(
    "SUP-103",
    "502 errors on checkout (Asia Pacific)",
    "Checkout fails with 502 for APAC traffic, edge node apac-lb-4.",
  ),
  T(
    "SUP-201",
    "Webhook signature invalid after rotating secret",
    "We rotated the signing secret and now every webhook delivery fails HMAC signature verification.",
  ),
  T(
    "SUP-202",
    "HMAC verification failing for webhooks",
    "After the signing secret rotation, webhook signatures no longer verify on our receiver.",
  ),
  T(
    "SUP-301",
    "Refund the duplicate charge on invoice 7781",
    "Invoice 7781 was charged twice on the corporate card. Please refund one of the charges.",
  ),
  T(
    "SUP-302",
    "Charged twice for invoice 7781",
    "Our card statement shows invoice 7781 paid twice; we need the duplicate refunded.",
  ),
];

const UNRELATED: TicketText[] = [
  T("SUP-401", "Add dark theme to the reporting console", "A dark colour scheme would help our night shift."),
  T(
    "SUP-402",
    "CSV export drops the territory column",
    "Exports from the CRM sync omit the custom territory field.",
  ),
  T(
    "SUP-403",
    "Transfer workspace ownership",
    "The previous owner left; move ownership to the operations lead.",
  ),
  T(
    "SUP-404",
    "Search takes 12 seconds on large projects",
    "Global search is slow with half a million records.",
  ),
];

// Everyday support words repeated across many tickets: a set-overlap measure is fooled by them.
const NOISE: TicketText[] = Array.from({ length: 30 }, (_, i) =>
  T(
    `NOISE-${i + 1}`,
    "Please help, users are blocked again",
    "Since this morning our users are blocked and the app shows an error every time. Please help, the team is waiting and users keep seeing the error again.",
  ),
);

function build(tickets: readonly TicketText[], options = {}): TicketIndex {
  const index = new TicketIndex(options);
  for (const t of tickets) index.add(t);
  return index;
}

const ALL = [...GROUPS, ...UNRELATED, ...NOISE];

// ------------------------------------------------------------------------------------------------
// Brute-force reference: the documented scoring function, computed from scratch over all tickets.
// Counts are in half-occurrences (a camelCase part counts half a word).

const SUBJECT_WEIGHT = 3;

function vectorCounts(t: { subject: string; description: string }): Map<string, { s: number; b: number }> {
  const counts = new Map<string, { s: number; b: number }>();
  for (const [text, field] of [
    [t.subject, "s"],
    [t.description, "b"],
  ] as const) {
    for (const { key, units } of ticketKeys(text)) {
      const term = termOfKey(key);
      if (term === "") continue;
      const c = counts.get(term) ?? { s: 0, b: 0 };
      c[field] += units;
      counts.set(term, c);
    }
  }
  return counts;
}

/** The damped term frequency of f occurrences: 1 + ln(f), and f itself below one occurrence. */
const tf = (f: number): number => (f >= 1 ? 1 + Math.log(f) : f);

function bruteForce(
  corpus: readonly TicketText[],
  queryId: string,
  k: number,
  floor = 0.1,
): { ticketId: string; confidence: number }[] {
  const latest = new Map<string, TicketText>();
  for (const t of corpus) latest.set(t.id, t);
  const docs = [...latest.values()].map((t) => ({ id: t.id, counts: vectorCounts(t) }));
  const n = docs.length;
  const df = new Map<string, number>();
  for (const d of docs) for (const term of d.counts.keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const vector = (counts: Map<string, { s: number; b: number }>) => {
    const v = new Map<string, number>();
    for (const [term, { s, b }] of counts) {
      const wtf = Math.min(255, SUBJECT_WEIGHT * s + b) / 2;
      v.set(term, tf(wtf) * Math.log(1 + n / (df.get(term) ?? 1)));
    }
    return v;
  };
  const norm = (v: Map<string, number>) => Math.sqrt([...v.values()].reduce((a, x) => a + x * x, 0));
  const query = docs.find((d) => d.id === queryId);
  if (query === undefined) return [];
  const qv = vector(query.counts);
  const qn = norm(qv);
  const scored = docs
    .filter((d) => d.id !== queryId)
    .map((d) => {
      const dv = vector(d.counts);
      let dot = 0;
      for (const [term, w] of qv) dot += w * (dv.get(term) ?? 0);
      return { ticketId: d.id, cosine: dot / (qn * norm(dv)) };
    })
    .filter((s) => s.cosine >= floor)
    .map((s) => ({ ticketId: s.ticketId, confidence: Math.round(s.cosine * 1000) / 1000 }));
  scored.sort((a, b) => b.confidence - a.confidence || compareTicketIds(a.ticketId, b.ticketId));
  return scored.slice(0, k);
}

function jaccard(a: TicketText, b: TicketText): number {
  const sa = new Set(terms(`${a.subject} ${a.description}`));
  const sb = new Set(terms(`${b.subject} ${b.description}`));
  let shared = 0;
  for (const x of sa) if (sb.has(x)) shared++;
  return shared / (sa.size + sb.size - shared);
}

const brief = (r: SimilarTicket[]) => r.map((c) => ({ ticketId: c.ticketId, confidence: c.confidence }));

// ------------------------------------------------------------------------------------------------

describe("TicketIndex: ranking", () => {
  const index = build(ALL);

  it("finds paraphrased duplicates above tickets that only share everyday words (where Jaccard fails)", () => {
    // The query ticket also carries the everyday words of the noise tickets.
    // A verbose ticket: mostly everyday words, the actual problem in one sentence.
    const query = T(
      "SUP-900",
      "Urgent: please help, webhooks broken",
      "Since this morning our users are blocked and the app shows an error every time. Please help, the team is waiting. Webhook signature checks fail since we rotated the secret.",
    );
    const withQuery = build([...ALL, query]);

    // Set overlap prefers a noise ticket over the real duplicates...
    const byJaccard = ALL.map((t) => ({ id: t.id, score: jaccard(query, t) })).sort(
      (a, b) => b.score - a.score,
    );
    expect(byJaccard[0]?.id).toMatch(/^NOISE-/);

    // ...term weighting does not.
    const result = withQuery.similar("SUP-900", 5);
    expect(
      result
        .slice(0, 2)
        .map((c) => c.ticketId)
        .sort(),
    ).toEqual(["SUP-201", "SUP-202"]);
    for (const c of result)
      if (c.ticketId.startsWith("NOISE-")) expect(c.confidence).toBeLessThan(result[1]?.confidence ?? 0);
  });

  // Close paraphrases score 0.5 and more; the APAC group is worded very differently and lands
  // lower, yet every group member still ranks far above everything else.
  it.each([
    ["SUP-101", ["SUP-102", "SUP-103"], 0.25],
    ["SUP-102", ["SUP-101", "SUP-103"], 0.25],
    ["SUP-103", ["SUP-101", "SUP-102"], 0.25],
    ["SUP-201", ["SUP-202"], 0.5],
    ["SUP-202", ["SUP-201"], 0.5],
    ["SUP-301", ["SUP-302"], 0.5],
    ["SUP-302", ["SUP-301"], 0.5],
  ])("%s: its group comes first (confidence >= %s), the rest stays low", (id, group, min) => {
    const result = index.similar(id, 5);
    expect(
      result
        .slice(0, group.length)
        .map((c) => c.ticketId)
        .sort(),
    ).toEqual(group);
    for (const c of result.slice(0, group.length)) expect(c.confidence).toBeGreaterThanOrEqual(min);
    for (const c of result.slice(group.length)) expect(c.confidence).toBeLessThan(0.15);
  });

  it("does not return unrelated tickets (minimum confidence)", () => {
    for (const t of UNRELATED) {
      const result = index.similar(t.id, 5);
      for (const c of result) expect(c.confidence).toBeGreaterThanOrEqual(0.1);
      expect(result.map((c) => c.ticketId).filter((id) => id.startsWith("SUP-"))).toEqual([]);
    }
  });

  it("never returns the ticket itself, even next to an exact copy", () => {
    const twins = build([...ALL, T("SUP-999", GROUPS[0]?.subject ?? "", GROUPS[0]?.description ?? "")]);
    for (const t of [...ALL, { id: "SUP-999" }]) {
      expect(twins.similar(t.id, 50).map((c) => c.ticketId)).not.toContain(t.id);
    }
    const [copy] = twins.similar("SUP-101", 5);
    expect(copy).toMatchObject({ ticketId: "SUP-999", confidence: 1 });
  });

  it("returns at most k, confidences in 0..1 sorted desc, ties by ticket id", () => {
    for (const t of ALL) {
      const result = index.similar(t.id, 3);
      expect(result.length).toBeLessThanOrEqual(3);
      for (let i = 0; i < result.length; i++) {
        const c = result[i];
        expect(c?.confidence).toBeGreaterThanOrEqual(0);
        expect(c?.confidence).toBeLessThanOrEqual(1);
        const prev = result[i - 1];
        if (prev && c) {
          expect(
            prev.confidence > c.confidence ||
              (prev.confidence === c.confidence && compareTicketIds(prev.ticketId, c.ticketId) < 0),
          ).toBe(true);
        }
      }
    }
    // The noise tickets are identical: ties everywhere, ordered by id (numerically: 1, 2, ... 10).
    const noise = index.similar("NOISE-5", 4).map((c) => c.ticketId);
    expect(noise).toEqual(["NOISE-1", "NOISE-2", "NOISE-3", "NOISE-4"]);
    expect(index.similar("SUP-101", 0)).toEqual([]);
  });

  it("returns [] for an unknown id and for an empty index", () => {
    expect(index.similar("SUP-000", 5)).toEqual([]);
    expect(new TicketIndex().similar("SUP-101", 5)).toEqual([]);
    expect(new TicketIndex().similarText({ subject: "anything", description: "at all" }, 5)).toEqual([]);
  });
});

describe("TicketIndex: evidence", () => {
  const index = build(ALL);

  it("names the strongest shared terms as written, marking the ones shared in the subject", () => {
    const [top] = index.similar("SUP-201", 1);
    if (top === undefined) throw new Error("expected a similar ticket");
    expect(top.ticketId).toBe("SUP-202");
    expect(top.evidence).toMatch(/^Shared terms: [^;]+ \(subject\)(; .+)?$/);
    // Surface forms, never stems.
    expect(top.sharedTerms).toContain("signature");
    expect(top.sharedTerms).not.toContain("signatur");
    // The sentence names the strongest six shared terms, subject ones first.
    const named = top.evidence
      .replace(/^Shared terms: /, "")
      .replace(" (subject)", "")
      .split(/; |, /);
    expect([...named].sort()).toEqual(top.sharedTerms.slice(0, 6).sort());
    expect(top.evidence).toMatch(/^Shared terms: webhook \(subject\); /);
  });

  it("similarText shows the query's own words", () => {
    const [top] = index.similarText(
      { subject: "Rotated secrets break webhook signatures", description: "HMAC verification failing." },
      1,
    );
    expect(top?.ticketId).toMatch(/^SUP-20[12]$/);
    expect(top?.sharedTerms).toContain("signatures");
    expect(top?.sharedTerms).toContain("rotated");
  });
});

describe("TicketIndex: names, identifiers and versions", () => {
  // Bug reports and tickets name classes, artifacts and advisories; the same name in two tickets
  // is evidence, even when one writes it as an identifier and the other in words.
  const NAMES: TicketText[] = [
    T("BUG-1", "ReadAheadCounters flaky", "The test fails now and then on the build server."),
    T("BUG-2", "Read ahead counters are wrong", "After a seek the read ahead counters stay at zero."),
    T("BUG-3", "Flaky build", "The build server fails now and then on the test stage."),
    T("BUG-4", "Upgrade jackson-databind for CVE-2022-42003", "Bump the version."),
    T("BUG-5", "Bump jackson-databind", "Fixes CVE-2022-42003 in the current version."),
    T("BUG-6", "Upgrade jackson-core", "Bump the version of jackson core, no CVE."),
    T("BUG-7", "Bump databind", "Upgrade the databind version."),
  ];
  const index = build([...NAMES, ...NOISE]);

  it("matches a camelCase name with the same words written apart", () => {
    // Only the parts of "ReadAheadCounters" link these two tickets.
    const result = index.similar("BUG-1", 5);
    expect(result.map((c) => c.ticketId)).toContain("BUG-2");
    const parts = result.find((c) => c.ticketId === "BUG-2")?.sharedTerms ?? [];
    expect(parts).toEqual(expect.arrayContaining(["read", "ahead", "counters"]));
  });

  it("ranks the ticket naming the same artifact and advisory first, and names them as written", () => {
    const [top] = index.similar("BUG-4", 5);
    expect(top?.ticketId).toBe("BUG-5");
    expect(top?.sharedTerms[0]).toBe("jackson-databind");
    expect(top?.sharedTerms).toContain("cve-2022-42003");
    expect(top?.evidence).toMatch(/^Shared terms: jackson-databind, /);
  });
});

describe("TicketIndex: determinism and incremental building", () => {
  it("gives the same answers every time and in a second index built the same way", () => {
    const a = build(ALL);
    const b = build(ALL);
    for (const t of ALL) {
      const first = a.similar(t.id, 5);
      expect(a.similar(t.id, 5)).toEqual(first);
      expect(b.similar(t.id, 5)).toEqual(first);
    }
  });

  it("adding tickets one by one between queries equals building in one go", () => {
    const batch = build(ALL);
    const incremental = new TicketIndex();
    for (const [i, t] of ALL.entries()) {
      incremental.add(t);
      // Queries in between warm the caches that adds must invalidate.
      if (i % 3 === 0) incremental.similar(ALL[0]?.id ?? "", 5);
    }
    for (const t of ALL) expect(incremental.similar(t.id, 5)).toEqual(batch.similar(t.id, 5));
  });

  it("does not depend on insertion order (ids and confidences)", () => {
    const batch = build(ALL);
    const reversed = build([...ALL].reverse());
    for (const t of ALL) expect(brief(reversed.similar(t.id, 5))).toEqual(brief(batch.similar(t.id, 5)));
  });

  it("re-adding an id replaces its text; re-adding the same text changes nothing", () => {
    const original = T("SUP-500", "Dark theme please", "Night shift wants a darker console.");
    const replaced = T(
      "SUP-500",
      "Checkout 502 errors in APAC",
      "APAC checkout fails with 502 at apac-lb-4.",
    );
    const index = build([...ALL, original]);
    const before = index.similar("SUP-101", 5);
    index.add(original);
    expect(index.similar("SUP-101", 5)).toEqual(before);
    expect(index.size).toBe(ALL.length + 1);

    index.add(replaced);
    expect(index.size).toBe(ALL.length + 1);
    const fresh = build([...ALL, replaced]);
    for (const t of [...ALL, replaced])
      expect(brief(index.similar(t.id, 5))).toEqual(brief(fresh.similar(t.id, 5)));
    expect(index.similar("SUP-101", 5).map((c) => c.ticketId)).toContain("SUP-500");
  });

  it("survives many replacements (compaction keeps results intact)", () => {
    const index = new TicketIndex();
    const final: TicketText[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 1500; i++) {
        const t = T(
          `R-${i}`,
          `Topic ${(i * 7 + round) % 50} alpha${i % 13}`,
          `Body words ${round} beta${(i + round) % 17} gamma${i % 5} item${i}`,
        );
        index.add(t);
        if (round === 3) final.push(t);
      }
    }
    const fresh = build(final);
    for (const id of ["R-0", "R-7", "R-1499", "R-733"])
      expect(brief(index.similar(id, 5))).toEqual(brief(fresh.similar(id, 5)));
  });

  it("similarText on an indexed ticket's own text equals similar(id)", () => {
    const index = build(ALL);
    for (const t of ALL) expect(brief(index.similarText(t, 5, t.id))).toEqual(brief(index.similar(t.id, 5)));
  });

  it("similarText finds duplicates of a ticket that is not indexed yet, without changing the index", () => {
    const index = build(ALL);
    const before = ALL.map((t) => index.similar(t.id, 5));
    const result = index.similarText(
      {
        subject: "Invoice 7781 charged two times",
        description: "Please refund the second charge on the card.",
      },
      5,
    );
    expect(
      result
        .slice(0, 2)
        .map((c) => c.ticketId)
        .sort(),
    ).toEqual(["SUP-301", "SUP-302"]);
    expect(index.size).toBe(ALL.length);
    expect(ALL.map((t) => index.similar(t.id, 5))).toEqual(before);
  });
});

// ------------------------------------------------------------------------------------------------
// Property: on random small corpora the index returns exactly what a brute-force scorer returns.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "outage login refund invoice webhook signature secret rotation timeout gateway latency export import " +
  "dashboard report token password reset billing charge duplicate region europe asia sync field column " +
  "admin owner workspace member invite email delivery retry queue worker memory browser mobile android " +
  "ios release deploy rollback certificate domain dns proxy cache"
).split(" ");

// Names as bug reports and tickets write them: camelCase, compounds, advisories, versions, times.
const IDENTIFIERS = (
  "readTimeout S3AInputStream HTTPServer jackson-databind jackson databind CVE-2024-1234 cve sign-in " +
  "v2.1 2.1 4.1.45.Final latency_ms 08:12:34.567 org.apache.hadoop TRIAGE_DATA_ROOT read timeout " +
  "input stream iPhone don't-stop us-east-1 2024-01-31 Café-bar"
).split(" ");

function randomCorpus(seed: number, words: readonly string[] = WORDS): TicketText[] {
  const rnd = mulberry32(seed);
  const zipf = (): string =>
    words[Math.min(words.length - 1, Math.floor(words.length * rnd() * rnd()))] ?? "x";
  const size = 5 + Math.floor(rnd() * 60);
  const out: TicketText[] = [];
  for (let i = 0; i < size; i++) {
    const words = (n: number) => Array.from({ length: n }, zipf).join(" ");
    // Some ids repeat: the later text replaces the earlier one.
    const id = `P-${rnd() < 0.1 && i > 0 ? Math.floor(rnd() * i) + 1 : i + 1}`;
    out.push(T(id, words(1 + Math.floor(rnd() * 5)), words(Math.floor(rnd() * 25))));
  }
  return out;
}

describe("TicketIndex: agrees with a brute-force scorer", () => {
  it.each(Array.from({ length: 40 }, (_, i) => i + 1))("random corpus #%i", (seed) => {
    const corpus = randomCorpus(seed);
    const index = build(corpus);
    const ids = [...new Set(corpus.map((t) => t.id))];
    for (const id of ids) {
      const expected = bruteForce(corpus, id, 5);
      const actual = brief(index.similar(id, 5));
      expect(actual.map((c) => c.ticketId)).toEqual(expected.map((c) => c.ticketId));
      actual.forEach((c, i) => expect(c.confidence).toBeCloseTo(expected[i]?.confidence ?? NaN, 9));
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])("random corpus of identifiers #%i", (seed) => {
    const corpus = randomCorpus(seed * 7919, [...IDENTIFIERS, ...WORDS.slice(0, 20)]);
    const index = build(corpus);
    for (const id of new Set(corpus.map((t) => t.id))) {
      const expected = bruteForce(corpus, id, 5);
      const actual = brief(index.similar(id, 5));
      expect(actual.map((c) => c.ticketId)).toEqual(expected.map((c) => c.ticketId));
      actual.forEach((c, i) => expect(c.confidence).toBeCloseTo(expected[i]?.confidence ?? NaN, 9));
    }
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    "with common terms skipped, it returns the brute-force answer over the tickets it scanned (corpus #%i)",
    (seed) => {
      const corpus = randomCorpus(seed * 101);
      // Skip any term held by more than 10% of tickets, after the rarest query term; rescore all.
      const ratio = 0.1;
      const index = build(corpus, {
        commonTermFloor: 0,
        commonTermRatio: ratio,
        minScanTerms: 1,
        rescoreLimit: 1000,
      });
      const latest = new Map(corpus.map((t) => [t.id, t]));
      const docTerms = new Map([...latest].map(([id, t]) => [id, new Set(vectorCounts(t).keys())]));
      const df = new Map<string, number>();
      for (const set of docTerms.values()) for (const term of set) df.set(term, (df.get(term) ?? 0) + 1);
      const maxDf = Math.ceil(latest.size * ratio);
      let skippedSomewhere = false;
      for (const id of latest.keys()) {
        // The terms the index scans: the rarest one, then every term with df <= maxDf.
        const queryTerms = [...(docTerms.get(id) ?? [])].sort(
          (a, b) => (df.get(a) ?? 0) - (df.get(b) ?? 0) || (a < b ? -1 : 1),
        );
        const scanned = queryTerms.filter((term, i) => i < 1 || (df.get(term) ?? 0) <= maxDf);
        if (scanned.length < queryTerms.length) skippedSomewhere = true;
        const reachable = new Set(
          [...docTerms].filter(([, set]) => scanned.some((term) => set.has(term))).map(([doc]) => doc),
        );
        const expected = bruteForce(corpus, id, 1000)
          .filter((c) => reachable.has(c.ticketId))
          .slice(0, 5);
        const actual = brief(index.similar(id, 5));
        expect(actual.map((c) => c.ticketId)).toEqual(expected.map((c) => c.ticketId));
        actual.forEach((c, i) => expect(c.confidence).toBeCloseTo(expected[i]?.confidence ?? NaN, 9));
      }
      expect(skippedSomewhere).toBe(true);
    },
  );
});
