import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SLA_STATES } from "../../src/domain/enums.js";
import { DomainError } from "../../src/domain/errors.js";
import { compareTicketIds } from "../../src/domain/ids.js";
import { inputSchemasFor, type TicketQuery } from "../../src/domain/inputs.js";
import { slaStateOf } from "../../src/domain/policy/index.js";
import type { Ticket } from "../../src/domain/schemas.js";
import { createMemoryLogger } from "../../src/logging.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import type { TicketSource } from "../../src/service/intake-service.js";
import { customerKey } from "../../src/service/ticket-facets.js";
import { queueTickets, TEST_NOW, writeTestData, type TestData } from "../support/data.js";
import { carryTicket, carryValue, WORKSPACES, type ValueList } from "../support/workspaces.js";

// The queue as the desk reads it, on each workspace. Every filter is checked against the plainest
// possible answer: all tickets, filtered one by one with slaStateOf at the same clock and the
// workspace's at-risk window. The queue tickets are carried over to the workspace's values with
// their SLA states (carryTicket), so each state and each filter has tickets on both.

const SOURCES: readonly TicketSource[] = [
  { kind: "mcp", client: { name: "claude-code", version: "2.1.0" }, session: "session-a" },
  { kind: "mcp", client: { name: "claude-code", version: "2.1.0" }, session: "session-b" },
  { kind: "mcp", client: { name: "codex", version: "0.9" }, session: "session-c" },
];

describe.each(WORKSPACES)("on the $label workspace", ({ file, workspace }) => {
  const v = workspace.vocabulary;
  const W = workspace.policy.atRiskWindowMs;
  const carry = (list: ValueList, value: string) => carryValue(workspace, list, value);
  const isOpen = (t: Ticket) => !workspace.closedStatuses.includes(t.status);
  const ticketQuery = inputSchemasFor(workspace).ticketQuery;

  let data: TestData;
  const open: Triage[] = [];

  async function start(): Promise<Triage> {
    const triage = await openTriage(
      {
        dataRoot: data.dataRoot,
        seedFile: data.seedFile,
        knowledgeRoot: data.knowledgeRoot,
        workspaceFile: file,
        minutesSaved: 8,
      },
      createMemoryLogger(),
      { clock: () => TEST_NOW },
    );
    open.push(triage);
    return triage;
  }

  beforeEach(() => {
    data = writeTestData(queueTickets(60).map((t) => carryTicket(workspace, t, TEST_NOW)));
  });

  afterEach(async () => {
    for (const t of open.splice(0)) await t.close();
    rmSync(data.root, { recursive: true, force: true });
  });

  function everyTicket(triage: Triage): Ticket[] {
    const all: Ticket[] = [];
    for (let offset = 0; ; offset += 50) {
      const page = triage.service.listTickets({ offset, limit: 50 });
      all.push(...page.items);
      if (all.length >= page.total) return all;
    }
  }

  function query(q: Partial<TicketQuery>): TicketQuery {
    return ticketQuery.parse({ limit: 50, ...q });
  }

  /** The plain answer: the filter applied ticket by ticket. */
  function expected(all: readonly Ticket[], q: TicketQuery, sources: Map<string, TicketSource>): Ticket[] {
    const prefix = q.customer === undefined ? undefined : customerKey(q.customer);
    return all
      .filter(
        (t) =>
          (q.status === undefined || t.status === q.status) &&
          (q.team === undefined || t.team === q.team) &&
          (q.category === undefined || t.category === q.category) &&
          (q.priority === undefined || t.priority === q.priority) &&
          (q.slaState === undefined || slaStateOf(t, TEST_NOW, W) === q.slaState) &&
          (prefix === undefined ||
            customerKey(t.customer.name).startsWith(prefix) ||
            (t.customer.email !== undefined && customerKey(t.customer.email).startsWith(prefix))) &&
          (q.sourceClient === undefined || sources.get(t.id)?.client?.name === q.sourceClient) &&
          (q.sourceSession === undefined || sources.get(t.id)?.session === q.sourceSession),
      )
      .sort((a, b) => compareTicketIds(a.id, b.id));
  }

  async function createOver(triage: Triage, source: TicketSource, customer: string): Promise<string> {
    const created = await triage.intake.createTicket(
      {
        subject: `Created over MCP for ${customer}`,
        description: "The export button does nothing.",
        customer: { name: customer, plan: carry("plans", "team"), region: "eu-west", vip: false },
      },
      source,
    );
    return created.ticket.id;
  }

  describe("QueueService.findTickets", () => {
    it("answers every filter, alone and combined, exactly like filtering every ticket, with the open count", async () => {
      const triage = await start();
      const sources = new Map<string, TicketSource>();
      for (const [i, source] of SOURCES.entries()) {
        sources.set(await createOver(triage, source, i === 2 ? "Acme Logistics" : "Zephyr Health"), source);
      }
      const all = everyTicket(triage);
      expect(all.length).toBe(63);
      const cases: Partial<TicketQuery>[] = [
        {},
        ...v.statuses.map((status) => ({ status })),
        ...["billing", "identity", "security", "api-platform"].map((team) => ({
          team: carry("teams", team),
        })),
        ...SLA_STATES.map((slaState) => ({ slaState })),
        { slaState: "breached", team: carry("teams", "billing") },
        { slaState: "at-risk", status: carry("statuses", "new") },
        { category: carry("categories", "security"), priority: carry("priorities", "P3") },
        { customer: "acme" },
        { customer: "ACME L" },
        { customer: "corvid" },
        { customer: "billing@" },
        { customer: "acme", status: carry("statuses", "triage") },
        { customer: "acme", slaState: "breached" },
        { customer: "nobody at all" },
        { sourceClient: "claude-code" },
        { sourceClient: "codex", customer: "acme" },
        { sourceSession: "session-b" },
        { sourceSession: "session-b", sourceClient: "codex" },
        { sourceClient: "unknown-client" },
      ];
      let empty = 0;
      for (const c of cases) {
        const q = query(c);
        const want = expected(all, q, sources);
        if (want.length === 0) empty++;
        const got = await triage.queue.findTickets(q);
        expect(
          got.items.map((t) => t.id),
          JSON.stringify(c),
        ).toEqual(want.slice(0, q.limit).map((t) => t.id));
        expect(got.total, JSON.stringify(c)).toBe(want.length);
        expect(got.open, JSON.stringify(c)).toBe(want.filter(isOpen).length);
      }
      // The filters that must find nothing (no such customer, a session of another client, an
      // unknown client), and no others.
      expect(empty).toBe(3);
    });

    it("pages in id order: the pages of a filtered list, joined, are the whole list", async () => {
      const triage = await start();
      const all = everyTicket(triage);
      for (const q of [
        {},
        { customer: "acme" },
        { slaState: "healthy" as const },
        { team: carry("teams", "billing") },
      ]) {
        const whole = expected(all, query(q), new Map()).map((t) => t.id);
        const pages: string[] = [];
        for (let offset = 0; offset < whole.length; offset += 7) {
          const page = await triage.queue.findTickets(query({ ...q, offset, limit: 7 }));
          expect(page.total).toBe(whole.length);
          pages.push(...page.items.map((t) => t.id));
        }
        expect(pages).toEqual(whole);
        const past = await triage.queue.findTickets(query({ ...q, offset: whole.length + 5, limit: 7 }));
        expect(past.items).toEqual([]);
        expect(past.total).toBe(whole.length);
      }
    });

    it("sees tickets another process created since the last call (a second store on the runtime)", async () => {
      const desk = await start();
      expect((await desk.queue.findTickets(query({ sourceSession: "session-z" }))).total).toBe(0);
      expect((await desk.queue.filterOptions()).sourceClient).toEqual([]);
      const server = await start();
      const id = await createOver(
        server,
        { kind: "mcp", client: { name: "other-client", version: "1" }, session: "session-z" },
        "Newcomer Ltd",
      );
      expect(
        (await desk.queue.findTickets(query({ sourceSession: "session-z" }))).items.map((t) => t.id),
      ).toEqual([id]);
      expect((await desk.queue.findTickets(query({ customer: "newcomer" }))).items.map((t) => t.id)).toEqual([
        id,
      ]);
      expect((await desk.queue.filterOptions()).sourceClient).toEqual(["other-client"]);
      expect(await desk.queue.ticketSource(id)).toMatchObject({ kind: "mcp", session: "session-z" });
    });
  });

  describe("QueueService, the rest of the desk's reads", () => {
    it("counts open tickets per team by SLA state like slaStateOf, and the rows add up to the queue metrics", async () => {
      const triage = await start();
      const all = everyTicket(triage).filter(isOpen);
      const rows = triage.queue.slaByTeam();
      expect(rows.map((r) => r.team)).toEqual([...v.teams, null]);
      for (const row of rows) {
        const mine = all.filter((t) => (t.team ?? null) === row.team);
        const state = (s: string) => mine.filter((t) => slaStateOf(t, TEST_NOW, W) === s).length;
        expect(row, String(row.team)).toEqual({
          team: row.team,
          open: mine.length,
          breached: state("breached"),
          atRisk: state("at-risk"),
          healthy: state("healthy"),
        });
      }
      const metrics = triage.service.queueMetrics();
      expect(rows.reduce((n, r) => n + r.open, 0)).toBe(metrics.openTickets);
      expect(rows.reduce((n, r) => n + r.breached, 0)).toBe(metrics.slaBreachedTickets);
      expect(rows.reduce((n, r) => n + r.atRisk, 0)).toBe(metrics.slaAtRiskTickets);
    });

    it("places the edge of the workspace's at-risk window like slaStateOf: due in exactly the window is at risk", async () => {
      rmSync(data.root, { recursive: true, force: true });
      const due = (ms: number) => ({
        responseDueAt: new Date(TEST_NOW.getTime() + ms).toISOString(),
        breached: false,
      });
      const [edge, beyond] = queueTickets(2).map((t) => carryTicket(workspace, t, TEST_NOW));
      if (edge === undefined || beyond === undefined) throw new Error("two queue tickets expected");
      data = writeTestData([
        { ...edge, sla: due(W) },
        { ...beyond, sla: due(W + 60_000) },
      ]);
      const triage = await start();
      const ids = async (slaState: "at-risk" | "healthy") =>
        (await triage.queue.findTickets(query({ slaState }))).items.map((t) => t.id);
      expect(await ids("at-risk")).toEqual([edge.id]);
      expect(await ids("healthy")).toEqual([beyond.id]);
      expect(triage.service.queueMetrics().slaAtRiskTickets).toBe(1);
      expect(triage.queue.slaByTeam().reduce((n, r) => n + r.atRisk, 0)).toBe(1);
    });

    it("offers the service's values for every filter, and the clients that created tickets", async () => {
      const triage = await start();
      await createOver(triage, SOURCES[2] as TicketSource, "Zephyr Health");
      await createOver(triage, SOURCES[0] as TicketSource, "Zephyr Health");
      const options = await triage.queue.filterOptions();
      expect(options.status).toEqual(v.statuses);
      expect(options.team).toEqual(v.teams);
      expect(options.slaState).toEqual(SLA_STATES);
      expect(options.sourceClient).toEqual(["claude-code", "codex"]);
      expect(options.handoffStatus).toContain("in-flight");
    });

    it("says where a ticket came from: the client and session for tickets created over MCP, null for seeded ones", async () => {
      const triage = await start();
      const id = await createOver(triage, SOURCES[1] as TicketSource, "Zephyr Health");
      expect(await triage.queue.ticketSource(id)).toEqual(SOURCES[1]);
      expect(await triage.queue.ticketSource("TKT-4001")).toBeNull();
      await expect(triage.queue.ticketSource("TKT-9999")).rejects.toThrow(DomainError);
    });

    it("moves its change mark with every commit, from any process", async () => {
      const triage = await start();
      const before = triage.queue.changes();
      const other = await start();
      await createOver(other, SOURCES[0] as TicketSource, "Zephyr Health");
      const after = triage.queue.changes();
      expect(after.seq).toBe(before.seq + 1);
      expect(after.generation).toBe(before.generation);
    });
  });
});
