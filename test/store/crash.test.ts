import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Recommendation } from "../../src/domain/schemas.js";
import { STEPS as CRASH_POINTS } from "../../src/store/index.js";
import type { FileStore } from "../../src/store/index.js";
import { submitBody } from "./fixtures/drafts.js";
import {
  cleanupTempDirs,
  expectConsistent,
  memoryLogger,
  open,
  readLog,
  runChild,
  tempDir,
  type ChildRun,
} from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";
import { crashEnv } from "../support/crash.js";

// A child process performs one mutation and is SIGKILLed at a named step. Reopening must give
// a consistent store in which the event is entirely present or entirely absent: absent when the
// kill came before the sequence number was claimed, present from the claim on (a claim holds
// the whole line, so recovery finishes the commit).

afterAll(cleanupTempDirs);

const TX_STEPS = CRASH_POINTS.filter((p) => p.startsWith("tx."));
const OPS = ["submit", "approve", "reject"] as const;
type Op = (typeof OPS)[number];
const SEED = makeTickets(20);
const RECOMMENDATION_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

interface Case {
  readonly op: Op;
  readonly step: string;
  readonly root: string;
  readonly pending?: Recommendation;
  run?: ChildRun;
}

async function limit<T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}

describe("a kill at every step of a transaction", () => {
  const cases: Case[] = [];

  beforeAll(async () => {
    for (const op of OPS) {
      for (const step of TX_STEPS) {
        const root = tempDir(`crash-${op}`);
        const store = await open(root, { tickets: SEED });
        const pending = op === "submit" ? undefined : await store.transact(submitBody("TKT-6"));
        await store.close();
        cases.push({ op, step, root, ...(pending === undefined ? {} : { pending }) });
      }
    }
    await limit(
      cases.map((c) => async () => {
        const ops =
          c.op === "submit"
            ? [{ op: "submit", ticketId: "TKT-6", recId: RECOMMENDATION_ID }]
            : [{ op: c.op, recId: c.pending?.id }];
        c.run = await runChild({ dataRoot: c.root, ops }, crashEnv(c.step)).done;
      }),
      4,
    );
  }, 120_000);

  it.each(OPS.flatMap((op) => TX_STEPS.map((step) => [op, step] as const)))(
    "%s killed at %s",
    async (op, step) => {
      const c = cases.find((x) => x.op === op && x.step === step) as Case;
      expect(c.run?.signal, c.run?.stderr).toBe("SIGKILL");
      // Nothing was answered: the kill came before the child could report.
      expect(c.run?.lines.filter((l) => "op" in l)).toEqual([]);

      const logger = memoryLogger();
      // A short lock timeout: the dead child's lock must be reclaimed at once, not after it goes stale.
      const store: FileStore = await open(c.root, { tickets: SEED, logger, lockTimeoutMs: 1_000 });
      await store.transact(submitBody("TKT-1"));
      await expectConsistent(store, SEED);

      const applied = step !== "tx.locked";
      const events = readLog(c.root).filter((e) => e.ticketId === "TKT-6");
      const view = store.view();
      const ticket = view.getTicket("TKT-6");
      const seedRevision = SEED.find((t) => t.id === "TKT-6")?.revision as number;
      if (op === "submit") {
        expect(events.map((e) => e.action)).toEqual(applied ? ["recommendation-submitted"] : []);
        expect(view.getRecommendation(RECOMMENDATION_ID)?.resolution).toBe(applied ? "pending" : undefined);
      } else {
        const action = op === "approve" ? "recommendation-approved" : "recommendation-rejected";
        expect(events.map((e) => e.action)).toEqual(
          applied ? ["recommendation-submitted", action] : ["recommendation-submitted"],
        );
        const resolution = op === "approve" ? "approved" : "rejected";
        expect(view.getRecommendation(c.pending?.id as string)?.resolution).toBe(
          applied ? resolution : "pending",
        );
      }
      expect(ticket?.revision).toBe(seedRevision + (applied && op === "approve" ? 1 : 0));
      if (step === "tx.claimed") expect(logger.warnings.join("\n")).toMatch(/finished the commit of seq/);
      await store.close();
    },
  );
});

describe("a kill during initialization", () => {
  it.each(CRASH_POINTS.filter((p) => p.startsWith("init.")))(
    "%s: the next start initializes cleanly",
    async (step) => {
      const root = tempDir("crash-init");
      const run = await runChild({ dataRoot: root, tickets: 20 }, crashEnv(step)).done;
      expect(run.signal, run.stderr).toBe("SIGKILL");
      expect(existsSync(join(root, "store.json"))).toBe(false);
      expect(existsSync(join(root, "base/tickets.json"))).toBe(true);
      expect(existsSync(join(root, "audit.jsonl"))).toBe(step === "init.log-written");

      const logger = memoryLogger();
      const store = await open(root, { tickets: SEED, logger, lockTimeoutMs: 1_000 });
      expect(logger.warnings.join("\n")).toMatch(/interrupted initialization/);
      expect(readLog(root).filter((e) => e.action === "runtime-initialized")).toHaveLength(1);
      await store.transact(submitBody("TKT-2"));
      await expectConsistent(store, SEED);
      expect(readdirSync(root).sort()).toEqual(["audit.jsonl", "base", "journal", "presence", "store.json"]);
      await store.close();
    },
  );
});

describe("a kill at every step of an import", () => {
  const COUNT = 400;
  const SOURCE = "c".repeat(64);
  const IMPORT_CASES = [
    ...["import.batch-staged", ...TX_STEPS].map((step) => ["import", step] as const),
    // Staged outside any lock (stageImportBatch), then committed with transact.
    ["stage-commit", "import.batch-staged"] as const,
    ["stage-commit", "tx.claimed"] as const,
  ];
  const runs = new Map<string, { root: string; run: ChildRun }>();

  beforeAll(async () => {
    const prepared: { key: string; root: string; op: string; step: string }[] = [];
    for (const [op, step] of IMPORT_CASES) {
      const root = tempDir(`crash-${op}`);
      await (await open(root, { tickets: SEED })).close();
      prepared.push({ key: `${op} ${step}`, root, op, step });
    }
    await limit(
      prepared.map((c) => async () => {
        const ops = [{ op: c.op, count: COUNT, sourceSha256: SOURCE }];
        runs.set(c.key, {
          root: c.root,
          run: await runChild({ dataRoot: c.root, ops }, crashEnv(c.step)).done,
        });
      }),
      4,
    );
  }, 120_000);

  it.each(IMPORT_CASES)(
    "%s killed at %s: all of the tickets or none, and no orphan batch",
    async (op, step) => {
      const { root, run } = runs.get(`${op} ${step}`) as { root: string; run: ChildRun };
      expect(run.signal, run.stderr).toBe("SIGKILL");
      expect(run.lines.filter((l) => "op" in l)).toEqual([]);

      const logger = memoryLogger();
      const store = await open(root, { tickets: SEED, logger, lockTimeoutMs: 1_000 });
      await store.transact(submitBody("TKT-1"));
      // expectConsistent also requires imports/ to hold exactly the committed batches.
      await expectConsistent(store, SEED);
      const applied = ["tx.claimed", "tx.appended", "tx.synced", "tx.released"].includes(step);
      const view = store.view();
      expect(view.ticketCount()).toBe(SEED.length + (applied ? COUNT : 0));
      expect(view.getTicket(`TKT-${SEED.length + COUNT}`) !== undefined).toBe(applied);
      expect(view.importedSource(SOURCE) !== undefined).toBe(applied);
      expect(readLog(root).filter((e) => e.action === "tickets-imported")).toHaveLength(applied ? 1 : 0);
      if (step === "import.batch-staged")
        expect(logger.warnings.join("\n")).toMatch(/removed 1 import batch file/);
      await store.close();
    },
  );
});
