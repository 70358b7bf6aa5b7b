import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore, type PostgresStore } from "../../src/store/index.js";
import { POSTGRES_SKIP, sql } from "../support/postgres.js";
import { approveBody, submitBody } from "./fixtures/drafts.js";
import { POSTGRES_BACKEND } from "./fixtures/backends.js";
import { cleanupTempDirs, memoryLogger, storeContents, tempDir } from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";

// State snapshots in state_snapshots: a server starts from the newest usable one and folds only
// the events after it, to the same state as a fold of every event; a damaged or foreign snapshot
// is ignored with a warning.

afterAll(cleanupTempDirs);

type Logger = ReturnType<typeof memoryLogger>;

function openOn(
  url: string,
  snapshotEvery: number,
  logger: Logger = memoryLogger(),
  dataRoot = tempDir("machine"),
): Promise<PostgresStore> {
  return openPostgresStore({
    url,
    dataRoot,
    logger,
    pollMs: 0,
    snapshotEvery,
    seed: () => makeTickets(20),
  });
}

async function snapshotSeqs(url: string): Promise<number[]> {
  const rows = await sql<{ seq: string }>(url, "SELECT seq FROM state_snapshots ORDER BY seq");
  return rows.map((r) => Number(r.seq));
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Some history: a submission and its approval for each of TKT-1..4 (8 events after seq 0). */
async function withHistory(store: PostgresStore): Promise<void> {
  for (const id of ["TKT-1", "TKT-2", "TKT-3", "TKT-4"]) {
    const rec = await store.transact(submitBody(id));
    await store.transact(approveBody(rec.id));
  }
}

/** A database with some history and a snapshot of it, and the state a fold of every event gives. */
async function snapshotted(label: string): Promise<{ url: string; expected: unknown }> {
  const url = await POSTGRES_BACKEND.place(label);
  const writer = await openOn(url, 3);
  await withHistory(writer);
  await writer.close(); // writes the snapshot that is due
  expect(await snapshotSeqs(url)).toHaveLength(1);
  const folded = await openOn(url, 0);
  const expected = storeContents(folded);
  await folded.close();
  return { url, expected };
}

describe.skipIf(POSTGRES_SKIP !== undefined)(
  `state snapshots on PostgreSQL${POSTGRES_SKIP === undefined ? "" : ` [${POSTGRES_SKIP}]`}`,
  () => {
    it("are written once enough events were folded, and a start from one equals a fold of every event", async () => {
      const url = await POSTGRES_BACKEND.place("snap-written");
      const writer = await openOn(url, 5);
      await withHistory(writer);
      // Written a second after the state moved 5 events past the newest snapshot (none: seq -1).
      const seqs = await until(
        () => snapshotSeqs(url),
        (s) => s.length > 0,
      );
      expect(seqs).toHaveLength(1);
      expect(seqs[0]).toBeGreaterThanOrEqual(4);
      await writer.transact(submitBody("TKT-5"));
      await writer.close();

      const logger = memoryLogger();
      const fromSnapshot = await openOn(url, 5, logger);
      const folded = await openOn(url, 0);
      expect(logger.infos.join("\n")).toMatch(new RegExp(`from the snapshot at seq ${seqs[0]}\\)`));
      expect(logger.warnings).toEqual([]);
      expect(storeContents(fromSnapshot)).toEqual(storeContents(folded));
      // It goes on from there like any store: the next commit chains onto the same head.
      await fromSnapshot.transact(submitBody("TKT-6"));
      await folded.refresh();
      expect(storeContents(folded)).toEqual(storeContents(fromSnapshot));
      expect(await POSTGRES_BACKEND.verify(url)).toMatchObject({ ok: true });
      await fromSnapshot.close();
      await folded.close();
    });

    it("a snapshot that is due is written when the store closes, before the second has passed", async () => {
      const url = await POSTGRES_BACKEND.place("snap-close");
      const store = await openOn(url, 3);
      await withHistory(store);
      const last = store.view().lastSeq;
      await store.close();
      expect(await snapshotSeqs(url)).toEqual([last]);
    });

    it("a start from a snapshot still compares the local copy's last line with the database", async () => {
      const url = await POSTGRES_BACKEND.place("snap-copy");
      const root = tempDir("machine");
      const store = await openOn(url, 3, memoryLogger(), root);
      await withHistory(store);
      const last = store.view().lastSeq;
      await store.close();
      expect(await snapshotSeqs(url)).toEqual([last]);
      // The copy ends at the snapshot's seq: the fold after the snapshot never reads that line.
      const file = join(root, "audit-copies", `${store.storeId}.jsonl`);
      const lines = readFileSync(file, "utf8").split("\n");
      lines[last] = (lines[last] as string).replace('"actor":"', '"actor":"x');
      writeFileSync(file, lines.join("\n"));
      const logger = memoryLogger();
      const again = await openOn(url, 3, logger, root);
      expect(logger.infos.join("\n")).toMatch(new RegExp(`from the snapshot at seq ${last}\\)`));
      expect(logger.warnings.join("\n")).toMatch(
        new RegExp(`its line for seq ${last} is not the database's`),
      );
      await again.close();
    });

    it("keeps the newest two, and writes none when snapshotEvery is 0", async () => {
      const url = await POSTGRES_BACKEND.place("snap-keep");
      const writer = await openOn(url, 2);
      for (const id of ["TKT-1", "TKT-2", "TKT-3", "TKT-4"]) {
        const before = (await snapshotSeqs(url)).at(-1) ?? -1;
        const rec = await writer.transact(submitBody(id));
        await writer.transact(approveBody(rec.id));
        await until(
          () => snapshotSeqs(url),
          (s) => (s.at(-1) ?? -1) > before,
        );
      }
      const seqs = await snapshotSeqs(url);
      expect(seqs).toHaveLength(2);
      expect(seqs[1]).toBe(writer.view().lastSeq);
      await writer.close();

      const none = await POSTGRES_BACKEND.place("snap-none");
      const quiet = await openOn(none, 0);
      await withHistory(quiet);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await snapshotSeqs(none)).toEqual([]);
      await quiet.close();
    });

    it("a damaged snapshot is ignored with a warning: every event is folded, to the same state", async () => {
      const { url, expected } = await snapshotted("snap-damaged");

      // Bytes that are not gzip.
      await sql(url, "UPDATE state_snapshots SET body = '\\x00010203'::bytea");
      const logger = memoryLogger();
      const damaged = await openOn(url, 1_000, logger);
      expect(logger.warnings.join("\n")).toMatch(
        /the state snapshot at seq \d+ in state_snapshots .* cannot be used \(.*\): every event is folded instead/,
      );
      expect(logger.infos.join("\n")).toMatch(/\(replayed\)/);
      expect(storeContents(damaged)).toEqual(expected);
      await damaged.close();
    });

    it("a snapshot whose body does not match its sha256, or that names another event, is not used", async () => {
      const { url, expected } = await snapshotted("snap-foreign");

      await sql(url, "UPDATE state_snapshots SET sha256 = repeat('0', 64)");
      const logger = memoryLogger();
      const altered = await openOn(url, 1_000, logger);
      expect(logger.warnings.join("\n")).toMatch(/does not match its sha256/);
      expect(storeContents(altered)).toEqual(expected);
      await altered.close();

      // Another event's hash: the snapshot does not describe this log, and is passed over silently.
      await sql(url, "UPDATE state_snapshots SET hash = repeat('f', 64)");
      const other = memoryLogger();
      const passed = await openOn(url, 1_000, other);
      expect(other.warnings).toEqual([]);
      expect(other.infos.join("\n")).toMatch(/\(replayed\)/);
      expect(storeContents(passed)).toEqual(expected);
      await passed.close();
    });
  },
);
