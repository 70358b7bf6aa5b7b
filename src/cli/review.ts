// `support-triage-mcp review` / `npm run review -- ...`: the reviewer CLI (the "operator"
// approval channel). Run with --help for the commands. Decisions made here come from a person at a
// terminal, not from a model, and are audited as such.
import { readFileSync, realpathSync } from "node:fs";
import { createInterface, type Interface } from "node:readline/promises";
import { fileURLToPath } from "node:url";
import { runReview, type ReviewIo } from "./review/commands.js";

function packageVersion(): string {
  try {
    // src/cli and dist/cli are both two levels below the package root.
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

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
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    version: packageVersion(),
    readLine: reader.readLine,
    isTTY: process.stdin.isTTY === true,
  };
  try {
    return await runReview(argv, io);
  } finally {
    reader.close();
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
