import { secretCategory, secretStrength } from "../secrets/index.js";
import {
  IN_SENTENCE,
  fieldMatches,
  fieldTest,
  matches,
  patternHits,
  re,
  type Detector,
  type Hit,
} from "./match.js";
import { isHypothetical, isNegated, sentenceEnd, sentenceStart, type FieldContext } from "./text.js";

// Security evidence a reviewer would act on. Each rule needs the event, not the topic: "rotate
// the signing secret" is a how-to, "the CI log printed the signing secret" is an exposure.

/** Reported, not negated ("was not leaked") and not supposed ("what if a key leaks"). */
function reported(ctx: FieldContext, triggerStart: number, matchStart = triggerStart): boolean {
  return !isNegated(ctx, triggerStart) && !isNegated(ctx, matchStart) && !isHypothetical(ctx, matchStart);
}

// --- secrets pasted into the ticket ------------------------------------------------------------------

// A card number is masked and refused like a secret but says nothing about a breach: a customer
// quoting the card they were charged on is a billing ticket.
function secretsInText(ctx: FieldContext): Hit[] {
  return ctx.secrets
    .filter((s) => secretCategory(s.kind) === "credential")
    .map((s) => ({
      rule: secretStrength(s.kind) === "strong" ? "security.key-in-text" : "security.credential-in-text",
      start: s.start,
      end: s.end,
      original: true,
    }));
}

// --- credential exposure (sentence level) ---------------------------------------------------------------

const CREDENTIAL =
  /\b(?:(?:api|access|secret|private|signing|ssh|deploy|deployment|production|prod|live|webhook|service[- ]account|gpg|pgp|encryption|license|admin|root|database|db|aws|oauth|client|bearer|session|master|personal access)[ -]?)?(?:keys?|tokens?|credentials?|creds|secrets?|passwords?|passphrases?)\b(?!\s(?:scanning|scanner|manager|management|vault|rotation|reset))|\.env\b|\benv(?:ironment)? (?:file|variables|vars)\b/g;
const STRONG_EXPOSURE =
  /\b(?:leak(?:ed|s|ing)?|exposed|exposure|compromised|stolen|committed|made public|publicly (?:visible|accessible|available|exposed|readable))\b/g;
const PUBLIC_PLACE =
  /\b(?:public(?:ly)?|open[- ]source|pastebin|gists?|stack ?overflow|forums?|discord|reddit|twitter|tweet(?:ed)?|linkedin|youtube|live ?stream|social media|community|blog|online|world-readable|anyone (?:can|could) see)\b/;
const PLACEMENT =
  /\b(?:pushed|pasted|posted|printed|echoed|uploaded|shared|published|visible|showed|shows|displayed|contained|contains|included|ended up|appeared|dumped|logged|found|discovered|spotted)\b/g;
// "the token was in a public repo": being somewhere public is itself the placement.
const IN_PUBLIC =
  /\b(?:was|were|is|are|been|sat|sitting|left|ended up|stayed)\s(?:in|on)\s(?:a|an|the|our|their)\s(?:public|open-source)\b/g;
const NEAR = 150;

function credentialExposure(ctx: FieldContext): Hit[] {
  const hits: Hit[] = [];
  const done = new Set<number>();
  for (const noun of fieldMatches(ctx, CREDENTIAL, 2000)) {
    const sStart = sentenceStart(ctx, noun.index);
    if (done.has(sStart)) continue;
    const sEnd = sentenceEnd(ctx, noun.index);
    const from = Math.max(sStart, noun.index - NEAR);
    const to = Math.min(sEnd, noun.index + noun[0].length + NEAR);
    const window = ctx.text.slice(from, to);
    const triggers = matches(STRONG_EXPOSURE, window);
    if (PUBLIC_PLACE.test(window))
      triggers.push(...matches(PLACEMENT, window), ...matches(IN_PUBLIC, window));
    const trigger = triggers.find((t) => reported(ctx, from + t.index, Math.min(noun.index, from + t.index)));
    if (trigger === undefined) continue;
    done.add(sStart);
    const t = from + trigger.index;
    hits.push({
      rule: "security.credential-exposure",
      start: Math.min(noun.index, t),
      end: Math.max(noun.index + noun[0].length, t + trigger[0].length),
    });
  }
  return hits;
}

// --- unexpected admin ---------------------------------------------------------------------------------

const PRIVILEGED = String.raw`(?:admin(?:istrator)?s?|owners?|super\s?admins?|superusers?|root)`;
const NOT_A_SURFACE = String.raw`(?!\s(?:panel|page|console|dashboard|settings|ui|area|portal|menu|screen|view|cent(?:er|re)|api|tool|mode|guide|docs?)\b)`;
const UNEXPECTED = String.raw`(?:unknown|unexpected|unauthori[sz]ed|unrecogni[sz]ed|unfamiliar|strange|suspicious|rogue|mysterious|unidentified|foreign)`;
// "we don't know what was configured" is not disowning anyone: the object must be the account.
const DISOWNED = String.raw`(?:(?:we|i)\s(?:don't|do\snot|didn't|did\snot|never|can't|cannot)\s(?:know|recogni[sz]e|create|add|invite|authori[sz]e)\b(?!\s(?:what|how|why|when|where|if|whether|which|about)\b)|(?:nobody|no\sone|none\sof\sus)\s(?:here\s)?(?:knows|recogni[sz]es|created|added|invited|authori[sz]ed)|not\screated\sby\s(?:us|me|anyone)|that\s(?:(?:we|i)\s(?:did\snot|didn't|never)\s(?:make|do|authori[sz]e|approve|request|recogni[sz]e)|(?:nobody|no\sone)\s(?:made|did|authori[sz]ed|approved|requested|recogni[sz]es)))`;

const UNEXPECTED_ADMIN = [
  // "Unknown owner-level user", "an unauthorised admin account".
  re(
    String.raw`\b${UNEXPECTED}\s(?:new\s)?(?:(?:user|account|member)s?\s(?:with|having|holding)\s(?:the\s|an?\s)?${PRIVILEGED}|${PRIVILEGED}(?:[\s-](?:level|role|rights|access|privileges?|permissions?))?)\b${NOT_A_SURFACE}`,
  ),
  // "a user with the Owner role ... None of us created it".
  re(
    String.raw`\b(?:with|has|have|got|gained|given|granted|assigned)\s(?:the\s|an?\s)?${PRIVILEGED}\s(?:role|rights|access|privileges|permissions)\b[^\n]{0,100}?\b${DISOWNED}`,
  ),
  // "an owner we don't know", "admin account ... that none of us created".
  re(String.raw`\b${PRIVILEGED}\b${NOT_A_SURFACE}[^.!?\n]{0,60}?\b${DISOWNED}`),
  // "A user we don't recognize has owner rights".
  re(
    String.raw`\b(?:user|account|member|person|someone|somebody)\s${DISOWNED}\b[^.!?\n]{0,40}?\b(?:has|have|with|holds?|got|gained)\s(?:the\s|an?\s)?${PRIVILEGED}\b`,
  ),
  // "someone promoted an unknown user to owner".
  re(
    String.raw`\b(?:someone|somebody|an?\s(?:unknown|outside)\s(?:person|user|party|attacker))\s(?:has\s)?(?:promoted|elevated|made|added|granted|gave|invited)\b[^.!?\n]{0,50}?\b(?:to|as)\s(?:an?\s)?${PRIVILEGED}\b`,
  ),
  // "a role change to Owner that we did not make".
  re(
    String.raw`\b(?:role|permission)s?\s(?:change|changes|upgrade|elevation)\sto\s${PRIVILEGED}\b[^.!?\n]{0,40}?${DISOWNED}`,
  ),
  // "role was changed to admin without our knowledge".
  re(
    String.raw`\b(?:role|permissions?|access\slevel)s?\s(?:was|were|has\sbeen|have\sbeen|got)\s(?:changed|elevated|upgraded|escalated|set)\sto\s${PRIVILEGED}\b[^.!?\n]{0,60}?\b(?:without|not\sby|nobody|no\sone|we\sdidn't|we\sdid\snot|unauthori[sz]ed)`,
  ),
  re(String.raw`\bprivilege\sescalation\b`),
];

// --- account takeover ---------------------------------------------------------------------------------

const ACCOUNT_DETAIL = String.raw`(?:password|e-?mail(?:\saddress)?|login\se-?mail|phone(?:\snumber)?|recovery\s(?:e-?mail|phone|codes?)|mfa(?:\sdevice|\smethod|\ssettings)?|2fa(?:\sdevice)?|two-factor(?:\sdevice|\ssettings)?|authenticator(?:\sapp)?|security\squestions?|payout\s(?:details|account|settings)|bank\s(?:details|account))`;
const NOT_BY_THEM = String.raw`(?:not\sby\s(?:me|us|her|him|them|anyone\shere|the\suser)|without\s(?:my|our|her|his|their|anyone's)\s(?:knowledge|consent|permission|request|approval|action)|(?:i|we|she|he|they)\s(?:didn't|did\snot|never)\s(?:do|did|done|request|change|ask|reset|make|made|authori[sz]e|turn)|did\sneither|nobody\s(?:here\s)?(?:requested|changed|did)|by\ssomeone\selse|unrequested|to\san?\s(?:address|e-?mail|number|phone)\s(?:we|i|she|he|they)\s(?:don't|do\snot)\s(?:own|recogni[sz]e|know|control))`;

const TAKEOVER = [
  re(
    String.raw`\b${ACCOUNT_DETAIL}\b[^.!?\n]{0,40}?\b(?:was|were|has\sbeen|have\sbeen|got|had\sbeen)\s(?:changed|reset|replaced|removed|disabled|turned\soff|updated|swapped)\b[^\n]{0,80}?\b${NOT_BY_THEM}`,
  ),
  // "last sign-in came from an IP address in another country".
  re(
    String.raw`\b(?:sign-?ins?|log-?ins?|logins?|sessions?|accessed|logged\sin|signed\sin)\b[^.!?\n]{0,60}?\bfrom\s(?:an?\s|some\s)?(?:(?:unknown|unrecogni[sz]ed|unfamiliar|foreign|suspicious|strange)\s(?:ip(?:\saddress)?|location|device|country|city|browser|region)s?\b|(?:ip(?:\saddress)?\s)?in\s(?:another|a\sforeign|a\sdifferent|an\sunknown)\scountry\b)`,
  ),
  // "our account was hacked", "someone logged into her account".
  re(
    String.raw`\b(?:my|our|her|his|their|the|an?)\s[a-z' -]{0,30}?\baccounts?\s(?:was|were|has\sbeen|have\sbeen|got|is|are|being)\s(?:hacked|compromised|taken\sover|hijacked|breached|accessed\sby\ssomeone\selse)\b`,
  ),
  re(
    String.raw`\bsomeone\s(?:else\s)?(?:has\s)?(?:logged|signed|got|broke)\sin(?:to)?\s(?:my|our|her|his|their)\b`,
  ),
  // "someone changed my password".
  re(
    String.raw`\bsomeone\s(?:else\s)?(?:has\s)?(?:changed|reset|replaced|removed|disabled|turned\soff)\s(?:my|our|her|his|their)\s${ACCOUNT_DETAIL}\b`,
  ),
  re(String.raw`\baccount\stake-?over\b`),
  // "My account email is now someone else's address".
  re(
    String.raw`\b${ACCOUNT_DETAIL}\s(?:is|was)\s(?:now\s)?(?:changed\sto\s|set\sto\s)?(?:someone\selse's|a\sstranger's|an?\s(?:unknown|unfamiliar|foreign)\s(?:address|number|e-?mail|device))`,
  ),
  // "Somebody accessed our workspace from an IP in Brazil".
  re(
    String.raw`\b(?:someone|somebody|an?\s(?:unknown|unauthori[sz]ed)\s(?:person|user|party))\s(?:else\s)?(?:has\s)?(?:accessed|logged\sinto|signed\sinto|logged\sin\sto|got\sinto|broke\sinto|used)\s(?:our|my|her|his|their)\s(?:account|workspace|admin|dashboard|login)\b`,
  ),
  // "an MFA reset we did not request".
  re(
    String.raw`\b(?:mfa|2fa|two-factor|password)\sreset\b[^.!?\n]{0,40}?\b(?:(?:i|we|she|he|they)\s(?:didn't|did\snot|never)\s(?:request|ask\sfor|initiate)|not\srequested|unrequested|nobody\srequested)`,
  ),
];

const SUSPICIOUS_LOGIN = [
  // "our former contractor still has the admin password", "an ex-employee logged in".
  re(
    String.raw`\b(?:former|ex-?|previous|fired|departed|old)\s(?:employees?|contractors?|colleagues?|admins?|staff|members?|agency|developers?|freelancers?)\b[^.!?\n]{0,60}?\b(?:still\s(?:has|have|had|uses?|can)|logged\sin|signed\sin|accessed|used\s(?:the|our|his|her|their))\b`,
  ),
  re(
    String.raw`\b(?:suspicious|unusual|unrecogni[sz]ed|unknown|unauthori[sz]ed)\s(?:log-?ins?|sign-?ins?|logins?|login\sattempts?|sign-in\sattempts?|activity|access|sessions?)\b`,
  ),
];

// --- phishing -------------------------------------------------------------------------------------------

const PHISHING = [
  // "Phishing email using your logo", 'Fake "verify payment" email'; not "flagged as phishing".
  re(
    String.raw`(?<!\b(?:as|as\sa|as\san|like|like\sa)\s)\b(?:phishing|phish|spoofed|spoofing|impersonating|impersonation|fraudulent|scam|fake|look-?alike|counterfeit|bogus|suspicious)\b[a-z "'-]{0,25}?\b(?:e-?mails?|messages?|sites?|websites?|pages?|domains?|links?|sms|texts?|invoices?|notices?|notifications?|campaigns?|senders?|urls?)\b(?!\saddress|\saccount|\sfor\s(?:test|demo|our\stest)|\sin\s(?:staging|test|our\stest|dev))`,
  ),
  re(
    String.raw`\b(?:pretend(?:ing|s|ed)?\sto\sbe|claim(?:ing|s|ed)?\sto\sbe|purport(?:ing|s|ed)?\sto\sbe|posing\sas|masquerading\sas|impersonat(?:ing|es|ed))\s(?:from\s)?(?:you|your|yours|us)\b`,
  ),
  // "The sender was ... and it used your logo".
  re(
    String.raw`\b(?:e-?mail|message|page|site|website|sender|sms|text|link)\b[^.!?\n]{0,60}?\b(?:used|uses|using|had|has|copied|copies|showed|shows)\syour\s(?:logo|brand(?:ing)?|colou?rs|email\stemplate|login\spage|sign-?in\spage)\b`,
  ),
  // "looks exactly like your sign-in page".
  re(
    String.raw`\blooks?\s(?:exactly\s|just\s|almost\s)?(?:like|identical\sto)\s(?:your|the\sreal|the\sofficial)\s(?:sign-?in|log-?in|login|billing|payment|password\sreset|mfa|sso)\s(?:page|site|screen|portal|form|e-?mail)\b`,
  ),
  // "Is this you?", "is it real?".
  re(
    String.raw`\b(?:is|was)\s(?:this|that|it)\s(?:really\s|actually\s|truly\s)?(?:you|from\syou|from\syour\s(?:team|company)|real|legit|legitimate|genuine|authentic)\s?\?`,
  ),
  // "confirm it is fake", "check whether this email is really from you".
  re(
    String.raw`\b(?:confirm|check|tell\sus|verify)\s(?:if\s|whether\s|that\s)?(?:it|this|that|the\s(?:site|e-?mail|domain|page|message))\s(?:is|was)\s(?:fake|a\sfake|phishing|a\sscam|fraudulent|not\s(?:yours|you|from\syou|real|legit))\b`,
  ),
  re(String.raw`\b(?:want|get|have|need)\s(?:it|the\ssite|the\sdomain|the\spage|them)\staken\sdown\b`),
  // "an SMS that looks like it's from you".
  re(
    String.raw`\b(?:e-?mails?|sms|texts?|messages?|calls?|letters?)\b[^.!?\n]{0,40}?\b(?:looks?|seems?|appears?|claim(?:s|ing)?|pretend(?:s|ing)?)\s(?:like\s|to\sbe\s)?(?:it's\s|it\sis\s)?(?:from|sent\sby)\s(?:you|your)\b`,
  ),
];

const CREDENTIALS_ENTERED =
  /\b(?:typed|entered|submitted|gave away|put in|filled in|input)\b[^.!?\n]{0,20}?\b(?:passwords?|credentials|login details|card details|card number|mfa code|2fa code|one-time code|otp|recovery codes?)\b/g;
const PHISHING_CONTEXT =
  /\b(?:clicked (?:on )?(?:a|the|that|this) link|phishing|fake|spoof\w*|scam|look-?alike|impersonat\w*)\b/;

function phishing(ctx: FieldContext): Hit[] {
  const hits = patternHits(ctx, "security.phishing", PHISHING, (m) => reported(ctx, m.index));
  if (hits.length > 0 || fieldTest(ctx, PHISHING_CONTEXT)) {
    for (const m of fieldMatches(ctx, CREDENTIALS_ENTERED)) {
      if (reported(ctx, m.index)) {
        hits.push({
          rule: "security.phishing-credentials-entered",
          start: m.index,
          end: m.index + m[0].length,
        });
      }
    }
  }
  return hits;
}

// --- privilege requests that route around verification (ticket level) ------------------------------------

const PRIVILEGE_REQUEST = re(
  String.raw`\b(?:add|make|grant|give|promote|upgrade|invite)\b${IN_SENTENCE}{0,80}?\b(?:as\s|to\s)?(?:an?\s)?(?:owner|admin|administrator|super\s?admin|superuser)\b`,
);
const CANNOT_VERIFY = re(
  String.raw`\b(?:owner|admin|administrator|account\sholder|manager|ceo|cfo)\b${IN_SENTENCE}{0,60}?\b(?:(?:cannot|can't|can\snot|is\sunable\sto|isn't\sable\sto|is\snot\sable\sto|won't\sbe\sable\sto|is\snot\savailable\sto|isn't\savailable\sto)\s(?:confirm|verify|approve|respond|be\sreached)|is\s(?:travell?ing|on\s(?:leave|holiday|vacation)|unreachable|out\sof\soffice)\b)`,
);

/** Needs the request in one field and the "cannot confirm" in either. */
export function unverifiedPrivilegeRequest(fields: readonly FieldContext[]): Map<FieldContext, Hit[]> {
  const out = new Map<FieldContext, Hit[]>();
  if (!fields.some((f) => fieldMatches(f, PRIVILEGE_REQUEST, 1).length > 0)) return out;
  for (const f of fields) {
    const hits = patternHits(f, "security.unverified-privilege-request", [CANNOT_VERIFY]);
    if (hits.length > 0) out.set(f, hits);
  }
  return out;
}

export const SECURITY_DETECTORS: readonly Detector[] = [
  secretsInText,
  credentialExposure,
  (ctx) => patternHits(ctx, "security.unexpected-admin", UNEXPECTED_ADMIN, (m) => reported(ctx, m.index)),
  (ctx) => patternHits(ctx, "security.account-takeover", TAKEOVER, (m) => reported(ctx, m.index)),
  (ctx) => patternHits(ctx, "security.suspicious-login", SUSPICIOUS_LOGIN, (m) => reported(ctx, m.index)),
  phishing,
];
