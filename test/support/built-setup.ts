import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { bundleFixtures, distStaleness } from "./built.js";

// Vitest global setup: the process tests start dist/ (see built.ts), so a suite run after an
// edit under src/ without a build would test old code: build once instead. Then bundle the test
// programs that tests start as processes (CHILD_FIXTURES), against that build.

export default async function setup(): Promise<void> {
  const stale = distStaleness();
  if (stale !== undefined) build(stale);
  await bundleFixtures();
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
