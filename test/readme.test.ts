import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONFIG_END,
  CONFIG_START,
  END,
  renderConfigTable,
  renderReadme,
  renderTables,
  START,
} from "../scripts/readme-tables.js";
import { CONFIG_VARIABLES } from "../src/config.js";
import { TOOLS } from "./support/workspace.js";

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

  it("has the configuration table generated from the variables the code declares", () => {
    const readme = readFileSync(README, "utf8");
    const table = readme.slice(readme.indexOf(CONFIG_START), readme.indexOf(CONFIG_END));
    expect(table).toContain(renderConfigTable());
    for (const v of CONFIG_VARIABLES) for (const name of v.names) expect(table).toContain(`\`${name}\``);
    const stale = `${CONFIG_START}\n| old |\n${CONFIG_END}`;
    expect(renderReadme(`${START}\n${END}\n${stale}`)).not.toContain("| old |");
  });

  it("docs/clients.md points to that table and names no variable the code does not declare", () => {
    const clients = readFileSync(resolve(import.meta.dirname, "../docs/clients.md"), "utf8");
    expect(clients).toContain("[Configuration](../README.md#configuration)");
    const declared = new Set(CONFIG_VARIABLES.flatMap((v) => v.names));
    const named = new Set(clients.match(/\bTRIAGE_[A-Z_]+\b/g));
    expect([...named].filter((n) => !declared.has(n))).toEqual([]);
    expect([...declared].filter((n) => !named.has(n))).toEqual([]);
  });
});
