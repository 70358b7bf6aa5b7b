import { DomainError } from "../../domain/errors.js";

/** A transaction body tried to commit an event that is malformed or does not apply. A bug. */
export class InvalidAuditEventError extends Error {
  override readonly name = "InvalidAuditEventError";
}

/** The store cannot serve the request now (STORE_UNAVAILABLE); the message says what to do. */
export function unavailable(message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError("STORE_UNAVAILABLE", message, details);
}
