import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { RESOLUTIONS } from "../../src/domain/enums.js";
import { DomainError } from "../../src/domain/errors.js";
import { HANDOFF_STATUSES } from "../../src/domain/handoffs.js";
import {
  type AddTicketNoteInput,
  type ApproveRecommendationInput,
  type CreateTicketInput,
  type RejectRecommendationInput,
  type SubmitRecommendationInput,
} from "../../src/domain/inputs.js";
import type { Channel } from "../../src/domain/schemas.js";
import { BUNDLED_INPUTS } from "../support/workspace.js";
import { createMemoryLogger, type Logger } from "../../src/logging.js";
import type { TicketSource } from "../../src/service/intake-service.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import { validSubmission } from "../hostile/support.js";
import { testTickets, TEST_ARTICLES } from "../support/data.js";

export const REPO = resolve(import.meta.dirname, "../..");

// What a runtime answers, as plain JSON: the generator of test/compat/runtime-v1 records it with
// the release that wrote the runtime (expected.json), the compatibility test computes it again
// with the current code and compares. Every read the tools offer over tickets, recommendations,
// handoffs, the idempotency index and the audit log, plus the retry of every call that carried an
// idempotencyKey (a retry answers from the audit log, so it reads the old events' data).

/** A call made while generating the runtime, with its idempotencyKey: retried on every check. */
export type KeyedCall =
  | { readonly kind: "submit"; readonly input: SubmitRecommendationInput }
  | {
      readonly kind: "approve";
      readonly input: ApproveRecommendationInput;
      readonly channel: Channel;
    }
  | { readonly kind: "reject"; readonly input: RejectRecommendationInput; readonly channel: Channel }
  | { readonly kind: "create"; readonly input: CreateTicketInput; readonly source: TicketSource }
  | { readonly kind: "note"; readonly input: AddTicketNoteInput };

const ALL = { offset: 0, limit: 10_000 } as const;

async function answer(run: () => unknown): Promise<unknown> {
  try {
    return { ok: await run() };
  } catch (error) {
    if (error instanceof DomainError) return { refused: { code: error.code, message: error.message } };
    throw error;
  }
}

/** The retry of one keyed call: nothing is written, the original answer (or refusal) comes back. */
export function retry(triage: Triage, call: KeyedCall): Promise<unknown> {
  switch (call.kind) {
    case "submit":
      return answer(() => triage.service.submit(call.input));
    case "approve":
      return answer(() => triage.service.approve(call.input, { channel: call.channel }));
    case "reject":
      return answer(() => triage.service.reject(call.input, { channel: call.channel }));
    case "create":
      return answer(() => triage.intake.createTicket(call.input, call.source));
    case "note":
      return answer(() => triage.intake.addNote(call.input));
  }
}

/** Everything the runtime answers (JSON-safe), in a fixed order. */
export async function answersOf(
  triage: Triage,
  calls: readonly KeyedCall[],
): Promise<Record<string, unknown>> {
  const { service, handoffs } = triage;
  const view = triage.store.view();
  const tickets = service.listTickets(ALL);
  const ids = tickets.items.map((t) => t.id);
  const recommendations = service.listRecommendations(ALL);
  const outbox = handoffs.list(ALL);
  const keys = calls.map((c) => c.input.idempotencyKey).filter((k): k is string => k !== undefined);
  const retries: unknown[] = [];
  for (const call of calls) retries.push(await retry(triage, call));
  return JSON.parse(
    JSON.stringify({
      lastSeq: view.lastSeq,
      ticketCount: view.ticketCount(),
      tickets: tickets.items,
      getTicket: ids.map((id) => service.getTicket(id)),
      ticketPages: {
        new: service.listTickets({ status: "new", ...ALL }),
        security: service.listTickets({ team: "security", ...ALL }),
        p1: service.listTickets({ priority: "P1", offset: 1, limit: 2 }),
        breached: service.listTickets({ slaState: "breached", asOf: "2026-05-04T12:00:00.000Z", ...ALL }),
      },
      ticketIdsByInsertion: view.ticketIdsByInsertion(),
      nextTicketNumber: { TKT: view.nextTicketNumber("TKT"), ZD: view.nextTicketNumber("ZD") },
      externalIds: tickets.items.flatMap((t) =>
        t.externalId === undefined ? [] : [[t.externalId, view.ticketIdByExternalId(t.externalId)]],
      ),
      recommendations: recommendations.items,
      getRecommendation: recommendations.items.map((r) => service.getRecommendation(r.id)),
      recommendationsByResolution: RESOLUTIONS.map((resolution) =>
        service.listRecommendations({ resolution, ...ALL }),
      ),
      recommendationsByTicket: ids.map((ticketId) => service.listRecommendations({ ticketId, ...ALL })),
      pendingRecommendationIds: ids.map((id) => view.pendingRecommendationIds(id)),
      recommendationStats: view.recommendationStats(),
      handoffs: outbox.items,
      getHandoff: outbox.items.map((h) => handoffs.get(h.id)),
      handoffsByStatus: HANDOFF_STATUSES.map((status) => handoffs.list({ status, ...ALL })),
      handoffsByTicket: ids.map((ticketId) => handoffs.list({ ticketId, ...ALL })),
      outstanding: handoffs.outstanding({ "*": "http://127.0.0.1:9/hook" }),
      idempotency: Object.fromEntries(keys.map((key) => [key, view.idempotency(key)])),
      retries,
      auditEvents: await service.auditEvents(ALL),
      auditEventsPerTicket: await Promise.all(
        ids.map((ticketId) => service.auditEvents({ ticketId, ...ALL })),
      ),
      auditEventsPage: await service.auditEvents({ offset: 3, limit: 4 }),
      metrics: service.queueMetrics(),
    }),
  ) as Record<string, unknown>;
}

export const START = Date.parse("2026-05-04T09:00:00.000Z");
/** The tickets the runtime starts from (the tests' small seed). */
export const SEED_TICKETS = testTickets();

/** Counter ids (valid UUIDs), so the fixture reads the same every time. */
export function counterIds(base: number): () => string {
  let n = base;
  return () => `00000000-0000-4000-8000-${(n++).toString(16).padStart(12, "0")}`;
}

/** A clock that moves only when told to. */
export function manualClock(startMs: number): { now: () => Date; advance: (minutes: number) => void } {
  let at = startMs;
  return { now: () => new Date(at), advance: (minutes) => (at += minutes * 60_000) };
}

/** Writes the seed, knowledge and teams files a runtime is opened with. */
export function writeInputs(dir: string): { seedFile: string; knowledgeRoot: string } {
  const knowledgeRoot = join(dir, "knowledge");
  mkdirSync(knowledgeRoot, { recursive: true });
  for (const [id, text] of Object.entries(TEST_ARTICLES))
    writeFileSync(join(knowledgeRoot, `${id}.md`), text);
  const seedFile = join(dir, "seed.json");
  writeFileSync(seedFile, JSON.stringify(SEED_TICKETS, null, 2));
  return { seedFile, knowledgeRoot };
}

export function openRuntime(
  dataRoot: string,
  inputs: { seedFile: string; knowledgeRoot: string },
  clock: () => Date,
  newId?: () => string,
  logger: Logger = createMemoryLogger(),
): Promise<Triage> {
  return openTriage(
    {
      dataRoot,
      seedFile: inputs.seedFile,
      knowledgeRoot: inputs.knowledgeRoot,
      minutesSaved: 8,
      approvalMode: "chat",
    },
    logger,
    { clock, ...(newId === undefined ? {} : { newId }) },
  );
}

/** The clock the answers are taken at (metrics and SLA states depend on it). */
export const ANSWERS_AT = new Date(START + 2 * 60 * 60_000);

/** A submission the test knowledge and teams accept, for `ticketId` at `sourceRevision`. */
export function proposal(
  ticketId: string,
  sourceRevision: number,
  fields: Partial<SubmitRecommendationInput>,
): SubmitRecommendationInput {
  return BUNDLED_INPUTS.submitRecommendation.parse(
    validSubmission({ ticketId, sourceRevision, securityRisk: "none", knowledgeArticleIds: [], ...fields }),
  );
}

/** A confirmed approval of `fields` of `rec` at the revision it was made at. */
export function approval(
  rec: { readonly id: string; readonly ticketId: string; readonly sourceRevision: number },
  approvedFields: ApproveRecommendationInput["approvedFields"],
  actor: string,
  extra: Partial<ApproveRecommendationInput> = {},
): ApproveRecommendationInput {
  return {
    recommendationId: rec.id,
    ticketId: rec.ticketId,
    expectedRevision: rec.sourceRevision,
    approvedFields,
    actor,
    confirm: true,
    ...extra,
  };
}
