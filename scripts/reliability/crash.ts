// `npm run reliability:crash`: the crash matrix. Every mutation (five MCP tools, the import CLI,
// handoff delivery, and the first start) is killed with SIGKILL at every named step it passes
// through, in the built server, then a clean server recovers the runtime and the invariants are
// checked; then random-time kills during bursts of concurrent writes. Prints the table and exits
// 1 on any inconsistency. See docs/reliability.md.

import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createPrng } from "../fixtures/prng.js";
import type { AuditEvent } from "../../src/domain/schemas.js";
import { STEPS as CRASH_POINTS, type Step as CrashPoint } from "../../src/store/index.js";
import {
  crashEnv,
  createWorkspace,
  pool,
  readServedState,
  requireBuilt,
  runCli,
  serverEnv,
  ServerProcess,
  sleep,
  uuidFrom,
  parseOptions,
  openPlaces,
  type CallOutcome,
  type Workspace,
} from "./harness.js";
import {
  checkAccounting,
  checkRuntime,
  checkServerLog,
  type LedgerEntry,
  type ServedState,
} from "./invariants.js";

const USAGE = `Usage: npm run reliability:crash -- [options]

  --rounds R     random-time kill rounds (default 10; --quick: 3)
  --burst N      concurrent writes per round (default 24; --quick: 12)
  --seed S       seed of the random choices (default "reliability")
  --quick        fewer random rounds (the matrix itself always runs in full)
  --concurrency C  matrix cases run at once (default 2)
  --keep         keep the temporary runtime directories (always kept on a failure)
  --store file|postgres  the store under test (default file; postgres: a database per case, copied
                 from the template's database, in a durable throwaway cluster)
`;

const opts = parseOptions(
  process.argv.slice(2),
  ["rounds", "burst", "concurrency"],
  ["quick", "keep"],
  USAGE,
);
const QUICK = opts.flags.has("quick");
const ROUNDS = Math.floor(opts.values.get("rounds") ?? (QUICK ? 3 : 10));
const BURST = Math.floor(opts.values.get("burst") ?? (QUICK ? 12 : 24));
const CONCURRENCY = Math.floor(opts.values.get("concurrency") ?? 2);
const SEED = opts.seed;

requireBuilt();
const places = await openPlaces(opts.store);
const started = performance.now();
const rng = createPrng(`${SEED}:crash`);
const newKey = (): string => uuidFrom(rng);

// ---------- fixtures ----------

const TX_POINTS: readonly CrashPoint[] = [
  "tx.locked",
  "tx.claimed",
  "tx.appended",
  "tx.synced",
  "tx.released",
];
/**
 * Where a kill leaves the mutation absent. In the file store, from the claim on the journal holds
 * the whole line and recovery finishes the commit; in PostgreSQL nothing is committed before COMMIT
 * (tx.synced is the first step after it), and a killed session's transaction is rolled back.
 */
const ABSENT_AFTER_KILL: ReadonlySet<CrashPoint> =
  places.kind === "file"
    ? new Set(["tx.locked", "import.batch-staged"])
    : new Set(["tx.locked", "import.batch-staged", "tx.claimed", "tx.appended"]);

/** The environment of a server or CLI on `dir`'s store. */
const envOf = (dir: string, extra: Record<string, string> = {}) =>
  serverEnv(ws, dir, { ...places.env(dir), ...extra });

function submitArgs(ticketId: string, revision: number, key: string, extra: Record<string, unknown> = {}) {
  return {
    ticketId,
    sourceRevision: revision,
    category: "other",
    priority: "P3",
    team: "support",
    tags: ["how-to"],
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "none",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: [],
    draftCustomerResponse: "Thanks for asking: the setting is under Workspace > Preferences.",
    rationale: `A how-to question on ${ticketId}; nothing is broken.`,
    confidence: 0.9,
    recommendedNextAction: "Send the reply and close the ticket.",
    actor: "reliability-agent",
    idempotencyKey: key,
    ...extra,
  };
}

const ws: Workspace = createWorkspace("crash", 12);
const TEMPLATE = join(ws.dir, "template");
const IMPORT_FILE = join(ws.dir, "import.csv");
const IMPORT_ROWS = 25;
writeFileSync(
  IMPORT_FILE,
  [
    "external id,subject,description,status,priority,customer,plan,region,vip,created at",
    ...Array.from(
      { length: IMPORT_ROWS },
      (_, i) =>
        `EXT-${i + 1},Imported question ${i + 1},How do I rename a report (${i + 1})?,open,low,Importer ${i + 1},team,eu-west,false,2026-01-04T10:00:00Z`,
    ),
  ].join("\n") + "\n",
);

interface Template {
  readonly events: readonly AuditEvent[];
  readonly served: ServedState;
  /** A pending recommendation on TKT-2 (approved or rejected by the matrix). */
  readonly pending: { readonly id: string; readonly ticketId: string; readonly revision: number };
  /** Pending recommendations on TKT-5..TKT-12, for the random bursts. */
  readonly burstRecs: readonly {
    readonly id: string;
    readonly ticketId: string;
    readonly revision: number;
  }[];
}

/** One runtime that every case starts from: a pending recommendation and a pending handoff. */
async function buildTemplate(): Promise<Template> {
  await places.fresh(TEMPLATE);
  const server = await ServerProcess.start("template", envOf(TEMPLATE));
  const revisionOf = (id: string): number => ws.seedTickets.find((t) => t.id === id)?.revision ?? 0;
  const submit = async (ticketId: string, extra: Record<string, unknown> = {}) => {
    const rec = (
      await server.must(
        "submit_triage_recommendation",
        submitArgs(ticketId, revisionOf(ticketId), newKey(), extra),
      )
    ).recommendation as { id: string };
    return { id: rec.id, ticketId, revision: revisionOf(ticketId) };
  };
  const pending = await submit("TKT-2");
  // An escalated routing to security: its approval puts one team notification in the outbox.
  const escalated = await submit("TKT-4", { securityRisk: "possible", team: "security", priority: "P2" });
  await server.must("approve_triage_recommendation", {
    recommendationId: escalated.id,
    ticketId: "TKT-4",
    expectedRevision: escalated.revision,
    approvedFields: ["team"],
    actor: "reliability-reviewer",
    confirm: true,
    idempotencyKey: newKey(),
  });
  const burstRecs = [];
  for (let n = 5; n <= 12; n++) burstRecs.push(await submit(`TKT-${n}`));
  const served = await readServedState(server);
  await server.close();
  if (served.handoffs.length !== 1) {
    throw new Error(`the template should hold 1 pending handoff, it holds ${served.handoffs.length}`);
  }
  return { events: (await places.read(TEMPLATE)).events, served, pending, burstRecs };
}

// ---------- the webhook receiver ----------

/** Counts every POST by case and Idempotency-Key: a handoff must never arrive twice. */
class Receiver {
  readonly counts = new Map<string, number>();
  private readonly server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on("end", () => {
      const key = `${req.url ?? ""} ${String(req.headers["idempotency-key"] ?? "")}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
  }

  url(caseId: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook/${caseId}`;
  }

  /** POSTs received for one case, per Idempotency-Key. */
  received(caseId: string): number[] {
    return [...this.counts].filter(([k]) => k.startsWith(`/hook/${caseId} `)).map(([, n]) => n);
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

// ---------- the mutations ----------

interface Mutation {
  readonly row: string;
  readonly points: readonly CrashPoint[];
  /** The event the mutation commits (for delivery: the attempt, committed before the request). */
  readonly action: AuditEvent["action"];
  /** Its idempotency key, when it has one. */
  readonly key?: string;
  /** Runs the mutation in a process with the crash environment; returns what went wrong. */
  crash(dir: string, env: Record<string, string>, caseId: string): Promise<string[]>;
  /** After recovery, with a clean server on the runtime: the caller's retry. */
  retry(dir: string, server: ServerProcess, caseId: string): Promise<string[]>;
  /** Checks after the retry (delivery: what the receiver got). */
  after?(caseId: string, point: CrashPoint, served: ServedState): string[];
}

/** A tool call whose server process must be killed at the crash point before it answers. */
function toolMutation(
  row: string,
  tool: string,
  action: AuditEvent["action"],
  args: Record<string, unknown>,
): Mutation {
  const key = args.idempotencyKey as string;
  return {
    row,
    points: TX_POINTS,
    action,
    key,
    async crash(_dir, env, caseId) {
      const server = await ServerProcess.start(`crash-${caseId}`, env);
      const outcome = await server.call(tool, args, 30_000);
      const exit = await server.exitWithin(15_000);
      return killProblems(outcome, exit.timedOut ? null : exit.signal);
    },
    async retry(_dir, server) {
      const outcome = await server.call(tool, args);
      return outcome.kind === "ok"
        ? []
        : [`retry: ${tool} with the same key was not accepted: ${describe(outcome)}`];
    },
  };
}

function killProblems(outcome: CallOutcome, signal: NodeJS.Signals | null): string[] {
  const out: string[] = [];
  if (signal !== "SIGKILL")
    out.push(`the process was not killed at the crash point (exit signal ${String(signal)})`);
  if (outcome.kind !== "lost") out.push(`the call was answered before the kill: ${describe(outcome)}`);
  return out;
}

function describe(outcome: CallOutcome): string {
  return outcome.kind === "ok"
    ? "ok"
    : outcome.kind === "refused"
      ? `${outcome.code}: ${outcome.message}`
      : `no answer (${outcome.error})`;
}

function webhooksFile(dir: string, receiver: Receiver, caseId: string): string {
  const file = join(dir, "..", `${caseId}.webhooks.json`);
  writeFileSync(file, JSON.stringify({ "*": receiver.url(caseId) }));
  return file;
}

function mutations(template: Template, receiver: Receiver): Mutation[] {
  const pending = template.pending;
  const cliEnv = (dir: string) => envOf(dir);
  return [
    toolMutation(
      "submit",
      "submit_triage_recommendation",
      "recommendation-submitted",
      submitArgs("TKT-3", template.served.tickets.find((t) => t.id === "TKT-3")?.revision ?? 0, newKey()),
    ),
    toolMutation("approve", "approve_triage_recommendation", "recommendation-approved", {
      recommendationId: pending.id,
      ticketId: pending.ticketId,
      expectedRevision: pending.revision,
      approvedFields: ["category", "priority", "team", "tags"],
      actor: "reliability-reviewer",
      confirm: true,
      idempotencyKey: newKey(),
    }),
    toolMutation("reject", "reject_triage_recommendation", "recommendation-rejected", {
      recommendationId: pending.id,
      ticketId: pending.ticketId,
      actor: "reliability-reviewer",
      feedback: "Ask the customer which workspace first.",
      idempotencyKey: newKey(),
    }),
    toolMutation("create_ticket", "create_ticket", "ticket-created", {
      subject: "How do I export invoices as CSV?",
      description: "The customer wants a CSV export of last year's invoices.",
      customer: { name: "Crash Test Ltd", plan: "team", region: "eu-west", vip: false },
      actor: "reliability-agent",
      idempotencyKey: newKey(),
    }),
    toolMutation("add_ticket_note", "add_ticket_note", "note-added", {
      ticketId: "TKT-3",
      author: "reliability-agent",
      body: "Customer confirmed the workspace name by phone.",
      idempotencyKey: newKey(),
    }),
    {
      row: "import (CLI)",
      points: ["tx.locked", "import.batch-staged", "tx.claimed", "tx.appended", "tx.synced", "tx.released"],
      action: "tickets-imported",
      async crash(dir, env) {
        const run = await runCli(
          ["import", "--from", IMPORT_FILE, "--data-root", dir, "--actor", "reliability"],
          env,
        );
        return run.signal === "SIGKILL"
          ? []
          : [`the importer was not killed (exit ${String(run.code)}): ${run.stderr.slice(-300)}`];
      },
      async retry(dir) {
        const args = ["import", "--from", IMPORT_FILE, "--data-root", dir, "--actor", "reliability"];
        const run = await runCli(args, cliEnv(dir));
        return run.code === 0
          ? []
          : [
              `retry: the import exited ${String(run.code)}: ${run.stderr.slice(-300)}${run.stdout.slice(-300)}`,
            ];
      },
      after(_caseId, _point, served) {
        const expected = template.served.tickets.length + IMPORT_ROWS;
        return served.tickets.length === expected
          ? []
          : [`${served.tickets.length} tickets after the import, expected ${expected}`];
      },
    },
    {
      row: "handoff delivery (CLI)",
      points: [...TX_POINTS, "handoff.attempt-recorded", "handoff.posted"],
      action: "handoff-attempted",
      async crash(dir, env, caseId) {
        const args = [
          "handoffs",
          "deliver",
          "--data-root",
          dir,
          "--webhooks",
          webhooksFile(dir, receiver, caseId),
        ];
        const run = await runCli(args, env);
        return run.signal === "SIGKILL"
          ? []
          : [`the deliverer was not killed (exit ${String(run.code)}): ${run.stderr.slice(-300)}`];
      },
      async retry(dir, _server, caseId) {
        const args = [
          "handoffs",
          "deliver",
          "--data-root",
          dir,
          "--webhooks",
          webhooksFile(dir, receiver, caseId),
          "--json",
        ];
        const run = await runCli(args, cliEnv(dir));
        // 1: a handoff left in-flight needs an operator, which is the expected answer after a kill.
        return run.code === 0 || run.code === 1
          ? []
          : [`retry: handoffs deliver exited ${String(run.code)}: ${run.stderr.slice(-300)}`];
      },
      after(caseId, point, served) {
        const out: string[] = [];
        const counts = receiver.received(caseId);
        if (counts.some((n) => n > 1))
          out.push(`handoff POSTed twice: the receiver counts ${counts.join(", ")}`);
        const posted = counts.reduce((a, b) => a + b, 0);
        // Killed before the attempt was committed: the rerun delivers it. Killed after: in-flight,
        // never resent. (The tx.* points are those of the attempt's commit.)
        const attemptLost = ABSENT_AFTER_KILL.has(point);
        const expectPosted = attemptLost || point === "handoff.posted" ? 1 : 0;
        const expectStatus = attemptLost ? "delivered" : "in-flight";
        if (posted !== expectPosted) out.push(`the receiver got ${posted} POST(s), expected ${expectPosted}`);
        const status = served.handoffs[0]?.status;
        if (status !== expectStatus) out.push(`the handoff is ${String(status)}, expected ${expectStatus}`);
        return out;
      },
    },
  ];
}

// ---------- one case ----------

interface CaseResult {
  readonly row: string;
  readonly point: CrashPoint;
  readonly violations: string[];
  readonly present: boolean | undefined;
  readonly ms: number;
}

const keyOf = (e: AuditEvent): string | undefined =>
  (e.data?.idempotency as { key?: string } | undefined)?.key;

function ownEvent(m: Mutation, e: AuditEvent): boolean {
  return e.action === m.action && (m.key === undefined || keyOf(e) === m.key);
}

/** The log still starts with the template's events, byte for byte (by hash). */
function prefixProblems(pre: readonly AuditEvent[], post: readonly AuditEvent[]): string[] {
  for (let i = 0; i < pre.length; i++) {
    if (post[i]?.hash !== pre[i]?.hash)
      return [`the log no longer starts with the pre-state: seq ${i} differs`];
  }
  return [];
}

/** Tickets, recommendations and handoffs no new event names are exactly as before. */
function untouchedProblems(pre: ServedState, post: ServedState, tail: readonly AuditEvent[]): string[] {
  const named = new Set<string>();
  for (const e of tail) {
    if (typeof e.ticketId === "string") named.add(e.ticketId);
    if (e.recommendationId !== undefined) named.add(e.recommendationId);
    const handoffId = (e.data as { handoffId?: string } | undefined)?.handoffId;
    if (handoffId !== undefined) named.add(handoffId);
  }
  const out: string[] = [];
  const compare = (kind: string, before: readonly { id: string }[], after: readonly { id: string }[]) => {
    const now = new Map(after.map((x) => [x.id, JSON.stringify(x)]));
    for (const x of before) {
      if (!named.has(x.id) && now.get(x.id) !== JSON.stringify(x))
        out.push(`pre-state: ${kind} ${x.id} changed without an event`);
    }
  };
  compare("ticket", pre.tickets, post.tickets);
  compare("recommendation", pre.recommendations, post.recommendations);
  compare("handoff", pre.handoffs, post.handoffs);
  return out;
}

async function probe(server: ServerProcess, key: string): Promise<string[]> {
  const outcome = await server.call("add_ticket_note", {
    ticketId: "TKT-1",
    author: "reliability-probe",
    body: "Probe write after recovery.",
    idempotencyKey: key,
  });
  return outcome.kind === "ok" ? [] : [`probe: a write after recovery failed: ${describe(outcome)}`];
}

async function runCase(
  m: Mutation,
  point: CrashPoint,
  template: Template,
  caseId: string,
): Promise<CaseResult> {
  const t0 = performance.now();
  const dir = join(ws.dir, "cases", caseId);
  await places.copy(TEMPLATE, dir);
  const v: string[] = [];
  v.push(...(await m.crash(dir, envOf(dir, crashEnv(point)), caseId)));

  // Restart: a clean server opens (and repairs) the runtime.
  const server = await ServerProcess.start(`clean-${caseId}`, envOf(dir));
  const mid = (await places.read(dir)).events;
  v.push(...prefixProblems(template.events, mid));
  const tail = mid.slice(template.events.length);
  const own = tail.filter((e) => ownEvent(m, e));
  const stray = tail.filter((e) => !ownEvent(m, e));
  if (stray.length > 0)
    v.push(`after recovery: unexpected events ${stray.map((e) => `${e.seq} ${e.action}`).join(", ")}`);
  if (own.length > 1) v.push(`after recovery: the mutation is in the log ${own.length} times`);
  const present = own.length === 1;
  const expected = !ABSENT_AFTER_KILL.has(point);
  if (present !== expected) {
    v.push(
      present
        ? `after recovery: the mutation is present although the kill came before it was committed`
        : `after recovery: the mutation is absent although it was committed`,
    );
  }

  // The caller retries (same key, same file, or the deliverer run again), then a probe write.
  v.push(...(await m.retry(dir, server, caseId)));
  const probeKey = newKey();
  v.push(...(await probe(server, probeKey)));
  const served = await readServedState(server);
  await server.close();

  const disk = await places.read(dir);
  v.push(...checkRuntime({ disk, served }), ...checkServerLog(server.stderr()));
  const finalTail = disk.events.slice(template.events.length);
  const finalOwn = finalTail.filter((e) => ownEvent(m, e)).length;
  if (finalOwn !== 1) v.push(`after the retry: the mutation is in the log ${finalOwn} times, expected once`);
  if (finalTail.filter((e) => keyOf(e) === probeKey).length !== 1)
    v.push("the probe write is not in the log once");
  v.push(...untouchedProblems(template.served, served, finalTail));
  v.push(...(m.after?.(caseId, point, served) ?? []));
  return { row: m.row, point, violations: v, present, ms: performance.now() - t0 };
}

/** First start: killed while initializing, the next start initializes cleanly. */
async function runInitCase(point: CrashPoint, caseId: string): Promise<CaseResult> {
  const t0 = performance.now();
  const dir = join(ws.dir, "cases", caseId);
  await places.fresh(dir);
  const v: string[] = [];
  // stdin is closed: a server that got past initialization would exit 0 at once.
  const run = await runCli([], envOf(dir, crashEnv(point)));
  if (run.signal !== "SIGKILL") v.push(`the first start was not killed (exit ${String(run.code)})`);
  const present = await places.initialized(dir);
  if (present) v.push("the store is initialized after a kill during initialization");
  const server = await ServerProcess.start(`clean-${caseId}`, envOf(dir));
  const probeKey = newKey();
  v.push(...(await probe(server, probeKey)));
  const served = await readServedState(server);
  await server.close();
  const disk = await places.read(dir);
  v.push(...checkRuntime({ disk, served }), ...checkServerLog(server.stderr()));
  const inits = disk.events.filter((e) => e.action === "runtime-initialized").length;
  if (inits !== 1 || disk.events.length !== 2)
    v.push(
      `expected seq 0 and the probe, the log holds ${disk.events.length} events (${inits} initializations)`,
    );
  if (served.tickets.length !== ws.seedTickets.length)
    v.push(`${served.tickets.length} tickets after initialization, the seed has ${ws.seedTickets.length}`);
  return { row: "first start", point, violations: v, present, ms: performance.now() - t0 };
}

// ---------- random-time kills during write bursts ----------

interface Write {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly action: AuditEvent["action"];
}

function burstWrites(template: Template, round: number): Write[] {
  const r = createPrng(`${SEED}:burst:${round}`);
  const key = (): string => uuidFrom(r);
  const revisionOf = (id: string): number => template.served.tickets.find((t) => t.id === id)?.revision ?? 0;
  return Array.from({ length: BURST }, (): Write => {
    const kind = r.weighted([
      ["submit", 4],
      ["create", 2],
      ["note", 2],
      ["approve", 2],
      ["reject", 1],
    ] as const);
    const ticketId = `TKT-${r.int(1, 12)}`;
    // Picked with replacement: two decisions on one recommendation race, and one is refused.
    const rec = r.pick(template.burstRecs);
    switch (kind) {
      case "submit":
        return {
          tool: "submit_triage_recommendation",
          action: "recommendation-submitted",
          args: submitArgs(ticketId, revisionOf(ticketId), key()),
        };
      case "create":
        return {
          tool: "create_ticket",
          action: "ticket-created",
          args: {
            subject: `Burst ticket ${round}`,
            description: "Where do I change the invoice address?",
            customer: { name: "Burst Co", plan: "growth", region: "us-east", vip: false },
            idempotencyKey: key(),
          },
        };
      case "note":
        return {
          tool: "add_ticket_note",
          action: "note-added",
          args: {
            ticketId,
            author: "reliability-agent",
            body: `Burst note ${round}.`,
            idempotencyKey: key(),
          },
        };
      case "approve":
        return {
          tool: "approve_triage_recommendation",
          action: "recommendation-approved",
          args: {
            recommendationId: rec.id,
            ticketId: rec.ticketId,
            expectedRevision: rec.revision,
            approvedFields: r.chance(0.5) ? ["category", "priority"] : ["team", "tags", "customerResponse"],
            actor: "reliability-reviewer",
            confirm: true,
            idempotencyKey: key(),
          },
        };
      case "reject":
        return {
          tool: "reject_triage_recommendation",
          action: "recommendation-rejected",
          args: {
            recommendationId: rec.id,
            ticketId: rec.ticketId,
            actor: "reliability-reviewer",
            feedback: "Needs the workspace name.",
            idempotencyKey: key(),
          },
        };
    }
  });
}

function ledgerEntry(w: Write, outcome: CallOutcome): LedgerEntry {
  const key = w.args.idempotencyKey as string;
  if (outcome.kind === "ok") {
    const ticket = outcome.value.ticket as { revision?: number } | undefined;
    return {
      key,
      answer: { kind: "ok", action: w.action },
      ...(w.action === "recommendation-approved" && ticket?.revision !== undefined
        ? { revision: ticket.revision }
        : {}),
    };
  }
  return {
    key,
    answer: outcome.kind === "refused" ? { kind: "refused", code: outcome.code } : { kind: "lost" },
  };
}

interface RoundResult {
  readonly round: number;
  readonly delayMs: number;
  readonly answered: number;
  readonly lost: number;
  readonly lostCommitted: number;
  /** How long the first write after the restart took (it reclaims the dead server's lock). */
  readonly firstWriteMs: number;
  readonly violations: string[];
}

/**
 * One write of each costly kind before the burst, as a client would have made: a fresh
 * process's first submission pays for compiling its schemas and rules, which would otherwise
 * put most kills before the first commit. Returns the keys, which the accounting allows.
 */
async function warmUp(server: ServerProcess, round: number): Promise<string[]> {
  const r = createPrng(`${SEED}:warm:${round}`);
  const keys = [uuidFrom(r), uuidFrom(r)];
  await server.must(
    "submit_triage_recommendation",
    submitArgs("TKT-1", ws.seedTickets[0]?.revision ?? 0, keys[0] as string),
  );
  await server.must("create_ticket", {
    subject: "Warm-up question",
    description: "How do I add a user?",
    customer: { name: "Warm Up", plan: "team", region: "eu-west", vip: false },
    idempotencyKey: keys[1],
  });
  return keys;
}

/** How long a burst takes without a kill on this machine: the kill delays are drawn below it. */
async function calibrate(template: Template): Promise<number> {
  const dir = join(ws.dir, "rounds", "calibration");
  await places.copy(TEMPLATE, dir);
  const server = await ServerProcess.start("calibration", envOf(dir));
  await warmUp(server, -1);
  const writes = burstWrites(template, -1);
  const t0 = performance.now();
  await Promise.all(writes.map((w) => server.call(w.tool, w.args)));
  const ms = performance.now() - t0;
  await server.close();
  return ms;
}

async function runRound(template: Template, round: number, delayMs: number): Promise<RoundResult> {
  const dir = join(ws.dir, "rounds", `round-${round}`);
  await places.copy(TEMPLATE, dir);
  const writes = burstWrites(template, round);
  const server = await ServerProcess.start(`burst-${round}`, envOf(dir));
  const warmKeys = await warmUp(server, round);
  const calls = writes.map((w) => server.call(w.tool, w.args, 30_000));
  await sleep(delayMs);
  server.kill();
  const outcomes = await Promise.all(calls);
  const exit = await server.exitWithin(15_000);
  const v: string[] = [];
  if (exit.signal !== "SIGKILL")
    v.push(`round ${round}: the server was not killed (exit ${String(exit.code)})`);
  const ledger = writes.map((w, i) => ledgerEntry(w, outcomes[i] as CallOutcome));

  const clean = await ServerProcess.start(`burst-clean-${round}`, envOf(dir));
  const afterSeq = template.events.length - 1;
  const mid = checkAccounting((await places.read(dir)).events, ledger, {
    afterSeq,
    extraKeys: new Set(warmKeys),
  });
  v.push(...mid.violations.map((x) => `after recovery: ${x}`));
  // Every unanswered write is retried with its key: it must now be answered, and take effect once.
  const final: LedgerEntry[] = [];
  let firstWriteMs: number | undefined;
  for (const [i, entry] of ledger.entries()) {
    if (entry.answer.kind !== "lost") {
      final.push(entry);
      continue;
    }
    const w = writes[i] as Write;
    const t = performance.now();
    const outcome = await clean.call(w.tool, w.args);
    firstWriteMs ??= performance.now() - t;
    if (outcome.kind === "lost") v.push(`retry of ${entry.key} (${w.tool}) got no answer`);
    if (outcome.kind === "refused" && outcome.code === "STORE_UNAVAILABLE") {
      // Its outcome is still unknown: keep it as unanswered for the accounting.
      v.push(
        `retry of ${entry.key} (${w.tool}): the runtime stayed locked after the kill: ${outcome.message}`,
      );
      final.push(entry);
      continue;
    }
    final.push(ledgerEntry(w, outcome));
  }
  const probeKey = uuidFrom(createPrng(`${SEED}:probe:${round}`));
  const t = performance.now();
  v.push(...(await probe(clean, probeKey)));
  firstWriteMs ??= performance.now() - t;
  const served = await readServedState(clean);
  await clean.close();
  const disk = await places.read(dir);
  v.push(...checkRuntime({ disk, served }), ...checkServerLog(clean.stderr()));
  v.push(...prefixProblems(template.events, disk.events));
  const end = checkAccounting(disk.events, final, { afterSeq, extraKeys: new Set([...warmKeys, probeKey]) });
  v.push(...end.violations.map((x) => `after retries: ${x}`));
  const lost = ledger.filter((l) => l.answer.kind === "lost").length;
  return {
    round,
    delayMs,
    answered: ledger.length - lost,
    lost,
    lostCommitted: mid.unansweredCommitted,
    firstWriteMs: firstWriteMs ?? 0,
    violations: v.map((x) => `round ${round}: ${x}`),
  };
}

// ---------- main ----------

const pad = (s: string, n: number): string => s.padEnd(n);

async function main(): Promise<number> {
  const receiver = new Receiver();
  await receiver.listen();
  const template = await buildTemplate();
  const ms = mutations(template, receiver);

  const tasks: (() => Promise<CaseResult>)[] = [];
  for (const m of ms) {
    for (const point of m.points)
      tasks.push(() => runCase(m, point, template, `${m.row.split(" ")[0] ?? "op"}-${point}`));
  }
  for (const point of CRASH_POINTS.filter((p) => p.startsWith("init.")))
    tasks.push(() => runInitCase(point, `init-${point}`));
  const matrixStart = performance.now();
  const results = await pool(tasks, CONCURRENCY);
  const matrixMs = performance.now() - matrixStart;

  const roundsStart = performance.now();
  const burstMs = await calibrate(template);
  const rounds: RoundResult[] = [];
  // One generator for every delay: the first outputs of similarly seeded generators cluster.
  const delays = createPrng(`${SEED}:delays`);
  for (let i = 1; i <= ROUNDS; i++) {
    rounds.push(await runRound(template, i, Math.round(delays.next() * burstMs)));
  }
  const roundsMs = performance.now() - roundsStart;
  await receiver.close();

  // The table: rows = operations, columns = crash points.
  const rows = [...ms.map((m) => m.row), "first start"];
  const width = Math.max(...rows.map((r) => r.length), "operation".length);
  const cell = (row: string, point: CrashPoint): string => {
    const r = results.find((x) => x.row === row && x.point === point);
    if (r === undefined) return "n/a";
    return r.violations.length === 0 ? "ok" : `FAIL(${r.violations.length})`;
  };
  const lines = [
    `| ${pad("operation", width)} | ${CRASH_POINTS.join(" | ")} |`,
    `| ${"-".repeat(width)} | ${CRASH_POINTS.map((p) => "-".repeat(p.length)).join(" | ")} |`,
    ...rows.map(
      (row) => `| ${pad(row, width)} | ${CRASH_POINTS.map((p) => pad(cell(row, p), p.length)).join(" | ")} |`,
    ),
  ];
  const out = (s = ""): boolean => process.stdout.write(`${s}\n`);
  out(`crash matrix (seed "${SEED}", ${places.kind} store): kill -9 at each step, restart, check invariants`);
  out(lines.join("\n"));
  out();
  const covered = results.length;
  out(`cases: ${covered} (operation x crash point), ${(matrixMs / 1000).toFixed(1)} s`);
  out();
  out(
    `random-time kills: ${ROUNDS} rounds of ${BURST} concurrent writes, kill after a seeded delay in [0, ${Math.round(burstMs)} ms] (the time a burst takes here)`,
  );
  for (const r of rounds) {
    out(
      `  round ${String(r.round).padStart(2)}: kill at ${String(r.delayMs).padStart(4)} ms, answered ${String(r.answered).padStart(2)}, unanswered ${String(r.lost).padStart(2)} (${r.lostCommitted} of them committed), first write after restart ${String(Math.round(r.firstWriteMs)).padStart(4)} ms, invariants: ${r.violations.length === 0 ? "ok" : `FAIL(${r.violations.length})`}`,
    );
  }
  out(`  ${(roundsMs / 1000).toFixed(1)} s`);
  out();
  const violations = [
    ...results.flatMap((r) => r.violations.map((x) => `${r.row} @ ${r.point}: ${x}`)),
    ...rounds.flatMap((r) => r.violations),
  ];
  for (const x of violations) out(`  ${x}`);
  out(`inconsistencies found: ${violations.length}`);
  out(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (violations.length === 0 && !opts.flags.has("keep")) ws.remove();
  else out(`runtime directories kept in ${ws.dir}`);
  return violations.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main();
} finally {
  await places.stop();
}
