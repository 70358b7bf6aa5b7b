// Generates test/compat/runtime-v1/: runtime directories written by this version of the server,
// and what this version answers about them (expected.json). The compatibility test
// (runtime-v1.test.ts) opens copies with the current code and checks that they verify, answer the
// same and take new writes. The committed fixture was generated at commit 4180094 (the first
// release's store format), by:
//
//   npx tsx test/compat/generate-runtime-v1.ts            # writes test/compat/runtime-v1/
//   npx tsx test/compat/generate-runtime-v1.ts --out DIR  # somewhere else
//
// Do not regenerate it with a later version: its point is to be written by the old code. Running
// the script with the current code is still a useful check (it must succeed), but commit its
// output only under a new name.
//
// The runtime holds every audit action of that version: runtime-initialized,
// recommendation-submitted, -approved (with handoffs; chat and operator channels), -rejected,
// approval-rejected, ticket-created (with masked secrets), note-added, tickets-imported (with its
// imports/ batch file), handoff-attempted, -delivered and -failed (final and not, with and without
// an HTTP status, and the operator's "outcome unknown" reopening), idempotency keys on every kind
// of call (a refusal's included), a handoff left in-flight by a deliverer killed after its attempt
// was recorded (through the crash point of that version), and a state snapshot taken mid-way:
//   with-snapshot/  the runtime as written (snapshots/state-<seq>.json, then newer events)
//   log-only/       the same runtime without snapshots/: the state is rebuilt from the log alone
// Clock and ids are fixed (ids count up); only the store id is random.

import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Channel } from "../../src/domain/schemas.js";
import { BUNDLED_INPUTS } from "../support/workspace.js";
import { type CreateTicketInput, type SubmitRecommendationInput } from "../../src/domain/inputs.js";
import { createMemoryLogger } from "../../src/logging.js";
import { ImportService } from "../../src/service/import-service.js";
import { openFileStore, verifyAuditLog } from "../../src/store/index.js";
import { validSubmission } from "../hostile/support.js";
import { crashEnv } from "../support/crash.js";
import {
  answersOf,
  approval,
  ANSWERS_AT,
  counterIds,
  manualClock,
  openRuntime as open,
  proposal,
  REPO,
  START,
  writeInputs,
  type KeyedCall,
} from "./answers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/** Idempotency keys are UUIDs; these count up. */
const key = (n: number) => `00000000-0000-4000-9000-${String(n).padStart(12, "0")}`;

/** A webhook receiver in-process: the answer depends on the handoff (its Idempotency-Key). */
function fakeFetch(answer: (key: string) => number | "network-error"): typeof globalThis.fetch {
  return (_url, init) => {
    const key = String((init?.headers as Record<string, string> | undefined)?.["Idempotency-Key"]);
    const reply = answer(key);
    if (reply === "network-error") return Promise.reject(new TypeError("fetch failed"));
    return Promise.resolve(new Response(reply < 300 ? "ok" : "no", { status: reply }));
  };
}

const WEBHOOKS = { "*": "http://127.0.0.1:9/hook" } as const;

/**
 * The child: opens the runtime and delivers one team's handoffs; its parent runs it with the
 * crash point of handoff delivery set, so it dies right after recording the first attempt.
 */
async function deliverChild(args: readonly string[]): Promise<void> {
  const [dataRoot, seedFile, knowledgeRoot, at, team, idBase] = args as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const triage = await open(
    dataRoot,
    { seedFile, knowledgeRoot },
    () => new Date(at),
    counterIds(Number(idBase)),
  );
  await triage.handoffs.deliver({
    webhooks: { [team]: WEBHOOKS["*"] },
    concurrency: 1,
    fetch: fakeFetch(() => 200),
  });
  await triage.close();
  throw new Error("the deliverer was meant to die at handoff.attempt-recorded");
}

function killedDelivery(
  dataRoot: string,
  inputs: { seedFile: string; knowledgeRoot: string },
  at: Date,
  team: string,
  idBase: number,
): void {
  const args = [dataRoot, inputs.seedFile, inputs.knowledgeRoot, at.toISOString(), team, String(idBase)];
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), "--child", ...args],
    {
      cwd: REPO,
      // (At 4180094 the server itself armed its crash points: TRIAGE_CRASH_POINTS=1.)
      env: { ...process.env, TRIAGE_CRASH_POINTS: "1", ...crashEnv("handoff.attempt-recorded") },
      encoding: "utf8",
    },
  );
  if (run.signal !== "SIGKILL") throw new Error(`the deliverer did not die as planned: ${run.stderr}`);
}

const OUTAGE = {
  category: "incident",
  priority: "P1",
  team: "incident-response",
  assignee: "noah.fischer",
  outageRisk: "likely",
  knowledgeArticleIds: ["regional-outages"],
  rationale: "Several customers report 502s from the Frankfurt API: a regional outage.",
  recommendedNextAction: "Page incident response and link the Frankfurt reports.",
} satisfies Partial<SubmitRecommendationInput>;

const OPERATOR: Channel = { type: "operator" };
const CHAT: Channel = { type: "chat" };
const FORM: Channel = { type: "elicitation", client: { name: "fixture-client", version: "1.0.0" } };

/** Builds the runtime in `dataRoot`; returns the keyed calls made and the seq of the snapshot. */
async function build(
  dataRoot: string,
  inputs: { seedFile: string; knowledgeRoot: string },
): Promise<{ calls: KeyedCall[]; snapshotSeq: number }> {
  const clock = manualClock(START);
  const newId = counterIds(1);
  const calls: KeyedCall[] = [];
  let triage = await open(dataRoot, inputs, clock.now, newId);
  const { service, intake } = triage;
  const step = () => clock.advance(1);

  // Recommendations: approved with handoffs (chat), approved through the operator channel,
  // refused (audited), rejected, and pending.
  step();
  const submitA = proposal("TKT-3002", 0, { ...OUTAGE, idempotencyKey: key(1) });
  calls.push({ kind: "submit", input: submitA });
  const recA = await service.submit(submitA);
  step();
  const approveA = approval(recA, ["category", "priority", "team", "assignee"], "maria.chen", {
    idempotencyKey: key(2),
  });
  calls.push({ kind: "approve", input: approveA, channel: CHAT });
  await service.approve(approveA, { channel: CHAT });

  step();
  // The hostile tests' valid submission: a leaked key on TKT-3004, for security.
  const recB = await service.submit(BUNDLED_INPUTS.submitRecommendation.parse(validSubmission()));
  step();
  await service.approve(approval(recB, ["team", "priority"], "ines.duarte"), { channel: OPERATOR });

  step();
  const submitC = proposal("TKT-3005", 0, {
    category: "billing",
    priority: "P2",
    team: "billing",
    knowledgeArticleIds: ["duplicate-charges"],
    idempotencyKey: key(3),
  });
  calls.push({ kind: "submit", input: submitC });
  const recC = await service.submit(submitC);
  step();
  const staleC = approval(recC, ["category"], "hannah.kowalski", {
    expectedRevision: 3,
    idempotencyKey: key(4),
  });
  calls.push({ kind: "approve", input: staleC, channel: CHAT });
  await service.approve(staleC, { channel: CHAT }).then(
    () => {
      throw new Error("the stale approval was meant to be refused");
    },
    () => undefined,
  );
  step();
  const rejectC = {
    recommendationId: recC.id,
    ticketId: "TKT-3005",
    actor: "hannah.kowalski",
    feedback: "Duplicate of an older billing case; refund handled there.",
    idempotencyKey: key(5),
  };
  calls.push({ kind: "reject", input: rejectC, channel: FORM });
  await service.reject(rejectC, { channel: FORM });

  step();
  const recD = await service.submit(proposal("TKT-3003", 0, OUTAGE));

  // Intake: a created ticket with a masked secret (keyed), one from the CLI, notes.
  step();
  const create1: CreateTicketInput = {
    subject: "Webhook signature check fails",
    description:
      "Our receiver rejects every delivery. The secret we use is ghp_1234567890abcdefghijABCDEFGHIJ123456.",
    customer: { name: "Fabrikam", plan: "enterprise", region: "eu-west", vip: true },
    tags: ["webhooks"],
    idempotencyKey: key(6),
  };
  const mcpSource = {
    kind: "mcp" as const,
    client: { name: "fixture-client", version: "1.0.0" },
    session: "session-1",
  };
  calls.push({ kind: "create", input: create1, source: mcpSource });
  const created = await intake.createTicket(create1, mcpSource);
  if (created.maskedSecrets.length === 0) throw new Error("the secret was meant to be masked");
  step();
  const created2 = await intake.createTicket(
    {
      subject: "Export to CSV times out",
      description: "Exports of more than 10,000 rows never finish.",
      customer: { name: "Contoso", plan: "team", region: "us-east", vip: false },
      actor: "lukas.brandt",
    },
    { kind: "cli", session: "cli-1" },
  );
  step();
  const note1 = {
    ticketId: "TKT-3001",
    author: "aisha.rahman",
    body: "Status page updated.",
    idempotencyKey: key(7),
  };
  calls.push({ kind: "note", input: note1 });
  await intake.addNote(note1);
  step();
  await intake.addNote({
    ticketId: created2.ticket.id,
    author: "lukas.brandt",
    body: "Asked for the row count.",
  });

  // An import with its batch file.
  step();
  const csv = join(dirname(inputs.seedFile), "helpdesk-basic.csv");
  copyFileSync(join(REPO, "test/fixtures-import/helpdesk-basic.csv"), csv);
  const imported = await new ImportService({
    store: triage.store,
    clock: clock.now,
    workspace: triage.workspace,
  }).importFile({
    file: csv,
    format: "csv",
    actor: "ops.importer",
  });
  if (imported.outcome !== "imported") throw new Error(`the import was ${imported.outcome}`);
  await triage.close();

  // A snapshot of the state so far; the events below are replayed on top of it.
  const store = await openFileStore({ dataRoot, seed: () => [], logger: createMemoryLogger() });
  store.checkpoint();
  const snapshotSeq = store.view().lastSeq;
  await store.close();
  triage = await open(dataRoot, inputs, clock.now, newId);

  // Deliveries: the team notification of A delivered, A's bug card failed (will retry), B's
  // security notification not configured yet.
  step();
  await triage.handoffs.deliver({
    webhooks: { "incident-response": WEBHOOKS["*"] },
    concurrency: 1,
    fetch: fakeFetch((key) => (key.endsWith(":bug-card") ? 500 : 200)),
  });
  await triage.close();
  // B's notification: its deliverer dies after recording the attempt (left in-flight).
  step();
  killedDelivery(dataRoot, inputs, clock.now(), "security", 0x100000);
  // Later, an operator resends it (outcome unknown -> pending -> attempt 2 -> 503, final);
  // A's bug card fails again without an answer (final).
  clock.advance(30);
  triage = await open(dataRoot, inputs, clock.now, newId);
  await triage.handoffs.deliver({
    webhooks: WEBHOOKS,
    concurrency: 1,
    maxAttempts: 2,
    retryInFlight: true,
    actor: "ops.lead",
    fetch: fakeFetch((key) => (key.endsWith(":bug-card") ? "network-error" : 503)),
  });

  // D approved: its handoffs are pending; a deliverer dies on the first one (in-flight at the end).
  step();
  await triage.service.approve(approval(recD, ["category", "priority", "team"], "noah.fischer"));
  await triage.close();
  step();
  killedDelivery(dataRoot, inputs, clock.now(), "incident-response", 0x110000);

  // After the snapshot too: a keyed submission left pending, a keyed note on a created ticket.
  clock.advance(5);
  triage = await open(dataRoot, inputs, clock.now, newId);
  const submitE = proposal(created.ticket.id, 0, {
    category: "integration",
    priority: "P2",
    team: "integrations",
    assignee: "elena.petrova",
    idempotencyKey: key(8),
  });
  calls.push({ kind: "submit", input: submitE });
  await triage.service.submit(submitE);
  step();
  const note2 = {
    ticketId: created.ticket.id,
    author: "elena.petrova",
    body: "Reproduced with a test receiver.",
    idempotencyKey: key(9),
  };
  calls.push({ kind: "note", input: note2 });
  await triage.intake.addNote(note2);
  await triage.close();
  return { calls, snapshotSeq };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: "string" } } });
  const out = resolve(values.out ?? join(HERE, "runtime-v1"));
  const work = mkdtempSync(join(tmpdir(), "triage-runtime-v1-"));
  try {
    const inputs = writeInputs(work);
    const dataRoot = join(work, "runtime");
    const { calls, snapshotSeq } = await build(dataRoot, inputs);
    // Left by the killed deliverers; a clean shutdown removes its own.
    rmSync(join(dataRoot, "presence"), { recursive: true, force: true });
    const verified = verifyAuditLog(dataRoot);
    if (!verified.ok) throw new Error(`the generated runtime does not verify: ${verified.detail}`);

    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    cpSync(dataRoot, join(out, "with-snapshot"), { recursive: true });
    cpSync(dataRoot, join(out, "log-only"), { recursive: true });
    rmSync(join(out, "log-only", "snapshots"), { recursive: true, force: true });

    // The answers, taken on copies (opening a runtime records its presence).
    const answers: Record<string, unknown>[] = [];
    for (const name of ["with-snapshot", "log-only"]) {
      const copy = join(work, `answers-${name}`);
      cpSync(join(out, name), copy, { recursive: true });
      const triage = await open(copy, inputs, () => ANSWERS_AT, counterIds(0x200000));
      answers.push(await answersOf(triage, calls));
      await triage.close();
    }
    if (JSON.stringify(answers[0]) !== JSON.stringify(answers[1])) {
      throw new Error("the runtime answers differently with and without its snapshot");
    }
    const expected = {
      generatedBy: "test/compat/generate-runtime-v1.ts",
      snapshotSeq,
      headHash: verified.headHash,
      events: verified.events,
      answersAt: ANSWERS_AT.toISOString(),
      calls,
      answers: answers[0],
    };
    writeFileSync(join(out, "expected.json"), `${JSON.stringify(expected, null, 2)}\n`);
    process.stderr.write(
      `wrote ${out}: ${verified.events} events, snapshot at seq ${snapshotSeq}, head ${verified.headHash}\n`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  await deliverChild(process.argv.slice(3));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
