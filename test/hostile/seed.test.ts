import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { testTickets, writeTestData, type TestData } from "../support/data.js";
import { openRuntime } from "./support.js";

// A malformed seed stops the first start with a message that names the file and the problem,
// and initializes nothing, so fixing the file and starting again just works (no half-initialized
// runtime to clean up, no crash loop on a directory that can never open).

const made: TestData[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d.root, { recursive: true, force: true });
});

function dataWithSeed(text: string | undefined): TestData {
  const data = writeTestData();
  made.push(data);
  if (text === undefined) rmSync(data.seedFile);
  else writeFileSync(data.seedFile, text);
  return data;
}

async function openError(data: TestData): Promise<DomainError> {
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

/** Nothing of a runtime was written: the directory is absent or empty (the lock is released). */
function expectNothingInitialized(data: TestData): void {
  expect(existsSync(join(data.dataRoot, "store.json"))).toBe(false);
  const left = existsSync(data.dataRoot) ? readdirSync(data.dataRoot) : [];
  expect(left).toEqual([]);
}

const tickets = testTickets();
const CASES: { name: string; text: string | undefined; message: RegExp }[] = [
  {
    name: "not JSON",
    text: '[{"id": "TKT-1",',
    message: /^The seed file \S+tickets\.json is not valid JSON: /,
  },
  {
    name: "JSON but not an array",
    text: JSON.stringify({ tickets }),
    message: /is not a valid ticket array at \[\]: .*expected array.*Nothing was initialized\.$/,
  },
  {
    name: "a ticket with a bad id",
    text: JSON.stringify([{ ...tickets[0], id: "../../etc/passwd" }]),
    message:
      /is not a valid ticket array at \[0\.id\]: ticket ids look like TKT-1001.*Nothing was initialized\.$/,
  },
  {
    name: "a ticket missing a required field",
    text: JSON.stringify([tickets[0], { ...tickets[1], subject: undefined }]),
    message: /is not a valid ticket array at \[1\.subject\]: .*Nothing was initialized\.$/,
  },
  {
    name: "duplicate ids",
    text: JSON.stringify([tickets[0], tickets[1], { ...tickets[2], id: tickets[0]?.id }]),
    message: /lists ticket TKT-3001 twice\. Nothing was initialized\.$/,
  },
  { name: "an empty file", text: "", message: /is not valid JSON/ },
  {
    name: "a missing file",
    text: undefined,
    message: /^Cannot read the seed file \S+ \(ENOENT\)\. Set TRIAGE_SEED_FILE/,
  },
];

describe("a malformed seed on first start", () => {
  for (const c of CASES) {
    it(`${c.name}: openTriage rejects with INVALID_INPUT naming the problem; nothing is initialized`, async () => {
      const data = dataWithSeed(c.text);
      const error = await openError(data);
      expect(error.code).toBe("INVALID_INPUT");
      expect(error.message).toMatch(c.message);
      expectNothingInitialized(data);
    });
  }

  it("after the seed is fixed, the next start initializes normally", async () => {
    const data = dataWithSeed("{nope");
    await openError(data);
    await openError(data); // a retry fails the same way, it does not get worse
    writeFileSync(data.seedFile, JSON.stringify(tickets));
    const { triage, logger } = await openRuntime(data);
    expect(triage.service.listTickets({ offset: 0, limit: 50 }).total).toBe(tickets.length);
    expect(logger.lines.join("\n")).not.toMatch(/leftovers/);
    await triage.close();
  });

  it("a seed broken after initialization is never read again: the runtime keeps opening", async () => {
    const data = dataWithSeed(JSON.stringify(tickets));
    const first = await openRuntime(data);
    await first.triage.close();
    writeFileSync(data.seedFile, "not json at all");
    const again = await openRuntime(data);
    expect(again.triage.service.listTickets({ offset: 0, limit: 50 }).total).toBe(tickets.length);
    await again.triage.close();
  });
});
