import type { SeedSource } from "./seed.js";

// What opening any store takes, whatever keeps its events.

export interface StoreLogger {
  warn(message: string): void;
  info(message: string): void;
}

export interface StoreOptions {
  /** Tickets for the first start (called only when the store is initialized). */
  readonly seed: SeedSource;
  /** Recorded in the store's manifest and the seq-0 event; merged under the seed's own metadata. */
  readonly seedMetadata?: Record<string, unknown> | undefined;
  /** Audit event ids (uuid v4 by default). */
  readonly newId?: (() => string) | undefined;
  /** Timestamp of the seq-0 event. Other events carry the caller's timestamps. */
  readonly clock?: (() => Date) | undefined;
  readonly logger?: StoreLogger | undefined;
  /** How long a transaction waits for the commit lock before STORE_UNAVAILABLE (ms). */
  readonly lockTimeoutMs?: number | undefined;
}
