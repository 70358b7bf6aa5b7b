import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { verifyAuditLog } from "../../src/store/index.js";
import { startHarness, type Harness } from "../support/harness.js";
import { writeTestData, type TestData } from "../support/data.js";
import { openRuntime, validSubmission } from "./support.js";
import { builtEntry } from "../support/built.js";

// The audit log is the commit log. An incomplete last line is what a crash mid-append leaves:
// it is cut off (and kept) on the next open. A complete line that is damaged is not a crash
// artifact: the runtime refuses to open or write and points to audit:verify, and the file is
// left exactly as found, so nothing is lost silently.

const REPO = resolve(import.meta.dirname, "../..");

let data: TestData;
afterEach(() => {
  rmSync(data.root, { recursive: true, force: true });
});

const auditPath = () => join(data.dataRoot, "audit.jsonl");
const auditText = () => readFileSync(auditPath(), "utf8");
const lines = () => auditText().trimEnd().split("\n");

async function stop(h: Harness): Promise<void> {
  await h.client.close();
  await h.triage.close();
}

/** A runtime with seq 0 (initialization) and two submissions (seq 1, 2), closed. */
async function runtimeWithTwoSubmissions(): Promise<void> {
  data = writeTestData();
  const h = await startHarness({ data });
  expect((await h.call("submit_triage_recommendation", validSubmission())).ok).toBe(true);
  expect((await h.call("submit_triage_recommendation", validSubmission({ rationale: "Again." }))).ok).toBe(
    true,
  );
  await stop(h);
}

async function openRefusal(): Promise<DomainError> {
  const error = await openRuntime(data).then(
    async ({ triage }) => {
      await triage.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

function auditVerifyCli(): { status: number | null; stdout: string } {
  const r = spawnSync(
    process.execPath,
    [builtEntry("src/cli/audit-verify.ts"), "--data-root", data.dataRoot],
    { cwd: REPO, encoding: "utf8", timeout: 60_000 },
  );
  return { status: r.status, stdout: r.stdout };
}

describe("a torn last audit line (half a line at the end)", () => {
  it("is cut off on open and kept in journal/quarantine; reads and the next write work; the chain verifies", async () => {
    await runtimeWithTwoSubmissions();
    const intact = auditText();
    const fragment = (lines()[2] as string).slice(0, 150).replace('"seq":2', '"seq":3');
    appendFileSync(auditPath(), fragment);

    const h = await startHarness({ data });
    expect(h.logs.join("\n")).toMatch(/cut an incomplete last line \(150 bytes at offset \d+\)/);
    expect(auditText()).toBe(intact);
    const torn = readdirSync(join(data.dataRoot, "journal", "quarantine")).filter((n) =>
      n.startsWith("torn-"),
    );
    expect(torn).toHaveLength(1);
    expect(readFileSync(join(data.dataRoot, "journal", "quarantine", torn[0] as string), "utf8")).toBe(
      fragment,
    );

    expect((await h.call("list_recommendations", { resolution: "pending" })).structured?.total).toBe(2);
    const write = await h.call("submit_triage_recommendation", validSubmission({ rationale: "Third." }));
    expect(write.ok, write.text).toBe(true);
    expect(verifyAuditLog(data.dataRoot)).toMatchObject({ ok: true, events: 4 });
    await stop(h);
  });
});

describe("a damaged complete audit line", () => {
  const DAMAGE: { name: string; damage: (ls: string[]) => string[]; problem: string }[] = [
    {
      name: "a middle line altered (same length)",
      damage: (ls) =>
        ls.map((l, i) => (i === 1 ? l.replace('"actor":"triage-agent"', '"actor":"triage-agenT"') : l)),
      problem: "altered",
    },
    { name: "a middle line removed", damage: (ls) => ls.filter((_, i) => i !== 1), problem: "removed" },
    {
      name: "a middle line replaced by garbage",
      damage: (ls) => ls.map((l, i) => (i === 1 ? "#".repeat(l.length) : l)),
      problem: "invalid",
    },
    {
      name: "two lines swapped",
      damage: (ls) => [ls[0] as string, ls[2] as string, ls[1] as string],
      problem: "reordered",
    },
  ];

  for (const d of DAMAGE) {
    it(`${d.name}: open refuses with STORE_UNAVAILABLE pointing to audit:verify; the file is untouched`, async () => {
      await runtimeWithTwoSubmissions();
      writeFileSync(auditPath(), `${d.damage(lines()).join("\n")}\n`);
      const damaged = auditText();

      const error = await openRefusal();
      expect(error.code).toBe("STORE_UNAVAILABLE");
      expect(error.message).toMatch(/is damaged after seq \d+: .*run audit:verify for details\.$/);
      expect(auditText()).toBe(damaged);
      expect(existsSync(join(data.dataRoot, "journal", "quarantine"))).toBe(false);

      // audit:verify names the place.
      expect(verifyAuditLog(data.dataRoot)).toMatchObject({ ok: false, problem: d.problem, line: 2 });
      // A second attempt fails the same way: no repair loop, no partial recovery.
      expect((await openRefusal()).message).toBe(error.message);
      expect(auditText()).toBe(damaged);
    });
  }

  it("audit:verify (the command the error names) exits 1 and prints the damaged line", async () => {
    await runtimeWithTwoSubmissions();
    writeFileSync(auditPath(), `${DAMAGE[0]?.damage(lines()).join("\n")}\n`);
    const r = auditVerifyCli();
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^audit log damaged at seq 1 \(line 2 of \S+audit\.jsonl\): altered: /);
  });

  it("a complete bad line appended under a running server: writes are refused, reads keep serving", async () => {
    await runtimeWithTwoSubmissions();
    const h = await startHarness({ data });
    // Well-formed JSON, but it does not continue the chain (a copy of seq 1 with seq 3).
    appendFileSync(auditPath(), `${(lines()[1] as string).replace('"seq":1', '"seq":3')}\n`);
    const damaged = auditText();
    const write = await h.call("submit_triage_recommendation", validSubmission({ rationale: "Blocked." }));
    expect(write.ok).toBe(false);
    expect(write.text).toMatch(
      /^STORE_UNAVAILABLE: The audit log \S+ is damaged after seq 2: .*run audit:verify/,
    );
    expect(auditText()).toBe(damaged);
    const read = await h.call("list_recommendations", { resolution: "pending" });
    expect(read.ok, read.text).toBe(true);
    expect(read.structured?.total).toBe(2);
    await stop(h);
  });

  it("a middle line altered in place under a running server: the next open refuses (writes check only the last line)", async () => {
    // Documents a limit: a write verifies its predecessor line (O(1)), not the whole chain, so a
    // same-size edit deep in the log is found by the next open and by audit:verify.
    await runtimeWithTwoSubmissions();
    const h = await startHarness({ data });
    writeFileSync(auditPath(), `${DAMAGE[0]?.damage(lines()).join("\n")}\n`);
    const write = await h.call("submit_triage_recommendation", validSubmission({ rationale: "After." }));
    expect(write.ok, write.text).toBe(true);
    await stop(h);
    expect((await openRefusal()).code).toBe("STORE_UNAVAILABLE");
    expect(verifyAuditLog(data.dataRoot)).toMatchObject({ ok: false, problem: "altered", seq: 1 });
  });
});
