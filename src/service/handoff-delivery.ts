import type { Team } from "../domain/enums.js";
import type { Handoff } from "../domain/handoffs.js";
import type { WebhookConfig } from "./handoff-webhooks.js";

// What a delivery run is told (options, backoff, defaults) and what it reports (one result per
// handoff, with its outcome).

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
export const NEEDS_ATTENTION: ReadonlySet<DeliveryOutcome> = new Set([
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
