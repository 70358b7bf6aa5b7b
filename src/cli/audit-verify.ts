#!/usr/bin/env node
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { RuntimeNotInitializedError, verifyAuditLog } from "../store/index.js";

// Verifies a runtime's audit log: every line's schema and hash, the sequence numbers, the hash
// chain and the base ticket file. Exit 0: intact. Exit 1: the first bad event is printed.
// Exit 2: usage error (bad arguments, or not an initialized runtime directory).

const USAGE = `Usage: audit-verify --data-root DIR

Checks DIR/audit.jsonl (the hash-chained audit log of a triage runtime) and DIR/base/tickets.json.
  --data-root DIR   the runtime directory (TRIAGE_DATA_ROOT of the server)
  -h, --help        show this help

Exit status: 0 intact, 1 damaged (the first bad event is printed), 2 usage error.`;

function usageError(message: string): never {
  console.error(`audit-verify: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function main(): void {
  let values: { "data-root"?: string | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      options: { "data-root": { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const dataRoot = values["data-root"];
  if (dataRoot === undefined || dataRoot.trim() === "") usageError("--data-root DIR is required.");
  const root = resolve(dataRoot);
  if (!existsSync(root) || !statSync(root).isDirectory()) usageError(`${root} is not a directory.`);

  let result;
  try {
    result = verifyAuditLog(root);
  } catch (error) {
    if (error instanceof RuntimeNotInitializedError) usageError(error.message);
    console.error(`audit-verify: cannot verify ${root}: ${(error as Error).message}`);
    process.exit(1);
  }
  if (result.ok) {
    console.log(`verified ${result.events} events; head ${result.headHash}`);
    return;
  }
  console.log(
    `audit log damaged at seq ${result.seq} (line ${result.line} of ${resolve(root, "audit.jsonl")}): ${result.problem}: ${result.detail}`,
  );
  process.exitCode = 1;
}

main();
