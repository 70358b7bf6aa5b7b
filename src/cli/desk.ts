// `support-triage-mcp desk` / `npm run desk`: the reviewer desk, a local web server over the same
// runtime as the MCP servers (the "desk" approval channel). Run with --help for the options.
import { bindProblem, DEFAULT_PORT, LOOPBACK, startDesk, type Desk } from "../desk/index.js";
import type { Triage } from "../service/runtime.js";
import {
  packageVersion,
  PROCESS_IO,
  runCommand,
  runIfMain,
  UsageError,
  type Command,
  type CommandIo,
} from "./command.js";
import { openExistingRuntime, type OpenRuntimeIo } from "./open-runtime.js";

/** How long a printed login link works. */
const LOGIN_MINUTES = 10;

export const USAGE = `Usage: support-triage-mcp desk [options]

The reviewer desk: the queue, its tickets, the pending recommendations and the handoff outbox in
a browser, on the same runtime as the MCP servers (run it beside them). Decisions made there go
through the same approval rules and are audited with channel "desk" and the reviewer's name.

It listens on ${LOOPBACK} only and prints a one-time login link: open it in a browser on this
machine. Whenever a new link is needed (another browser, an expired link), the desk prints one
here. Stop it with Ctrl-C.

Options:
  --data-root DIR   the runtime directory (default: TRIAGE_DATA_ROOT, else the per-user runtime)
  --port N          the port (default ${DEFAULT_PORT}; 0 picks a free one)
  --host ADDR       the interface to listen on (default ${LOOPBACK}); another one needs:
  --i-understand-this-exposes-the-desk
                    let --host be an interface other machines can reach
  -h, --help        show this help
  --version         print the version

Exit status: 0 stopped, 1 could not start (the reason is printed), 2 usage error.
`;

export interface DeskIo extends CommandIo, OpenRuntimeIo {
  readonly version: string;
  /** Resolves when the desk should stop (Ctrl-C, SIGTERM). */
  readonly untilStopped: () => Promise<void>;
  /** Called once the desk listens (tests use it to reach the running desk). */
  readonly onStarted?: (desk: Desk) => void;
}

const OPTIONS = {
  "data-root": { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  "i-understand-this-exposes-the-desk": { type: "boolean" },
} as const;

interface Options {
  readonly dataRoot?: string;
  readonly port: number;
  readonly host: string;
  readonly exposed: boolean;
}

/** The warning printed when the desk listens on an interface other machines can reach. */
export function exposureWarning(url: string): string {
  return (
    `desk: WARNING: the desk listens on ${url}, which other machines may reach. Anyone who gets a login ` +
    `link can approve and reject recommendations, and the traffic is not encrypted (plain HTTP). ` +
    `Prefer ${LOOPBACK} (the default) and an SSH tunnel.\n`
  );
}

export const DESK: Command<typeof OPTIONS, Options, DeskIo> = {
  name: "desk",
  usage: USAGE,
  options: OPTIONS,
  parse({ values }) {
    const portText = values.port ?? String(DEFAULT_PORT);
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port > 65_535) {
      throw new UsageError(
        `--port must be a port number from 0 to 65535 (0 picks a free one), got "${portText}".`,
      );
    }
    const host = values.host ?? LOOPBACK;
    if (host.trim() === "") throw new UsageError("--host is blank.");
    const exposed = values["i-understand-this-exposes-the-desk"] === true;
    const problem = bindProblem(host, exposed);
    if (problem !== undefined) throw new UsageError(problem);
    return {
      ...(values["data-root"] === undefined ? {} : { dataRoot: values["data-root"] }),
      port,
      host,
      exposed,
    };
  },
  async run(options, io) {
    const triage: Triage = await openExistingRuntime("desk", options.dataRoot, io);
    const log = (level: string) => (message: string) =>
      io.stderr(`${level === "info" ? "" : `${level}: `}${message}\n`);
    let desk: Desk;
    try {
      desk = await startDesk(triage, {
        host: options.host,
        port: options.port,
        exposed: options.exposed,
        version: io.version,
        logger: { info: log("info"), warn: log("warn"), error: log("error") },
        onLoginLink: (url) => io.stdout(`Log in: ${url}\n`),
      });
    } catch (error) {
      await triage.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
        io.stderr(
          `desk: cannot listen on ${options.host} port ${options.port} (${code}). Choose another with --port (0 picks a free one).\n`,
        );
        return 1;
      }
      throw error;
    }
    io.stdout(
      `The reviewer desk is running at ${desk.url} on ${whereStored(triage)}.\n` +
        `Open this one-time link in a browser on this machine (it works once, for ${LOGIN_MINUTES} minutes):\n` +
        `Log in: ${desk.loginLink()}\n`,
    );
    if (options.exposed) io.stderr(exposureWarning(desk.url));
    io.onStarted?.(desk);
    try {
      await io.untilStopped();
    } finally {
      await desk.close();
      await triage.close();
    }
    io.stdout("The desk has stopped.\n");
    return 0;
  },
};

/** Until Ctrl-C or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

/** Runs the desk with the process's arguments, streams and environment. */
export function main(argv: readonly string[]): Promise<number> {
  return runCommand(DESK, argv, {
    ...PROCESS_IO,
    env: process.env,
    cwd: process.cwd(),
    version: packageVersion(),
    untilStopped: untilSignal,
  });
}

await runIfMain(import.meta.url, "desk", main);

/** Where the desk's store is, as an operator would name it: the database or the runtime directory. */
function whereStored(triage: Triage): string {
  const { database, dataRoot } = triage.store;
  return database === undefined ? `the runtime ${dataRoot}` : `the database ${database}`;
}
