import type * as NodeFs from "node:fs";
import { existsSync, readdirSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { verifyAuditLog } from "../../src/store/index.js";
import { startHarness, type Harness } from "../support/harness.js";
import { validSubmission } from "./support.js";

// A full disk (or a failing device) simulated by making the store's own fs calls fail. The
// store has no fs seam, so node:fs is wrapped for the modules under test; every wrapper passes
// through to the real call unless a test arms a fault, and the fault fires only for the write
// that carries the test's marker, so nothing else (locks, presence, other tests) is affected.

type Fault = (name: string, args: readonly unknown[]) => void;
const faults = vi.hoisted(() => ({ current: undefined as Fault | undefined }));

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof NodeFs>();
  const wrap =
    <A extends unknown[], R>(name: string, fn: (...args: A) => R) =>
    (...args: A): R => {
      faults.current?.(name, args);
      return fn(...args);
    };
  const wrapped = {
    ...actual,
    writeSync: wrap("writeSync", actual.writeSync as (...args: unknown[]) => number),
    fdatasyncSync: wrap("fdatasyncSync", actual.fdatasyncSync),
    writeFileSync: wrap("writeFileSync", actual.writeFileSync),
    linkSync: wrap("linkSync", actual.linkSync),
  };
  return { ...wrapped, default: wrapped };
});

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

const MARKER = "DISK-FULL-MARKER";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  faults.current = undefined;
  await h.close();
});

const audit = () => readFileSync(join(h.data.dataRoot, "audit.jsonl"));
const carriesMarker = (value: unknown) =>
  (Buffer.isBuffer(value) || typeof value === "string") && value.includes(MARKER);

async function pendingCount(): Promise<number> {
  const r = await h.call("list_recommendations", { resolution: "pending" });
  return r.structured?.total as number;
}

const journalNames = () => readdirSync(join(h.data.dataRoot, "journal")).filter((n) => n !== "quarantine");

async function expectCleanFailureThenRecovery(expected: RegExp): Promise<void> {
  const before = audit();
  const pendingBefore = await pendingCount();
  const refused = await h.call(
    "submit_triage_recommendation",
    validSubmission({ rationale: `${MARKER} one` }),
  );
  expect(refused.ok).toBe(false);
  expect(refused.text).toMatch(expected);
  // Nothing half-written: the log is byte-for-byte what it was, no claim holds a seq, nothing is listed.
  expect(audit().equals(before)).toBe(true);
  expect(journalNames().filter((n) => /^\d+\.json$/.test(n))).toEqual([]);
  expect(await pendingCount()).toBe(pendingBefore);
  // The disk is fine again: the next write works, leaves no journal files, and the chain verifies.
  faults.current = undefined;
  const next = await h.call("submit_triage_recommendation", validSubmission({ rationale: `${MARKER} two` }));
  expect(next.ok, next.text).toBe(true);
  expect(await pendingCount()).toBe(pendingBefore + 1);
  expect(journalNames()).toEqual([]);
  expect(verifyAuditLog(h.data.dataRoot)).toMatchObject({ ok: true });
}

describe("a full disk or failing device during a commit", () => {
  it("ENOSPC after part of the audit line was written: rolled back, clear error, the next write works", async () => {
    faults.current = (name, args) => {
      if (name !== "writeSync" || !carriesMarker(args[1])) return;
      faults.current = undefined;
      // Half the line reaches the file, then the disk is full.
      const [fd, buf] = args as [number, Buffer];
      writeSync(fd, buf, 0, Math.floor(buf.length / 2));
      throw errno("ENOSPC");
    };
    await expectCleanFailureThenRecovery(
      /^STORE_UNAVAILABLE: Writing the audit log failed \(ENOSPC\); nothing was committed\. Retry once the disk problem is fixed\.$/,
    );
  });

  it("EIO from fdatasync after the whole line was written: rolled back, clear error, the next write works", async () => {
    let armed = false;
    faults.current = (name, args) => {
      if (name === "writeSync" && carriesMarker(args[1])) armed = true;
      else if (name === "fdatasyncSync" && armed) {
        armed = false;
        faults.current = undefined;
        throw errno("EIO");
      }
    };
    await expectCleanFailureThenRecovery(
      /^STORE_UNAVAILABLE: Writing the audit log failed \(EIO\); nothing was committed\. Retry once the disk problem is fixed\.$/,
    );
  });

  it("ENOSPC while writing the commit claim: clear error, nothing committed, the next write works", async () => {
    faults.current = (name, args) => {
      if (name !== "writeFileSync" || !String(args[0]).includes(".claim-") || !carriesMarker(args[1])) return;
      faults.current = undefined;
      // The temp file is created and part of it written before the disk fills up.
      const text = String(args[1]);
      writeFileSync(String(args[0]), text.slice(0, text.length / 2));
      throw errno("ENOSPC");
    };
    await expectCleanFailureThenRecovery(/^STORE_UNAVAILABLE: (?=.*ENOSPC)(?=.*nothing was committed)/);
  });

  it("the simulated faults reach the store (control: an armed fault is consumed)", async () => {
    let seen = 0;
    faults.current = (name, args) => {
      if (name === "writeSync" && carriesMarker(args[1])) seen++;
    };
    const ok = await h.call(
      "submit_triage_recommendation",
      validSubmission({ rationale: `${MARKER} control` }),
    );
    expect(ok.ok, ok.text).toBe(true);
    expect(seen).toBe(1);
    expect(existsSync(join(h.data.dataRoot, "audit.jsonl"))).toBe(true);
  });
});
