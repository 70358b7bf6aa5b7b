import { hostname } from "node:os";
import { z } from "zod";
import type { Team } from "../domain/enums.js";
import { DomainError } from "../domain/errors.js";
import type { Handoff, HandoffState, HandoffStatus } from "../domain/handoffs.js";
import { TICKET_ID_PATTERN } from "../domain/ids.js";
import type { ListHandoffsInput } from "../domain/inputs.js";
import { isAuditAction, parseAuditEvent, type AuditEventDraft } from "../domain/audit-events.js";
import { reachStep, type Page, type StoreView, type TriageStore } from "../store/index.js";

// Delivery of the handoff outbox. Handoffs are only ever created by an approval (the payload is
// built there and stored in the approval event); this module posts them, one audited attempt at a
// time. The rule that keeps deliveries single: `handoff-attempted` is committed under the store
// lock BEFORE the request leaves, and only for a pending handoff, so exactly one process can start
// a given attempt; a handoff whose outcome was never recorded stays in-flight and is not sent again
// unless an operator asks for it.

// ---------- webhook configuration ----------

/** Team ids (the workspace's), plus "*" for every team without its own URL. */
export type WebhookConfig = Readonly<Partial<Record<string, string>>>;

function isHttpUrl(text: string): boolean {
  if (/\s/.test(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

// Security: messages never echo a URL; webhook URLs usually carry a secret token.
function webhookConfigSchema(teams: readonly string[]) {
  return z
    .record(
      z.string(),
      z.string().refine(isHttpUrl, { message: "must be an absolute http:// or https:// URL" }),
    )
    .superRefine((config, ctx) => {
      for (const key of Object.keys(config)) {
        if (key !== "*" && !teams.includes(key)) {
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `keys are team ids (${teams.join(", ")}) or "*"`,
          });
        }
      }
    });
}

/** Validates a webhook configuration (`{"security": "https://...", "*": "..."}`) for the workspace's teams. */
export function parseWebhookConfig(json: unknown, source: string, teams: readonly string[]): WebhookConfig {
  const parsed = webhookConfigSchema(teams).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "" : ` at "${issue.path.join(".")}"`;
    throw new DomainError(
      "INVALID_INPUT",
      `The webhook configuration (${source}) is not valid${where}: ${issue?.message ?? "unknown problem"}. ` +
        `Expected a JSON object mapping team ids or "*" to http(s) URLs.`,
    );
  }
  return Object.freeze({ ...parsed.data });
}

/** The URL a team's handoffs go to: its own, else the "*" fallback. */
export function webhookFor(config: WebhookConfig, team: Team): string | undefined {
  return config[team] ?? config["*"];
}

/**
 * A URL safe to print: no credentials, no query or fragment, and only the first path segment
 * (chat webhooks keep their token in the path).
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "<invalid URL>";
  }
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const path = segments.length === 0 ? "/" : `/${segments[0]}${segments.length > 1 ? "/…" : ""}`;
  const query = url.search === "" ? "" : "?…";
  return `${url.protocol}//${url.host}${path}${query}`;
}

// ---------- delivery ----------

export interface BackoffPolicy {
  /** Delay after the first failed attempt. */
  readonly baseMs: number;
  /** Each further failure multiplies the delay by this. */
  readonly factor: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, factor: 4, maxMs: 15 * 60_000 };
export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_DELIVERER = "handoff-deliverer";

/** Delay before the attempt after failed attempt `attempt` (1-based). Deterministic: no jitter. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const raw = policy.baseMs * policy.factor ** Math.max(0, attempt - 1);
  return Math.min(policy.maxMs, raw);
}

export interface DeliverOptions {
  readonly webhooks: WebhookConfig;
  /** The clock of this run: what is due, and every timestamp recorded. Defaults to the service's. */
  readonly now?: Date | (() => Date);
  readonly fetch?: typeof globalThis.fetch;
  /** Attempts per handoff before it fails for good (default 5). */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffPolicy;
  /** Per request (default 10 s). */
  readonly timeoutMs?: number;
  /** Requests in parallel (default 4). */
  readonly concurrency?: number;
  /**
   * Resend handoffs left in-flight by an interrupted deliverer: their outcome is unknown, so the
   * receiver may get them twice (it can deduplicate on Idempotency-Key). Needs `actor`.
   */
  readonly retryInFlight?: boolean;
  /** Recorded on every event of this run; the operator's name with `retryInFlight`. */
  readonly actor?: string;
  /** Stops starting new attempts; a request already sent is finished and recorded. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (result: DeliveryResult) => void;
}

/**
 * delivered: 2xx. retrying: failed, will be retried at nextAttemptAt. failed: failed for good.
 * waiting: pending, not due before nextAttemptAt. no-webhook: no URL for the team (stays pending).
 * in-flight: an earlier run died between attempt and outcome; not resent (use retryInFlight).
 * in-progress: another live deliverer is sending it right now. skipped: another deliverer took it
 * first. not-attempted: the attempt could not be recorded (store busy) or the run was stopped.
 * unrecorded: the request was made but its outcome could not be committed (stays in-flight).
 */
export const DELIVERY_OUTCOMES = [
  "delivered",
  "retrying",
  "failed",
  "waiting",
  "no-webhook",
  "in-flight",
  "in-progress",
  "skipped",
  "not-attempted",
  "unrecorded",
] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** Outcomes an operator has to look at. */
const NEEDS_ATTENTION: ReadonlySet<DeliveryOutcome> = new Set([
  "failed",
  "no-webhook",
  "in-flight",
  "not-attempted",
  "unrecorded",
]);

export interface DeliveryResult {
  readonly handoffId: string;
  readonly ticketId: string;
  readonly team: Team;
  readonly kind: Handoff["kind"];
  readonly outcome: DeliveryOutcome;
  readonly attempt?: number;
  readonly httpStatus?: number;
  readonly error?: string;
  readonly nextAttemptAt?: string;
  /** The target, redacted (no credentials, query or path token). */
  readonly webhook?: string;
  readonly message: string;
}

export interface DeliveryReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly results: DeliveryResult[];
  readonly counts: Record<DeliveryOutcome, number>;
  /** A final failure, a handoff left in-flight, a team without a URL, or an unrecorded outcome. */
  readonly needsAttention: boolean;
  readonly finalFailures: number;
}

export interface HandoffServiceDeps {
  readonly store: TriageStore;
  readonly clock?: () => Date;
}

/** Who started an attempt: recorded in `handoff-attempted` so a live deliverer is never raced. */
interface Deliverer {
  readonly pid: number;
  readonly host: string;
}

const OUTCOME_COMMIT_TRIES = 3;
/** An in-flight attempt of a deliverer we cannot check (another host) is left alone this long. */
const FOREIGN_GRACE_MS = 60_000;

type Attempted =
  | { readonly started: true; readonly attempt: number; readonly handoff: HandoffState }
  | { readonly started: false; readonly status: HandoffStatus | "missing" | "not-due" };

type Posted =
  | { readonly ok: true; readonly httpStatus: number }
  | { readonly ok: false; readonly httpStatus?: number; readonly error: string };

/** The outbox use cases: list the handoffs, and deliver the pending ones. */
export class HandoffService {
  private readonly store: TriageStore;
  private readonly clock: () => Date;

  constructor(deps: HandoffServiceDeps) {
    this.store = deps.store;
    this.clock = deps.clock ?? (() => new Date());
  }

  list(input: ListHandoffsInput): Page<HandoffState> {
    const view = this.store.view();
    if (input.ticketId !== undefined && view.getTicket(input.ticketId) === undefined) {
      const hint = TICKET_ID_PATTERN.test(input.ticketId)
        ? "Use list_tickets to find ids."
        : "Ticket ids look like TKT-1001.";
      throw new DomainError("NOT_FOUND", `No ticket ${input.ticketId}. ${hint}`);
    }
    return view.listHandoffs(
      { status: input.status, ticketId: input.ticketId },
      { offset: input.offset, limit: input.limit },
    );
  }

  get(id: string): HandoffState {
    const handoff = this.store.view().getHandoff(id);
    if (handoff === undefined) {
      throw new DomainError("NOT_FOUND", `No handoff ${id}. Use list_handoffs to find handoff ids.`);
    }
    return handoff;
  }

  /**
   * Delivers every pending handoff that is due. Each attempt is one `handoff-attempted` event
   * (committed before the request), the POST, and one `handoff-delivered` or `handoff-failed`
   * event. Never throws for a delivery problem: everything is in the report.
   */
  async deliver(options: DeliverOptions): Promise<DeliveryReport> {
    const now = clockOf(options.now, this.clock);
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new DomainError("INVALID_INPUT", `maxAttempts must be an integer >= 1, got ${maxAttempts}.`);
    }
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new DomainError("INVALID_INPUT", `timeoutMs must be > 0, got ${timeoutMs}.`);
    }
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new DomainError("INVALID_INPUT", `concurrency must be an integer >= 1, got ${concurrency}.`);
    }
    const actor = (options.actor ?? DEFAULT_DELIVERER).trim();
    if (actor === "") throw new DomainError("INVALID_INPUT", "actor is blank.");
    if (options.retryInFlight === true && options.actor === undefined) {
      throw new DomainError(
        "INVALID_INPUT",
        "Resending in-flight handoffs needs the operator's name (actor): it is recorded in the audit log.",
      );
    }
    const run: Run = {
      now,
      actor,
      maxAttempts,
      timeoutMs,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      fetch: options.fetch ?? globalThis.fetch,
      webhooks: options.webhooks,
      deliverer: { pid: process.pid, host: hostname() },
    };
    const startedAt = now().toISOString();
    const results: DeliveryResult[] = [];
    const report = (result: DeliveryResult): void => {
      results.push(result);
      options.onProgress?.(result);
    };

    const queue: { handoff: HandoffState; url: string }[] = [];
    // Both lists are taken before anything changes: a handoff reopened below is queued once.
    const view = this.store.view();
    const inFlight = allHandoffs(view, "in-flight");
    const pending = allHandoffs(view, "pending");
    for (const handoff of inFlight) {
      const url = webhookFor(run.webhooks, handoff.team);
      const holder = await this.inFlightHolder(handoff, run);
      if (holder.live) {
        report(resultOf(handoff, "in-progress", holder.message, url));
      } else if (options.retryInFlight !== true) {
        report(
          resultOf(
            handoff,
            "in-flight",
            `attempt ${handoff.attempts.length} started at ${handoff.attempts.at(-1)?.startedAt ?? "?"} and its ` +
              `outcome was never recorded (the deliverer stopped); not resent. Check with the team, then ` +
              `rerun with --retry-in-flight to send it again.`,
            url,
          ),
        );
      } else if (url === undefined) {
        report(resultOf(handoff, "no-webhook", noWebhookMessage(handoff.team)));
      } else {
        const reopened = await this.reopenInFlight(handoff, run);
        if (reopened === undefined) {
          report(resultOf(handoff, "skipped", "another deliverer changed it first", url));
        } else {
          queue.push({ handoff: reopened, url });
        }
      }
    }
    for (const handoff of pending) {
      const url = webhookFor(run.webhooks, handoff.team);
      if (url === undefined) {
        report(resultOf(handoff, "no-webhook", noWebhookMessage(handoff.team)));
      } else if (handoff.nextAttemptAt !== undefined && Date.parse(handoff.nextAttemptAt) > now().getTime()) {
        report({
          ...resultOf(handoff, "waiting", `next attempt at ${handoff.nextAttemptAt}`, url),
          nextAttemptAt: handoff.nextAttemptAt,
        });
      } else {
        queue.push({ handoff, url });
      }
    }

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < queue.length) {
        const item = queue[next++];
        if (item === undefined) break;
        if (options.signal?.aborted === true) {
          report(resultOf(item.handoff, "not-attempted", "stopped before this attempt", item.url));
          continue;
        }
        report(await this.deliverOne(item.handoff, item.url, run));
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(1, queue.length)) }, worker));

    const counts = Object.fromEntries(DELIVERY_OUTCOMES.map((o) => [o, 0])) as Record<
      DeliveryOutcome,
      number
    >;
    for (const r of results) counts[r.outcome]++;
    return {
      startedAt,
      finishedAt: now().toISOString(),
      results,
      counts,
      needsAttention: results.some((r) => NEEDS_ATTENTION.has(r.outcome)),
      finalFailures: counts.failed,
    };
  }

  /** Pending handoffs a run could still deliver (a team with a URL), and the earliest due time. */
  outstanding(webhooks: WebhookConfig): { readonly count: number; readonly nextDueAt: string | undefined } {
    let count = 0;
    let earliest = Number.POSITIVE_INFINITY;
    for (const handoff of allHandoffs(this.store.view(), "pending")) {
      if (webhookFor(webhooks, handoff.team) === undefined) continue;
      count++;
      // No nextAttemptAt: due already.
      earliest = Math.min(
        earliest,
        handoff.nextAttemptAt === undefined ? 0 : Date.parse(handoff.nextAttemptAt),
      );
    }
    return { count, nextDueAt: count === 0 ? undefined : new Date(earliest).toISOString() };
  }

  private async deliverOne(handoff: HandoffState, url: string, run: Run): Promise<DeliveryResult> {
    const webhook = redactUrl(url);
    let attempted: Attempted;
    try {
      attempted = await this.recordAttempt(handoff.id, run);
    } catch (error) {
      return resultOf(handoff, "not-attempted", `the attempt could not be recorded: ${describe(error)}`, url);
    }
    if (!attempted.started) {
      return attempted.status === "not-due"
        ? resultOf(handoff, "waiting", "another deliverer rescheduled it", url)
        : resultOf(handoff, "skipped", `another deliverer took it first (now ${attempted.status})`, url);
    }
    const { attempt } = attempted;
    // The attempt is durable, nothing has left the machine yet.
    reachStep("handoff.attempt-recorded");
    const posted = await post(attempted.handoff, url, run);
    // The receiver has the message, its outcome is not recorded yet.
    reachStep("handoff.posted");
    const final = !posted.ok && attempt >= run.maxAttempts;
    const finishedAt = run.now();
    const nextAttemptAt =
      posted.ok || final ? undefined : new Date(finishedAt.getTime() + backoffDelay(attempt, run.backoff));
    const draft: AuditEventDraft = {
      timestamp: finishedAt.toISOString(),
      action: posted.ok ? "handoff-delivered" : "handoff-failed",
      ticketId: handoff.ticketId,
      actor: run.actor,
      data: posted.ok
        ? { handoffId: handoff.id, attempt, httpStatus: posted.httpStatus }
        : {
            handoffId: handoff.id,
            attempt,
            ...(posted.httpStatus === undefined ? {} : { httpStatus: posted.httpStatus }),
            error: posted.error,
            final,
            ...(nextAttemptAt === undefined ? {} : { nextAttemptAt: nextAttemptAt.toISOString() }),
          },
    };
    const httpStatus = posted.httpStatus === undefined ? {} : { httpStatus: posted.httpStatus };
    const recorded = await this.recordOutcome(handoff.id, attempt, draft);
    if (recorded !== true) {
      return {
        ...resultOf(
          handoff,
          "unrecorded",
          `the request ${posted.ok ? "succeeded" : "failed"} but its outcome could not be recorded (${recorded}); ` +
            `the handoff stays in-flight and is not resent automatically`,
          url,
        ),
        attempt,
        ...httpStatus,
      };
    }
    if (posted.ok) {
      return { ...resultOf(handoff, "delivered", `delivered to ${webhook}`, url), attempt, ...httpStatus };
    }
    const base = { attempt, ...httpStatus, error: posted.error };
    if (final) {
      return {
        ...resultOf(
          handoff,
          "failed",
          `${posted.error}; attempt ${attempt} of ${run.maxAttempts}, giving up`,
          url,
        ),
        ...base,
      };
    }
    const at = (nextAttemptAt as Date).toISOString();
    return {
      ...resultOf(
        handoff,
        "retrying",
        `${posted.error}; attempt ${attempt} of ${run.maxAttempts}, next at ${at}`,
        url,
      ),
      ...base,
      nextAttemptAt: at,
    };
  }

  /** Moves a pending, due handoff to in-flight; refuses (no event) when another deliverer has it. */
  private recordAttempt(handoffId: string, run: Run): Promise<Attempted> {
    return this.store.transact<Attempted>((view) => {
      const current = view.getHandoff(handoffId);
      if (current === undefined) return { value: { started: false, status: "missing" } };
      if (current.status !== "pending") return { value: { started: false, status: current.status } };
      const now = run.now();
      if (current.nextAttemptAt !== undefined && Date.parse(current.nextAttemptAt) > now.getTime()) {
        return { value: { started: false, status: "not-due" } };
      }
      const attempt = current.attempts.length + 1;
      return {
        event: {
          timestamp: now.toISOString(),
          action: "handoff-attempted",
          ticketId: current.ticketId,
          actor: run.actor,
          data: { handoffId, attempt, deliverer: { ...run.deliverer } },
        },
        result: () => ({ started: true, attempt, handoff: current }),
      };
    });
  }

  /**
   * Commits the outcome of `attempt`, retrying while the store is busy. Returns true, or why it
   * could not: the handoff then stays in-flight (never resent automatically).
   */
  private async recordOutcome(
    handoffId: string,
    attempt: number,
    draft: AuditEventDraft,
  ): Promise<true | string> {
    let last = "";
    for (let tries = 0; tries < OUTCOME_COMMIT_TRIES; tries++) {
      try {
        return await this.store.transact<true | string>((view) => {
          const current = view.getHandoff(handoffId);
          if (current?.status !== "in-flight" || current.attempts.length !== attempt) {
            return { value: `an operator resent it meanwhile (now ${current?.status ?? "missing"})` };
          }
          return { event: draft, result: () => true };
        });
      } catch (error) {
        last = describe(error);
        if (!(error instanceof DomainError && error.code === "STORE_UNAVAILABLE")) break;
      }
    }
    return last;
  }

  /**
   * --retry-in-flight: records the unknown outcome of the interrupted attempt as a non-final
   * failure (the handoff is pending again, due now), so the next attempt follows the usual path.
   */
  private async reopenInFlight(handoff: HandoffState, run: Run): Promise<HandoffState | undefined> {
    const attempt = handoff.attempts.length;
    const reopened = await this.store.transact<boolean>((view) => {
      const current = view.getHandoff(handoff.id);
      if (current?.status !== "in-flight" || current.attempts.length !== attempt) return { value: false };
      return {
        event: {
          timestamp: run.now().toISOString(),
          action: "handoff-failed",
          ticketId: current.ticketId,
          actor: run.actor,
          data: {
            handoffId: current.id,
            attempt,
            error: `outcome unknown; resent by operator ${run.actor}`,
            final: false,
          },
        },
        result: () => true,
      };
    });
    return reopened ? this.store.view().getHandoff(handoff.id) : undefined;
  }

  /**
   * Whether the deliverer of an in-flight attempt may still be sending it: a live process on
   * this host, or (when it cannot be checked) an attempt younger than the request timeout plus a
   * grace period.
   */
  private async inFlightHolder(handoff: HandoffState, run: Run): Promise<{ live: boolean; message: string }> {
    const current = handoff.attempts.at(-1);
    const deliverer = await this.delivererOf(handoff);
    if (deliverer !== undefined && deliverer.host === run.deliverer.host) {
      if (processAlive(deliverer.pid)) {
        return {
          live: true,
          message: `attempt ${current?.attempt ?? "?"} is being sent by process ${deliverer.pid} right now`,
        };
      }
      return { live: false, message: "" };
    }
    const started = current === undefined ? Number.NaN : Date.parse(current.startedAt);
    const age = run.now().getTime() - started;
    if (Number.isFinite(age) && age < run.timeoutMs + FOREIGN_GRACE_MS) {
      return {
        live: true,
        message:
          `attempt ${current?.attempt ?? "?"} started ${Math.round(age / 1000)} s ago by a deliverer this ` +
          `process cannot check; it may still be running`,
      };
    }
    return { live: false, message: "" };
  }

  /** The deliverer recorded on the handoff's latest `handoff-attempted` event, if any. */
  private async delivererOf(handoff: HandoffState): Promise<Deliverer | undefined> {
    const attempt = handoff.attempts.length;
    const pageSize = 50;
    const filter = { ticketId: handoff.ticketId };
    const { total } = await this.store.listAuditEvents(filter, { offset: 0, limit: 0 });
    for (let end = total; end > 0; end -= pageSize) {
      const offset = Math.max(0, end - pageSize);
      const { items } = await this.store.listAuditEvents(filter, { offset, limit: end - offset });
      for (const stored of items.reverse()) {
        if (stored.action !== "handoff-attempted") continue;
        const parsed = parseAuditEvent(stored);
        if (!("event" in parsed) || !isAuditAction(parsed.event, "handoff-attempted")) continue;
        const { data } = parsed.event;
        if (data.handoffId === handoff.id && data.attempt === attempt) return data.deliverer;
      }
    }
    return undefined;
  }
}

interface Run {
  readonly now: () => Date;
  readonly actor: string;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly backoff: BackoffPolicy;
  readonly fetch: typeof globalThis.fetch;
  readonly webhooks: WebhookConfig;
  readonly deliverer: Deliverer;
}

function clockOf(now: DeliverOptions["now"], fallback: () => Date): () => Date {
  if (now === undefined) return fallback;
  if (now instanceof Date) {
    const fixed = new Date(now.getTime());
    return () => new Date(fixed.getTime());
  }
  return now;
}

function allHandoffs(view: StoreView, status: HandoffStatus): HandoffState[] {
  return view.listHandoffs({ status }, { offset: 0, limit: Number.MAX_SAFE_INTEGER }).items;
}

function resultOf(
  handoff: HandoffState,
  outcome: DeliveryOutcome,
  message: string,
  url?: string,
): DeliveryResult {
  return {
    handoffId: handoff.id,
    ticketId: handoff.ticketId,
    team: handoff.team,
    kind: handoff.kind,
    outcome,
    message,
    ...(url === undefined ? {} : { webhook: redactUrl(url) }),
  };
}

function noWebhookMessage(team: Team): string {
  return (
    `no webhook URL for team "${team}" (and no "*" fallback): left pending. Add "${team}" to the webhook ` +
    `configuration (--webhooks FILE, TRIAGE_WEBHOOKS or TRIAGE_WEBHOOKS_FILE) and run again.`
  );
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One POST of the stored payload, exactly as the approval built it. Redirects are not followed
 * (the payload goes to the configured host only); the response body is discarded.
 */
async function post(handoff: HandoffState, url: string, run: Run): Promise<Posted> {
  let response: Response;
  try {
    const target = requestTarget(url);
    response = await run.fetch(target.url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Idempotency-Key": handoff.key,
        "User-Agent": "support-triage-mcp-handoffs",
        ...(target.authorization === undefined ? {} : { Authorization: target.authorization }),
      },
      body: JSON.stringify(handoff.payload),
      redirect: "manual",
      signal: AbortSignal.timeout(run.timeoutMs),
    });
  } catch (error) {
    return { ok: false, error: redactIn(networkError(error, run.timeoutMs), url) };
  }
  try {
    await response.body?.cancel();
  } catch {
    // The status is all we need; a body that cannot be discarded changes nothing.
  }
  if (response.status >= 200 && response.status < 300) return { ok: true, httpStatus: response.status };
  const reason = response.statusText === "" ? "" : ` ${response.statusText}`;
  const redirect = response.status >= 300 && response.status < 400 ? " (redirects are not followed)" : "";
  return {
    ok: false,
    httpStatus: response.status,
    error: redactIn(`HTTP ${response.status}${reason}${redirect}`, url),
  };
}

/** fetch refuses URLs with credentials: `user:password@` is sent as Basic authorization instead. */
function requestTarget(url: string): { url: string; authorization?: string } {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return { url };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), authorization: `Basic ${Buffer.from(credentials).toString("base64")}` };
}

function networkError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError" || err.name === "AbortError") return `timed out after ${timeoutMs} ms`;
  const cause = err.cause;
  const text = [cause?.message, cause?.code, err.message].find((t) => typeof t === "string" && t !== "");
  return `network error: ${text ?? String(error)}`;
}

/** Security: an error text never carries the webhook URL in full. */
function redactIn(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  try {
    const parsed = new URL(url);
    for (const secret of [parsed.username, parsed.password, parsed.search.slice(1)]) {
      if (secret.length >= 4) out = out.split(secret).join("…");
    }
  } catch {
    // Validated already; nothing more to hide.
  }
  return out;
}

function describe(error: unknown): string {
  if (error instanceof DomainError) return error.toString();
  return error instanceof Error ? error.message : String(error);
}
