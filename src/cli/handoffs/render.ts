import type { HandoffState } from "../../domain/handoffs.js";
import {
  DELIVERY_OUTCOMES,
  type DeliveryReport,
  type DeliveryResult,
} from "../../service/handoff-delivery.js";

// Plain-text output of `handoffs`. One line per handoff, so a log of runs can be grepped by id.

const OUTCOME_WIDTH = 13;

export function renderResult(r: DeliveryResult): string {
  const attempt = r.attempt === undefined ? "" : ` attempt ${r.attempt}`;
  const http = r.httpStatus === undefined ? "" : ` HTTP ${r.httpStatus}`;
  return `${r.outcome.padEnd(OUTCOME_WIDTH)} ${r.handoffId} ${r.ticketId} ${r.team} ${r.kind}${attempt}${http}: ${r.message}\n`;
}

/** "2 delivered, 1 retrying in 0.31 s": only the outcomes that occurred. */
export function renderSummary(report: DeliveryReport, elapsedMs: number): string {
  const parts = DELIVERY_OUTCOMES.filter((o) => report.counts[o] > 0).map((o) => `${report.counts[o]} ${o}`);
  const seconds = (elapsedMs / 1000).toFixed(2);
  const body = parts.length === 0 ? "nothing to deliver" : parts.join(", ");
  return `handoffs: ${body} in ${seconds} s\n`;
}

export function renderHandoffList(items: readonly HandoffState[], total: number): string {
  if (items.length === 0) return "No handoffs.\n";
  const lines = items.map((h) => {
    const last = h.attempts.at(-1);
    const lastText =
      last === undefined
        ? "no attempt yet"
        : `attempt ${last.attempt}${last.outcome === undefined ? " (outcome unknown)" : ` ${last.outcome}`}` +
          `${last.httpStatus === undefined ? "" : ` HTTP ${last.httpStatus}`}` +
          `${last.error === undefined ? "" : ` (${last.error})`}`;
    const next = h.nextAttemptAt === undefined ? "" : `, next at ${h.nextAttemptAt}`;
    return `${h.status.padEnd(10)} ${h.id} ${h.ticketId} ${h.team} ${h.kind} ${h.channel}: ${lastText}${next}\n`;
  });
  const more = total > items.length ? `(${items.length} of ${total})\n` : "";
  return lines.join("") + more;
}
