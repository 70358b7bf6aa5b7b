import { fieldMatches, matches, type Detector, type Hit } from "./match.js";
import { isHypothetical, isNegated, sentenceIndex, type FieldContext } from "./text.js";

// Outage evidence needs two things near each other: a failure that is ours to fix (5xx,
// unavailable, down, timeouts, a stuck queue) and a scope beyond one user or one call (every
// request, all customers, other companies see the same). "10% of payouts fail with 500" alone is
// an API problem, not an outage.

const IMPACT = new RegExp(
  [
    // A 5xx status in an HTTP context; not "500 records" or "every 500 ms".
    String.raw`\b(?:http|status|error|code|returns?|returning|returned|with|answers?|answering|got|gets|getting|see|seeing|throws?|throwing|giving|gives)\s5\d\d\b`,
    String.raw`(?:\(|/)5\d\d\b`,
    String.raw`\b5\d\d(?:s\b|\s(?:errors?|bad|gateway|service|internal|responses?|status))`,
    String.raw`\b5xx\b`,
    String.raw`\b(?:bad\sgateway|gateway\stime-?out|service\sunavailable|internal\sserver\serror|upstream\s(?:unavailable|error|connect\serror|timeout))\b`,
    String.raw`\bunavailable\b`,
    String.raw`\b(?:is|are|was|were|went|been|goes|completely|totally|entirely|still|all|production|prod|site|service|api|platform|app|everything|dashboard|checkout|website|servers?|cluster)\sdown\b(?!\s(?:to|from|by|the|arrow|menu|list|payment)\b)`,
    String.raw`\b(?:outage|timing\sout|timed\sout|times?\sout|time-?outs?|not\sresponding|unresponsive|unreachable|connection\srefused)\b`,
    String.raw`\b(?:can't|cannot|can\snot|unable\sto)\s(?:connect|reach|access|load)\b`,
  ].join("|"),
  "g",
);

const SCOPE = new RegExp(
  [
    String.raw`\bevery\s(?:single\s)?(?:request|call|api\scall|order|endpoint|connector|integration|customer|user|merchant|region|page|transaction|payment|checkout|webhook|delivery|event|job|service|store|shop|account|attempt)s?\b`,
    String.raw`\ball\s(?:of\s)?(?:our\s|the\s|your\s|its\s|their\s)?(?:requests|calls|api\scalls|orders|endpoints|connectors|integrations|customers|users|merchants|regions|pages|transactions|payments|checkouts|webhooks|deliveries|events|jobs|services|stores|shops|accounts|traffic|staff|employees|sites|clients|devices|locations|tenants|workspaces|connections|api\straffic|production\straffic|shoppers)\b`,
    String.raw`\b(?:everyone|everybody)\b`,
    String.raw`\b(?:nobody|no\sone)\s(?:can|could|is\sable\sto)\b`,
    String.raw`\b(?:are|is|were)\sall\s(?:affected|down|failing|impacted)\b`,
    String.raw`\b(?:entire|whole)\s(?:region|platform|service|api|site|company|team|organi[sz]ation|production|cluster)\b`,
    String.raw`\bacross\s(?:all|every|the\swhole|the\sentire|multiple|several)\b`,
    String.raw`\b(?:other|several|many|multiple|two|three|four|five|dozens\sof|hundreds\sof|thousands\sof)\s(?:other\s)?(?:customers|merchants|companies|accounts|tenants|users|clients|partners|shops|stores|businesses|gyms|teams|organi[sz]ations)\b`,
    String.raw`\bpartners\susing\syour\b`,
    String.raw`\b(?:none|not\sone)\sof\sour\s(?:endpoints|users|customers|requests|calls|webhooks|stores|services|integrations|connectors)\b`,
    String.raw`\b\d{1,3},\d{3}\s(?:users|customers|merchants|stores|shops|accounts|payments|requests|calls)\b`,
    String.raw`\b(?:almost|nearly|virtually)\s(?:every|all)\b`,
    String.raw`\b100\s?%`,
  ].join("|"),
  "g",
);

const REGION_WIDE = new RegExp(
  [
    String.raw`\b(?:the\s)?(?:entire|whole)\s(?:[a-z0-9-]{2,12}\s)?region\b`,
    String.raw`\bregion-?wide\b`,
    String.raw`\bregional\soutage\b`,
    String.raw`\b(?:eu|us|apac|emea|latam|asia|europe|[a-z]{2,5}-\d)\s(?:region\s|cluster\s|data\s?cent(?:er|re)\s)?(?:is\s|are\s|seems\s|appears\s|looks\s)?(?:to\sbe\s)?(?:completely\s|totally\s|fully\s)?(?:down|unavailable|unreachable|offline)\b`,
    String.raw`\beveryone\sin\s(?:the\s)?(?:eu|us|apac|emea|latam|asia|europe|[a-z]{2,5}-\d)\b`,
    String.raw`\b(?:(?:production\s|api\s)?traffic|requests|calls|everything)\sin\s(?:the\s)?(?:eu|us|apac|emea|latam|asia|europe|[a-z]{2,5}-\d)(?:\sregion)?\s(?:is|are)\s(?:all\s)?(?:failing|down|unavailable|timing\sout|erroring)\b`,
  ].join("|"),
  "g",
);

const STUCK = new RegExp(
  [
    String.raw`\b(?:queues?|queued|backlog|deliveries|delivery|webhooks?|events?|jobs?|payouts?)\b[^.!?\n]{0,50}?\b(?:stuck|frozen|backed\sup|backing\sup|piling\sup|not\s(?:being\s)?(?:processed|delivered)|delayed\sby\s(?:more\sthan\s|over\s)?(?:\d+|an?|one|two|three|several|many)\s(?:hours?|days?)|delayed\sfor\s(?:hours|days)|no\s(?:delivery\s)?attempts)\b`,
    String.raw`\b(?:stuck|frozen)\s(?:in\s(?:the\s)?)?(?:queue|queued|pending|processing)\b`,
    String.raw`\bnone\sof\sour\s[a-z]+\s(?:has\s|have\s)?received\s(?:a\s|any\s)?(?:webhooks?|events?|deliveries)\b`,
    String.raw`\bno\s(?:webhook\s)?deliveries\ssince\b`,
  ].join("|"),
  "g",
);

// Other customers seeing the same failure: enough scope for plain "errors" or "failing".
const CROSS_CUSTOMER = new RegExp(
  [
    String.raw`\b(?:other|several|many|multiple|two|three|four|five|dozens\sof|hundreds\sof)\s(?:other\s)?(?:customers|merchants|companies|tenants|partners|businesses|gyms|organi[sz]ations)\b[^.!?\n]{0,80}?\b(?:same|too|also|as\swell)\b`,
    String.raw`\bpartners\susing\syour\b[^.!?\n]{0,60}?\bsame\b`,
  ].join("|"),
  "g",
);
const WEAK_IMPACT = /\b(?:failing|fails|failed|failures?|errors?|erroring|not\sworking|stopped\sworking)\b/g;

// A delivery pipeline stalled for hours is ours to fix even when one customer reports it.
const DELIVERY_NOUN = /\b(?:webhooks?|events?|deliver(?:y|ies)|queue[sd]?)\b/;
const LONG_DELAY =
  /\b(?:for|since|over|more\sthan|by)\s[^.!?\n]{0,20}?\b(?:hours?|days?)\b|\bsince\s(?:this\smorning|yesterday|late\smorning|last\snight)\b/;

/** Not negated ("not all requests fail") and not supposed ("what if the API is down"). */
function reported(ctx: FieldContext, pos: number): boolean {
  return !isNegated(ctx, pos, 16) && !isHypothetical(ctx, pos);
}

/** Sentence indexes holding a scope phrase. */
function scopeSentences(ctx: FieldContext): Map<number, RegExpExecArray> {
  const out = new Map<number, RegExpExecArray>();
  for (const m of fieldMatches(ctx, SCOPE, 2000)) {
    if (!reported(ctx, m.index)) continue;
    const i = sentenceIndex(ctx, m.index);
    if (!out.has(i)) out.set(i, m);
  }
  return out;
}

/** A scope in the same sentence, or failing that in the next or previous one. */
function nearbyScope(scopes: Map<number, RegExpExecArray>, sentence: number): RegExpExecArray | undefined {
  return scopes.get(sentence) ?? scopes.get(sentence + 1) ?? scopes.get(sentence - 1);
}

function spanOf(a: RegExpExecArray, b: RegExpExecArray): { start: number; end: number } {
  return { start: Math.min(a.index, b.index), end: Math.max(a.index + a[0].length, b.index + b[0].length) };
}

function outage(ctx: FieldContext): Hit[] {
  const hits: Hit[] = [];
  const scopes = scopeSentences(ctx);
  const used = new Set<number>();

  for (const m of fieldMatches(ctx, REGION_WIDE, 20)) {
    if (reported(ctx, m.index))
      hits.push({ rule: "outage.region-wide", start: m.index, end: m.index + m[0].length });
  }
  for (const m of fieldMatches(ctx, IMPACT, 2000)) {
    // The cheap checks first: most failures in a long log have no scope nearby.
    const sentence = sentenceIndex(ctx, m.index);
    if (used.has(sentence)) continue;
    const scope = nearbyScope(scopes, sentence);
    if (scope === undefined || !reported(ctx, m.index)) continue;
    used.add(sentence);
    hits.push({ rule: "outage.widespread-errors", ...spanOf(m, scope) });
  }
  for (const m of fieldMatches(ctx, CROSS_CUSTOMER, 200)) {
    const sentence = sentenceIndex(ctx, m.index);
    if (used.has(sentence) || !reported(ctx, m.index)) continue;
    const from = ctx.sentenceStarts[Math.max(0, sentence - 1)] ?? 0;
    const to = ctx.sentenceStarts[sentence + 2] ?? ctx.text.length;
    const impact = matches(WEAK_IMPACT, ctx.text.slice(from, to), 1)[0];
    if (impact === undefined) continue;
    used.add(sentence);
    const at = from + impact.index;
    hits.push({
      rule: "outage.widespread-errors",
      start: Math.min(m.index, at),
      end: Math.max(m.index + m[0].length, at + impact[0].length),
    });
  }
  const stuckUsed = new Set<number>();
  for (const m of fieldMatches(ctx, STUCK, 200)) {
    if (!reported(ctx, m.index)) continue;
    const sentence = sentenceIndex(ctx, m.index);
    if (stuckUsed.has(sentence)) continue;
    stuckUsed.add(sentence);
    const scope = nearbyScope(scopes, sentence);
    if (scope !== undefined) {
      hits.push({ rule: "outage.stuck-queue", ...spanOf(m, scope) });
      continue;
    }
    const whole = ctx.text.slice(
      ctx.sentenceStarts[sentence] ?? 0,
      ctx.sentenceStarts[sentence + 1] ?? ctx.text.length,
    );
    const persistent = DELIVERY_NOUN.test(m[0]) && LONG_DELAY.test(whole);
    hits.push({
      rule: persistent ? "outage.stuck-queue" : "outage.delivery-delay",
      start: m.index,
      end: m.index + m[0].length,
    });
  }
  return hits;
}

export const OUTAGE_DETECTORS: readonly Detector[] = [outage];
