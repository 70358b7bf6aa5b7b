import { spawnSync } from "node:child_process";
import { accessSync, chmodSync, constants, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { bundleFixtures, distStaleness } from "./built.js";

// Vitest global setup: the process tests start dist/ (see built.ts), so a suite run after an
// edit under src/ without a build would test old code: build once instead. Then bundle the test
// programs that tests start as processes (CHILD_FIXTURES), against that build. Last, point the
// temporary directories of the run (os.tmpdir(), for the test processes and their children) at
// memory when the machine has /dev/shm: a store fsyncs every commit, and on a busy disk those
// waits were much of the suite's time. No test can observe an fsync (a SIGKILLed process leaves
// its written pages to the kernel, on any file system), so the crash tests prove the same.

export default async function setup(): Promise<() => void> {
  const stale = distStaleness();
  if (stale !== undefined) build(stale);
  await bundleFixtures();
  return memoryTmpdir();
}

function memoryTmpdir(): () => void {
  try {
    accessSync("/dev/shm", constants.W_OK);
  } catch {
    return () => undefined;
  }
  const dir = mkdtempSync(join("/dev/shm", "support-triage-tests-"));
  // Like /tmp: the hostile tests run a child as another user (nobody) inside it.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}

function build(stale: string): void {
  process.stderr.write(`dist/ is ${stale}: running \`npm run build\` once before the tests\n`);
  const run = spawnSync("npm", ["run", "build"], {
    cwd: resolve(import.meta.dirname, "../.."),
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (run.status !== 0) {
    throw new Error("`npm run build` failed: fix the errors it printed, then run the tests again");
  }
}
