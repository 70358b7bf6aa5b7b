import type { AuditEvent, Recommendation, Ticket } from "../../domain/schemas.js";
import { maskSecrets } from "../../domain/secrets/index.js";
import { fieldDiffs, formatValue, oneLine } from "../../mcp/approval-form.js";

// What the reviewer reads in a terminal. Pure: text in, text out. Ticket and recommendation text
// is untrusted, so control characters (which could move the cursor or fake output) are removed
// and secret-like values are masked before anything is printed.

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

export function isStale(entry: PendingEntry): boolean {
  return entry.ticket !== undefined && entry.ticket.revision !== entry.rec.sourceRevision;
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
    if (isStale(entry)) {
      out.push(
        `${pad}STALE: ${rec.ticketId} is at revision ${ticket?.revision}, this was made at ${rec.sourceRevision}; it can only be rejected.`,
      );
    }
  });
  return `${out.join("\n")}\n`;
}

/** A machine-readable queue entry for `review list --json`. */
export function pendingJson(entry: PendingEntry): Record<string, unknown> {
  const { rec, ticket } = entry;
  return {
    recommendationId: rec.id,
    ticketId: rec.ticketId,
    subject: ticket === undefined ? null : maskSecrets(ticket.subject).text,
    sourceRevision: rec.sourceRevision,
    ticketRevision: ticket?.revision ?? null,
    stale: isStale(entry),
    escalationReasons: rec.escalationReasons,
    requiredTeam: rec.requiredTeam,
    proposedFields: ticket === undefined ? [] : fieldDiffs(rec, ticket).map((d) => d.field),
    confidence: rec.confidence,
    actor: rec.actor,
    createdAt: rec.createdAt,
    serverSignals: rec.serverSignals ?? [],
  };
}

/** Everything the reviewer should weigh: the ticket, the agent's reasoning and the server's evidence. */
export function renderEvidence(
  rec: Recommendation,
  ticket: Ticket,
  articleTitle: (id: string) => string | undefined = () => undefined,
): string {
  const out: string[] = [];
  const state =
    rec.resolution === "pending"
      ? "pending"
      : `${rec.resolution}${rec.resolvedBy === undefined ? "" : ` by ${line(rec.resolvedBy, 60)}`}`;
  out.push(`Recommendation ${rec.id} (${state})`);
  out.push(`  for ${ticket.id} "${line(ticket.subject, 120)}"`);
  out.push(
    `  ticket: status ${ticket.status}, revision ${ticket.revision}; customer ${line(ticket.customer.name, 60)} ` +
      `(${line(ticket.customer.plan, 30)}, ${line(ticket.customer.region, 30)}${ticket.customer.vip ? ", VIP" : ""})`,
  );
  out.push(
    `  made at revision ${rec.sourceRevision} by ${line(rec.actor, 60)} on ${rec.createdAt}, confidence ${rec.confidence.toFixed(2)}`,
  );
  if (rec.sourceRevision !== ticket.revision) {
    out.push(
      `  STALE: the ticket moved to revision ${ticket.revision} since; this recommendation cannot be approved.`,
    );
  }
  out.push(`  escalation: ${reasons(rec)}; required team: ${rec.requiredTeam ?? "none"}`);
  const assessed = rec.serverAssessment;
  out.push(
    `  risks (agent -> server): security ${rec.securityRisk} -> ${assessed?.securityRisk ?? rec.securityRisk}, ` +
      `outage ${rec.outageRisk} -> ${assessed?.outageRisk ?? rec.outageRisk}, sla ${rec.slaRisk}` +
      (assessed?.policyConflict === true ? "; POLICY CONFLICT" : ""),
  );
  out.push("");
  out.push("Ticket description:");
  out.push(indent(terminalText(ticket.description), "  | "));
  out.push("");
  const signals = rec.serverSignals ?? [];
  out.push(
    signals.length === 0
      ? "Server signals: none"
      : "Server signals (found by the server in the ticket text):",
  );
  for (const s of signals) {
    out.push(`  - ${s.rule} in ${s.field}: "${line(s.span.text, 120)}"`);
    out.push(`    effect: ${line(s.effect, 200)}`);
  }
  out.push(`Rationale: ${line(rec.rationale, 500)}`);
  out.push(`Recommended next action: ${line(rec.recommendedNextAction, 500)}`);
  if (rec.missingInformation.length > 0) {
    out.push("Missing information:");
    for (const m of rec.missingInformation) out.push(`  - ${line(m, 200)}`);
  }
  out.push(
    rec.knowledgeArticleIds.length === 0
      ? "Cited articles: none"
      : `Cited articles: ${rec.knowledgeArticleIds
          .map((id) => {
            const title = articleTitle(id);
            return title === undefined ? id : `${id} (${line(title, 80)})`;
          })
          .join(", ")}`,
  );
  if (rec.duplicateCandidates.length === 0) {
    out.push("Duplicate candidates: none");
  } else {
    out.push("Duplicate candidates:");
    for (const c of rec.duplicateCandidates) {
      out.push(`  - ${c.ticketId} (confidence ${c.confidence.toFixed(2)}): ${line(c.evidence, 200)}`);
    }
  }
  if (rec.feedback !== undefined) out.push(`Reviewer feedback: ${line(rec.feedback, 500)}`);
  return `${out.join("\n")}\n`;
}

/** Before -> after per proposed field; the customer response is shown in full below the table. */
export function renderDiff(rec: Recommendation, ticket: Ticket, editedCustomerResponse?: string): string {
  const diffs = fieldDiffs(rec, ticket, editedCustomerResponse);
  if (diffs.length === 0) return "The recommendation proposes no field.\n";
  const width = Math.max(...diffs.map((d) => d.field.length));
  const out: string[] = ["Proposed changes (field: now -> proposed):"];
  let response: string | undefined;
  for (const d of diffs) {
    const same = JSON.stringify(d.before) === JSON.stringify(d.after);
    const before = line(formatValue(d.field, d.before), 70);
    if (d.field === "customerResponse") {
      response = typeof d.after === "string" ? d.after : undefined;
      out.push(
        `  ${d.field.padEnd(width)}  ${before} -> (${d.edited ? "edited text" : "draft"} below)${same ? "  (no change)" : ""}`,
      );
      continue;
    }
    const after = line(formatValue(d.field, d.after), 70);
    out.push(`  ${d.field.padEnd(width)}  ${before} -> ${after}${same ? "  (no change)" : ""}`);
  }
  if (response !== undefined) {
    out.push("");
    out.push(`Proposed customer response${editedCustomerResponse === undefined ? "" : " (edited)"}:`);
    out.push(indent(terminalText(response), "  | "));
  }
  return `${out.join("\n")}\n`;
}

function channelText(event: AuditEvent): string {
  return `channel ${event.channel?.type ?? "unknown"}, audit event #${event.seq}`;
}

/** What an approval changed: the revision and each field, before -> after. */
export function renderApproved(
  rec: Recommendation,
  result: { ticket: Ticket; auditEvent: AuditEvent },
): string {
  const { auditEvent: event, ticket } = result;
  const out = [
    `Approved recommendation ${rec.id} for ${ticket.id} (${channelText(event)}).`,
    `${ticket.id} revision ${event.fromRevision ?? "?"} -> ${event.toRevision ?? ticket.revision}`,
  ];
  for (const c of event.changes ?? []) {
    out.push(
      `  ${c.field}: ${line(formatValue(c.field, c.before), 80)} -> ${line(formatValue(c.field, c.after), 80)}`,
    );
  }
  return `${out.join("\n")}\n`;
}

export function renderRejected(rec: Recommendation, event: AuditEvent, feedback: string): string {
  return (
    `Rejected recommendation ${rec.id} for ${rec.ticketId} (${channelText(event)}).\n` +
    `${rec.ticketId} is unchanged at revision ${event.fromRevision ?? "?"}. Feedback: "${line(feedback, 300)}"\n`
  );
}
