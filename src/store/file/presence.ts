import * as fs from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { currentProcess, livenessOf, type ProcessIdentity } from "./fs-util.js";
import type { Layout } from "./layout.js";

// Every open store leaves a small record under presence/ while it runs, so that maintenance
// commands (reset) can refuse while any server uses the directory, even an idle one that holds
// no lock. A record whose process died on this host is stale and ignored (and removed).

const recordSchema = z.object({ pid: z.number().int(), hostname: z.string(), startedAt: z.string() });
export type PresenceRecord = z.infer<typeof recordSchema> & { readonly file: string };

function recordName(me: ProcessIdentity): string {
  const thread = me.threadId === undefined || me.threadId === 0 ? "" : `-t${me.threadId}`;
  return `${me.hostname.replace(/[^A-Za-z0-9.-]/g, "_")}-${me.pid}${thread}.json`;
}

/** Registers this process as a user of the runtime; returns the function that unregisters it. */
export function registerPresence(layout: Layout, now: Date): () => void {
  const me = currentProcess();
  fs.mkdirSync(layout.presenceDir, { recursive: true });
  const file = join(layout.presenceDir, recordName(me));
  fs.writeFileSync(
    file,
    JSON.stringify({ pid: me.pid, hostname: me.hostname, startedAt: now.toISOString() }),
  );
  return () => {
    try {
      fs.unlinkSync(file);
    } catch {
      // Already gone (a reset, or a second close): nothing to undo.
    }
  };
}

/**
 * Records of processes that may still be using the runtime: alive on this host, or on another
 * host (their liveness cannot be checked). Records of dead local processes are removed.
 */
export function livePresences(layout: Layout): PresenceRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(layout.presenceDir);
  } catch {
    return [];
  }
  const live: PresenceRecord[] = [];
  for (const name of names) {
    const file = join(layout.presenceDir, name);
    let parsed;
    try {
      parsed = recordSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    } catch {
      continue;
    }
    if (!parsed.success) continue;
    const liveness = livenessOf({ pid: parsed.data.pid, hostname: parsed.data.hostname });
    if (liveness === "dead") {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (liveness === "self") continue;
    live.push({ ...parsed.data, file });
  }
  return live;
}
