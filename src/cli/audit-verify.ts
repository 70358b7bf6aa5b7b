#!/usr/bin/env node
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, resolveDataRoot } from "../config.js";
import { RUNBOOK } from "../paths.js";
import {
  checkDatabaseUrl,
  DatabaseNotInitializedError,
  describeDatabase,
  RuntimeNotInitializedError,
  verifyAuditLog,
  verifyDatabaseAudit,
} from "../store/index.js";
import { PROCESS_IO, runCommand, runIfMain, UsageError, type Command, type CommandIo } from "./command.js";

// Verifies a runtime's audit log: every line's schema and hash, the sequence numbers, the hash
// chain and the base ticket file. Exit 0: intact. Exit 1: the first bad event is printed.
// Exit 2: usage error (bad arguments, or not an initialized runtime directory).

const USAGE = `Usage: audit-verify --data-root DIR
       audit-verify --database-url URL [--data-root DIR]

Checks DIR/audit.jsonl (the hash-chained audit log of a triage runtime) and DIR/base/tickets.json,
or the same chain in a PostgreSQL store (audit_events, the base tickets, the import batches).
  --data-root DIR      the runtime directory (default: TRIAGE_DATA_ROOT, else the per-user runtime
                       the server uses by default); with --database-url, the runtime directory
                       whose local copy of the log (audit-copies/) is compared with the database
  --database-url URL   the database instead (default when TRIAGE_DATABASE_URL is set); reads only
  -h, --help        show this help
  --version         print the version

Exit status: 0 intact, 1 damaged (the first bad event is printed), 2 usage error.
`;

const OPTIONS = { "data-root": { type: "string" }, "database-url": { type: "string" } } as const;

type Target = { readonly root: string } | { readonly url: string; readonly copyRoot?: string | undefined };

const AUDIT_VERIFY: Command<typeof OPTIONS, Target, CommandIo> = {
  name: "audit-verify",
  usage: USAGE,
  options: OPTIONS,
  parse: ({ values }) => {
    const dataRoot = values["data-root"];
    const url =
      values["database-url"] ?? (dataRoot === undefined ? process.env.TRIAGE_DATABASE_URL : undefined);
    if (url !== undefined) {
      const bad = checkDatabaseUrl(url);
      if (bad !== undefined) throw new UsageError(bad.replace("TRIAGE_DATABASE_URL", "the database URL"));
      if (dataRoot === undefined) return { url };
      const copyRoot = resolve(dataRoot);
      if (!existsSync(copyRoot) || !statSync(copyRoot).isDirectory())
        throw new UsageError(`${copyRoot} is not a directory.`);
      return { url, copyRoot };
    }
    if (dataRoot !== undefined && dataRoot.trim() === "") throw new UsageError("--data-root is blank.");
    let root: string;
    try {
      root = dataRoot === undefined ? resolveDataRoot(process.env, process.cwd()).path : resolve(dataRoot);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new UsageError(error.message);
    }
    if (!existsSync(root) || !statSync(root).isDirectory())
      throw new UsageError(`${root} is not a directory.`);
    return { root };
  },
  run: async (target, io) => {
    if ("url" in target) return verifyDatabase(target.url, target.copyRoot, io);
    const { root } = target;
    let result;
    try {
      result = verifyAuditLog(root);
    } catch (error) {
      if (error instanceof RuntimeNotInitializedError) throw new UsageError(error.message, true);
      io.stderr(`audit-verify: cannot verify ${root}: ${(error as Error).message}\n`);
      return 1;
    }
    if (result.ok) {
      io.stdout(`verified ${result.events} events; head ${result.headHash}\n`);
      return 0;
    }
    io.stdout(
      `audit log damaged at seq ${result.seq} (line ${result.line} of ${resolve(root, "audit.jsonl")}): ${result.problem}: ${result.detail}\n`,
    );
    io.stdout(`What to do next (find what changed, restore from a backup or snapshot): ${RUNBOOK}\n`);
    return 1;
  },
};

async function verifyDatabase(url: string, copyRoot: string | undefined, io: CommandIo): Promise<number> {
  let result;
  try {
    result = await verifyDatabaseAudit(url, { copyRoot });
  } catch (error) {
    if (error instanceof DatabaseNotInitializedError) throw new UsageError(error.message, true);
    throw error;
  }
  if (result.ok) {
    io.stdout(`verified ${result.events} events in ${describeDatabase(url)}; head ${result.headHash}\n`);
    if (copyRoot !== undefined) {
      io.stdout(
        result.copy === undefined
          ? `no local copy of this store's log in ${copyRoot}/audit-copies: nothing compared\n`
          : `the local copy ${result.copy.file} agrees with the database (${result.copy.events} events)\n`,
      );
    }
    return 0;
  }
  io.stdout(
    `audit log damaged at seq ${result.seq} (row ${result.line} of audit_events in ${describeDatabase(url)}): ${result.problem}: ${result.detail}\n`,
  );
  io.stdout(`What to do next (find what changed, restore from a backup): ${RUNBOOK}\n`);
  return 1;
}

/** `audit-verify ...`: returns the exit status (0 intact, 1 damaged, 2 usage error). */
export function runAuditVerify(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(AUDIT_VERIFY, argv, io);
}

export function main(argv: readonly string[]): Promise<number> {
  return runAuditVerify(argv, PROCESS_IO);
}

await runIfMain(import.meta.url, "audit-verify", main);
