import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { DecisionView } from "../ui/review/index.js";

// Who may use the desk: whoever opened the one-time login link the desk printed in its terminal.
// The link's token becomes a session (a cookie the page's script cannot read); each session has
// its own CSRF token and the reviewer's name. All of it lives in this process's memory, keyed by
// the SHA-256 of each secret (a secret itself is never stored), and expires.

/** 32 random bytes, base64url: the login token, the session cookie and the CSRF token. */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

function digest(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("base64url");
}

/** Security: compares two secrets in time that does not depend on where they differ. */
export function sameSecret(given: string, expected: string): boolean {
  // Both sides are hashed first, so the comparison has one length whatever was sent.
  return timingSafeEqual(
    createHash("sha256").update(given).digest(),
    createHash("sha256").update(expected).digest(),
  );
}

export const LOGIN_TTL_MS = 10 * 60_000;
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 60 * 60_000;
/** Sessions kept at once; the least recently used one is dropped beyond it. */
const MAX_SESSIONS = 50;

/**
 * At most one login token is outstanding at a time: single use, short-lived. A new one is issued
 * only when none is valid, so asking again and again prints no second link.
 */
export class LoginTokens {
  private current: { readonly hash: string; readonly expires: number } | undefined;

  constructor(
    private readonly clock: () => Date,
    private readonly ttlMs: number = LOGIN_TTL_MS,
  ) {}

  /** A new token (the previous one, if any, stops working). */
  issue(): string {
    const token = newSecret();
    this.current = { hash: digest(token), expires: this.clock().getTime() + this.ttlMs };
    return token;
  }

  /** Whether a token is outstanding and unexpired. */
  outstanding(): boolean {
    return this.current !== undefined && this.clock().getTime() < this.current.expires;
  }

  /** True once for the outstanding token, before it expires; it is used up either way. */
  redeem(token: string): boolean {
    const current = this.current;
    if (current === undefined || token === "") return false;
    if (!sameSecret(digest(token), current.hash)) return false;
    this.current = undefined;
    return this.clock().getTime() < current.expires;
  }
}

export interface Session {
  /** The SHA-256 of the session cookie. */
  readonly key: string;
  /** Sent in a hidden field with every form; a post without it is refused. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
  /** The reviewer's name, entered once; recorded on every decision made in this session. */
  reviewer?: string;
  /** The outcome of a decision, shown once on the page the browser is sent to next. */
  readonly outcomes: Map<string, DecisionView>;
}

export class Sessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: () => Date,
    private readonly idleMs: number = SESSION_IDLE_MS,
    private readonly maxMs: number = SESSION_MAX_MS,
  ) {}

  /** A new session and the cookie value that names it. */
  create(): { readonly cookie: string; readonly session: Session } {
    const cookie = newSecret();
    const now = this.clock().getTime();
    const session: Session = {
      key: digest(cookie),
      csrf: newSecret(),
      createdAt: now,
      lastSeen: now,
      outcomes: new Map(),
    };
    this.sessions.set(session.key, session);
    for (const key of this.sessions.keys()) {
      if (this.sessions.size <= MAX_SESSIONS) break;
      this.sessions.delete(key);
    }
    return { cookie, session };
  }

  /** The live session a cookie names; an expired one is ended. */
  find(cookie: string | undefined): Session | undefined {
    if (cookie === undefined || cookie === "") return undefined;
    const key = digest(cookie);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    const now = this.clock().getTime();
    if (now - session.lastSeen > this.idleMs || now - session.createdAt > this.maxMs) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastSeen = now;
    // Most recently used last: the first entries are the ones to drop.
    this.sessions.delete(key);
    this.sessions.set(key, session);
    return session;
  }

  end(session: Session): void {
    this.sessions.delete(session.key);
  }
}
