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
    packages: /^(node:.*|proper-lockfile|write-file-atomic|zod)$/,
  },
  service: { layers: ["domain", "store", "service", "root"], packages: /^(node:.*|zod|gray-matter)$/ },
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

  it.each(all.filter((f) => layerOf(f) === "desk").map((f) => [relative(SRC, f), f]))(
    "%s reaches the store through its index only (the desk runs on either store)",
    (_name, file) => {
      const inside = imports(file)
        .filter((spec) => spec.startsWith("."))
        .map((spec) => relative(SRC, resolve(dirname(file), spec)))
        .filter((target) => target.startsWith("store/") && target !== "store/index.js");
      expect(inside).toEqual([]);
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
