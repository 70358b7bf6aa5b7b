import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/domain/errors.js";
import {
  ERROR_TABLE_END,
  ERROR_TABLE_START,
  renderErrorCodeTable,
  withErrorCodeTable,
} from "../../src/mcp/errors.js";

// The README's error-code table is generated from the code list (npm run docs), like the tool
// table, and names every code a tool error can carry.

const ROOT = resolve(import.meta.dirname, "../..");
const README = resolve(ROOT, "README.md");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

describe("README error-code table", () => {
  it("is current (npm run docs)", () => {
    const readme = readFileSync(README, "utf8");
    expect(readme).toContain(ERROR_TABLE_START);
    expect(withErrorCodeTable(readme)).toBe(readme);
    expect(readme).toContain(renderErrorCodeTable());
  });

  it("a stale or missing table is detected", () => {
    const stale = `x\n${ERROR_TABLE_START}\n| old |\n${ERROR_TABLE_END}\ny`;
    expect(withErrorCodeTable(stale)).not.toBe(stale);
    expect(() => withErrorCodeTable(`x\n${ERROR_TABLE_END}\n${ERROR_TABLE_START}\n`)).toThrow(
      /needs both markers/,
    );
  });

  it("has one row per code, each with a meaning and what to do", () => {
    const rows = renderErrorCodeTable().split("\n").slice(2);
    expect(rows.map((r) => /^\| `([A-Z_]+)` \|/.exec(r)?.[1])).toEqual([...ERROR_CODES, "INTERNAL"]);
    for (const row of rows) {
      const [, meaning, next] = row.split(" | ");
      expect(meaning?.length, row).toBeGreaterThan(30);
      expect(next?.length, row).toBeGreaterThan(30);
    }
    for (const code of ["SECRET_DETECTED", "HUMAN_APPROVAL_REQUIRED", "APPROVAL_DECLINED"]) {
      expect(renderErrorCodeTable()).toContain(`| \`${code}\` |`);
    }
  });

  it("names every code the source raises", () => {
    const raised = new Set<string>();
    for (const file of sources(resolve(ROOT, "src"))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:new DomainError|toolError)\(\s*"([A-Z_]+)"/g)) raised.add(m[1] ?? "");
    }
    expect(raised.size).toBeGreaterThan(5);
    const table = renderErrorCodeTable();
    for (const code of raised) expect(table, code).toContain(`| \`${code}\` |`);
  });
});
