// Query expansion for knowledge search: a short list of phrases that mean the same thing in
// support conversations, so "charged twice" finds an article about duplicate charges and "site is
// down" finds the outage runbook. Rules of the list:
//  - each group names one situation; a query that contains any phrase of a group also searches
//    for the other phrases, at EXPANSION_WEIGHT of a query word (the user's own words always
//    count fully);
//  - phrases match whole words in order (after folding and stemming), so "sign in" does not fire
//    on "signing secret";
//  - it stays small. IDF and stemming do the general work; this only bridges vocabulary gaps
//    that stemming cannot.

export const EXPANSION_WEIGHT = 0.5;

export const ALIAS_GROUPS: ReadonlyArray<readonly string[]> = [
  // Service unavailable.
  ["outage", "down", "unavailable", "503", "5xx", "service disruption"],
  // Paying twice.
  [
    "charged twice",
    "billed twice",
    "double charge",
    "double charged",
    "duplicate charge",
    "duplicate payment",
  ],
  ["refund", "reimburse", "money back"],
  // Getting in.
  ["login", "log in", "sign in", "signin", "sign on"],
  ["2fa", "mfa", "two factor", "multi factor"],
  ["password reset", "forgot password", "reset password"],
  // Webhook authenticity.
  ["signature", "hmac"],
  ["webhook", "callback"],
  // HTTP status words.
  ["429", "rate limit", "throttled", "too many requests"],
  ["401", "unauthorized"],
  ["403", "forbidden"],
  ["slow", "latency", "sluggish", "performance"],
  ["timeout", "timed out"],
  // Secrets in the wrong place.
  ["leaked", "exposed", "exposure", "compromised"],
  ["credential", "token", "api key", "access key"],
  ["sla", "service level"],
];
