import { isStale, proposedFields } from "../../domain/policy/index.js";
import type { TriagePolicy } from "../../domain/workspace/index.js";
import { formatValue, oneLine } from "../../domain/review-format.js";
import type { ReviewPacket } from "../../domain/review-packet.js";
import type { AuditEvent, Recommendation, Ticket } from "../../domain/schemas.js";
import { maskSecrets } from "../../domain/secrets/index.js";

// What the reviewer reads in a terminal: the pending queue, and the review packet of one
// recommendation. Pure: data in, text out. Ticket and recommendation text is untrusted, so
// control characters (which could move the cursor or fake output) are removed and secret-like
// values are masked before anything is printed.

export interface PendingEntry {
  readonly rec: Recommendation;
  /** Undefined only if the ticket vanished, which the store does not allow; shown, not assumed. */
  readonly ticket: Ticket | undefined;
}

/** Multi-line untrusted text made safe for a terminal: no escapes, no bidi overrides, no secrets. */
export function terminalText(text: string): string {
  return (
    maskSecrets(text)
      .text.replace(/\r\n?/g, "\n")
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, "")
  );
}

function line(text: string, max = 160): string {
  return oneLine(terminalText(text), max);
}

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((l) => `${prefix}${l}`)
    .join("\n");
}

function stale(entry: PendingEntry): boolean {
  return entry.ticket !== undefined && isStale(entry.rec, entry.ticket);
}

function reasons(rec: Recommendation): string {
  return rec.escalationReasons.length === 0 ? "none" : rec.escalationReasons.join(", ");
}

/** The pending queue; `numbered` adds the numbers the interactive prompt asks for. */
export function renderPendingList(entries: readonly PendingEntry[], numbered = false): string {
  if (entries.length === 0) return "No pending recommendations.\n";
  const out: string[] = [`Pending recommendations (${entries.length}):`];
  entries.forEach((entry, i) => {
    const { rec, ticket } = entry;
    const head = numbered ? `${String(i + 1).padStart(3)}) ` : "  - ";
    const pad = " ".repeat(head.length);
    out.push(`${head}${rec.ticketId}  ${line(ticket?.subject ?? "(ticket not found)", 80)}`);
    out.push(
      `${pad}recommendation ${rec.id} by ${line(rec.actor, 60)}, confidence ${rec.confidence.toFixed(2)}`,
    );
    out.push(`${pad}escalation: ${reasons(rec)}; required team: ${rec.requiredTeam ?? "none"}`);
    const signals = new Set((rec.serverSignals ?? []).map((s) => `signal ${s.rule}: ${line(s.effect, 120)}`));
    for (const s of signals) out.push(`${pad}${s}`);
    if (stale(entry)) {
      out.push(
        `${pad}STALE: ${rec.ticketId} is at revision ${ticket?.revision}, this was made at ${rec.sourceRevision}; it can only be rejected.`,
      );
    }
  });
  return `${out.join("\n")}\n`;
}

/** A machine-readable queue entry for `review list --json`. */
export function pendingJson(entry: PendingEntry, policy: TriagePolicy): Record<string, unknown> {
  const { rec, ticket } = entry;
  return {
    recommendationId: rec.id,
    ticketId: rec.ticketId,
    subject: ticket === undefined ? null : maskSecrets(ticket.subject).text,
    sourceRevision: rec.sourceRevision,
    ticketRevision: ticket?.revision ?? null,
    stale: stale(entry),
    escalationReasons: rec.escalationReasons,
    requiredTeam: rec.requiredTeam,
    proposedFields: ticket === undefined ? [] : proposedFields(rec, policy),
    confidence: rec.confidence,
    actor: rec.actor,
    createdAt: rec.createdAt,
    serverSignals: rec.serverSignals ?? [],
  };
}

/** Everything the reviewer should weigh: the ticket, the agent's reasoning and the server's evidence. */
export function renderEvidence(packet: ReviewPacket): string {
  const { ticket, escalation, risks } = packet;
  const out: string[] = [];
  const state =
    packet.resolution === "pending"
      ? "pending"
      : `${packet.resolution}${packet.resolvedBy === null ? "" : ` by ${line(packet.resolvedBy, 60)}`}`;
  out.push(`Recommendation ${packet.recommendationId} (${state})`);
  out.push(`  for ${ticket.id} "${line(ticket.subject, 120)}"`);
  out.push(
    `  ticket: status ${ticket.status}, revision ${ticket.revision}; customer ${line(ticket.customer.name, 60)} ` +
      `(${line(ticket.customer.plan, 30)}, ${line(ticket.customer.region, 30)}${ticket.customer.vip ? ", VIP" : ""})`,
  );
  out.push(
    `  made at revision ${packet.sourceRevision} by ${line(packet.proposedBy, 60)} on ${packet.createdAt}, confidence ${packet.confidence.toFixed(2)}`,
  );
  const approval = packet.approval;
  if (!approval.approvable && approval.code === "STALE_REVISION") {
    out.push(
      `  STALE: the ticket moved to revision ${ticket.revision} since; this recommendation cannot be approved.`,
    );
  } else if (!approval.approvable && approval.code !== "ALREADY_RESOLVED") {
    out.push(`  cannot be approved: ${approval.code}: ${line(approval.message, 400)}`);
  }
  out.push(
    `  escalation: ${escalation.reasons.length === 0 ? "none" : escalation.reasons.join(", ")}; ` +
      `required team: ${escalation.requiredTeam ?? "none"}`,
  );
  const { claimed, assessed } = risks;
  out.push(
    `  risks (agent -> server): security ${claimed.securityRisk} -> ${assessed?.securityRisk ?? claimed.securityRisk}, ` +
      `outage ${claimed.outageRisk} -> ${assessed?.outageRisk ?? claimed.outageRisk}, sla ${claimed.slaRisk}` +
      (assessed?.policyConflict === true ? "; POLICY CONFLICT" : ""),
  );
  out.push("");
  out.push("Ticket description:");
  out.push(indent(terminalText(ticket.description), "  | "));
  out.push("");
  const signals = packet.serverSignals;
  out.push(
    signals.length === 0
      ? "Server signals: none"
      : "Server signals (found by the server in the ticket text):",
  );
  for (const s of signals) {
    out.push(`  - ${s.rule} in ${s.field}: "${line(s.span.text, 120)}"`);
    out.push(`    effect: ${line(s.effect, 200)}`);
  }
  out.push(`Rationale: ${line(packet.rationale, 500)}`);
  out.push(`Recommended next action: ${line(packet.recommendedNextAction, 500)}`);
  if (packet.missingInformation.length > 0) {
    out.push("Missing information:");
    for (const m of packet.missingInformation) out.push(`  - ${line(m, 200)}`);
  }
  out.push(
    packet.citedArticles.length === 0
      ? "Cited articles: none"
      : `Cited articles: ${packet.citedArticles
          .map((a) => (a.title === null ? a.id : `${a.id} (${line(a.title, 80)})`))
          .join(", ")}`,
  );
  if (packet.duplicateCandidates.length === 0) {
    out.push("Duplicate candidates: none");
  } else {
    out.push("Duplicate candidates:");
    for (const c of packet.duplicateCandidates) {
      out.push(`  - ${c.ticketId} (confidence ${c.confidence.toFixed(2)}): ${line(c.evidence, 200)}`);
    }
  }
  if (packet.similarTickets.length > 0) {
    out.push("Similar tickets (found by the server):");
    for (const c of packet.similarTickets) {
      out.push(`  - ${c.ticketId} (confidence ${c.confidence.toFixed(2)}): ${line(c.evidence, 200)}`);
    }
  }
  if (packet.feedback !== null) out.push(`Reviewer feedback: ${line(packet.feedback, 500)}`);
  return `${out.join("\n")}\n`;
}

/** Before -> after per proposed field; the customer response is shown in full below the table. */
export function renderDiff(packet: ReviewPacket): string {
  const rows = packet.fields;
  if (rows.length === 0) return "The recommendation proposes no field.\n";
  const width = Math.max(...rows.map((d) => d.field.length));
  const out: string[] = ["Proposed changes (field: now -> proposed):"];
  let response: { text: string; edited: boolean } | undefined;
  for (const d of rows) {
    const same = d.changes ? "" : "  (no change)";
    const before = line(formatValue(d.field, d.current), 70);
    if (d.field === "customerResponse") {
      if (typeof d.proposed === "string") response = { text: d.proposed, edited: d.edited };
      out.push(
        `  ${d.field.padEnd(width)}  ${before} -> (${d.edited ? "edited text" : "draft"} below)${same}`,
      );
      continue;
    }
    const after = line(formatValue(d.field, d.proposed), 70);
    const policy = d.contradictsRequiredTeam
      ? `  (the policy requires ${packet.escalation.requiredTeam ?? "another team"})`
      : "";
    out.push(`  ${d.field.padEnd(width)}  ${before} -> ${after}${same}${policy}`);
  }
  if (response !== undefined) {
    out.push("");
    out.push(`Proposed customer response${response.edited ? " (edited)" : ""}:`);
    out.push(indent(terminalText(response.text), "  | "));
  }
  return `${out.join("\n")}\n`;
}

function channelText(event: AuditEvent): string {
  return `channel ${event.channel?.type ?? "unknown"}, audit event #${event.seq}`;
}

/** What an approval changed: the revision and each field, before -> after. */
export function renderApproved(
  recommendationId: string,
  result: { readonly ticket: Ticket; readonly auditEvent: AuditEvent },
): string {
  const { auditEvent: event, ticket } = result;
  const out = [
    `Approved recommendation ${recommendationId} for ${ticket.id} (${channelText(event)}).`,
    `${ticket.id} revision ${event.fromRevision ?? "?"} -> ${event.toRevision ?? ticket.revision}`,
  ];
  for (const c of event.changes ?? []) {
    out.push(
      `  ${c.field}: ${line(formatValue(c.field, c.before), 80)} -> ${line(formatValue(c.field, c.after), 80)}`,
    );
  }
  return `${out.join("\n")}\n`;
}

export function renderRejected(
  recommendationId: string,
  ticketId: string,
  event: AuditEvent,
  feedback: string,
): string {
  return (
    `Rejected recommendation ${recommendationId} for ${ticketId} (${channelText(event)}).\n` +
    `${ticketId} is unchanged at revision ${event.fromRevision ?? "?"}. Feedback: "${line(feedback, 300)}"\n`
  );
}
