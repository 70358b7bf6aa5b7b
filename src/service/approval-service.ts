import type { ApprovableField } from "../domain/enums.js";
import { DomainError, type ErrorCode } from "../domain/errors.js";
import type { ApproveRecommendationInput, RejectRecommendationInput } from "../domain/inputs.js";
import type { PreflightRequest } from "../domain/policy/index.js";
import {
  reviewDecisionOf,
  reviewPacketOf,
  type ReviewDecision,
  type ReviewPacket,
} from "../domain/review-packet.js";
import { isAuditAction, parseAuditEvent } from "../domain/audit-events.js";
import { ticketSchema, type AuditEvent, type Channel, type Ticket } from "../domain/schemas.js";
import type { TriageStore } from "../store/index.js";
import type { TriageService } from "./triage-service.js";

// The one approval decision every channel goes through: chat (the approve and reject tools), the
// form (elicitation), the reviewer CLI (operator), the app card (app) and the desk (desk). A
// channel presents the review packet, asks its human, and hands the answer to `decide`; it never
// checks revisions, pending state or routing itself.

/** A human's answer, as a channel maps it. */
export type ApprovalDecision = ApproveDecision | RejectDecision;

export interface ApproveDecision {
  readonly kind: "approve";
  readonly recommendationId: string;
  readonly ticketId: string;
  /** The ticket revision the reviewer saw. */
  readonly expectedRevision: number;
  /** Exactly the fields the reviewer approved. */
  readonly approvedFields: readonly ApprovableField[];
  readonly actor: string;
  /** The reviewer's edit of the draft reply; only with customerResponse among the fields. */
  readonly editedCustomerResponse?: string | undefined;
  readonly idempotencyKey?: string | undefined;
}

export interface RejectDecision {
  readonly kind: "reject";
  readonly recommendationId: string;
  readonly ticketId: string;
  readonly actor: string;
  /** Why; required, recorded in the audit log. */
  readonly feedback: string;
  readonly idempotencyKey?: string | undefined;
}

/** What came of a decision. A refusal changed no ticket (it may have been audited as approval-rejected). */
export type ApprovalOutcome = Approved | Rejected | Refused;

export interface Approved {
  readonly kind: "approved";
  /** The ticket after the approval, at its new revision. */
  readonly ticket: Ticket;
  readonly auditEvent: AuditEvent;
}

export interface Rejected {
  readonly kind: "rejected";
  readonly auditEvent: AuditEvent;
  readonly feedback: string;
}

export interface Refused {
  readonly kind: "refused";
  readonly code: ErrorCode;
  /** What is wrong and what to do next (the text every channel shows as `CODE: message`). */
  readonly message: string;
  /** The same refusal as a typed error, for channels that report errors by throwing. */
  readonly error: DomainError;
}

export interface ApprovalServiceDeps {
  /** The approval and rejection transactions, and the reads a packet is made of. */
  readonly triage: TriageService;
  /** The idempotency index and the audit events it points at. */
  readonly store: Pick<TriageStore, "view" | "getAuditEvent">;
  readonly clock?: () => Date;
}

export interface DecideOptions {
  /** The client shows the review card: a refused chat approval tells the model to present it. */
  readonly showsCard?: boolean;
}

function refusedOrThrow(error: unknown): Refused {
  if (error instanceof DomainError)
    return { kind: "refused", code: error.code, message: error.message, error };
  throw error;
}

/** The channel recorded on an audit event; the client's self-description is clipped to the schema's bounds. */
export function channelOf(
  type: Channel["type"],
  client: { readonly name: string; readonly version: string } | undefined,
): Channel {
  if (client === undefined) return { type };
  return { type, client: { name: client.name.slice(0, 200), version: client.version.slice(0, 100) } };
}

/** The refusal in a packet as a typed error; null when the recommendation can be approved. */
export function refusalOf(packet: ReviewPacket): DomainError | null {
  return packet.approval.approvable ? null : new DomainError(packet.approval.code, packet.approval.message);
}

/** How many of a ticket's audit events `decisionOf` reads at a time. */
const DECISION_SCAN_PAGE = 100;

export class ApprovalService {
  private readonly triage: TriageService;
  private readonly store: Pick<TriageStore, "view" | "getAuditEvent">;
  private readonly clock: () => Date;

  constructor(deps: ApprovalServiceDeps) {
    this.triage = deps.triage;
    this.store = deps.store;
    this.clock = deps.clock ?? (() => new Date());
  }

  /**
   * Everything a reviewer needs to decide on a recommendation, and whether it can be approved
   * right now (the preflight). `request` is the reviewer's position when a channel already has
   * one (the ticket and revision an agent named, an edited reply); by default, the ticket as it is.
   * NOT_FOUND when there is no such recommendation.
   */
  review(recommendationId: string, request?: PreflightRequest): ReviewPacket {
    const rec = this.triage.getRecommendation(recommendationId);
    const ticket = this.triage.getTicket(rec.ticketId);
    const articles = new Map(this.triage.listArticles().map((a) => [a.id, a.title]));
    return reviewPacketOf({
      rec,
      ticket,
      now: this.clock(),
      policy: this.triage.workspace.policy,
      ...(request === undefined ? {} : { request }),
      similarTickets: this.triage.findSimilarTickets(ticket.id).candidates,
      articleTitle: (id) => articles.get(id),
    });
  }

  /**
   * How a recommendation was decided (who, when, through which channel, what it changed or the
   * feedback), from the audit event that resolved it; null while it is pending. NOT_FOUND when
   * there is no such recommendation. The ticket's events are read newest first, a page at a time:
   * the decision is usually among the last.
   */
  async decisionOf(recommendationId: string): Promise<ReviewDecision | null> {
    const rec = this.triage.getRecommendation(recommendationId);
    if (rec.resolution === "pending") return null;
    const action = rec.resolution === "approved" ? "recommendation-approved" : "recommendation-rejected";
    const ticketId = rec.ticketId;
    const { total } = await this.triage.auditEvents({ ticketId, offset: 0, limit: 1 });
    for (let end = total; end > 0; end -= DECISION_SCAN_PAGE) {
      const offset = Math.max(0, end - DECISION_SCAN_PAGE);
      const page = await this.triage.auditEvents({ ticketId, offset, limit: end - offset });
      const event = page.items.findLast((e) => e.action === action && e.recommendationId === rec.id);
      if (event !== undefined) return reviewDecisionOf(event) ?? null;
    }
    return null;
  }

  /**
   * Applies a human's decision through the policy, and says what came of it. `channel` says how
   * the decision arrived; it is recorded on the audit event.
   */
  async decide(
    decision: ApproveDecision,
    channel: Channel,
    options?: DecideOptions,
  ): Promise<Approved | Refused>;
  async decide(
    decision: RejectDecision,
    channel: Channel,
    options?: DecideOptions,
  ): Promise<Rejected | Refused>;
  async decide(
    decision: ApprovalDecision,
    channel: Channel,
    options?: DecideOptions,
  ): Promise<ApprovalOutcome>;
  async decide(
    decision: ApprovalDecision,
    channel: Channel,
    options: DecideOptions = {},
  ): Promise<ApprovalOutcome> {
    const context = { channel, ...(options.showsCard === undefined ? {} : { showsCard: options.showsCard }) };
    try {
      if (decision.kind === "approve") {
        const { ticket, auditEvent } = await this.triage.approve(approvalInput(decision), context);
        return { kind: "approved", ticket, auditEvent };
      }
      const { auditEvent } = await this.triage.reject(rejectionInput(decision), context);
      return { kind: "rejected", auditEvent, feedback: decision.feedback.trim() };
    } catch (error) {
      return refusedOrThrow(error);
    }
  }

  /**
   * A decision the channel refused before it reached the policy, because the proof the channel
   * requires did not hold (the review card's token): recorded as `approval-rejected`, like every
   * refused approval attempt, and returned as the refusal. Nothing else changes.
   */
  async refuse(decision: ApprovalDecision, channel: Channel, error: DomainError): Promise<Refused> {
    const attempt =
      decision.kind === "approve"
        ? {
            recommendationId: decision.recommendationId,
            actor: decision.actor,
            expectedRevision: decision.expectedRevision,
            approvedFields: decision.approvedFields,
          }
        : { recommendationId: decision.recommendationId, actor: decision.actor };
    try {
      return await this.triage.recordRefusal(attempt, error, { channel });
    } catch (thrown) {
      return refusedOrThrow(thrown);
    }
  }

  /**
   * A retry of a channel call that already decided: when the packet says the recommendation is
   * already resolved, the outcome of the decision an earlier call with this idempotencyKey made on
   * it, found through the store's idempotency index (any process, any restart). Undefined
   * otherwise: the channel reports the packet's refusal.
   */
  async replay(
    packet: ReviewPacket,
    idempotencyKey: string | undefined,
  ): Promise<ApprovalOutcome | undefined> {
    if (idempotencyKey === undefined) return undefined;
    if (packet.approval.approvable || packet.approval.code !== "ALREADY_RESOLVED") return undefined;
    return this.priorDecision(idempotencyKey, packet.recommendationId);
  }

  private async priorDecision(
    idempotencyKey: string,
    recommendationId: string,
  ): Promise<ApprovalOutcome | undefined> {
    const prior = this.store.view().idempotency(idempotencyKey);
    if (prior === undefined) return undefined;
    const stored = await this.store.getAuditEvent(prior.seq);
    if (stored === undefined || stored.recommendationId !== recommendationId) return undefined;
    const parsed = parseAuditEvent(stored);
    if (!("event" in parsed)) return undefined;
    const event = parsed.event;
    if (isAuditAction(event, "recommendation-approved") && event.data?.ticket !== undefined) {
      return { kind: "approved", ticket: ticketSchema.parse(event.data.ticket), auditEvent: stored };
    }
    if (isAuditAction(event, "recommendation-rejected")) {
      return { kind: "rejected", auditEvent: stored, feedback: event.data.feedback };
    }
    return undefined;
  }
}

// The inputs of the approval and rejection transactions. Their shape is the tools' input: an
// idempotencyKey's payload hash is computed over it, so a retry through any channel matches.

function approvalInput(decision: ApproveDecision): ApproveRecommendationInput {
  return {
    recommendationId: decision.recommendationId,
    ticketId: decision.ticketId,
    expectedRevision: decision.expectedRevision,
    approvedFields: [...decision.approvedFields],
    actor: decision.actor,
    confirm: true,
    ...(decision.editedCustomerResponse === undefined
      ? {}
      : { editedCustomerResponse: decision.editedCustomerResponse }),
    ...(decision.idempotencyKey === undefined ? {} : { idempotencyKey: decision.idempotencyKey }),
  };
}

function rejectionInput(decision: RejectDecision): RejectRecommendationInput {
  return {
    recommendationId: decision.recommendationId,
    ticketId: decision.ticketId,
    actor: decision.actor,
    feedback: decision.feedback,
    ...(decision.idempotencyKey === undefined ? {} : { idempotencyKey: decision.idempotencyKey }),
  };
}
