import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { END, renderReadme, renderTables, START } from "../scripts/readme-tables.js";
import { TOOLS } from "../src/mcp/tools/index.js";

const README = resolve(import.meta.dirname, "../README.md");

describe("README", () => {
  it("tool tables are generated from the tool definitions and current (npm run docs)", () => {
    const readme = readFileSync(README, "utf8");
    expect(renderReadme(readme)).toBe(readme);
  });

  it("the generated table names every tool", () => {
    const tables = renderTables();
    for (const t of TOOLS) expect(tables).toContain(`\`${t.name}\``);
  });

  it("a stale table is detected", () => {
    const stale = `x\n${START}\n| old |\n${END}\ny`;
    expect(renderReadme(stale)).not.toBe(stale);
  });

  it("shows the two quick-start commands first", () => {
    const readme = readFileSync(README, "utf8");
    const quick = readme.indexOf("## Quick start");
    expect(quick).toBeGreaterThan(0);
    expect(readme.indexOf("npm test")).toBeGreaterThan(quick);
  });
});
