import { APPROVABLE_FIELDS, type ApprovableField } from "../../domain/enums.js";
import { DomainError } from "../../domain/errors.js";
import { UUID_PATTERN } from "../../domain/ids.js";
import { LIMITS } from "../../domain/inputs.js";
import type { Channel, Recommendation } from "../../domain/schemas.js";
import type { ApprovalDecision, ApprovalService } from "../../service/approval-service.js";
import type { TriageService } from "../../service/triage-service.js";
import { UsageError, type CommandIo } from "../command.js";
import { renderApproved, renderRejected, type PendingEntry } from "./render.js";

// What the reviewer CLI's commands and its interactive loop share: the operator channel, the
// reviewer's answers checked as arguments, the recommendation an id (or the start of one) names,
// and the hand-over of a decision to the approval service.

export const CLIENT_NAME = "support-triage-mcp review";

export interface ReviewIo extends CommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** The package version, recorded as the client version of the operator channel. */
  readonly version: string;
  /** Reads one answer; undefined at end of input. Absent when there is no way to ask. */
  readonly readLine?: ((prompt: string) => Promise<string | undefined>) | undefined;
  /** True when stdin is a terminal (interactive mode needs one, or --interactive). */
  readonly isTTY: boolean;
  /** The terminal's width when stdout is a terminal: long lines are wrapped to it. */
  readonly columns?: number | undefined;
}

export function checkActor(actor: string | undefined): string {
  if (actor === undefined)
    throw new UsageError("--actor NAME is required: who decides is recorded in the audit log.");
  const trimmed = actor.trim();
  if (trimmed === "") throw new UsageError("--actor is blank.");
  if (trimmed.length > LIMITS.actor)
    throw new UsageError(`--actor is longer than ${LIMITS.actor} characters.`);
  return trimmed;
}

/** Field names from "a,b", or "all"; unknown names are a usage error. */
export function fieldNames(text: string): ApprovableField[] | "all" {
  const names = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length === 1 && names[0]?.toLowerCase() === "all") return "all";
  if (names.length === 0)
    throw new UsageError(`no fields given. Fields: ${APPROVABLE_FIELDS.join(", ")}, or "all".`);
  const unknown = names.filter((n) => !(APPROVABLE_FIELDS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown field(s): ${unknown.join(", ")}. Fields: ${APPROVABLE_FIELDS.join(", ")}, or "all".`,
    );
  }
  return names as ApprovableField[];
}

/** "all" means every field the recommendation proposes, and nothing it does not. */
export function resolveFields(
  names: ApprovableField[] | "all",
  proposed: readonly ApprovableField[],
): ApprovableField[] {
  return names === "all" ? [...proposed] : names;
}

/** Every recommendation with the given resolution (all when undefined), oldest first. */
function recommendations(service: TriageService, resolution?: "pending"): Recommendation[] {
  return service.listRecommendations({
    ...(resolution === undefined ? {} : { resolution }),
    offset: 0,
    limit: Number.MAX_SAFE_INTEGER,
  }).items;
}

/** Every pending recommendation, oldest first, with its ticket as it is now. */
export function pending(service: TriageService): PendingEntry[] {
  return recommendations(service, "pending").map((rec) => {
    let ticket;
    try {
      ticket = service.getTicket(rec.ticketId);
    } catch {
      ticket = undefined;
    }
    return { rec, ticket };
  });
}

/** What can start a recommendation id: hex digits and dashes, up to a whole UUID. */
const ID_PREFIX = /^[0-9a-f-]{1,36}$/i;
/** How many candidates an ambiguous prefix lists. */
const CANDIDATES_SHOWN = 10;

/** A usage error unless `text` is a recommendation id or the start of one. */
export function checkIdText(text: string): void {
  if (!UUID_PATTERN.test(text) && !ID_PREFIX.test(text)) {
    throw new UsageError(
      `"${text}" is not a recommendation id (a UUID, or its first characters; see \`review list\`).`,
    );
  }
}

/**
 * The recommendation id that `text` names: a whole id as given (the service says NOT_FOUND), or
 * the one id that starts with it. Several: a usage error listing them; none: NOT_FOUND.
 */
export function recommendationIdFrom(service: TriageService, text: string): string {
  if (UUID_PATTERN.test(text)) return text;
  const prefix = text.toLowerCase();
  const matches = recommendations(service).filter((rec) => rec.id.toLowerCase().startsWith(prefix));
  const [only] = matches;
  if (matches.length === 1 && only !== undefined) return only.id;
  if (matches.length === 0) {
    throw new DomainError(
      "NOT_FOUND",
      `No recommendation starts with "${text}". \`review list\` shows the pending ones with their ids.`,
    );
  }
  const shown = matches
    .slice(0, CANDIDATES_SHOWN)
    .map((rec) => `  ${rec.id}  ${rec.ticketId}, ${rec.resolution}`);
  const more =
    matches.length > CANDIDATES_SHOWN ? [`  ... and ${matches.length - CANDIDATES_SHOWN} more`] : [];
  throw new UsageError(
    [
      `"${text}" is the start of ${matches.length} recommendation ids; type more of the one you mean:`,
      ...shown,
      ...more,
    ].join("\n"),
  );
}

export function operator(io: ReviewIo): Channel {
  return { type: "operator", client: { name: CLIENT_NAME, version: io.version } };
}

/** The recommendation a decision is about, as the reviewer saw it. */
export interface Decided {
  readonly recommendationId: string;
  readonly ticketId: string;
  /** The reviewer approves what they saw: the recommendation as made against its source revision. */
  readonly sourceRevision: number;
}

export const decided = (rec: Recommendation): Decided => ({
  recommendationId: rec.id,
  ticketId: rec.ticketId,
  sourceRevision: rec.sourceRevision,
});

/** Hands the reviewer's decision to the approval service and prints what came of it; a refusal is thrown. */
export async function decide(
  approvals: ApprovalService,
  io: ReviewIo,
  decision: ApprovalDecision,
): Promise<void> {
  const outcome = await approvals.decide(decision, operator(io));
  switch (outcome.kind) {
    case "approved":
      io.stdout(renderApproved(decision.recommendationId, outcome));
      return;
    case "rejected":
      io.stdout(
        renderRejected(decision.recommendationId, decision.ticketId, outcome.auditEvent, outcome.feedback),
      );
      return;
    case "refused":
      throw outcome.error;
  }
}

export function approval(
  target: Decided,
  fields: ApprovableField[],
  actor: string,
  editedResponse?: string,
): ApprovalDecision {
  return {
    kind: "approve",
    recommendationId: target.recommendationId,
    ticketId: target.ticketId,
    expectedRevision: target.sourceRevision,
    approvedFields: fields,
    actor,
    ...(editedResponse === undefined ? {} : { editedCustomerResponse: editedResponse }),
  };
}

export function rejection(target: Decided, feedback: string, actor: string): ApprovalDecision {
  return {
    kind: "reject",
    recommendationId: target.recommendationId,
    ticketId: target.ticketId,
    actor,
    feedback,
  };
}
