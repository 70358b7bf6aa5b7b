// Store benchmark: builds a runtime with N synthetic tickets and a log of 2N events (N
// submissions + N approvals) in a temp directory, then measures opening it, reads and fsynced
// commits. Prints figures; asserts nothing.
//
//   npx tsx scripts/bench-store.ts [--tickets 10000,100000] [--events-per-ticket 2] [--commits 200] [--keep]

import { randomUUID } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { ApprovableField } from "../src/domain/enums.js";
import type { DomainError } from "../src/domain/errors.js";
import { computeEscalation, planApproval } from "../src/domain/policy/index.js";
import type { AuditEventDraft, Recommendation, Ticket } from "../src/domain/schemas.js";
import { encodeEvent } from "../src/store/core/event-codec.js";
import { openFileStore, type FileStore } from "../src/store/index.js";
import { loadWorkspace } from "../src/service/workspace.js";
import type { StoreView, TxOutcome } from "../src/store/index.js";

const WORKSPACE = loadWorkspace().workspace;
const POLICY = WORKSPACE.policy;
const {
  categories: CATEGORIES,
  priorities: PRIORITIES,
  statuses: STATUSES,
  teams: TEAMS,
} = WORKSPACE.vocabulary;

const { values } = parseArgs({
  options: {
    tickets: { type: "string", default: "10000,100000" },
    "events-per-ticket": { type: "string", default: "2" },
    commits: { type: "string", default: "200" },
    reads: { type: "string", default: "20000" },
    keep: { type: "boolean", default: false },
  },
});
const SIZES = (values.tickets ?? "").split(",").map((s) => Number(s.trim()));
const EVENTS_PER_TICKET = Number(values["events-per-ticket"]);
const COMMITS = Number(values.commits);
const READS = Number(values.reads);
const NOW = new Date("2026-06-01T12:00:00.000Z");
const quiet = { warn: (m: string) => process.stderr.write(`warn: ${m}\n`), info: () => undefined };

function pick<T>(list: readonly T[], i: number): T {
  return list[i % list.length] as T;
}

function ticket(n: number): Ticket {
  const created = new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString();
  return {
    id: `TKT-${n}`,
    createdAt: created,
    updatedAt: created,
    customer: {
      name: `Customer ${n % 997}`,
      plan: pick(["free", "business", "enterprise"], n),
      region: "eu-west",
      vip: n % 13 === 0,
    },
    subject: `Synthetic ticket ${n}: ${pick(["login fails", "invoice wrong", "webhook timeout", "slow dashboard"], n)}`,
    description:
      `Customer ${n % 997} reports a problem with ${pick(["login", "billing", "webhooks", "the dashboard"], n)}. `.repeat(
        3,
      ),
    status: pick(STATUSES, n),
    ...(n % 9 === 0
      ? {}
      : { category: pick(CATEGORIES, n * 3), priority: pick(PRIORITIES, n * 5), team: pick(TEAMS, n * 7) }),
    assignee: n % 4 === 0 ? null : `agent${n % 17}@example.test`,
    tags: [pick(["api", "billing", "login", "sync"], n), "synthetic"],
    sla: { responseDueAt: "2099-01-01T00:00:00.000Z", breached: false },
    relatedTicketIds: n > 1 ? [`TKT-${n - 1}`] : [],
    revision: 0,
  };
}

function recommendation(t: Ticket, i: number): Recommendation {
  const proposal = {
    ticketId: t.id,
    sourceRevision: t.revision,
    category: pick(CATEGORIES, i),
    priority: pick(PRIORITIES, i),
    team: pick(
      TEAMS.filter((x) => x !== "security" && x !== "incident-response"),
      i,
    ),
    assignee: `agent${i % 17}@example.test`,
    ticketStatus: pick(STATUSES, i + 1),
    tags: ["triaged", pick(["api", "billing", "login"], i)],
    duplicateCandidates: [],
    outageRisk: "none" as const,
    securityRisk: "none" as const,
    slaRisk: "none" as const,
    missingInformation: [],
    knowledgeArticleIds: ["api-errors"],
    draftCustomerResponse:
      "Thanks for reaching out. We have routed your request to the right team and will follow up shortly.",
    rationale:
      "The subject and description match the category; the customer plan and SLA suggest this priority.",
    confidence: 0.8 + (i % 20) / 100,
    recommendedNextAction: "Confirm the account details and reproduce the issue.",
  };
  const escalation = computeEscalation(proposal, t, NOW, POLICY);
  return {
    ...proposal,
    id: randomUUID(),
    actor: "bench-agent",
    escalationRequired: escalation.escalationRequired,
    escalationReasons: escalation.escalationReasons,
    requiredTeam: escalation.requiredTeam,
    resolution: "pending",
    createdAt: NOW.toISOString(),
  };
}

function submitDraft(rec: Recommendation): AuditEventDraft {
  return {
    timestamp: NOW.toISOString(),
    action: "recommendation-submitted",
    ticketId: rec.ticketId,
    actor: rec.actor,
    recommendationId: rec.id,
    fromRevision: rec.sourceRevision,
    data: { recommendation: rec },
  };
}

const FIELDS: ApprovableField[] = ["category", "priority", "team", "status", "tags"];

function approveDraft(t: Ticket, rec: Recommendation): { draft: AuditEventDraft; after: Ticket } {
  const request = {
    recommendationId: rec.id,
    ticketId: t.id,
    expectedRevision: t.revision,
    approvedFields: FIELDS,
    actor: "bench-reviewer",
  };
  const plan = planApproval(t, rec, request, NOW, POLICY);
  return {
    draft: {
      timestamp: NOW.toISOString(),
      action: "recommendation-approved",
      ticketId: t.id,
      actor: "bench-reviewer",
      recommendationId: rec.id,
      fromRevision: t.revision,
      toRevision: plan.ticketAfter.revision,
      changes: plan.changes,
    },
    after: plan.ticketAfter,
  };
}

/** Appends `pairs` submit+approve events directly to the log (bulk build; not a commit path). */
function appendSyntheticLog(root: string, tickets: Ticket[], pairs: number): void {
  const logPath = join(root, "audit.jsonl");
  const last = readFileSync(logPath, "utf8").trimEnd().split("\n").at(-1) as string;
  let { seq, hash } = JSON.parse(last) as { seq: number; hash: string };
  const current = new Map(tickets.map((t) => [t.id, t]));
  const fd = openSync(logPath, "a");
  let buffer: string[] = [];
  const flush = () => {
    writeSync(fd, buffer.join(""));
    buffer = [];
  };
  const add = (draft: AuditEventDraft) => {
    const encoded = encodeEvent({ ...draft, seq: ++seq, id: randomUUID(), prevHash: hash });
    hash = encoded.hash;
    buffer.push(`${encoded.line}\n`);
    if (buffer.length >= 5000) flush();
  };
  for (let i = 0; i < pairs; i++) {
    const t = current.get(`TKT-${(i % tickets.length) + 1}`) as Ticket;
    const rec = recommendation(t, i);
    add(submitDraft(rec));
    const { draft, after } = approveDraft(t, { ...rec });
    add(draft);
    current.set(t.id, after);
  }
  flush();
  closeSync(fd);
}

function percentiles(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { p50: at(0.5), p95: at(0.95) };
}

function time(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3);
}

interface Row {
  name: string;
  p50: string;
  p95: string;
  note?: string;
}

async function bench(n: number): Promise<Row[]> {
  const root = mkdtempSync(join(tmpdir(), "triage-bench-"));
  const rows: Row[] = [];
  try {
    const tickets = Array.from({ length: n }, (_, i) => ticket(i + 1));
    const initMs = await timeAsync(async () => {
      const s = await openFileStore({ dataRoot: root, seed: () => tickets, logger: quiet });
      await s.close();
    });
    const pairs = Math.floor((n * EVENTS_PER_TICKET) / 2);
    const buildMs = time(() => appendSyntheticLog(root, tickets, pairs));
    const logMb = statSync(join(root, "audit.jsonl")).size / 1024 / 1024;
    const baseMb = statSync(join(root, "base/tickets.json")).size / 1024 / 1024;

    let store: FileStore | undefined;
    const openMs = await timeAsync(async () => {
      store = await openFileStore({ dataRoot: root, seed: () => tickets, logger: quiet, snapshotEvery: 0 });
    });
    const s = store as FileStore;
    const mem = process.memoryUsage();
    rows.push({ name: `initialize (${n} tickets, base ${baseMb.toFixed(1)} MB)`, p50: fmt(initMs), p95: "" });
    rows.push({
      name: `(build log: ${2 * pairs} events, ${logMb.toFixed(1)} MB)`,
      p50: fmt(buildMs),
      p95: "",
      note: "bulk, not timed as a feature",
    });
    rows.push({ name: "open: base + replay of the whole log", p50: fmt(openMs), p95: "" });
    let snapshotName = "";
    const snapshotMs = time(() => (snapshotName = s.checkpoint()));
    const snapshotMb = statSync(join(root, "snapshots", snapshotName)).size / 1024 / 1024;
    rows.push({ name: `write snapshot (${snapshotMb.toFixed(1)} MB)`, p50: fmt(snapshotMs), p95: "" });

    const ids = Array.from({ length: READS }, (_, i) => `TKT-${((i * 7919) % n) + 1}`);
    const get: number[] = [];
    for (const id of ids) get.push(time(() => s.view().getTicket(id)));
    rows.push({ name: "view().getTicket", ...mapP(percentiles(get)) });

    const list: number[] = [];
    for (let i = 0; i < READS / 10; i++) {
      const filter =
        i % 3 === 0
          ? { status: pick(STATUSES, i) }
          : i % 3 === 1
            ? { team: pick(TEAMS, i), priority: pick(PRIORITIES, i) }
            : { category: pick(CATEGORIES, i), status: pick(STATUSES, i + 1) };
      list.push(time(() => s.view().listTickets(filter, { offset: (i * 37) % 200, limit: 20 })));
    }
    rows.push({ name: "view().listTickets (1-2 filters, limit 20)", ...mapP(percentiles(list)) });

    const unfiltered: number[] = [];
    for (let i = 0; i < READS / 10; i++)
      unfiltered.push(time(() => s.view().listTickets({}, { offset: (i * 97) % n, limit: 50 })));
    rows.push({ name: "view().listTickets (no filter, limit 50)", ...mapP(percentiles(unfiltered)) });

    const audit: number[] = [];
    for (let i = 0; i < READS / 20; i++)
      audit.push(
        await timeAsync(() => s.listAuditEvents({ ticketId: pick(ids, i) }, { offset: 0, limit: 20 })),
      );
    rows.push({ name: "listAuditEvents (one ticket, limit 20)", ...mapP(percentiles(audit)) });
    const auditGlobal: number[] = [];
    for (let i = 0; i < READS / 20; i++)
      auditGlobal.push(
        await timeAsync(() => s.listAuditEvents({}, { offset: (i * 7919) % (2 * pairs), limit: 50 })),
      );
    rows.push({ name: "listAuditEvents (global page, limit 50)", ...mapP(percentiles(auditGlobal)) });

    const submit: number[] = [];
    const approve: number[] = [];
    for (let i = 0; i < COMMITS; i++) {
      const id = pick(ids, i + 11);
      let rec: Recommendation | undefined;
      submit.push(
        await timeAsync(async () => {
          rec = await s.transact((view: StoreView): TxOutcome<Recommendation> => {
            const r = recommendation(view.getTicket(id) as Ticket, i);
            return { event: submitDraft(r), result: () => r };
          });
        }),
      );
      const recId = (rec as Recommendation).id;
      approve.push(
        await timeAsync(() =>
          s.transact((view) => {
            const r = view.getRecommendation(recId) as Recommendation;
            const t = view.getTicket(r.ticketId) as Ticket;
            try {
              return { event: approveDraft(t, r).draft, result: () => undefined };
            } catch (error) {
              return { refusal: error as DomainError };
            }
          }),
        ),
      );
    }
    rows.push({ name: "transact: submit (fsynced)", ...mapP(percentiles(submit)) });
    rows.push({ name: "transact: approve (fsynced)", ...mapP(percentiles(approve)) });
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
    rows.push({
      name: "memory after the first open",
      p50: mb(mem.rss),
      p95: "",
      note: `rss; heap used ${mb(mem.heapUsed)}`,
    });
    const verifyMs = time(() => {
      const v = s.verify();
      if (!v.ok) throw new Error(`verify failed: ${v.problem}`);
    });
    rows.push({ name: "verifyAuditLog (whole log, strict)", p50: fmt(verifyMs), p95: "" });
    await s.close();
    let again: FileStore | undefined;
    const reopenMs = await timeAsync(async () => {
      again = await openFileStore({ dataRoot: root, seed: () => tickets, logger: quiet, snapshotEvery: 0 });
    });
    rows.push({
      name: `open: snapshot + replay of ${2 * COMMITS} newer events`,
      p50: fmt(reopenMs),
      p95: "",
    });
    store = again;
    await store?.close();
  } finally {
    if (values.keep === true) console.error(`kept the runtime in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

function mapP(p: { p50: number; p95: number }): { p50: string; p95: string } {
  return { p50: fmt(p.p50), p95: fmt(p.p95) };
}

for (const n of SIZES) {
  const rows = await bench(n);
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`\n${n} tickets, ${n * EVENTS_PER_TICKET} events (ms unless noted; node ${process.version})`);
  console.log(`${"".padEnd(width)}  ${"p50".padStart(8)}  ${"p95".padStart(8)}`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(width)}  ${r.p50.padStart(8)}  ${r.p95.padStart(8)}${r.note === undefined ? "" : `  ${r.note}`}`,
    );
  }
}
