import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { epochFileFor } from "../src/service/seed.js";
import { BUNDLED, RUNBOOK } from "../src/paths.js";
import { CARD_HTML_FILE } from "../src/mcp/review-card.js";
import { CLIENT_SCRIPT_FILE } from "../src/desk/assets.js";

// What `npm pack` publishes is the server and its data. Generators, the fixture catalogue, the
// evaluation harness and the demo live outside src/ so they never reach dist/; this test reads
// the pack list itself (`npm test` builds dist/ before the suite).

const ROOT = resolve(import.meta.dirname, "..");

/**
 * Where published code starts: the package bin (the stdio server, whose `review`, `handoffs` and
 * `import` subcommands it imports) and the operator commands run from the built package.
 */
const ENTRIES = ["dist/index.js", "dist/cli/reset.js", "dist/cli/audit-verify.js"];

/** Files the desk serves to browsers as they are (read at run time, never imported). */
const SERVED = ["dist/desk/client/desk.js"];

/** Development tooling by name: none of it may be published, whatever imports it. */
const TOOLING =
  /(^|\/)(fixtures|evaluate|generate-fixtures|readme-tables|demo|expected-outcomes|sample-recommendations)(\/|\.|$)/;

function packedFiles(): string[] {
  // npm_execpath is npm itself when the suite runs under `npm test`.
  const npm = process.env.npm_execpath;
  const [command, prefix] =
    npm !== undefined && /npm-cli\.js$/.test(npm) ? [process.execPath, [npm]] : ["npm", []];
  const result = spawnSync(command, [...prefix, "pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  expect(result.status, result.stderr).toBe(0);
  const [pack] = JSON.parse(result.stdout) as { files: { path: string }[] }[];
  return (pack?.files ?? []).map((f) => f.path);
}

/** Relative specifiers a compiled module imports (static, re-exported or dynamic). */
function relativeImports(source: string): string[] {
  const found = [
    ...source.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["'](\.[^"']+)["']/gm),
    ...source.matchAll(/^\s*import\s*["'](\.[^"']+)["']/gm),
    ...source.matchAll(/\bimport\(\s*["'](\.[^"']+)["']\s*\)/g),
  ];
  return found.map((m) => m[1] ?? "");
}

/** Every module the entries reach through relative imports, as package paths. */
function reachable(entries: readonly string[], read: (path: string) => string): Set<string> {
  const seen = new Set<string>();
  const queue = [...entries];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    for (const spec of relativeImports(read(path))) queue.push(posix.join(posix.dirname(path), spec));
  }
  return seen;
}

/** A module compiled from types only: nothing runs, whoever imports it. */
function typesOnly(source: string): boolean {
  return source.replace(/^\/\/.*$/gm, "").replace(/\s/g, "") === "export{};";
}

/**
 * Published modules nothing published runs: tooling that slipped under src/. A folder's public
 * surface (index.js) may be published before anything imports it; what only it reaches may not.
 */
function unreachableModules(packed: readonly string[], read: (path: string) => string): string[] {
  const used = reachable(ENTRIES, read);
  return packed.filter(
    (p) =>
      p.startsWith("dist/") &&
      p.endsWith(".js") &&
      !used.has(p) &&
      !SERVED.includes(p) &&
      posix.basename(p) !== "index.js" &&
      !typesOnly(read(p)),
  );
}

/** The data files the server reads at run time when nothing is configured. */
function runtimeDataFiles(): string[] {
  const config = loadConfig({}, ROOT);
  const knowledge = readdirSync(config.knowledgeRoot)
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(config.knowledgeRoot, f));
  return [config.seedFile, epochFileFor(config.seedFile), BUNDLED.workspaceFile, ...knowledge].map((f) =>
    relative(ROOT, f),
  );
}

describe("npm pack", () => {
  const built = existsSync(join(ROOT, "dist/index.js"));
  const packed = built ? packedFiles() : [];
  const readDist = (path: string) => readFileSync(join(ROOT, path), "utf8");

  it("has the built server to inspect", () => {
    expect(built, "run `npm run build` first (npm test does)").toBe(true);
    expect(packed).toContain("package.json");
  });

  it("builds the bin executable: a bin link made before a rebuild (npx, npm link) still runs it", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      bin: Record<string, string>;
    };
    for (const entry of Object.values(pkg.bin)) {
      expect(readDist(entry).startsWith("#!/usr/bin/env node\n"), entry).toBe(true);
      expect(statSync(join(ROOT, entry)).mode & 0o111, `${entry} is not executable`).not.toBe(0);
    }
  });

  it("publishes the server: every entry and every module it imports", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      bin: Record<string, string>;
      main: string;
    };
    expect(ENTRIES).toContain(pkg.main);
    for (const bin of Object.values(pkg.bin)) expect(ENTRIES).toContain(bin);
    const missing = [...reachable(ENTRIES, readDist)].filter((p) => !packed.includes(p));
    expect(missing).toEqual([]);
  });

  it("publishes the data the server reads at run time (seed, epoch, knowledge, workspace)", () => {
    const data = runtimeDataFiles();
    expect(data).toContain("data/workspace.json");
    expect(data.filter((f) => !packed.includes(f))).toEqual([]);
  });

  it("publishes the operator's runbook that the server's repair messages name", () => {
    expect(packed).toContain(relative(ROOT, RUNBOOK));
  });

  it("publishes the built review card, where the server reads it, and the shared renderer the desk imports", () => {
    const card = relative(ROOT, CARD_HTML_FILE);
    expect(card).toBe("dist/ui/review-card.html");
    expect(packed).toContain(card);
    const ui = packed.filter((p) => p.startsWith("dist/ui/") && p !== card);
    expect(ui).toContain("dist/ui/review/render.js");
    // The card's own script is inside the card's HTML, never a module of its own.
    expect(ui.filter((p) => !p.startsWith("dist/ui/review/"))).toEqual([]);
    const used = reachable(ENTRIES, readDist);
    expect(ui.filter((p) => p.endsWith(".js") && !used.has(p))).toEqual([]);
  });

  it("publishes the desk's browser script where the desk reads it", () => {
    expect(relative(join(ROOT, "src"), CLIENT_SCRIPT_FILE)).toBe("desk/client/desk.js");
    expect(packed).toEqual(expect.arrayContaining(SERVED));
    expect(readDist("dist/desk/client/desk.js")).toBe(readFileSync(CLIENT_SCRIPT_FILE, "utf8"));
  });

  it("publishes no generator, fixture catalogue, evaluation harness or demo", () => {
    expect(packed.filter((p) => TOOLING.test(p))).toEqual([]);
    expect(unreachableModules(packed, readDist)).toEqual([]);
    expect(packed.filter((p) => /^(src|scripts|test)\//.test(p))).toEqual([]);
  });

  it("detects tooling under dist/ (the checks themselves can fail)", () => {
    const sources: Record<string, string> = {
      "dist/index.js": 'import { a } from "./service/a.js";\nconst cli = () => import("./cli/review.js");',
      "dist/service/a.js": 'export * from "./b.js";',
      "dist/service/b.js": "export const b = 1;",
      "dist/cli/review.js": "export {};",
      "dist/cli/reset.js": "export {};",
      "dist/cli/audit-verify.js": "export {};",
      "dist/store/index.js": 'export { b } from "../service/b.js";',
      "dist/store/types.js": "export {};\n//# sourceMappingURL=types.js.map",
      "dist/cli/fixtures/index.js": 'export * from "./build.js";',
      "dist/cli/fixtures/build.js": "export const CATALOGUE = [];",
    };
    const read = (p: string) => sources[p] ?? "";
    const list = Object.keys(sources);
    expect(unreachableModules(list, read)).toEqual(["dist/cli/fixtures/build.js"]);
    expect(list.filter((p) => TOOLING.test(p))).toEqual([
      "dist/cli/fixtures/index.js",
      "dist/cli/fixtures/build.js",
    ]);
    expect(TOOLING.test("dist/cli/generate-fixtures.js")).toBe(true);
    expect(TOOLING.test("dist/cli/readme-tables.js.map")).toBe(true);
    expect(TOOLING.test("dist/cli/evaluate/run.js")).toBe(true);
    expect(TOOLING.test("dist/service/seed.js")).toBe(false);
  });
});
