import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

// Browser tests run in Debian's Chromium (never a downloaded browser). Without it they are
// skipped with a notice; `.ci/run` installs it when it is missing.

export const CHROMIUM = "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM);

/** Prints why a browser suite is skipped (vitest shows the suite as skipped, this says why). */
export function noticeIfSkipped(suite: string): void {
  if (!HAS_CHROMIUM) {
    process.stderr.write(`[${suite}] skipped: ${CHROMIUM} is missing (apt-get install -y chromium).\n`);
  }
}

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** One headless Chromium with a fresh profile directory; close it after the file's tests. */
export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  // Waits end on an event (an element appears); the limit only matters on a machine busy with other
  // processes, where a page's poll or a spawned server can take longer than Playwright's 30 s
  // default. It stays under vitest's 60 s test timeout, so a real hang still fails as a timeout here.
  context.setDefaultTimeout(50_000);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
