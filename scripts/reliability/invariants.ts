// The invariants every runtime must satisfy after any crash, kill or race, as pure functions
// over what was read back: the audit log and files from disk, and the tickets, recommendations
// and handoffs as a freshly started server reports them. Each check returns the violations it
// found (empty = holds), so a caller can count them and a test can plant one and see it caught.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { HandoffState } from "../../src/domain/handoffs.js";
import type { AuditEvent, Recommendation, Ticket } from "../../src/domain/schemas.js";
import pg from "pg";
import { verifyAuditLog, verifyDatabaseAudit, type VerifyResult } from "../../src/store/index.js";

export interface ServedState {
  readonly tickets: readonly Ticket[];
  readonly recommendations: readonly Recommendation[];
  readonly handoffs: readonly HandoffState[];
}

export interface RuntimeFiles {
  /** Names directly under the runtime directory. */
  readonly root: readonly string[];
  /** journal/ entries other than the quarantine directory: claims and their temp files. */
  readonly journal: readonly string[];
  readonly quarantine: readonly string[];
  /** Files under imports/. */
  readonly imports: readonly string[];
  /** Relative paths of temp files anywhere in the runtime. */
  readonly temp: readonly string[];
  readonly presence: readonly string[];
}

export interface DiskState {
  readonly events: readonly AuditEvent[];
  /** Lines of audit.jsonl that are not JSON. */
  readonly badLines: number;
  readonly verify: VerifyResult;
  readonly baseTickets: readonly Ticket[];
  /** The tickets of each committed import's batch file, by the path its event names. */
  readonly batches: ReadonlyMap<string, readonly Ticket[]>;
  readonly files: RuntimeFiles;
}

export interface RuntimeSnapshot {
  readonly disk: DiskState;
  readonly served: ServedState;
}

/** Names a runtime directory may hold (store.lock only while a process holds the lock). */
const ROOT_NAMES = new Set([
  "store.json",
  "base",
  "audit.jsonl",
  "journal",
  "snapshots",
  "imports",
  "presence",
  "store.lock",
]);
const TEMP_NAME = [/\.tmp$/, /^store\.json\.\d+$/];

function list(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

function walkTemp(root: string, rel: string, out: string[]): void {
  for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
    const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      // Quarantined bytes are kept on purpose; they are reported on their own.
      if (path !== "journal/quarantine") walkTemp(root, path, out);
    } else if (TEMP_NAME.some((re) => re.test(entry.name))) {
      out.push(path);
    }
  }
}

/** Reads the audit log, base and batch files and the directory listing of a runtime. */
export function readDisk(dataRoot: string): DiskState {
  const events: AuditEvent[] = [];
  let badLines = 0;
  const logPath = join(dataRoot, "audit.jsonl");
  const text = existsSync(logPath) ? readFileSync(logPath, "utf8") : "";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    try {
      events.push(JSON.parse(line) as AuditEvent);
    } catch {
      badLines++;
    }
  }
  let verify: VerifyResult;
  try {
    verify = verifyAuditLog(dataRoot);
  } catch (error) {
    verify = { ok: false, seq: 0, line: 0, problem: "invalid", detail: (error as Error).message };
  }
  const basePath = join(dataRoot, "base/tickets.json");
  const baseTickets = existsSync(basePath) ? (JSON.parse(readFileSync(basePath, "utf8")) as Ticket[]) : [];
  const batches = new Map<string, readonly Ticket[]>();
  for (const e of events) {
    if (e.action !== "tickets-imported") continue;
    const file = (e.data?.batch as { file?: string } | undefined)?.file;
    if (file === undefined || !existsSync(join(dataRoot, file))) continue;
    batches.set(file, JSON.parse(readFileSync(join(dataRoot, file), "utf8")) as Ticket[]);
  }
  const temp: string[] = [];
  if (existsSync(dataRoot)) walkTemp(dataRoot, "", temp);
  return {
    events,
    badLines,
    verify,
    baseTickets,
    batches,
    files: {
      root: list(dataRoot),
      journal: list(join(dataRoot, "journal")).filter((n) => n !== "quarantine"),
      quarantine: list(join(dataRoot, "journal/quarantine")),
      imports: list(join(dataRoot, "imports")),
      temp,
      presence: list(join(dataRoot, "presence")),
    },
  };
}

/** The same picture of a database store: audit_events, the base tickets, the import batches. */
export async function readDatabase(url: string): Promise<DiskState> {
  let verify: VerifyResult;
  try {
    verify = await verifyDatabaseAudit(url);
  } catch (error) {
    verify = { ok: false, seq: 0, line: 0, problem: "invalid", detail: (error as Error).message };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const events: AuditEvent[] = [];
    let badLines = 0;
    const rows = await client.query<{ line: string }>("SELECT line FROM audit_events ORDER BY seq");
    for (const { line } of rows.rows) {
      try {
        events.push(JSON.parse(line) as AuditEvent);
      } catch {
        badLines++;
      }
    }
    const base = await client.query<{ base_body: string }>("SELECT base_body FROM triage_store");
    const baseBody = base.rows[0]?.base_body;
    const batches = new Map<string, readonly Ticket[]>();
    const batchRows = await client.query<{ file: string; body: string; committed_seq: string | null }>(
      "SELECT file, body, committed_seq FROM import_batches",
    );
    const orphans: string[] = [];
    for (const row of batchRows.rows) {
      if (row.committed_seq === null) orphans.push(row.file.replace(/^imports\//, ""));
      else batches.set(row.file, JSON.parse(row.body) as Ticket[]);
    }
    return {
      events,
      badLines,
      verify,
      baseTickets: baseBody === undefined ? [] : (JSON.parse(baseBody) as Ticket[]),
      batches,
      // No files: an uncommitted batch row is the one leftover a database can hold.
      files: { root: [], journal: [], quarantine: [], imports: orphans, temp: [], presence: [] },
    };
  } finally {
    await client.end();
  }
}

// ---------- the checks ----------

const json = (v: unknown): string => JSON.stringify(v ?? null);

function byTicket(events: readonly AuditEvent[], action: AuditEvent["action"]): Map<string, AuditEvent[]> {
  const out = new Map<string, AuditEvent[]>();
  for (const e of events) {
    if (e.action !== action || e.ticketId === undefined || e.ticketId === null) continue;
    const list = out.get(e.ticketId) ?? [];
    list.push(e);
    out.set(e.ticketId, list);
  }
  return out;
}

/** Tickets as they entered the runtime: the base file, created tickets, imported batches. */
function initialTickets(disk: DiskState): { tickets: Map<string, Ticket>; problems: string[] } {
  const tickets = new Map<string, Ticket>();
  const problems: string[] = [];
  const add = (t: Ticket, source: string): void => {
    if (tickets.has(t.id)) problems.push(`ticket ${t.id} enters twice (again from ${source})`);
    tickets.set(t.id, t);
  };
  for (const t of disk.baseTickets) add(t, "base/tickets.json");
  for (const e of disk.events) {
    if (e.action === "ticket-created") {
      const ticket = e.data?.ticket as Ticket | undefined;
      if (ticket === undefined) problems.push(`seq ${e.seq}: ticket-created without data.ticket`);
      else add(ticket, `seq ${e.seq}`);
    } else if (e.action === "tickets-imported") {
      const ref = e.data?.batch as { file?: string; count?: number } | undefined;
      const batch = ref?.file === undefined ? undefined : disk.batches.get(ref.file);
      if (batch === undefined) {
        problems.push(`seq ${e.seq}: the batch file of tickets-imported is missing`);
        continue;
      }
      if (batch.length !== ref?.count) {
        problems.push(
          `seq ${e.seq}: batch holds ${batch.length} tickets, the event says ${String(ref?.count)}`,
        );
      }
      for (const t of batch) add(t, `seq ${e.seq}`);
    }
  }
  return { tickets, problems };
}

/**
 * The audit chain verifies; no claim, temp file, orphan batch or quarantined line is left; the
 * lock is released (unless `lockMayBeHeld`, for a runtime some process still uses).
 */
export function checkFiles(disk: DiskState, options: { lockMayBeHeld?: boolean } = {}): string[] {
  const out: string[] = [];
  if (!disk.verify.ok) {
    const v = disk.verify;
    out.push(`audit chain: ${v.problem} at seq ${v.seq} (line ${v.line}): ${v.detail}`);
  }
  if (disk.badLines > 0) out.push(`audit chain: ${disk.badLines} line(s) of audit.jsonl are not JSON`);
  const f = disk.files;
  if (f.journal.length > 0) out.push(`leftovers: journal/ still holds ${f.journal.join(", ")}`);
  if (f.quarantine.length > 0) out.push(`leftovers: journal/quarantine/ holds ${f.quarantine.join(", ")}`);
  if (f.temp.length > 0) out.push(`leftovers: temp files ${f.temp.join(", ")}`);
  for (const name of f.root) {
    if (!ROOT_NAMES.has(name)) out.push(`leftovers: unexpected ${name} in the runtime directory`);
  }
  if (options.lockMayBeHeld !== true && f.root.includes("store.lock")) {
    out.push("leftovers: store.lock is still there after every process stopped");
  }
  const committed = new Set(
    disk.events
      .filter((e) => e.action === "tickets-imported")
      .map((e) => ((e.data?.batch as { file?: string } | undefined)?.file ?? "").replace(/^imports\//, "")),
  );
  for (const name of f.imports) {
    if (!committed.has(name))
      out.push(`leftovers: imports/${name} belongs to no committed import (orphan batch)`);
  }
  return out;
}

/**
 * What the server reports agrees with the audit log: ticket set and revisions, notes, every
 * recommendation's resolution, approvals shown on their tickets, and the handoff outbox.
 */
export function checkState(snapshot: RuntimeSnapshot): string[] {
  const { disk, served } = snapshot;
  const events = disk.events;
  const out: string[] = [];
  const initial = initialTickets(disk);
  out.push(...initial.problems.map((p) => `tickets: ${p}`));

  // Tickets: the served set is exactly base + created + imported.
  const servedById = new Map(served.tickets.map((t) => [t.id, t]));
  if (servedById.size !== served.tickets.length) out.push("tickets: the server lists a ticket id twice");
  for (const id of initial.tickets.keys()) {
    if (!servedById.has(id)) out.push(`tickets: ${id} entered the runtime but the server does not list it`);
  }
  for (const id of servedById.keys()) {
    if (!initial.tickets.has(id))
      out.push(`tickets: the server lists ${id}, which no file or event brought in`);
  }

  // Revisions: initial revision + audited approvals, and the approvals form one chain per ticket
  // (exactly one winner per (ticket, revision)).
  const approvals = byTicket(events, "recommendation-approved");
  const notes = byTicket(events, "note-added");
  for (const [id, start] of initial.tickets) {
    const ticket = servedById.get(id);
    const list = approvals.get(id) ?? [];
    if (ticket !== undefined && ticket.revision !== start.revision + list.length) {
      out.push(
        `revision: ${id} is at revision ${ticket.revision}, expected ${start.revision} + ${list.length} audited approval(s)`,
      );
    }
    const winners = new Map<number, number[]>();
    list.forEach((e, i) => {
      const from = e.fromRevision ?? -1;
      winners.set(from, [...(winners.get(from) ?? []), e.seq]);
      if (from !== start.revision + i || e.toRevision !== from + 1) {
        out.push(
          `revision: approval seq ${e.seq} of ${id} goes ${from} -> ${String(e.toRevision)}, expected ${start.revision + i} -> ${start.revision + i + 1}`,
        );
      }
    });
    for (const [from, seqs] of winners) {
      if (seqs.length > 1)
        out.push(
          `one winner: ${id} revision ${from} was approved ${seqs.length} times (seq ${seqs.join(", ")})`,
        );
    }
    const noteCount = (start.notes?.length ?? 0) + (notes.get(id)?.length ?? 0);
    if (ticket !== undefined && (ticket.notes?.length ?? 0) !== noteCount) {
      out.push(`notes: ${id} shows ${ticket.notes?.length ?? 0} note(s), expected ${noteCount}`);
    }
    // The ticket shows its last approval's values.
    const last = list.at(-1);
    if (ticket !== undefined && last !== undefined) {
      for (const change of last.changes ?? []) {
        const value = (ticket as Record<string, unknown>)[change.field];
        if (json(value) !== json(change.after)) {
          out.push(
            `approval: ${id}.${change.field} is ${json(value)}, its last approval (seq ${last.seq}) set ${json(change.after)}`,
          );
        }
      }
    }
  }

  // Recommendations: one per submission; resolved by at most one event, and shown as resolved
  // exactly when that event exists (never half-resolved).
  const submitted = events.filter((e) => e.action === "recommendation-submitted");
  const recById = new Map(served.recommendations.map((r) => [r.id, r]));
  const submittedIds = new Set<string>();
  for (const e of submitted) {
    const id = e.recommendationId ?? "";
    if (submittedIds.has(id)) out.push(`recommendations: ${id} was submitted twice`);
    submittedIds.add(id);
    if (!recById.has(id)) out.push(`recommendations: ${id} (seq ${e.seq}) is not listed by the server`);
  }
  for (const id of recById.keys()) {
    if (!submittedIds.has(id)) out.push(`recommendations: the server lists ${id}, which no event submitted`);
  }
  const resolving = new Map<string, AuditEvent[]>();
  for (const e of events) {
    if (e.action !== "recommendation-approved" && e.action !== "recommendation-rejected") continue;
    const id = e.recommendationId ?? "";
    resolving.set(id, [...(resolving.get(id) ?? []), e]);
  }
  for (const rec of served.recommendations) {
    const list = resolving.get(rec.id) ?? [];
    if (list.length > 1) {
      out.push(
        `half-resolved: ${rec.id} is resolved by ${list.length} events (seq ${list.map((e) => e.seq).join(", ")})`,
      );
    }
    const expected =
      list[0] === undefined
        ? "pending"
        : list[0].action === "recommendation-approved"
          ? "approved"
          : "rejected";
    if (rec.resolution !== expected) {
      out.push(`half-resolved: ${rec.id} is ${rec.resolution} but the audit log says ${expected}`);
    }
    const approval = list[0]?.action === "recommendation-approved" ? list[0] : undefined;
    if (approval !== undefined) {
      if (approval.ticketId !== rec.ticketId) {
        out.push(
          `approval: seq ${approval.seq} approves ${rec.id} on ${String(approval.ticketId)}, not ${rec.ticketId}`,
        );
      }
      const fields = (approval.changes ?? []).map((c) => c.field);
      if (json(rec.approvedFields) !== json(fields)) {
        out.push(
          `approval: ${rec.id} shows approved fields ${json(rec.approvedFields)}, seq ${approval.seq} changed ${json(fields)}`,
        );
      }
    }
  }
  for (const id of resolving.keys()) {
    if (!submittedIds.has(id)) out.push(`recommendations: ${id} is resolved but was never submitted`);
  }

  // Handoffs: exactly those the approvals enqueued; status and attempts follow their events.
  const expectedHandoffs = new Map<string, number>();
  for (const e of events) {
    if (e.action !== "recommendation-approved") continue;
    for (const h of (e.data?.handoffs as { id: string }[] | undefined) ?? [])
      expectedHandoffs.set(h.id, e.seq);
  }
  const servedHandoffs = new Map(served.handoffs.map((h) => [h.id, h]));
  for (const [id, seq] of expectedHandoffs) {
    if (!servedHandoffs.has(id))
      out.push(`handoffs: ${id} (enqueued at seq ${seq}) is not listed by the server`);
  }
  for (const h of served.handoffs) {
    if (!expectedHandoffs.has(h.id)) {
      out.push(`handoffs: the server lists ${h.id}, which no approval enqueued`);
      continue;
    }
    const own = events.filter(
      (e) =>
        e.action.startsWith("handoff-") && (e.data as { handoffId?: string } | undefined)?.handoffId === h.id,
    );
    const attempts = own.filter((e) => e.action === "handoff-attempted").length;
    const last = own.at(-1);
    const status =
      last === undefined
        ? "pending"
        : last.action === "handoff-attempted"
          ? "in-flight"
          : last.action === "handoff-delivered"
            ? "delivered"
            : last.data?.final === true
              ? "failed"
              : "pending";
    if (h.status !== status) out.push(`handoffs: ${h.id} is ${h.status}, its events say ${status}`);
    if (h.attempts.length !== attempts) {
      out.push(`handoffs: ${h.id} shows ${h.attempts.length} attempt(s), the log has ${attempts}`);
    }
  }
  return out;
}

/** Both groups of checks. */
export function checkRuntime(snapshot: RuntimeSnapshot, options: { lockMayBeHeld?: boolean } = {}): string[] {
  return [...checkFiles(snapshot.disk, options), ...checkState(snapshot)];
}

/** Warnings a recovering server must never print: an event skipped or a claim refused. */
export function checkServerLog(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => /inconsistent with the state|\(not applied\)|cannot be applied|moved it to/.test(l))
    .map((l) => `server log: ${l.trim()}`);
}

// ---------- the log against what the clients were told ----------

export type Answer =
  | { readonly kind: "ok"; readonly action: AuditEvent["action"] }
  | { readonly kind: "refused"; readonly code: string }
  | { readonly kind: "lost" };

/** One write a client sent, with its idempotency key and what it was answered. */
export interface LedgerEntry {
  readonly key: string;
  readonly answer: Answer;
  /** For an acknowledged approval: the revision the answer reported. */
  readonly revision?: number;
  /** What the answer named, checked against the event when given. */
  readonly ticketId?: string;
  readonly recommendationId?: string;
}

export interface Accounting {
  readonly violations: string[];
  readonly acknowledged: number;
  readonly auditedRefusals: number;
  /** Events of writes whose caller never got an answer (committed, or rolled forward by recovery). */
  readonly unansweredCommitted: number;
  /** Events after `afterSeq`: acknowledged + auditedRefusals + unansweredCommitted + extra-key events. */
  readonly events: number;
}

/**
 * Every event belongs to exactly one write, found by its idempotency key: an acknowledged write
 * has exactly its event (no lost update, no double apply), a refusal has none or its audited
 * `approval-rejected`, a write that was never answered has none or one. So the log holds, after
 * `afterSeq`, acknowledged + audited refusals + unanswered-but-committed events (+ probes).
 */
export function checkAccounting(
  events: readonly AuditEvent[],
  ledger: readonly LedgerEntry[],
  options: {
    /** Keys of writes made outside the ledger (a probe), allowed in the log. */
    readonly extraKeys?: ReadonlySet<string>;
    /** Events up to this seq are the starting state, not writes of the ledger (default 0: seq 0). */
    readonly afterSeq?: number;
  } = {},
): Accounting {
  const out: string[] = [];
  const byKey = new Map<string, AuditEvent[]>();
  const afterSeq = options.afterSeq ?? 0;
  const counted = events.filter((e) => e.seq > afterSeq);
  for (const e of counted) {
    const key = (e.data?.idempotency as { key?: string } | undefined)?.key;
    if (key === undefined) {
      out.push(`accounting: seq ${e.seq} (${e.action}) carries no idempotency key: no write explains it`);
      continue;
    }
    byKey.set(key, [...(byKey.get(key) ?? []), e]);
  }
  const known = new Set(ledger.map((l) => l.key));
  for (const [key, list] of byKey) {
    if (!known.has(key) && options.extraKeys?.has(key) !== true) {
      out.push(
        `accounting: seq ${list.map((e) => e.seq).join(", ")} carries key ${key}, which no client sent`,
      );
    }
  }
  let acknowledged = 0;
  let auditedRefusals = 0;
  let unansweredCommitted = 0;
  for (const entry of ledger) {
    const list = byKey.get(entry.key) ?? [];
    if (list.length > 1) {
      out.push(
        `accounting: write ${entry.key} was applied ${list.length} times (seq ${list.map((e) => e.seq).join(", ")})`,
      );
    }
    const event = list[0];
    const answer = entry.answer;
    if (answer.kind === "ok") {
      acknowledged++;
      if (event === undefined)
        out.push(`lost update: write ${entry.key} (${answer.action}) was acknowledged but is not in the log`);
      else if (event.action !== answer.action) {
        out.push(
          `accounting: write ${entry.key} was acknowledged as ${answer.action}, the log has ${event.action} (seq ${event.seq})`,
        );
      } else if (entry.revision !== undefined && event.toRevision !== entry.revision) {
        out.push(
          `lost update: approval ${entry.key} answered revision ${entry.revision}, seq ${event.seq} says ${String(event.toRevision)}`,
        );
      } else if (
        (entry.ticketId !== undefined && event.ticketId !== entry.ticketId) ||
        (entry.recommendationId !== undefined && event.recommendationId !== entry.recommendationId)
      ) {
        out.push(
          `accounting: write ${entry.key} answered ${entry.ticketId ?? "?"} / ${entry.recommendationId ?? "?"}, seq ${event.seq} names ${String(event.ticketId)} / ${String(event.recommendationId)}`,
        );
      }
    } else if (answer.kind === "refused") {
      if (event === undefined) continue;
      if (event.action !== "approval-rejected") {
        out.push(
          `accounting: write ${entry.key} was refused (${answer.code}) but seq ${event.seq} applied it (${event.action})`,
        );
      } else {
        auditedRefusals++;
        if (event.data?.code !== answer.code) {
          out.push(
            `accounting: refusal ${entry.key} answered ${answer.code}, seq ${event.seq} recorded ${String(event.data?.code)}`,
          );
        }
      }
    } else if (event !== undefined) {
      unansweredCommitted++;
    }
  }
  const extra = [...byKey.keys()]
    .filter((k) => !known.has(k))
    .reduce((n, k) => n + (byKey.get(k)?.length ?? 0), 0);
  const explained = acknowledged + auditedRefusals + unansweredCommitted + extra;
  if (out.length === 0 && counted.length !== explained) {
    out.push(
      `accounting: the log holds ${counted.length} events after seq ${afterSeq}, the writes explain ${explained}`,
    );
  }
  return { violations: out, acknowledged, auditedRefusals, unansweredCommitted, events: counted.length };
}

/** The invariants by name, each with the prefix its violations carry. */
export const INVARIANTS = [
  ["audit chain", "the audit chain verifies (schema, hashes, sequence, base and batch files)"],
  ["leftovers", "no claim, temp file, quarantined line, orphan batch or held lock is left"],
  ["tickets", "the tickets are exactly the seed + created + imported ones"],
  ["revision", "each ticket's revision = its seed revision + its audited approvals"],
  ["one winner", "exactly one approval per (ticket, revision)"],
  ["approval", "every approved recommendation has its audit event and its ticket change"],
  ["half-resolved", "no recommendation is half-resolved"],
  ["recommendations", "one recommendation per submission event"],
  ["notes", "each ticket's notes = its seed notes + its note events"],
  ["handoffs", "the outbox follows its events"],
  ["lost update", "every acknowledged write is in the log, as answered"],
  ["accounting", "every event belongs to exactly one write; none applied twice"],
  ["server log", "no event skipped and no claim refused by recovery"],
] as const;

/** Violations per invariant (in INVARIANTS order); each counts once, under the first name it carries. */
export function tally(violations: readonly string[]): { label: string; name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const v of violations) {
    let best: string | undefined;
    let at = Number.POSITIVE_INFINITY;
    for (const [name] of INVARIANTS) {
      const i = v.indexOf(`${name}: `);
      if (i >= 0 && i < at) [best, at] = [name, i];
    }
    counts.set(best ?? "other", (counts.get(best ?? "other") ?? 0) + 1);
  }
  const rows = INVARIANTS.map(([name, label]) => ({ name, label, count: counts.get(name) ?? 0 }));
  const other = counts.get("other") ?? 0;
  return other > 0 ? [...rows, { name: "other", label: "other checks", count: other }] : rows;
}
