import { afterAll, beforeAll, expect, it } from "vitest";
import { CATEGORIES, PRIORITIES, STATUSES, TEAMS } from "../support/workspace.js";
import { DomainError } from "../../src/domain/errors.js";
import { compareTicketIds } from "../../src/domain/ids.js";
import type { AuditEventDraft, Ticket } from "../../src/domain/schemas.js";
import { InvalidAuditEventError } from "../../src/store/index.js";
import type { TicketFilter } from "../../src/store/index.js";
import { describeStore, expectVerified, type TestStore } from "./fixtures/backends.js";
import { approveBody, NOW, rejectBody, submitBody } from "./fixtures/drafts.js";
import { cleanupTempDirs, expectConsistent } from "./fixtures/helpers.js";
import { makeTickets } from "./fixtures/tickets.js";

afterAll(cleanupTempDirs);

describeStore("transact", (backend) => {
  let store: TestStore;
  const seed = makeTickets(20);

  beforeAll(async () => {
    store = await backend.open(await backend.place(), { tickets: seed });
  });
  afterAll(() => store.close());

  it("commits a submission: pending recommendation, event seq 1 chained to seq 0", async () => {
    const rec = await store.transact(submitBody("TKT-4", { actor: "agent-7" }));
    const view = store.view();
    expect(view.lastSeq).toBe(1);
    expect(view.getRecommendation(rec.id)).toEqual(rec);
    expect(view.pendingRecommendationIds("TKT-4")).toEqual([rec.id]);
    expect(view.getTicket("TKT-4")).toEqual(seed.find((t) => t.id === "TKT-4"));
    const [e0, e1] = await backend.events(store);
    expect(e1).toMatchObject({
      seq: 1,
      action: "recommendation-submitted",
      ticketId: "TKT-4",
      actor: "agent-7",
    });
    expect(e1?.prevHash).toBe(e0?.hash);
    expect(Object.keys(e1 ?? {})).toEqual([
      "seq",
      "id",
      "timestamp",
      "action",
      "ticketId",
      "actor",
      "recommendationId",
      "fromRevision",
      "data",
      "prevHash",
      "hash",
    ]);
  });

  it("applies exactly the approved fields, bumps the revision and resolves the recommendation", async () => {
    const before = store.view().getTicket("TKT-5") as Ticket;
    const rec = await store.transact(submitBody("TKT-5"));
    const result = await store.transact(approveBody(rec.id, { fields: ["team", "status"], actor: "lead" }));
    const after = store.view().getTicket("TKT-5") as Ticket;
    expect(result.revision).toBe(before.revision + 1);
    expect(after).toEqual({
      ...before,
      team: "api-platform",
      status: "in-progress",
      revision: before.revision + 1,
      updatedAt: NOW.toISOString(),
    });
    expect(store.view().getRecommendation(rec.id)).toMatchObject({
      resolution: "approved",
      resolvedBy: "lead",
      resolvedAt: NOW.toISOString(),
      approvedFields: ["team", "status"],
    });
    const approval = (await backend.events(store)).at(-1);
    expect(approval).toMatchObject({
      action: "recommendation-approved",
      fromRevision: before.revision,
      toRevision: before.revision + 1,
      changes: [
        { field: "team", before: before.team ?? null, after: "api-platform" },
        { field: "status", before: before.status, after: "in-progress" },
      ],
    });
  });

  it("rejects a recommendation with feedback and leaves the ticket unchanged", async () => {
    const before = store.view().getTicket("TKT-6");
    const rec = await store.transact(submitBody("TKT-6"));
    await store.transact(rejectBody(rec.id, "Not an API problem."));
    expect(store.view().getTicket("TKT-6")).toEqual(before);
    expect(store.view().getRecommendation(rec.id)).toMatchObject({
      resolution: "rejected",
      feedback: "Not an API problem.",
      resolvedBy: "reviewer",
    });
    await expect(store.transact(approveBody(rec.id))).rejects.toMatchObject({ code: "ALREADY_RESOLVED" });
  });

  it("throws a refusal without an event and writes nothing", async () => {
    const seq = store.view().lastSeq;
    const refusal = new DomainError("NOT_FOUND", "No ticket TKT-999.");
    await expect(store.transact(() => ({ refusal }))).rejects.toBe(refusal);
    expect(store.view().lastSeq).toBe(seq);
    expect(await backend.events(store)).toHaveLength(seq + 1);
  });

  it("propagates an error thrown by the body, writes nothing and releases the lock", async () => {
    const seq = store.view().lastSeq;
    await expect(
      store.transact(() => {
        throw new Error("body failed");
      }),
    ).rejects.toThrow("body failed");
    expect(store.view().lastSeq).toBe(seq);
    await store.transact(submitBody("TKT-7"));
    expect(store.view().lastSeq).toBe(seq + 1);
  });

  it("commits the event of a refusal, then throws the refusal (a refused approval is audited)", async () => {
    const rec = await store.transact(submitBody("TKT-8"));
    const seq = store.view().lastSeq;
    const error = await store
      .transact(approveBody(rec.id, { expectedRevision: 99 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("STALE_REVISION");
    expect(store.view().lastSeq).toBe(seq + 1);
    expect((await backend.events(store)).at(-1)).toMatchObject({
      action: "approval-rejected",
      recommendationId: rec.id,
      data: { code: "STALE_REVISION" },
    });
    expect(store.view().getRecommendation(rec.id)?.resolution).toBe("pending");
  });

  it("refuses to commit malformed or inconsistent events (a bug in the caller), writing nothing", async () => {
    const seq = store.view().lastSeq;
    const base: AuditEventDraft = {
      timestamp: NOW.toISOString(),
      action: "approval-rejected",
      ticketId: "TKT-1",
      actor: "x",
    };
    const tryDraft = (event: AuditEventDraft) => store.transact(() => ({ event, result: () => "committed" }));
    await expect(tryDraft({ ...base, ticketId: "../etc/passwd" })).rejects.toThrow(InvalidAuditEventError);
    await expect(tryDraft({ ...base, timestamp: "yesterday" })).rejects.toThrow(/timestamp/);
    await expect(tryDraft({ ...base, surprise: 1 } as AuditEventDraft)).rejects.toThrow(
      /unknown keys: surprise/,
    );
    // Well-formed, but approving a recommendation that does not exist.
    await expect(
      tryDraft({
        ...base,
        action: "recommendation-approved",
        recommendationId: "00000000-0000-4000-8000-000000000000",
        fromRevision: 0,
        toRevision: 1,
        changes: [{ field: "team", before: null, after: "billing" }],
      }),
    ).rejects.toThrow(/refusing to commit recommendation-approved: recommendation .* does not exist/);
    // A second approval of the same recommendation, built by hand past the policy.
    const rec = await store.transact(submitBody("TKT-9"));
    await store.transact(approveBody(rec.id, { fields: ["team"] }));
    const ticket = store.view().getTicket("TKT-9") as Ticket;
    await expect(
      tryDraft({
        ...base,
        action: "recommendation-approved",
        ticketId: "TKT-9",
        recommendationId: rec.id,
        fromRevision: ticket.revision,
        toRevision: ticket.revision + 1,
        changes: [{ field: "team", before: ticket.team, after: "billing" }],
      }),
    ).rejects.toThrow(/already approved/);
    // An async body would run outside the critical section.
    await expect(
      store.transact((() => Promise.resolve({ event: base, result: () => 1 })) as never),
    ).rejects.toThrow(/must be synchronous/);
    expect(store.view().lastSeq).toBe(seq + 2);
    expect(await tryDraft(base)).toBe("committed");
  });

  it("serializes concurrent transactions of one instance into contiguous sequence numbers", async () => {
    const start = store.view().lastSeq;
    const recs = await Promise.all(
      ["TKT-10", "TKT-11", "TKT-12", "TKT-13", "TKT-14", "TKT-15"].map((id) =>
        store.transact(submitBody(id)),
      ),
    );
    expect(new Set(recs.map((r) => r.id)).size).toBe(6);
    const events = await backend.events(store);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(store.view().lastSeq).toBe(start + 6);
    await expectConsistent(store, seed);
  });

  it("hands out frozen objects: a caller cannot change the store's state", async () => {
    const view = store.view();
    const ticket = view.getTicket("TKT-1") as Ticket;
    expect(() => {
      (ticket as { status: string }).status = "resolved";
    }).toThrow(TypeError);
    expect(() => ticket.tags.push("x")).toThrow(TypeError);
    const rec = view.listRecommendations({}, { offset: 0, limit: 1 }).items[0];
    expect(() => {
      (rec as { confidence: number }).confidence = 0;
    }).toThrow(TypeError);
    // Pages are fresh arrays.
    const page = view.listTickets({}, { offset: 0, limit: 3 });
    page.items.pop();
    expect(view.listTickets({}, { offset: 0, limit: 3 }).items).toHaveLength(3);
    // Audit events too, though reads may hand the same event out again.
    const events = (await store.listAuditEvents({}, { offset: 0, limit: 1 })).items;
    expect(() => {
      (events[0] as { actor: string }).actor = "someone else";
    }).toThrow(TypeError);
    expect((await store.listAuditEvents({}, { offset: 0, limit: 1 })).items[0]?.actor).toBe("system");
  });
});

describeStore("reads", (backend) => {
  let store: TestStore;
  let place: string;
  const seed = makeTickets(400);

  beforeAll(async () => {
    place = await backend.place();
    store = await backend.open(place, { tickets: [...seed, ...makeTickets(30, "ZD")] });
    // Approvals move tickets between index lists (status, team, category, priority).
    for (let i = 1; i <= 60; i += 3) {
      const rec = await store.transact(
        submitBody(`TKT-${i}`, { team: i % 2 === 0 ? "billing" : "security" }),
      );
      if (i % 2 === 0) await store.transact(rejectBody(rec.id));
      else await store.transact(approveBody(rec.id, { fields: ["category", "priority", "team", "status"] }));
    }
  });
  afterAll(() => store.close());

  it("listTickets matches a brute-force filter for every single filter and some combinations, with paging", () => {
    const view = store.view();
    const all = view.ticketsByInsertion(0).sort((a, b) => compareTicketIds(a.id, b.id));
    const filters: TicketFilter[] = [
      {},
      ...STATUSES.map((status) => ({ status })),
      ...TEAMS.map((team) => ({ team })),
      ...CATEGORIES.map((category) => ({ category })),
      ...PRIORITIES.map((priority) => ({ priority })),
      { status: "in-progress", category: "api" },
      { status: "in-progress", team: "security", priority: "P3" },
      { team: "support", category: "billing", priority: "P1", status: "new" },
      { team: "billing", category: "security" },
    ];
    let nonEmpty = 0;
    for (const filter of filters) {
      const expected = all.filter(
        (t) =>
          (filter.status === undefined || t.status === filter.status) &&
          (filter.team === undefined || t.team === filter.team) &&
          (filter.category === undefined || t.category === filter.category) &&
          (filter.priority === undefined || t.priority === filter.priority),
      );
      if (expected.length > 0) nonEmpty++;
      for (const [offset, limit] of [
        [0, 20],
        [5, 7],
        [expected.length - 1, 50],
        [expected.length + 3, 10],
        [0, 0],
      ] as const) {
        const page = view.listTickets(filter, { offset: Math.max(0, offset), limit });
        expect(page.total, JSON.stringify(filter)).toBe(expected.length);
        expect(page.items.map((t) => t.id)).toEqual(
          expected.slice(Math.max(0, offset), Math.max(0, offset) + limit).map((t) => t.id),
        );
      }
    }
    expect(nonEmpty).toBeGreaterThan(20);
    expect(
      view.listTickets({ team: "security" }, { offset: 0, limit: 1000 }).items.some((t) => t.id === "TKT-1"),
    ).toBe(true);
  });

  it("orders ids by prefix, then numerically", () => {
    const ids = store
      .view()
      .listTickets({}, { offset: 0, limit: 10_000 })
      .items.map((t) => t.id);
    expect(ids.slice(0, 3)).toEqual(["TKT-1", "TKT-2", "TKT-3"]);
    expect(ids.indexOf("TKT-10")).toBe(ids.indexOf("TKT-9") + 1);
    expect(ids.at(-1)).toBe("ZD-30");
  });

  it("lists tickets by insertion order and counts them", () => {
    const view = store.view();
    expect(view.ticketCount()).toBe(430);
    expect(view.ticketsByInsertion(0, 4).map((t) => t.id)).toEqual(["TKT-2", "TKT-1", "TKT-4", "TKT-3"]);
    expect(view.ticketsByInsertion(428).map((t) => t.id)).toEqual(["ZD-30", "ZD-29"]);
  });

  it("pages audit events globally and per ticket, oldest first, matching the log", async () => {
    const log = await backend.events(store);
    const global = await store.listAuditEvents({}, { offset: 3, limit: 7 });
    expect(global.total).toBe(log.length);
    expect(global.items).toEqual(log.slice(3, 10));
    const all = await store.listAuditEvents({}, { offset: 0, limit: 10_000 });
    expect(all.items).toEqual(log);
    const forTicket = await store.listAuditEvents({ ticketId: "TKT-7" }, { offset: 0, limit: 50 });
    expect(forTicket.items).toEqual(log.filter((e) => e.ticketId === "TKT-7"));
    expect(forTicket.total).toBe(2);
    expect((await store.listAuditEvents({ ticketId: "TKT-7" }, { offset: 1, limit: 50 })).items).toEqual(
      forTicket.items.slice(1),
    );
    expect(await store.listAuditEvents({ ticketId: "TKT-399" }, { offset: 0, limit: 5 })).toEqual({
      items: [],
      total: 0,
      offset: 0,
      limit: 5,
    });
  });

  it("reads one audit event by seq, exactly as logged; undefined for seqs that do not exist", async () => {
    const log = await backend.events(store);
    for (const event of log) expect(await store.getAuditEvent(event.seq)).toEqual(event);
    const last = log.length - 1;
    for (const seq of [-1, last + 1, 10_000, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(await store.getAuditEvent(seq), String(seq)).toBeUndefined();
    }
    // Frozen: a caller cannot change what the next caller reads.
    const read = (await store.getAuditEvent(3)) as { actor: string };
    expect(() => {
      read.actor = "mallory";
    }).toThrow(TypeError);
    expect(await store.getAuditEvent(3)).toEqual(log[3]);
  });

  it("lists recommendations by ticket and resolution, and keeps stats", () => {
    const view = store.view();
    const all = view.listRecommendations({}, { offset: 0, limit: 100 });
    expect(all.total).toBe(20);
    const approved = view.listRecommendations({ resolution: "approved" }, { offset: 0, limit: 100 });
    const rejected = view.listRecommendations({ resolution: "rejected" }, { offset: 0, limit: 100 });
    expect(approved.total).toBe(10);
    expect(rejected.total).toBe(10);
    expect(approved.items.every((r) => r.resolution === "approved")).toBe(true);
    expect(view.listRecommendations({ resolution: "approved" }, { offset: 2, limit: 3 }).items).toEqual(
      approved.items.slice(2, 5),
    );
    expect(
      view.listRecommendations({ ticketId: "TKT-4" }, { offset: 0, limit: 10 }).items.map((r) => r.ticketId),
    ).toEqual(["TKT-4"]);
    expect(
      view.listRecommendations({ ticketId: "TKT-4", resolution: "approved" }, { offset: 0, limit: 10 }).total,
    ).toBe(0);
    const stats = view.recommendationStats();
    expect(stats).toMatchObject({ submitted: 20, pending: 0, approved: 10, rejected: 10 });
    expect(stats.confidenceSum).toBeCloseTo(18);
    // Every second submission proposed the security team with securityRisk none: no escalation.
    expect(stats.escalationCounts).toMatchObject({ total: 0, security: 0, outage: 0 });
  });

  it("keeps the chain verifiable", async () => {
    await expectVerified(backend, place, 41);
  });
});
