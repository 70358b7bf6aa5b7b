#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ConfigError, describeLocations, loadConfig } from "./config.js";
import { DomainError } from "./domain/errors.js";
import { createStderrLogger } from "./logging.js";
import { createServer } from "./mcp/server.js";
import { openTriage } from "./service/runtime.js";
import { refuseToServe } from "./startup-failure.js";

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

async function main(): Promise<void> {
  const logger = createStderrLogger();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error(`configuration: ${error.message}`);
      return refuseToServe(`support-triage: configuration: ${error.message}`);
    }
    throw error;
  }
  for (const line of describeLocations(config)) logger.info(line);
  let triage;
  try {
    triage = await openTriage(config, logger);
  } catch (error) {
    if (error instanceof DomainError) {
      logger.error(`cannot open the runtime at ${config.dataRoot}: ${error.message}`);
      return refuseToServe(`support-triage: cannot open the runtime at ${config.dataRoot}: ${error.message}`);
    }
    throw error;
  }
  const server = createServer({
    service: triage.service,
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
}

function fatal(error: unknown): never {
  process.stderr.write(
    `[support-triage] fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}

// Subcommands of the package bin: `review` (the reviewer CLI), `handoffs` (deliver the outbox),
// `import` (bring in a helpdesk export). Anything else starts the stdio server.
const SUBCOMMANDS: Record<string, () => Promise<{ main(argv: readonly string[]): Promise<number> }>> = {
  review: () => import("./cli/review.js"),
  handoffs: () => import("./cli/handoffs.js"),
  import: () => import("./cli/import.js"),
};

const subcommand = process.argv[2] === undefined ? undefined : SUBCOMMANDS[process.argv[2]];
if (subcommand !== undefined) {
  subcommand()
    .then((cli) => cli.main(process.argv.slice(3)))
    .then((code) => {
      process.exitCode = code;
    }, fatal);
} else {
  main().catch(fatal);
}
