// Scores recommendations against the expected outcomes and measures our engines on the fixtures
// and, with --corpora, on public corpora.
// Run with --help for the options.
import { PROCESS_IO } from "../../src/cli/command.js";
import { runEvaluateCommand } from "./cli.js";

process.exitCode = await runEvaluateCommand(process.argv.slice(2), { ...PROCESS_IO, cwd: process.cwd() });
