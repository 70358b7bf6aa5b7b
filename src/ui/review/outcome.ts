import { ERROR_CODE_GUIDE, type ErrorCode } from "../../domain/errors.js";
import type { AuditEvent, Ticket } from "../../domain/schemas.js";
import { html, type Html } from "./html.js";

// What came of a decision, as HTML: the new revision and the audit event, or the refusal and
// what to do next. The same for the card and the desk.

type EventView = Pick<AuditEvent, "seq" | "action" | "channel" | "changes">;

export type DecisionView =
  | {
      readonly kind: "approved";
      readonly ticket: Pick<Ticket, "id" | "revision">;
      readonly auditEvent: EventView;
    }
  | { readonly kind: "rejected"; readonly ticketId: string; readonly auditEvent: EventView }
  | { readonly kind: "refused"; readonly code: string; readonly message: string };

function channelText(channel: EventView["channel"]): string {
  if (channel === undefined) return "";
  const client = channel.client === undefined ? "" : ` (${channel.client.name} ${channel.client.version})`;
  return ` · channel ${channel.type}${client}`;
}

function audit(event: EventView): Html {
  return html`<p class="rc-audit">
    Audit event #${event.seq} · ${event.action}${channelText(event.channel)}
  </p>`;
}

/** What to do after a refusal: the code's guide, when the code is one of ours. */
function nextStep(code: string): string | undefined {
  return Object.hasOwn(ERROR_CODE_GUIDE, code) ? ERROR_CODE_GUIDE[code as ErrorCode].next : undefined;
}

/** A decision's outcome as escaped HTML. */
export function renderDecision(view: DecisionView): string {
  switch (view.kind) {
    case "approved": {
      const fields = (view.auditEvent.changes ?? []).map((c) => c.field);
      return html`<div class="rc-outcome rc-ok">
        <p><strong>Approved.</strong> ${view.ticket.id} is now at revision ${view.ticket.revision}.</p>
        <p>Applied: ${fields.length === 0 ? "no field changed" : fields.join(", ")}.</p>
        ${audit(view.auditEvent)}
      </div>`.value;
    }
    case "rejected":
      return html`<div class="rc-outcome rc-warn">
        <p>
          <strong>Rejected.</strong> ${view.ticketId} is unchanged; the feedback is recorded for the next
          recommendation.
        </p>
        ${audit(view.auditEvent)}
      </div>`.value;
    case "refused": {
      const next = nextStep(view.code);
      return html`<div class="rc-outcome rc-danger" role="alert">
        <p><strong>${view.code}</strong>: ${view.message}</p>
        ${next === undefined ? "" : html`<p><span class="rc-muted">What to do next:</span> ${next}</p>`}
      </div>`.value;
    }
  }
}
