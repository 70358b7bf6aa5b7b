// Regenerates the committed fixtures from the catalogue, checks them, or writes large generated
// ticket sets. Run with --help for the options.
//
// The catalogue and wording files are read as the generator loads, so a malformed one is
// reported here like any other failure: one clear message and exit code 1.
try {
  const { runGenerateFixtures } = await import("./fixtures/cli.js");
  const { PROCESS_IO } = await import("../src/cli/command.js");
  process.exitCode = await runGenerateFixtures(process.argv.slice(2), {
    ...PROCESS_IO,
    stderrIsTty: process.stderr.isTTY,
    cwd: process.cwd(),
  });
} catch (error) {
  process.stderr.write(`generate-fixtures: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
