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
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
