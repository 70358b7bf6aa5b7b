import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runConfigCheck } from "../../src/cli/config.js";
import type { Config } from "../../src/config.js";
import { createMemoryLogger } from "../../src/logging.js";
import { openTriage } from "../../src/service/runtime.js";
import { UnknownStoredValuesError } from "../../src/service/workspace-apply.js";
import { loadWorkspace } from "../../src/service/workspace.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { TEST_NOW, writeTestData, type TestData } from "../support/data.js";
import { validSubmission } from "../hostile/support.js";
import { tempDirs } from "../support/temp.js";

// Changing the workspace file under an existing runtime: values stored tickets carry that the file
// no longer has stop the start (listed with counts and ticket ids) until `renames` maps them or the
// operator keeps them; a changed file is recorded once as `workspace-applied`, which also applies
// the renames. No stored event is rewritten: the log still verifies.

const ROOT = resolve(import.meta.dirname, "../..");
const temp = tempDirs("triage-renames");

/** The bundled workspace with team "identity" renamed to "iam", and optional renames. */
function renamedWorkspace(renames?: Record<string, Record<string, string>>): string {
  const file = JSON.parse(readFileSync(join(ROOT, "data/workspace.json"), "utf8")) as {
    teams: { id: string }[];
    renames?: unknown;
  };
  const identity = file.teams.find((t) => t.id === "identity");
  if (identity === undefined) throw new Error("the bundled workspace has no identity team");
  identity.id = "iam";
  if (renames !== undefined) file.renames = renames;
  const path = join(temp("ws"), "workspace.json");
  writeFileSync(path, JSON.stringify(file));
  return path;
}

function configOf(data: TestData, extra: Partial<Config> = {}): Config {
  return { dataRoot: data.dataRoot, seedFile: data.seedFile, knowledgeRoot: data.knowledgeRoot, ...extra };
}

async function open(data: TestData, extra: Partial<Config> = {}) {
  return openTriage(configOf(data, extra), createMemoryLogger(), { clock: () => TEST_NOW });
}

async function reopen(data: TestData, extra: Partial<Config> = {}) {
  const t = await open(data, extra);
  const view = t.store.view();
  await t.close();
  return view;
}

const workspaceEvents = (data: TestData) =>
  readFileSync(join(data.dataRoot, "audit.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { action: string; data: Record<string, unknown> })
    .filter((e) => e.action === "workspace-applied");

describe("the workspace under an existing runtime", () => {
  it("records nothing while the file is unchanged (a new runtime records it in its first event)", async () => {
    const data = writeTestData();
    expect((await reopen(data)).lastSeq).toBe(0);
    expect((await reopen(data)).workspaceApplied()).toEqual({ seq: 0, sha256: loadWorkspace().sha256 });
    expect(workspaceEvents(data)).toEqual([]);
  });

  it("refuses to start while stored tickets carry a value the file lost, listing it", async () => {
    const data = writeTestData();
    await reopen(data);
    const log = readFileSync(join(data.dataRoot, "audit.jsonl"));
    const error = await open(data, { workspaceFile: renamedWorkspace() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownStoredValuesError);
    expect((error as Error).message).toMatch(/team "identity": 1 ticket \(TKT-3004\)/);
    expect((error as Error).message).toMatch(/"renames"/);
    expect((error as Error).message).toMatch(/TRIAGE_KEEP_UNKNOWN_VALUES=1/);
    expect(readFileSync(join(data.dataRoot, "audit.jsonl"))).toEqual(log);
  });

  it("applies renames once, by an audited event, and the log still verifies", async () => {
    const data = writeTestData();
    await reopen(data);
    const file = renamedWorkspace({ teams: { identity: "iam" } });
    const view = await reopen(data, { workspaceFile: file });
    expect(view.getTicket("TKT-3004")?.team).toBe("iam");
    expect(view.getTicket("TKT-3004")?.revision).toBe(1);
    const events = workspaceEvents(data);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toMatchObject({
      sha256: loadWorkspace({ file }).sha256,
      previousSha256: loadWorkspace().sha256,
      renamed: [{ field: "team", from: "identity", to: "iam", tickets: 1 }],
    });
    // Once: the next start finds nothing to do.
    expect((await reopen(data, { workspaceFile: file })).lastSeq).toBe(view.lastSeq);
    expect(verifyAuditLog(data.dataRoot)).toMatchObject({ ok: true });
  });

  it("starts with TRIAGE_KEEP_UNKNOWN_VALUES=1, the tickets keeping their values, the change recorded", async () => {
    const data = writeTestData();
    await reopen(data);
    const file = renamedWorkspace();
    const view = await reopen(data, { workspaceFile: file, keepUnknownValues: true });
    expect(view.getTicket("TKT-3004")?.team).toBe("identity");
    expect(workspaceEvents(data).map((e) => e.data["sha256"])).toEqual([loadWorkspace({ file }).sha256]);
  });

  it("config check --data-root lists the unknown values (exit 1) and accepts them renamed (exit 0)", async () => {
    const data = writeTestData();
    await reopen(data);
    const log = readFileSync(join(data.dataRoot, "audit.jsonl"));
    const check = async (file: string) => {
      const out: string[] = [];
      const status = await runConfigCheck([file, "--data-root", data.dataRoot], {
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
        env: {},
        cwd: ROOT,
      });
      return { status, text: out.join("") };
    };
    const missing = await check(renamedWorkspace());
    expect(missing.status).toBe(1);
    expect(missing.text).toMatch(/team "identity": 1 ticket \(TKT-3004\)\n/);
    const mapped = await check(renamedWorkspace({ teams: { identity: "iam" } }));
    expect(mapped.status).toBe(0);
    expect(mapped.text).toMatch(/team "identity": 1 ticket \(TKT-3004\) -> renamed to "iam"/);
    expect(readFileSync(join(data.dataRoot, "audit.jsonl"))).toEqual(log);
  });

  it("a recommendation pending across a rename cannot write the old value: POLICY_DENIED, the ticket unchanged", async () => {
    const data = writeTestData();
    const before = await open(data);
    const ticket = before.service.getTicket("TKT-3005");
    const rec = await before.service.submit(
      validSubmission({
        ticketId: ticket.id,
        sourceRevision: ticket.revision,
        category: ticket.category ?? "other",
        priority: "P3",
        team: "identity",
        securityRisk: "none",
        knowledgeArticleIds: [],
      }) as never,
    );
    await before.close();

    const after = await open(data, { workspaceFile: renamedWorkspace({ teams: { identity: "iam" } }) });
    try {
      const current = after.service.getTicket(ticket.id);
      const decide = (fields: string[]) =>
        after.approvals.decide(
          {
            kind: "approve",
            recommendationId: rec.id,
            ticketId: ticket.id,
            expectedRevision: current.revision,
            approvedFields: fields as never,
            actor: "lead",
          },
          { type: "chat" } as never,
        );
      const refused = await decide(["team"]);
      expect(refused).toMatchObject({ kind: "refused", code: "POLICY_DENIED" });
      expect((refused as { message: string }).message).toContain(
        `proposes team "identity", which this workspace no longer has (renamed to "iam"): nothing was changed`,
      );
      expect(after.service.getTicket(ticket.id)).toEqual(current);
      // The fields whose values the workspace still has can be approved.
      const approved = await decide(["priority"]);
      expect(approved, JSON.stringify(approved)).toMatchObject({ kind: "approved" });
      expect(after.service.getTicket(ticket.id).team).toBe(current.team);
    } finally {
      await after.close();
    }
  });
});
