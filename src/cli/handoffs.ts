// `support-triage-mcp handoffs ...` / `npm run handoffs:deliver -- ...`: sends the handoff outbox
// to the teams' webhooks. Run with --help for the options.
import { PROCESS_IO, runIfMain } from "./command.js";
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
      ...PROCESS_IO,
      env: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    });
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

await runIfMain(import.meta.url, "handoffs", main);
