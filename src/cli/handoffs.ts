// `support-triage-mcp handoffs ...` / `npm run handoffs:deliver -- ...`: sends the handoff outbox
// to the teams' webhooks. Run with --help for the options.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runHandoffs } from "./handoffs/commands.js";

/** Runs the handoffs CLI with the process's arguments, streams and environment. */
export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  // First ctrl-c: start nothing new, finish and record the request in progress. Second: leave
  // at once (a request cut off mid-way stays in-flight and is never resent on its own).
  const interrupt = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write("handoffs: stopping after the request in progress (ctrl-c again to quit now)\n");
    controller.abort();
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  try {
    return await runHandoffs(argv, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    });
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

/** True when this file is the program being run (not imported by the server entry or a test). */
function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  process.exitCode = await main(process.argv.slice(2));
}
