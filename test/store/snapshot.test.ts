import { spawnSync } from "node:child_process";
import { existsSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { FileStore } from "../../src/store/index.js";
import { RawJson, type RecordSource } from "../../src/store/core/records.js";
import { SnapshotFile } from "../../src/store/file/snapshot.js";
import {
  decodeSnapshotBody,
  decodeSnapshotIndex,
  encodeSnapshotBody,
} from "../../src/store/core/snapshot-body.js";
import { fromSnapshotData, snapshotDataOf } from "../../src/store/file/snapshot-body.js";
import { StoreState } from "../../src/store/core/state.js";
import { StateView } from "../../src/store/core/view.js";
import { LogPositions } from "../../src/store/file/positions.js";
import { approveBody, rejectBody, submitBody } from "./fixtures/drafts.js";
import { cleanupTempDirs, expectConsistent, memoryLogger, open, tempDir } from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";
import { BUNDLED_QUEUE } from "../support/workspace.js";

afterAll(cleanupTempDirs);

const SEED = makeTickets(40);

/** Everything a reader can observe, for comparing two ways of building the same state. */
async function observe(store: FileStore): Promise<unknown> {
  const view = store.view();
  return {
    lastSeq: view.lastSeq,
    tickets: view.ticketsByInsertion(0),
    byId: view.listTickets({}, { offset: 0, limit: 1000 }).items.map((t) => t.id),
    inProgress: view.listTickets({ status: "in-progress" }, { offset: 0, limit: 1000 }),
    apiTeamP3: view.listTickets({ team: "api-platform", priority: "P3" }, { offset: 0, limit: 1000 }),
    recs: view.listRecommendations({}, { offset: 0, limit: 1000 }),
    pending: view.listRecommendations({ resolution: "pending" }, { offset: 0, limit: 1000 }),
    stats: view.recommendationStats(),
    audit: await store.listAuditEvents({}, { offset: 0, limit: 1000 }),
    auditOf7: await store.listAuditEvents({ ticketId: "TKT-7" }, { offset: 0, limit: 1000 }),
  };
}

async function busyRuntime(
  snapshotEvery: number,
): Promise<{ root: string; store: FileStore; logger: ReturnType<typeof memoryLogger> }> {
  const root = tempDir("snapshot");
  const logger = memoryLogger();
  const store = await open(root, { tickets: SEED, snapshotEvery, logger });
  for (let i = 1; i <= 12; i++) {
    const rec = await store.transact(submitBody(`TKT-${i}`));
    if (i % 3 === 0) await store.transact(rejectBody(rec.id));
    else if (i % 3 === 1) await store.transact(approveBody(rec.id));
  }
  return { root, store, logger };
}

function snapshots(root: string): string[] {
  const dir = join(root, "snapshots");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

describe("state snapshots", () => {
  it("are written every snapshotEvery events, keep the newest two, and give the same state as a full replay", async () => {
    const { root, store, logger } = await busyRuntime(5);
    expect(snapshots(root)).toEqual(["state-14.json", "state-19.json"]);
    expect(logger.infos.join("\n")).toMatch(/wrote snapshots\/state-19\.json/);
    const expected = await observe(store);
    await store.close();

    // From the snapshot at seq 19 plus the tail (seq 20).
    const reopenLogger = memoryLogger();
    const fromSnapshot = await open(root, { tickets: SEED, snapshotEvery: 0, logger: reopenLogger });
    expect(reopenLogger.infos.join("\n")).toMatch(
      /seq 20 \(from snapshots\/state-19\.json \+ 1 newer events\)/,
    );
    expect(reopenLogger.warnings).toEqual([]);
    expect(await observe(fromSnapshot)).toEqual(expected);
    await expectConsistent(fromSnapshot, SEED);
    await fromSnapshot.transact(submitBody("TKT-30"));
    await fromSnapshot.close();

    // Without snapshots: the full replay agrees (one more event now).
    rmSync(join(root, "snapshots"), { recursive: true });
    const replayed = await open(root, { tickets: SEED, snapshotEvery: 0 });
    expect(replayed.view().lastSeq).toBe(21);
    expect(replayed.view().pendingRecommendationIds("TKT-30")).toHaveLength(1);
    await replayed.close();
  });

  it("a corrupt snapshot is ignored with a warning and the state is rebuilt from the log", async () => {
    const { root, store } = await busyRuntime(0);
    const expected = await observe(store);
    store.checkpoint();
    await store.close();
    const file = join(root, "snapshots", "state-20.json");
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = bytes[bytes.length - 100] === 0x31 ? 0x32 : 0x31;
    writeFileSync(file, bytes);
    const logger = memoryLogger();
    const reopened = await open(root, { tickets: SEED, snapshotEvery: 0, logger });
    expect(logger.warnings.join("\n")).toMatch(
      /ignoring snapshot .*state-20\.json: its checksum does not match/,
    );
    expect(await observe(reopened)).toEqual(expected);
    await reopened.close();
  });

  it("a snapshot that the log does not back (another history) is ignored", async () => {
    const { root, store } = await busyRuntime(0);
    store.checkpoint();
    await store.close();
    // Same runtime id, but the log is cut back before the snapshot's last event.
    const other = await busyRuntime(0);
    await other.store.close();
    renameSync(join(root, "snapshots"), join(other.root, "snapshots"));
    const logger = memoryLogger();
    const reopened = await open(other.root, { tickets: SEED, snapshotEvery: 0, logger });
    expect(logger.warnings.join("\n")).toMatch(/ignoring snapshot .*: it belongs to another runtime/);
    await expectConsistent(reopened, SEED);
    await reopened.close();

    const truncated = await busyRuntime(0);
    truncated.store.checkpoint();
    await truncated.store.close();
    const log = readFileSync(join(truncated.root, "audit.jsonl"), "utf8").trimEnd().split("\n");
    writeFileSync(join(truncated.root, "audit.jsonl"), `${log.slice(0, -3).join("\n")}\n`);
    const logger2 = memoryLogger();
    const again = await open(truncated.root, { tickets: SEED, snapshotEvery: 0, logger: logger2 });
    expect(logger2.warnings.join("\n")).toMatch(/ignoring snapshot .*: it is ahead of the audit log/);
    expect(again.view().lastSeq).toBe(17);
    await again.close();
  });

  it("removes temp files left by a writer killed mid-snapshot", async () => {
    const { root, store } = await busyRuntime(0);
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    store.checkpoint();
    writeFileSync(join(root, "snapshots", `.state-30-${dead}-abcd1234.tmp`), "{partial");
    store.checkpoint();
    expect(snapshots(root)).toEqual(["state-20.json"]);
    await store.close();
  });

  it("a runtime opened without one gets a first snapshot after the delay, and the next open uses it", async () => {
    const root = tempDir("snapshot-first");
    const logger = memoryLogger();
    const store = await open(root, {
      tickets: SEED,
      logger,
      firstSnapshot: { minTickets: 40, delayMs: 0 },
    });
    const expected = await observe(store);
    for (let i = 0; i < 100 && snapshots(root).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(snapshots(root)).toEqual(["state-0.json"]);
    await store.close();
    const reopenLogger = memoryLogger();
    const reopened = await open(root, { tickets: SEED, logger: reopenLogger });
    expect(reopenLogger.infos.join("\n")).toMatch(
      /seq 0 \(from snapshots\/state-0\.json \+ 0 newer events\)/,
    );
    expect(await observe(reopened)).toEqual(expected);
    // Records loaded from the snapshot are read from its file; pruning the file does not lose them.
    rmSync(join(root, "snapshots"), { recursive: true });
    expect(reopened.view().getTicket("TKT-39")).toEqual(SEED.find((t) => t.id === "TKT-39"));
    await reopened.transact(approveBody((await reopened.transact(submitBody("TKT-39"))).id));
    await expectConsistent(reopened, SEED);
    await reopened.close();
  });

  it("a first snapshot still waiting for its delay is written when the store closes", async () => {
    const root = tempDir("snapshot-close");
    const store = await open(root, { tickets: SEED, firstSnapshot: { minTickets: 1, delayMs: 60_000 } });
    expect(snapshots(root)).toEqual([]);
    await store.close();
    expect(snapshots(root)).toEqual(["state-0.json"]);
  });

  it("is not written for a runtime below the size threshold", async () => {
    const root = tempDir("snapshot-small");
    const store = await open(root, { tickets: SEED, firstSnapshot: { minTickets: 41, delayMs: 0 } });
    await new Promise((r) => setTimeout(r, 100));
    expect(snapshots(root)).toEqual([]);
    await store.close();
  });

  it("loading parses the index line only; a record is read when first needed, and kept once read", async () => {
    const { store } = await busyRuntime(0);
    const { log } = (store as unknown as { writer: { log: { state: StoreState; positions: LogPositions } } })
      .writer;
    const state = new StateView(log.state, 0);
    const body = Buffer.concat([...encodeSnapshotBody(snapshotDataOf(log.state, log.positions))]);
    await store.close();
    const reads: number[] = [];
    const source: RecordSource = {
      read: (offset, length) => {
        reads.push(offset);
        return body.subarray(offset, offset + length);
      },
    };
    const end = body.length - 1;
    const start = body.lastIndexOf(10, end - 1) + 1;
    const head = { seq: state.lastSeq, hash: log.state.lastHash, logBytes: log.positions.bytes };
    const loaded = new StateView(
      fromSnapshotData(decodeSnapshotIndex(body.toString("utf8", start, end), source, start), head).state,
      0,
    );
    expect(reads).toEqual([]);
    // Indexes, counters and id lookups answer from the index line alone.
    expect(loaded.listTickets({ team: "api-platform" }, { offset: 0, limit: 0 }).total).toBe(
      state.listTickets({ team: "api-platform" }, { offset: 0, limit: 0 }).total,
    );
    expect(loaded.openTicketStats(BUNDLED_QUEUE)).toEqual(state.openTicketStats(BUNDLED_QUEUE));
    expect(loaded.recommendationStats()).toEqual(state.recommendationStats());
    expect(loaded.pendingRecommendationIds("TKT-2")).toEqual(state.pendingRecommendationIds("TKT-2"));
    expect(reads).toEqual([]);
    expect(loaded.getTicket("TKT-7")).toEqual(state.getTicket("TKT-7"));
    expect(loaded.getTicket("TKT-7")).toEqual(state.getTicket("TKT-7"));
    expect(reads).toHaveLength(1);
    expect(Object.isFrozen(loaded.getTicket("TKT-7"))).toBe(true);
    // A scan over every ticket reads each unread one without keeping it.
    loaded.ticketsByInsertion(0);
    loaded.ticketsByInsertion(0);
    expect(reads).toHaveLength(1 + 2 * (SEED.length - 1));
    // The whole-body decoder agrees.
    const whole = new StateView(fromSnapshotData(decodeSnapshotBody(body), head).state, 0);
    expect(whole.ticketsByInsertion(0)).toEqual(state.ticketsByInsertion(0));
    expect(whole.listRecommendations({}, { offset: 0, limit: 100 })).toEqual(
      state.listRecommendations({}, { offset: 0, limit: 100 }),
    );
  });

  it("refuses an index that does not add up to its records", () => {
    const state = StoreState.fromBase(SEED.slice(0, 3));
    const body = Buffer.concat([...encodeSnapshotBody(snapshotDataOf(state, new LogPositions()))]);
    const end = body.length - 1;
    const start = body.lastIndexOf(10, end - 1) + 1;
    const index = JSON.parse(body.toString("utf8", start, end)) as { tickets: { bytes: number[] } };
    index.tickets.bytes[1] = (index.tickets.bytes[1] as number) + 1;
    const source = { read: (o: number, l: number) => body.subarray(o, o + l) };
    expect(() => decodeSnapshotIndex(JSON.stringify(index), source, start)).toThrow(
      /its index does not add up to its records/,
    );
    expect(new RawJson(source, 0, 1).length).toBe(1);
  });

  it("a closed snapshot file refuses reads instead of reading whatever reuses its descriptor", () => {
    const path = join(tempDir("snapshot-file"), "records");
    writeFileSync(path, 'HEADER{"a":1}\n');
    const file = new SnapshotFile(openSync(path, "r"), 6);
    expect(file.read(0, 7).toString("utf8")).toBe('{"a":1}');
    file.close();
    file.close();
    expect(() => file.read(0, 7)).toThrow(/the snapshot this record came from was closed/);
  });
});
