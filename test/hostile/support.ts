import { spawnSync } from "node:child_process";
import { chownSync, lstatSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { createMemoryLogger, type Logger } from "../../src/logging.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import { TEST_NOW, type TestData } from "../support/data.js";
import { fixtureEntry } from "../support/built.js";

/** A recommendation the test seed accepts (TKT-3004 is at revision 1). */
export function validSubmission(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ticketId: "TKT-3004",
    sourceRevision: 1,
    category: "security",
    priority: "P1",
    team: "security",
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "likely",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: ["credential-exposure"],
    draftCustomerResponse: "We are revoking the exposed key and will follow up within the hour.",
    rationale: "TKT-3004 reports a production API key in a public paste.",
    confidence: 0.9,
    recommendedNextAction: "Revoke the key and review access logs.",
    actor: "triage-agent",
    ...overrides,
  };
}

/** openTriage on test data, with an in-memory logger whose lines the test can read. */
export async function openRuntime(
  data: TestData,
  dataRoot: string = data.dataRoot,
): Promise<{ triage: Triage; logger: Logger & { lines: string[] } }> {
  const logger = createMemoryLogger();
  const triage = await openTriage(
    { dataRoot, seedFile: data.seedFile, knowledgeRoot: data.knowledgeRoot, minutesSaved: 8 },
    logger,
    { clock: () => TEST_NOW },
  );
  return { triage, logger };
}

/** Whether this process ignores file permissions (root does). */
export const RUNS_AS_ROOT = process.getuid?.() === 0;
/** The unprivileged account a root test run drops to, when there is one. */
export const NOBODY = { uid: 65534, gid: 65534 };

export function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid);
}

export interface ChildOutcome {
  readonly open: { ok: boolean; error?: string };
  readonly read?: { ok: boolean; text: string };
  readonly write?: { ok: boolean; text: string };
}

const REPO = resolve(import.meta.dirname, "../..");

/** Runs fixtures/runtime-child.ts on `data`, as `user` when given (root only). */
export function runChild(data: TestData, user?: { uid: number; gid: number }): ChildOutcome {
  const result = spawnSync(
    process.execPath,
    [fixtureEntry("test/hostile/fixtures/runtime-child.ts"), JSON.stringify(data)],
    { cwd: REPO, encoding: "utf8", timeout: 60_000, ...(user === undefined ? {} : user) },
  );
  const line = result.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as ChildOutcome;
  } catch {
    throw new Error(
      `the child printed no outcome (status ${result.status}): ${result.stderr.slice(0, 2000)}`,
    );
  }
}
