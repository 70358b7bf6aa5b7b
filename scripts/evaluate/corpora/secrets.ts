import { performance } from "node:perf_hooks";
import { PAYMENT_CARD, findSecrets } from "../../../src/domain/secrets/index.js";
import { inSentence, placeholdersFor, secretSamples } from "../secret-samples.js";

// Secret recognition on values we generate (scripts/evaluate/secret-samples.ts): each provider
// format on its own in a sentence, its masked and template forms, and look-alikes that must never
// be refused. No corpus holds real keys, so this part needs no --corpora directory.

export interface SecretsResult {
  /** Kinds with generated samples, and how many of them every sample was recognised for (right kind). */
  readonly kinds: number;
  readonly kindsRecognised: number;
  readonly kindRecall: number;
  readonly samples: number;
  readonly samplesRecognised: number;
  /** Kinds with a sample that was missed or reported as another kind. */
  readonly missedKinds: string[];
  /** Masked or template forms ("ghp_xxxx...", "..._PUT_YOUR_TOKEN_HERE") that were refused. */
  readonly placeholders: number;
  readonly placeholdersRefused: number;
  /** UUIDs, commit SHAs, hashes, order numbers, ids and timestamps that were refused. */
  readonly lookAlikes: number;
  readonly lookAlikesRefused: number;
  /** The schemes' published test card numbers, refused; Luhn-invalid and non-card numbers, not. */
  readonly cards: number;
  readonly cardsRefused: number;
  readonly nonCards: number;
  readonly nonCardsRefused: number;
  readonly microsecondsPerItem: number;
}

// Values that must never be refused; written out here, none is a credential.
const LOOK_ALIKES = [
  "request id 123e4567-e89b-12d3-a456-426614174000",
  "fixed in commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
  "checksum d41d8cd98f00b204e9800998ecf8427e",
  "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "Order 4111111111111111 has not arrived",
  "order #5555555555554444",
  "invoice INV-2024-000123 and order 100482",
  "tracking 1Z999AA10123456784",
  "call +49 30 1234 5678 90",
  "timestamp 1700000000000",
  "tweet 1460323737035677698",
  "your_token_here",
  "token: [REDACTED]",
  "password: ****",
  "api_key=<your-api-key>",
];

const CARDS = [
  "4111111111111111",
  "4111 1111 1111 1111",
  "5555-5555-5555-4444",
  "2223003122003222",
  "3782 822463 10005",
  "6011111111111117",
  "3530111333300000",
  "36227206271667",
  "6200000000000005",
  "6759649826438453",
];
const NON_CARDS = [
  "4111 1111 1111 1112",
  "5555555555554445",
  "9111 1111 1111 1116",
  "1234 5678 9012 3456",
  "id 6011000990139424123",
];

export function evaluateSecrets(): SecretsResult {
  const samples = secretSamples();
  const missed = new Set<string>();
  let recognised = 0;
  let items = 0;
  const t0 = performance.now();
  for (const s of samples) {
    const text = inSentence(s.value);
    const start = text.indexOf(s.value);
    const hit = findSecrets(text).find((f) => f.start < start + s.value.length && f.end > start);
    items++;
    if (hit?.kind === s.kind) recognised++;
    else missed.add(s.kind);
  }
  const placeholders = samples.flatMap((s) => placeholdersFor(s.template));
  const refused = (texts: readonly string[]) =>
    texts.filter((t) => findSecrets(inSentence(t)).length > 0).length;
  const placeholdersRefused = refused(placeholders);
  const lookAlikesRefused = refused(LOOK_ALIKES);
  const cardsRefused = CARDS.filter((c) =>
    findSecrets(`my card ${c} was charged twice`).some((f) => f.kind === PAYMENT_CARD),
  ).length;
  const nonCardsRefused = NON_CARDS.filter(
    (c) => findSecrets(`my card ${c} was charged twice`).length > 0,
  ).length;
  items += placeholders.length + LOOK_ALIKES.length + CARDS.length + NON_CARDS.length;
  const elapsed = (performance.now() - t0) * 1000;
  const kinds = new Set(samples.map((s) => s.kind));
  return {
    kinds: kinds.size,
    kindsRecognised: kinds.size - missed.size,
    kindRecall: (kinds.size - missed.size) / kinds.size,
    samples: samples.length,
    samplesRecognised: recognised,
    missedKinds: [...missed].sort(),
    placeholders: placeholders.length,
    placeholdersRefused,
    lookAlikes: LOOK_ALIKES.length,
    lookAlikesRefused,
    cards: CARDS.length,
    cardsRefused,
    nonCards: NON_CARDS.length,
    nonCardsRefused,
    microsecondsPerItem: Math.round((elapsed / items) * 10) / 10,
  };
}
