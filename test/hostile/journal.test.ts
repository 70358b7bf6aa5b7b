import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { verifyAuditLog } from "../../src/store/index.js";
import { startHarness, type Harness } from "../support/harness.js";
import { writeTestData, type TestData } from "../support/data.js";
import { validSubmission } from "./support.js";

// There is no per-recommendation file: a recommendation exists once its event is in audit.jsonl.
// The only other file that carries one is a commit claim, journal/<seq>.json, which holds the
// complete line while it is being appended. A claim that is corrupt or truncated (a disk error,
// a hand edit) must never be applied, never block the runtime, and never be silently deleted.

let data: TestData;
afterEach(() => {
  rmSync(data.root, { recursive: true, force: true });
});

async function stop(h: Harness): Promise<void> {
  await h.client.close();
  await h.triage.close();
}

function deadPid(): number {
  const pid = spawnSync(process.execPath, ["-e", ""]).pid;
  if (pid === undefined) throw new Error("could not spawn");
  return pid;
}

const auditText = () => readFileSync(join(data.dataRoot, "audit.jsonl"), "utf8");
const lastLine = () => auditText().trimEnd().split("\n").at(-1) as string;
const lastSeq = () => (JSON.parse(lastLine()) as { seq: number }).seq;

function claimRecord(seq: number, line: string): string {
  return JSON.stringify({
    format: 1,
    pid: deadPid(),
    hostname: hostname(),
    threadId: 0,
    seq,
    hash: "0".repeat(64),
    createdAt: new Date().toISOString(),
    line,
  });
}

const CORRUPT: { name: string; make: (seq: number) => string }[] = [
  { name: "truncated claim JSON", make: (seq) => claimRecord(seq, lastLine()).slice(0, 90) },
  {
    name: "a complete claim whose line is truncated",
    make: (seq) => claimRecord(seq, lastLine().slice(0, 120)),
  },
  { name: "an empty claim file", make: () => "" },
  { name: "binary garbage", make: () => "\u0000\u00ff\u0001garbage\u0000" },
];

describe("a corrupt or truncated commit claim", () => {
  for (const c of CORRUPT) {
    it(`${c.name}: set aside in journal/quarantine with a warning, never applied; reads and writes work`, async () => {
      data = writeTestData();
      const first = await startHarness({ data });
      expect((await first.call("submit_triage_recommendation", validSubmission())).ok).toBe(true);
      await stop(first);
      const next = lastSeq() + 1;
      const before = auditText();
      writeFileSync(join(data.dataRoot, "journal", `${next}.json`), c.make(next));

      const h = await startHarness({ data });
      const warnings = h.logs.filter((l) => l.startsWith("warn: ")).join("\n");
      expect(warnings).toMatch(new RegExp(`journal/${next}\\.json .*moved it to \\S*quarantine`));
      // Not applied, not lost: the log is unchanged and the bytes are kept for inspection.
      expect(auditText()).toBe(before);
      expect(existsSync(join(data.dataRoot, "journal", `${next}.json`))).toBe(false);
      expect(
        readdirSync(join(data.dataRoot, "journal", "quarantine")).some((n) => n.startsWith(`${next}.json.`)),
      ).toBe(true);
      const pending = await h.call("list_recommendations", { resolution: "pending" });
      expect(pending.structured?.total).toBe(1);
      // The sequence number is free again: the next write takes it.
      const write = await h.call(
        "submit_triage_recommendation",
        validSubmission({ rationale: "Second look." }),
      );
      expect(write.ok, write.text).toBe(true);
      expect(lastSeq()).toBe(next);
      expect(verifyAuditLog(data.dataRoot)).toMatchObject({ ok: true, events: next + 1 });
      await stop(h);
    });
  }

  it("a stray file in journal/ is quarantined too, and a restart after that is quiet", async () => {
    data = writeTestData();
    const first = await startHarness({ data });
    await stop(first);
    writeFileSync(join(data.dataRoot, "journal", "notes.txt"), "hello");
    const second = await startHarness({ data });
    expect(second.logs.join("\n")).toMatch(/journal\/notes\.txt is not a claim file name/);
    await stop(second);
    const third = await startHarness({ data });
    expect(third.logs.filter((l) => l.startsWith("warn: "))).toEqual([]);
    await stop(third);
  });
});
