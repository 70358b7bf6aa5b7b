// Scores recommendations against the expected outcomes and measures our engines on the fixtures
// and, with --corpora, on public corpora.
// Run with --help for the options.
import { runEvaluateCommand } from "./cli.js";

process.exitCode = await runEvaluateCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
});
