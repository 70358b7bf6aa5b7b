// `npm run reliability:soak`: several built servers on one runtime directory, each driven by its
// own SDK Client, run a seeded random mix of reads, submissions, approvals and rejections on the
// same few tickets for a bounded time. Meanwhile extra writers die holding the lock (SIGKILL at
// tx.claimed and tx.appended), one pauses holding it and is killed, and one stalls past the
// lock's stale time. Every write carries an idempotency key and its answer is recorded, so the
// audit log can be accounted for event by event afterwards. See docs/reliability.md.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createPrng, type Prng } from "../fixtures/prng.js";
import { APPROVABLE_FIELDS } from "../../src/domain/enums.js";
import type { AuditEvent } from "../../src/domain/schemas.js";
import { LOCK_STALE_MS } from "../../src/store/index.js";
import {
  crashEnv,
  createWorkspace,
  openStoreTarget,
  parseOptions,
  readServedState,
  requireBuilt,
  serverEnv,
  ServerProcess,
  sleep,
  uuidFrom,
  type CallOutcome,
} from "./harness.js";
import {
  checkAccounting,
  checkRuntime,
  checkServerLog,
  readDatabase,
  readDisk,
  tally,
  type LedgerEntry,
} from "./invariants.js";

const USAGE = `Usage: npm run reliability:soak -- [options]

  --duration S    seconds of load (default 60)
  --processes N   server processes on the runtime (default 4)
  --inflight K    calls each process's client keeps in flight (default 2)
  --tickets T     tickets every process works on (default 8)
  --seed S        seed of the random mix (default "reliability")
  --store file|postgres  the store the servers share (default file: one runtime directory;
                  postgres: a fresh database in a durable throwaway cluster)
  --keep          keep the runtime directory
`;

const opts = parseOptions(
  process.argv.slice(2),
  ["duration", "processes", "inflight", "tickets"],
  ["keep"],
  USAGE,
);
const DURATION_MS = (opts.values.get("duration") ?? 60) * 1000;
const PROCESSES = Math.floor(opts.values.get("processes") ?? 4);
const INFLIGHT = Math.floor(opts.values.get("inflight") ?? 2);
const TICKETS = Math.floor(opts.values.get("tickets") ?? 8);
const SEED = opts.seed;

requireBuilt();

type Kind = "read" | "submit" | "approve" | "reject";
const KINDS: readonly Kind[] = ["read", "submit", "approve", "reject"];
const WRITE_ACTION: Record<Exclude<Kind, "read">, AuditEvent["action"]> = {
  submit: "recommendation-submitted",
  approve: "recommendation-approved",
  reject: "recommendation-rejected",
};

interface PendingRec {
  readonly id: string;
  readonly ticketId: string;
  readonly sourceRevision: number;
}

const ws = createWorkspace("soak", TICKETS);
const dataRoot = join(ws.dir, "runtime");
const target = await openStoreTarget(opts.store);
const env = (extra: Record<string, string> = {}) => serverEnv(ws, dataRoot, { ...target.env, ...extra });
const ticketIds = ws.seedTickets.map((t) => t.id);

// ---------- what the clients saw ----------

const ledger: LedgerEntry[] = [];
const stats = new Map<Kind, { ok: number; refused: number; lost: number }>(
  KINDS.map((k) => [k, { ok: 0, refused: 0, lost: 0 }]),
);
const refusals = new Map<string, number>();
/** Completion times of acknowledged writes by the regular workers (ms since start). */
const writeTimes: number[] = [];
/** Recommendations acknowledged as submitted and not known to be resolved: shared by all workers. */
const pool: PendingRec[] = [];
const unexpected: string[] = [];
let t0 = 0;
const now = (): number => performance.now() - t0;

function count(kind: Kind, outcome: CallOutcome): void {
  const s = stats.get(kind) as { ok: number; refused: number; lost: number };
  if (outcome.kind === "ok") s.ok++;
  else if (outcome.kind === "refused") {
    s.refused++;
    refusals.set(outcome.code, (refusals.get(outcome.code) ?? 0) + 1);
    if (outcome.code === "INTERNAL" || outcome.code === "INVALID_INPUT") {
      unexpected.push(`unexpected refusal of a ${kind}: ${outcome.code}: ${outcome.message}`);
    }
  } else s.lost++;
}

function record(
  kind: Exclude<Kind, "read">,
  key: string,
  args: Record<string, unknown>,
  outcome: CallOutcome,
): void {
  if (outcome.kind === "ok") {
    const rec = outcome.value.recommendation as { id: string } | undefined;
    const ticket = outcome.value.ticket as { revision: number } | undefined;
    ledger.push({
      key,
      answer: { kind: "ok", action: WRITE_ACTION[kind] },
      ticketId: args.ticketId as string,
      recommendationId: kind === "submit" ? (rec?.id ?? "?") : (args.recommendationId as string),
      ...(kind === "approve" && ticket !== undefined ? { revision: ticket.revision } : {}),
    });
  } else {
    ledger.push({
      key,
      answer: outcome.kind === "refused" ? { kind: "refused", code: outcome.code } : { kind: "lost" },
    });
  }
}

// ---------- the operations ----------

function submitArgs(r: Prng, ticketId: string, revision: number, key: string): Record<string, unknown> {
  return {
    ticketId,
    sourceRevision: revision,
    category: r.pick(["billing", "other", "feature-request", "integration"]),
    priority: r.pick(["P3", "P4"]),
    team: r.pick(["support", "billing", "product", "integrations"]),
    tags: [r.pick(["how-to", "question", "settings", "ui"])],
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "none",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: [],
    draftCustomerResponse: `Thanks: the setting is under Preferences (${key.slice(0, 8)}).`,
    rationale: `A how-to question on ${ticketId}.`,
    confidence: Math.round((0.6 + r.next() * 0.35) * 100) / 100,
    recommendedNextAction: "Reply with the steps.",
    actor: "soak-agent",
    idempotencyKey: key,
  };
}

/** Recent recommendations are the ones other processes are deciding on too: races on purpose. */
function pickPending(r: Prng): PendingRec | undefined {
  if (pool.length === 0) return undefined;
  return pool[Math.max(0, pool.length - 1 - r.int(0, 5))];
}

function dropPending(id: string): void {
  const i = pool.findIndex((p) => p.id === id);
  if (i >= 0) pool.splice(i, 1);
}

async function submit(server: ServerProcess, r: Prng, key: string, ticketId: string): Promise<void> {
  const read = await server.call("get_ticket", { id: ticketId });
  count("read", read);
  if (read.kind !== "ok") return;
  const revision = (read.value.ticket as { revision: number }).revision;
  const args = submitArgs(r, ticketId, revision, key);
  const outcome = await server.call("submit_triage_recommendation", args);
  count("submit", outcome);
  record("submit", key, args, outcome);
  if (outcome.kind === "ok") {
    writeTimes.push(now());
    pool.push({
      id: (outcome.value.recommendation as { id: string }).id,
      ticketId,
      sourceRevision: revision,
    });
  }
}

function approveArgs(r: Prng, rec: PendingRec, key: string): Record<string, unknown> {
  const fields = APPROVABLE_FIELDS.filter((f) => f !== "assignee" && f !== "status" && r.chance(0.5));
  return {
    recommendationId: rec.id,
    ticketId: rec.ticketId,
    expectedRevision: rec.sourceRevision,
    approvedFields: fields.length === 0 ? ["priority"] : fields,
    actor: "soak-reviewer",
    confirm: true,
    idempotencyKey: key,
  };
}

async function decide(
  server: ServerProcess,
  r: Prng,
  key: string,
  kind: "approve" | "reject",
): Promise<void> {
  const rec = pickPending(r);
  if (rec === undefined) return submit(server, r, key, r.pick(ticketIds));
  const args =
    kind === "approve"
      ? approveArgs(r, rec, key)
      : {
          recommendationId: rec.id,
          ticketId: rec.ticketId,
          actor: "soak-reviewer",
          feedback: "Needs more detail.",
          idempotencyKey: key,
        };
  const tool = kind === "approve" ? "approve_triage_recommendation" : "reject_triage_recommendation";
  const outcome = await server.call(tool, args);
  count(kind, outcome);
  record(kind, key, args, outcome);
  if (outcome.kind === "ok") writeTimes.push(now());
  // Resolved, or stale for good: either way nobody can approve it any more.
  if (outcome.kind === "ok" || (outcome.kind === "refused" && outcome.code !== "STORE_UNAVAILABLE"))
    dropPending(rec.id);
}

async function read(server: ServerProcess, r: Prng): Promise<void> {
  const ticketId = r.pick(ticketIds);
  const [tool, args] = r.pick([
    ["get_ticket", { id: ticketId }],
    ["list_tickets", { limit: 20 }],
    ["list_recommendations", { resolution: "pending", limit: 20 }],
    ["get_audit_events", { ticketId, limit: 20 }],
    ["get_queue_metrics", {}],
  ] as const);
  count("read", await server.call(tool, args));
}

async function worker(server: ServerProcess, r: Prng, deadline: number): Promise<void> {
  while (now() < deadline) {
    const kind = r.weighted([
      ["read", 35],
      ["submit", 30],
      ["approve", 22],
      ["reject", 13],
    ] as const);
    const key = uuidFrom(r);
    if (kind === "read") await read(server, r);
    else if (kind === "submit") await submit(server, r, key, r.pick(ticketIds));
    else await decide(server, r, key, kind);
  }
}

// ---------- faults: lock holders that die or stall ----------

interface FaultReport {
  readonly at: number;
  readonly what: string;
  readonly result: string;
  readonly violations: string[];
}

/** First acknowledged write of a regular worker after `t`, in ms after `t`. */
async function nextWriteAfter(t: number, limitMs: number): Promise<number | undefined> {
  const until = t + limitMs;
  while (now() < until) {
    const first = writeTimes.find((x) => x > t);
    if (first !== undefined) return first - t;
    await sleep(20);
  }
  return undefined;
}

/**
 * An extra writer killed by its crash point while it holds the lock mid-transaction. A write
 * refused before any event (a stale submission) never reaches the point: then it writes again.
 */
async function dieAt(point: "tx.claimed" | "tx.appended", r: Prng): Promise<FaultReport> {
  const at = now();
  const server = await ServerProcess.start(`die-${point}`, env(crashEnv(point)));
  const v: string[] = [];
  let outcome: CallOutcome = { kind: "lost", error: "not called" };
  let kind: "submit" | "approve" = "submit";
  for (let attempt = 1; attempt <= 10; attempt++) {
    const key = uuidFrom(r);
    const rec = point === "tx.appended" ? pickPending(r) : undefined;
    if (rec !== undefined) {
      kind = "approve";
      const args = approveArgs(r, rec, key);
      outcome = await server.call("approve_triage_recommendation", args, 30_000);
      record("approve", key, args, outcome);
    } else {
      kind = "submit";
      const ticketId = r.pick(ticketIds);
      const got = await server.call("get_ticket", { id: ticketId });
      const revision = got.kind === "ok" ? (got.value.ticket as { revision: number }).revision : 0;
      const args = submitArgs(r, ticketId, revision, key);
      outcome = await server.call("submit_triage_recommendation", args, 30_000);
      record("submit", key, args, outcome);
    }
    if (outcome.kind !== "refused") break;
  }
  const exit = await server.exitWithin(10_000);
  const killedAt = now();
  if (exit.timedOut || exit.signal !== "SIGKILL" || outcome.kind !== "lost") {
    v.push(
      `the ${kind} at ${point} was not killed mid-transaction (signal ${String(exit.signal)}, answer ${outcome.kind})`,
    );
  }
  const gap = await nextWriteAfter(killedAt, LOCK_STALE_MS);
  if (gap === undefined)
    v.push(`after the kill at ${point}, no other process wrote within ${LOCK_STALE_MS} ms`);
  return {
    at,
    what: `${kind} killed at ${point} (holding the lock)`,
    result: gap === undefined ? "others stalled" : `others wrote again ${Math.round(gap)} ms after the kill`,
    violations: v,
  };
}

/**
 * A writer that pauses holding the lock (its whole thread blocked, as if hung): killed after
 * `holdMs`, or left to wake up by itself after `pauseMs` (past the lock's stale time).
 */
async function pauseHolding(r: Prng, holdMs: number, pauseMs: number, kill: boolean): Promise<FaultReport> {
  const at = now();
  const marker = join(ws.dir, `paused-${Math.round(at)}.pid`);
  const server = await ServerProcess.start(
    "paused",
    env(
      crashEnv("tx.locked", {
        TRIAGE_CRASH_ACTION: "pause",
        TRIAGE_CRASH_MARKER: marker,
        TRIAGE_PAUSE_MS: String(pauseMs),
      }),
    ),
  );
  const ticketId = r.pick(ticketIds);
  const key = uuidFrom(r);
  // The stalled writer adds a note, which no race can refuse: it commits after waking up, while
  // another process holds the lock it lost, so the claim protocol alone keeps the two apart.
  const write = kill ? "submit" : "note";
  let args: Record<string, unknown>;
  if (write === "submit") {
    const got = await server.call("get_ticket", { id: ticketId });
    const revision = got.kind === "ok" ? (got.value.ticket as { revision: number }).revision : 0;
    args = submitArgs(r, ticketId, revision, key);
  } else {
    args = {
      ticketId,
      author: "soak-stalled",
      body: "Written by a writer that stalled holding the lock.",
      idempotencyKey: key,
    };
  }
  const tool = write === "submit" ? "submit_triage_recommendation" : "add_ticket_note";
  const call = server.call(tool, args, pauseMs + 60_000);
  const v: string[] = [];
  const waitUntil = now() + 10_000;
  while (!existsSync(marker) && now() < waitUntil) await sleep(5);
  const pausedAt = now();
  if (!existsSync(marker)) v.push("the paused writer never reached tx.locked");
  if (kill) {
    await sleep(holdMs);
    const killedAt = now();
    server.kill();
    const outcome = await call;
    record("submit", key, args, outcome);
    const exit = await server.exitWithin(10_000);
    if (exit.timedOut || exit.signal !== "SIGKILL")
      v.push(`the paused writer was not killed (exit ${String(exit.code)})`);
    const waitedBehind = writeTimes.filter((x) => x > pausedAt && x <= killedAt).length;
    const gap = await nextWriteAfter(killedAt, LOCK_STALE_MS);
    if (gap === undefined)
      v.push(`after killing the paused lock holder, no other process wrote within ${LOCK_STALE_MS} ms`);
    return {
      at,
      what: `submit paused at tx.locked for ${holdMs} ms, then SIGKILL (dead-owner reclaim)`,
      result: `${waitedBehind} writes by others while it held the lock; others wrote again ${gap === undefined ? "never" : `${Math.round(gap)} ms`} after the kill`,
      violations: v,
    };
  }
  const outcome = await call;
  ledger.push(
    outcome.kind === "ok"
      ? { key, answer: { kind: "ok", action: "note-added" }, ticketId }
      : {
          key,
          answer: outcome.kind === "refused" ? { kind: "refused", code: outcome.code } : { kind: "lost" },
        },
  );
  const takeover = writeTimes.find((x) => x > pausedAt + 1);
  const exit = await server.close();
  if (exit.code !== 0) v.push(`the stalled writer exited ${String(exit.code)} ${String(exit.signal)}`);
  if (outcome.kind === "lost") v.push("the stalled writer never answered");
  v.push(...checkServerLog(server.stderr()));
  return {
    at,
    what: `note stalled at tx.locked for ${pauseMs} ms (lock stale after ${LOCK_STALE_MS} ms), not killed`,
    result:
      `others took the lock over ${takeover === undefined ? "never" : `after ${((takeover - pausedAt) / 1000).toFixed(1)} s`}; ` +
      `the stalled write then answered ${outcome.kind === "ok" ? "ok (committed after the takeover)" : outcome.kind === "refused" ? outcome.code : "nothing"}`,
    violations: v,
  };
}

// ---------- main ----------

async function main(): Promise<number> {
  const faultRng = createPrng(`${SEED}:faults`);
  // The first start initializes the runtime; the others open it.
  const first = await ServerProcess.start("soak-1", env());
  const servers = [
    first,
    ...(await Promise.all(
      Array.from({ length: PROCESSES - 1 }, (_, i) => ServerProcess.start(`soak-${i + 2}`, env())),
    )),
  ];
  t0 = performance.now();
  const deadline = DURATION_MS;
  const workers = servers.flatMap((s, i) =>
    Array.from({ length: INFLIGHT }, (_, j) => worker(s, createPrng(`${SEED}:worker:${i}:${j}`), deadline)),
  );

  // Faults at fixed fractions of the run; the stall needs room for the stale timeout.
  const faults: FaultReport[] = [];
  const schedule: [number, () => Promise<FaultReport>][] = [
    [0.15, () => dieAt("tx.claimed", faultRng)],
    [0.3, () => dieAt("tx.appended", faultRng)],
    [0.45, () => pauseHolding(faultRng, 1_500, 60_000, true)],
  ];
  const stallMs = LOCK_STALE_MS + 2_000;
  if (DURATION_MS * 0.4 > stallMs + 2_000)
    schedule.push([0.55, () => pauseHolding(faultRng, 0, stallMs, false)]);
  const faultRun = (async () => {
    for (const [fraction, fault] of schedule) {
      const wait = DURATION_MS * fraction - now();
      if (wait > 0) await sleep(wait);
      faults.push(await fault());
    }
  })();
  await Promise.all([...workers, faultRun]);
  const elapsed = now();

  const v: string[] = [...unexpected];
  for (const [i, s] of servers.entries()) {
    const exit = await s.close();
    if (exit.code !== 0) v.push(`process ${i + 1} exited ${String(exit.code)} ${String(exit.signal)}`);
    v.push(...checkServerLog(s.stderr()));
  }
  v.push(...faults.flatMap((f) => f.violations));

  // A fresh server reads everything back; then the runtime must be at rest.
  const verifier = await ServerProcess.start("soak-verify", env());
  const served = await readServedState(verifier);
  await verifier.close();
  const disk = target.databaseUrl === undefined ? readDisk(dataRoot) : await readDatabase(target.databaseUrl);
  v.push(...checkRuntime({ disk, served }), ...checkServerLog(verifier.stderr()));
  const acct = checkAccounting(disk.events, ledger);
  v.push(...acct.violations);

  // ---------- report ----------
  const out = (s = ""): boolean => process.stdout.write(`${s}\n`);
  const secs = elapsed / 1000;
  const total = [...stats.values()].reduce((n, s) => n + s.ok + s.refused + s.lost, 0);
  out(
    `soak (seed "${SEED}"): ${PROCESSES} server processes x ${INFLIGHT} calls in flight on one ${target.kind === "file" ? "runtime" : "database"}, ${TICKETS} shared tickets, ${secs.toFixed(1)} s`,
  );
  out(`operations: ${total} (${(total / secs).toFixed(1)}/s)`);
  out(`| kind    | calls | per second | ok    | refused | no answer |`);
  out(`| ------- | ----- | ---------- | ----- | ------- | --------- |`);
  for (const [kind, s] of stats) {
    const n = s.ok + s.refused + s.lost;
    out(
      `| ${kind.padEnd(7)} | ${String(n).padStart(5)} | ${(n / secs).toFixed(1).padStart(10)} | ${String(s.ok).padStart(5)} | ${String(s.refused).padStart(7)} | ${String(s.lost).padStart(9)} |`,
    );
  }
  const audited = new Map<string, number>();
  for (const e of disk.events) {
    if (e.action === "approval-rejected")
      audited.set(String(e.data?.code), (audited.get(String(e.data?.code)) ?? 0) + 1);
  }
  out(
    `refusals by code: ${
      [...refusals]
        .sort((a, b) => b[1] - a[1])
        .map(
          ([c, n]) => `${c} ${n}${audited.has(c) ? ` (${audited.get(c)} audited as approval-rejected)` : ""}`,
        )
        .join(", ") || "none"
    }`,
  );
  out();
  out("faults:");
  for (const f of faults) {
    out(
      `  t=${(f.at / 1000).toFixed(1).padStart(5)} s  ${f.what}: ${f.result}${f.violations.length > 0 ? ` FAIL(${f.violations.length})` : ""}`,
    );
  }
  out();
  const approvals = disk.events.filter((e) => e.action === "recommendation-approved").length;
  const verified = disk.verify.ok
    ? `${disk.verify.events} events, head ${disk.verify.headHash.slice(0, 16)}`
    : "FAILED";
  out(`audit log: ${verified}; ${approvals} approvals over ${ticketIds.length} tickets`);
  out(
    `audit events: ${acct.events + 1} = 1 (seq 0) + ${acct.acknowledged} acknowledged writes + ${acct.auditedRefusals} audited refusals + ${acct.unansweredCommitted} committed writes of killed processes (never answered)`,
  );
  out("invariants:");
  for (const row of tally(v)) out(`  ${row.count === 0 ? "ok  " : `FAIL(${row.count})`} ${row.label}`);
  for (const x of v) out(`  ${x}`);
  out(`violations: ${v.length}`);
  if (v.length === 0 && !opts.flags.has("keep")) ws.remove();
  else out(`runtime kept in ${dataRoot}`);
  return v.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} finally {
  await target.stop();
}
