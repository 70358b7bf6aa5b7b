import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeTools } from "../../src/mcp/tool-runtime.js";
import { TOOLSETS } from "../../src/mcp/toolsets.js";
import { TEST_ARTICLES, testTickets } from "../support/data.js";
import { startHarness, type Harness } from "../support/harness.js";
import { TOOLS } from "../support/workspace.js";
import { mutatedArgsArb, randomArgsArb, validArb, type JsonSchema, type KnownIds } from "./arbitraries.js";
import { changedPaths, fingerprint } from "./runtime-files.js";

// A read-only server (TRIAGE_READ_ONLY=1) under arbitrary calls to every tool, listed or not: it
// answers every call, a tool that changes data is refused (NOT_FOUND, saying read-only mode hides
// it) whatever its arguments, and no call changes a single file of the runtime.
// FUZZ_RUNS / FUZZ_SEED as in tools.fuzz.test.ts.

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 10);
const SEED = Number(process.env["FUZZ_SEED"] ?? 20_260_505);
const TEST_TIMEOUT_MS = 60_000 + RUNS * 250;

let h: Harness;
const schemas = new Map(describeTools(TOOLS).map((t) => [t.name, t.inputSchema as JsonSchema]));
const ids: KnownIds = {
  ticketIds: testTickets().map((t) => t.id),
  articleIds: Object.keys(TEST_ARTICLES),
  recommendationIds: [],
  examples: new Map(),
};

beforeAll(async () => {
  h = await startHarness({ selection: { readOnly: true, toolsets: TOOLSETS }, approvalMode: "chat" });
});
afterAll(async () => {
  await h.close();
});

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}

describe(`a read-only server (seed ${SEED}, ${RUNS} runs per property)`, () => {
  for (const tool of TOOLS) {
    it(
      `${tool.name} (${tool.kind}): answers, ${tool.kind === "read" ? "may serve" : "always refuses"}, writes nothing`,
      async () => {
        const schema = schemas.get(tool.name) as JsonSchema;
        const args = fc.oneof(
          randomArgsArb(schema),
          mutatedArgsArb(tool.name, schema, ids),
          validArb(schema, ids),
        );
        const audit = join(h.data.dataRoot, "audit.jsonl");
        const before = fingerprint(h.data.dataRoot);
        const log = readFileSync(audit);
        await fc.assert(
          fc.asyncProperty(args, async (a) => {
            const wire = JSON.parse(JSON.stringify(a ?? {})) as Record<string, unknown>;
            const result = (await h.client.callTool({ name: tool.name, arguments: wire })) as CallToolResult;
            if (tool.kind !== "read") {
              expect(result.isError).toBe(true);
              expect(textOf(result)).toMatch(
                /^NOT_FOUND: Tool "[a-z_]+" changes data, and this server runs read-only/,
              );
            } else if (result.isError === true) {
              expect(textOf(result)).toMatch(/^[A-Z_]+: \S/);
              expect(textOf(result).startsWith("INTERNAL:")).toBe(false);
            }
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
        expect(changedPaths(before, fingerprint(h.data.dataRoot))).toEqual([]);
        expect(readFileSync(audit).equals(log)).toBe(true);
      },
      TEST_TIMEOUT_MS,
    );
  }
});
