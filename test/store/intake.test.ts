import { afterAll, expect, it } from "vitest";
import type { Ticket } from "../../src/domain/schemas.js";
import { InvalidAuditEventError } from "../../src/store/index.js";
import { approveBody, submitBody } from "./fixtures/drafts.js";
import { describeStore, type TestStore } from "./fixtures/backends.js";
import { cleanupTempDirs, expectConsistent, expectIndexesMatch } from "./fixtures/helpers.js";
import { createBody, createdEvent, newTicket, noteBody, rawBody } from "./fixtures/intake.js";
import { makeTickets } from "./fixtures/tickets.js";

afterAll(cleanupTempDirs);

const SEED = makeTickets(20);

/** What a reader can observe about tickets, to compare a live store with a reopened one. */
async function observe(store: TestStore): Promise<unknown> {
  const view = store.view();
  return {
    lastSeq: view.lastSeq,
    count: view.ticketCount(),
    insertion: view.ticketsByInsertion(0),
    byId: view.listTickets({}, { offset: 0, limit: 1000 }).items.map((t) => t.id),
    fresh: view.listTickets({ status: "new" }, { offset: 0, limit: 1000 }).items.map((t) => t.id),
    next: ["TKT", "ABC", "ZD"].map((p) => view.nextTicketNumber(p)),
    external: view.ticketIdByExternalId("zd-77"),
    audit: await store.listAuditEvents({}, { offset: 0, limit: 1000 }),
  };
}

describeStore("ticket-created", (backend) => {
  it("adds the ticket to every index, numbers the next id, and survives replay and snapshots", async () => {
    const root = await backend.place("intake");
    const store = await backend.open(root, { tickets: SEED });
    expect(store.view().nextTicketNumber("TKT")).toBe(21);

    const first = await store.transact(createBody());
    expect(first.id).toBe("TKT-21");
    expect(store.view().getTicket("TKT-21")).toEqual(first);
    expect(store.view().nextTicketNumber("TKT")).toBe(22);
    // A prefix that sorts before every existing id: placed in the middle of id order.
    await store.transact(createBody({ prefix: "ABC", overrides: { status: "new", priority: "P2" } }));
    await store.transact(createBody({ id: "ZD-77", overrides: { externalId: "zd-77" } }));
    await store.transact(createBody());

    const view = store.view();
    expect(view.ticketCount()).toBe(24);
    expect(view.nextTicketNumber("TKT")).toBe(23);
    expect(view.nextTicketNumber("ABC")).toBe(2);
    expect(view.nextTicketNumber("ZD")).toBe(78);
    expect(view.ticketIdByExternalId("zd-77")).toBe("ZD-77");
    expect(view.ticketIdByExternalId("nope")).toBeUndefined();
    expect(view.listTickets({}, { offset: 0, limit: 1 }).items[0]?.id).toBe("ABC-1");
    expectIndexesMatch(view, [...SEED.map((t) => t.id), "TKT-21", "ABC-1", "ZD-77", "TKT-22"]);
    expect(
      (await store.listAuditEvents({ ticketId: "ABC-1" }, { offset: 0, limit: 10 })).items.map(
        (e) => e.action,
      ),
    ).toEqual(["ticket-created"]);
    // Created tickets go through triage like seed tickets.
    const rec = await store.transact(submitBody("TKT-21"));
    await store.transact(approveBody(rec.id));
    expect(store.view().getTicket("TKT-21")?.revision).toBe(1);
    await expectConsistent(store, SEED);
    const expected = await observe(store);
    await store.close();

    const replayed = await backend.open(root, { tickets: SEED });
    expect(await observe(replayed)).toEqual(expected);
    expectIndexesMatch(replayed.view());
    if ("checkpoint" in replayed) replayed.checkpoint();
    await replayed.close();

    const fromSnapshot = await backend.open(root, { tickets: SEED });
    expect(await observe(fromSnapshot)).toEqual(expected);
    expectIndexesMatch(fromSnapshot.view());
    await fromSnapshot.close();
  });

  it("nextTicketNumber takes the largest number of the prefix, padded or not", async () => {
    const root = await backend.place("intake");
    const seed: Ticket[] = [
      newTicket("TKT-9"),
      newTicket("TKT-0010"),
      newTicket("TKT-000002"),
      newTicket("TK-500"),
      newTicket("ZD-48213"),
    ];
    const store = await backend.open(root, { tickets: seed });
    const view = store.view();
    expect(view.nextTicketNumber("TKT")).toBe(11);
    expect(view.nextTicketNumber("TK")).toBe(501);
    expect(view.nextTicketNumber("ZD")).toBe(48214);
    expect(view.nextTicketNumber("NEW")).toBe(1);
    expect(view.nextTicketNumber("tkt")).toBe(1);
    expect((await store.transact(createBody())).id).toBe("TKT-11");
    expect(store.view().nextTicketNumber("TKT")).toBe(12);
    expect(
      store
        .view()
        .listTickets({}, { offset: 0, limit: 10 })
        .items.map((t) => t.id),
    ).toEqual(["TK-500", "TKT-000002", "TKT-9", "TKT-0010", "TKT-11", "ZD-48213"]);
    await store.close();
  });

  it("refuses an existing id, a bad ticket, a channel, a revision other than 0 and a taken external id", async () => {
    const root = await backend.place("intake");
    const store = await backend.open(root, { tickets: SEED });
    await store.transact(createBody({ id: "TKT-30", overrides: { externalId: "ext-1" } }));
    const before = await backend.events(store);
    const refused: [string, ReturnType<typeof createdEvent>, RegExp][] = [
      ["existing id", createdEvent(newTicket("TKT-3")), /ticket TKT-3 already exists/],
      [
        "ticketId differs",
        createdEvent(newTicket("TKT-31"), { ticketId: "TKT-32" }),
        /not the created ticket's id TKT-31/,
      ],
      [
        "bad id",
        {
          ...createdEvent(newTicket("TKT-33")),
          data: {
            ...createdEvent(newTicket("TKT-33")).data,
            ticket: { ...newTicket("TKT-33"), id: "tkt-33" },
          },
        },
        /data\.ticket\.id is invalid/,
      ],
      ["revision", createdEvent(newTicket("TKT-34", { revision: 2 })), /starts at revision 0/],
      ["toRevision", createdEvent(newTicket("TKT-35"), { toRevision: 1 }), /toRevision 1/],
      ["channel", createdEvent(newTicket("TKT-36"), { channel: { type: "chat" } }), /carries no channel/],
      ["external id", createdEvent(newTicket("TKT-37", { externalId: "ext-1" })), /already ticket TKT-30's/],
      [
        "no source",
        { ...createdEvent(newTicket("TKT-38")), data: { ticket: newTicket("TKT-38"), maskedSecrets: [] } },
        /data\.source is invalid/,
      ],
    ];
    for (const [label, draft, message] of refused) {
      const attempt = store.transact(rawBody(draft));
      await expect(attempt, label).rejects.toBeInstanceOf(InvalidAuditEventError);
      await expect(attempt, label).rejects.toThrow(message);
    }
    expect(await backend.events(store)).toEqual(before);
    expect(store.view().getTicket("TKT-31")).toBeUndefined();
    await store.close();
  });
  it("indexes an idempotency key on a created ticket, so a retry finds the first ticket", async () => {
    const root = await backend.place("intake");
    const store = await backend.open(root, { tickets: SEED });
    const key = "0b6f6a3e-5c7d-4e2f-8a1b-3c4d5e6f7a80";
    const keyed = (view: Parameters<ReturnType<typeof createBody>>[0]) => {
      const outcome = createBody()(view);
      if (!("event" in outcome) || outcome.event === undefined) return outcome;
      const data = { ...outcome.event.data, idempotency: { key, payloadHash: "p1" } };
      return { ...outcome, event: { ...outcome.event, data } };
    };
    const first = await store.transact(keyed);
    expect(store.view().idempotency(key)).toEqual({ seq: 1, action: "ticket-created", payloadHash: "p1" });
    await expect(store.transact(keyed)).rejects.toThrow(
      /idempotency key .* was already used by seq 1 \(ticket-created\)/,
    );
    await store.close();
    const reopened = await backend.open(root, { tickets: SEED });
    expect(reopened.view().idempotency(key)?.seq).toBe(1);
    expect(reopened.view().getTicket(first.id)).toEqual(first);
    expect(reopened.view().ticketCount()).toBe(21);
    await reopened.close();
  });
});

describeStore("note-added", (backend) => {
  it("appends notes without changing the revision, and survives replay and snapshots", async () => {
    const root = await backend.place("notes");
    const store = await backend.open(root, { tickets: SEED });
    const ticketBefore = store.view().getTicket("TKT-4") as Ticket;
    const firstId = await store.transact(
      noteBody("TKT-4", "Customer called back.", { at: "2026-06-02T10:00:00.000Z" }),
    );
    await store.transact(
      noteBody("TKT-4", "Asked for logs.", { author: "agent.bob", at: "2026-06-02T11:00:00.000Z" }),
    );
    const created = await store.transact(createBody());
    await store.transact(noteBody(created.id, "Raised from chat."));

    const ticket = store.view().getTicket("TKT-4") as Ticket;
    expect(ticket.revision).toBe(ticketBefore.revision);
    expect(ticket.status).toBe(ticketBefore.status);
    expect(ticket.updatedAt).toBe("2026-06-02T11:00:00.000Z");
    expect(ticket.notes).toEqual([
      {
        id: firstId,
        author: "agent.alice",
        body: "Customer called back.",
        createdAt: "2026-06-02T10:00:00.000Z",
      },
      expect.objectContaining({ author: "agent.bob", body: "Asked for logs." }),
    ]);
    expect(() => (ticket.notes as unknown[]).push({})).toThrow();
    expect(
      (await backend.events(store)).filter((e) => e.action === "note-added").map((e) => e.ticketId),
    ).toEqual(["TKT-4", "TKT-4", created.id]);
    // An approval after a note still moves the revision by exactly one.
    const rec = await store.transact(submitBody("TKT-4"));
    await store.transact(approveBody(rec.id));
    expect(store.view().getTicket("TKT-4")?.revision).toBe(ticketBefore.revision + 1);
    expect(store.view().getTicket("TKT-4")?.notes).toHaveLength(2);
    await expectConsistent(store, SEED);
    const expected = store.view().ticketsByInsertion(0);
    await store.close();

    const replayed = await backend.open(root, { tickets: SEED });
    expect(replayed.view().ticketsByInsertion(0)).toEqual(expected);
    if ("checkpoint" in replayed) replayed.checkpoint();
    await replayed.close();
    const fromSnapshot = await backend.open(root, { tickets: SEED });
    expect(fromSnapshot.view().ticketsByInsertion(0)).toEqual(expected);
    await fromSnapshot.close();
  });

  it("refuses a note on a missing ticket, a repeated note id, another author, a revision change", async () => {
    const root = await backend.place("notes");
    const store = await backend.open(root, { tickets: SEED });
    const noteId = await store.transact(noteBody("TKT-2", "First."));
    const draftOf = (body: ReturnType<typeof noteBody>) => {
      const outcome = body(store.view());
      if (!("event" in outcome) || outcome.event === undefined) throw new Error("no event");
      return outcome.event;
    };
    const refused: [string, ReturnType<typeof draftOf>, RegExp][] = [
      ["missing ticket", draftOf(noteBody("TKT-999", "Hello.")), /ticket TKT-999 does not exist/],
      ["repeated id", draftOf(noteBody("TKT-2", "Again.", { noteId })), /already has a note/],
      [
        "author",
        { ...draftOf(noteBody("TKT-2", "Mine.")), actor: "someone-else" },
        /is not the event's actor/,
      ],
      [
        "revision",
        { ...draftOf(noteBody("TKT-2", "Bump.")), toRevision: 99 },
        /does not change the revision/,
      ],
      [
        "no body",
        { ...draftOf(noteBody("TKT-2", "x")), data: { note: { id: "n1", author: "agent.alice" } } },
        /data\.note\.body is invalid/,
      ],
    ];
    for (const [label, draft, message] of refused) {
      await expect(store.transact(rawBody(draft)), label).rejects.toThrow(message);
    }
    expect(store.view().getTicket("TKT-2")?.notes).toHaveLength(1);
    await store.close();
  });
});
