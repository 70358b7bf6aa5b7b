import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  SLA_STATES,
  type Category,
  type Priority,
  type SlaState,
  type Status,
  type Team,
} from "../../src/domain/enums.js";
import { compareTicketIds } from "../../src/domain/ids.js";
import { slaStateOf } from "../../src/domain/policy/index.js";
import {
  BUNDLED_QUEUE,
  BUNDLED_WORKSPACE,
  CATEGORIES,
  PRIORITIES,
  SLA_AT_RISK_WINDOW_MS,
  STATUSES,
  TEAMS,
} from "../support/workspace.js";
import type { Ticket } from "../../src/domain/schemas.js";
import { TriageService } from "../../src/service/triage-service.js";
import { StoreState } from "../../src/store/core/state.js";
import { StateView } from "../../src/store/core/view.js";
import { LogPositions } from "../../src/store/file/positions.js";
import { decodeSnapshotBody, encodeSnapshotBody } from "../../src/store/core/snapshot-body.js";
import { fromSnapshotData, snapshotDataOf } from "../../src/store/file/snapshot-body.js";
import type { StoreView, TicketFilter, TriageStore } from "../../src/store/index.js";
import { approveBody, submitBody } from "./fixtures/drafts.js";
import { cleanupTempDirs, open, tempDir } from "./fixtures/helpers.js";
import { createBody, importBody, noteBody } from "./fixtures/intake.js";
import { makeTicket } from "./fixtures/tickets.js";

// The open-ticket aggregates and the SLA index answer exactly like the scans they replaced:
// random tickets, random sequences of changes, random clocks (with the boundaries: due exactly
// now, exactly now + 60 min, one millisecond either side), checked against brute force.

afterAll(cleanupTempDirs);

const T0 = Date.parse("2026-03-01T12:00:00.000Z");
const MIN = 60_000;
const W = SLA_AT_RISK_WINDOW_MS;
/** slaStateOf never finds this due: Date.parse gives NaN. */
const UNPARSEABLE = "not a date";

// ---------- brute force: the logic the indexes replaced ----------

interface TicketStatsShape {
  open: number;
  untriaged: number;
  breached: number;
  atRisk: number;
  byCategory: Record<string, number>;
  byPriority: Record<string, number>;
  byTeam: Record<string, number>;
}

/** The former queueMetrics loop (over every ticket, open ones only). */
function bruteStats(tickets: readonly Ticket[], now: Date): TicketStatsShape {
  const out: TicketStatsShape = {
    open: 0,
    untriaged: 0,
    breached: 0,
    atRisk: 0,
    byCategory: {},
    byPriority: {},
    byTeam: {},
  };
  for (const t of tickets) {
    if (t.status === "resolved") continue;
    out.open++;
    if (t.category === undefined || t.priority === undefined || t.team === undefined) out.untriaged++;
    const sla = slaStateOf(t, now, SLA_AT_RISK_WINDOW_MS);
    if (sla === "breached") out.breached++;
    else if (sla === "at-risk") out.atRisk++;
    if (t.category !== undefined) out.byCategory[t.category] = (out.byCategory[t.category] ?? 0) + 1;
    if (t.priority !== undefined) out.byPriority[t.priority] = (out.byPriority[t.priority] ?? 0) + 1;
    if (t.team !== undefined) out.byTeam[t.team] = (out.byTeam[t.team] ?? 0) + 1;
  }
  return out;
}

/** The former listTickets(slaState) path: every match in id order, then a slice. */
function bruteList(
  tickets: readonly Ticket[],
  state: SlaState,
  now: Date,
  filter: TicketFilter,
  offset: number,
  limit: number,
): { ids: string[]; total: number } {
  const matching = [...tickets]
    .sort((a, b) => compareTicketIds(a.id, b.id))
    .filter(
      (t) =>
        (filter.status === undefined || t.status === filter.status) &&
        (filter.category === undefined || t.category === filter.category) &&
        (filter.priority === undefined || t.priority === filter.priority) &&
        (filter.team === undefined || t.team === filter.team) &&
        slaStateOf(t, now, SLA_AT_RISK_WINDOW_MS) === state,
    );
  return { ids: matching.slice(offset, offset + limit).map((t) => t.id), total: matching.length };
}

const FILTERS: readonly TicketFilter[] = [
  {},
  { status: "new" },
  { status: "resolved" },
  { team: "billing" },
  { category: "api", priority: "P2" },
  { status: "in-progress", team: "api-platform" },
];
const PAGES: readonly (readonly [number, number])[] = [
  [0, Number.MAX_SAFE_INTEGER],
  [0, 3],
  [2, 5],
  [40, 10],
];

/** Every index answer of `view` at each of `nows`, against brute force over `tickets`. */
function expectMatchesBruteForce(view: StoreView, tickets: readonly Ticket[], nows: readonly number[]): void {
  const stats = view.openTicketStats(BUNDLED_QUEUE);
  const ref = bruteStats(tickets, new Date(T0));
  expect(stats).toEqual({
    open: ref.open,
    untriaged: ref.untriaged,
    byCategory: ref.byCategory,
    byPriority: ref.byPriority,
    byTeam: ref.byTeam,
  });
  for (const nowMs of nows) {
    const now = new Date(nowMs);
    const expected = bruteStats(tickets, now);
    expect(view.slaCounts(now.getTime(), BUNDLED_QUEUE), `counts at ${nowMs}`).toEqual({
      breached: expected.breached,
      atRisk: expected.atRisk,
    });
    for (const state of SLA_STATES) {
      for (const filter of FILTERS) {
        for (const [offset, limit] of PAGES) {
          const page = view.ticketsBySla(state, now.getTime(), SLA_AT_RISK_WINDOW_MS, filter, {
            offset,
            limit,
          });
          const want = bruteList(tickets, state, now, filter, offset, limit);
          const where = `${state} at ${nowMs}, ${JSON.stringify(filter)}, ${offset}+${limit}`;
          expect(page.total, where).toBe(want.total);
          expect(
            page.items.map((t) => t.id),
            where,
          ).toEqual(want.ids);
          expect([page.offset, page.limit]).toEqual([offset, limit]);
        }
      }
    }
  }
}

// ---------- random tickets and changes ----------

interface TicketSpec {
  readonly id: string;
  readonly status: Status;
  readonly category: Category | undefined;
  readonly priority: Priority | undefined;
  readonly team: Team | undefined;
  readonly due: string;
  readonly breached: boolean;
}

/** Due times bunched around T0 so that ties and boundary hits are common. */
const dueArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.integer({ min: -6, max: 6 }), fc.constantFrom(0, 0, 0, 1, -1))
      .map(([quarter, ms]) => new Date(T0 + quarter * 15 * MIN + ms).toISOString()),
  },
  {
    weight: 2,
    arbitrary: fc.integer({ min: -200, max: 200 }).map((m) => new Date(T0 + m * MIN).toISOString()),
  },
  { weight: 1, arbitrary: fc.constant(UNPARSEABLE) },
);

const idArb = fc
  .tuple(fc.constantFrom("AB", "TKT", "ZZ"), fc.integer({ min: 1, max: 400 }))
  .map(([prefix, n]) => `${prefix}-${n}`);

const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arb, { nil: undefined, freq: 4 });

const specArb: fc.Arbitrary<TicketSpec> = fc.record({
  id: idArb,
  status: fc.constantFrom(...STATUSES),
  category: maybe(fc.constantFrom(...CATEGORIES)),
  priority: maybe(fc.constantFrom(...PRIORITIES)),
  team: maybe(fc.constantFrom(...TEAMS)),
  due: dueArb,
  breached: fc.oneof(
    { weight: 4, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  ),
});

function ticketOf(spec: TicketSpec): Ticket {
  const n = Number(spec.id.slice(spec.id.lastIndexOf("-") + 1));
  const { category: _c, priority: _p, team: _t, ...base } = makeTicket(n);
  return {
    ...base,
    id: spec.id,
    status: spec.status,
    ...(spec.category === undefined ? {} : { category: spec.category }),
    ...(spec.priority === undefined ? {} : { priority: spec.priority }),
    ...(spec.team === undefined ? {} : { team: spec.team }),
    sla: { responseDueAt: spec.due, breached: spec.breached },
    relatedTicketIds: [],
  };
}

/** Which `now` to check: near a ticket's due time (the boundaries), anywhere, or an invalid Date. */
type NowSpec =
  | { readonly kind: "due"; readonly pick: number; readonly shift: number }
  | { readonly kind: "free"; readonly ms: number }
  | { readonly kind: "invalid" };

const nowArb: fc.Arbitrary<NowSpec> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("due" as const),
      pick: fc.nat(),
      // now = due (breached), due - 1 (at risk), due - W (at risk, exactly 60 min away), ...
      shift: fc.constantFrom(0, 1, -1, -W, -W + 1, -W - 1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("free" as const),
      ms: fc.integer({ min: T0 - 4 * 60 * MIN, max: T0 + 4 * 60 * MIN }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "invalid" as const }) },
);

function resolveNows(specs: readonly NowSpec[], tickets: readonly Ticket[]): number[] {
  const dues = tickets.map((t) => Date.parse(t.sla.responseDueAt)).filter((d) => !Number.isNaN(d));
  return specs.map((s) => {
    if (s.kind === "invalid") return Number.NaN;
    if (s.kind === "free" || dues.length === 0) return s.kind === "free" ? s.ms : T0;
    return (dues[s.pick % dues.length] as number) + s.shift;
  });
}

type Op =
  | { readonly kind: "create"; readonly spec: TicketSpec }
  | { readonly kind: "import"; readonly specs: readonly TicketSpec[] }
  | {
      readonly kind: "approve";
      readonly pick: number;
      readonly status: Status | undefined;
      readonly category: Category | undefined;
      readonly priority: Priority | undefined;
      readonly team: Team | undefined;
    }
  | { readonly kind: "sla"; readonly pick: number; readonly due: string; readonly breached: boolean }
  | { readonly kind: "note"; readonly pick: number }
  | { readonly kind: "check"; readonly nows: readonly NowSpec[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("create" as const), spec: specArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("import" as const),
      specs: fc.array(specArb, { minLength: 0, maxLength: 25 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("approve" as const),
      pick: fc.nat(),
      status: maybe(fc.constantFrom(...STATUSES)),
      category: maybe(fc.constantFrom(...CATEGORIES)),
      priority: maybe(fc.constantFrom(...PRIORITIES)),
      team: maybe(fc.constantFrom(...TEAMS)),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("sla" as const),
      pick: fc.nat(),
      due: dueArb,
      breached: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("note" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("check" as const),
      nows: fc.array(nowArb, { minLength: 1, maxLength: 3 }),
    }),
  },
);

/** Applies `op` to the state and to the model (tickets by id, in insertion order). */
function apply(state: StoreState, model: Map<string, Ticket>, op: Op): void {
  const ids = [...model.keys()];
  const picked = (pick: number): Ticket | undefined =>
    ids.length === 0 ? undefined : model.get(ids[pick % ids.length] as string);
  switch (op.kind) {
    case "create": {
      if (model.has(op.spec.id)) return;
      const ticket = ticketOf(op.spec);
      state.tickets.add(ticket);
      model.set(ticket.id, ticket);
      return;
    }
    case "import": {
      const fresh = new Map<string, Ticket>();
      for (const spec of op.specs) if (!model.has(spec.id)) fresh.set(spec.id, ticketOf(spec));
      state.tickets.addMany([...fresh.values()]);
      for (const [id, ticket] of fresh) model.set(id, ticket);
      return;
    }
    case "approve": {
      const t = picked(op.pick);
      if (t === undefined) return;
      const next: Ticket = {
        ...t,
        ...(op.status === undefined ? {} : { status: op.status }),
        ...(op.category === undefined ? {} : { category: op.category }),
        ...(op.priority === undefined ? {} : { priority: op.priority }),
        ...(op.team === undefined ? {} : { team: op.team }),
        revision: t.revision + 1,
      };
      state.tickets.replace(next);
      model.set(t.id, next);
      return;
    }
    case "sla": {
      const t = picked(op.pick);
      if (t === undefined) return;
      const next: Ticket = { ...t, sla: { responseDueAt: op.due, breached: op.breached } };
      state.tickets.replace(next);
      model.set(t.id, next);
      return;
    }
    case "note": {
      const t = picked(op.pick);
      if (t === undefined) return;
      const note = {
        id: `note-${(t.notes ?? []).length}`,
        author: "agent",
        body: "Checked.",
        createdAt: t.createdAt,
      };
      const next: Ticket = { ...t, notes: [...(t.notes ?? []), note] };
      state.tickets.replace(next);
      model.set(t.id, next);
      return;
    }
    case "check":
      expectMatchesBruteForce(
        new StateView(state, 0),
        [...model.values()],
        resolveNows(op.nows, [...model.values()]),
      );
      return;
  }
}

function dedupe(specs: readonly TicketSpec[]): Ticket[] {
  const byId = new Map<string, Ticket>();
  for (const spec of specs) if (!byId.has(spec.id)) byId.set(spec.id, ticketOf(spec));
  return [...byId.values()];
}

describe("open-ticket aggregates and the SLA index", () => {
  it("answer like a brute-force scan after random creations, approvals, imports and notes", () => {
    fc.assert(
      fc.property(
        fc.array(specArb, { maxLength: 60 }),
        fc.array(opArb, { maxLength: 40 }),
        fc.array(opArb, { maxLength: 20 }),
        fc.array(nowArb, { minLength: 1, maxLength: 6 }),
        (base, ops, later, finalNows) => {
          const seed = dedupe(base);
          const state = StoreState.fromBase(seed);
          const model = new Map(seed.map((t) => [t.id, t]));
          for (const op of ops) apply(state, model, op);
          const tickets = [...model.values()];
          const nows = resolveNows(finalNows, tickets);
          expectMatchesBruteForce(new StateView(state, 0), tickets, nows);
          // Indexes are rebuilt from the tickets when a snapshot is loaded: same answers.
          const body = Buffer.concat(
            [...encodeSnapshotBody(snapshotDataOf(state, new LogPositions()))].map((c) =>
              typeof c === "string" ? Buffer.from(c, "utf8") : c,
            ),
          );
          const { state: reloaded } = fromSnapshotData(decodeSnapshotBody(body), {
            seq: state.lastSeq,
            hash: state.lastHash,
            logBytes: 0,
          });
          expectMatchesBruteForce(new StateView(reloaded, 0), tickets, nows);
          // Records loaded as bytes, then changed: the indexes follow the index fields.
          for (const op of later) apply(reloaded, model, op);
          const after = [...model.values()];
          const laterNows = resolveNows(finalNows, after);
          expectMatchesBruteForce(new StateView(reloaded, 0), after, laterNows);
        },
      ),
      { seed: 20260301, numRuns: 150 },
    );
  });

  it("places the boundaries like slaStateOf: due now is breached, due in exactly 60 minutes is at risk", () => {
    const spec = (id: string, due: number | string, extra: Partial<TicketSpec> = {}): Ticket =>
      ticketOf({
        id,
        status: "new",
        category: "api",
        priority: "P2",
        team: "api-platform",
        due: typeof due === "string" ? due : new Date(due).toISOString(),
        breached: false,
        ...extra,
      });
    const tickets = [
      spec("TKT-1", T0), // due exactly now: breached
      spec("TKT-2", T0 + 1), // at risk
      spec("TKT-3", T0 + W), // exactly 60 minutes away: at risk
      spec("TKT-4", T0 + W + 1), // healthy
      spec("TKT-5", T0 + 5 * W, { breached: true }), // flagged: breached, counted once
      spec("TKT-6", T0 - W, { breached: true }), // flagged and past due: still once
      spec("TKT-7", T0 - 1, { status: "resolved" }), // listed as breached, not counted
      spec("TKT-8", UNPARSEABLE), // never due: healthy
      spec("TKT-9", T0 - 1, { category: undefined }), // untriaged, breached
    ];
    const view = new StateView(StoreState.fromBase(tickets), 0);
    const ids = (state: SlaState, nowMs: number): string[] =>
      view
        .ticketsBySla(state, nowMs, SLA_AT_RISK_WINDOW_MS, {}, { offset: 0, limit: 100 })
        .items.map((t) => t.id);
    expect(view.slaCounts(T0, BUNDLED_QUEUE)).toEqual({ breached: 4, atRisk: 2 });
    expect(ids("breached", T0)).toEqual(["TKT-1", "TKT-5", "TKT-6", "TKT-7", "TKT-9"]);
    expect(ids("at-risk", T0)).toEqual(["TKT-2", "TKT-3"]);
    expect(ids("healthy", T0)).toEqual(["TKT-4", "TKT-8"]);
    // An invalid clock makes nothing due; flagged tickets stay breached.
    expect(view.slaCounts(Number.NaN, BUNDLED_QUEUE)).toEqual({ breached: 2, atRisk: 0 });
    expect(ids("healthy", Number.NaN)).toEqual([
      "TKT-1",
      "TKT-2",
      "TKT-3",
      "TKT-4",
      "TKT-7",
      "TKT-8",
      "TKT-9",
    ]);
    expect(view.openTicketStats(BUNDLED_QUEUE)).toEqual({
      open: 8,
      untriaged: 1,
      byCategory: { api: 7 },
      byPriority: { P2: 8 },
      byTeam: { "api-platform": 8 },
    });
    expectMatchesBruteForce(view, tickets, [T0, T0 - 1, T0 + 1, T0 - W, T0 + W, Number.NaN]);
  });
});

describe("TriageService.queueMetrics and listTickets(slaState)", () => {
  /** The former queueMetrics ticket figures, with every enum value listed. */
  function expectedMetrics(tickets: readonly Ticket[], now: Date): Record<string, unknown> {
    const s = bruteStats(tickets, now);
    const zeroes = (values: readonly string[]) => Object.fromEntries(values.map((v) => [v, 0]));
    return {
      openTickets: s.open,
      untriagedTickets: s.untriaged,
      slaBreachedTickets: s.breached,
      slaAtRiskTickets: s.atRisk,
      ticketsByCategory: { ...zeroes(CATEGORIES), ...s.byCategory },
      ticketsByPriority: { ...zeroes(PRIORITIES), ...s.byPriority },
      ticketsByTeam: { ...zeroes(TEAMS), ...s.byTeam },
    };
  }

  function serviceOver(store: Pick<TriageStore, "view">, clock: () => Date): TriageService {
    return new TriageService({
      store: store as TriageStore,
      knowledge: { get: () => undefined, list: () => [], search: () => [] },
      createSimilarityIndex: () => ({ add: () => undefined, similar: () => [], similarText: () => [] }),
      workspace: BUNDLED_WORKSPACE,
      clock,
    });
  }

  function expectServiceMatches(
    service: TriageService,
    tickets: readonly Ticket[],
    nows: readonly number[],
  ): void {
    for (const nowMs of nows) {
      const now = new Date(nowMs);
      const metrics = service.queueMetrics();
      expect(metrics.generatedAt).toBe(now.toISOString());
      expect(metrics).toMatchObject(expectedMetrics(tickets, now));
      for (const slaState of SLA_STATES) {
        for (const filter of FILTERS) {
          const input = { ...filter, slaState, asOf: now.toISOString(), offset: 1, limit: 7 };
          const page = service.listTickets(input);
          const want = bruteList(tickets, slaState, now, filter, 1, 7);
          expect({ ids: page.items.map((t) => t.id), total: page.total }).toEqual(want);
        }
      }
    }
  }

  it("match the former scans on random tickets at random clocks", () => {
    fc.assert(
      fc.property(
        fc.array(specArb, { maxLength: 80 }),
        fc.array(nowArb, { minLength: 1, maxLength: 4 }),
        (specs, nowSpecs) => {
          const tickets = dedupe(specs);
          const state = StoreState.fromBase(tickets);
          const nows = resolveNows(nowSpecs, tickets).filter((n) => Number.isFinite(n));
          let clockAt = T0;
          const service = serviceOver({ view: () => new StateView(state, 0) }, () => new Date(clockAt));
          for (const nowMs of nows) {
            clockAt = nowMs;
            expectServiceMatches(service, tickets, [nowMs]);
          }
        },
      ),
      { seed: 8, numRuns: 100 },
    );
  });

  it("follow committed events: creations, approvals, notes and an import, then a reopen", async () => {
    // Random tickets, renumbered TKT-1.. (the seed must pass the schema: no unparseable due).
    const specs = fc.sample(specArb, { seed: 5, numRuns: 40 }).filter((spec) => spec.due !== UNPARSEABLE);
    const unique = specs.map((spec, i) => ticketOf({ ...spec, id: `TKT-${i + 1}` }));
    const root = tempDir("indexes");
    let store = await open(root, { tickets: unique, snapshotEvery: 7 });
    let clockAt = T0;
    const service = (): TriageService => serviceOver(store, () => new Date(clockAt));
    const nows = [T0, T0 - 1, T0 + W, T0 - 30 * MIN, T0 + 45 * MIN];
    const check = (): void => {
      const tickets = store.view().ticketsByInsertion(0);
      expect(tickets.length).toBeGreaterThan(0);
      for (const nowMs of nows) {
        clockAt = nowMs;
        expectServiceMatches(service(), tickets, [nowMs]);
      }
      expectMatchesBruteForce(store.view(), tickets, nows);
    };
    check();
    // Approvals move tickets between statuses (resolved among them), teams, categories, priorities.
    const targets = unique.slice(0, 8).map((t) => t.id);
    for (const [i, id] of targets.entries()) {
      const rec = await store.transact(submitBody(id));
      await store.transact(
        approveBody(rec.id, {
          fields: i % 2 === 0 ? ["category", "priority", "team", "status"] : ["team", "status"],
        }),
      );
      if (i % 3 === 0) await store.transact(noteBody(id, "Called the customer."));
    }
    check();
    // Created tickets: due soon, due long ago, flagged; one with an id that sorts before others.
    await store.transact(
      createBody({
        overrides: { sla: { responseDueAt: new Date(T0 + 20 * MIN).toISOString(), breached: false } },
      }),
    );
    await store.transact(
      createBody({
        id: "AB-7",
        overrides: { sla: { responseDueAt: new Date(T0 - W).toISOString(), breached: false } },
      }),
    );
    await store.transact(
      createBody({
        id: "TKT-0",
        overrides: { sla: { responseDueAt: new Date(T0 + W).toISOString(), breached: true } },
      }),
    );
    check();
    // An import whose ids interleave with the existing ones.
    await store.transactImport(
      importBody({ count: 4, sourceSha256: "a".repeat(64), ids: ["AA-1", "TKT-500", "TKT-501", "ZZ-1"] }),
    );
    check();
    await store.close();
    store = await open(root, { tickets: unique, snapshotEvery: 7 });
    check();
    await store.close();
  });
});
