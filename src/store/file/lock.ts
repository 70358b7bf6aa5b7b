import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import lockfile from "proper-lockfile";
import { DomainError } from "../../domain/errors.js";
import { currentProcess, errnoCode, livenessOf, sleep, type ProcessIdentity } from "./fs-util.js";
import type { Layout } from "./layout.js";

// The cross-process runtime lock: proper-lockfile's mkdir lock (with mtime heartbeats and a
// stale timeout), plus an owner record inside the lock directory so that a lock left by a
// process that died on this host is reclaimed at once instead of after the stale timeout.
//
// proper-lockfile takes an `fs` option; the wrapper below writes the owner record right after
// the mkdir (before proper-lockfile stamps the directory's mtime, so its heartbeat check is not
// disturbed), removes it before every rmdir, and reports a dead owner's lock as stale. A live
// process never holds the lock without a complete record (both steps are synchronous, and a
// lock whose record cannot be written is given up), so a lock directory that has had no
// complete record for RECORDLESS_STALE_MS belongs to a process killed between the two steps.
//
// Two processes reclaiming the same stale lock at the same instant can both end up believing
// they hold it (a known proper-lockfile race, narrowed here by re-reading the owner before the
// rmdir). The commit protocol does not rely on the lock alone: sequence numbers are claimed
// with an exclusive create in journal/, see commit.ts.

const OWNER_FILE = "owner.json";
/** A lock whose heartbeat stopped this long ago is stale (the owner is hung or gone). */
export const LOCK_STALE_MS = 10_000;
const LOCK_UPDATE_MS = 2_000;
/** A lock directory without a complete owner record, unchanged this long, was abandoned. */
export const RECORDLESS_STALE_MS = 2_000;

interface OwnerRecord extends ProcessIdentity {
  readonly token: string;
  readonly acquiredAt: string;
}

function readOwner(lockDir: string): { text: string; owner: OwnerRecord | undefined } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(join(lockDir, OWNER_FILE), "utf8");
  } catch {
    return undefined;
  }
  try {
    const owner = JSON.parse(text) as OwnerRecord;
    return {
      text,
      owner: typeof owner.pid === "number" && typeof owner.hostname === "string" ? owner : undefined,
    };
  } catch {
    return { text, owner: undefined };
  }
}

type Callback<T = void> = (error: NodeJS.ErrnoException | null, value?: T) => void;

export interface HeldLock {
  /** Set when proper-lockfile reports the lock compromised (heartbeat lost, lock taken over). */
  readonly compromised: () => boolean;
  release(): Promise<void>;
}

export class RuntimeLock {
  private ownToken: string | undefined;
  /** True while our own lock is being released (its rmdir is ours, not a stale takeover). */
  private releasing = false;
  /** The owner record seen by the last stale check, per lock dir: rmdir only if it is unchanged. */
  private readonly seenOwner = new Map<string, string | undefined>();
  private readonly lockFs: object;

  constructor(
    private readonly layout: Layout,
    private readonly warn: (message: string) => void,
  ) {
    this.lockFs = this.makeFs();
  }

  /**
   * Acquires the lock, polling with a short randomized backoff (a transaction holds it for a
   * few milliseconds) until `timeoutMs`, then fails with STORE_UNAVAILABLE.
   */
  async acquire(timeoutMs: number): Promise<HeldLock> {
    const deadline = Date.now() + timeoutMs;
    let delay = 2;
    for (;;) {
      let compromised = false;
      try {
        const release = await lockfile.lock(this.layout.lockTarget, {
          realpath: false,
          lockfilePath: this.layout.lockDir,
          stale: LOCK_STALE_MS,
          update: LOCK_UPDATE_MS,
          retries: 0,
          fs: this.lockFs,
          onCompromised: (error) => {
            // Never crash the process: the transaction in flight checks this flag before it
            // claims a sequence number, and the claim protects the log after that.
            compromised = true;
            this.warn(`the runtime lock on ${this.layout.root} was compromised: ${error.message}`);
          },
        });
        return {
          compromised: () => compromised,
          release: async () => {
            if (compromised) return;
            this.releasing = true;
            try {
              await release();
            } catch (error) {
              this.warn(`releasing the runtime lock failed: ${(error as Error).message}`);
            } finally {
              this.releasing = false;
            }
          },
        };
      } catch (error) {
        if (errnoCode(error) !== "ELOCKED") {
          throw new DomainError(
            "STORE_UNAVAILABLE",
            `Cannot lock the runtime directory ${this.layout.root}: ${(error as Error).message}. Check that it exists and is writable.`,
          );
        }
        if (Date.now() >= deadline) {
          throw new DomainError(
            "STORE_UNAVAILABLE",
            `Another process holds the runtime lock on ${this.layout.root} (waited ${timeoutMs} ms). Retry in a moment.`,
            { lockDir: this.layout.lockDir },
          );
        }
        await sleep(delay * (0.5 + Math.random()));
        delay = Math.min(delay * 1.5, 25);
      }
    }
  }

  private makeFs(): object {
    const identity = currentProcess();
    return {
      mkdir: (path: string, cb: Callback) => {
        // The directory and its record in one synchronous step: with an asynchronous mkdir, a
        // kill in the event-loop turn between the two left a lock only its age could clear.
        try {
          fs.mkdirSync(path);
        } catch (error) {
          process.nextTick(cb, error);
          return;
        }
        const token = randomUUID();
        const record: OwnerRecord = { ...identity, token, acquiredAt: new Date().toISOString() };
        try {
          fs.writeFileSync(join(path, OWNER_FILE), JSON.stringify(record));
        } catch (writeError) {
          // Give the lock up: others would take a recordless lock for an abandoned one.
          fs.rmSync(path, { recursive: true, force: true });
          process.nextTick(cb, writeError);
          return;
        }
        this.ownToken = token;
        process.nextTick(cb, null);
      },
      stat: (path: string, cb: Callback<fs.Stats | { mtime: Date }>) => {
        fs.stat(path, (error, stats) => {
          if (error) return cb(error);
          const seen = readOwner(path);
          this.seenOwner.set(path, seen?.text);
          if (
            seen?.owner !== undefined &&
            seen.owner.token !== this.ownToken &&
            livenessOf(seen.owner) === "dead"
          ) {
            // Report the dead owner's lock as ancient so proper-lockfile reclaims it now.
            return cb(null, { mtime: new Date(0) });
          }
          if (seen?.owner === undefined && Date.now() - stats.mtimeMs > RECORDLESS_STALE_MS) {
            // Killed between creating the lock and writing its record (or removing the record
            // and the directory): nobody will ever write it, so do not wait for the stale time.
            return cb(null, { mtime: new Date(0) });
          }
          cb(null, stats);
        });
      },
      rmdir: (path: string, cb: Callback) => {
        const seen = readOwner(path);
        const ours =
          this.releasing || (seen?.owner?.token !== undefined && seen.owner.token === this.ownToken);
        if (!ours && seen?.text !== this.seenOwner.get(path)) {
          // Someone else took the lock between the stale check and now: do not remove it.
          return cb(Object.assign(new Error("the lock changed hands"), { code: "ELOCKED" }));
        }
        if (ours) this.ownToken = undefined;
        // Synchronously, as in mkdir: a kill between the two must not leave a lock without a record.
        try {
          fs.rmSync(join(path, OWNER_FILE), { force: true });
        } catch {
          // rmdir below reports what matters.
        }
        try {
          fs.rmdirSync(path);
        } catch (error) {
          process.nextTick(cb, error);
          return;
        }
        process.nextTick(cb, null);
      },
      // proper-lockfile removes held locks on exit with rmdirSync.
      rmdirSync: (path: string) => {
        fs.rmSync(join(path, OWNER_FILE), { force: true });
        fs.rmdirSync(path);
      },
      utimes: fs.utimes,
      realpath: fs.realpath,
    };
  }
}
