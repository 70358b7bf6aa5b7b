import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { builtEntry, CHILD_FIXTURES, distStaleness, fixtureEntry } from "./support/built.js";

// The process tests start dist/ and bundles of test programs built against it (test/support/built.ts):
// the mapping, the check that dist/ is current, and that the bundles load no source module.

const ROOT = resolve(import.meta.dirname, "..");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("built programs for process tests", () => {
  it("maps a source module to its build under dist/, and refuses anything else", () => {
    expect(builtEntry("src/cli/reset.ts")).toBe(join(ROOT, "dist/cli/reset.js"));
    expect(builtEntry(join(ROOT, "src/index.ts"))).toBe(join(ROOT, "dist/index.js"));
    expect(() => builtEntry("test/store/fixtures/child.ts")).toThrow(/not a TypeScript module under src/);
  });

  it("calls dist/ stale when it is missing or a source file changed after the build", () => {
    const root = mkdtempSync(join(tmpdir(), "built-"));
    dirs.push(root);
    mkdirSync(join(root, "src/cli"), { recursive: true });
    writeFileSync(join(root, "src/cli/a.ts"), "export {};\n");
    expect(distStaleness(root)).toBe("missing");
    mkdirSync(join(root, "dist/cli"), { recursive: true });
    writeFileSync(join(root, "dist/index.js"), "export {};\n");
    writeFileSync(join(root, "dist/cli/a.js"), "export {};\n");
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, "src/cli/a.ts"), past, past);
    expect(distStaleness(root)).toBeUndefined();
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(root, "src/cli/a.ts"), future, future);
    expect(distStaleness(root)).toBe("older than src/cli/a.ts");
  });

  it("bundles each test program against dist/ (the suite's setup ran)", () => {
    for (const source of CHILD_FIXTURES) {
      const bundle = readFileSync(fixtureEntry(source), "utf8");
      const imports = [...bundle.matchAll(/\bfrom "([^"]+)";/g)].map((m) => m[1] ?? "");
      expect(imports.filter((i) => i.startsWith(join(ROOT, "dist/")))).not.toEqual([]);
      expect(imports.filter((i) => i.includes("/src/") || i.endsWith(".ts"))).toEqual([]);
    }
  });
});
