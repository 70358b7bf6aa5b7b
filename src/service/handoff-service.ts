import { hostname } from "node:os";
import type { Team } from "../domain/enums.js";
import { DomainError } from "../domain/errors.js";
import type { HandoffState, HandoffStatus } from "../domain/handoffs.js";
import { TICKET_ID_PATTERN } from "../domain/ids.js";
import type { ListHandoffsInput } from "../domain/inputs.js";
import { isAuditAction, parseAuditEvent, type AuditEventDraft } from "../domain/audit-events.js";
import { reachStep, type Page, type StoreView, type TriageStore } from "../store/index.js";
import {
  backoffDelay,
  DEFAULT_BACKOFF,
  DEFAULT_CONCURRENCY,
  DEFAULT_DELIVERER,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
  DELIVERY_OUTCOMES,
  NEEDS_ATTENTION,
  type BackoffPolicy,
  type DeliverOptions,
  type DeliveryOutcome,
  type DeliveryReport,
  type DeliveryResult,
} from "./handoff-delivery.js";
import { post, redactUrl, webhookFor, type WebhookConfig } from "./handoff-webhooks.js";

// Delivery of the handoff outbox. Handoffs are only ever created by an approval (the payload is
// built there and stored in the approval event); this module posts them, one audited attempt at a
// time. The rule that keeps deliveries single: `handoff-attempted` is committed under the store
// lock BEFORE the request leaves, and only for a pending handoff, so exactly one process can start
// a given attempt; a handoff whose outcome was never recorded stays in-flight and is not sent again
// unless an operator asks for it. The webhook configuration and the POST itself are in
// handoff-webhooks.ts; the options and the report of a run in handoff-delivery.ts.

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

function describe(error: unknown): string {
  if (error instanceof DomainError) return error.toString();
  return error instanceof Error ? error.message : String(error);
}
