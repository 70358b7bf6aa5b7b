import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * Temporary directories named `<prefix>-<label>-XXXXXX`, all removed after the file's tests.
 * Call at the top of a test file (it registers the afterAll hook).
 */
export function tempDirs(prefix: string): (label: string) => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return (label) => {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-${label}-`));
    dirs.push(dir);
    return dir;
  };
}
