import { randomUUID } from "node:crypto";
import type { ApprovableField } from "../domain/enums.js";
import { DomainError } from "../domain/errors.js";
import type {
  ApproveRecommendationInput,
  RejectRecommendationInput,
  SubmitRecommendationInput,
} from "../domain/inputs.js";
import type { ApprovalMode } from "../config.js";
import { routedTeam } from "../domain/workspace/index.js";
import { handoffsFor } from "./handoff-drafts.js";
import type { QueueMetrics } from "./queue-metrics.js";
import { idempotent, withIdempotency } from "./idempotency.js";
import {
  assess,
  assessmentReasons,
  assertPending,
  checkSubmissionRevision,
  computeEscalation,
  planApproval,
} from "../domain/policy/index.js";
import { describeSecretFindings, findSecrets } from "../domain/secrets/index.js";
import { detectSignals } from "../domain/signals/index.js";
import {
  ticketSchema,
  type AuditEvent,
  type AuditEventDraft,
  type Channel,
  type Recommendation,
  type Ticket,
} from "../domain/schemas.js";
import type { AuditAction, AuditEventOf } from "../domain/audit-events.js";
import type { StoreView, TxOutcome } from "../store/index.js";
import { notFoundRecommendation, notFoundTicket, TriageReads, type ServiceDeps } from "./triage-reads.js";

export type { KnowledgeHit, KnowledgeSource, ServiceDeps, SimilarityIndex } from "./triage-reads.js";

/** How a decision reaches the service; recorded on the audit event. */
export interface DecisionContext {
  readonly channel: Channel;
  /** The client shows the review card (MCP Apps): refusals of chat approvals point to it. */
  readonly showsCard?: boolean;
}

/** A decision a channel refused before it reached the policy (a card token that did not hold). */
export interface RefusedAttempt {
  readonly recommendationId: string;
  readonly actor: string;
  /** The ticket revision the attempt named. */
  readonly expectedRevision?: number | undefined;
  /** The fields an approval attempt named; absent for a rejection attempt. */
  readonly approvedFields?: readonly ApprovableField[] | undefined;
}

const CHAT: DecisionContext = { channel: { type: "chat" } };

export type { QueueMetrics };

/**
 * The triage use cases over a store: the reads (TriageReads) and the decisions. Returns domain
 * objects (never MCP results) and throws DomainError for every refusal. All state changes go
 * through `store.transact`, which runs the body under the cross-process lock against caught-up
 * state and commits one audit event.
 */
export class TriageService extends TriageReads {
  private readonly newId: () => string;
  readonly approvalMode: ApprovalMode;
  private readonly securityNeedsHumanChannel: boolean;

  constructor(deps: ServiceDeps) {
    super(deps);
    this.newId = deps.newId ?? randomUUID;
    this.approvalMode = deps.approvalMode ?? "elicit-when-available";
    this.securityNeedsHumanChannel = deps.securityNeedsHumanChannel ?? false;
  }

  // ---------- workflow ----------

  /**
   * Stores a pending recommendation. Never changes the ticket. The server reads the ticket
   * itself: risks the agent understates are raised to what the text shows, and instruction-like
   * text raises policy-conflict.
   */
  async submit(input: SubmitRecommendationInput): Promise<Recommendation> {
    const { idempotencyKey, actor, ...proposal } = input;
    refuseSecrets({
      draftCustomerResponse: proposal.draftCustomerResponse,
      rationale: proposal.rationale,
      recommendedNextAction: proposal.recommendedNextAction,
      missingInformation: proposal.missingInformation.join("\n"),
      duplicateCandidates: proposal.duplicateCandidates.map((c) => c.evidence).join("\n"),
      tags: (proposal.tags ?? []).join("\n"),
      assignee: proposal.assignee ?? "",
      actor,
    });
    return this.store.transact((view) =>
      this.idempotent(
        view,
        idempotencyKey,
        "recommendation-submitted",
        input,
        (event) => this.submittedResult(event),
        () => {
          const ticket = this.requireTicket(view, input.ticketId);
          checkSubmissionRevision(ticket, input.sourceRevision);
          this.checkReferences(view, input);
          if (typeof proposal.assignee === "string")
            this.teams.assertMember(proposal.team, proposal.assignee);
          const now = this.clock();
          const { assessment, serverSignals } = assess(proposal, detectSignals(ticket));
          const escalation = computeEscalation(
            {
              ...proposal,
              securityRisk: assessment.securityRisk,
              outageRisk: assessment.outageRisk,
              extraReasons: assessmentReasons(assessment),
            },
            ticket,
            now,
            this.workspace.policy,
          );
          const recommendation: Recommendation = {
            ...proposal,
            actor: actor.trim(),
            id: this.newId(),
            escalationRequired: escalation.escalationRequired,
            escalationReasons: escalation.escalationReasons,
            requiredTeam: escalation.requiredTeam,
            resolution: "pending",
            createdAt: now.toISOString(),
            serverAssessment: assessment,
            serverSignals,
          };
          return {
            event: {
              timestamp: now.toISOString(),
              action: "recommendation-submitted",
              ticketId: ticket.id,
              actor: recommendation.actor,
              recommendationId: recommendation.id,
              fromRevision: ticket.revision,
              data: withIdempotency({ recommendation }, idempotencyKey, input),
            },
            result: () => recommendation,
          };
        },
      ),
    );
  }

  /**
   * Applies exactly the approved fields, bumps the revision, resolves the recommendation.
   * `context.channel` says how the human's decision arrived; it is recorded on the event.
   */
  async approve(
    input: ApproveRecommendationInput,
    context: DecisionContext = CHAT,
  ): Promise<{ ticket: Ticket; auditEvent: AuditEvent }> {
    const { idempotencyKey, ...request } = input;
    if (request.editedCustomerResponse !== undefined) {
      refuseSecrets({ editedCustomerResponse: request.editedCustomerResponse });
    }
    refuseSecrets({ actor: request.actor });
    return this.store.transact((view) =>
      this.idempotent(
        view,
        idempotencyKey,
        "recommendation-approved",
        input,
        (event) => this.approvedResult(event),
        () => {
          const rec = view.getRecommendation(request.recommendationId);
          if (rec === undefined) return { refusal: notFoundRecommendation(request.recommendationId) };
          const ticket = view.getTicket(request.ticketId);
          if (ticket === undefined) return { refusal: notFoundTicket(view, request.ticketId) };
          const now = this.clock();
          const actor = request.actor.trim();
          let plan;
          try {
            plan = planApproval(ticket, rec, { ...request, actor }, now, this.workspace.policy);
            this.checkChannel(ticket, plan.escalation.requiredTeam, context);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
            // Refusals that passed input validation are audited: a reviewer (or an attacker) tried
            // to approve something the policy does not allow.
            if (error.code === "INVALID_INPUT") return { refusal: error };
            const data = withIdempotency(
              {
                code: error.code,
                approvedFields: [...request.approvedFields],
                expectedRevision: request.expectedRevision,
              },
              idempotencyKey,
              input,
            );
            return {
              refusal: error,
              event: refusalEvent({ error, ticket, rec, actor, context, at: now, data }),
            };
          }
          const ticketAfter = plan.ticketAfter;
          // Only an approval that applies routing (team or assignee) announces it to the team.
          const routed =
            request.approvedFields.includes("team") || request.approvedFields.includes("assignee");
          const handoffs = routed
            ? handoffsFor(
                { ticket: ticketAfter, rec, reasons: plan.escalation.escalationReasons, actor, now },
                this.workspace,
                this.newId,
              )
            : [];
          return {
            event: {
              timestamp: now.toISOString(),
              action: "recommendation-approved",
              ticketId: ticket.id,
              actor,
              channel: context.channel,
              recommendationId: rec.id,
              fromRevision: ticket.revision,
              toRevision: ticketAfter.revision,
              changes: plan.changes,
              data: withIdempotency(
                {
                  escalationReasons: plan.escalation.escalationReasons,
                  requiredTeam: plan.escalation.requiredTeam,
                  customerResponseEdited: request.editedCustomerResponse !== undefined,
                  ticket: ticketAfter,
                  ...(handoffs.length === 0 ? {} : { handoffs }),
                },
                idempotencyKey,
                input,
              ),
            },
            result: (auditEvent) => ({ ticket: ticketAfter, auditEvent }),
          };
        },
      ),
    );
  }

  /** Resolves a pending recommendation as rejected, with the reviewer's feedback. */
  async reject(
    input: RejectRecommendationInput,
    context: DecisionContext = CHAT,
  ): Promise<{ auditEvent: AuditEvent }> {
    const { idempotencyKey, ...request } = input;
    refuseSecrets({ feedback: request.feedback, actor: request.actor });
    return this.store.transact((view) =>
      this.idempotent(
        view,
        idempotencyKey,
        "recommendation-rejected",
        input,
        (auditEvent) => ({ auditEvent }),
        () => {
          const rec = view.getRecommendation(request.recommendationId);
          if (rec === undefined) return { refusal: notFoundRecommendation(request.recommendationId) };
          if (rec.ticketId !== request.ticketId) {
            return {
              refusal: new DomainError(
                "INVALID_INPUT",
                `Recommendation ${rec.id} is for ${rec.ticketId}, not ${request.ticketId}. Pass the ticketId of the recommendation.`,
              ),
            };
          }
          try {
            assertPending(rec);
          } catch (error) {
            if (error instanceof DomainError) return { refusal: error };
            throw error;
          }
          const now = this.clock();
          const ticket = view.getTicket(rec.ticketId);
          return {
            event: {
              timestamp: now.toISOString(),
              action: "recommendation-rejected",
              ticketId: rec.ticketId,
              actor: request.actor.trim(),
              channel: context.channel,
              recommendationId: rec.id,
              ...(ticket === undefined ? {} : { fromRevision: ticket.revision }),
              data: withIdempotency({ feedback: request.feedback.trim() }, idempotencyKey, input),
            },
            result: (auditEvent) => ({ auditEvent }),
          };
        },
      ),
    );
  }

  /**
   * Audits a decision a channel refused before it reached the policy (a review card decision
   * whose card token did not hold) as `approval-rejected`, like every refused approval attempt
   * that passed input validation, and throws the refusal. NOT_FOUND (nothing audited) when there
   * is no such recommendation; SECRET_DETECTED (nothing audited) when the actor looks like one.
   */
  async recordRefusal(attempt: RefusedAttempt, error: DomainError, context: DecisionContext): Promise<never> {
    refuseSecrets({ actor: attempt.actor });
    return this.store.transact((view) => {
      const rec = view.getRecommendation(attempt.recommendationId);
      if (rec === undefined) return { refusal: notFoundRecommendation(attempt.recommendationId) };
      const ticket = view.getTicket(rec.ticketId);
      const data = {
        code: error.code,
        ...(attempt.approvedFields === undefined ? {} : { approvedFields: [...attempt.approvedFields] }),
        ...(attempt.expectedRevision === undefined ? {} : { expectedRevision: attempt.expectedRevision }),
      };
      return {
        refusal: error,
        event: refusalEvent({
          error,
          ticket,
          rec,
          actor: attempt.actor.trim(),
          context,
          at: this.clock(),
          data,
        }),
      };
    });
  }

  /**
   * The approval mode refuses chat approvals where the policy asks for a human channel; every
   * other channel (form, review card, reviewer CLI, desk) is the reviewer's own.
   */
  private checkChannel(ticket: Ticket, requiredTeam: string | null, context: DecisionContext): void {
    if (context.channel.type !== "chat") return;
    const instead =
      context.showsCard === true
        ? `Show the reviewer the review card instead (call review_recommendation with the recommendationId) and wait: ` +
          `they approve or reject in it. Do not imitate the card in text.`
        : `Ask the reviewer to approve in the form your client shows, or in a terminal with \`${this.reviewerCommand()}\`.`;
    if (this.approvalMode === "human-only") {
      throw new DomainError(
        "HUMAN_APPROVAL_REQUIRED",
        `This server runs with TRIAGE_APPROVAL_MODE=human-only: approvals typed by the model are refused. ${instead}`,
      );
    }
    const security = routedTeam(this.workspace, "security");
    if (this.securityNeedsHumanChannel && (requiredTeam === security || ticket.team === security)) {
      throw new DomainError(
        "HUMAN_APPROVAL_REQUIRED",
        `${ticket.id} is routed to ${security}, and this server requires security approvals to come from the reviewer directly. ${instead}`,
      );
    }
  }

  /**
   * Runs `body` unless `key` was already used: then the original result is returned (same
   * arguments) or the call is refused (different arguments). Keys live in the audit log, so they
   * survive restarts and are shared by every process on the runtime.
   */
  private idempotent<A extends AuditAction, T>(
    view: StoreView,
    key: string | undefined,
    action: A,
    input: object,
    replay: (event: AuditEventOf<A>) => T,
    body: () => TxOutcome<T>,
  ): TxOutcome<T> {
    return idempotent(view, key, action, input, replay, body);
  }

  private submittedResult(event: AuditEventOf<"recommendation-submitted">): Recommendation {
    return event.data.recommendation;
  }

  private approvedResult(event: AuditEventOf<"recommendation-approved">): {
    ticket: Ticket;
    auditEvent: AuditEvent;
  } {
    // The service records the ticket after every approval it commits; it is checked when read.
    return { ticket: ticketSchema.parse(event.data?.ticket), auditEvent: event };
  }

  private checkReferences(view: StoreView, input: SubmitRecommendationInput): void {
    const unknownArticles = input.knowledgeArticleIds.filter((id) => this.knowledge.get(id) === undefined);
    if (unknownArticles.length > 0) {
      throw new DomainError(
        "INVALID_INPUT",
        `Unknown knowledge article id(s): ${unknownArticles.join(", ")}. Cite only ids returned by search_knowledge.`,
      );
    }
    for (const c of input.duplicateCandidates) {
      if (c.ticketId === input.ticketId) {
        throw new DomainError("INVALID_INPUT", `duplicateCandidates lists ${c.ticketId} itself. Remove it.`);
      }
      if (view.getTicket(c.ticketId) === undefined) {
        throw new DomainError(
          "INVALID_INPUT",
          `duplicateCandidates names ${c.ticketId}, which does not exist. Use ids returned by find_similar_tickets.`,
        );
      }
    }
  }
}

/**
 * Security: secrets in free text are refused before anything is written, and the error names
 * the field and the kind of secret but never echoes the value.
 */
export function refuseSecrets(fields: Record<string, string>): void {
  for (const [field, text] of Object.entries(fields)) {
    if (text === "") continue;
    const findings = findSecrets(text);
    if (findings.length > 0)
      throw new DomainError("SECRET_DETECTED", describeSecretFindings(field, findings));
  }
}

export type { AuditEventDraft };
export { payloadHash } from "./idempotency.js";

/** The `approval-rejected` event of a refused decision attempt: the ticket and its state are unchanged. */
function refusalEvent(input: {
  readonly error: DomainError;
  readonly ticket: Ticket | undefined;
  readonly rec: Recommendation;
  readonly actor: string;
  readonly context: DecisionContext;
  readonly at: Date;
  readonly data: Record<string, unknown>;
}): AuditEventDraft {
  const { error, ticket, rec } = input;
  return {
    timestamp: input.at.toISOString(),
    action: "approval-rejected",
    ticketId: ticket?.id ?? rec.ticketId,
    actor: input.actor,
    channel: input.context.channel,
    recommendationId: rec.id,
    ...(ticket === undefined ? {} : { fromRevision: ticket.revision }),
    reason: error.toString(),
    data: input.data,
  };
}
