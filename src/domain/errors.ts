import { z } from "zod";

// Typed domain errors with a closed set of codes. The MCP layer maps them to tool errors
// (`CODE: message`) in exactly one place; anything that is not a DomainError is unexpected.
export const ERROR_CODES = [
  "INVALID_INPUT",
  "NOT_FOUND",
  "STALE_REVISION",
  "ALREADY_RESOLVED",
  "CONFLICT",
  "POLICY_DENIED",
  "SECRET_DETECTED",
  "HUMAN_APPROVAL_REQUIRED",
  "APPROVAL_DECLINED",
  "STORE_UNAVAILABLE",
] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "DomainError";
    this.code = code;
    this.details = details;
  }

  /** The form every client sees: `CODE: message`. */
  override toString(): string {
    return `${this.code}: ${this.message}`;
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
