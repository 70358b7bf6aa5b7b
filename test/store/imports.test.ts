import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isDomainError } from "../../src/domain/errors.js";
import type { Ticket } from "../../src/domain/schemas.js";
import { InvalidAuditEventError, type FileStore } from "../../src/store/index.js";
import { ORPHAN_GRACE_MS } from "../../src/store/index.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { approveBody, submitBody } from "./fixtures/drafts.js";
import {
  cleanupTempDirs,
  expectConsistent,
  expectIndexesMatch,
  memoryLogger,
  open,
  readLog,
  REPO,
  runChild,
  tempDir,
} from "./fixtures/helpers.js";
import {
  createBody,
  fakeSha,
  importBody,
  importedEvent,
  importTickets,
  newTicket,
  rawBody,
  type ImportResult,
} from "./fixtures/intake.js";
import { makeTickets } from "./fixtures/tickets.js";
import { crashEnv } from "../support/crash.js";

afterAll(cleanupTempDirs);

const SEED = makeTickets(20);

function batchFiles(root: string): string[] {
  const dir = join(root, "imports");
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function committed(result: ImportResult): { imported: number; seq: number; file: string } {
  if (!("seq" in result)) throw new Error(`nothing was imported: ${JSON.stringify(result)}`);
  return result;
}

/** Sets a file's modification time `ms` into the past. */
function age(path: string, ms: number): void {
  const then = new Date(Date.now() - ms);
  utimesSync(path, then, then);
}

function observe(store: FileStore): unknown {
  const view = store.view();
  return {
    lastSeq: view.lastSeq,
    insertion: view.ticketsByInsertion(0),
    byId: view.listTickets({}, { offset: 0, limit: 100_000 }).items.map((t) => t.id),
    next: view.nextTicketNumber("TKT"),
    sources: [fakeSha(1), fakeSha(2), fakeSha(3)].map((s) => view.importedSource(s)),
    external: view.ticketIdByExternalId(`ext-${fakeSha(2).slice(-6)}-1`),
  };
}

describe("tickets-imported", () => {
  it("adds every ticket of the batch to every index, and survives replay and snapshots", async () => {
    const root = tempDir("import");
    const store = await open(root, { tickets: SEED });
    const first = committed(await store.transactImport(importBody({ count: 30, sourceSha256: fakeSha(1) })));
    expect(first.imported).toBe(30);
    expect(first.file).toMatch(/^imports\/[0-9a-f]{8}-\d+-[0-9a-f]+\.json$/);
    // Ids that interleave with existing ones (another prefix, sorting first): merged into id order.
    const ids = ["ABC-3", "TKT-200", "ABC-1", "ZD-9", "TKT-60"];
    const second = committed(
      await store.transactImport(importBody({ count: ids.length, sourceSha256: fakeSha(2), ids })),
    );

    const view = store.view();
    expect(view.ticketCount()).toBe(55);
    expect(view.nextTicketNumber("TKT")).toBe(201);
    expect(view.nextTicketNumber("ABC")).toBe(4);
    expect(view.getTicket("TKT-21")?.tags).toEqual(["imported"]);
    expect(view.importedSource(fakeSha(1))).toBe(first.seq);
    expect(view.importedSource(fakeSha(3))).toBeUndefined();
    expect(view.ticketIdByExternalId(`ext-${fakeSha(2).slice(-6)}-1`)).toBe("TKT-200");
    const insertion = [
      ...SEED.map((t) => t.id),
      ...Array.from({ length: 30 }, (_, i) => `TKT-${21 + i}`),
      ...ids,
    ];
    expectIndexesMatch(view, insertion);
    // The event stays small: the tickets are in the batch file, covered by its sha256.
    const event = readLog(root).at(-1);
    expect(event?.action).toBe("tickets-imported");
    expect(event?.ticketId).toBeNull();
    const sha256 = createHash("sha256")
      .update(readFileSync(join(root, second.file)))
      .digest("hex");
    expect(event?.data?.batch).toEqual({ file: second.file, sha256, count: 5 });
    // Imported tickets go through triage like any other.
    const rec = await store.transact(submitBody("TKT-200"));
    await store.transact(approveBody(rec.id));
    await expectConsistent(store, SEED);
    const expected = observe(store);
    await store.close();

    const replayed = await open(root, { tickets: SEED, snapshotEvery: 0 });
    expect(observe(replayed)).toEqual(expected);
    expectIndexesMatch(replayed.view(), insertion);
    replayed.checkpoint();
    await replayed.close();
    // From the snapshot, even with the batch files gone (the snapshot holds the tickets).
    rmSync(join(root, "imports"), { recursive: true });
    const fromSnapshot = await open(root, { tickets: SEED });
    expect(observe(fromSnapshot)).toEqual(expected);
    expectIndexesMatch(fromSnapshot.view(), insertion);
    await fromSnapshot.close();
  });

  it("a re-import of the same source is a no-op, and the reducer refuses one that is not", async () => {
    const root = tempDir("import");
    const store = await open(root, { tickets: SEED });
    const first = committed(await store.transactImport(importBody({ count: 3, sourceSha256: fakeSha(1) })));
    expect(await store.transactImport(importBody({ count: 3, sourceSha256: fakeSha(1) }))).toEqual({
      alreadyImportedBy: first.seq,
    });
    expect(store.view().ticketCount()).toBe(23);
    // A body that ignores importedSource: refused, and its batch is removed.
    const again = store.transactImport((view) => ({
      tickets: importTickets(view, { count: 2, sourceSha256: fakeSha(9) }),
      draft: (batch) => importedEvent(batch, fakeSha(1)),
      result: () => null,
    }));
    await expect(again).rejects.toThrow(/was already imported by seq 1/);
    expect(batchFiles(root)).toEqual([first.file.slice("imports/".length)]);
    await expectConsistent(store, SEED);
    await store.close();
  });

  it("refuses existing ids, repeated ids, taken external ids, a wrong count or ticketId, and bad tickets", async () => {
    const root = tempDir("import");
    const store = await open(root, { tickets: SEED });
    await store.transact(createBody({ id: "TKT-40", overrides: { externalId: "zd-1" } }));
    const before = readFileSync(join(root, "audit.jsonl"));
    const withTickets = (
      tickets: Ticket[],
      edit: (e: ReturnType<typeof importedEvent>) => object = (e) => e,
    ) =>
      store.transactImport(() => ({
        tickets,
        draft: (batch) => edit(importedEvent(batch, fakeSha(5))) as ReturnType<typeof importedEvent>,
        result: () => null,
      }));
    const cases: [string, Promise<unknown>, RegExp][] = [
      ["existing id", withTickets([newTicket("TKT-50"), newTicket("TKT-3")]), /ticket TKT-3 already exists/],
      [
        "taken external id",
        withTickets([newTicket("TKT-51", { externalId: "zd-1" })]),
        /external id zd-1 of TKT-51 is already ticket TKT-40's/,
      ],
      [
        "external id twice",
        withTickets([newTicket("TKT-52", { externalId: "x" }), newTicket("TKT-53", { externalId: "x" })]),
        /external id x is listed twice/,
      ],
      [
        "count",
        withTickets([newTicket("TKT-54")], (e) => ({
          ...e,
          data: { ...e.data, batch: { ...(e.data?.batch as object), count: 2 } },
        })),
        /holds 1 tickets, the event says 2/,
      ],
      [
        "ticketId",
        withTickets([newTicket("TKT-55")], (e) => ({ ...e, ticketId: "TKT-55" })),
        /ticketId null/,
      ],
      [
        "source",
        withTickets([newTicket("TKT-56")], (e) => ({ ...e, data: { ...e.data, source: { name: "x" } } })),
        /data\.source\.sha256 is invalid/,
      ],
    ];
    for (const [label, attempt, message] of cases) {
      await expect(attempt, label).rejects.toBeInstanceOf(InvalidAuditEventError);
      await expect(attempt, label).rejects.toThrow(message);
    }
    // Validated before anything is written: a repeated id or an invalid ticket.
    const repeated = withTickets([newTicket("TKT-57"), newTicket("TKT-57")]);
    await expect(repeated).rejects.toThrow(/Import ticket \[1\] repeats id TKT-57\. Nothing was imported\./);
    await expect(repeated).rejects.toSatisfy((e) => isDomainError(e) && e.code === "INVALID_INPUT");
    // Which statuses exist is the workspace's call (the import service checks it); the store
    // refuses a ticket that is not one at all.
    const invalid = withTickets([{ ...newTicket("TKT-58"), status: "" }]);
    await expect(invalid).rejects.toThrow(/Import ticket \[0\] is invalid at status/);

    expect(readFileSync(join(root, "audit.jsonl"))).toEqual(before);
    expect(batchFiles(root)).toEqual([]);
    expect(store.view().ticketCount()).toBe(21);
    await store.close();
  });

  it("stageImportBatch + transact commit the same way; discard removes only an unused batch", async () => {
    const root = tempDir("import");
    const store = await open(root, { tickets: SEED });
    const tickets = importTickets(store.view(), { count: 4, sourceSha256: fakeSha(1) });
    const batch = await store.stageImportBatch(tickets);
    expect(batch.count).toBe(4);
    const bytes = readFileSync(join(root, batch.file));
    expect(JSON.parse(bytes.toString("utf8"))).toEqual(tickets);
    const seq = await store.transact(rawBody(importedEvent(batch, fakeSha(1))));
    expect(seq).toBeNull();
    expect(store.view().getTicket("TKT-24")).toEqual(tickets[3]);
    expect(await store.discardImportBatch(batch)).toBe(false);
    expect(existsSync(join(root, batch.file))).toBe(true);

    const unused = await store.stageImportBatch([newTicket("TKT-90")]);
    expect(await store.discardImportBatch(unused)).toBe(true);
    expect(existsSync(join(root, unused.file))).toBe(false);
    // A batch that vanished before its commit: nothing is committed, the error says what to do.
    const vanished = await store.stageImportBatch([newTicket("TKT-91")]);
    rmSync(join(root, vanished.file));
    const other = await store.stageImportBatch([newTicket("TKT-92")]); // evicts the cached copy
    const attempt = store.transact(rawBody(importedEvent(vanished, fakeSha(2))));
    await expect(attempt).rejects.toThrow(/is missing\. Stage the batch again and retry/);
    await expect(attempt).rejects.toSatisfy((e) => isDomainError(e) && e.code === "STORE_UNAVAILABLE");
    await store.discardImportBatch(other);
    await expectConsistent(store, SEED);
    await store.close();
  });

  it("commits and replays an import of 50,000 tickets", async () => {
    const root = tempDir("import-large");
    const store = await open(root, { tickets: SEED });
    const result = committed(
      await store.transactImport(importBody({ count: 50_000, sourceSha256: fakeSha(1) })),
    );
    expect(result.imported).toBe(50_000);
    const view = store.view();
    expect(view.ticketCount()).toBe(50_020);
    expect(view.nextTicketNumber("TKT")).toBe(50_021);
    expect(view.getTicket("TKT-50020")?.externalId).toBe(`ext-${fakeSha(1).slice(-6)}-49999`);
    expect(view.ticketsByInsertion(50_019)[0]?.id).toBe("TKT-50020");
    expectIndexesMatch(view);
    // The next single creation appends after them.
    expect((await store.transact(createBody())).id).toBe("TKT-50021");
    const expected = observe(store);
    await expectConsistent(store, SEED);
    await store.close();

    const replayed = await open(root, { tickets: SEED, snapshotEvery: 0 });
    expect(observe(replayed)).toEqual(expected);
    expectIndexesMatch(replayed.view());
    await replayed.close();
  });
});

describe("orphan batches", () => {
  it("keeps a fresh batch of a live writer, removes it once older than the grace period", async () => {
    const root = tempDir("orphan");
    const logger = memoryLogger();
    const store = await open(root, { tickets: SEED, logger });
    const staged = await store.stageImportBatch([newTicket("TKT-70")]);
    await store.transact(submitBody("TKT-1"));
    expect(existsSync(join(root, staged.file))).toBe(true);
    age(join(root, staged.file), ORPHAN_GRACE_MS + 5_000);
    await store.transact(submitBody("TKT-2"));
    expect(existsSync(join(root, staged.file))).toBe(false);
    expect(logger.warnings.join("\n")).toContain(`removed 1 import batch file(s) no committed event uses`);
    await store.close();
  });

  it("never removes a committed batch, and judges foreign writers by age", async () => {
    const root = tempDir("orphan");
    const store = await open(root, { tickets: SEED });
    const { file } = committed(
      await store.transactImport(importBody({ count: 2, sourceSha256: fakeSha(1) })),
    );
    age(join(root, file), 10 * ORPHAN_GRACE_MS);
    // Written by a process on another host (another host tag): alive as far as we can tell.
    const foreignFresh = join(root, "imports", "00000000-4242-aa.json");
    const foreignOld = join(root, "imports", "00000000-4243-bb.json");
    const deadTemp = join(root, "imports", ".00000000-4244-cc.json.tmp");
    const notOurs = join(root, "imports", "README.txt");
    for (const path of [foreignFresh, foreignOld, deadTemp, notOurs]) writeFileSync(path, "[]\n");
    age(foreignOld, ORPHAN_GRACE_MS + 5_000);
    age(deadTemp, ORPHAN_GRACE_MS + 5_000);
    await store.transact(submitBody("TKT-1"));
    expect(batchFiles(root)).toEqual(
      ["00000000-4242-aa.json", "README.txt", file.slice("imports/".length)].sort(),
    );
    await store.close();
  });

  it("removes at open the batch of an importer that exited without committing", async () => {
    const root = tempDir("orphan");
    await (await open(root, { tickets: SEED })).close();
    const run = await runChild({ dataRoot: root, ops: [{ op: "stage", count: 5, sourceSha256: fakeSha(1) }] })
      .done;
    expect(run.code, run.stderr).toBe(0);
    expect(batchFiles(root)).toHaveLength(1);
    const logger = memoryLogger();
    const store = await open(root, { tickets: SEED, logger });
    expect(batchFiles(root)).toEqual([]);
    expect(logger.warnings.join("\n")).toMatch(/removed 1 import batch file/);
    expect(store.view().ticketCount()).toBe(20);
    await store.close();
  });

  it("does not remove the staged batch of a live importer waiting to commit", async () => {
    const root = tempDir("orphan");
    await (await open(root, { tickets: SEED })).close();
    const marker = join(root, "..", `${root.split("/").at(-1) ?? "x"}.staged`);
    const child = runChild(
      { dataRoot: root, ops: [{ op: "stage-commit", count: 7, sourceSha256: fakeSha(1) }] },
      crashEnv("import.batch-staged", {
        TRIAGE_CRASH_ACTION: "pause",
        TRIAGE_CRASH_MARKER: marker,
        TRIAGE_PAUSE_MS: "1500",
      }),
    );
    while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 5));
    rmSync(marker);
    // Another process writes while the importer sits between staging and committing.
    const store = await open(root, { tickets: SEED });
    await store.transact(submitBody("TKT-3"));
    expect(batchFiles(root)).toHaveLength(1);
    const run = await child.done;
    expect(run.lines.find((l) => "op" in l)).toMatchObject({ op: "stage-commit", ok: true });
    expect(store.view().ticketCount()).toBe(27);
    await expectConsistent(store, SEED);
    await store.close();
  });
});

describe("verifying import batches", () => {
  async function importedRuntime(): Promise<{ root: string; file: string; seq: number }> {
    const root = tempDir("import-verify");
    const store = await open(root, { tickets: SEED, snapshotEvery: 0 });
    const { file, seq } = committed(
      await store.transactImport(importBody({ count: 3, sourceSha256: fakeSha(1) })),
    );
    await store.transact(submitBody("TKT-21"));
    await store.close();
    return { root, file, seq };
  }

  it("reports an altered batch file, and the store refuses to open on it", async () => {
    const { root, file, seq } = await importedRuntime();
    expect(verifyAuditLog(root)).toMatchObject({ ok: true, events: 3 });
    const path = join(root, file);
    writeFileSync(path, readFileSync(path, "utf8").replace("TKT-22", "TKT-99"));
    expect(verifyAuditLog(root)).toMatchObject({ ok: false, seq, line: seq + 1, problem: "batch-altered" });
    await expect(open(root, { tickets: SEED })).rejects.toThrow(
      new RegExp(`seq ${seq} cannot be loaded: ${file} does not match the sha256 recorded in its event`),
    );
    const cli = spawnSync(
      process.execPath,
      ["--import", "tsx", "src/cli/audit-verify.ts", "--data-root", root],
      { cwd: REPO, encoding: "utf8" },
    );
    expect(cli.status).toBe(1);
    expect(cli.stdout).toMatch(/batch-altered/);
  });

  it("reports a missing batch file", async () => {
    const { root, file, seq } = await importedRuntime();
    rmSync(join(root, file));
    expect(verifyAuditLog(root)).toMatchObject({ ok: false, seq, problem: "batch-missing" });
    const opening = open(root, { tickets: SEED });
    await expect(opening).rejects.toThrow(new RegExp(`seq ${seq} cannot be loaded: ${file} is missing`));
    await expect(opening).rejects.toSatisfy((e) => isDomainError(e) && e.code === "STORE_UNAVAILABLE");
  });
});
