import { randomUUID } from "node:crypto";
import { appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import type { Recommendation } from "../../src/domain/schemas.js";
import { encodeEvent } from "../../src/store/core/event-codec.js";
import { InvalidAuditEventError, type FileStore } from "../../src/store/index.js";
import { SNAPSHOT_FORMAT } from "../../src/store/file/snapshot.js";
import type { IdempotencyEntry, StoreView, TxOutcome } from "../../src/store/index.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { approveBody, NOW, rejectBody, submitBody, withExtras } from "./fixtures/drafts.js";
import { describeStore, type TestStore } from "./fixtures/backends.js";
import { cleanupTempDirs, memoryLogger, open, readLog, tempDir } from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";

afterAll(cleanupTempDirs);

const SEED = makeTickets(20);
const KEYS = {
  submit: "6f1c2a4e-0b7d-4c1e-9a3f-2d5e8b7c6a01",
  refused: "6f1c2a4e-0b7d-4c1e-9a3f-2d5e8b7c6a02",
  reject: "6f1c2a4e-0b7d-4c1e-9a3f-2d5e8b7c6a03",
  afterSnapshot: "6f1c2a4e-0b7d-4c1e-9a3f-2d5e8b7c6a04",
  malformed: "6f1c2a4e-0b7d-4c1e-9a3f-2d5e8b7c6a05",
};

function record(key: string, payloadHash = `hash-of-${key.slice(-2)}`): { key: string; payloadHash: string } {
  return { key, payloadHash };
}

/**
 * seq 1 submit (key submit), 2 approval refused as stale (key refused, approval-rejected),
 * 3 submit (no key), 4 reject (key reject), 5 submit with a malformed record.
 */
async function keyedRuntime(
  root: string,
  options: { snapshotEvery?: number } = {},
): Promise<{ store: FileStore; recs: Recommendation[] }> {
  const store = await open(root, { tickets: SEED, snapshotEvery: options.snapshotEvery ?? 0 });
  return { store, recs: await addKeyedEvents(store) };
}

async function addKeyedEvents(store: TestStore): Promise<Recommendation[]> {
  const first = await store.transact(withExtras(submitBody("TKT-1"), { idempotency: record(KEYS.submit) }));
  await expect(
    store.transact(
      withExtras(approveBody(first.id, { expectedRevision: 99 }), { idempotency: record(KEYS.refused) }),
    ),
  ).rejects.toMatchObject({ code: "STALE_REVISION" });
  const second = await store.transact(submitBody("TKT-2"));
  await store.transact(withExtras(rejectBody(second.id), { idempotency: record(KEYS.reject) }));
  const third = await store.transact(
    withExtras(submitBody("TKT-3"), { idempotency: { key: KEYS.malformed, payloadHash: 42 } }),
  );
  return [first, second, third];
}

const EXPECTED: Record<string, IdempotencyEntry> = {
  [KEYS.submit]: { seq: 1, action: "recommendation-submitted", payloadHash: "hash-of-01" },
  [KEYS.refused]: { seq: 2, action: "approval-rejected", payloadHash: "hash-of-02" },
  [KEYS.reject]: { seq: 4, action: "recommendation-rejected", payloadHash: "hash-of-03" },
};

function expectIndexed(view: StoreView): void {
  for (const [key, entry] of Object.entries(EXPECTED)) expect(view.idempotency(key), key).toEqual(entry);
  expect(view.idempotency(KEYS.malformed)).toBeUndefined();
  expect(view.idempotency(randomUUID())).toBeUndefined();
}

describeStore("idempotency index", (backend) => {
  it("maps data.idempotency.key of committed events (refusal events included) to seq, action and payloadHash", async () => {
    const store = await backend.open(await backend.place("idem"), { tickets: SEED });
    await addKeyedEvents(store);
    expectIndexed(store.view());
    expect((await backend.events(store))[2]).toMatchObject({
      action: "approval-rejected",
      data: { idempotency: record(KEYS.refused) },
    });
    // Entries are the store's: a caller cannot change them.
    const entry = store.view().idempotency(KEYS.submit) as { seq: number };
    expect(() => (entry.seq = 7)).toThrow(TypeError);
    await store.close();
  });

  it("survives a restart: rebuilt by replaying the log", async () => {
    const place = await backend.place("idem");
    const store = await backend.open(place, { tickets: SEED });
    await addKeyedEvents(store);
    await store.close();
    if (backend.name === "file") rmSync(join(place, "snapshots"), { recursive: true, force: true });
    const logger = memoryLogger();
    const reopened = await backend.open(place, { tickets: SEED, logger });
    expect(logger.infos.join("\n")).toMatch(/seq 5 \(replayed/);
    expectIndexed(reopened.view());
    await reopened.close();
  });

  it("refuses to commit a second event with a key already used, writing nothing", async () => {
    const store = await backend.open(await backend.place("idem"), { tickets: SEED });
    const recs = await addKeyedEvents(store);
    const before = await backend.events(store);
    const error = await store
      .transact(withExtras(rejectBody((recs[2] as Recommendation).id), { idempotency: record(KEYS.submit) }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAuditEventError);
    expect((error as Error).message).toMatch(
      new RegExp(`idempotency key ${KEYS.submit} was already used by seq 1 \\(recommendation-submitted\\)`),
    );
    expect(await backend.events(store)).toEqual(before);
    expect(store.view().getRecommendation((recs[2] as Recommendation).id)?.resolution).toBe("pending");
    await store.close();
  });
});

describe("idempotency index across snapshots and damaged logs (file store)", () => {
  it("survives a restart from a snapshot, with keys committed after the snapshot from the log", async () => {
    const root = tempDir("idem");
    const { store } = await keyedRuntime(root);
    store.checkpoint();
    const rec = await store.transact(
      withExtras(submitBody("TKT-9"), { idempotency: record(KEYS.afterSnapshot) }),
    );
    await store.close();
    const logger = memoryLogger();
    const reopened = await open(root, { tickets: SEED, snapshotEvery: 0, logger });
    expect(logger.infos.join("\n")).toMatch(/seq 6 \(from snapshots\/state-5\.json \+ 1 newer events\)/);
    expect(logger.warnings).toEqual([]);
    expectIndexed(reopened.view());
    expect(reopened.view().idempotency(KEYS.afterSnapshot)).toEqual({
      seq: 6,
      action: "recommendation-submitted",
      payloadHash: "hash-of-04",
    });
    expect(reopened.view().getRecommendation(rec.id)).toEqual(rec);
    await reopened.close();
  });

  it("ignores a snapshot of the older format (no index), rebuilds by replay and replaces the snapshot", async () => {
    const root = tempDir("idem");
    const { store } = await keyedRuntime(root);
    store.checkpoint();
    await store.close();
    const file = join(root, "snapshots", "state-5.json");
    const text = readFileSync(file, "utf8");
    const current = `"format":${SNAPSHOT_FORMAT},`;
    expect(text).toContain(current);
    writeFileSync(file, text.replace(current, `"format":${SNAPSHOT_FORMAT - 1},`));

    const logger = memoryLogger();
    const reopened = await open(root, { tickets: SEED, snapshotEvery: 1000, logger });
    expect(logger.warnings.join("\n")).toMatch(
      new RegExp(
        `ignoring snapshot .*state-5\\.json: it is in format ${SNAPSHOT_FORMAT - 1}, this version reads format ${SNAPSHOT_FORMAT}`,
      ),
    );
    expect(logger.infos.join("\n")).toMatch(/seq 5 \(replayed from the start\)/);
    expectIndexed(reopened.view());
    await reopened.close();
    expect(readFileSync(file, "utf8")).toContain(current);

    const again = memoryLogger();
    const third = await open(root, { tickets: SEED, snapshotEvery: 1000, logger: again });
    expect(again.warnings).toEqual([]);
    expect(again.infos.join("\n")).toMatch(/from snapshots\/state-5\.json \+ 0 newer events/);
    expectIndexed(third.view());
    await third.close();
  });

  it("replaying a log with a reused key keeps the first event's entry and reports an inconsistency", async () => {
    const root = tempDir("idem");
    const { store, recs } = await keyedRuntime(root);
    await store.close();
    const last = readLog(root).at(-1);
    const forged = encodeEvent({
      seq: 6,
      id: randomUUID(),
      timestamp: NOW.toISOString(),
      action: "recommendation-rejected",
      ticketId: "TKT-3",
      actor: "reviewer",
      recommendationId: (recs[2] as Recommendation).id,
      data: { feedback: "Wrong team.", idempotency: record(KEYS.reject, "another-hash") },
      prevHash: last?.hash as string,
    });
    appendFileSync(join(root, "audit.jsonl"), `${forged.line}\n`);
    expect(verifyAuditLog(root)).toMatchObject({ ok: true, events: 7 });

    const logger = memoryLogger();
    const reopened = await open(root, { tickets: SEED, snapshotEvery: 0, logger });
    expect(reopened.inconsistencies).toEqual([
      {
        seq: 6,
        action: "recommendation-rejected",
        problem: `idempotency key ${KEYS.reject} was already used by seq 4 (recommendation-rejected)`,
      },
    ]);
    expect(logger.warnings.join("\n")).toMatch(/audit event seq 6 .* was not applied/);
    expect(reopened.view().idempotency(KEYS.reject)).toEqual(EXPECTED[KEYS.reject]);
    expect(reopened.view().getRecommendation((recs[2] as Recommendation).id)?.resolution).toBe("pending");
    expect(reopened.view().lastSeq).toBe(6);
    await reopened.close();
  });
});

/** A submission that returns the earlier outcome when its key was already used. */
function idempotentSubmit(
  key: string,
  ticketId: string,
): (view: StoreView) => TxOutcome<{ recId: string; replayed: boolean }> {
  const inner = withExtras(submitBody(ticketId), { idempotency: record(key) });
  return (view) => {
    const prior = view.idempotency(key);
    if (prior !== undefined) {
      const recId = view.pendingRecommendationIds(ticketId)[0] as string;
      return { value: { recId, replayed: true } };
    }
    const outcome = inner(view);
    if ("refusal" in outcome) return outcome;
    if ("value" in outcome || "replay" in outcome) throw new Error("submitBody returns no value outcome");
    return { event: outcome.event, result: (e) => ({ recId: outcome.result(e).id, replayed: false }) };
  };
}

describeStore("a value outcome", (backend) => {
  it("commits nothing, returns the value and releases the lock", async () => {
    const root = await backend.place("idem");
    const store = await backend.open(root, { tickets: SEED, lockTimeoutMs: 200 });
    const key = randomUUID();
    const first = await store.transact(idempotentSubmit(key, "TKT-4"));
    expect(first.replayed).toBe(false);
    const log = await backend.events(store);
    const seq = store.view().lastSeq;

    const retry = await store.transact(idempotentSubmit(key, "TKT-4"));
    expect(retry).toEqual({ recId: first.recId, replayed: true });
    expect(await backend.events(store)).toEqual(log);
    expect(store.view().lastSeq).toBe(seq);
    expect(store.view().pendingRecommendationIds("TKT-4")).toEqual([first.recId]);

    // The value is handed back as is (no copy), and undefined is a value too.
    const token = { any: "thing" };
    await expect(store.transact(() => ({ value: token }))).resolves.toBe(token);
    await expect(store.transact(() => ({ value: undefined }))).resolves.toBeUndefined();
    expect(await backend.events(store)).toEqual(log);

    // Another instance can take the lock at once (a held lock would time out after 200 ms).
    const other = await backend.open(root, { tickets: SEED, lockTimeoutMs: 200 });
    await other.transact(submitBody("TKT-5"));
    await store.refresh();
    expect(store.view().lastSeq).toBe(seq + 1);
    await other.close();
    await store.close();
  });

  it("is not mistaken for a refusal or an event even when the value has such keys", async () => {
    const store = await backend.open(await backend.place("idem"), { tickets: SEED });
    const seq = store.view().lastSeq;
    const value = { event: "x", refusal: new DomainError("CONFLICT", "not thrown") };
    await expect(store.transact(() => ({ value }))).resolves.toBe(value);
    expect(store.view().lastSeq).toBe(seq);
    await store.close();
  });
});
