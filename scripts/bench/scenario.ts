// What is measured against one server process, and in which order. Everything goes over stdio
// from the SDK Client (see mcp.ts).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Ticket } from "../../src/domain/schemas.js";
import { copyRuntimeToDatabase } from "../../src/store/index.js";
import { ticketId, type Dataset } from "./datasets.js";
import { appendHistory, APPROVED_FIELDS, proposalFor } from "./history.js";
import { RunningServer, type ServerSpec } from "./mcp.js";
import { replaySample, REPLAY_SAMPLE, type RawFigure } from "./report.js";
import { createRandom, distinctIndexes } from "./stats.js";
import type { TargetGroup } from "./targets.js";

export interface Paths {
  readonly repoRoot: string;
  readonly serverEntry: string;
  readonly echoServer: string;
  readonly knowledgeRoot: string;
}

export interface Budget {
  /** Timed calls per read variant. */
  readonly iterations: number;
  /** Submit + approve pairs. */
  readonly writes: number;
  /** Untimed calls before each timed series (JIT, caches). */
  readonly warmup: number;
  /** Restarts timed after the run (the median is reported). */
  readonly restarts: number;
  readonly keep: boolean;
  readonly log: (line: string) => void;
  /** A fresh, empty database for a dataset's server (the PostgreSQL store); undefined: the file store. */
  readonly database?: () => Promise<string>;
}

const SEARCH_QUERIES = [
  "webhook signature verification fails after rotating the secret",
  "charged twice refund duplicate payment",
  "SSO SAML login error okta",
  "API returns 429 too many requests rate limit",
  "dashboard very slow latency spikes",
  "export data to CSV for our CRM sync",
  "phishing email pretending to be from you",
  "locked out after too many password attempts",
  "need VAT ID on invoice",
  "EU region 503 errors outage",
];

const STATUS_TEAM = [
  { status: "triage", team: "billing" },
  { status: "in-progress", team: "api-platform" },
  { status: "waiting-customer", team: "identity" },
  { status: "resolved", team: "support" },
  { status: "in-progress", team: "integrations" },
  { status: "resolved", team: "security" },
] as const;

const SLA_STATES = ["breached", "at-risk", "healthy"] as const;

const FLOOR_WARMUP_CALLS = 300;

function serverEnv(
  paths: Paths,
  dataRoot: string,
  seedFile: string,
  databaseUrl: string | undefined,
): Record<string, string> {
  return {
    TRIAGE_DATA_ROOT: dataRoot,
    ...(databaseUrl === undefined ? {} : { TRIAGE_DATABASE_URL: databaseUrl }),
    TRIAGE_SEED_FILE: seedFile,
    TRIAGE_KNOWLEDGE_ROOT: paths.knowledgeRoot,
    // The client declares no forms, so approvals take the chat path either way; say so.
    TRIAGE_APPROVAL_MODE: "chat",
  };
}

function serverSpec(paths: Paths, dataRoot: string, seedFile: string, databaseUrl?: string): ServerSpec {
  return {
    command: process.execPath,
    args: [paths.serverEntry],
    env: serverEnv(paths, dataRoot, seedFile, databaseUrl),
    cwd: paths.repoRoot,
  };
}

class Collector {
  readonly figures: RawFigure[] = [];

  /** `timed` as returned by series(): the size of the last answer rides along. */
  latency(key: string, label: string, group: TargetGroup | null, timed: Timed): void {
    this.figures.push({
      key,
      label,
      unit: "ms",
      group,
      samples: timed.ms,
      kind: "latency",
      responseBytes: timed.responseBytes,
      ...(timed.answers === undefined ? {} : { answers: timed.answers, answerBytes: timed.answerBytes }),
    });
  }

  value(
    key: string,
    label: string,
    unit: "ms" | "MB",
    group: TargetGroup | null,
    samples: number[],
    note?: string,
  ): void {
    this.figures.push({
      key,
      label,
      unit,
      group,
      samples,
      kind: "value",
      ...(note === undefined ? {} : { note }),
    });
  }
}

interface Timed {
  readonly ms: number[];
  /** Size of the last answer, bytes (its JSON: the text content and structuredContent). */
  readonly responseBytes: number;
  /** The answers to replay on the echo server, and their median size (see replaySample). */
  readonly answers?: readonly unknown[];
  readonly answerBytes?: number;
}

/** Warm up, then time `count` calls; `args(i)` gives each call's arguments. */
async function series(
  server: RunningServer,
  name: string,
  budget: Budget,
  count: number,
  args: (i: number) => Record<string, unknown>,
): Promise<Timed> {
  for (let i = 0; i < budget.warmup; i++) await server.call(name, args(count + i));
  const ms: number[] = [];
  // The first answers are kept (outside the timing), so the echo server can replay them.
  const kept: { bytes: number; answer: unknown }[] = [];
  for (let i = 0; i < count; i++) {
    ms.push((await server.timed(name, args(i))).ms);
    if (i < REPLAY_SAMPLE) kept.push({ bytes: server.lastResultBytes(), answer: server.lastStructured() });
  }
  const responseBytes = server.lastResultBytes();
  const replay = replaySample(kept);
  return {
    ms,
    responseBytes,
    ...(replay === undefined ? {} : { answers: replay.answers, answerBytes: replay.bytes }),
  };
}

// ---------- the floor ----------

export interface FloorPhase {
  readonly starts: number[];
  readonly calls: number[];
  readonly peakRssMb: number | null;
}

/** One server: `calls` echo calls after a warm-up, then `restarts` more timed startups. */
export async function measureFloor(paths: Paths, budget: Budget, calls: number): Promise<FloorPhase> {
  const spec: ServerSpec = {
    command: process.execPath,
    args: [paths.echoServer],
    env: {},
    cwd: paths.repoRoot,
  };
  const first = { name: "echo", arguments: { text: "hello" } };
  const starts: number[] = [];
  const server = await RunningServer.start(spec, first);
  starts.push(server.firstAnswerMs);
  let samples: Timed;
  let rss: number | null;
  try {
    // A long warm-up: the first phase also warms the bench's own client code (JIT), which would
    // otherwise inflate the floor measured before the datasets.
    samples = await series(server, "echo", { ...budget, warmup: FLOOR_WARMUP_CALLS }, calls, (i) => ({
      text: `ping ${i}`,
    }));
    rss = server.peakRssMb()?.mb ?? null;
  } finally {
    await server.close();
  }
  for (let i = 0; i < budget.restarts; i++) {
    const again = await RunningServer.start(spec, first);
    starts.push(again.firstAnswerMs);
    await again.close();
  }
  return { starts, calls: samples.ms, peakRssMb: rss };
}

/** The echo server replaying the large answers of a read: its samples. */
export interface AnswerFloor {
  readonly key: string;
  readonly dataset: string;
  /** The replayed answers' median size, bytes. */
  readonly bytes: number;
  readonly calls: number[];
}

/**
 * The echo server answering with exactly the answers of the large reads (kept once, then
 * returned as the triage server returns them, in the order the read gave them, doing nothing
 * else): the part of a read's time that is carrying its answers over this SDK and transport,
 * whatever the server does.
 */
export async function measureAnswerFloor(
  paths: Paths,
  budget: Budget,
  answers: readonly {
    readonly key: string;
    readonly dataset: string;
    readonly answers: readonly unknown[];
    readonly bytes: number;
  }[],
  calls: number,
): Promise<AnswerFloor[]> {
  if (answers.length === 0) return [];
  const spec: ServerSpec = {
    command: process.execPath,
    args: [paths.echoServer],
    env: {},
    cwd: paths.repoRoot,
  };
  const server = await RunningServer.start(spec, { name: "echo", arguments: { text: "hello" } });
  try {
    const out: AnswerFloor[] = [];
    for (const [i, a] of answers.entries()) {
      const names = a.answers.map((_, j) => `answer-${i}-${j}`);
      for (const [j, name] of names.entries()) await server.call("keep", { name, answer: a.answers[j] });
      // The same answers in the same order as the read gave them, cycling.
      const timed = await series(server, "answer", budget, calls, (k) => ({ name: names[k % names.length] }));
      out.push({ key: a.key, dataset: a.dataset, bytes: a.bytes, calls: timed.ms });
    }
    return out;
  } finally {
    await server.close();
  }
}

/**
 * Restarts on the existing runtime: time to first answer, and the peak RSS right after it (the
 * cost of opening the runtime, without the first initialization or the workload).
 */
async function measureRestarts(
  spec: ServerSpec,
  count: number,
  randomId: () => string,
  out: Collector,
): Promise<void> {
  const starts: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < count; i++) {
    const again = await RunningServer.start(spec, { name: "get_ticket", arguments: { id: randomId() } });
    starts.push(again.firstAnswerMs);
    const peak = again.peakRssMb();
    if (peak !== null) rss.push(peak.mb);
    await again.close();
  }
  if (starts.length === 0) return;
  out.value(
    "first-answer-restart",
    `first answer after spawn, restart (median of ${starts.length})`,
    "ms",
    "first-answer",
    starts,
  );
  if (rss.length > 0)
    out.value("peak-rss-restart", "server peak RSS after a restart's first answer", "MB", null, rss);
}

// ---------- one dataset on a fresh runtime ----------

export interface DatasetRun {
  readonly figures: RawFigure[];
  readonly auditEvents: number;
  readonly notes: string[];
}

export async function measureDataset(paths: Paths, dataset: Dataset, budget: Budget): Promise<DatasetRun> {
  const dataRoot = mkdtempSync(join(tmpdir(), "triage-bench-"));
  const spec = serverSpec(paths, dataRoot, dataset.file, await budget.database?.());
  const n = dataset.tickets;
  const random = createRandom(n);
  const randomId = () => ticketId(Math.floor(random() * n));
  const out = new Collector();
  const notes: string[] = [];
  const { log } = budget;
  try {
    log(`  start on a fresh runtime (initializes ${n.toLocaleString("en-US")} tickets)`);
    const server = await RunningServer.start(spec, { name: "get_ticket", arguments: { id: ticketId(0) } });
    out.value(
      "first-answer-fresh",
      "first answer after spawn, fresh runtime (initializes from the seed)",
      "ms",
      "first-answer",
      [server.firstAnswerMs],
    );
    let auditEvents = 0;
    try {
      log("  reads");
      out.latency(
        "list_tickets.all",
        "list_tickets (no filter)",
        "read",
        await series(server, "list_tickets", budget, budget.iterations, () => ({ limit: 20 })),
      );
      out.latency(
        "list_tickets.status-team",
        "list_tickets (status + team)",
        "read",
        await series(server, "list_tickets", budget, budget.iterations, (i) => ({
          ...STATUS_TEAM[i % STATUS_TEAM.length],
          limit: 20,
        })),
      );
      out.latency(
        "list_tickets.offset",
        "list_tickets (offset 500)",
        "read",
        await series(server, "list_tickets", budget, budget.iterations, () => ({ offset: 500, limit: 20 })),
      );
      out.latency(
        "list_tickets.sla",
        "list_tickets (slaState)",
        "read",
        await series(server, "list_tickets", budget, budget.iterations, (i) => ({
          slaState: SLA_STATES[i % SLA_STATES.length],
          limit: 20,
        })),
      );
      out.latency(
        "get_ticket",
        "get_ticket (random ids)",
        "read",
        await series(server, "get_ticket", budget, budget.iterations, () => ({ id: randomId() })),
      );
      out.latency(
        "search_knowledge",
        "search_knowledge",
        "search",
        await series(server, "search_knowledge", budget, budget.iterations, (i) => ({
          query: SEARCH_QUERIES[i % SEARCH_QUERIES.length],
        })),
      );
      // The first call builds the similarity index: reported alone, never warmed up.
      const firstSimilar = await server.timed("find_similar_tickets", { id: randomId() });
      out.value(
        "find_similar_tickets.first",
        "find_similar_tickets, first call (builds the index)",
        "ms",
        null,
        [firstSimilar.ms],
      );
      out.latency(
        "find_similar_tickets",
        "find_similar_tickets (after the first call)",
        "similar-metrics",
        await series(server, "find_similar_tickets", budget, budget.iterations, () => ({ id: randomId() })),
      );
      out.latency(
        "get_queue_metrics",
        "get_queue_metrics",
        "similar-metrics",
        await series(server, "get_queue_metrics", budget, budget.iterations, () => ({})),
      );

      log(`  writes (${budget.writes} submit + approve pairs, fsynced)`);
      const written = await measureWrites(server, n, budget, out, notes);

      log("  audit and recommendation reads");
      const head = await server.call("get_audit_events", { limit: 1 });
      auditEvents = Number(head.total);
      const globalMax = Math.max(0, auditEvents - 20);
      out.latency(
        "get_audit_events.global",
        "get_audit_events (global page)",
        "read",
        await series(server, "get_audit_events", budget, budget.iterations, () => ({
          offset: Math.floor(random() * (globalMax + 1)),
          limit: 20,
        })),
      );
      out.latency(
        "get_audit_events.ticket",
        "get_audit_events (one ticket)",
        "read",
        await series(server, "get_audit_events", budget, budget.iterations, (i) => ({
          ticketId: written[i % written.length],
        })),
      );
      const recs = await server.call("list_recommendations", { limit: 1 });
      const recMax = Math.max(0, Math.min(10_000, Number(recs.total) - 20));
      out.latency(
        "list_recommendations.all",
        "list_recommendations (no filter)",
        "read",
        await series(server, "list_recommendations", budget, budget.iterations, () => ({
          offset: Math.floor(random() * (recMax + 1)),
          limit: 20,
        })),
      );
      out.latency(
        "list_recommendations.ticket",
        "list_recommendations (one ticket)",
        "read",
        await series(server, "list_recommendations", budget, budget.iterations, (i) => ({
          ticketId: written[i % written.length],
        })),
      );
      const rss = server.peakRssMb();
      if (rss !== null) {
        out.value(
          "peak-rss",
          "server peak RSS (fresh runtime, whole workload)",
          "MB",
          "rss",
          [rss.mb],
          rss.source,
        );
        if (rss.source !== "VmHWM") notes.push(`RSS from ${rss.source}`);
      }
    } finally {
      await server.close();
    }

    await measureRestarts(spec, budget.restarts, randomId, out);
    return { figures: out.figures, auditEvents, notes };
  } finally {
    if (budget.keep) log(`  kept the runtime in ${dataRoot}`);
    else rmSync(dataRoot, { recursive: true, force: true });
  }
}

/**
 * Submits and approves on distinct random tickets. Each proposal is valid: risks "none",
 * confidence 0.9, team support; where the server's own reading of the ticket requires a team
 * (security or incident-response), the recommendation is submitted again with that team, so
 * the approval is allowed. Both submissions are timed: both are ordinary submits.
 */
async function measureWrites(
  server: RunningServer,
  n: number,
  budget: Budget,
  out: Collector,
  notes: string[],
): Promise<string[]> {
  const random = createRandom(n + 1);
  const ids = distinctIndexes(random, n, Math.min(n, budget.writes + budget.warmup)).map(ticketId);
  const submits: number[] = [];
  const approvals: number[] = [];
  let resubmitted = 0;
  let submitBytes = 0;
  for (const [i, id] of ids.entries()) {
    const timed = i >= budget.warmup;
    const ticket = (await server.call("get_ticket", { id })).ticket as Ticket;
    const proposal = { ...proposalFor(ticket, i), actor: "bench-agent" };
    let submitted = await server.timed("submit_triage_recommendation", proposal);
    if (timed) submits.push(submitted.ms);
    if (i === ids.length - 1) submitBytes = server.lastResultBytes();
    let rec = submitted.result.recommendation as { id: string; requiredTeam: string | null; team: string };
    if (rec.requiredTeam !== null && rec.requiredTeam !== rec.team) {
      resubmitted++;
      submitted = await server.timed("submit_triage_recommendation", { ...proposal, team: rec.requiredTeam });
      if (timed) submits.push(submitted.ms);
      rec = submitted.result.recommendation as typeof rec;
    }
    const approved = await server.timed("approve_triage_recommendation", {
      recommendationId: rec.id,
      ticketId: id,
      expectedRevision: ticket.revision,
      approvedFields: [...APPROVED_FIELDS],
      actor: "bench-reviewer",
      confirm: true,
    });
    if (timed) approvals.push(approved.ms);
  }
  out.latency("submit", "submit_triage_recommendation (fsynced)", "submit", {
    ms: submits,
    responseBytes: submitBytes,
  });
  out.latency("approve", "approve_triage_recommendation (fsynced)", "approve", {
    ms: approvals,
    responseBytes: server.lastResultBytes(),
  });
  if (resubmitted > 0) {
    notes.push(
      `${resubmitted} of ${ids.length} tickets needed a second submission with the team the policy requires`,
    );
  }
  return ids;
}

// ---------- a long audit history ----------

export async function measureLongHistory(
  paths: Paths,
  dataset: Dataset,
  events: number,
  budget: Budget,
): Promise<DatasetRun> {
  const dataRoot = mkdtempSync(join(tmpdir(), "triage-bench-log-"));
  // On PostgreSQL the history is built on a file runtime, then copied into a database of its own
  // (db import), and the server runs on that database with a runtime directory of its own.
  const machineRoot =
    budget.database === undefined ? dataRoot : mkdtempSync(join(tmpdir(), "triage-bench-machine-"));
  let spec = serverSpec(paths, dataRoot, dataset.file);
  const n = dataset.tickets;
  const random = createRandom(n + 2);
  const randomId = () => ticketId(Math.floor(random() * n));
  const out = new Collector();
  const notes: string[] = [];
  const { log } = budget;
  try {
    log(`  initialize a runtime with ${n.toLocaleString("en-US")} tickets`);
    const init = await RunningServer.start(spec, { name: "get_ticket", arguments: { id: ticketId(0) } });
    await init.close();
    log(`  append ${events.toLocaleString("en-US")} audit events`);
    const history = await appendHistory(dataRoot, events, new Date());
    notes.push(
      `history: ${history.appended.toLocaleString("en-US")} events (${history.logMb.toFixed(0)} MB log) built in ` +
        `${(history.buildMs / 1000).toFixed(1)} s; checked by opening it in-process (${(history.verifyOpenMs / 1000).toFixed(1)} s)`,
    );

    if (budget.database !== undefined) {
      const url = await budget.database();
      log("  copy it into a database (db import)");
      const started = performance.now();
      const copied = await copyRuntimeToDatabase(dataRoot, url);
      notes.push(
        `PostgreSQL: the history was copied into the database with db import (${copied.events.toLocaleString("en-US")} events, ` +
          `${((performance.now() - started) / 1000).toFixed(1)} s); a server always folds every event at start, and its ` +
          "first start on a machine also fills the local copy of the log",
      );
      spec = serverSpec(paths, machineRoot, dataset.file, url);
    }

    log("  start: no snapshot yet (replays the whole log)");
    const server = await RunningServer.start(spec, { name: "get_ticket", arguments: { id: randomId() } });
    out.value(
      "first-answer-replay",
      "first answer after spawn, no snapshot (replays the whole log)",
      "ms",
      "first-answer",
      [server.firstAnswerMs],
    );
    let auditEvents = 0;
    try {
      const head = await server.call("get_audit_events", { limit: 1 });
      auditEvents = Number(head.total);
      out.latency(
        "get_audit_events.ticket",
        "get_audit_events (one ticket)",
        "read",
        await series(server, "get_audit_events", budget, budget.iterations, () => ({ ticketId: randomId() })),
      );
      out.latency(
        "get_audit_events.global",
        "get_audit_events (global page)",
        "read",
        await series(server, "get_audit_events", budget, budget.iterations, () => ({
          offset: Math.floor(random() * Math.max(1, auditEvents - 20)),
          limit: 20,
        })),
      );
      const rss = server.peakRssMb();
      if (rss !== null)
        out.value("peak-rss", "server peak RSS (replay start and reads)", "MB", "rss", [rss.mb], rss.source);
    } finally {
      await server.close();
    }
    await measureRestarts(spec, Math.max(1, budget.restarts), randomId, out);
    return { figures: out.figures, auditEvents, notes };
  } finally {
    for (const root of new Set([dataRoot, machineRoot])) {
      if (budget.keep) log(`  kept the runtime in ${root}`);
      else rmSync(root, { recursive: true, force: true });
    }
  }
}
