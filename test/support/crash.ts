import { join } from "node:path";
import { pathToFileURL } from "node:url";

// The environment of a child process that must die (or pause) at one named step of a write.
// The steps are published by the server on a diagnostics channel; test/support/crash-hook.mjs,
// preloaded into the child, is the only thing that listens.

export const CRASH_HOOK = join(import.meta.dirname, "crash-hook.mjs");

/**
 * Variables that make a child process SIGKILL itself at `step` (or, with
 * `TRIAGE_CRASH_ACTION: "pause"` in `extra`, pause there). Replaces the child's NODE_OPTIONS.
 */
export function crashEnv(step: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { NODE_OPTIONS: `--import=${pathToFileURL(CRASH_HOOK).href}`, TRIAGE_CRASH_AT: step, ...extra };
}
