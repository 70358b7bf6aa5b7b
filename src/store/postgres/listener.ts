import type pg from "pg";
import { connectClient } from "./connection.js";

// Between requests, a server learns of other servers' commits from PostgreSQL's LISTEN/NOTIFY
// (every commit sends NOTIFY with its seq, delivered at COMMIT), on a connection of its own,
// and by polling every `pollMs` as a fallback (a notification sent while this connection was
// down is lost). Either only triggers a catch-up, which reads just the events after the last
// one folded. While this connection is up, a request boundary relies on it instead of asking the
// database (TriageStore.refresh("notified")); while it is down, every request asks.

export interface ListenerEvents {
  /** Something may have been committed elsewhere; `seq` is the notified event's, if known. */
  changed(seq?: number): void;
  warn(message: string): void;
}

const RECONNECT_MS = 1_000;

export class EventListener {
  private client: pg.Client | undefined;
  private poll: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private warned = false;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly pollMs: number,
    private readonly events: ListenerEvents,
  ) {}

  /** True while the LISTEN connection is up: every commit from now on is notified on it. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Resolves once listening (or, if the first try failed, once the fallback is armed). */
  start(): Promise<void> {
    if (this.pollMs > 0) {
      this.poll = setInterval(() => this.events.changed(), this.pollMs);
      this.poll.unref();
    }
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: pg.Client;
    try {
      client = await connectClient(this.url);
    } catch (error) {
      this.lost(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    client.on("notification", (message) => {
      const seq = Number(message.payload);
      this.events.changed(Number.isSafeInteger(seq) ? seq : undefined);
    });
    client.on("error", (error) => this.lost(error));
    client.on("end", () => this.lost(new Error("the connection ended")));
    try {
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.lost(error);
      return;
    }
    this.client = client;
    // The socket must not keep a finished command alive; the pool's clients are ended by close().
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    if (this.warned) {
      this.warned = false;
      this.events.warn("listening for commits again");
    }
    // Whatever was committed before LISTEN took effect sent its notification to nobody.
    this.events.changed();
  }

  private lost(error: unknown): void {
    if (this.stopped) return;
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
    if (!this.warned) {
      this.warned = true;
      this.events.warn(
        `not listening for other servers' commits (${(error as Error).message}); polling until the connection is back`,
      );
    }
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), RECONNECT_MS);
    this.retry.unref();
  }
}
