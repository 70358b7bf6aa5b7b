import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { startHarness, type Harness } from "../support/harness.js";
import { writeTestData, type TestData } from "../support/data.js";
import { openRuntime, validSubmission } from "./support.js";

// Symlink policy (docs/input-limits.md, "Runtime directory and links"):
//  - the runtime directory itself, or any directory above it, may be a symlink to a real
//    directory: ordinary setups depend on it (macOS /tmp -> /private/tmp, a data volume linked
//    into place), and all state lands in the directory the link resolves to;
//  - the files the store owns inside it (audit.jsonl, store.json, base/tickets.json) must be
//    regular files: one replaced by a link is refused with a clear error, because the store would
//    otherwise read and append to a file outside the runtime directory.

const cleanup: string[] = [];
afterEach(() => {
  for (const path of cleanup.splice(0)) rmSync(path, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(dir);
  return dir;
}

function freshData(): TestData {
  const data = writeTestData();
  cleanup.push(data.root);
  return data;
}

async function stop(h: Harness): Promise<void> {
  await h.client.close();
  await h.triage.close();
}

const pendingTotal = async (h: Harness) =>
  (await h.call("list_recommendations", { resolution: "pending" })).structured?.total;

describe("a runtime directory reached through a symlink", () => {
  it("works when the data root itself is a link to a real directory; all state lands in the target", async () => {
    const data = freshData();
    const target = join(tempDir("triage-target-"), "real-runtime");
    mkdirSync(target);
    const link = join(data.root, "linked-runtime");
    symlinkSync(target, link, "dir");

    const h = await startHarness({ data: { ...data, dataRoot: link } });
    const write = await h.call("submit_triage_recommendation", validSubmission());
    expect(write.ok, write.text).toBe(true);
    await stop(h);

    // The link is still a link, and the runtime's files are in the target.
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    for (const name of ["store.json", "audit.jsonl", "base/tickets.json", "journal"]) {
      expect(existsSync(join(target, name)), name).toBe(true);
    }
    expect(readFileSync(join(target, "audit.jsonl"), "utf8")).toContain(
      '"action":"recommendation-submitted"',
    );

    // Through the link or through the real path, it is the same runtime.
    const viaLink = await startHarness({ data: { ...data, dataRoot: link } });
    expect(await pendingTotal(viaLink)).toBe(1);
    await stop(viaLink);
    const viaTarget = await startHarness({ data: { ...data, dataRoot: target } });
    expect(await pendingTotal(viaTarget)).toBe(1);
    await stop(viaTarget);
  });

  it("works when a parent directory is a link (like macOS /tmp -> /private/tmp)", async () => {
    const data = freshData();
    const realParent = tempDir("triage-private-");
    const linkedParent = join(data.root, "tmp-link");
    symlinkSync(realParent, linkedParent, "dir");
    const dataRoot = join(linkedParent, "runtime");

    const h = await startHarness({ data: { ...data, dataRoot } });
    expect((await h.call("submit_triage_recommendation", validSubmission())).ok).toBe(true);
    await stop(h);
    expect(existsSync(join(realParent, "runtime", "store.json"))).toBe(true);
    const again = await startHarness({ data: { ...data, dataRoot: join(realParent, "runtime") } });
    expect(await pendingTotal(again)).toBe(1);
    await stop(again);
  });

  it("a data root that is a dangling link fails with a clear error naming it", async () => {
    const data = freshData();
    const link = join(data.root, "dangling");
    symlinkSync(join(data.root, "does-not-exist", "runtime"), link, "dir");
    const error = await openRuntime({ ...data, dataRoot: link }).then(
      async ({ triage }) => {
        await triage.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("STORE_UNAVAILABLE");
    expect((error as DomainError).message).toContain(link);
  });
});

describe("a store file replaced by a link", () => {
  for (const file of ["audit.jsonl", "store.json", "base/tickets.json"]) {
    it(`${file} -> a copy outside the runtime directory: refused with STORE_UNAVAILABLE naming the link`, async () => {
      const data = freshData();
      const first = await startHarness({ data });
      expect((await first.call("submit_triage_recommendation", validSubmission())).ok).toBe(true);
      await stop(first);

      // Someone moves the file out and leaves a link to it (the content is still valid).
      const outside = join(tempDir("triage-outside-"), file.replace("/", "-"));
      const inside = join(data.dataRoot, file);
      renameSync(inside, outside);
      symlinkSync(outside, inside);
      const outsideBefore = readFileSync(outside);

      const error = await openRuntime(data).then(
        async ({ triage }) => {
          // Today the link is followed: prove it by writing through it, then fail.
          await triage.service.submit(validSubmission({ rationale: "Through the link." }) as never);
          await triage.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error, `${file} as a symlink was followed`).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("STORE_UNAVAILABLE");
      expect((error as DomainError).message).toContain(file);
      expect((error as DomainError).message).toMatch(/link/);
      // Nothing was written through the link.
      expect(readFileSync(outside).equals(outsideBefore)).toBe(true);
    });
  }

  it("(control) the same file moved back as a regular file opens normally", async () => {
    const data = freshData();
    const first = await startHarness({ data });
    await stop(first);
    const inside = join(data.dataRoot, "audit.jsonl");
    const copy = join(tempDir("triage-copy-"), "audit.jsonl");
    copyFileSync(inside, copy);
    rmSync(inside);
    copyFileSync(copy, inside);
    const { triage } = await openRuntime(data);
    expect(triage.service.listTickets({ offset: 0, limit: 1 }).total).toBe(6);
    await triage.close();
  });
});
