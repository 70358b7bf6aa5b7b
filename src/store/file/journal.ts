import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { currentProcess, errnoCode, livenessOf, namesIn, type Liveness } from "./fs-util.js";
import type { Layout } from "./layout.js";

// journal/<seq>.json is a commit claim: whoever creates it owns sequence number <seq>. It holds
// the complete log line, so if its owner dies before the line is durable in audit.jsonl,
// recovery can finish the commit ("roll forward"). A claim appears atomically (written to a
// temp file, then hard-linked into place, which fails if the name exists), so a reader never
// sees half a claim, and exactly one writer wins each sequence number even if two processes
// wrongly believe they hold the runtime lock.

const claimSchema = z.object({
  format: z.literal(1),
  pid: z.number().int().positive(),
  hostname: z.string(),
  threadId: z.number().int().nonnegative().optional(),
  seq: z.number().int().nonnegative(),
  hash: z.string(),
  createdAt: z.string(),
  line: z.string(),
});
export type Claim = z.infer<typeof claimSchema>;

const CLAIM_NAME = /^(\d+)\.json$/;
const TEMP_NAME = /^\.claim-.*\.tmp$/;
/** A temp file or foreign claim this old is abandoned even when its owner cannot be checked. */
export const ABANDONED_AFTER_MS = 30_000;

export type JournalEntry =
  | {
      readonly kind: "claim";
      readonly name: string;
      readonly seq: number;
      readonly claim: Claim;
      readonly ageMs: number;
    }
  | { readonly kind: "garbage"; readonly name: string; readonly reason: string }
  | { readonly kind: "temp"; readonly name: string; readonly owner: Liveness; readonly ageMs: number };

export class Journal {
  constructor(private readonly layout: Layout) {}

  claimPath(seq: number): string {
    return join(this.layout.journalDir, `${seq}.json`);
  }

  /** Creates journal/<seq>.json with `line`; false when another writer already claimed `seq`. */
  tryClaim(seq: number, hash: string, line: string): boolean {
    const claim: Claim = {
      format: 1,
      ...currentProcess(),
      seq,
      hash,
      createdAt: new Date().toISOString(),
      line,
    };
    const temp = join(
      this.layout.journalDir,
      `.claim-${claim.pid}-${claim.threadId ?? 0}-${randomBytes(6).toString("hex")}.tmp`,
    );
    try {
      // Inside the try: a temp file left half-written by a full disk is removed too.
      fs.writeFileSync(temp, JSON.stringify(claim), { flag: "wx" });
      fs.linkSync(temp, this.claimPath(seq));
      return true;
    } catch (error) {
      if (errnoCode(error) === "EEXIST") return false;
      throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }

  removeClaim(seq: number): void {
    fs.rmSync(this.claimPath(seq), { force: true });
  }

  /** Everything in journal/ except the quarantine directory, claims in seq order. */
  entries(now = Date.now()): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (const name of namesIn(this.layout.journalDir)) {
      if (name === "quarantine") continue;
      const path = join(this.layout.journalDir, name);
      if (TEMP_NAME.test(name)) {
        out.push({ kind: "temp", name, owner: tempOwner(path), ageMs: ageOf(path, now) });
        continue;
      }
      const match = CLAIM_NAME.exec(name);
      if (match === null) {
        out.push({ kind: "garbage", name, reason: "not a claim file name" });
        continue;
      }
      let parsed: z.ZodSafeParseResult<Claim>;
      try {
        parsed = claimSchema.safeParse(JSON.parse(fs.readFileSync(path, "utf8")));
      } catch (error) {
        if (errnoCode(error) === "ENOENT") continue; // its owner finished meanwhile
        out.push({ kind: "garbage", name, reason: `not a JSON claim (${(error as Error).message})` });
        continue;
      }
      if (!parsed.success) {
        out.push({ kind: "garbage", name, reason: "not a valid claim record" });
        continue;
      }
      if (parsed.data.seq !== Number(match[1])) {
        out.push({ kind: "garbage", name, reason: `it claims seq ${parsed.data.seq} under another name` });
        continue;
      }
      out.push({ kind: "claim", name, seq: parsed.data.seq, claim: parsed.data, ageMs: ageOf(path, now) });
    }
    const key = (e: JournalEntry): number => (e.kind === "claim" ? e.seq : -1);
    return out.sort((a, b) => key(a) - key(b));
  }

  removeEntry(name: string): void {
    fs.rmSync(join(this.layout.journalDir, name), { force: true });
  }

  /** Moves a journal file aside for inspection; it is never applied. Returns its new path. */
  quarantine(name: string): string {
    fs.mkdirSync(this.layout.quarantineDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const target = join(this.layout.quarantineDir, `${name}.${stamp}.${randomBytes(3).toString("hex")}`);
    try {
      fs.renameSync(join(this.layout.journalDir, name), target);
    } catch (error) {
      // Already moved or removed by someone else: nothing left to set aside.
      if (errnoCode(error) !== "ENOENT") throw error;
    }
    return target;
  }
}

function ageOf(path: string, now: number): number {
  try {
    return now - fs.statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

// Temp files are named .claim-<pid>-<threadId>-<random>.tmp. The name has no host, so a temp
// file is judged as if written on this host; one whose writer cannot be identified ages out.
function tempOwner(path: string): Liveness {
  const match = /^\.claim-(\d+)-(\d+)-/.exec(path.slice(path.lastIndexOf("/") + 1));
  const pid = Number(match?.[1]);
  if (match === null || !Number.isInteger(pid) || pid <= 0) return "unknown";
  return livenessOf({ hostname: currentProcess().hostname, pid, threadId: Number(match[2]) });
}
