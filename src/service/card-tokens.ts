import { createHash, randomBytes } from "node:crypto";
import { DomainError } from "../domain/errors.js";

// Defence in depth for the review card (MCP Apps). A compliant host hides the card's decision
// tool from the model and refuses the model's calls to it; that rule lives in the host. These
// tokens bind each decision to a card this server issued: one token per card shown, for one
// recommendation at one ticket revision on one connection, valid once and for a few minutes.
// They prove nothing about who pressed the button (SECURITY.md says what they do prove).

/** How long a card can be decided on after it was issued. */
export const CARD_TOKEN_TTL_MS = 15 * 60_000;
/** Live tokens kept per server; the oldest is forgotten first (it then reads as not issued). */
export const CARD_TOKEN_LIMIT = 1_000;

/** What a token is issued for, and what a decision that presents it must name. */
export interface CardBinding {
  readonly recommendationId: string;
  /** The ticket revision the card shows. */
  readonly revision: number;
  /** The connection the card was shown on. */
  readonly session: string;
}

export interface CardGrant {
  /** 32 random bytes, base64url: travels to the card only (in the tool result's `_meta`). */
  readonly token: string;
  readonly expiresAt: string;
}

interface Entry {
  readonly binding: CardBinding;
  readonly expiresAtMs: number;
  usedAtMs?: number;
}

export interface CardTokenOptions {
  readonly clock?: () => Date;
  readonly ttlMs?: number;
  readonly limit?: number;
}

const digest = (token: string) => createHash("sha256").update(token).digest("base64url");

const refused = (message: string) => new DomainError("CARD_TOKEN_INVALID", message);

const RELOAD = "Show the card again (review_recommendation) and let the reviewer decide in it.";

/**
 * The tokens of one server process, in memory (one stdio server serves one client; a restart
 * invalidates every card, which then asks to be shown again). Keys are SHA-256 digests of the
 * tokens, so a lookup never compares a token itself.
 */
export class CardTokens {
  private readonly clock: () => Date;
  readonly ttlMs: number;
  private readonly limit: number;
  private readonly entries = new Map<string, Entry>();

  constructor(options: CardTokenOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.ttlMs = options.ttlMs ?? CARD_TOKEN_TTL_MS;
    this.limit = options.limit ?? CARD_TOKEN_LIMIT;
  }

  /** A fresh token for a card about to be shown. */
  issue(binding: CardBinding): CardGrant {
    const now = this.clock().getTime();
    this.forgetExpired(now);
    while (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    const token = randomBytes(32).toString("base64url");
    const expiresAtMs = now + this.ttlMs;
    this.entries.set(digest(token), { binding: { ...binding }, expiresAtMs });
    return { token, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  /**
   * Uses up `token` for a decision on `binding`: null when it was issued for exactly that card and
   * is unused and unexpired; otherwise the refusal (CARD_TOKEN_INVALID) saying which. A token is
   * used up by its first presentation, whatever comes of the decision.
   */
  redeem(token: string | undefined, binding: CardBinding): DomainError | null {
    const now = this.clock().getTime();
    if (token === undefined || token === "") {
      return refused(
        `No card token came with this decision on recommendation ${binding.recommendationId}. ` +
          `Decisions are taken only from the review card this server showed the reviewer. ${RELOAD}`,
      );
    }
    const entry = this.entries.get(digest(token));
    if (entry === undefined) {
      return refused(
        `This card token was not issued by this server (or the server restarted since the card was shown). ${RELOAD}`,
      );
    }
    if (entry.usedAtMs !== undefined) {
      return refused(
        `This card was already used for a decision at ${new Date(entry.usedAtMs).toISOString()}; a card decides once. ${RELOAD}`,
      );
    }
    entry.usedAtMs = now;
    if (now >= entry.expiresAtMs) {
      return refused(
        `This card expired at ${new Date(entry.expiresAtMs).toISOString()} (a card can be decided on for ` +
          `${Math.round(this.ttlMs / 60_000)} minutes after it is shown). ${RELOAD}`,
      );
    }
    const issued = entry.binding;
    if (issued.recommendationId !== binding.recommendationId) {
      return refused(
        `This card token was issued for recommendation ${issued.recommendationId}, not ${binding.recommendationId}. ${RELOAD}`,
      );
    }
    if (issued.revision !== binding.revision) {
      return refused(
        `This card token was issued at ticket revision ${issued.revision}, not ${binding.revision}. ${RELOAD}`,
      );
    }
    if (issued.session !== binding.session) {
      return refused(`This card token was issued to another client connection. ${RELOAD}`);
    }
    return null;
  }

  /** How many tokens are held (issued, not yet forgotten). */
  get size(): number {
    return this.entries.size;
  }

  /** Expired tokens are kept for one more lifetime, so a late decision hears "expired", not "unknown". */
  private forgetExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs + this.ttlMs <= now) this.entries.delete(key);
    }
  }
}
