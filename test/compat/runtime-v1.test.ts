import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMemoryLogger } from "../../src/logging.js";
import { verifyAuditLog } from "../../src/store/index.js";
import {
  answersOf,
  ANSWERS_AT,
  approval,
  counterIds,
  openRuntime,
  proposal,
  REPO,
  writeInputs,
  type KeyedCall,
} from "./answers.js";

// A runtime written by the first release (test/compat/runtime-v1, made by
// generate-runtime-v1.ts at that release) must open with this code, verify, give the answers
// that release gave, and keep working. This is what proves the on-disk format did not change:
// the same lines, the same hashes, the same snapshot format.

const FIXTURE = join(REPO, "test/compat/runtime-v1");
const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as {
  snapshotSeq: number;
  headHash: string;
  events: number;
  calls: KeyedCall[];
  answers: Record<string, unknown>;
};

const work = mkdtempSync(join(tmpdir(), "triage-compat-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const inputs = writeInputs(work);
let copies = 0;

/** A copy of one fixture runtime (git keeps no empty directory: journal/ is created here). */
function copyOf(variant: string): string {
  const dir = join(work, `${variant}-${copies++}`);
  cpSync(join(FIXTURE, variant), dir, { recursive: true });
  mkdirSync(join(dir, "journal"), { recursive: true });
  return dir;
}

/**
 * Similar-ticket candidates (`possibleDuplicates` of a submit's answer) are computed when asked,
 * not stored, and the similarity engine has improved since the first release (it now also reads
 * identifiers, compounds and versions: docs/evaluation.md), so their confidence may differ in the
 * third decimal. Everything else, including which tickets are candidates, in which order, with
 * which shared terms, must be as that release answered.
 */
function isCandidate(value: object): value is { confidence: number } {
  const keys = Object.keys(value).sort().join(",");
  return keys === "confidence,evidence,sharedTerms,ticketId";
}

function withoutSimilarityScores(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSimilarityScores);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value).filter(([key]) => !(key === "confidence" && isCandidate(value)));
  return Object.fromEntries(entries.map(([key, v]) => [key, withoutSimilarityScores(v)]));
}

function similarityScores(value: unknown): number[] {
  if (Array.isArray(value)) return value.flatMap(similarityScores);
  if (value === null || typeof value !== "object") return [];
  const own = isCandidate(value) ? [value.confidence] : [];
  return [...own, ...Object.values(value).flatMap(similarityScores)];
}

function auditVerifyCli(dataRoot: string): { status: number | null; stdout: string } {
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "src/cli/audit-verify.ts", "--data-root", dataRoot],
    { cwd: REPO, encoding: "utf8" },
  );
  return { status: run.status, stdout: run.stdout };
}

describe.each(["with-snapshot", "log-only"])("a runtime written by the first release (%s)", (variant) => {
  it("verifies, opens without a warning and answers exactly as that release did", async () => {
    const root = copyOf(variant);
    expect(verifyAuditLog(root)).toEqual({ ok: true, events: expected.events, headHash: expected.headHash });
    const logger = createMemoryLogger();
    const triage = await openRuntime(root, inputs, () => ANSWERS_AT, counterIds(0x300000), logger);
    try {
      expect(logger.lines.filter((l) => !l.startsWith("info: "))).toEqual([]);
      // The snapshot of that release is read, not ignored and rebuilt.
      const source =
        variant === "with-snapshot"
          ? `from snapshots/state-${expected.snapshotSeq}.json + ${expected.events - 1 - expected.snapshotSeq} newer events`
          : "replayed from the start";
      expect(logger.lines.some((l) => l.includes(`seq ${expected.events - 1} (${source})`))).toBe(true);
      const answers = await answersOf(triage, expected.calls);
      const scores = similarityScores(answers);
      expect(scores.length).toBeGreaterThan(0);
      expect(scores.every((c) => c > 0 && c <= 1)).toBe(true);
      expect(withoutSimilarityScores(answers)).toEqual(withoutSimilarityScores(expected.answers));
    } finally {
      await triage.close();
    }
    // Retries wrote nothing.
    expect(verifyAuditLog(root)).toEqual({ ok: true, events: expected.events, headHash: expected.headHash });
  });

  it("takes new writes of every kind on top, and still verifies (audit:verify)", async () => {
    const root = copyOf(variant);
    const clock = () => ANSWERS_AT;
    let triage = await openRuntime(root, inputs, clock, counterIds(0x400000));
    const { service, intake } = triage;
    const rec = await service.submit(
      proposal("TKT-3006", 4, {
        category: "feature-request",
        priority: "P2",
        team: "product",
        idempotencyKey: "00000000-0000-4000-9000-000000000100",
      }),
    );
    const approved = await service.approve(approval(rec, ["priority"], "leah.goldberg"));
    expect(approved.ticket).toMatchObject({ id: "TKT-3006", revision: 5, priority: "P2" });
    // The recommendation left pending by the old release is rejected with the new code.
    const pending = service.listRecommendations({ resolution: "pending", offset: 0, limit: 10 }).items;
    expect(pending.length).toBeGreaterThan(0);
    const old = pending[0]!;
    await service.reject({
      recommendationId: old.id,
      ticketId: old.ticketId,
      actor: "maria.chen",
      feedback: "Superseded.",
    });
    const created = await intake.createTicket(
      {
        subject: "Dashboard loads slowly",
        description: "The dashboard takes 20 seconds to load since Monday.",
        customer: { name: "Northwind", plan: "growth", region: "eu-west", vip: false },
      },
      { kind: "cli", session: "compat" },
    );
    // A new id after the created and imported ones of the old release.
    expect(created.ticket.id).toBe(`TKT-${(expected.answers.nextTicketNumber as { TKT: number }).TKT}`);
    const noted = await intake.addNote({
      ticketId: "TKT-3002",
      author: "aisha.rahman",
      body: "Resolved upstream.",
    });
    expect(noted.ticket.notes?.map((n) => n.body)).toContain("Resolved upstream.");
    // A retry of an old keyed call still answers from the old event.
    const retried = await service.submit(expected.calls[0]!.input as Parameters<typeof service.submit>[0]);
    expect(retried).toEqual((expected.answers.retries as { ok: unknown }[])[0]!.ok);
    await triage.close();

    const verified = verifyAuditLog(root);
    expect(verified).toMatchObject({ ok: true, events: expected.events + 5 });
    const cli = auditVerifyCli(root);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(`verified ${expected.events + 5} events`);

    // Rebuilt from the log alone, the state is the same as the one that made the writes.
    const before = JSON.stringify(await answersOf((triage = await openRuntime(root, inputs, clock)), []));
    await triage.close();
    rmSync(join(root, "snapshots"), { recursive: true, force: true });
    const logger = createMemoryLogger();
    triage = await openRuntime(root, inputs, clock, undefined, logger);
    expect(JSON.stringify(await answersOf(triage, []))).toBe(before);
    expect(logger.lines.filter((l) => !l.startsWith("info: "))).toEqual([]);
    await triage.close();
  });
});
