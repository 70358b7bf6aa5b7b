import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";

// Layers point inward only: domain <- store, service <- mcp <- index/cli. Beside them, ui (the
// review packet rendered as HTML, pure, shared by the card and the desk) on domain only, the
// card's view script (src/ui/card, run in the host's iframe) on ui and the ext-apps App class,
// and the desk (a web server beside the MCP server) on the services, ui and the store's index.
const SRC = resolve(import.meta.dirname, "../src");

type Layer = "domain" | "store" | "service" | "mcp" | "ui" | "view" | "desk" | "cli" | "root";

const ALLOWED: Record<Layer, { layers: Layer[]; packages: RegExp }> = {
  domain: { layers: ["domain"], packages: /^zod$/ },
  store: {
    layers: ["domain", "store", "root"],
    packages: /^(node:.*|proper-lockfile|pg|zod)$/,
  },
  service: { layers: ["domain", "store", "service", "root"], packages: /^(node:.*|zod|gray-matter|yaml)$/ },
  mcp: {
    layers: ["domain", "service", "mcp", "root"],
    packages: /^(node:.*|zod|@modelcontextprotocol\/sdk\/.*|@modelcontextprotocol\/ext-apps\/server)$/,
  },
  ui: { layers: ["domain", "ui"], packages: /^$/ },
  view: {
    layers: ["domain", "ui", "view"],
    packages: /^(@modelcontextprotocol\/ext-apps|@modelcontextprotocol\/sdk\/types\.js)$/,
  },
  desk: { layers: ["domain", "store", "service", "ui", "desk"], packages: /^(node:.*|zod)$/ },
  cli: { layers: ["domain", "store", "service", "mcp", "ui", "desk", "cli", "root"], packages: /.*/ },
  root: { layers: ["domain", "store", "service", "mcp", "ui", "desk", "cli", "root"], packages: /.*/ },
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function layerOf(file: string): Layer {
  const [top = "", second = ""] = relative(SRC, file).split("/");
  if (top === "ui") return second === "card" ? "view" : "ui";
  return (["domain", "store", "service", "mcp", "desk", "cli"] as const).find((l) => l === top) ?? "root";
}

/**
 * Folders whose public surface is their index.ts: code outside the folder imports only that
 * module (playwright-mcp's per-folder DEPS lists, in one table). Tests and scripts may reach
 * inside (white-box tests of the parts); src/ may not. A folder joins the list once nothing
 * outside it reaches past its index.
 */
const DOORS = ["store", "domain/secrets", "domain/text"];

/**
 * Folders with a narrower rule than their layer's. store/core is what every store backend
 * shares: it does no I/O and knows nothing of either backend. The backends know nothing of each
 * other: the file store does no SQL, the PostgreSQL store no file I/O (copy-runtime.ts, beside
 * them, is what moves a runtime from one to the other; audit-copy/ is the one file the
 * PostgreSQL store keeps on disk, the local copy of its audit log).
 */
const FOLDER_RULES: { folder: string; packages: RegExp; notInto: string[] }[] = [
  {
    folder: "store/core",
    packages: /^(node:crypto|node:diagnostics_channel|zod)$/,
    notInto: ["store/file", "store/postgres"],
  },
  { folder: "store/file", packages: /^(node:.*|proper-lockfile|zod)$/, notInto: ["store/postgres"] },
  // node:module: createRequire loads pg on first use, so a file-store server never imports it.
  // node:zlib: state snapshots are stored gzipped (in memory, no file I/O).
  {
    folder: "store/postgres",
    packages: /^(node:crypto|node:module|node:os|node:zlib|pg)$/,
    notInto: ["store/file"],
  },
  {
    folder: "store/audit-copy",
    packages: /^(node:fs|node:path|proper-lockfile)$/,
    notInto: ["store/file", "store/postgres"],
  },
];

const within = (file: string, folder: string): boolean =>
  relative(join(SRC, folder), file).split("/")[0] !== "..";

/** Why importing `spec` from `file` goes around a folder's door, if it does. */
function doorViolation(file: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const target = resolve(dirname(file), spec);
  for (const folder of DOORS) {
    if (within(file, folder) || !within(target, folder)) continue;
    if (relative(join(SRC, folder), target) !== "index.js")
      return `${spec} (import src/${folder}/index.js instead)`;
  }
  return undefined;
}

/** What a folder's own rule forbids in `file`'s imports. */
function folderViolations(file: string, specs: readonly string[]): string[] {
  const out: string[] = [];
  for (const rule of FOLDER_RULES) {
    if (!within(file, rule.folder)) continue;
    for (const spec of specs) {
      if (!spec.startsWith(".")) {
        if (!rule.packages.test(spec)) out.push(`${spec} (src/${rule.folder} may not use it)`);
      } else {
        const into = rule.notInto.find((f) => within(resolve(dirname(file), spec), f));
        if (into !== undefined) out.push(`${spec} (src/${rule.folder} may not import ${into})`);
      }
    }
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"'`;]*?from\s+["']([^"']+)["']/g),
    ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g),
  ].map((m) => m[1] ?? "");
}

describe("architecture", () => {
  const all = files(SRC);

  it("finds the source tree", () => {
    expect(all.length).toBeGreaterThan(10);
  });

  it.each(all.map((f) => [relative(SRC, f), f]))("%s imports only what its layer allows", (_name, file) => {
    const layer = layerOf(file);
    const rule = ALLOWED[layer];
    const violations: string[] = [];
    for (const spec of imports(file)) {
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec);
        const targetLayer = layerOf(target);
        if (!rule.layers.includes(targetLayer)) violations.push(`${spec} (${targetLayer})`);
      } else if (!rule.packages.test(spec)) {
        violations.push(spec);
      }
    }
    expect(violations).toEqual([]);
  });

  it.each(all.map((f) => [relative(SRC, f), f]))(
    "%s enters other folders only through their index.ts",
    (_name, file) => {
      const specs = imports(file);
      const violations = specs.map((spec) => doorViolation(file, spec)).filter((v) => v !== undefined);
      expect([...violations, ...folderViolations(file, specs)]).toEqual([]);
    },
  );

  it("detects a violation (the check itself can fail)", () => {
    const rule = ALLOWED.domain;
    expect(rule.packages.test("node:fs")).toBe(false);
    expect(rule.layers.includes("store")).toBe(false);
  });

  it("keeps the shared review rendering pure: domain only, no package, nothing imports the view", () => {
    expect(layerOf(join(SRC, "ui/review/render.ts"))).toBe("ui");
    expect(layerOf(join(SRC, "ui/card/main.ts"))).toBe("view");
    expect(ALLOWED.ui.layers).toEqual(["domain", "ui"]);
    expect(ALLOWED.ui.packages.test("@modelcontextprotocol/ext-apps")).toBe(false);
    expect(ALLOWED.ui.packages.test("node:fs")).toBe(false);
    for (const layer of Object.keys(ALLOWED) as Layer[]) {
      if (layer !== "view") expect(ALLOWED[layer].layers, layer).not.toContain("view");
    }
    expect(all.some((f) => layerOf(f) === "ui")).toBe(true);
  });

  it("detects an import around a folder's door, and what store/core and each backend may not use (the checks can fail)", () => {
    const service = join(SRC, "service/x.ts");
    expect(doorViolation(service, "../store/file/log.js")).toBe(
      "../store/file/log.js (import src/store/index.js instead)",
    );
    expect(doorViolation(service, "../store/types.js")).toBeDefined();
    expect(doorViolation(service, "../store/index.js")).toBeUndefined();
    // Inside the folder, its parts import each other freely.
    expect(doorViolation(join(SRC, "store/file/commit.ts"), "../core/state.js")).toBeUndefined();
    const core = join(SRC, "store/core/x.ts");
    expect(folderViolations(core, ["node:fs", "../file/log.js", "./state.js", "zod"])).toEqual([
      "node:fs (src/store/core may not use it)",
      "../file/log.js (src/store/core may not import store/file)",
    ]);
    const postgres = join(SRC, "store/postgres/x.ts");
    expect(folderViolations(postgres, ["pg", "node:fs", "../file/log.js", "../core/state.js"])).toEqual([
      "node:fs (src/store/postgres may not use it)",
      "../file/log.js (src/store/postgres may not import store/file)",
    ]);
    expect(folderViolations(join(SRC, "store/file/x.ts"), ["pg", "../postgres/tables.js"])).toEqual([
      "pg (src/store/file may not use it)",
      "../postgres/tables.js (src/store/file may not import store/postgres)",
    ]);
  });

  it("keeps the desk on the service layer: no MCP, no CLI, and nothing but the CLI and the bin import it", () => {
    expect(layerOf(join(SRC, "desk/server.ts"))).toBe("desk");
    expect(ALLOWED.desk.layers).not.toContain("mcp");
    expect(ALLOWED.desk.layers).not.toContain("cli");
    expect(ALLOWED.desk.packages.test("@modelcontextprotocol/sdk/server/mcp.js")).toBe(false);
    for (const layer of ["domain", "store", "service", "mcp", "ui", "view"] as const) {
      expect(ALLOWED[layer].layers, layer).not.toContain("desk");
    }
    expect(all.filter((f) => layerOf(f) === "desk").length).toBeGreaterThan(3);
  });
});
