// `support-triage-mcp review` / `npm run review -- ...`: the reviewer CLI (the "operator"
// approval channel). Run with --help for the commands. Decisions made here come from a person at a
// terminal, not from a model, and are audited as such.
import { createInterface, type Interface } from "node:readline/promises";
import { packageVersion, PROCESS_IO, runIfMain } from "./command.js";
import { runReview, type ReviewIo } from "./review/commands.js";

/**
 * Answers read line by line from stdin, opened on the first question only (the other commands
 * never touch stdin). The iterator buffers lines, so answers piped in ahead of the prompts (tests,
 * scripts with --interactive) are not lost between questions.
 */
function lineReader(): { readLine: (prompt: string) => Promise<string | undefined>; close: () => void } {
  let rl: Interface | undefined;
  let lines: AsyncIterator<string> | undefined;
  return {
    readLine: async (prompt) => {
      if (rl === undefined || lines === undefined) {
        rl = createInterface({
          input: process.stdin,
          output: process.stdout,
          terminal: process.stdin.isTTY === true,
        });
        lines = rl[Symbol.asyncIterator]();
      }
      process.stdout.write(prompt);
      const next = await lines.next();
      return next.done === true ? undefined : next.value;
    },
    close: () => rl?.close(),
  };
}

/** Runs the reviewer CLI with the process's arguments, streams and environment. */
export async function main(argv: readonly string[]): Promise<number> {
  const reader = lineReader();
  const io: ReviewIo = {
    ...PROCESS_IO,
    env: process.env,
    cwd: process.cwd(),
    version: packageVersion(),
    readLine: reader.readLine,
    isTTY: process.stdin.isTTY === true,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
  };
  try {
    return await runReview(argv, io);
  } finally {
    reader.close();
  }
}

await runIfMain(import.meta.url, "review", main);
