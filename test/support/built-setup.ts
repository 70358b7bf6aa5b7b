import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { distStaleness } from "./built.js";

// Vitest global setup: the process tests start dist/ (see built.ts), so a suite run after an
// edit under src/ without a build would test old code. Build once instead.

export default function setup(): void {
  const stale = distStaleness();
  if (stale === undefined) return;
  process.stderr.write(`dist/ is ${stale}: running \`npm run build\` once before the tests\n`);
  const build = spawnSync("npm", ["run", "build"], {
    cwd: resolve(import.meta.dirname, "../.."),
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (build.status !== 0) {
    throw new Error("`npm run build` failed: fix the errors it printed, then run the tests again");
  }
}
