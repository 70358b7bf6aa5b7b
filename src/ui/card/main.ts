import {
  App,
  applyDocumentTheme,
  applyHostStyleVariables,
  type McpUiHostContext,
} from "@modelcontextprotocol/ext-apps";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { REVIEW_CARD, type ReviewCardData } from "../../domain/review-card.js";
import { FORM_DATA, renderDecision, renderReviewForm, type DecisionView } from "../review/index.js";

// The review card's script: it shows the review packet the server sent with a presenting tool
// result, and maps the reviewer's ticks and buttons to one call of the card's decision tool,
// with the card token that came with the packet. All markup comes from ../review (escaped in
// one place); this file only wires events and places that markup.

const root = document.getElementById("card") as HTMLElement;
const app = new App({ name: "support-triage review card", version: "1" }, {}, { autoResize: true });

/** The card on screen, and whether its token was already spent. */
let current: { data: ReviewCardData; spent: boolean } | undefined;

/** What the reviewer typed and ticked, kept when the card is shown again. */
interface Entered {
  readonly fields: readonly string[];
  readonly reviewer: string;
  readonly feedback: string;
  readonly draft: string | undefined;
}

function isCardData(value: unknown): value is ReviewCardData {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<ReviewCardData>;
  return (
    typeof v.token === "string" &&
    typeof v.packet?.recommendationId === "string" &&
    Array.isArray(v.packet.fields)
  );
}

function cardDataOf(result: CallToolResult): ReviewCardData | undefined {
  const data = result._meta?.[REVIEW_CARD.metaKey];
  return isCardData(data) ? data : undefined;
}

/** A tool error's `CODE: message` text as a refusal. */
function refusalOf(result: CallToolResult): DecisionView {
  const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(text);
  return m === null
    ? { kind: "refused", code: "ERROR", message: text }
    : { kind: "refused", code: m[1] ?? "ERROR", message: m[2] ?? "" };
}

function form(): HTMLFormElement | null {
  return root.querySelector("form.rc");
}

function statusBox(): HTMLElement | null {
  return root.querySelector(".rc-status");
}

function control<T extends Element>(name: string): T | null {
  return form()?.querySelector<T>(`[name="${name}"]`) ?? null;
}

function entered(): Entered | undefined {
  const f = form();
  if (f === null) return undefined;
  const data = new FormData(f);
  const draft = control<HTMLTextAreaElement>("draftReply");
  const text = (value: FormDataEntryValue | null) => (typeof value === "string" ? value : "");
  return {
    fields: data.getAll("field").map(text),
    reviewer: text(data.get("reviewer")),
    feedback: text(data.get("feedback")),
    draft: draft === null || draft.value === draft.defaultValue ? undefined : draft.value,
  };
}

function restore(keep: Entered): void {
  for (const box of root.querySelectorAll<HTMLInputElement>('input[name="field"]')) {
    box.checked = !box.disabled && keep.fields.includes(box.value);
  }
  const feedback = control<HTMLTextAreaElement>("feedback");
  if (feedback !== null && !feedback.disabled) feedback.value = keep.feedback;
  const draft = control<HTMLTextAreaElement>("draftReply");
  if (draft !== null && !draft.disabled && keep.draft !== undefined) draft.value = keep.draft;
}

function say(markup: string): void {
  const box = statusBox();
  if (box !== null) box.innerHTML = markup;
}

function sayText(text: string): void {
  const box = statusBox();
  if (box === null) return;
  const p = document.createElement("p");
  p.className = "rc-hint";
  p.textContent = text;
  box.replaceChildren(p);
}

function setBusy(busy: boolean): void {
  for (const el of form()?.querySelectorAll<HTMLButtonElement | HTMLInputElement | HTMLTextAreaElement>(
    "button, input, textarea",
  ) ?? []) {
    if (busy) {
      el.dataset.wasDisabled = String(el.disabled);
      el.disabled = true;
    } else {
      el.disabled = el.dataset.wasDisabled === "true";
    }
  }
}

function offerReload(): void {
  const box = statusBox();
  if (box === null || current === undefined) return;
  const again = document.createElement("button");
  again.type = "button";
  again.className = "rc-secondary";
  again.textContent = "Show the card again";
  again.addEventListener("click", () => void reload());
  const actions = document.createElement("div");
  actions.className = "rc-actions";
  actions.append(again);
  box.append(actions);
}

function show(data: ReviewCardData, keep?: Entered): void {
  current = { data, spent: false };
  root.innerHTML = renderReviewForm(data.packet, keep === undefined ? {} : { reviewer: keep.reviewer });
  if (keep !== undefined) restore(keep);
  const f = form();
  // The buttons act on click: hosts may sandbox the card without allow-forms, where a form's
  // submit event never fires; and pressing Enter in a field must not decide anything.
  f?.addEventListener("submit", (event) => event.preventDefault());
  for (const button of f?.querySelectorAll<HTMLButtonElement>('button[name="decision"]') ?? []) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      void decide(button.value === "reject" ? "reject" : "approve");
    });
  }
}

/** A fresh card (and token) for the same recommendation, through the host (button-driven only). */
async function reload(): Promise<void> {
  if (current === undefined) return;
  const keep = entered();
  const recommendationId = current.data.packet.recommendationId;
  sayText("Loading the card again…");
  try {
    const result = await app.callServerTool({
      name: REVIEW_CARD.reviewTool,
      arguments: { recommendationId },
    });
    const data = cardDataOf(result);
    if (result.isError === true || data === undefined) {
      say(renderDecision(refusalOf(result)));
      return;
    }
    show(data, keep);
    sayText(`Card shown again at revision ${data.packet.ticket.revision}.`);
  } catch (error) {
    sayText(`The card could not be loaded again (${describe(error)}).`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function invalid(name: string, message: string): void {
  const el = control<HTMLInputElement | HTMLTextAreaElement>(name);
  el?.setAttribute("aria-invalid", "true");
  sayText(message);
  el?.focus();
}

async function decide(decision: "approve" | "reject"): Promise<void> {
  const f = form();
  if (f === null || current === undefined || current.spent) return;
  for (const el of f.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const input = entered();
  if (input === undefined) return;
  const reviewer = input.reviewer.trim();
  const feedback = input.feedback.trim();
  if (reviewer === "")
    return invalid("reviewer", "Enter your name as the reviewer: it is recorded in the audit log.");
  if (decision === "approve" && input.fields.length === 0) {
    return invalid("field", "Tick at least one field to approve, or reject with feedback.");
  }
  if (decision === "reject" && feedback === "") {
    return invalid(
      "feedback",
      "Write feedback to reject: it tells the next recommendation what to do better.",
    );
  }
  const { packet, token } = current.data;
  const editsReply =
    decision === "approve" && input.draft !== undefined && input.fields.includes("customerResponse");
  const args = {
    recommendationId: f.getAttribute(FORM_DATA.recommendationId) ?? packet.recommendationId,
    ticketId: f.getAttribute(FORM_DATA.ticketId) ?? packet.ticket.id,
    expectedRevision: Number(f.getAttribute(FORM_DATA.revision) ?? packet.ticket.revision),
    decision,
    approvedFields: decision === "approve" ? input.fields : [],
    actor: reviewer,
    ...(decision === "reject" ? { feedback } : {}),
    ...(editsReply ? { editedCustomerResponse: input.draft } : {}),
    cardToken: token,
  };
  current.spent = true;
  setBusy(true);
  sayText("Sending your decision…");
  let result: CallToolResult;
  try {
    result = await app.callServerTool({ name: REVIEW_CARD.decideTool, arguments: args });
  } catch (error) {
    sayText(
      `The decision could not be sent (${describe(error)}). Show the card again to see where the recommendation stands.`,
    );
    offerReload();
    return;
  }
  if (result.isError === true) {
    say(renderDecision(refusalOf(result)));
    offerReload();
    return;
  }
  const outcome = result.structuredContent as
    | { outcome: "approved"; ticket: { id: string; revision: number }; auditEvent: DecisionEventView }
    | { outcome: "rejected"; auditEvent: DecisionEventView };
  const view: DecisionView =
    outcome.outcome === "approved"
      ? { kind: "approved", ticket: outcome.ticket, auditEvent: outcome.auditEvent }
      : { kind: "rejected", ticketId: packet.ticket.id, auditEvent: outcome.auditEvent };
  say(renderDecision(view));
  void tellTheModel(view, packet.recommendationId);
}

type DecisionEventView = Extract<DecisionView, { kind: "approved" }>["auditEvent"];

/** The outcome, for the model's next turn, where the host accepts context from views. */
async function tellTheModel(view: DecisionView, recommendationId: string): Promise<void> {
  if (app.getHostCapabilities()?.updateModelContext === undefined) return;
  const text =
    view.kind === "approved"
      ? `The reviewer approved ${(view.auditEvent.changes ?? []).map((c) => c.field).join(", ")} of recommendation ` +
        `${recommendationId} in the review card: ${view.ticket.id} is now at revision ${view.ticket.revision} (audit event #${view.auditEvent.seq}).`
      : view.kind === "rejected"
        ? `The reviewer rejected recommendation ${recommendationId} in the review card (audit event #${view.auditEvent.seq}).`
        : "";
  if (text === "") return;
  try {
    await app.updateModelContext({ content: [{ type: "text", text }] });
  } catch {
    // The host declined; the outcome is in the audit log either way.
  }
}

function applyContext(context: McpUiHostContext | undefined): void {
  if (context?.theme !== undefined) applyDocumentTheme(context.theme);
  if (context?.styles?.variables !== undefined) applyHostStyleVariables(context.styles.variables);
}

app.ontoolresult = (result) => {
  const data = cardDataOf(result);
  if (data !== undefined) {
    show(data);
    return;
  }
  if (result.isError === true) {
    root.innerHTML = renderDecision(refusalOf(result));
    return;
  }
  root.textContent = "This result carries no review card (was the card opened by another tool?).";
};
app.ontoolcancelled = () => {
  root.textContent = "The tool call was cancelled: there is nothing to review.";
};
app.onhostcontextchanged = (context) => applyContext(context);

void app.connect().then(() => applyContext(app.getHostContext()));
