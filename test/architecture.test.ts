import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";

// Layers point inward only: domain <- store, service <- mcp <- index/cli.
const SRC = resolve(import.meta.dirname, "../src");

type Layer = "domain" | "store" | "service" | "mcp" | "cli" | "root";

const ALLOWED: Record<Layer, { layers: Layer[]; packages: RegExp }> = {
  domain: { layers: ["domain"], packages: /^zod$/ },
  store: {
    layers: ["domain", "store", "root"],
    packages: /^(node:.*|proper-lockfile|write-file-atomic|zod)$/,
  },
  service: { layers: ["domain", "store", "service", "root"], packages: /^(node:.*|zod|gray-matter)$/ },
  mcp: {
    layers: ["domain", "service", "mcp", "root"],
    packages: /^(node:.*|zod|@modelcontextprotocol\/sdk\/.*)$/,
  },
  cli: { layers: ["domain", "store", "service", "mcp", "cli", "root"], packages: /.*/ },
  root: { layers: ["domain", "store", "service", "mcp", "cli", "root"], packages: /.*/ },
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".ts") ? [p] : [];
  });
}

function layerOf(file: string): Layer {
  const top = relative(SRC, file).split("/")[0] ?? "";
  return (["domain", "store", "service", "mcp", "cli"] as const).find((l) => l === top) ?? "root";
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

  it("detects a violation (the check itself can fail)", () => {
    const rule = ALLOWED.domain;
    expect(rule.packages.test("node:fs")).toBe(false);
    expect(rule.layers.includes("store")).toBe(false);
  });
});
