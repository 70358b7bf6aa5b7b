#!/usr/bin/env node
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { packageVersion, PROCESS_IO, runCommand, type Command, type CommandIo } from "./cli/command.js";
import { ConfigError, describeLocations, loadConfig } from "./config.js";
import { DomainError } from "./domain/errors.js";
import { createStderrLogger } from "./logging.js";
import { createServer } from "./mcp/server.js";
import { selectionOf } from "./mcp/toolsets.js";
import { openTriage } from "./service/runtime.js";
import { WorkspaceError } from "./service/workspace.js";
import { UnknownStoredValuesError } from "./service/workspace-apply.js";
import { refuseToServe } from "./startup-failure.js";

const USAGE = `Usage: support-triage-mcp [command] [options]

Without a command: the support-triage MCP server over stdio, for an MCP client to start (stdout
carries only MCP; logs go to stderr). It is configured by environment variables
(TRIAGE_DATA_ROOT, TRIAGE_SEED_FILE, TRIAGE_KNOWLEDGE_ROOT, ...; see the README).

Commands:
  review      decide on pending recommendations in a terminal (review --help)
  handoffs    deliver the handoff outbox to the teams' webhooks (handoffs --help)
  import      import a helpdesk export into the runtime (import --help)
  desk        the reviewer desk: the queue and its approvals in a browser (desk --help)
  db          the PostgreSQL store: db migrate, db import --from-runtime DIR (db --help)
  config      check a workspace file without starting: config check [FILE] (config check --help)

Options:
  -h, --help  show this help
  --version   print the version
`;

/** The stdio server; resolves once it is connected (it then runs until stdin closes or a signal). */
async function serve(): Promise<number> {
  const logger = createStderrLogger();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error(`configuration: ${error.message}`);
      refuseToServe(`support-triage: configuration: ${error.message}`);
      return 1;
    }
    throw error;
  }
  for (const line of describeLocations(config)) logger.info(line);
  let triage;
  try {
    triage = await openTriage(config, logger);
  } catch (error) {
    if (error instanceof WorkspaceError || error instanceof UnknownStoredValuesError) {
      // Nothing was opened or created: the workspace is read before the runtime.
      logger.error(error.message);
      refuseToServe(`support-triage: ${error.message}`);
      return 1;
    }
    if (error instanceof DomainError) {
      logger.error(`cannot open the runtime at ${config.dataRoot}: ${error.message}`);
      refuseToServe(`support-triage: cannot open the runtime at ${config.dataRoot}: ${error.message}`);
      return 1;
    }
    throw error;
  }
  const server = createServer({
    workspace: triage.workspace,
    selection: selectionOf(config),
    service: triage.service,
    approvals: triage.approvals,
    intake: triage.intake,
    handoffs: triage.handoffs,
    logger,
    version: packageVersion(),
  });
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    void server
      .close()
      .catch(() => undefined)
      .then(() => triage.close())
      .finally(() => process.exit(0));
  };
  transport.onclose = shutdown;
  process.stdin.on("end", shutdown);
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  await server.connect(transport);
  logger.info(`ready: data root ${config.dataRoot}`);
  return 0;
}

function fatal(error: unknown): never {
  process.stderr.write(
    `[support-triage] fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}

// The package bin: `review` (the reviewer CLI), `handoffs` (deliver the outbox), `import`
// (bring in a helpdesk export) and `desk` (the reviewer desk in a browser) are subcommands; without one, the stdio server starts. --help and
// --version answer without starting anything.
const SUPPORT_TRIAGE_MCP: Command<Record<string, never>, undefined, CommandIo> = {
  name: "support-triage-mcp",
  usage: USAGE,
  options: {},
  subcommands: {
    review: () => import("./cli/review.js"),
    handoffs: () => import("./cli/handoffs.js"),
    import: () => import("./cli/import.js"),
    desk: () => import("./cli/desk.js"),
    db: () => import("./cli/db.js"),
    config: () => import("./cli/config.js"),
  },
  parse: () => undefined,
  run: serve,
};

runCommand(SUPPORT_TRIAGE_MCP, process.argv.slice(2), PROCESS_IO).then((code) => {
  process.exitCode = code;
}, fatal);
