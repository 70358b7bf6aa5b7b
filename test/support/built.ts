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

/**
 * Test programs (TypeScript under test/) that tests start as processes. The global setup bundles
 * each into one JavaScript file whose imports of src/ point at the built modules in dist/, so the
 * child runs the same code as the CLIs above and starts without a transpiler.
 */
export const CHILD_FIXTURES = [
  "test/store/fixtures/child.ts",
  "test/hostile/fixtures/runtime-child.ts",
] as const;

const FIXTURE_DIR = join(ROOT, "node_modules", ".cache", "test-fixtures");

/** The bundle of one of CHILD_FIXTURES: `node <this> ...` starts it. */
export function fixtureEntry(source: (typeof CHILD_FIXTURES)[number]): string {
  return join(FIXTURE_DIR, source.replaceAll("/", "__").replace(/\.ts$/, ".mjs"));
}

/** Bundles CHILD_FIXTURES (see fixtureEntry); src/ modules stay external, loaded from dist/. */
export async function bundleFixtures(): Promise<void> {
  const { build } = await import("esbuild");
  const src = join(ROOT, "src");
  for (const source of CHILD_FIXTURES) {
    await build({
      entryPoints: [join(ROOT, source)],
      outfile: fixtureEntry(source),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      logLevel: "error",
      plugins: [
        {
          name: "src-from-dist",
          setup(b) {
            b.onResolve({ filter: /\/src\// }, (args) => {
              const path = resolve(args.resolveDir, args.path);
              if (!path.startsWith(src + "/")) return undefined;
              return { path: builtEntry(relative(ROOT, path).replace(/\.js$/, ".ts")), external: true };
            });
          },
        },
      ],
    });
  }
}
