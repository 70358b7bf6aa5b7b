import { chmodSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeTestData, type TestData } from "../support/data.js";
import { chownTree, NOBODY, openRuntime, RUNS_AS_ROOT, runChild, validSubmission } from "./support.js";

// A runtime directory the server may read but not write. Root ignores permission bits, so when
// the tests run as root the server runs in a child process as an unprivileged user (nobody);
// otherwise the child runs as the current user. Either way the permissions are real.

let data: TestData;
afterEach(() => {
  // Give write permission back so the temp tree can be removed.
  chmodTree(data.root, 0o755, 0o644);
  rmSync(data.root, { recursive: true, force: true });
});

function chmodTree(path: string, dirMode: number, fileMode: number): void {
  let entries: string[];
  try {
    entries = readdirSync(path);
    chmodSync(path, dirMode);
  } catch {
    chmodSync(path, fileMode);
    return;
  }
  for (const name of entries) chmodTree(join(path, name), dirMode, fileMode);
}

/** An initialized runtime owned by the user the child will run as. */
async function initializedRuntime(): Promise<{ user: { uid: number; gid: number } | undefined }> {
  data = writeTestData();
  const { triage } = await openRuntime(data);
  const submitted = await triage.service.submit(validSubmission() as never);
  expect(submitted.ticketId).toBe("TKT-3004");
  await triage.close();
  if (!RUNS_AS_ROOT) return { user: undefined };
  chownTree(data.root, NOBODY.uid, NOBODY.gid);
  return { user: NOBODY };
}

const auditOf = () => readFileSync(join(data.dataRoot, "audit.jsonl"));

describe("a read-only runtime directory", () => {
  it("(control) the child can read and write the runtime when it is writable", async () => {
    const { user } = await initializedRuntime();
    const outcome = runChild(data, user);
    expect(outcome.open).toEqual({ ok: true });
    expect(outcome.read?.ok).toBe(true);
    expect(outcome.write?.ok, outcome.write?.text).toBe(true);
  });

  it("the directory itself read-only (0555): reads work, a write is refused with STORE_UNAVAILABLE", async () => {
    const { user } = await initializedRuntime();
    chmodSync(data.dataRoot, 0o555);
    const before = auditOf();
    const outcome = runChild(data, user);
    expect(outcome.open).toEqual({ ok: true });
    expect(outcome.read?.ok, outcome.read?.text).toBe(true);
    expect(outcome.read?.text).toMatch(/"id":\s*"TKT-3004"/);
    expect(outcome.write?.ok).toBe(false);
    expect(outcome.write?.text).toMatch(
      /^STORE_UNAVAILABLE: Cannot lock the runtime directory \S+: EACCES.*Check that it exists and is writable\.$/,
    );
    expect(auditOf().equals(before)).toBe(true);
  });

  it("the whole tree read-only (dirs 0555, files 0444): the server still opens for reads; a write is refused", async () => {
    const { user } = await initializedRuntime();
    chmodTree(data.dataRoot, 0o555, 0o444);
    const before = auditOf();
    const outcome = runChild(data, user);
    expect(outcome.open, "a read-only runtime could not even be opened").toEqual({ ok: true });
    expect(outcome.read?.ok).toBe(true);
    expect(outcome.write?.ok).toBe(false);
    expect(outcome.write?.text).toMatch(/^STORE_UNAVAILABLE: /);
    expect(auditOf().equals(before)).toBe(true);
  });
});
