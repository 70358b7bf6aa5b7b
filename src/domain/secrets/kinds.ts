// The secret kinds: the labels findings and refusals carry, and what each one is.

import { PAYMENT_CARD } from "./cards.js";
import { PROVIDER_FORMATS, type ProviderKind } from "./providers.js";

/** Human labels of the formats written out in detectors.ts. */
const CORE_KINDS = [
  "AWS access key",
  "AWS secret access key",
  "GitHub token",
  "GitLab token",
  "Slack token",
  "Slack webhook URL",
  "Stripe-style live key",
  "Stripe-style test key",
  "live API key",
  "OpenAI-style API key",
  "Anthropic-style API key",
  "Google API key",
  "npm token",
  "SendGrid API key",
  "webhook signing secret",
  "private key block",
  "JWT",
  "generic bearer token",
  "basic auth credentials",
  "connection string with credentials",
  "password assignment",
  "credential assignment",
  "Azure storage account key",
] as const;

export type SecretKind = (typeof CORE_KINDS)[number] | ProviderKind | typeof PAYMENT_CARD;

/** Human labels, used in findings and refusals; never the value itself. */
export const SECRET_KINDS: readonly SecretKind[] = [
  ...CORE_KINDS,
  ...PROVIDER_FORMATS.map((p) => p.kind),
  PAYMENT_CARD,
];

/** What a finding is: a credential (refused, masked, and evidence of exposure) or a card number (refused and masked). */
export type SecretCategory = "credential" | "payment card";

export function secretCategory(kind: SecretKind): SecretCategory {
  return kind === PAYMENT_CARD ? "payment card" : "credential";
}

/** How sure a match is a working credential: provider formats are, assignments only may be. */
export type SecretStrength = "strong" | "weak";

export interface SecretCandidate {
  readonly kind: SecretKind;
  /** Offsets in the scanned (folded) text. */
  readonly start: number;
  readonly end: number;
  /** Lower wins when two candidates overlap: a provider format beats a generic assignment. */
  readonly rank: number;
}
