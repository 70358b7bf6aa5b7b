// Scores recommendations against the expected outcomes and measures our engines on the fixtures.
// Run with --help for the options.
import { runEvaluate } from "./cli.js";

process.exitCode = runEvaluate(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
});
