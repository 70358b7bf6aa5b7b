import { createHash } from "node:crypto";
import { isAuditAction, type AuditAction, type AuditEventOf } from "../domain/audit-events.js";
import { DomainError } from "../domain/errors.js";
import type { StoreView, TxOutcome } from "../store/index.js";

// Safe retries for every write use case. Keys live in the audit log (`data.idempotency`), so a
// retry finds its original event in any process and after any restart.

/** sha256 of the call's arguments (keys sorted, undefined values and idempotencyKey excluded). */
export function payloadHash(input: object): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(
        Object.keys(value)
          .filter((k) => k !== "idempotencyKey" && (value as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return createHash("sha256")
    .update(JSON.stringify(canonical(input)))
    .digest("hex");
}

/** `data` plus `idempotency: {key, payloadHash}` when the call carried a key. */
export function withIdempotency(
  data: Record<string, unknown>,
  key: string | undefined,
  input: object,
): Record<string, unknown> {
  return key === undefined ? data : { ...data, idempotency: { key, payloadHash: payloadHash(input) } };
}

/**
 * Runs `body` unless `key` was already used: then the original result is returned (same
 * arguments, rebuilt from the original event by `replay`, which the store reads) or the call is
 * refused (different arguments, or a key of another kind of call). A key whose event was an
 * audited refusal (`approval-rejected`) repeats that refusal.
 */
export function idempotent<A extends AuditAction, T>(
  view: StoreView,
  key: string | undefined,
  action: A,
  input: object,
  replay: (event: AuditEventOf<A>) => T,
  body: () => TxOutcome<T>,
): TxOutcome<T> {
  if (key === undefined) return body();
  const prior = view.idempotency(key);
  if (prior === undefined) return body();
  if (prior.payloadHash !== payloadHash(input)) {
    return {
      refusal: new DomainError(
        "CONFLICT",
        `idempotencyKey ${key} was already used for a different request (audit event #${prior.seq}, ${prior.action}). ` +
          `Use a new key for a new request; reuse a key only to retry the very same call.`,
      ),
    };
  }
  if (prior.action !== action && prior.action !== "approval-rejected") {
    return {
      refusal: new DomainError(
        "CONFLICT",
        `idempotencyKey ${key} belongs to a ${prior.action} event (#${prior.seq}). Use a new key.`,
      ),
    };
  }
  return {
    replay: prior.seq,
    answer: (event) => {
      if (isAuditAction(event, "approval-rejected")) {
        const message = (event.reason ?? "").replace(/^[A-Z_]+: /, "");
        throw new DomainError(event.data?.code ?? "CONFLICT", message);
      }
      if (!isAuditAction(event, action)) {
        throw new DomainError(
          "CONFLICT",
          `idempotencyKey ${key} belongs to a ${event.action} event (#${event.seq}). Use a new key.`,
        );
      }
      return replay(event);
    },
  };
}
