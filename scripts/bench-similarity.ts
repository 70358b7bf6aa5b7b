// Measures the similar-ticket index on synthetic tickets: build time, query latency and memory.
//
//   npx tsx scripts/bench-similarity.ts            10k and 100k tickets
//   npx tsx scripts/bench-similarity.ts 25000      one custom size
//
// Tickets come from a seeded generator (same text every run): topic clusters of shared
// vocabulary, a Zipf-distributed long tail, filler words, numbers and ids, so near-duplicates
// and common words occur the way they do in a real queue. Prints figures; asserts nothing.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { performance } from "node:perf_hooks";
import { TicketIndex, type TicketText } from "../src/domain/similarity/ticket-index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

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

const FILLER = (
  "the a we our is are to when after since please help issue problem error not working users user customer " +
  "today yesterday again still account app page cannot unable seems every some all it this that with for on in " +
  "from and but our team company production customers request requests failing failed fails"
).split(" ");

const SYLLABLES =
  "ka lo mi ne ru sa te vo zi pa do fe gu hi ja ko lu ma no pe qi ra si tu ve wa xo yu ze bri cla dro fla gri".split(
    " ",
  );

function makeGenerator(seed: number) {
  const rnd = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;

  // A 30k-word vocabulary of pseudo-words with Zipf frequencies.
  const vocabulary: string[] = [];
  const seen = new Set<string>();
  while (vocabulary.length < 30_000) {
    const parts = 2 + Math.floor(rnd() * 3);
    let w = "";
    for (let i = 0; i < parts; i++) w += pick(SYLLABLES);
    if (!seen.has(w)) {
      seen.add(w);
      vocabulary.push(w);
    }
  }
  const cumulative = new Float64Array(vocabulary.length);
  let total = 0;
  for (let r = 0; r < vocabulary.length; r++) {
    total += 1 / (r + 1);
    cumulative[r] = total;
  }
  const zipfWord = (): string => {
    const x = rnd() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return vocabulary[lo] ?? "x";
  };

  // 400 topics of 25 words each, topics themselves Zipf-popular.
  const topics: string[][] = Array.from({ length: 400 }, () =>
    Array.from({ length: 25 }, () => pick(vocabulary)),
  );
  const topicWeights = new Float64Array(topics.length);
  let topicTotal = 0;
  for (let i = 0; i < topics.length; i++) {
    topicTotal += 1 / Math.sqrt(i + 1);
    topicWeights[i] = topicTotal;
  }
  const pickTopic = (): string[] => {
    const x = rnd() * topicTotal;
    let i = 0;
    while ((topicWeights[i] ?? Infinity) < x) i++;
    return topics[i] ?? [];
  };
  const token = (): string => {
    const r = rnd();
    if (r < 0.4) return String(Math.floor(rnd() * 1000));
    if (r < 0.7) return `INV-${1000 + Math.floor(rnd() * 9000)}`;
    return pick(["503", "429", "500", "404", "eu", "us", "apac", "v2", "5xx"]);
  };

  return (n: number): TicketText => {
    const topic = pickTopic();
    const subjectLength = 3 + Math.floor(rnd() * 5);
    const subject: string[] = [];
    for (let i = 0; i < subjectLength; i++) subject.push(rnd() < 0.7 ? pick(topic) : pick(FILLER));
    const descriptionLength = 15 + Math.floor(rnd() * 46);
    const description: string[] = [];
    for (let i = 0; i < descriptionLength; i++) {
      const r = rnd();
      description.push(r < 0.35 ? pick(topic) : r < 0.7 ? pick(FILLER) : r < 0.95 ? zipfWord() : token());
    }
    const sentence = (words: string[]) => words.join(" ").replace(/^./, (c) => c.toUpperCase());
    return { id: `TKT-${n}`, subject: sentence(subject), description: `${sentence(description)}.` };
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function measure(size: number) {
  const next = makeGenerator(42);
  const tickets = Array.from({ length: size }, (_, i) => next(1001 + i));
  const fresh = Array.from({ length: 200 }, (_, i) => next(900_000 + i));

  const t0 = performance.now();
  const holder: { index?: TicketIndex } = { index: new TicketIndex() };
  const built = holder.index as TicketIndex;
  for (const t of tickets) built.add(t);
  const buildMs = performance.now() - t0;

  const rnd = mulberry32(7);
  const queries = Array.from({ length: 2000 }, () => tickets[Math.floor(rnd() * tickets.length)]?.id ?? "");
  // Warm-up: JIT, and the lazily cached document norms.
  for (const id of queries.slice(0, 200)) built.similar(id, 5);
  const times: number[] = [];
  let found = 0;
  for (const id of queries) {
    const s = performance.now();
    found += built.similar(id, 5).length;
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);

  const textTimes: number[] = [];
  for (const t of fresh) {
    const s = performance.now();
    built.similarText(t, 5);
    textTimes.push(performance.now() - s);
  }
  textTimes.sort((a, b) => a - b);

  // Worst case for candidate generation: text made only of the most common words.
  const commonTimes: number[] = [];
  for (let i = 0; i < 200; i++) {
    const words = Array.from({ length: 12 }, (_, j) => FILLER[(i * 7 + j * 13) % FILLER.length] ?? "");
    const s = performance.now();
    built.similarText({ subject: words.slice(0, 4).join(" "), description: words.slice(4).join(" ") }, 5);
    commonTimes.push(performance.now() - s);
  }
  commonTimes.sort((a, b) => a - b);

  // Cost of the first query after an add (caches are stamped stale by the add).
  const coldTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const extra = fresh[i];
    if (extra === undefined) break;
    built.add({ ...extra, id: `NEW-${i + 1}` });
    const s = performance.now();
    built.similar(queries[i] ?? "", 5);
    coldTimes.push(performance.now() - s);
  }
  coldTimes.sort((a, b) => a - b);

  const stats = built.stats();
  return {
    buildMs,
    times,
    textTimes,
    commonTimes,
    coldTimes,
    found,
    queryCount: queries.length,
    stats,
    holder,
  };
}

function report(size: number): void {
  const { buildMs, times, textTimes, commonTimes, coldTimes, found, queryCount, stats, holder } =
    measure(size);
  // Memory retained by the index: measured with it, then without it.
  gc();
  const withIndex = process.memoryUsage();
  delete holder.index;
  gc();
  const without = process.memoryUsage();
  // Typed arrays are counted from the index's own sizes: external memory is released lazily,
  // so process.memoryUsage().arrayBuffers lags behind.
  const heap = withIndex.heapUsed - without.heapUsed;
  const buffers = stats.bytes;
  console.log(
    [
      `tickets ${size.toLocaleString("en-US")}`,
      `  build            ${buildMs.toFixed(0)} ms (${((buildMs * 1000) / size).toFixed(1)} us/ticket)`,
      `  similar(id) p50  ${percentile(times, 0.5).toFixed(3)} ms   p95 ${percentile(times, 0.95).toFixed(3)} ms   max ${percentile(times, 1).toFixed(3)} ms   (avg ${(found / queryCount).toFixed(2)} results)`,
      `  similarText p50  ${percentile(textTimes, 0.5).toFixed(3)} ms   p95 ${percentile(textTimes, 0.95).toFixed(3)} ms`,
      `  common words only p50 ${percentile(commonTimes, 0.5).toFixed(3)} ms   p95 ${percentile(commonTimes, 0.95).toFixed(3)} ms`,
      `  first query after an add  p50 ${percentile(coldTimes, 0.5).toFixed(3)} ms   max ${percentile(coldTimes, 1).toFixed(3)} ms`,
      `  index            ${stats.terms.toLocaleString("en-US")} terms, ${stats.postings.toLocaleString("en-US")} postings`,
      `  memory           heap ${mb(heap)} + typed arrays ${mb(buffers)} (allocated) = ${mb(heap + buffers)} (retained by the index; ticket text excluded)`,
    ].join("\n"),
  );
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => Number.isInteger(n) && n > 0);
for (const size of sizes.length > 0 ? sizes : [10_000, 100_000]) report(size);
