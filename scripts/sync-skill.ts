// Mirrors every Skill under .agents/skills (the canonical tree, read by Codex) into .claude/skills
// (where Claude Code looks), byte for byte.
//
//   npx tsx scripts/sync-skill.ts            write the copies
//   npx tsx scripts/sync-skill.ts --check    exit 1 and list the files that differ
//   ... --root <dir>                         operate on another checkout (used by the tests)
//
// Only the Skill folders that exist in .agents/skills are touched: other Claude-only Skills stay.
import { copyFile, mkdir, readdir, readFile, rm } from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { PROCESS_IO, runCommand, runIfMain, type CommandIo } from "../src/cli/command.js";

export const CANONICAL_DIR = ".agents/skills";
export const CLAUDE_DIR = ".claude/skills";

export type DifferenceKind = "missing" | "extra" | "changed";

export interface Difference {
  readonly kind: DifferenceKind;
  /** POSIX path relative to the repository root, inside the Claude copy. */
  readonly path: string;
}

/** Relative POSIX paths of every regular file below `root`, sorted; empty when `root` is absent. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string, prefix: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    for (const entry of entries) {
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), rel);
      else if (entry.isFile()) out.push(rel);
    }
  }
  await walk(root, "");
  return out.sort();
}

async function skillNames(repoRoot: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(repoRoot, CANONICAL_DIR), { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

/** Every file that is missing from, extra in, or different in the Claude copy. */
export async function diffSkills(repoRoot: string): Promise<Difference[]> {
  const differences: Difference[] = [];
  for (const name of await skillNames(repoRoot)) {
    const source = path.join(repoRoot, CANONICAL_DIR, name);
    const target = path.join(repoRoot, CLAUDE_DIR, name);
    const sourceFiles = await listFiles(source);
    const targetFiles = new Set(await listFiles(target));
    for (const rel of sourceFiles) {
      const shown = `${CLAUDE_DIR}/${name}/${rel}`;
      if (!targetFiles.has(rel)) {
        differences.push({ kind: "missing", path: shown });
        continue;
      }
      targetFiles.delete(rel);
      const [a, b] = await Promise.all([readFile(path.join(source, rel)), readFile(path.join(target, rel))]);
      if (!a.equals(b)) differences.push({ kind: "changed", path: shown });
    }
    for (const rel of targetFiles) differences.push({ kind: "extra", path: `${CLAUDE_DIR}/${name}/${rel}` });
  }
  return differences.sort((x, y) => x.path.localeCompare(y.path));
}

/** Makes the Claude copy identical to the canonical tree; returns what it had to change. */
export async function syncSkills(repoRoot: string): Promise<Difference[]> {
  const differences = await diffSkills(repoRoot);
  const prefix = `${CLAUDE_DIR}/`;
  for (const d of differences) {
    const target = path.join(repoRoot, d.path);
    if (d.kind === "extra") {
      await rm(target);
      continue;
    }
    const source = path.join(repoRoot, CANONICAL_DIR, d.path.slice(prefix.length));
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(source, target);
  }
  return differences;
}

function describe(d: Difference): string {
  const what = { missing: "missing", extra: "not in the canonical tree", changed: "differs" }[d.kind];
  return `  ${d.path} (${what})`;
}

const USAGE = `Usage: npx tsx scripts/sync-skill.ts [--check] [--root DIR]

Mirrors every Skill under ${CANONICAL_DIR} into ${CLAUDE_DIR}, byte for byte.
  --check      only list the files that differ (exit 1 when any does)
  --root DIR   operate on another checkout (default: this one)
  -h, --help   show this help
`;

const OPTIONS = { check: { type: "boolean" }, root: { type: "string" } } as const;

interface SyncOptions {
  readonly check: boolean;
  readonly repoRoot: string;
}

async function sync({ check, repoRoot }: SyncOptions, io: CommandIo): Promise<number> {
  if (check) {
    const differences = await diffSkills(repoRoot);
    if (differences.length === 0) {
      io.stdout(`${CLAUDE_DIR} matches ${CANONICAL_DIR}.\n`);
      return 0;
    }
    io.stderr(`${CLAUDE_DIR} is out of date with ${CANONICAL_DIR}:\n`);
    for (const d of differences) io.stderr(`${describe(d)}\n`);
    io.stderr("Run `npx tsx scripts/sync-skill.ts` to regenerate the copy.\n");
    return 1;
  }

  const changed = await syncSkills(repoRoot);
  if (changed.length === 0) io.stdout(`${CLAUDE_DIR} already matches ${CANONICAL_DIR}.\n`);
  else for (const d of changed) io.stdout(`updated ${d.path}\n`);
  return 0;
}

export function main(argv: readonly string[], io: CommandIo = PROCESS_IO): Promise<number> {
  return runCommand(
    {
      name: "sync-skill",
      usage: USAGE,
      options: OPTIONS,
      parse: ({ values }) => ({
        check: values.check === true,
        repoRoot:
          values.root !== undefined
            ? path.resolve(values.root)
            : path.resolve(path.dirname(fileURLToPath(import.meta.url)), ".."),
      }),
      run: sync,
    },
    argv,
    io,
  );
}

await runIfMain(import.meta.url, "sync-skill", main);
