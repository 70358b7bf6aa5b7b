import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDiff, renderEvidence, renderPendingList } from "../../src/cli/review/render.js";
import type { SubmitRecommendationInput } from "../../src/domain/inputs.js";
import { reviewPacketOf } from "../../src/domain/review-packet.js";
import { BUNDLED_POLICY } from "../support/workspace.js";
import type { AuditEvent, Recommendation, Ticket } from "../../src/domain/schemas.js";
import { createMemoryLogger } from "../../src/logging.js";
import { openTriage } from "../../src/service/runtime.js";
import { billingProposal, TEST_NOW, testTickets, writeTestData, type TestData } from "../support/data.js";
import { builtEntry } from "../support/built.js";

// The reviewer CLI as a separate process, next to a real server process on the same runtime
// directory (`npm test` builds dist/ before the suite).

const ROOT = resolve(import.meta.dirname, "../..");
const SERVER = resolve(ROOT, "dist/index.js");
const CLI = builtEntry("src/cli/review.ts");
const VERSION = (JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { version: string })
  .version;

/** TKT-3005 (a billing ticket with no triage yet) copied under new ids, one per test. */
function tickets(): Ticket[] {
  const base = testTickets();
  const billing = base.find((t) => t.id === "TKT-3005")!;
  const copies = [1, 2, 3, 4, 5, 6].map((n) => ({
    ...billing,
    id: `TKT-310${n}`,
    subject: `Invoice question ${n}: two identical charges`,
  }));
  return [...base, ...copies];
}

const temps: TestData[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d.root, { recursive: true, force: true });
});

function envFor(data: TestData, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    TRIAGE_DATA_ROOT: data.dataRoot,
    TRIAGE_SEED_FILE: data.seedFile,
    TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot,
    ...extra,
  };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string[], env: Record<string, string>, input = ""): Promise<Run> {
  return new Promise((resolvePromise, rejectPromise) => {
    const child = spawn(process.execPath, command, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", rejectPromise);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const review = (args: string[], env: Record<string, string>, input = "") => run([CLI, ...args], env, input);

const proposal = (ticketId: string, overrides: Record<string, unknown> = {}) =>
  billingProposal({
    ticketId,
    rationale: `${ticketId} shows two identical card charges.`,
    ...(overrides as Partial<SubmitRecommendationInput>),
  });

describe("review CLI next to a running server", () => {
  const data = writeTestData(tickets());
  temps.push(data);
  const env = envFor(data);
  let client: Client;
  let serverErr = "";

  async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  }
  async function submit(ticketId: string, overrides: Record<string, unknown> = {}): Promise<Recommendation> {
    const r = await call("submit_triage_recommendation", proposal(ticketId, overrides));
    expect(r.isError, JSON.stringify(r.content)).not.toBe(true);
    return (r.structuredContent as { recommendation: Recommendation }).recommendation;
  }
  async function ticket(id: string): Promise<Ticket> {
    return ((await call("get_ticket", { id })).structuredContent as { ticket: Ticket }).ticket;
  }
  async function auditOf(ticketId: string): Promise<AuditEvent[]> {
    return (
      (await call("get_audit_events", { ticketId, limit: 50 })).structuredContent as { events: AuditEvent[] }
    ).events;
  }

  beforeAll(async () => {
    expect(existsSync(SERVER), "run `npm run build` first (npm test does)").toBe(true);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [SERVER],
      env,
      stderr: "pipe",
    });
    transport.stderr?.on("data", (c: Buffer) => (serverErr += c.toString()));
    client = new Client({ name: "cli-test", version: "1.0.0" });
    await client.connect(transport);
  });
  afterAll(async () => {
    await client.close();
  });

  it("review approve applies exactly the named fields; the server reads the change; audited as operator", async () => {
    const rec = await submit("TKT-3101");
    expect((await ticket("TKT-3101")).revision).toBe(0); // the server has read the ticket before the CLI runs
    const r = await review(["approve", rec.id, "--fields", "priority,tags", "--actor", "Dana Reviewer"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^Approved recommendation ${rec.id} for TKT-3101 \\(channel operator, audit event #\\d+\\)\\.\\n`,
      ),
    );
    expect(r.stdout).toContain(
      "TKT-3101 revision 0 -> 1\n  priority: (unset) -> P2\n  tags: (none) -> refund\n",
    );

    const after = await ticket("TKT-3101");
    expect(after).toMatchObject({ revision: 1, priority: "P2", tags: ["refund"] });
    expect(after.team).toBeUndefined();
    expect(after.category).toBeUndefined();
    const approved = (await auditOf("TKT-3101")).find((e) => e.action === "recommendation-approved");
    expect(approved).toMatchObject({
      actor: "Dana Reviewer",
      recommendationId: rec.id,
      channel: { type: "operator", client: { name: "support-triage-mcp review", version: VERSION } },
    });
    expect(approved?.changes?.map((c) => c.field)).toEqual(["priority", "tags"]);

    const again = await review(["approve", rec.id, "--fields", "team", "--actor", "Dana Reviewer"], env);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toMatch(
      new RegExp(`^ALREADY_RESOLVED: Recommendation ${rec.id} is already approved\\.`),
    );
  });

  it("review approve refuses a recommendation whose ticket moved (STALE_REVISION, exit 1)", async () => {
    const first = await submit("TKT-3102");
    const second = await submit("TKT-3102");
    // The first decision goes through the server (chat), the second through the CLI.
    const viaServer = await call("approve_triage_recommendation", {
      recommendationId: first.id,
      ticketId: "TKT-3102",
      expectedRevision: 0,
      approvedFields: ["priority"],
      actor: "dana",
      confirm: true,
    });
    expect(viaServer.isError).not.toBe(true);
    const r = await review(["approve", second.id, "--fields", "team", "--actor", "dana"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "STALE_REVISION: TKT-3102 is at revision 1, the recommendation was made at 0. Read the ticket again and submit a new recommendation.\n",
    );
    expect((await ticket("TKT-3102")).team).toBeUndefined();
  });

  it("review reject resolves the recommendation with feedback; the server lists it as rejected", async () => {
    const rec = await submit("TKT-3103");
    const r = await review(
      ["reject", rec.id, "--feedback", "Refunds need finance sign-off first.", "--actor", "dana"],
      env,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^Rejected recommendation ${rec.id} for TKT-3103 \\(channel operator`),
    );
    expect(r.stdout).toContain(
      'TKT-3103 is unchanged at revision 0. Feedback: "Refunds need finance sign-off first."',
    );
    const list = await call("list_recommendations", { ticketId: "TKT-3103" });
    expect((list.structuredContent as { items: Recommendation[] }).items[0]).toMatchObject({
      id: rec.id,
      resolution: "rejected",
    });
    const rejected = (await auditOf("TKT-3103")).find((e) => e.action === "recommendation-rejected");
    expect(rejected).toMatchObject({
      actor: "dana",
      channel: { type: "operator", client: { name: "support-triage-mcp review" } },
      data: { feedback: "Refunds need finance sign-off first." },
    });
    const twice = await review(["reject", rec.id, "--feedback", "again", "--actor", "dana"], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^ALREADY_RESOLVED: /);
  });

  it("review list and show read what the server stored", async () => {
    const rec = await submit("TKT-3104", { assignee: "hannah.kowalski" });
    const list = await review(["list", "--json"], env);
    expect(list.code).toBe(0);
    const entries = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(entries.find((e) => e.recommendationId === rec.id)).toMatchObject({
      ticketId: "TKT-3104",
      subject: "Invoice question 4: two identical charges",
      stale: false,
      escalationReasons: ["sla"],
      requiredTeam: null,
      proposedFields: ["category", "priority", "team", "assignee", "tags", "customerResponse"],
    });
    const text = await review(["list"], env);
    expect(text.stdout).toContain(
      `  - TKT-3104  Invoice question 4: two identical charges\n    recommendation ${rec.id}`,
    );
    const show = await review(["show", rec.id], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`Recommendation ${rec.id} (pending)`);
    expect(show.stdout).toContain("Cited articles: duplicate-charges (Duplicate charges and refunds)");
    expect(show.stdout).toContain("  assignee          unassigned -> hannah.kowalski\n");
    expect(show.stdout).toContain(
      "Proposed customer response:\n  | We are refunding the duplicate charge.\n",
    );
  });

  it("support-triage-mcp review dispatches to the CLI instead of starting a server", async () => {
    const rec = await submit("TKT-3105");
    const r = await run([SERVER, "review", "approve", rec.id, "--fields", "all", "--actor", "dana"], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("TKT-3105 revision 0 -> 1");
    expect(await ticket("TKT-3105")).toMatchObject({
      category: "billing",
      priority: "P2",
      team: "billing",
      tags: ["refund"],
      customerResponse: "We are refunding the duplicate charge.",
    });
    const bare = await run([SERVER, "review"], env);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe("");
    expect(bare.stderr).toMatch(/interactive review needs a terminal/);
  });

  it("the server kept serving and logged nothing alarming", () => {
    expect(serverErr).not.toMatch(/fatal|error:/);
  });
});

describe("review CLI usage and refusals", () => {
  const data = writeTestData();
  temps.push(data);
  const env = envFor(data);
  const id = "6f1d3c9e-8a4b-4c2d-9e8f-0a1b2c3d4e5f";

  beforeAll(async () => {
    const triage = await openTriage({ ...data, minutesSaved: 8 }, createMemoryLogger(), {
      clock: () => TEST_NOW,
    });
    await triage.close();
  });

  it.each([
    [[], /interactive review needs a terminal/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["approve", id, "--actor", "dana"], /--fields a,b is required/],
    [["approve", id, "--fields", "colour", "--actor", "dana"], /unknown field\(s\): colour/],
    [["approve", id, "--fields", "team"], /--actor NAME is required/],
    [
      ["approve", "not-a-uuid", "--fields", "team", "--actor", "dana"],
      /"not-a-uuid" is not a recommendation id/,
    ],
    [["approve"], /"approve" needs a recommendation id/],
    [["reject", id, "--actor", "dana"], /--feedback TEXT is required/],
    [["reject", id, "--actor", "dana", "--feedback", "  "], /--feedback TEXT is required/],
    [["list", "--feedback", "x"], /--feedback cannot be used with "list"/],
    [["show", id, "extra"], /unexpected argument "extra"/],
    [["list", "--bogus"], /Unknown option '--bogus'/],
  ])("%j is a usage error (exit 2)", async (args, message) => {
    const r = await review(args, env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
  });

  it("refuses a directory that is not a runtime instead of creating one", async () => {
    const empty = writeTestData();
    temps.push(empty);
    const r = await review(["list", "--data-root", empty.dataRoot], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not a triage runtime \(no store\.json\)/);
    expect(existsSync(empty.dataRoot)).toBe(false);
  });

  it("an unknown recommendation is NOT_FOUND (exit 1)", async () => {
    const r = await review(["approve", id, "--fields", "team", "--actor", "dana"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^NOT_FOUND: No recommendation ${id}\\.`));
  });

  it("--help prints the usage and exits 0", async () => {
    const r = await review(["--help"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: support-triage-mcp review/);
  });
});

describe("interactive review (answers piped with --interactive)", () => {
  async function runtimeWith(
    ...recs: Record<string, unknown>[]
  ): Promise<{ env: Record<string, string>; ids: string[] }> {
    const data = writeTestData(tickets());
    temps.push(data);
    const triage = await openTriage({ ...data, minutesSaved: 8 }, createMemoryLogger(), {
      clock: () => TEST_NOW,
    });
    const ids: string[] = [];
    for (const r of recs) {
      const submitted = await triage.service.submit(proposal(String(r.ticketId), r));
      ids.push(submitted.id);
    }
    await triage.close();
    return { env: envFor(data), ids };
  }

  it("lists, shows the evidence and diff, asks for the reviewer, and applies the chosen fields", async () => {
    const { env, ids } = await runtimeWith({ ticketId: "TKT-3101" });
    const r = await review(["--interactive"], env, "1\ncolour\npriority,team\nDana\ny\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Pending recommendations (1):\n  1) TKT-3101  Invoice question 1");
    expect(r.stdout).toContain(
      "Proposed changes (field: now -> proposed):\n  category          (unset) -> billing",
    );
    expect(r.stdout).toContain("unknown field(s): colour.");
    expect(r.stdout).toContain("Your name or handle (recorded in the audit log): ");
    expect(r.stdout).toContain("Apply priority, team to TKT-3101 as Dana? [y/N] ");
    expect(r.stdout).toContain(`Approved recommendation ${ids[0]} for TKT-3101 (channel operator`);
    expect(r.stdout).toContain("  priority: (unset) -> P2\n  team: (unset) -> billing\n");
    expect(r.stdout).toMatch(/No pending recommendations\.\n$/);
  });

  it("rejects with feedback, skips, and quits at the end of input without changing anything else", async () => {
    const { env, ids } = await runtimeWith({ ticketId: "TKT-3101" }, { ticketId: "TKT-3102" });
    const r = await review(
      ["--interactive", "--actor", "dana"],
      env,
      "2\nr\n\nr\nNot billing: a bank error.\ny\n1\ns\n",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Nothing rejected: a rejection needs feedback.");
    expect(r.stdout).toContain("Reject the recommendation for TKT-3102 as dana? [y/N] ");
    expect(r.stdout).toContain(`Rejected recommendation ${ids[1]} for TKT-3102 (channel operator`);
    const list = await review(["list", "--json"], env);
    expect(
      (JSON.parse(list.stdout) as { recommendationId: string }[]).map((e) => e.recommendationId),
    ).toEqual([ids[0]]);
  });
});

describe("rendering untrusted text", () => {
  const ticket: Ticket = {
    ...testTickets().find((t) => t.id === "TKT-3005")!,
    subject: "Refund\u001b[2J\u001b[31m now\u202e",
    description: "line one\r\nkey: AKIAIOSFODNN7EXAMPLE\u0007\nline three",
  };
  const rec = {
    ...proposal("TKT-3005"),
    id: "6f1d3c9e-8a4b-4c2d-9e8f-0a1b2c3d4e5f",
    escalationRequired: true,
    escalationReasons: ["sla"],
    requiredTeam: null,
    resolution: "pending",
    createdAt: TEST_NOW.toISOString(),
    draftCustomerResponse: "Hello\n\u001b[1mWe refund.",
  } as Recommendation;

  it("strips terminal escapes and bidi overrides and masks secrets", () => {
    const packet = reviewPacketOf({ policy: BUNDLED_POLICY, rec, ticket, now: TEST_NOW });
    const text = renderEvidence(packet) + renderDiff(packet) + renderPendingList([{ rec, ticket }]);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(text).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(text).toContain("  | line one\n");
    expect(text).toContain("  | line three\n");
    expect(text).toContain("Proposed customer response:\n  | Hello\n  | [1mWe refund.\n");
  });

  it("marks a stale recommendation and unchanged fields", () => {
    const moved = { ...ticket, revision: 3, category: "billing" as const };
    const packet = reviewPacketOf({ policy: BUNDLED_POLICY, rec, ticket: moved, now: TEST_NOW });
    expect(renderEvidence(packet)).toContain("STALE: the ticket moved to revision 3 since");
    expect(renderDiff(packet)).toContain("  category          billing -> billing  (no change)\n");
    expect(renderPendingList([{ rec, ticket: moved }], true)).toContain(
      "STALE: TKT-3005 is at revision 3, this was made at 0; it can only be rejected.",
    );
  });
});
