import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { DomainError } from "../../domain/errors.js";
import type { Ticket } from "../../domain/schemas.js";
import { encodeBase, initializationEvent, readSeed, type SeedSource } from "../core/seed.js";
import { decodeLine } from "../core/event-codec.js";
import { reachStep } from "../core/steps.js";
import { writeDurably, writeHashedDurably } from "./durable-write.js";
import { RUNBOOK } from "../../paths.js";
import { errnoCode, fsyncDir } from "./fs-util.js";
import { STORE_FORMAT, type Layout, type Manifest } from "./layout.js";
import type { RuntimeLock } from "./lock.js";

export interface InitOptions {
  readonly layout: Layout;
  readonly lock: RuntimeLock;
  readonly lockTimeoutMs: number;
  readonly seed: SeedSource;
  readonly seedMetadata: Record<string, unknown>;
  readonly newId: () => string;
  readonly clock: () => Date;
  readonly info: (message: string) => void;
  readonly warn: (message: string) => void;
  /** Told the tickets just written as the base (and its hash), so opening need not re-read them. */
  readonly initialized?: ((base: InitializedBase) => void) | undefined;
}

export interface InitializedBase {
  readonly tickets: readonly Ticket[];
  readonly sha256: string;
}

/**
 * First start: writes base/tickets.json, then audit.jsonl with the seq-0 event, then store.json
 * last, each durably. store.json's presence means "initialized"; without it, anything found is
 * the leftover of an interrupted initialization and is replaced. Runs under the runtime lock,
 * so of several processes starting on an empty directory exactly one initializes.
 * Returns false when the runtime was already initialized (nothing is touched then).
 */
export async function initializeRuntime(options: InitOptions): Promise<boolean> {
  const { layout } = options;
  if (fs.existsSync(layout.manifest)) return false;
  const held = await options.lock.acquire(options.lockTimeoutMs);
  try {
    if (fs.existsSync(layout.manifest)) return false;
    removeInitLeftovers(layout, options.warn);

    const { tickets, seedMetadata } = await readSeed(options.seed, options.seedMetadata);

    fs.mkdirSync(layout.baseDir, { recursive: true });
    const baseSha256 = writeBase(layout, tickets);
    fsyncDir(layout.root);
    reachStep("init.base-written");

    const storeId = randomUUID();
    const createdAt = options.clock().toISOString();
    const { line } = initializationEvent({
      id: options.newId(),
      createdAt,
      tickets: tickets.length,
      storeId,
      baseSha256,
      seed: seedMetadata,
    });
    const first = decodeLine(line);
    if (!first.ok) throw new Error(`the initialization event is invalid: ${first.detail}`);
    // The log appears complete or not at all.
    writeDurably(layout.auditLog, `${layout.auditLog}.init-${process.pid}.tmp`, (out) =>
      out.write(`${line}\n`),
    );
    fs.mkdirSync(layout.journalDir, { recursive: true });
    fsyncDir(layout.root);
    reachStep("init.log-written");

    const manifest: Manifest = {
      format: STORE_FORMAT,
      storeId,
      createdAt,
      baseSha256,
      tickets: tickets.length,
      seed: seedMetadata,
    };
    // The temp file's name, store.json.<digits>, is what an interrupted initialization leaves.
    writeDurably(layout.manifest, `${layout.manifest}.${process.pid}`, (out) =>
      out.write(`${JSON.stringify(manifest, null, 2)}\n`),
    );
    options.info(`initialized the runtime in ${layout.root} with ${tickets.length} tickets`);
    options.initialized?.({ tickets, sha256: baseSha256 });
    return true;
  } finally {
    await held.release();
  }
}

/**
 * Writes base/tickets.json (exactly the bytes of JSON.stringify(tickets)) durably, in batches:
 * the whole base is never one string in memory. Returns its sha256.
 */
function writeBase(layout: Layout, tickets: readonly Ticket[]): string {
  const temp = `${layout.baseTickets}.${process.pid}-${randomUUID()}.tmp`;
  return writeHashedDurably(layout.baseTickets, temp, (write) => encodeBase(tickets, write));
}

/**
 * Removes what an interrupted initialization may have left. Only names this store creates are
 * touched, and an audit.jsonl is removed only if it starts with one of our seq-0 events:
 * a foreign log (another tool's runtime directory) stops initialization instead.
 */
function removeInitLeftovers(layout: Layout, warn: (message: string) => void): void {
  const removed: string[] = [];
  if (fs.existsSync(layout.auditLog)) {
    const log = leftoverLog(layout.auditLog);
    if (log === "foreign") {
      throw new DomainError(
        "STORE_UNAVAILABLE",
        `${layout.root} holds an audit.jsonl but no store.json, and the log was not written by this server. ` +
          `Move it away or point TRIAGE_DATA_ROOT at another directory; nothing was changed.`,
      );
    }
    // Initialization writes one event, then store.json: a log with more was a working runtime
    // whose store.json went missing, never a leftover. Re-initializing would discard its history.
    if (log === "history") {
      throw new DomainError(
        "STORE_UNAVAILABLE",
        `${layout.root} holds an audit log with events after its initialization but no store.json: store.json was ` +
          `removed. Restore it from a backup or rebuild it from event 0 (${RUNBOOK} says how); nothing was changed.`,
      );
    }
    fs.rmSync(layout.auditLog);
    removed.push("audit.jsonl");
  }
  for (const dir of [layout.baseDir, layout.journalDir, layout.snapshotsDir, layout.importsDir]) {
    if (fs.existsSync(dir)) {
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(`${dir.slice(layout.root.length + 1)}/`);
    }
  }
  for (const name of fs.readdirSync(layout.root)) {
    // Temp files of store.json (store.json.<digits>) and of the log.
    if (/^store\.json\.\d+$/.test(name) || /^audit\.jsonl\.init-\d+\.tmp$/.test(name)) {
      fs.rmSync(join(layout.root, name), { force: true });
      removed.push(name);
    }
  }
  if (removed.length > 0) {
    warn(`removed the leftovers of an interrupted initialization in ${layout.root}: ${removed.join(", ")}`);
  }
}

/** Our log holding only the seq-0 event (a leftover), our log with more (history), or another's. */
function leftoverLog(path: string): "leftover" | "history" | "foreign" {
  if (!startsLikeOurLog(path)) return "foreign";
  return fs.statSync(path).size > firstLineLength(path) ? "history" : "leftover";
}

/** Bytes up to and including the first line break (the whole file when there is none). */
function firstLineLength(path: string): number {
  const fd = fs.openSync(path, "r");
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const nl = buf.subarray(0, n).indexOf(0x0a);
    return nl === -1 ? n : nl + 1;
  } finally {
    fs.closeSync(fd);
  }
}

function startsLikeOurLog(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, "r");
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString("utf8", 0, n);
    const nl = text.indexOf("\n");
    if (n === 0) return true; // an empty file carries nothing to protect
    if (nl === -1) return false;
    const decoded = decodeLine(text.slice(0, nl));
    return decoded.ok && decoded.event.seq === 0 && decoded.event.action === "runtime-initialized";
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return true;
    throw error;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
