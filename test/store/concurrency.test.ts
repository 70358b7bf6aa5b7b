import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import type { Recommendation } from "../../src/domain/schemas.js";
import { approveBody, submitBody } from "./fixtures/drafts.js";
import {
  cleanupTempDirs,
  expectConsistent,
  open,
  readLog,
  runChild,
  tempDir,
  type ChildRun,
} from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";
import {
  attemptWithoutLock,
  claimOnly,
  closeUnlockedWriters,
  transactWithoutLock,
} from "./fixtures/unlocked.js";
import { crashEnv } from "../support/crash.js";

afterAll(() => {
  closeUnlockedWriters();
  cleanupTempDirs();
});

const SEED = makeTickets(20);
const K = 4;

/** Starts `scripts` as child processes, waits until all opened the store, then lets them go at once. */
async function race(root: string, scripts: object[]): Promise<ChildRun[]> {
  // In a temporary directory of its own (removed after the suite), not beside the runtime.
  const startFile = join(tempDir("race-go"), "go");
  const children = scripts.map((s) => runChild({ dataRoot: root, startFile, ...s }));
  await Promise.all(children.map((c) => c.ready));
  writeFileSync(startFile, "go");
  const runs = await Promise.all(children.map((c) => c.done));
  for (const run of runs) expect(run.code, run.stderr).toBe(0);
  return runs;
}

function results(runs: ChildRun[]): Record<string, unknown>[] {
  return runs.flatMap((r) => r.lines.filter((l) => "op" in l));
}

describe("several processes on one runtime", () => {
  it("approving different recommendations of one ticket at one revision: exactly one wins", async () => {
    const root = tempDir("race");
    const store = await open(root, { tickets: SEED });
    const recs: Recommendation[] = [];
    for (let i = 0; i < K; i++) recs.push(await store.transact(submitBody("TKT-3")));
    const revision = store.view().getTicket("TKT-3")?.revision as number;

    const out = results(
      await race(
        root,
        recs.map((r) => ({ ops: [{ op: "approve", recId: r.id }] })),
      ),
    );
    expect(out.filter((r) => r.ok)).toHaveLength(1);
    const losers = out.filter((r) => !r.ok);
    expect(losers.map((r) => r.code)).toEqual(Array(K - 1).fill("STALE_REVISION"));

    const view = store.view();
    expect(view.getTicket("TKT-3")?.revision).toBe(revision + 1);
    expect(recs.filter((r) => view.getRecommendation(r.id)?.resolution === "approved")).toHaveLength(1);
    const events = readLog(root).slice(1 + K);
    expect(events.filter((e) => e.action === "recommendation-approved")).toHaveLength(1);
    expect(events.filter((e) => e.action === "approval-rejected")).toHaveLength(K - 1);
    expect(events).toHaveLength(K);
    await expectConsistent(store, SEED);
    await store.close();
  });

  it("approving the same recommendation from every process: one approval, the rest ALREADY_RESOLVED", async () => {
    const root = tempDir("race");
    const store = await open(root, { tickets: SEED });
    const rec = await store.transact(submitBody("TKT-4"));
    const out = results(
      await race(
        root,
        Array.from({ length: K }, () => ({ ops: [{ op: "approve", recId: rec.id }] })),
      ),
    );
    expect(out.filter((r) => r.ok)).toHaveLength(1);
    expect(out.filter((r) => !r.ok).map((r) => r.code)).toEqual(Array(K - 1).fill("ALREADY_RESOLVED"));
    expect(readLog(root).filter((e) => e.action === "recommendation-approved")).toHaveLength(1);
    await expectConsistent(store, SEED);
    await store.close();
  });

  it("writes on different tickets all succeed, with no lost update and one event per mutation", async () => {
    const root = tempDir("race");
    const store = await open(root, { tickets: SEED });
    const rounds = 4;
    const scripts = Array.from({ length: K }, (_, k) => ({
      ops: Array.from({ length: rounds }, (_, r) => {
        const recId = `0000000${k}-0000-4000-8000-00000000000${r}`;
        return [
          { op: "submit", ticketId: `TKT-${1 + k * rounds + r}`, recId },
          { op: "approve", recId },
        ];
      }).flat(),
    }));
    const out = results(await race(root, scripts));
    expect(out).toHaveLength(K * rounds * 2);
    expect(out.every((r) => r.ok)).toBe(true);
    const events = readLog(root);
    expect(events).toHaveLength(1 + K * rounds * 2);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const view = store.view();
    for (let n = 1; n <= K * rounds; n++) {
      const seed = SEED.find((t) => t.id === `TKT-${n}`);
      expect(view.getTicket(`TKT-${n}`)?.revision).toBe((seed?.revision as number) + 1);
    }
    await expectConsistent(store, SEED);
    await store.close();
  });
});

describe("two writers that both believe they hold the lock (stale-reclaim race)", () => {
  it("the writer that loses a sequence number after the winner finished re-validates and is refused", async () => {
    const root = tempDir("race");
    const a = await open(root, { tickets: SEED });
    const b = await open(root, { tickets: SEED });
    const recA = await a.transact(submitBody("TKT-5"));
    const recB = await a.transact(submitBody("TKT-5"));
    const seq = a.view().lastSeq;

    // a decides on the state at `seq`; b commits seq+1 in between; a then claims seq+1.
    const attempt = attemptWithoutLock(a, (view) => {
      const outcome = approveBody(recA.id)(view);
      const committed = attemptWithoutLock(b, approveBody(recB.id));
      expect(committed.kind).toBe("committed");
      return outcome;
    });
    expect(attempt.kind).toBe("retry");
    expect(readLog(root)).toHaveLength(seq + 2);

    const error = await transactWithoutLock(a, approveBody(recA.id)).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe("STALE_REVISION");
    const approvals = readLog(root).filter((e) => e.action === "recommendation-approved");
    expect(approvals.map((e) => e.recommendationId)).toEqual([recB.id]);
    await expectConsistent(a, SEED);
    await a.close();
    await b.close();
  });

  it("the exclusive claim stops the second writer while the first one holds the sequence number", async () => {
    const root = tempDir("race");
    const a = await open(root, { tickets: SEED });
    const b = await open(root, { tickets: SEED });
    const recA = await a.transact(submitBody("TKT-6"));
    const recB = await a.transact(submitBody("TKT-6"));

    // b claims the next seq and stops there (as if frozen); a's claim of the same seq fails.
    const attempt = attemptWithoutLock(a, (view) => {
      const outcome = approveBody(recA.id)(view);
      claimOnly(b, approveBody(recB.id));
      return outcome;
    });
    expect(attempt).toMatchObject({
      kind: "retry",
      reason: expect.stringMatching(/claimed by another writer/) as unknown,
    });
    // b's claim is orphaned (same thread, nothing in flight): a finishes b's commit, then
    // re-runs its own body against the new state and is refused.
    const error = await transactWithoutLock(a, approveBody(recA.id)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("STALE_REVISION");
    expect(
      readLog(root)
        .filter((e) => e.action === "recommendation-approved")
        .map((e) => e.recommendationId),
    ).toEqual([recB.id]);
    await expectConsistent(a, SEED);
    await a.close();
    await b.close();
  });

  it("waits for a live process sitting on its claim, then re-validates against its commit", async () => {
    const root = tempDir("race");
    const a = await open(root, { tickets: SEED });
    const recA = await a.transact(submitBody("TKT-7"));
    const recB = await a.transact(submitBody("TKT-7"));
    const marker = join(tempDir("race-marker"), "claimed");
    const child = runChild(
      { dataRoot: root, ops: [{ op: "approve", recId: recB.id }] },
      crashEnv("tx.claimed", {
        TRIAGE_CRASH_ACTION: "pause",
        TRIAGE_CRASH_MARKER: marker,
        TRIAGE_PAUSE_MS: "600",
      }),
    );
    while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 5));
    // The child holds the lock and its claim; a ignores the lock, as a wrongly reclaiming writer would.
    const error = await transactWithoutLock(a, approveBody(recA.id)).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe("STALE_REVISION");
    const run = await child.done;
    expect(run.lines.find((l) => "op" in l)).toMatchObject({ op: "approve", ok: true });
    expect(
      readLog(root)
        .filter((e) => e.action === "recommendation-approved")
        .map((e) => e.recommendationId),
    ).toEqual([recB.id]);
    await expectConsistent(a, SEED);
    await a.close();
  });
});
