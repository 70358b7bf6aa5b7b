import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEvent, Recommendation, Ticket } from "../../src/domain/schemas.js";
import { createMemoryLogger } from "../../src/logging.js";
import { openTriage } from "../../src/service/runtime.js";
import { makeSeedTickets } from "../../scripts/reliability/harness.js";
import {
  checkAccounting,
  checkFiles,
  checkRuntime,
  checkServerLog,
  checkState,
  readDisk,
  tally,
  type LedgerEntry,
  type RuntimeSnapshot,
  type ServedState,
} from "../../scripts/reliability/invariants.js";

// The invariant checker of the crash matrix and the soak must catch what it claims to catch:
// a consistent runtime passes, and each planted inconsistency is reported under its name.

const REPO = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "triage-invariants-"));
const root = join(dir, "runtime");
const KEYS = {
  submit: "11111111-1111-4111-8111-111111111111",
  approve: "22222222-2222-4222-8222-222222222222",
  note: "33333333-3333-4333-8333-333333333333",
  create: "44444444-4444-4444-8444-444444444444",
  escalated: "55555555-5555-4555-8555-555555555555",
  approveEscalated: "66666666-6666-4666-8666-666666666666",
  pending: "77777777-7777-4777-8777-777777777777",
};
let served: ServedState;
let recommendationId = "";

const submission = (ticketId: string, revision: number, key: string, extra: object = {}) => ({
  ticketId,
  sourceRevision: revision,
  category: "billing" as const,
  priority: "P3" as const,
  team: "billing" as const,
  tags: ["invoice"],
  duplicateCandidates: [],
  outageRisk: "none" as const,
  securityRisk: "none" as const,
  slaRisk: "none" as const,
  missingInformation: [],
  knowledgeArticleIds: [],
  draftCustomerResponse: "Here is how.",
  rationale: "A billing question.",
  confidence: 0.9,
  recommendedNextAction: "Reply.",
  actor: "agent",
  idempotencyKey: key,
  ...extra,
});

beforeAll(async () => {
  const seedFile = join(dir, "seed.json");
  const seed = makeSeedTickets(6);
  writeFileSync(seedFile, JSON.stringify(seed));
  const triage = await openTriage(
    {
      dataRoot: root,
      seedFile,
      knowledgeRoot: join(REPO, "data/knowledge"),
      minutesSaved: 8,
      approvalMode: "chat",
    },
    createMemoryLogger(),
  );
  const rev = (id: string) => seed.find((t) => t.id === id)?.revision ?? 0;
  const rec = await triage.service.submit(submission("TKT-2", rev("TKT-2"), KEYS.submit));
  recommendationId = rec.id;
  await triage.service.approve({
    recommendationId: rec.id,
    ticketId: "TKT-2",
    expectedRevision: rev("TKT-2"),
    approvedFields: ["category", "team"],
    actor: "reviewer",
    confirm: true,
    idempotencyKey: KEYS.approve,
  });
  const escalated = await triage.service.submit(
    submission("TKT-4", rev("TKT-4"), KEYS.escalated, { securityRisk: "possible", team: "security" }),
  );
  await triage.service.approve({
    recommendationId: escalated.id,
    ticketId: "TKT-4",
    expectedRevision: rev("TKT-4"),
    approvedFields: ["team"],
    actor: "reviewer",
    confirm: true,
    idempotencyKey: KEYS.approveEscalated,
  });
  await triage.service.submit(submission("TKT-5", rev("TKT-5"), KEYS.pending));
  await triage.intake.addNote({
    ticketId: "TKT-1",
    author: "agent",
    body: "Called back.",
    idempotencyKey: KEYS.note,
  });
  await triage.intake.createTicket(
    {
      subject: "New question",
      description: "How do I change my plan?",
      customer: { name: "Acme", plan: "team", region: "eu-west", vip: false },
      idempotencyKey: KEYS.create,
    },
    { kind: "mcp", session: "test" },
  );
  const view = triage.store.view();
  const all = { offset: 0, limit: 1_000 };
  served = {
    tickets: view.listTickets({}, all).items,
    recommendations: view.listRecommendations({}, all).items,
    handoffs: view.listHandoffs({}, all).items,
  };
  await triage.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deep copy of the consistent snapshot, to plant one inconsistency in. */
function snapshot(): {
  disk: RuntimeSnapshot["disk"];
  served: { -readonly [K in keyof ServedState]: ServedState[K] };
} {
  return { disk: readDisk(root), served: structuredClone(served) };
}

/** A copy of the runtime directory to damage. */
function copyRuntime(label: string): string {
  const copy = join(dir, label);
  cpSync(root, copy, { recursive: true });
  return copy;
}

const names = (violations: readonly string[]) =>
  tally(violations)
    .filter((r) => r.count > 0)
    .map((r) => r.name);

describe("the invariant checker", () => {
  it("passes a consistent runtime", () => {
    const s = snapshot();
    expect(s.served.handoffs).toHaveLength(1);
    expect(checkRuntime(s)).toEqual([]);
  });

  describe("catches damaged or left-over files", () => {
    it("an audit line altered in place", () => {
      const copy = copyRuntime("altered");
      const log = join(copy, "audit.jsonl");
      writeFileSync(log, readFileSync(log, "utf8").replace('"actor":"reviewer"', '"actor":"mallory!"'));
      expect(names(checkFiles(readDisk(copy)))).toEqual(["audit chain"]);
    });

    it.each([
      ["a claim left in journal/", "journal/7.json", /journal\/ still holds 7\.json/],
      ["a claim temp file", "journal/.claim-1-0-abcdef.tmp", /temp files journal\/\.claim-1-0-abcdef\.tmp/],
      ["a snapshot temp file", "snapshots/.state-3-99-abcd.tmp", /temp files snapshots\//],
      ["an orphan import batch", "imports/0a0b0c0d-123-ff.json", /orphan batch/],
      ["a quarantined line", "journal/quarantine/torn-10-1.bin", /quarantine\/ holds torn-10-1\.bin/],
      ["a stray file", "notes.txt", /unexpected notes\.txt/],
    ])("%s", (_label, file, pattern) => {
      const copy = copyRuntime(`leftover-${file.replace(/\W/g, "_")}`);
      mkdirSync(join(copy, file, ".."), { recursive: true });
      writeFileSync(join(copy, file), "[]");
      const violations = checkFiles(readDisk(copy));
      expect(names(violations)).toEqual(["leftovers"]);
      expect(violations.join("\n")).toMatch(pattern);
    });

    it("a lock left behind, unless a process may still hold it", () => {
      const copy = copyRuntime("lock");
      mkdirSync(join(copy, "store.lock"));
      expect(checkFiles(readDisk(copy))).toEqual([
        "leftovers: store.lock is still there after every process stopped",
      ]);
      expect(checkFiles(readDisk(copy), { lockMayBeHeld: true })).toEqual([]);
    });
  });

  describe("catches a state that disagrees with the log", () => {
    const ticket = (s: RuntimeSnapshot, id: string): Ticket & Record<string, unknown> =>
      s.served.tickets.find((t) => t.id === id) as Ticket & Record<string, unknown>;

    it("a revision without its approval", () => {
      const s = snapshot();
      (ticket(s, "TKT-1") as { revision: number }).revision += 1;
      expect(names(checkState(s))).toEqual(["revision"]);
    });

    it("an approval whose change the ticket does not show (lost update)", () => {
      const s = snapshot();
      (ticket(s, "TKT-2") as { category?: string }).category = "other";
      const violations = checkState(s);
      expect(names(violations)).toEqual(["approval"]);
      expect(violations[0]).toMatch(
        /TKT-2\.category is "other", its last approval \(seq \d+\) set "billing"/,
      );
    });

    it("a recommendation shown as approved with no approval event (half-resolved)", () => {
      const s = snapshot();
      const pending = s.served.recommendations.find((r) => r.resolution === "pending") as Recommendation;
      (pending as { resolution: string }).resolution = "approved";
      expect(names(checkState(s))).toEqual(["half-resolved"]);
    });

    it("an approval event whose recommendation still shows pending", () => {
      const s = snapshot();
      const rec = s.served.recommendations.find((r) => r.id === recommendationId) as Recommendation;
      (rec as { resolution: string }).resolution = "pending";
      expect(checkState(s).join("\n")).toMatch(
        /half-resolved: .* is pending but the audit log says approved/,
      );
    });

    it("two approvals of one (ticket, revision)", () => {
      const s = snapshot();
      const approval = s.disk.events.find((e) => e.action === "recommendation-approved") as AuditEvent;
      const events = [...s.disk.events, { ...approval, seq: s.disk.events.length, recommendationId: "x" }];
      const violations = checkState({ ...s, disk: { ...s.disk, events } });
      expect(violations.join("\n")).toMatch(/one winner: TKT-2 revision \d+ was approved 2 times/);
    });

    it("a missing ticket, a missing note, a handoff ahead of its events", () => {
      const s = snapshot();
      s.served.tickets = s.served.tickets.filter((t) => t.id !== "TKT-7");
      const withNote = ticket(s, "TKT-1") as { notes?: unknown[] };
      withNote.notes = [];
      const handoff = s.served.handoffs[0] as { status: string };
      handoff.status = "delivered";
      expect(names(checkState(s))).toEqual(["tickets", "notes", "handoffs"]);
    });
  });

  describe("accounts for every write", () => {
    const events = () => readDisk(root).events;
    const ok = (key: string, action: AuditEvent["action"]): LedgerEntry => ({
      key,
      answer: { kind: "ok", action },
    });
    const full = (): LedgerEntry[] => [
      ok(KEYS.submit, "recommendation-submitted"),
      ok(KEYS.approve, "recommendation-approved"),
      ok(KEYS.escalated, "recommendation-submitted"),
      ok(KEYS.approveEscalated, "recommendation-approved"),
      ok(KEYS.pending, "recommendation-submitted"),
      ok(KEYS.note, "note-added"),
      ok(KEYS.create, "ticket-created"),
    ];

    it("a log that matches the answers", () => {
      const acct = checkAccounting(events(), full());
      expect(acct.violations).toEqual([]);
      expect(acct).toMatchObject({ acknowledged: 7, auditedRefusals: 0, unansweredCommitted: 0, events: 7 });
    });

    it("an unanswered write may be in the log or not", () => {
      const ledger = full().map((l) =>
        l.key === KEYS.note ? { key: l.key, answer: { kind: "lost" as const } } : l,
      );
      const acct = checkAccounting(events(), ledger);
      expect(acct.violations).toEqual([]);
      expect(acct.unansweredCommitted).toBe(1);
      const without = events().filter((e) => e.action !== "note-added");
      expect(checkAccounting(without, ledger).violations).toEqual([]);
    });

    it("an acknowledged write missing from the log (lost update)", () => {
      const without = events().filter((e) => e.action !== "note-added");
      expect(names(checkAccounting(without, full()).violations)).toEqual(["lost update"]);
    });

    it("an approval answered with another revision than the log's", () => {
      const ledger = full().map((l) => (l.key === KEYS.approve ? { ...l, revision: 99 } : l));
      expect(checkAccounting(events(), ledger).violations.join("\n")).toMatch(
        /lost update: approval .* answered revision 99/,
      );
    });

    it("an event no write explains, and a write applied twice", () => {
      const log = events();
      const note = log.find((e) => e.action === "note-added") as AuditEvent;
      const twice = [...log, { ...note, seq: log.length }];
      expect(checkAccounting(twice, full()).violations.join("\n")).toMatch(/was applied 2 times/);
      const stranger = full().filter((l) => l.key !== KEYS.create);
      expect(checkAccounting(log, stranger).violations.join("\n")).toMatch(/which no client sent/);
    });

    it("a refused write that took effect", () => {
      const ledger = full().map((l) =>
        l.key === KEYS.approve
          ? { key: l.key, answer: { kind: "refused" as const, code: "STALE_REVISION" } }
          : l,
      );
      expect(checkAccounting(events(), ledger).violations.join("\n")).toMatch(
        /was refused \(STALE_REVISION\) but seq \d+ applied it/,
      );
    });
  });

  it("flags recovery warnings that mean an event was skipped or a claim refused", () => {
    const stderr = [
      "[store] warn: finished the commit of seq 12 (note-added) left by pid 1 on vm, which died before completing it",
      "[store] warn: audit event seq 13 (recommendation-approved) is inconsistent with the state before it and was not applied: x",
      "[store] warn: journal/14.json cannot be applied (bad); moved it to journal/quarantine/14.json",
    ].join("\n");
    expect(checkServerLog(stderr)).toHaveLength(2);
  });
});
