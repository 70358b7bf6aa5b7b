import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import type { Ticket } from "../../src/domain/schemas.js";
import { approveBody, submitBody } from "./fixtures/drafts.js";
import {
  cleanupTempDirs,
  expectConsistent,
  memoryLogger,
  open,
  readLog,
  runChild,
  tempDir,
} from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";

afterAll(cleanupTempDirs);

describe("initialization", () => {
  it("writes the layout on first start: manifest, base tickets, seq-0 event, empty journal", async () => {
    const root = tempDir();
    const tickets = makeTickets(5);
    const store = await open(root, { tickets, seedMetadata: { source: "unit" } });
    expect(readdirSync(root).sort()).toEqual(["audit.jsonl", "base", "journal", "presence", "store.json"]);
    expect(readdirSync(join(root, "journal"))).toEqual([]);

    const manifest = JSON.parse(readFileSync(join(root, "store.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ format: 1, tickets: 5, seed: { source: "unit" } });
    expect(manifest.storeId).toBe(store.storeId);

    const base = JSON.parse(readFileSync(join(root, "base/tickets.json"), "utf8")) as Ticket[];
    expect(base.map((t) => t.id)).toEqual(tickets.map((t) => t.id));

    const events = readLog(root);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      seq: 0,
      action: "runtime-initialized",
      ticketId: null,
      prevHash: "0".repeat(64),
      data: { tickets: 5, storeId: store.storeId, seed: { source: "unit" } },
    });
    expect(store.view().lastSeq).toBe(0);
    expect(store.view().ticketCount()).toBe(5);
    await store.close();
  });

  it("accepts a seed that returns tickets with metadata, and merges it over seedMetadata", async () => {
    const root = tempDir();
    const store = await open(root, {
      seed: () => Promise.resolve({ tickets: makeTickets(2), metadata: { file: "x.json" } }),
      seedMetadata: { file: "overridden", extra: 1 },
    });
    expect(readLog(root)[0]?.data?.seed).toEqual({ file: "x.json", extra: 1 });
    await store.close();
  });

  it("never overwrites an initialized runtime: a later start keeps every change", async () => {
    const root = tempDir();
    const first = await open(root);
    const rec = await first.transact(submitBody("TKT-3"));
    await first.transact(approveBody(rec.id));
    await first.close();

    let seedCalls = 0;
    const second = await open(root, {
      seed: () => {
        seedCalls++;
        return makeTickets(3);
      },
    });
    expect(seedCalls).toBe(0);
    expect(second.view().ticketCount()).toBe(20);
    expect(second.view().getTicket("TKT-3")?.revision).toBe(1);
    expect(second.view().getRecommendation(rec.id)?.resolution).toBe("approved");
    expect(readLog(root)).toHaveLength(3);
    await second.close();
  });

  it("refuses an invalid seed and writes nothing", async () => {
    const root = tempDir();
    const bad = [{ ...makeTickets(1)[0], id: "not an id" }] as Ticket[];
    await expect(open(root, { tickets: bad })).rejects.toThrow(/seed tickets are invalid at \[0\.id\]/);
    expect(existsSync(join(root, "store.json"))).toBe(false);
    const dup = [...makeTickets(2), ...makeTickets(1)];
    await expect(open(root, { tickets: dup })).rejects.toThrow(/lists ticket TKT-1 twice/);
    // A valid seed then initializes normally.
    const store = await open(root);
    expect(store.view().ticketCount()).toBe(20);
    await store.close();
  });

  it("replaces the leftovers of an interrupted initialization, but refuses a foreign audit log", async () => {
    const root = tempDir();
    mkdirSync(join(root, "base"));
    writeFileSync(join(root, "base/tickets.json"), "[half");
    writeFileSync(join(root, "store.json.123456"), "{");
    writeFileSync(join(root, ".gitkeep"), "");
    const logger = memoryLogger();
    const store = await open(root, { logger });
    expect(logger.warnings.join("\n")).toMatch(/interrupted initialization.*base\/.*store\.json\.123456/);
    expect(readdirSync(root).sort()).toEqual([
      ".gitkeep",
      "audit.jsonl",
      "base",
      "journal",
      "presence",
      "store.json",
    ]);
    await store.close();

    const foreign = tempDir();
    writeFileSync(join(foreign, "audit.jsonl"), '{"ticketId":"TKT-1","action":"approved"}\n');
    const error = await open(foreign).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(/not written by this server/);
    expect(readFileSync(join(foreign, "audit.jsonl"), "utf8")).toContain("approved");
  });

  it("initializes exactly once when several processes start on an empty directory", async () => {
    const root = tempDir();
    const children = [1, 2, 3, 4].map(() => runChild({ dataRoot: root, tickets: 30 }));
    const runs = await Promise.all(children.map((c) => c.done));
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.lines[0]).toMatchObject({ ready: true, lastSeq: 0 });
    }
    const events = readLog(root);
    expect(events.filter((e) => e.action === "runtime-initialized")).toHaveLength(1);
    // Every process ended up on the same runtime (a lost initialization race would split them).
    const storeIds = new Set(runs.map((r) => r.lines[0]?.storeId));
    expect(storeIds.size).toBe(1);
    const store = await open(root);
    expect(storeIds.has(store.storeId)).toBe(true);
    expect(store.view().ticketCount()).toBe(30);
    await expectConsistent(store, makeTickets(30));
    await store.close();
  });
});
