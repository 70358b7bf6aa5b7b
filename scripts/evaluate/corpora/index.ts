import { join } from "node:path";
import type { SignalDetector } from "../types.js";
import { evaluateDuplicates, type DuplicateScores, type DuplicatesResult } from "./duplicates.js";
import type { Half } from "./halves.js";
import { evaluateInjection, type DetectionScores, type InjectionResult } from "./injection.js";
import {
  BENIGN_FILE,
  INJECTION_FILE,
  corpusFiles,
  readDuplicates,
  readJsonl,
  type CorpusRow,
} from "./load.js";
import { evaluateSecrets, type SecretsResult } from "./secrets.js";
import { evaluateThroughServer, type ServerResult } from "./server.js";

export { HALVES, type Half } from "./halves.js";

export interface CorporaOptions {
  readonly dir: string;
  readonly half: Half;
  /** Rows per source and label sent through the server (0: skip the end-to-end run). */
  readonly serverSample: number;
  readonly detect: SignalDetector;
}

export interface CorporaResult {
  readonly dir: string;
  readonly half: Half;
  /** null when the directory holds no injection or benign file. */
  readonly injection: InjectionResult | null;
  readonly server: ServerResult | null;
  readonly secrets: SecretsResult;
  readonly duplicates: DuplicatesResult | null;
}

/** Measures every engine on what the corpus directory holds. */
export async function evaluateCorpora(options: CorporaOptions): Promise<CorporaResult> {
  const files = corpusFiles(options.dir);
  const rows: CorpusRow[] = [
    ...(files.injection ? readJsonl(join(options.dir, INJECTION_FILE)) : []),
    ...(files.benign ? readJsonl(join(options.dir, BENIGN_FILE)) : []),
  ];
  const injection = rows.length === 0 ? null : evaluateInjection(rows, options.detect, options.half);
  const server =
    rows.length === 0 || options.serverSample === 0
      ? null
      : await evaluateThroughServer(rows, options.half, options.serverSample, options.detect);
  return {
    dir: options.dir,
    half: options.half,
    injection,
    server,
    secrets: evaluateSecrets(),
    duplicates: files.duplicates ? evaluateDuplicates(readDuplicates(options.dir), options.half) : null,
  };
}

// ---------- table ----------

const pct = (v: number | null) => (v === null ? "n/a" : `${(100 * v).toFixed(2)}%`);
const num = (v: number | null) => (v === null ? "n/a" : v.toFixed(3));

function grid(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function scoreRows(scores: Record<string, DetectionScores>): string[][] {
  return Object.entries(scores).map(([key, s]) => [
    key,
    String(s.rows),
    String(s.tp + s.fn),
    num(s.precision),
    num(s.recall),
    pct(s.falsePositiveRate),
    `${s.fp}/${s.fp + s.tn}`,
  ]);
}

const SCORE_HEADER = ["", "rows", "attacks", "precision", "recall", "FPR", "FP/benign"];

export function renderCorpora(result: CorporaResult): string {
  const lines = [`Corpora in ${result.dir} (half: ${result.half})`];
  const inj = result.injection;
  if (inj !== null) {
    lines.push(
      "",
      `Injection -> policy-conflict (detectSignals on each text as a ticket description; ${inj.microsecondsPerItem} µs per item, p99 ${inj.p99Microseconds} µs)`,
      grid([
        SCORE_HEADER,
        ...scoreRows(inj.bySource),
        ...scoreRows({ "all attacks": inj.attacks, "benign dev rows": inj.benignDev }),
      ]),
      "",
      "bipia-email-injected by position",
      grid([SCORE_HEADER, ...scoreRows(inj.byPosition)]),
      "",
      "bipia-email-injected by attack group",
      grid([SCORE_HEADER, ...scoreRows(inj.byGroup)]),
      "",
      `Rules that fired (rows): ${Object.entries(inj.rules)
        .map(([r, n]) => `${r} ${n}`)
        .join(", ")}`,
    );
  }
  const srv = result.server;
  if (srv !== null) {
    lines.push(
      "",
      `Through the server (submit on a fresh runtime, first ${srv.perSource} rows per source and label; ${srv.millisecondsPerItem} ms per item): ` +
        `${srv.rows} rows, ${srv.disagreements} disagreeing with the domain-level reading`,
      grid([SCORE_HEADER, ...scoreRows(srv.bySource)]),
    );
  }
  const sec = result.secrets;
  lines.push(
    "",
    `Secrets (generated values, ${sec.microsecondsPerItem} µs per item)`,
    grid([
      [
        "kinds recognised on their own in a sentence",
        `${sec.kindsRecognised}/${sec.kinds}`,
        pct(sec.kindRecall),
      ],
      ["samples recognised", `${sec.samplesRecognised}/${sec.samples}`, ""],
      ["placeholders and masks refused", `${sec.placeholdersRefused}/${sec.placeholders}`, ""],
      ["UUIDs, SHAs, hashes, order numbers, ids refused", `${sec.lookAlikesRefused}/${sec.lookAlikes}`, ""],
      ["card test numbers refused", `${sec.cardsRefused}/${sec.cards}`, ""],
      ["Luhn-invalid and non-card numbers refused", `${sec.nonCardsRefused}/${sec.nonCards}`, ""],
    ]),
  );
  if (sec.missedKinds.length > 0) lines.push(`missed kinds: ${sec.missedKinds.join(", ")}`);
  const dup = result.duplicates;
  if (dup !== null) {
    const interval = ([lo, hi]: readonly [number, number]) => `${num(lo)}-${num(hi)}`;
    const row = (label: string, d: DuplicateScores) => [
      label,
      String(d.pairs),
      String(d.queries),
      num(d.recallAt1),
      num(d.recallAt5),
      num(d.mrr),
      interval(d.mrrInterval),
      interval(d.recallAt5Interval),
    ];
    const gain = dup.mrr - dup.baseline.mrr;
    lines.push(
      "",
      `Duplicates (find_similar_tickets' index over ${dup.issues} issues, labelled pairs queried both ways, half: ${dup.half}; ` +
        `built in ${dup.buildMilliseconds} ms, ${dup.microsecondsPerQuery} µs per query; intervals: bootstrap 95% over pairs)`,
      grid([
        ["", "pairs", "queries", "recall@1", "recall@5", "MRR", "MRR interval", "recall@5 interval"],
        row("the similarity engine", dup),
        row("  development half", dup.byHalf.development),
        row("  held-out half", dup.byHalf["held-out"]),
        row("plain TF-IDF", dup.baseline),
      ]),
      `MRR gain over plain TF-IDF: ${gain >= 0 ? "+" : ""}${num(gain)} (interval ${interval(dup.mrrGainInterval)})`,
    );
  }
  return `${lines.join("\n")}\n`;
}
