import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { openFileStore, type FileStore } from "../../src/store/index.js";
import { RECORDLESS_STALE_MS } from "../../src/store/file/lock.js";
import { submitBody } from "../store/fixtures/drafts.js";
import { makeTickets } from "../store/fixtures/tickets.js";

// Found by the crash matrix's random kills: a process SIGKILLed between creating the lock
// directory and writing its owner record (or between removing the record and the directory)
// left a lock nobody could attribute, so every writer waited for the 10 s stale time and the
// first ones failed with STORE_UNAVAILABLE. A live process never holds the lock without a
// record, so such a lock is taken over once it has been unchanged for RECORDLESS_STALE_MS.

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const quiet = { info: () => undefined, warn: () => undefined };

async function runtimeWithLock(record: string | undefined, ageMs: number): Promise<FileStore> {
  const root = mkdtempSync(join(tmpdir(), "triage-lock-record-"));
  dirs.push(root);
  const tickets = makeTickets(4);
  // Fails well before the 10 s stale time: only a takeover of the recordless lock can succeed.
  const store = await openFileStore({
    dataRoot: root,
    seed: () => tickets,
    logger: quiet,
    lockTimeoutMs: 1_000,
  });
  const lockDir = join(root, "store.lock");
  mkdirSync(lockDir);
  if (record !== undefined) writeFileSync(join(lockDir, "owner.json"), record);
  const then = new Date(Date.now() - ageMs);
  utimesSync(lockDir, then, then);
  return store;
}

describe("a lock directory without a complete owner record", () => {
  it.each([
    ["no owner.json (killed right after mkdir)", undefined],
    ["an empty owner.json (killed while writing it)", ""],
    ["a torn owner.json", '{"pid":12'],
  ])("%s is taken over once it is older than the grace period", async (_label, record) => {
    const store = await runtimeWithLock(record, RECORDLESS_STALE_MS + 1_000);
    const rec = await store.transact(submitBody("TKT-2"));
    expect(store.view().getRecommendation(rec.id)?.resolution).toBe("pending");
    await store.close();
  });

  it("is respected while it is fresh (its owner may be writing the record right now)", async () => {
    const store = await runtimeWithLock(undefined, 0);
    const error = await store.transact(submitBody("TKT-2")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("STORE_UNAVAILABLE");
    expect(store.view().lastSeq).toBe(0);
    await store.close();
  });
});
