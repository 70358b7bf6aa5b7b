// `npm run bench`: the built server over stdio, measured from the SDK Client against the floor
// of a one-tool echo server on the same SDK, on generated datasets. Prints a table, writes JSON
// and a Markdown table. Measures only: it asserts nothing and exits 0 whatever the figures are.
// See docs/performance.md.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { ensureDataset, type Dataset } from "./datasets.js";
import { parseBenchArgs, UsageError, USAGE, type BenchOptions } from "./options.js";
import {
  answerSizeTable,
  combineFloor,
  comparisonTable,
  floorFigures,
  floorTable,
  judge,
  misses,
  renderMarkdown,
  renderText,
  type DatasetResult,
  type FloorResult,
} from "./report.js";
import {
  measureAnswerFloor,
  measureDataset,
  measureFloor,
  measureLongHistory,
  type Budget,
  type DatasetRun,
  type Paths,
} from "./scenario.js";
import { median, sizeLabel } from "./stats.js";
import { createDatabase, startCluster } from "../postgres/cluster.js";
import { describeDatabase } from "../../src/store/index.js";
import { TARGETS, describeLimit } from "./targets.js";

const RESULTS_FORMAT = 1;

const log = (line: string) => process.stderr.write(`${line}\n`);

function machine() {
  let model = cpus()[0]?.model ?? "unknown";
  try {
    model = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? model;
  } catch {
    // Not Linux: os.cpus() has the model.
  }
  return {
    cpus: cpus().length,
    cpuModel: model,
    memoryGb: Number((totalmem() / 1024 ** 3).toFixed(1)),
    freeMemoryGb: Number((freemem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    log(`bench: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const paths: Paths = {
    repoRoot,
    serverEntry: join(repoRoot, "dist/index.js"),
    echoServer: join(repoRoot, "scripts/bench/echo-server.mjs"),
    knowledgeRoot: join(repoRoot, "data/knowledge"),
  };
  if (!existsSync(paths.serverEntry)) {
    log(`bench: ${relative(process.cwd(), paths.serverEntry)} is missing: run npm run build first.`);
    return 1;
  }
  if (newestMtime(join(repoRoot, "src")) > statSync(paths.serverEntry).mtimeMs) {
    log("bench: warning: src/ has changes newer than dist/index.js; run npm run build to measure them.");
  }
  const cacheDir = join(repoRoot, ".bench");
  const out = resolve(options.out ?? join(cacheDir, "bench-results.json"));
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  if ((loadBefore[0] ?? 0) > cpus().length / 2) {
    log(
      `bench: warning: load average ${loadBefore.map((l) => l.toFixed(2)).join(" ")} on ${cpus().length} CPUs; ` +
        "other processes will add noise to every figure, the floor included.",
    );
  }
  // The PostgreSQL store: a durable cluster (fsync on, as a real server runs), a database per dataset.
  const cluster = options.store === "postgres" ? await startCluster({ durable: true }) : undefined;
  if (cluster !== undefined) log(`store: PostgreSQL (${describeDatabase(cluster.adminUrl)})`);
  try {
    const budget: Budget = {
      ...(cluster === undefined ? {} : { database: () => createDatabase(cluster.adminUrl, "bench") }),
      iterations: options.iterations,
      writes: options.writes,
      warmup: options.warmup,
      restarts: options.restarts,
      keep: options.keep,
      log,
    };

    const datasets: Dataset[] = options.sizes.map((n) => ensureDataset(repoRoot, cacheDir, n, log));

    // The floor is measured before and after the datasets, and the samples pooled, so a machine
    // that gets busier or quieter during the run moves the floor with the figures.
    log(`floor: echo server (${options.floorCalls} calls)`);
    const floorBefore = await measureFloor(paths, budget, options.floorCalls);
    const runs: { dataset: Dataset; run: DatasetRun; history: boolean }[] = [];
    for (const dataset of datasets) {
      log(
        `${dataset.tickets.toLocaleString("en-US")} tickets (${dataset.cached ? "cached" : "generated"} ${relative(repoRoot, dataset.file)})`,
      );
      runs.push({ dataset, run: await measureDataset(paths, dataset, budget), history: false });
    }
    const largest = datasets.reduce((a, b) => (b.tickets > a.tickets ? b : a));
    if (options.historyEvents > 0) {
      log(
        `${largest.tickets.toLocaleString("en-US")} tickets with a ${options.historyEvents.toLocaleString("en-US")}-event audit log`,
      );
      runs.push({
        dataset: largest,
        run: await measureLongHistory(paths, largest, options.historyEvents, budget),
        history: true,
      });
    }
    log("floor again");
    const floorAfter = await measureFloor(paths, budget, options.floorCalls);
    const floor: FloorResult = combineFloor([
      { when: "before", ...floorBefore },
      { when: "after", ...floorAfter },
    ]);
    const figures = floorFigures(floor);
    const toResult = ({ dataset, run, history }: (typeof runs)[number]): DatasetResult => ({
      name: history
        ? `${sizeLabel(dataset.tickets)} + ${sizeLabel(run.auditEvents)} events`
        : sizeLabel(dataset.tickets),
      tickets: dataset.tickets,
      auditEvents: run.auditEvents,
      measurements: run.figures.map((f) => judge(f, dataset.tickets, figures)),
      notes: run.notes,
    });
    const results = runs.filter((r) => !r.history).map(toResult);
    const historyRun = runs.find((r) => r.history);
    const history = historyRun === undefined ? undefined : toResult(historyRun);
    const large = runs
      .filter((r) => !r.history)
      .flatMap(({ dataset, run }) =>
        run.figures.flatMap((f) =>
          f.answers === undefined
            ? []
            : [
                {
                  key: f.key,
                  dataset: sizeLabel(dataset.tickets),
                  answers: f.answers,
                  bytes: f.answerBytes ?? 0,
                },
              ],
        ),
      );
    if (large.length > 0) log(`the echo server with the large reads' answers (${large.length})`);
    const answerFloor = await measureAnswerFloor(
      paths,
      budget,
      large,
      Math.max(100, Math.floor(options.floorCalls / 4)),
    );
    const answers = answerSizeTable(results, answerFloor, floor);

    const totalMs = performance.now() - started;

    const all = history === undefined ? results : [...results, history];
    const floorRss =
      floor.peakRssMb === null ? [] : [`echo server peak RSS: ${floor.peakRssMb.toFixed(0)} MB`];
    const text = [
      renderText(floorTable(floor)),
      ...floorRss,
      "",
      renderText(comparisonTable(results)),
      ...(history === undefined ? [] : ["", renderText(comparisonTable([history]))]),
      ...(answers.rows.length === 0 ? [] : ["", renderText(answers)]),
    ].join("\n");
    const missed = misses(all);
    process.stdout.write(`\n${text}\n\n`);
    process.stdout.write(
      missed.length === 0
        ? "Every target is met.\n"
        : `Targets missed (${missed.length}):\n  ${missed.join("\n  ")}\n`,
    );
    for (const d of all) for (const note of d.notes) process.stdout.write(`note (${d.name}): ${note}\n`);

    const json = {
      format: RESULTS_FORMAT,
      startedAt,
      durationMs: Math.round(totalMs),
      mode: options.quick ? "quick" : "full",
      options: {
        sizes: options.sizes,
        iterations: options.iterations,
        writes: options.writes,
        warmup: options.warmup,
        restarts: options.restarts,
        floorCalls: options.floorCalls,
        historyEvents: options.historyEvents,
        store: options.store,
      },
      machine: { ...machine(), loadAverageAtStart: loadBefore, loadAverageAtEnd: loadavg() },
      targets: Object.fromEntries(
        Object.entries(TARGETS).map(([group, row]) => [
          group,
          { what: row.what, upTo10k: describeLimit(row.small), above10k: describeLimit(row.large) },
        ]),
      ),
      datasets: datasets.map((d) => ({
        tickets: d.tickets,
        file: relative(repoRoot, d.file),
        cached: d.cached,
      })),
      floor,
      answerFloor: answerFloor.map((a) => ({
        metric: a.key,
        set: a.dataset,
        bytes: a.bytes,
        calls: a.calls.length,
        p50Ms: median(a.calls),
      })),
      results,
      ...(history === undefined ? {} : { history }),
      misses: missed,
    };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`, "utf8");
    const markdown = [
      renderMarkdown(floorTable(floor)),
      "",
      ...floorRss.flatMap((line) => [line, ""]),
      renderMarkdown(comparisonTable(results)),
      ...(history === undefined ? [] : ["", renderMarkdown(comparisonTable([history]))]),
      ...(answers.rows.length === 0 ? [] : ["", renderMarkdown(answers)]),
      "",
    ].join("\n");
    const mdFile = out.replace(/\.json$/, "") + ".md";
    writeFileSync(mdFile, markdown, "utf8");
    process.stdout.write(
      `\nWrote ${relative(process.cwd(), out)} and ${relative(process.cwd(), mdFile)} ` +
        `(${(totalMs / 1000).toFixed(1)} s, node ${process.version}, load average ` +
        `${loadBefore[0]?.toFixed(2)} at start, ${loadavg()[0]?.toFixed(2)} at end).\n`,
    );
    return 0;
  } finally {
    await cluster?.stop();
  }
}

process.exitCode = await main(process.argv.slice(2));
