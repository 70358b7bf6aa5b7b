import { isStale, proposedFields } from "../../domain/policy/index.js";
import type { ServerSignal } from "../../domain/policy/index.js";
import type { TriagePolicy } from "../../domain/workspace/index.js";
import { formatValue, oneLine } from "../../domain/review-format.js";
import {
  approvalPreview,
  uniqueSignals,
  type ReviewDecision,
  type ReviewFieldRow,
  type ReviewPacket,
} from "../../domain/review-packet.js";
import type { AuditEvent, Channel, Recommendation, Ticket } from "../../domain/schemas.js";
import { maskSecrets } from "../../domain/secrets/index.js";
import { fit } from "./wrap.js";

// What the reviewer reads in a terminal: the pending queue, and the review packet of one
// recommendation. Pure: data in, text out. Ticket and recommendation text is untrusted, so
// control characters (which could move the cursor or fake output) are removed and secret-like
// values are masked before anything is printed. `width` is the terminal's: long lines are broken
// at spaces to fit it (none: lines are left whole).

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

/** The rules that fired, each once, with how many spans it matched: `rule x2, other`. */
function ruleSummary(signals: readonly ServerSignal[]): string {
  const counts = new Map<string, number>();
  for (const s of uniqueSignals(signals)) counts.set(s.rule, (counts.get(s.rule) ?? 0) + 1);
  return [...counts].map(([rule, n]) => (n === 1 ? rule : `${rule} x${n}`)).join(", ");
}

/** The pending queue; `numbered` adds the numbers the interactive prompt asks for. */
export function renderPendingList(
  entries: readonly PendingEntry[],
  numbered = false,
  width?: number,
): string {
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
    const signals = rec.serverSignals ?? [];
    if (signals.length > 0) out.push(`${pad}server signals: ${ruleSummary(signals)}`);
    if (stale(entry)) {
      out.push(
        `${pad}STALE: ${rec.ticketId} is at revision ${ticket?.revision}, this was made at ${rec.sourceRevision}; it can only be rejected.`,
      );
    }
  });
  return fit(`${out.join("\n")}\n`, width);
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

/** A quoted span, with its length in the ticket when the server shortened it. */
function quoted(signal: ServerSignal): string {
  const text = line(signal.span.text, 400);
  const length = signal.span.end - signal.span.start;
  const shortened = text.endsWith("…") && length > text.length;
  return `"${text}"${shortened ? ` (shortened; ${length} characters in the ticket)` : ""}`;
}

/** The server's signals, each once, grouped under their effect (many rules share one). */
function signalLines(signals: readonly ServerSignal[]): string[] {
  const unique = uniqueSignals(signals);
  if (unique.length === 0) return ["Server signals: none"];
  const byEffect = new Map<string, ServerSignal[]>();
  for (const s of unique) byEffect.set(s.effect, [...(byEffect.get(s.effect) ?? []), s]);
  const out = ["Server signals (found by the server in the ticket text), by effect:"];
  for (const [effect, group] of byEffect) {
    out.push(`  * ${line(effect, 400)}`);
    for (const s of group) out.push(`    - ${s.rule} in ${s.field}: ${quoted(s)}`);
  }
  return out;
}

/** Everything the reviewer should weigh: the ticket, the agent's reasoning and the server's evidence. */
export function renderEvidence(packet: ReviewPacket, width?: number): string {
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
    out.push(`  cannot be approved: ${approval.code} (why: below the proposed changes)`);
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
  out.push(...signalLines(packet.serverSignals));
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
  return fit(`${out.join("\n")}\n`, width);
}

/** The flag of a team row that the policy routes, from the row's flags. */
function teamFlag(row: ReviewFieldRow, packet: ReviewPacket): string {
  const required = packet.escalation.requiredTeam ?? "another team";
  if (row.contradictsRequiredTeam) return `  << not the required team (${required})`;
  if (row.neededForRouting) return `  << needed to route to ${required}`;
  return "";
}

/**
 * What approving would meet, from the packet's approval and its team row's flags: the refusal
 * when nothing can be approved, and what leaving out or including team does.
 */
export function renderApprovalNotes(packet: ReviewPacket, width?: number): string {
  if (packet.resolution !== "pending") return "";
  const { approval } = packet;
  if (!approval.approvable) {
    return fit(
      `Cannot be approved now: ${approval.code}: ${line(approval.message, 600)}\n` +
        "It can only be rejected with feedback (or left for later).\n",
      width,
    );
  }
  const all = packet.fields.map((row) => row.field);
  const notes: string[] = [];
  const withoutTeam = approvalPreview(
    packet,
    all.filter((f) => f !== "team"),
  );
  if (withoutTeam !== null) notes.push(`Approving without team: ${withoutTeam.code}: ${withoutTeam.message}`);
  const withTeam = approvalPreview(packet, all);
  if (withTeam !== null) notes.push(`Approving team: ${withTeam.code}: ${withTeam.message}`);
  if (notes.length === 0) notes.push("Only the fields you approve are applied; the others stay as they are.");
  return fit(`${notes.join("\n")}\n`, width);
}

/** The proposed customer response, shown whole, as a quoted block. */
function responseBlock(title: string, text: string): string[] {
  return [title, indent(terminalText(text), "  | ")];
}

/**
 * The proposal: the customer response in full, then before -> after per proposed field and what
 * approving would meet, last, next to the question that follows it.
 */
export function renderDiff(packet: ReviewPacket, width?: number): string {
  const rows = packet.fields;
  if (rows.length === 0) return "The recommendation proposes no field.\n";
  const out: string[] = [];
  const response = rows.find((d) => d.field === "customerResponse");
  if (typeof response?.proposed === "string") {
    out.push(
      ...responseBlock(`Proposed customer response${response.edited ? " (edited)" : ""}:`, response.proposed),
      "",
    );
  }
  const pad = Math.max(...rows.map((d) => d.field.length));
  out.push("Proposed changes (field: now -> proposed):");
  for (const d of rows) {
    const same = d.changes ? "" : "  (no change)";
    const before = line(formatValue(d.field, d.current), 70);
    const after =
      d.field === "customerResponse"
        ? `(${d.edited ? "edited text" : "draft"} above)`
        : line(formatValue(d.field, d.proposed), 70);
    out.push(`  ${d.field.padEnd(pad)}  ${before} -> ${after}${same}${teamFlag(d, packet)}`);
  }
  return `${fit(`${out.join("\n")}\n`, width)}${renderApprovalNotes(packet, width)}`;
}

function channelText(event: AuditEvent): string {
  return `channel ${event.channel?.type ?? "unknown"}, audit event #${event.seq}`;
}

function throughText(channel: Channel | null): string {
  if (channel === null) return "an unrecorded channel";
  const client = channel.client;
  return client === undefined
    ? channel.type
    : `${channel.type} (${line(client.name, 80)} ${line(client.version, 40)})`;
}

/**
 * How a decided recommendation was decided, instead of the proposal: who, when, through which
 * channel, and the fields an approval applied (before -> after, from its audit event) or the
 * feedback of a rejection. `decision` null: the audit event was not found; the packet's record
 * is shown.
 */
export function renderDecision(
  packet: ReviewPacket,
  decision: ReviewDecision | null,
  width?: number,
): string {
  const out: string[] = [];
  const who = line(decision?.actor ?? packet.resolvedBy ?? "an unknown reviewer", 60);
  const how =
    decision === null
      ? ""
      : ` on ${decision.at} through ${throughText(decision.channel)}, audit event #${decision.auditSeq}`;
  out.push(`Decision: ${packet.resolution} by ${who}${how}.`);
  if (packet.resolution === "rejected") {
    out.push(`Feedback: "${line(decision?.feedback ?? packet.feedback ?? "", 1_000)}"`);
    out.push(`Nothing was applied to ${packet.ticket.id}. It proposed:`);
    const pad = Math.max(0, ...packet.fields.map((d) => d.field.length));
    for (const d of packet.fields) {
      out.push(`  ${d.field.padEnd(pad)}  ${line(formatValue(d.field, d.proposed), 70)}`);
    }
    return fit(`${out.join("\n")}\n`, width);
  }
  const changes = decision?.changes ?? [];
  const applied = decision === null ? (packet.approvedFields ?? []) : changes.map((c) => c.field);
  if (decision !== null) {
    out.push(
      `${packet.ticket.id} revision ${decision.fromRevision ?? "?"} -> ${decision.toRevision ?? "?"}; approved fields (before -> after):`,
    );
    const pad = Math.max(0, ...changes.map((c) => c.field.length));
    let reply: string | undefined;
    for (const c of changes) {
      const before = line(formatValue(c.field, c.before), 70);
      if (c.field === "customerResponse" && typeof c.after === "string") {
        reply = c.after;
        out.push(
          `  ${c.field.padEnd(pad)}  ${before} -> (${decision.customerResponseEdited ? "edited text" : "draft"} below)`,
        );
        continue;
      }
      out.push(`  ${c.field.padEnd(pad)}  ${before} -> ${line(formatValue(c.field, c.after), 70)}`);
    }
    if (reply !== undefined) out.push(...responseBlock("Customer response applied:", reply));
  } else {
    out.push(`Approved fields: ${applied.length === 0 ? "none recorded" : applied.join(", ")}`);
  }
  const left = packet.fields.map((d) => d.field).filter((f) => !applied.includes(f));
  if (left.length > 0) out.push(`Not approved (left as they were): ${left.join(", ")}`);
  return fit(`${out.join("\n")}\n`, width);
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
