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
  "CARD_TOKEN_INVALID",
  "STORE_UNAVAILABLE",
] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a code means, and what a client should do when it gets one. */
export interface ErrorCodeGuide {
  readonly meaning: string;
  readonly next: string;
}

/** One entry per code (the compiler insists); the README's error-code table is generated from it. */
export const ERROR_CODE_GUIDE: Readonly<Record<ErrorCode, ErrorCodeGuide>> = {
  INVALID_INPUT: {
    meaning: "The arguments break the input schema or a rule about them; the message names the argument.",
    next: "Fix that argument and call again. Nothing was changed.",
  },
  NOT_FOUND: {
    meaning: "No ticket, recommendation, knowledge article, handoff or tool has that id or name.",
    next: "Find the id with the list or search tool the message names.",
  },
  STALE_REVISION: {
    meaning: "The ticket changed since the revision the call names, or since the recommendation was made.",
    next: "Read the ticket again and submit a new recommendation on its current revision.",
  },
  ALREADY_RESOLVED: {
    meaning: "The recommendation was already approved or rejected.",
    next: "Do not decide it again; submit a new recommendation if the ticket still needs triage.",
  },
  CONFLICT: {
    meaning: "The idempotencyKey was already used for a different request.",
    next: "Use a new key for a new request; reuse a key only to retry the very same call.",
  },
  POLICY_DENIED: {
    meaning: "The policy refuses the approval: the ticket would not end up with its required team.",
    next: "Reject the recommendation with feedback, or submit one with the required team and approve its team field.",
  },
  SECRET_DETECTED: {
    meaning:
      "A text argument contains what looks like a secret (a key, token or password); it was not stored.",
    next: "Remove the secret from the named argument and call again.",
  },
  HUMAN_APPROVAL_REQUIRED: {
    meaning: "The server's approval mode refuses approvals typed by the model for this ticket.",
    next: "Ask the reviewer to decide in the form the client shows, or in a terminal with the reviewer command the message names (`npm run review` in the clone).",
  },
  APPROVAL_DECLINED: {
    meaning:
      "The reviewer did not approve in the form: declined, closed it, let it expire, ticked nothing or rejected.",
    next: "Do not retry on your own; the message says what the reviewer did. Ask them how to go on.",
  },
  CARD_TOKEN_INVALID: {
    meaning:
      "A decision from the review card came without a valid card token: missing, already used, expired, or issued for another recommendation, revision or connection.",
    next: "Only the reviewer decides in the card: show it again (review_recommendation) and let them decide there.",
  },
  STORE_UNAVAILABLE: {
    meaning:
      "The runtime cannot be read or written right now (the lock is busy, the disk is full or read-only, the log is damaged).",
    next: "Retry in a moment; if it persists, the operator checks the runtime (`npm run audit:verify`).",
  },
};

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

/** A schema's complaints as one line, each with its path: `approvedFields: must name at least one field`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.length === 0 ? "arguments" : issue.path.join(".");
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}
