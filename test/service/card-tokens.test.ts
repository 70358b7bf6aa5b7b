import { describe, expect, it } from "vitest";
import { CARD_TOKEN_TTL_MS, CardTokens, type CardBinding } from "../../src/service/card-tokens.js";

// The card tokens on their own: issued per card shown, used up by the first decision that
// presents them, refused (CARD_TOKEN_INVALID) when missing, unknown, used, expired or foreign.

const T0 = Date.parse("2026-05-04T09:00:00.000Z");
const CARD: CardBinding = { recommendationId: "rec-a", revision: 3, session: "conn-1" };
const RELOAD = "Show the card again (review_recommendation) and let the reviewer decide in it.";

function tokens(limit?: number) {
  let now = T0;
  const store = new CardTokens({ clock: () => new Date(now), ...(limit === undefined ? {} : { limit }) });
  return { store, advance: (ms: number) => (now += ms) };
}

describe("card tokens", () => {
  it("issues 32 random bytes (base64url) that expire after 15 minutes, a new one per card", () => {
    const { store } = tokens();
    const a = store.issue(CARD);
    const b = store.issue(CARD);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(Date.parse(a.expiresAt) - T0).toBe(CARD_TOKEN_TTL_MS);
    expect(CARD_TOKEN_TTL_MS).toBe(15 * 60_000);
  });

  it("accepts its card once", () => {
    const { store } = tokens();
    const { token } = store.issue(CARD);
    expect(store.redeem(token, CARD)).toBeNull();
    expect(store.redeem(token, CARD)?.message).toBe(
      `This card was already used for a decision at 2026-05-04T09:00:00.000Z; a card decides once. ${RELOAD}`,
    );
  });

  it.each<[string, Partial<CardBinding>, string]>([
    [
      "another recommendation",
      { recommendationId: "rec-b" },
      `This card token was issued for recommendation rec-a, not rec-b. ${RELOAD}`,
    ],
    [
      "another revision",
      { revision: 4 },
      `This card token was issued at ticket revision 3, not 4. ${RELOAD}`,
    ],
    [
      "another connection",
      { session: "conn-2" },
      `This card token was issued to another client connection. ${RELOAD}`,
    ],
  ])("refuses a token presented for %s, and uses it up", (_what, change, message) => {
    const { store } = tokens();
    const { token } = store.issue(CARD);
    const refusal = store.redeem(token, { ...CARD, ...change });
    expect(refusal?.code).toBe("CARD_TOKEN_INVALID");
    expect(refusal?.message).toBe(message);
    expect(store.redeem(token, CARD)?.message).toMatch(/^This card was already used/);
  });

  it("refuses a missing or unknown token", () => {
    const { store } = tokens();
    expect(store.redeem(undefined, CARD)?.message).toBe(
      `No card token came with this decision on recommendation rec-a. Decisions are taken only from the review card ` +
        `this server showed the reviewer. ${RELOAD}`,
    );
    expect(store.redeem("", CARD)?.code).toBe("CARD_TOKEN_INVALID");
    expect(store.redeem("A".repeat(43), CARD)?.message).toBe(
      `This card token was not issued by this server (or the server restarted since the card was shown). ${RELOAD}`,
    );
  });

  it("accepts a card until its expiry and refuses it from then on", () => {
    const early = tokens();
    const a = early.store.issue(CARD);
    early.advance(CARD_TOKEN_TTL_MS - 1);
    expect(early.store.redeem(a.token, CARD)).toBeNull();

    const late = tokens();
    const b = late.store.issue(CARD);
    late.advance(CARD_TOKEN_TTL_MS);
    expect(late.store.redeem(b.token, CARD)?.message).toBe(
      `This card expired at 2026-05-04T09:15:00.000Z (a card can be decided on for 15 minutes after it is shown). ${RELOAD}`,
    );
  });

  it("forgets a token one lifetime after it expired, and the oldest one beyond its limit", () => {
    const { store, advance } = tokens(3);
    const old = store.issue(CARD);
    advance(2 * CARD_TOKEN_TTL_MS);
    store.issue(CARD);
    expect(store.size).toBe(1);
    expect(store.redeem(old.token, CARD)?.message).toMatch(/^This card token was not issued by this server/);

    const first = store.issue(CARD);
    const kept = [store.issue(CARD), store.issue(CARD), store.issue(CARD)];
    expect(store.size).toBe(3);
    for (const k of kept) expect(store.redeem(k.token, CARD)).toBeNull();
    expect(store.redeem(first.token, CARD)?.message).toMatch(
      /^This card token was not issued by this server/,
    );
  });
});
