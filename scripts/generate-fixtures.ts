// Regenerates the committed fixtures from the catalogue, checks them, or writes large generated
// ticket sets. Run with --help for the options.
import { runGenerateFixtures } from "./fixtures/cli.js";

process.exitCode = await runGenerateFixtures(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTty: process.stderr.isTTY,
  cwd: process.cwd(),
});
