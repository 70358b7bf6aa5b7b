// `support-triage-mcp db migrate` / `db import --from-runtime DIR` (npm run db:migrate, db:import):
// the PostgreSQL store's maintenance. Run with --help for the options.
import { resolve } from "node:path";
import {
  checkDatabaseUrl,
  copyRuntimeToDatabase,
  migrateDatabase,
  RuntimeCopyRefused,
  SCHEMA_VERSION,
} from "../store/index.js";
import { PROCESS_IO, runCommand, runIfMain, UsageError, type Command, type CommandIo } from "./command.js";

const USAGE = `Usage: support-triage-mcp db <command> [options]

The PostgreSQL store (TRIAGE_DATABASE_URL; see docs/postgres.md).
  db migrate                     create the triage schema in the database, or bring it up to this
                                 version's (${SCHEMA_VERSION}); never drops or rewrites anything
  db import --from-runtime DIR   copy the runtime directory DIR (tickets, import batches,
                                 recommendations, the outbox, the whole audit chain) into an empty
                                 database, and verify the chain before committing the copy
Options:
  --database-url URL   the database (default: TRIAGE_DATABASE_URL)
  --from-runtime DIR   the runtime directory to copy (db import); stop its servers first
  -h, --help           show this help
  --version            print the version

Exit status: 0 done, 1 refused (the reason is printed; nothing was changed), 2 usage error.
`;

const OPTIONS = {
  "database-url": { type: "string" },
  "from-runtime": { type: "string" },
} as const;

export interface DbIo extends CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

type DbTask =
  | { readonly kind: "migrate"; readonly url: string }
  | { readonly kind: "import"; readonly url: string; readonly from: string };

const DB: Command<typeof OPTIONS, DbTask, DbIo> = {
  name: "db",
  usage: USAGE,
  options: OPTIONS,
  positionals: true,
  parse: ({ values, positionals }, io) => {
    const [task, ...extra] = positionals;
    if (task !== "migrate" && task !== "import")
      throw new UsageError(
        task === undefined ? "Name a command: migrate or import." : `Unknown command "${task}".`,
      );
    if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
    const url = values["database-url"] ?? io.env.TRIAGE_DATABASE_URL;
    if (url === undefined || url.trim() === "")
      throw new UsageError("Which database? Set TRIAGE_DATABASE_URL or pass --database-url URL.");
    const bad = checkDatabaseUrl(url);
    if (bad !== undefined) throw new UsageError(bad.replace("TRIAGE_DATABASE_URL", "the database URL"));
    if (task === "migrate") {
      if (values["from-runtime"] !== undefined) throw new UsageError("--from-runtime belongs to db import.");
      return { kind: "migrate", url };
    }
    const from = values["from-runtime"];
    if (from === undefined || from.trim() === "")
      throw new UsageError("db import needs --from-runtime DIR (the runtime directory to copy).");
    return { kind: "import", url, from: resolve(io.cwd, from) };
  },
  run: async (task, io) => {
    if (task.kind === "migrate") {
      const result = await migrateDatabase(task.url);
      io.stdout(
        result.applied.length === 0
          ? `${result.database} is at schema version ${result.to}: nothing to do\n`
          : `migrated ${result.database} from schema version ${result.from} to ${result.to}: ` +
              `${result.applied.map((m) => `${m.version} (${m.name})`).join(", ")}\n`,
      );
      return 0;
    }
    const copied = await copyRuntimeToDatabase(task.from, task.url, (line) =>
      io.stderr(`db import: ${line}\n`),
    );
    io.stdout(
      `copied ${task.from} into ${copied.database}: ${copied.tickets} tickets, ${copied.batches} import batches, ` +
        `${copied.events} audit events; chain verified, head ${copied.headHash}\n`,
    );
    return 0;
  },
  refusal: (error) => (error instanceof RuntimeCopyRefused ? `db: ${error.message}` : undefined),
};

/** `db ...`: returns the exit status (0 done, 1 refused, 2 usage error). */
export function runDb(argv: readonly string[], io: DbIo): Promise<number> {
  return runCommand(DB, argv, io);
}

export function main(argv: readonly string[]): Promise<number> {
  return runDb(argv, { ...PROCESS_IO, env: process.env, cwd: process.cwd() });
}

await runIfMain(import.meta.url, "db", main);
