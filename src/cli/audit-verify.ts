#!/usr/bin/env node
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError, resolveDataRoot } from "../config.js";
import { RUNBOOK } from "../paths.js";
import { RuntimeNotInitializedError, verifyAuditLog } from "../store/index.js";
import { PROCESS_IO, runCommand, runIfMain, UsageError, type Command, type CommandIo } from "./command.js";

// Verifies a runtime's audit log: every line's schema and hash, the sequence numbers, the hash
// chain and the base ticket file. Exit 0: intact. Exit 1: the first bad event is printed.
// Exit 2: usage error (bad arguments, or not an initialized runtime directory).

const USAGE = `Usage: audit-verify --data-root DIR

Checks DIR/audit.jsonl (the hash-chained audit log of a triage runtime) and DIR/base/tickets.json.
  --data-root DIR   the runtime directory (default: TRIAGE_DATA_ROOT, else the per-user runtime the
                    server uses by default)
  -h, --help        show this help
  --version         print the version

Exit status: 0 intact, 1 damaged (the first bad event is printed), 2 usage error.
`;

const OPTIONS = { "data-root": { type: "string" } } as const;

const AUDIT_VERIFY: Command<typeof OPTIONS, string, CommandIo> = {
  name: "audit-verify",
  usage: USAGE,
  options: OPTIONS,
  parse: ({ values }) => {
    const dataRoot = values["data-root"];
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
    return root;
  },
  run: (root, io) => {
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

/** `audit-verify ...`: returns the exit status (0 intact, 1 damaged, 2 usage error). */
export function runAuditVerify(argv: readonly string[], io: CommandIo): Promise<number> {
  return runCommand(AUDIT_VERIFY, argv, io);
}

export function main(argv: readonly string[]): Promise<number> {
  return runAuditVerify(argv, PROCESS_IO);
}

await runIfMain(import.meta.url, "audit-verify", main);
