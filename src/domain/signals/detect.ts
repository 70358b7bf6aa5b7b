import type { Risk } from "../enums.js";
import { findSecrets } from "../secrets/index.js";
import { HIJACK_DETECTORS } from "./hijack.js";
import { INJECTION_DETECTORS } from "./injection.js";
import type { Detector, Hit } from "./match.js";
import { OUTAGE_DETECTORS } from "./outage.js";
import { maxRisk } from "./risk.js";
import { signalRule } from "./rules.js";
import { SECURITY_DETECTORS, unverifiedPrivilegeRequest } from "./security.js";
import { excerpt, fieldContext, originalSpan, type FieldContext } from "./text.js";
import { SIGNAL_FIELDS, type Signal, type SignalInput } from "./types.js";

const DETECTORS: readonly Detector[] = [
  ...SECURITY_DETECTORS,
  ...OUTAGE_DETECTORS,
  ...INJECTION_DETECTORS,
  ...HIJACK_DETECTORS,
];

// Bounded output: a pasted log with a thousand 502 lines is one finding, not a thousand.
const MAX_PER_RULE_AND_FIELD = 5;
const MAX_SIGNALS = 100;

function toSignal(ctx: FieldContext, hit: Hit): Signal {
  const [start, end] = hit.original === true ? [hit.start, hit.end] : originalSpan(ctx, hit.start, hit.end);
  const rule = signalRule(hit.rule);
  return {
    rule: rule.id,
    kind: rule.kind,
    field: ctx.field,
    span: { start, end, text: excerpt(ctx.original, start, end, ctx.secrets) },
    ...(rule.floor === undefined ? {} : { floor: rule.floor }),
  };
}

/** Keeps the first of overlapping findings of one rule, and at most a few per rule. */
function dedupe(signals: readonly Signal[]): Signal[] {
  const kept: Signal[] = [];
  const perRule = new Map<string, number>();
  for (const s of signals) {
    const key = `${s.field}\u0000${s.rule}`;
    const n = perRule.get(key) ?? 0;
    if (n >= MAX_PER_RULE_AND_FIELD) continue;
    const overlaps = kept.some(
      (k) =>
        k.field === s.field && k.rule === s.rule && s.span.start < k.span.end && k.span.start < s.span.end,
    );
    if (overlaps) continue;
    kept.push(s);
    perRule.set(key, n + 1);
  }
  return kept;
}

function compareSignals(a: Signal, b: Signal): number {
  return (
    SIGNAL_FIELDS.indexOf(a.field) - SIGNAL_FIELDS.indexOf(b.field) ||
    a.span.start - b.span.start ||
    a.span.end - b.span.end ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}

/**
 * Evidence in a ticket's subject and description, sorted by field, then position. Pure and
 * deterministic: the same text always yields the same signals. Spans are offsets in the
 * original field; excerpts never contain a secret.
 */
export function detectSignals(ticket: SignalInput): Signal[] {
  const fields = SIGNAL_FIELDS.map((f) => {
    const text = typeof ticket[f] === "string" ? ticket[f] : "";
    return fieldContext(f, text, findSecrets(text));
  });
  const ticketLevel = unverifiedPrivilegeRequest(fields);
  const all: Signal[] = [];
  for (const ctx of fields) {
    const hits = DETECTORS.flatMap((d) => d(ctx));
    hits.push(...(ticketLevel.get(ctx) ?? []));
    for (const h of hits) all.push(toSignal(ctx, h));
  }
  return dedupe(all.sort(compareSignals)).slice(0, MAX_SIGNALS);
}

/** The least security and outage risk the signals imply ("none" without evidence). */
export function riskFloors(signals: readonly Signal[]): { securityRisk: Risk; outageRisk: Risk } {
  const floors = (kind: Signal["kind"]) =>
    signals.filter((s) => s.kind === kind && s.floor !== undefined).map((s) => s.floor ?? "none");
  return { securityRisk: maxRisk(...floors("security")), outageRisk: maxRisk(...floors("outage")) };
}

/** True when the ticket carries instruction-like or approval-claiming text. */
export function hasInjection(signals: readonly Signal[]): boolean {
  return signals.some((s) => s.kind === "injection");
}
