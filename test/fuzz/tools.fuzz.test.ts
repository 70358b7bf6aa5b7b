import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ARGUMENT_BYTES } from "../../src/mcp/tool-runtime.js";
import { describeTools } from "../../src/mcp/tool-runtime.js";
import { TOOLS } from "../support/workspace.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { startHarness, type Harness } from "../support/harness.js";
import { TEST_ARTICLES } from "../support/data.js";
import { mutatedArgsArb, randomArgsArb, validArb, type JsonSchema, type KnownIds } from "./arbitraries.js";
import { auditLinesAfter, changedPaths, fingerprint } from "./runtime-files.js";

// Property tests over every tool in TOOLS, through a real SDK Client. For any arguments:
//  - the server answers within CALL_TIMEOUT_MS (the client neither throws nor times out);
//  - a refusal is a tool error reading `CODE: message`, never INTERNAL, without a stack trace or
//    a path of this machine;
//  - a refused call leaves every file under the runtime directory as it was (the one exception:
//    a refused approval of a real pending recommendation appends its `approval-rejected` audit
//    event, by design);
//  - the server keeps serving (a follow-up list_tickets works) and no prototype is polluted.
// Accepted calls are fine; the client checks their structuredContent against the outputSchema.
//
// `npm test` runs a fixed seed and a few runs per property. Long runs:
//   FUZZ_RUNS=2000 FUZZ_SEED=$RANDOM npx vitest run test/fuzz
// (FUZZ_STATS=1 also prints accepted/refused counts and refusal codes per tool.)

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got ${raw}`);
  return value;
}

const RUNS = envInt("FUZZ_RUNS", 25);
const SEED = envInt("FUZZ_SEED", 20_260_504);
const CALL_TIMEOUT_MS = 15_000;
/** Per-test budget, generous per run, so long runs (FUZZ_RUNS) are not cut off by vitest's default. */
const TEST_TIMEOUT_MS = 60_000 + RUNS * 250;

const REFUSAL = /^[A-Z_]+: \S/;
const STACK_FRAME = /\n\s+at |\bat (?:async )?\S+ \(?(?:file:\/\/)?\/\S+:\d+:\d+\)?/;

interface Rig {
  readonly h: Harness;
  readonly ids: KnownIds;
  readonly schemas: ReadonlyMap<string, JsonSchema>;
  readonly auditLog: string;
  readonly stats: Map<string, { accepted: number; refused: number; codes: Record<string, number> }>;
}

let rig: Rig;

beforeAll(async () => {
  const h = await startHarness();
  // Caches each tool's output schema in the client, which then validates every accepted result.
  await h.client.listTools();
  const tickets = await h.call("list_tickets", { limit: 50 });
  const ticketIds = (tickets.structured?.items as { id: string }[]).map((t) => t.id);
  // Pending recommendations and known-good calls, so mutated approvals and rejections reach the
  // service's checks (and the audited refusal of a policy-denied approval).
  const submission = (ticketId: string, sourceRevision: number) => ({
    ticketId,
    sourceRevision,
    category: "security",
    priority: "P1",
    team: "security",
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "likely",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: ["credential-exposure"],
    draftCustomerResponse: "We are revoking the exposed key.",
    rationale: `${ticketId} reports a key in a public paste.`,
    confidence: 0.9,
    recommendedNextAction: "Revoke the key.",
    actor: "triage-agent",
  });
  const recommendationIds: string[] = [];
  for (const [ticketId, revision] of [
    ["TKT-3004", 1],
    ["TKT-3004", 1],
    ["TKT-3002", 0],
    ["TKT-3005", 0],
  ] as const) {
    const pending = await h.call("submit_triage_recommendation", submission(ticketId, revision));
    expect(pending.ok, pending.text).toBe(true);
    recommendationIds.push((pending.structured as { recommendation: { id: string } }).recommendation.id);
  }
  const decision = (recommendationId: string, ticketId: string, expectedRevision: number) => ({
    recommendationId,
    ticketId,
    expectedRevision,
    approvedFields: ["priority", "team"],
    actor: "reviewer",
    confirm: true,
  });
  const examples = new Map<string, Record<string, unknown>[]>([
    ["submit_triage_recommendation", [submission("TKT-3004", 1), submission("TKT-3003", 0)]],
    [
      "approve_triage_recommendation",
      [
        decision(recommendationIds[0] as string, "TKT-3004", 1),
        decision(recommendationIds[2] as string, "TKT-3002", 0),
        { ...decision(recommendationIds[3] as string, "TKT-3005", 0), approvedFields: ["customerResponse"] },
      ],
    ],
    [
      "reject_triage_recommendation",
      [
        {
          recommendationId: recommendationIds[1],
          ticketId: "TKT-3004",
          actor: "reviewer",
          feedback: "Wrong team.",
        },
        { recommendationId: recommendationIds[3], ticketId: "TKT-3005", actor: "reviewer", feedback: "No." },
      ],
    ],
  ]);
  rig = {
    h,
    ids: { ticketIds, articleIds: Object.keys(TEST_ARTICLES), recommendationIds, examples },
    schemas: new Map(describeTools(TOOLS).map((t) => [t.name, t.inputSchema as JsonSchema])),
    auditLog: join(h.data.dataRoot, "audit.jsonl"),
    stats: new Map(TOOLS.map((t) => [t.name, { accepted: 0, refused: 0, codes: {} }])),
  };
});

afterAll(async () => {
  if (process.env.FUZZ_STATS === "1") {
    // Accepted/refused counts and refusal codes per tool, for docs/reliability.md.
    for (const [name, s] of rig?.stats ?? []) {
      console.error(`${name}: ${s.accepted} accepted, ${s.refused} refused ${JSON.stringify(s.codes)}`);
    }
  }
  await rig?.h.close();
});

function textOf(result: CallToolResult): string {
  return result.content
    .filter((c) => c.type === "text")
    .map((c) => (c as { text: string }).text)
    .join("\n");
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}... (${text.length} chars)` : text;
}

/** Paths of this machine that must never reach a client. */
function leakedPath(text: string): string | undefined {
  const paths = [rig.h.data.root, rig.h.data.dataRoot, tmpdir(), process.cwd(), homedir()];
  return paths.find((p) => p.length > 1 && text.includes(p));
}

/** Calls a tool the way a client's JSON would deliver the arguments, and checks the properties. */
async function probe(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const { h } = rig;
  // The arguments cross the wire as JSON: -0 arrives as 0, "__proto__" as an own key.
  const wire = JSON.parse(JSON.stringify(args)) as Record<string, unknown>;
  const before = fingerprint(h.data.dataRoot);
  const auditBefore = readFileSync(rig.auditLog);
  let result: CallToolResult;
  try {
    result = (await h.client.callTool({ name, arguments: wire }, undefined, {
      timeout: CALL_TIMEOUT_MS,
    })) as CallToolResult;
  } catch (error) {
    const why = error instanceof McpError ? `McpError ${error.code}: ${error.message}` : String(error);
    throw new Error(`${name} did not answer with a result (${why}) for ${short(wire)}`, { cause: error });
  }
  const stat = rig.stats.get(name);
  if (result.isError === true) {
    const text = textOf(result);
    if (stat !== undefined) {
      stat.refused++;
      const code = /^[A-Z_]+/.exec(text)?.[0] ?? "?";
      stat.codes[code] = (stat.codes[code] ?? 0) + 1;
    }
    const where = `${name} ${short(wire)} -> ${short(text)}`;
    expect(text, where).toMatch(REFUSAL);
    expect(text.startsWith("INTERNAL:"), `unexpected internal error: ${where}`).toBe(false);
    expect(text, where).not.toMatch(STACK_FRAME);
    expect(leakedPath(text), where).toBeUndefined();
    const after = fingerprint(h.data.dataRoot);
    const changed = changedPaths(before, after);
    if (changed.length > 0) {
      // The only write a refusal may make: the audit event of a refused approval.
      expect(changed, `a refused call changed files: ${where}`).toEqual(["audit.jsonl"]);
      const auditAfter = readFileSync(rig.auditLog);
      expect(auditAfter.subarray(0, auditBefore.length).equals(auditBefore), where).toBe(true);
      const actions = auditLinesAfter(auditAfter, auditBefore.length).map((e) => e.action);
      expect(name, where).toBe("approve_triage_recommendation");
      expect(new Set(actions), where).toEqual(new Set(["approval-rejected"]));
    }
  } else if (stat !== undefined) {
    stat.accepted++;
  }
  const alive = await h.client.callTool({ name: "list_tickets", arguments: { limit: 1 } }, undefined, {
    timeout: CALL_TIMEOUT_MS,
  });
  expect(alive.isError, `the server stopped serving after ${name} ${short(wire)}`).not.toBe(true);
  expect(Object.prototype, `prototype polluted by ${name}`).not.toHaveProperty("polluted");
  expect(Object.prototype, `prototype polluted by ${name}`).not.toHaveProperty("isAdmin");
  return result;
}

function seedFor(label: string): number {
  let hash = SEED;
  for (const ch of label) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) | 0;
  return hash;
}

async function check(label: string, arb: fc.Arbitrary<Record<string, unknown>>, name: string): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (args) => {
      await probe(name, args);
    }),
    { numRuns: RUNS, seed: seedFor(label), endOnFailure: true },
  );
}

describe(`fuzzing every tool (seed ${SEED}, ${RUNS} runs per property; FUZZ_SEED / FUZZ_RUNS)`, () => {
  for (const tool of TOOLS) {
    describe(tool.name, () => {
      it(
        "answers arbitrary JSON objects; refusals are clear and write nothing",
        async () => {
          const schema = rig.schemas.get(tool.name) as JsonSchema;
          await check(`${tool.name}/random`, randomArgsArb(schema), tool.name);
        },
        TEST_TIMEOUT_MS,
      );

      it(
        "answers schema-shaped arguments, most with hostile fields; refusals are clear and write nothing",
        async () => {
          const schema = rig.schemas.get(tool.name) as JsonSchema;
          const before = rig.stats.get(tool.name)?.refused ?? 0;
          await check(`${tool.name}/mutated`, mutatedArgsArb(tool.name, schema, rig.ids), tool.name);
          // A generator that produced no refusal at all would prove nothing about refusals.
          if (Object.keys(schema.properties ?? {}).length > 0) {
            expect(rig.stats.get(tool.name)?.refused ?? 0).toBeGreaterThan(before);
          }
        },
        TEST_TIMEOUT_MS,
      );
    });
  }

  it(
    "answers unknown tool names with NOT_FOUND and writes nothing",
    async () => {
      const names = fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          "__proto__",
          "constructor",
          "../list_tickets",
          "list_tickets ",
          "LIST_TICKETS",
          "list-tickets",
        ),
      );
      await fc.assert(
        fc.asyncProperty(names, async (name) => {
          fc.pre(!TOOLS.some((t) => t.name === name));
          const result = await probe(name, {});
          expect(result.isError).toBe(true);
          expect(textOf(result)).toMatch(/^NOT_FOUND: Unknown tool /);
        }),
        { numRuns: RUNS, seed: seedFor("unknown-tools"), endOnFailure: true },
      );
    },
    TEST_TIMEOUT_MS,
  );

  it("schema-shaped valid arguments are mostly accepted (the generator reaches the handlers)", async () => {
    // A guard on the fuzzer itself: if valid arguments were all refused, the hostile mutations
    // would only ever exercise the validator.
    for (const name of ["list_tickets", "get_ticket", "list_recommendations", "search_knowledge"]) {
      const schema = rig.schemas.get(name);
      if (schema === undefined) continue;
      const samples = fc.sample(validArb(schema, rig.ids), { numRuns: 5, seed: seedFor(name) });
      let accepted = 0;
      for (const args of samples) {
        const result = await probe(name, args as Record<string, unknown>);
        if (result.isError !== true) accepted++;
      }
      expect(accepted, name).toBeGreaterThan(0);
    }
  });
});

describe("the whole-call size limit", () => {
  it(`every tool refuses a 2 MB string argument before parsing it, and stores nothing of it`, async () => {
    const marker = `FUZZ-2MB-${randomUUID()}`;
    const big = marker + "x".repeat(2 * 1024 * 1024 - marker.length);
    for (const tool of TOOLS) {
      const schema = rig.schemas.get(tool.name) as JsonSchema;
      const [valid] = fc.sample(validArb(schema, rig.ids), { numRuns: 1, seed: seedFor(`2mb/${tool.name}`) });
      const field = Object.keys(schema.properties ?? {})[0] ?? "payload";
      const args = { ...(valid as Record<string, unknown>), [field]: big };
      const before = fingerprint(rig.h.data.dataRoot);
      const result = await probe(tool.name, args);
      expect(result.isError, tool.name).toBe(true);
      expect(textOf(result)).toMatch(
        new RegExp(
          `^INVALID_INPUT: arguments are \\d+ bytes; ${tool.name} accepts at most ${MAX_ARGUMENT_BYTES}\\. Nothing was stored\\.$`,
        ),
      );
      expect(changedPaths(before, fingerprint(rig.h.data.dataRoot)), tool.name).toEqual([]);
    }
    for (const [path, entry] of fingerprint(rig.h.data.dataRoot)) {
      if (entry.kind !== "file") continue;
      expect(readFileSync(join(rig.h.data.dataRoot, path), "utf8").includes(marker), path).toBe(false);
    }
  });

  it("a call just over the limit is refused and one just under it is not refused for its size", async () => {
    // query is capped at 500 characters: an oversized value is refused by the field limit when
    // the call fits the budget, and by the whole-call limit (before any parsing) when it does not.
    const under = await probe("search_knowledge", { query: "x".repeat(MAX_ARGUMENT_BYTES - 100) });
    expect(textOf(under)).toMatch(/^INVALID_INPUT: query: query must be at most 500 characters/);
    const over = await probe("search_knowledge", { query: "x".repeat(MAX_ARGUMENT_BYTES) });
    expect(textOf(over)).toMatch(/^INVALID_INPUT: arguments are \d+ bytes; search_knowledge accepts at most/);
  });
});

describe("after the fuzzing", () => {
  it("the audit log still verifies and every tool was exercised", () => {
    const verified = verifyAuditLog(rig.h.data.dataRoot);
    expect(verified.ok, JSON.stringify(verified)).toBe(true);
    for (const tool of TOOLS) {
      const stat = rig.stats.get(tool.name);
      expect((stat?.accepted ?? 0) + (stat?.refused ?? 0), tool.name).toBeGreaterThan(0);
    }
  });
});
