// Benchmark ticket sets, written by the fixture generator and cached in .bench/datasets/. A
// cached file is reused only while the generator's sources are unchanged (their hash is in the
// file name). The generator writes an .epoch.json beside each set, so the server rebases the
// ticket times to "now" when it initializes a runtime: the SLA mix (healthy, at risk, breached)
// is the same on any day, however old the cached file is.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";

/** Same seed, same tickets. */
export const DATASET_SEED = "bench";

export interface Dataset {
  readonly tickets: number;
  readonly file: string;
  readonly cached: boolean;
  /** Generation time, ms (0 when reused). */
  readonly generateMs: number;
  /** Ticket ids are `TKT-${firstNumber + i}`. */
  readonly firstNumber: number;
}

/** The generator's first id number (see scripts/fixtures/bulk.ts). */
export const FIRST_TICKET_NUMBER = 100_001;

export function ticketId(index: number): string {
  return `TKT-${FIRST_TICKET_NUMBER + index}`;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else out.push(path);
  }
  return out;
}

/** Hash of everything that decides the generator's output. */
export function generatorKey(repoRoot: string): string {
  const files = [
    ...filesUnder(join(repoRoot, "scripts/fixtures")),
    join(repoRoot, "scripts/generate-fixtures.ts"),
    join(repoRoot, "data/workspace.json"),
  ]
    .filter((f) => existsSync(f))
    .sort();
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(relative(repoRoot, file)).update("\0").update(readFileSync(file)).update("\0");
  }
  return hash.update(DATASET_SEED).digest("hex").slice(0, 12);
}

/** Returns the cached set of `count` tickets, generating it first when missing or stale. */
export function ensureDataset(
  repoRoot: string,
  cacheDir: string,
  count: number,
  log: (line: string) => void,
): Dataset {
  const dir = join(cacheDir, "datasets");
  mkdirSync(dir, { recursive: true });
  const key = generatorKey(repoRoot);
  const stem = `tickets-${count}-${key}`;
  const file = join(dir, `${stem}.json`);
  // The generator writes the epoch file after the tickets, so both present means complete.
  if (existsSync(file) && existsSync(join(dir, `${stem}.epoch.json`))) {
    return { tickets: count, file, cached: true, generateMs: 0, firstNumber: FIRST_TICKET_NUMBER };
  }
  // Older generations of the same size are dead weight.
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`tickets-${count}-`) && !name.startsWith(stem))
      rmSync(join(dir, name), { force: true });
  }
  log(`generating ${count.toLocaleString("en-US")} tickets -> ${relative(repoRoot, file)}`);
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/generate-fixtures.ts",
      "--count",
      String(count),
      "--out",
      file,
      "--seed",
      DATASET_SEED,
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" },
  );
  if (result.status !== 0) {
    throw new Error(
      `the fixture generator failed (exit ${result.status}):\n${result.stderr}${result.stdout}`,
    );
  }
  if (!existsSync(file) || statSync(file).size === 0) throw new Error(`the generator wrote no ${file}`);
  return {
    tickets: count,
    file,
    cached: false,
    generateMs: performance.now() - started,
    firstNumber: FIRST_TICKET_NUMBER,
  };
}
