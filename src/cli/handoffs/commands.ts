import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { HANDOFF_STATUSES, type HandoffStatus } from "../../domain/handoffs.js";
import { DomainError } from "../../domain/errors.js";
import { TICKET_ID_PATTERN } from "../../domain/ids.js";
import { LIMITS } from "../../domain/inputs.js";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_DELIVERER,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
  type DeliveryReport,
} from "../../service/handoff-delivery.js";
import type { HandoffService } from "../../service/handoff-service.js";
import { parseWebhookConfig, type WebhookConfig } from "../../service/handoff-webhooks.js";
import { runCommand, UsageError, type Command, type CommandIo, type ParsedArgs } from "../command.js";
import { openExistingRuntime } from "../open-runtime.js";
import { renderHandoffList, renderResult, renderSummary } from "./render.js";

export const USAGE = `Usage: support-triage-mcp handoffs <command> [options]
       npm run handoffs:deliver -- [options]

Handoffs are the team notifications and bug cards that an approval of an escalated routing puts in
the runtime's outbox. Nothing else creates them; this command only sends what is there.

Commands:
  deliver     POST every pending handoff that is due to its team's webhook (Slack-compatible JSON,
              header Idempotency-Key). Each attempt is audited before the request is sent; a
              failure is retried later with backoff (2 s, 8 s, 32 s, ...) until --max-attempts.
              A handoff whose outcome is unknown (a deliverer died mid-request) stays in-flight
              and is never resent unless you pass --retry-in-flight.
  list        the outbox: status, attempts and next retry of each handoff

Options (deliver):
  --webhooks FILE       JSON object {"<team id>" or "*": "https://..."}; default: the TRIAGE_WEBHOOKS
                        environment variable (the same JSON), else the file TRIAGE_WEBHOOKS_FILE
  --max-attempts N      attempts per handoff before it fails for good (default ${DEFAULT_MAX_ATTEMPTS})
  --timeout SECONDS     per request (default ${DEFAULT_TIMEOUT_MS / 1000})
  --concurrency N       requests in parallel (default ${DEFAULT_CONCURRENCY})
  --retry-in-flight     resend handoffs left in-flight by an interrupted run (needs --actor); the
                        receiver may then see one twice and can drop it by its Idempotency-Key
  --actor NAME          recorded on the audit events (default ${DEFAULT_DELIVERER})
  --once                deliver what is due, then exit (the default)
  --watch               keep delivering as retries come due; exit when nothing is pending, or on ctrl-c
  --json                print the report as JSON instead of one line per handoff
Options (list):
  --status S            ${HANDOFF_STATUSES.join(" | ")}
  --ticket ID           one ticket's handoffs
  --json                print JSON
Common:
  --data-root DIR       the runtime directory (default: TRIAGE_DATA_ROOT, else the per-user runtime)
  -h, --help            show this help
  --version             print the version

Exit status (deliver): 0 everything due was delivered or waits for a retry; 1 something needs a
look (a final failure, a handoff left in-flight, a team without a webhook URL, an outcome that
could not be recorded, an interrupted run); 2 usage or configuration error.
`;

export interface HandoffsIo extends CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on ctrl-c: no new attempt starts, the one in progress is finished and recorded. */
  readonly signal?: AbortSignal;
  /** Injected by tests; defaults to the global fetch. */
  readonly fetch?: typeof globalThis.fetch;
}

interface Options {
  readonly command: "deliver" | "list";
  readonly dataRoot?: string;
  readonly webhooks?: string;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly retryInFlight: boolean;
  readonly actor?: string;
  readonly watch: boolean;
  readonly json: boolean;
  readonly status?: HandoffStatus;
  readonly ticketId?: string;
}

const ALLOWED: Record<Options["command"], readonly string[]> = {
  deliver: [
    "data-root",
    "webhooks",
    "max-attempts",
    "timeout",
    "concurrency",
    "retry-in-flight",
    "actor",
    "once",
    "watch",
    "json",
  ],
  list: ["data-root", "status", "ticket", "json"],
};

function positiveInt(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`${name} must be a whole number from 1 to ${max}, got "${text}".`);
  }
  return Number(text);
}

const OPTIONS = {
  "data-root": { type: "string" },
  json: { type: "boolean" },
  // deliver: where, and how hard to try
  webhooks: { type: "string" },
  "max-attempts": { type: "string" },
  timeout: { type: "string" },
  concurrency: { type: "string" },
  // deliver: who, and for how long
  "retry-in-flight": { type: "boolean" },
  actor: { type: "string" },
  once: { type: "boolean" },
  watch: { type: "boolean" },
  // list
  status: { type: "string" },
  ticket: { type: "string" },
} as const;

function parse({ values, positionals }: ParsedArgs<typeof OPTIONS>): Options {
  const [word, ...rest] = positionals;
  if (word === undefined) throw new UsageError("name a command: deliver or list.");
  if (word !== "deliver" && word !== "list") {
    throw new UsageError(`unknown command "${word}". Commands: deliver, list.`);
  }
  const command = word;
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}".`);
  const given = Object.keys(values).filter((k) => values[k as keyof typeof values] !== undefined);
  const extra = given.filter((k) => !ALLOWED[command].includes(k));
  if (extra.length > 0) {
    throw new UsageError(`${extra.map((k) => `--${k}`).join(", ")} cannot be used with "${command}".`);
  }
  if (values.once === true && values.watch === true)
    throw new UsageError("--once and --watch exclude each other.");
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!/^\d+(\.\d+)?$/.test(values.timeout) || seconds <= 0 || seconds > 300) {
      throw new UsageError(
        `--timeout must be a number of seconds above 0 and at most 300, got "${values.timeout}".`,
      );
    }
    timeoutMs = Math.round(seconds * 1000);
  }
  let actor: string | undefined;
  if (values.actor !== undefined) {
    actor = values.actor.trim();
    if (actor === "") throw new UsageError("--actor is blank.");
    if (actor.length > LIMITS.actor)
      throw new UsageError(`--actor is longer than ${LIMITS.actor} characters.`);
  }
  if (values["retry-in-flight"] === true && actor === undefined) {
    throw new UsageError(
      "--retry-in-flight needs --actor NAME: resending a handoff whose outcome is unknown is an operator's " +
        "decision, recorded in the audit log.",
    );
  }
  const status = values.status;
  if (status !== undefined && !(HANDOFF_STATUSES as readonly string[]).includes(status)) {
    throw new UsageError(`--status must be one of ${HANDOFF_STATUSES.join(", ")}, got "${status}".`);
  }
  const ticketId = values.ticket;
  if (ticketId !== undefined && !TICKET_ID_PATTERN.test(ticketId)) {
    throw new UsageError(`"${ticketId}" is not a ticket id (ticket ids look like TKT-1001).`);
  }
  return {
    command,
    maxAttempts: positiveInt(values["max-attempts"], "--max-attempts", DEFAULT_MAX_ATTEMPTS, 100),
    timeoutMs,
    concurrency: positiveInt(values.concurrency, "--concurrency", DEFAULT_CONCURRENCY, 64),
    retryInFlight: values["retry-in-flight"] === true,
    watch: values.watch === true,
    json: values.json === true,
    ...(values["data-root"] === undefined ? {} : { dataRoot: values["data-root"] }),
    ...(values.webhooks === undefined ? {} : { webhooks: values.webhooks }),
    ...(actor === undefined ? {} : { actor }),
    ...(status === undefined ? {} : { status: status as HandoffStatus }),
    ...(ticketId === undefined ? {} : { ticketId }),
  };
}

/**
 * The webhook URLs: --webhooks FILE, else TRIAGE_WEBHOOKS (JSON), else TRIAGE_WEBHOOKS_FILE.
 * Security: neither a parse error nor a validation message repeats the file's content.
 */
export function loadWebhooks(
  file: string | undefined,
  io: Pick<HandoffsIo, "env" | "cwd">,
  teams: readonly string[],
): WebhookConfig {
  const fromJson = (text: string, source: string): WebhookConfig => webhooksFromJson(text, source, teams);
  const fromFile = (path: string, label: string): WebhookConfig => {
    const full = resolve(io.cwd, path);
    if (!existsSync(full)) throw new UsageError(`${label}: the webhook file ${full} does not exist.`);
    return fromJson(readFileSync(full, "utf8"), `${label} ${full}`);
  };
  if (file !== undefined) return fromFile(file, "--webhooks");
  const inline = io.env.TRIAGE_WEBHOOKS;
  const envFile = io.env.TRIAGE_WEBHOOKS_FILE;
  if (inline !== undefined && inline.trim() !== "") {
    if (envFile !== undefined && envFile.trim() !== "") {
      throw new UsageError("TRIAGE_WEBHOOKS and TRIAGE_WEBHOOKS_FILE are both set; set one of them.");
    }
    return fromJson(inline, "TRIAGE_WEBHOOKS");
  }
  if (envFile !== undefined && envFile.trim() !== "") return fromFile(envFile, "TRIAGE_WEBHOOKS_FILE");
  throw new UsageError(
    'no webhook URLs configured. Pass --webhooks FILE, or set TRIAGE_WEBHOOKS to JSON such as {"*": "https://..."} ' +
      "(or TRIAGE_WEBHOOKS_FILE to a file holding it).",
  );
}

function webhooksFromJson(text: string, source: string, teams: readonly string[]): WebhookConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${source} is not valid JSON.`);
  }
  try {
    return parseWebhookConfig(json, source, teams);
  } catch (error) {
    if (error instanceof DomainError) throw new UsageError(error.message);
    throw error;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    if (signal?.aborted === true) return done();
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      done();
    }
    signal?.addEventListener("abort", finish, { once: true });
  });
}

/** How often --watch looks for new handoffs when no retry is due sooner. */
const WATCH_POLL_MS = 5_000;

async function deliver(options: Options, handoffs: HandoffService, webhooks: WebhookConfig, io: HandoffsIo) {
  let exit = 0;
  const reports: DeliveryReport[] = [];
  for (let round = 0; ; round++) {
    // --watch: after the first round, only what changed is printed (not every handoff still waiting).
    const quiet = round > 0;
    const started = performance.now();
    const report = await handoffs.deliver({
      webhooks,
      maxAttempts: options.maxAttempts,
      timeoutMs: options.timeoutMs,
      concurrency: options.concurrency,
      retryInFlight: options.retryInFlight,
      ...(options.actor === undefined ? {} : { actor: options.actor }),
      ...(io.signal === undefined ? {} : { signal: io.signal }),
      ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
      ...(options.json
        ? {}
        : { onProgress: (r) => (quiet && r.outcome === "waiting" ? undefined : io.stdout(renderResult(r))) }),
    });
    reports.push(report);
    const changed = report.results.some((r) => r.outcome !== "waiting");
    if (!options.json && (changed || !quiet)) io.stdout(renderSummary(report, performance.now() - started));
    if (report.finalFailures > 0) exit = 1;
    if (!options.watch || io.signal?.aborted === true) {
      if (report.needsAttention) exit = 1;
      break;
    }
    const outstanding = handoffs.outstanding(webhooks);
    if (outstanding.count === 0) {
      if (report.needsAttention) exit = 1;
      break;
    }
    const due = outstanding.nextDueAt === undefined ? Date.now() : Date.parse(outstanding.nextDueAt);
    await sleep(Math.min(WATCH_POLL_MS, Math.max(100, due - Date.now())), io.signal);
    // Retry-in-flight is a one-time decision: never repeat it on later rounds.
    options = { ...options, retryInFlight: false };
  }
  if (options.json) io.stdout(`${JSON.stringify(options.watch ? reports : reports[0], null, 2)}\n`);
  if (io.signal?.aborted === true) exit = 1;
  return exit;
}

async function runHandoffCommand(options: Options, io: HandoffsIo): Promise<number> {
  // Configuration first: a bad webhook file must not open (or create) anything.
  let webhooks: WebhookConfig | undefined;
  const triage = await openExistingRuntime("handoffs", options.dataRoot, io, (workspace) => {
    if (options.command === "deliver") {
      webhooks = loadWebhooks(options.webhooks, io, workspace.vocabulary.teams);
    }
  });
  try {
    if (options.command === "list") {
      const page = triage.handoffs.list({
        status: options.status,
        ticketId: options.ticketId,
        offset: 0,
        limit: Number.MAX_SAFE_INTEGER,
      });
      io.stdout(
        options.json ? `${JSON.stringify(page.items, null, 2)}\n` : renderHandoffList(page.items, page.total),
      );
      return 0;
    }
    return await deliver(options, triage.handoffs, webhooks as WebhookConfig, io);
  } finally {
    await triage.close();
  }
}

const HANDOFFS: Command<typeof OPTIONS, Options, HandoffsIo> = {
  name: "handoffs",
  usage: USAGE,
  options: OPTIONS,
  positionals: true,
  parse,
  run: runHandoffCommand,
};

/** `handoffs ...`: returns the exit status (0 done, 1 needs attention, 2 usage error). */
export function runHandoffs(argv: readonly string[], io: HandoffsIo): Promise<number> {
  return runCommand(HANDOFFS, argv, io);
}
