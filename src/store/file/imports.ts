import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { IMPORT_FILE_PATTERN } from "../../domain/audit-events.js";
import type { Ticket } from "../../domain/schemas.js";
import { decodeBatch, encodeBatch, newBatchName, validateBatchTickets } from "../core/batch-codec.js";
import type { BatchRead } from "../core/reducer.js";
import { reachStep } from "../core/steps.js";
import type { StagedImportBatch } from "../types.js";
import { writeHashedDurably } from "./durable-write.js";
import { errnoCode, fsyncDir, livenessOf, namesIn, type Liveness } from "./fs-util.js";
import type { Layout } from "./layout.js";

// Batch files of `tickets-imported` events. An import of 50,000 tickets does not fit on one
// audit line, so the tickets go to imports/<name>.json (a JSON array of Ticket), written aside,
// fsynced and renamed into place BEFORE the event is committed; the event records the file's
// sha256, so the hash chain covers the imported tickets as it covers base/tickets.json.
//
// A batch whose event never got committed (the importer died in between, or gave up) is an
// orphan. Orphans are removed by recovery, under the runtime lock, when the batch is referenced
// by no committed event and no journal claim, and either its writer is dead (the file name
// carries the writer's host tag and pid) or the file is older than ORPHAN_GRACE_MS. So an
// importer that staged a batch and is waiting for the lock never loses it while it lives; if
// it stalls past the grace period and its batch is removed, its commit fails cleanly (the
// reducer reads the batch before anything is claimed) and it can stage again.

/** A staged batch of a live (or unknown) writer is kept at least this long. */
export const ORPHAN_GRACE_MS = 60_000;

// <host tag>-<pid>-<random>.json, and the temp file it is written as: .<name>.tmp
const BATCH_NAME = /^([0-9a-f]{8})-(\d+)-[0-9a-f]+\.json$/;
const TEMP_NAME = /^\.(([0-9a-f]{8})-(\d+)-[0-9a-f]+\.json)\.tmp$/;

function hostTag(host: string): string {
  return createHash("sha256").update(host).digest("hex").slice(0, 8);
}

export class ImportBatches {
  private readonly ownHostTag = hostTag(hostname());
  /** The last batch staged or read, so a commit's check and apply parse it once. */
  private cache: { file: string; sha256: string; tickets: readonly Ticket[] } | undefined;

  constructor(private readonly layout: Layout) {}

  /**
   * Validates `tickets` and writes them to a new batch file, durably (temp file, fsync, rename,
   * directory fsync). Throws INVALID_INPUT for a ticket that is not a valid Ticket or an id
   * listed twice; nothing is written then.
   */
  stage(tickets: readonly Ticket[]): StagedImportBatch {
    const parsed = validateBatchTickets(tickets);
    const dir = this.layout.importsDir;
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      fsyncDir(this.layout.root);
    }
    const name = newBatchName(this.ownHostTag);
    const sha256 = writeHashedDurably(join(dir, name), join(dir, `.${name}.tmp`), (write) =>
      encodeBatch(parsed, write),
    );
    const batch: StagedImportBatch = {
      file: `imports/${name}`,
      sha256,
      count: parsed.length,
    };
    this.cache = { file: batch.file, sha256: batch.sha256, tickets: parsed };
    reachStep("import.batch-staged");
    return batch;
  }

  /** The tickets of a batch file, checked against the sha256 its event recorded. */
  readBatch(file: string, sha256: string): BatchRead {
    const cached = this.cache;
    if (cached !== undefined && cached.file === file && cached.sha256 === sha256) {
      return { tickets: cached.tickets };
    }
    if (!IMPORT_FILE_PATTERN.test(file))
      return { problem: `${file} is not a batch file name`, damaged: false };
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(join(this.layout.root, file));
    } catch (error) {
      const code = errnoCode(error);
      return {
        problem:
          code === "ENOENT" ? `${file} is missing` : `${file} cannot be read (${code ?? String(error)})`,
        damaged: true,
      };
    }
    const read = decodeBatch(file, bytes, sha256);
    if ("tickets" in read) this.cache = { file, sha256, tickets: read.tickets };
    return read;
  }

  /** Removes a batch file (one that no event uses). */
  discard(file: string): void {
    if (!IMPORT_FILE_PATTERN.test(file)) throw new Error(`${file} is not a batch file name`);
    if (this.cache?.file === file) this.cache = undefined;
    fs.rmSync(join(this.layout.root, file), { force: true });
  }

  /** Forgets the cached batch (once its tickets are in the state, nothing reads it again). */
  forget(): void {
    this.cache = undefined;
  }

  /**
   * Batch files (and temp files) that are safe to remove: used by no committed event
   * (`inUse` false) and written by a dead process, or older than ORPHAN_GRACE_MS.
   */
  orphans(inUse: (file: string) => boolean, now = Date.now()): string[] {
    const out: string[] = [];
    for (const name of namesIn(this.layout.importsDir)) {
      const temp = TEMP_NAME.exec(name);
      const batch = BATCH_NAME.exec(name);
      let owner: Liveness;
      if (temp !== null) owner = this.ownerOf(temp[2] as string, temp[3] as string);
      else if (batch !== null) {
        if (inUse(`imports/${name}`)) continue;
        owner = this.ownerOf(batch[1] as string, batch[2] as string);
      } else if (name.endsWith(".json") && IMPORT_FILE_PATTERN.test(`imports/${name}`)) {
        if (inUse(`imports/${name}`)) continue;
        owner = "unknown";
      } else continue; // not a name this store writes: leave it alone
      if (owner === "dead" || this.ageMs(name, now) > ORPHAN_GRACE_MS) out.push(name);
    }
    return out;
  }

  /** Removes the named files of imports/ (from `orphans`). */
  remove(names: readonly string[]): void {
    for (const name of names) {
      if (this.cache?.file === `imports/${name}`) this.cache = undefined;
      fs.rmSync(join(this.layout.importsDir, name), { force: true });
    }
    if (names.length > 0) fsyncDir(this.layout.importsDir);
  }

  private ownerOf(tag: string, pid: string): Liveness {
    if (tag !== this.ownHostTag) return "unknown";
    return livenessOf({ hostname: hostname(), pid: Number(pid) });
  }

  private ageMs(name: string, now: number): number {
    try {
      return now - fs.statSync(join(this.layout.importsDir, name)).mtimeMs;
    } catch {
      return 0;
    }
  }
}
