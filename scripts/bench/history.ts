// Builds a long audit history fast: submit + approve pairs, shaped like the service's own events
// (same policy functions, same data), encoded with the store's codec and appended to audit.jsonl
// in bulk. Committing 200,000 events one fsynced transaction at a time would take far longer than
// the measurement itself; the events are then checked by opening the runtime with the store,
// which refuses or reports anything that does not apply.

import { randomUUID } from "node:crypto";
import { closeSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { ApprovableField, Team } from "../../src/domain/enums.js";
import { assess, assessmentReasons, computeEscalation, planApproval } from "../../src/domain/policy/index.js";
import type { AuditEventDraft, Recommendation, Ticket } from "../../src/domain/schemas.js";
import { detectSignals } from "../../src/domain/signals/index.js";
import { encodeEvent } from "../../src/store/core/event-codec.js";
import { openFileStore } from "../../src/store/index.js";
import { layoutOf } from "../../src/store/index.js";
import { loadWorkspace } from "../../src/service/workspace.js";
import { createRandom } from "./stats.js";

const POLICY = loadWorkspace().workspace.policy;

export const APPROVED_FIELDS: readonly ApprovableField[] = ["category", "priority", "team"];
const ACTOR = "bench-agent";
const REVIEWER = "bench-reviewer";

/** A valid proposal for `ticket`, routed where the policy requires. Used over stdio too. */
export function proposalFor(ticket: Ticket, i: number) {
  return {
    ticketId: ticket.id,
    sourceRevision: ticket.revision,
    category: ticket.category ?? "other",
    priority: (["P2", "P3", "P4"] as const)[i % 3] ?? "P3",
    team: "support" as Team,
    duplicateCandidates: [],
    outageRisk: "none" as const,
    securityRisk: "none" as const,
    slaRisk: "none" as const,
    missingInformation: [],
    knowledgeArticleIds: ["triage-priority-matrix"],
    draftCustomerResponse:
      "Thanks for the details. We have routed your request to the right team and will follow up shortly.",
    rationale: "The subject and description match the category; the plan and SLA suggest this priority.",
    confidence: 0.9,
    recommendedNextAction: "Confirm the account details and reproduce the issue.",
  };
}

export interface HistoryResult {
  readonly appended: number;
  readonly buildMs: number;
  readonly logMb: number;
  /** Opening the runtime in-process afterwards (full replay, no snapshot), ms. */
  readonly verifyOpenMs: number;
}

/**
 * Appends `events` events (pairs of submit + approve, round-robin over the tickets, with a
 * seeded shuffle) to an initialized, idle runtime, then opens it with the store to check that
 * every event applies. Nothing may be running on the runtime meanwhile.
 */
export async function appendHistory(dataRoot: string, events: number, now: Date): Promise<HistoryResult> {
  const layout = layoutOf(dataRoot);
  const started = performance.now();
  const tickets = JSON.parse(readFileSync(layout.baseTickets, "utf8")) as Ticket[];
  const last = readFileSync(layout.auditLog, "utf8").trimEnd().split("\n").at(-1) ?? "";
  let { seq, hash } = JSON.parse(last) as { seq: number; hash: string };
  const current = new Map(tickets.map((t) => [t.id, t]));
  const order = shuffled(tickets.length, createRandom(20_000));
  const timestamp = now.toISOString();
  const fd = openSync(layout.auditLog, "a");
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length > 0) writeSync(fd, buffer.join(""));
    buffer = [];
  };
  const add = (draft: AuditEventDraft) => {
    const encoded = encodeEvent({ ...draft, seq: ++seq, id: randomUUID(), prevHash: hash });
    hash = encoded.hash;
    buffer.push(`${encoded.line}\n`);
    if (buffer.length >= 5000) flush();
  };
  const pairs = Math.floor(events / 2);
  try {
    for (let i = 0; i < pairs; i++) {
      const id = (tickets[order[i % order.length] as number] as Ticket).id;
      const ticket = current.get(id) as Ticket;
      const rec = recommendationFor(ticket, i, now);
      add({
        timestamp,
        action: "recommendation-submitted",
        ticketId: ticket.id,
        actor: ACTOR,
        recommendationId: rec.id,
        fromRevision: ticket.revision,
        data: { recommendation: rec },
      });
      const plan = planApproval(
        ticket,
        rec,
        {
          recommendationId: rec.id,
          ticketId: ticket.id,
          expectedRevision: ticket.revision,
          approvedFields: APPROVED_FIELDS,
          actor: REVIEWER,
        },
        now,
        POLICY,
      );
      add({
        timestamp,
        action: "recommendation-approved",
        ticketId: ticket.id,
        actor: REVIEWER,
        channel: { type: "chat" },
        recommendationId: rec.id,
        fromRevision: ticket.revision,
        toRevision: plan.ticketAfter.revision,
        changes: plan.changes,
        data: {
          escalationReasons: plan.escalation.escalationReasons,
          requiredTeam: plan.escalation.requiredTeam,
          customerResponseEdited: false,
          ticket: plan.ticketAfter,
        },
      });
      current.set(ticket.id, plan.ticketAfter);
    }
    flush();
  } finally {
    closeSync(fd);
  }
  const buildMs = performance.now() - started;
  const logMb = statSync(layout.auditLog).size / 1024 / 1024;

  const openStarted = performance.now();
  const warnings: string[] = [];
  const store = await openFileStore({
    dataRoot,
    seed: () => {
      throw new Error(`${dataRoot} should already be initialized`);
    },
    // The server's first start should replay the whole log, as after an upgrade or a lost cache.
    snapshotEvery: 0,
    logger: { warn: (m) => warnings.push(m), info: () => undefined },
  });
  const verifyOpenMs = performance.now() - openStarted;
  const problems = store.inconsistencies;
  const lastSeq = store.view().lastSeq;
  await store.close();
  if (problems.length > 0 || warnings.length > 0) {
    throw new Error(
      `the synthetic history does not apply cleanly (${problems.length} inconsistencies):\n` +
        [...problems.slice(0, 3).map((p) => JSON.stringify(p)), ...warnings.slice(0, 3)].join("\n"),
    );
  }
  if (lastSeq !== seq) throw new Error(`the store read up to seq ${lastSeq}, the log ends at ${seq}`);
  return { appended: pairs * 2, buildMs, logMb, verifyOpenMs };
}

function recommendationFor(ticket: Ticket, i: number, now: Date): Recommendation {
  const proposal = proposalFor(ticket, i);
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
    POLICY,
  );
  return {
    ...proposal,
    team: escalation.requiredTeam ?? proposal.team,
    actor: ACTOR,
    id: randomUUID(),
    escalationRequired: escalation.escalationRequired,
    escalationReasons: escalation.escalationReasons,
    requiredTeam: escalation.requiredTeam,
    resolution: "pending",
    createdAt: now.toISOString(),
    serverAssessment: assessment,
    serverSignals,
  };
}

function shuffled(n: number, random: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}
