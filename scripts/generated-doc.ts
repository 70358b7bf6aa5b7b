// The command behind every generated document (`npm run docs`): render the file from the code,
// then write it, or with --check only say whether the committed copy is current (exit 1 when not).
import { readFileSync, writeFileSync } from "node:fs";
import { PROCESS_IO, runCommand, runIfMain, type CommandIo } from "../src/cli/command.js";

export interface GeneratedDoc {
  /** Prefixes unexpected errors on stderr. */
  readonly name: string;
  readonly usage: string;
  readonly path: string;
  /** The file as it should be, from the file as it is ("" when it does not exist yet). */
  readonly render: (before: string) => string | Promise<string>;
  readonly messages: {
    /** --check, the file differs: printed on stderr, exit 1. */
    readonly stale: string;
    readonly current: string;
    readonly unchanged: string;
    readonly updated: string;
  };
  /** Problems with the code the document describes: printed on stderr, and the exit status is 1. */
  readonly problems?: () => readonly string[];
}

const OPTIONS = { check: { type: "boolean" } } as const;

async function generate(doc: GeneratedDoc, check: boolean, io: CommandIo): Promise<number> {
  let before = "";
  try {
    before = readFileSync(doc.path, "utf8");
  } catch {
    // first run
  }
  const after = await doc.render(before);
  const problems = doc.problems?.() ?? [];
  for (const line of problems) io.stderr(`${line}\n`);
  if (check) {
    if (before !== after) {
      io.stderr(`${doc.messages.stale}\n`);
      return 1;
    }
    io.stdout(`${doc.messages.current}\n`);
  } else {
    writeFileSync(doc.path, after);
    io.stdout(`${before === after ? doc.messages.unchanged : doc.messages.updated}\n`);
  }
  return problems.length > 0 ? 1 : 0;
}

/** Runs `doc`'s command when the module at `moduleUrl` is the program. */
export async function runGeneratedDocIfMain(moduleUrl: string, doc: GeneratedDoc): Promise<void> {
  await runIfMain(moduleUrl, doc.name, (argv) =>
    runCommand(
      {
        name: doc.name,
        usage: doc.usage,
        options: OPTIONS,
        parse: ({ values }) => values.check === true,
        run: (check, io) => generate(doc, check, io),
      },
      argv,
      PROCESS_IO,
    ),
  );
}
