// Reproduces the side-by-side comparison behind the injection detector (docs/evaluation.md): the
// shipped rules against a small model trained on the development half of the corpora, measured on
// both halves. The model is logistic regression over hashed word, word-pair and character
// 4-gram features (2^18 buckets), trained with AdaGrad from a fixed seed in a fixed order, so every
// run prints the same figures. It is not shipped: on the held-out half it flags 20% or more of the
// benign questions (docs/evaluation.md says why).
//
//   npx tsx scripts/evaluate/compare-injection.ts --corpora ../shared/corpora
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { PROCESS_IO, runCommand, runIfMain, UsageError, type CommandIo } from "../../src/cli/command.js";
import { foldText } from "../../src/domain/secrets/index.js";
import { detectSignals, hasInjection } from "../../src/domain/signals/index.js";
import { fnv1a, halfOf } from "./corpora/halves.js";
import { sourceKey } from "./corpora/injection.js";
import { BENIGN_FILE, INJECTION_FILE, readJsonl, type CorpusRow } from "./corpora/load.js";

const BITS = 18;
const SIZE = 1 << BITS;
const FOLD = { caseFold: true, confusables: true, collapseWhitespace: true } as const;

type Features = Map<number, number>;

function features(text: string): Features {
  const t = foldText(text, FOLD).text;
  const f: Features = new Map();
  const add = (key: string) => {
    const h = fnv1a(key) & (SIZE - 1);
    f.set(h, (f.get(h) ?? 0) + 1);
  };
  const words = t.match(/[\p{L}\p{N}']+/gu) ?? [];
  words.forEach((w, i) => {
    add(`w:${w}`);
    if (i > 0) add(`b:${words[i - 1] ?? ""} ${w}`);
  });
  const padded = ` ${t} `;
  for (let i = 0; i + 4 <= padded.length; i++) add(`c:${padded.slice(i, i + 4)}`);
  let norm = 0;
  for (const v of f.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (const [k, v] of f) f.set(k, v / norm);
  return f;
}

/** Logistic regression, class-balanced, AdaGrad, a fixed seed and order. */
function train(
  units: readonly { text: string; label: 0 | 1 }[],
  epochs = 8,
  rate = 0.5,
): (text: string) => number {
  const w = new Float64Array(SIZE);
  const g2 = new Float64Array(SIZE).fill(1e-8);
  let bias = 0;
  let gBias = 1e-8;
  const positives = units.filter((u) => u.label === 1).length;
  const weight = [units.length / (2 * (units.length - positives)), units.length / (2 * positives)];
  const xs = units.map((u) => features(u.text));
  let seed = 42;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const order = units.map((_, i) => i);
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    for (const i of order) {
      const x: Features = xs[i] ?? new Map<number, number>();
      const y = units[i]?.label ?? 0;
      let z = bias;
      for (const [k, v] of x) z += (w[k] ?? 0) * v;
      const g = (1 / (1 + Math.exp(-z)) - y) * (weight[y] ?? 1);
      for (const [k, v] of x) {
        const gk = g * v + 1e-6 * (w[k] ?? 0);
        g2[k] = (g2[k] ?? 0) + gk * gk;
        w[k] = (w[k] ?? 0) - (rate * gk) / Math.sqrt(g2[k] ?? 1);
      }
      gBias += g * g;
      bias -= (rate * g) / Math.sqrt(gBias);
    }
  }
  return (text) => {
    let z = bias;
    for (const [k, v] of features(text)) z += (w[k] ?? 0) * v;
    return 1 / (1 + Math.exp(-z));
  };
}

function sentences(text: string): string[] {
  return text
    .split(/\n|\|/)
    .flatMap((line) => line.split(/(?<=[.!?])\s+/))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

interface Detector {
  readonly name: string;
  readonly flag: (text: string) => boolean;
}

function report(detector: Detector, rows: readonly CorpusRow[], half: "development" | "held-out"): string {
  const counts = new Map<string, { hit: number; n: number }>();
  const bump = (key: string, hit: boolean) => {
    const c = counts.get(key) ?? { hit: 0, n: 0 };
    counts.set(key, { hit: c.hit + (hit ? 1 : 0), n: c.n + 1 });
  };
  const t0 = performance.now();
  let n = 0;
  for (const row of rows) {
    if (halfOf(row) !== half) continue;
    const flagged = detector.flag(row.text);
    n++;
    bump(`${sourceKey(row)}|${row.label}`, flagged);
    if (row.label === 1) bump("attacks|1", flagged);
    else if (row.source !== "bitext") bump("benign dev|0", flagged);
  }
  const us = ((performance.now() - t0) * 1000) / n;
  const cell = (key: string) => {
    const c = counts.get(key);
    return c === undefined ? "n/a" : (c.hit / c.n).toFixed(3);
  };
  return [
    detector.name.padEnd(30),
    half.padEnd(11),
    ...["deepset-en|1", "deepset-de|1", "bipia-email-injected|1", "bipia-attack|1", "attacks|1"].map(cell),
    ...["bitext|0", "benign dev|0", "bipia-email|0"].map(cell),
    us.toFixed(1),
  ].join("  ");
}

const USAGE = `Usage: npx tsx scripts/evaluate/compare-injection.ts --corpora DIR

Prints recall and false-positive rates of the shipped injection rules and of a small model trained
on the development half, per source, on both halves of the corpora in DIR.
`;

const OPTIONS = { corpora: { type: "string" } } as const;

function compare(corpora: string, io: CommandIo): number {
  const rows = [...readJsonl(join(corpora, INJECTION_FILE)), ...readJsonl(join(corpora, BENIGN_FILE))];
  const dev = rows.filter((r) => halfOf(r) === "development");

  // Whole texts as training units; and sentences, with the attacks' own texts as positives
  // (injected e-mails left out, their attacks are the bipia-attack rows).
  const wholeModel = train(dev.map((r) => ({ text: r.text, label: r.label })));
  const sentenceModel = train(
    dev
      .filter((r) => r.source !== "bipia-email-injected")
      .flatMap((r) => (r.label === 1 ? [r] : sentences(r.text).map((text) => ({ text, label: r.label })))),
  );
  const maxOverSentences = (text: string) => {
    const parts = sentences(text);
    let best = parts.length <= 3 ? sentenceModel(text) : 0;
    parts.forEach((s, i) => {
      best = Math.max(best, sentenceModel(s), i > 0 ? sentenceModel(`${parts[i - 1] ?? ""} ${s}`) : 0);
    });
    return best;
  };
  const rules = (text: string) => hasInjection(detectSignals({ subject: "", description: text }));
  const detectors: Detector[] = [
    { name: "rules (shipped)", flag: rules },
    { name: "model, whole text, p>0.9", flag: (t) => wholeModel(t) > 0.9 },
    { name: "model, sentences, p>0.9", flag: (t) => maxOverSentences(t) > 0.9 },
    { name: "model, sentences, p>0.97", flag: (t) => maxOverSentences(t) > 0.97 },
    { name: "rules or model (sent., p>0.97)", flag: (t) => rules(t) || maxOverSentences(t) > 0.97 },
  ];
  io.stdout(
    `${[
      "detector".padEnd(30),
      "half".padEnd(11),
      "R:ds-en  R:ds-de  R:bipia-mail  R:bipia-att  R:all  FPR:bitext  FPR:benign-dev  FPR:bipia-email  µs/item",
    ].join("  ")}\n`,
  );
  for (const d of detectors)
    for (const half of ["development", "held-out"] as const) io.stdout(`${report(d, rows, half)}\n`);
  return 0;
}

await runIfMain(import.meta.url, "compare-injection", (argv) =>
  runCommand(
    {
      name: "compare-injection",
      usage: USAGE,
      options: OPTIONS,
      parse: ({ values }) => {
        if (values.corpora === undefined) throw new UsageError("--corpora DIR is required.");
        return values.corpora;
      },
      run: compare,
    },
    argv,
    PROCESS_IO,
  ),
);
