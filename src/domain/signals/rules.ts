import type { Risk } from "../enums.js";
import type { SignalKind } from "./types.js";

/** Every rule the detectors can report, with the floor it implies and why it exists. */
export interface SignalRule {
  readonly id: string;
  readonly kind: SignalKind;
  /** The least risk this evidence implies; injection rules imply none. */
  readonly floor?: Risk;
  /** One sentence a reviewer can read next to the matched span. */
  readonly summary: string;
}

export const SIGNAL_RULES = [
  {
    id: "security.key-in-text",
    kind: "security",
    floor: "likely",
    summary:
      "The text contains a string shaped like a provider key, private key or credentialed connection string.",
  },
  {
    id: "security.credential-in-text",
    kind: "security",
    floor: "possible",
    summary: "The text contains what looks like a password, token or other credential value.",
  },
  {
    id: "security.credential-exposure",
    kind: "security",
    floor: "likely",
    summary: "A key, token, secret or password is reported leaked, committed or made public.",
  },
  {
    id: "security.unexpected-admin",
    kind: "security",
    floor: "likely",
    summary: "An administrator or owner account or role appeared that nobody at the customer created.",
  },
  {
    id: "security.account-takeover",
    kind: "security",
    floor: "likely",
    summary: "Sign-in details changed without the user, or the account was accessed from an unknown place.",
  },
  {
    id: "security.suspicious-login",
    kind: "security",
    floor: "possible",
    summary: "A suspicious sign-in, or access kept by someone who should no longer have it.",
  },
  {
    id: "security.phishing",
    kind: "security",
    floor: "possible",
    summary: "A message or site imitating the brand (phishing, spoofed sender, look-alike page).",
  },
  {
    id: "security.phishing-credentials-entered",
    kind: "security",
    floor: "likely",
    summary: "Someone entered a password, code or card details on a page the ticket reports as fake.",
  },
  {
    id: "security.unverified-privilege-request",
    kind: "security",
    floor: "possible",
    summary:
      "Owner or admin access is requested while the people who could confirm it are said to be unavailable.",
  },
  {
    id: "outage.widespread-errors",
    kind: "outage",
    floor: "likely",
    summary: "5xx errors, unavailability or timeouts reported for all requests, users or customers.",
  },
  {
    id: "outage.region-wide",
    kind: "outage",
    floor: "likely",
    summary: "A whole region is reported down or unavailable.",
  },
  {
    id: "outage.stuck-queue",
    kind: "outage",
    floor: "likely",
    summary: "Deliveries are stuck or backing up across endpoints or customers, or for hours.",
  },
  {
    id: "outage.delivery-delay",
    kind: "outage",
    floor: "possible",
    summary: "Deliveries, events or jobs are reported stuck, frozen or queued without attempts.",
  },
  {
    id: "injection.approval-claim",
    kind: "injection",
    summary: "The text claims an approval that only the review process can give.",
  },
  {
    id: "injection.skip-review",
    kind: "injection",
    summary: "The text tells the process to skip review, approval or escalation.",
  },
  {
    id: "injection.conceal-from-reviewer",
    kind: "injection",
    summary: "The text asks to hide the request or parts of it from the reviewer.",
  },
  {
    id: "injection.addressed-to-ai",
    kind: "injection",
    summary: "The text addresses an AI, assistant, model or the triage system directly.",
  },
  {
    id: "injection.role-transcript",
    kind: "injection",
    summary: 'The text imitates a chat transcript or system prompt ("SYSTEM:", "assistant:", chat markup).',
  },
  {
    id: "injection.override-instructions",
    kind: "injection",
    summary: "The text tells the reader to ignore or override its instructions, rules or policy.",
  },
  {
    id: "injection.task-switch",
    kind: "injection",
    summary:
      'The text announces a new task for the reader ("now focus on your new task", "new instructions follow").',
  },
  {
    id: "injection.persona-switch",
    kind: "injection",
    summary:
      'The text gives the reader a new persona or role to play ("act as", "pretend you are", "stay in character").',
  },
  {
    id: "injection.prompt-extraction",
    kind: "injection",
    summary: "The text asks the reader to reveal its prompt or instructions.",
  },
  {
    id: "injection.reply-manipulation",
    kind: "injection",
    summary:
      "The text dictates the reply: content to add (links, statements), a changed form (encoding, substitutions), or words to output.",
  },
  {
    id: "injection.off-task-request",
    kind: "injection",
    summary:
      "The text orders work unrelated to a support request (write a poem or essay, generate code, translate or summarise the following).",
  },
  {
    id: "injection.field-directive",
    kind: "injection",
    summary: "The text dictates triage fields (priority, risk, routing, approval state) to the process.",
  },
  {
    id: "injection.hidden-html-comment",
    kind: "injection",
    summary: "An HTML comment hides instruction-like text from anyone reading the rendered ticket.",
  },
  {
    id: "injection.invisible-characters",
    kind: "injection",
    summary: "Invisible characters split words or hide text (zero-width, bidi controls, tag characters).",
  },
] as const satisfies readonly SignalRule[];

export type SignalRuleId = (typeof SIGNAL_RULES)[number]["id"];

const BY_ID: ReadonlyMap<string, SignalRule> = new Map(SIGNAL_RULES.map((r) => [r.id, r]));

export function signalRule(id: SignalRuleId): SignalRule {
  const rule = BY_ID.get(id);
  if (rule === undefined) throw new Error(`unknown signal rule ${id}`);
  return rule;
}
