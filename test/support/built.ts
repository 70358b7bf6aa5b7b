import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

// Tests that run one of the server's programs as a separate process start its compiled
// JavaScript under dist/ (`npm test` builds it first; the suite's global setup,
// test/support/built-setup.ts, checks it is current). `node --import tsx src/....ts` would
// transpile on every start: about three times the CPU of `node dist/....js` per process.

const ROOT = resolve(import.meta.dirname, "../..");

/** The built module of a source file: `src/cli/reset.ts` -> `<repo>/dist/cli/reset.js`. */
export function builtEntry(source: string): string {
  const path = relative(ROOT, resolve(ROOT, source));
  if (!path.startsWith("src/") || !path.endsWith(".ts")) {
    throw new Error(`builtEntry: ${source} is not a TypeScript module under src/`);
  }
  return join(ROOT, "dist", path.slice("src/".length, -".ts".length) + ".js");
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Why dist/ cannot stand for src/ (missing, or a source file changed after the build), or undefined. */
export function distStaleness(root: string = ROOT): string | undefined {
  const dist = join(root, "dist");
  if (!existsSync(join(dist, "index.js"))) return "missing";
  const built = Math.min(...files(dist).map((f) => statSync(f).mtimeMs));
  const changed = files(join(root, "src")).find((f) => statSync(f).mtimeMs > built);
  return changed === undefined ? undefined : `older than ${relative(root, changed)}`;
}
