import { afterAll, expect, it } from "vitest";
import type { HandoffState } from "../../src/domain/handoffs.js";
import { InvalidAuditEventError } from "../../src/store/index.js";
import { submitBody } from "./fixtures/drafts.js";
import { describeStore, type TestStore } from "./fixtures/backends.js";
import { cleanupTempDirs, expectConsistent } from "./fixtures/helpers.js";
import {
  approveWithHandoffs,
  attemptBody,
  deliveredBody,
  failedBody,
  TEAM_CHANNEL,
} from "./fixtures/intake.js";
import { makeTickets } from "./fixtures/tickets.js";

afterAll(cleanupTempDirs);

const SEED = makeTickets(20);

async function approvedWithOutbox(
  store: TestStore,
  ticketId: string,
  kinds: Parameters<typeof approveWithHandoffs>[1] = ["team-notification", "bug-card"],
): Promise<{ seq: number; handoffIds: string[]; recId: string }> {
  const rec = await store.transact(submitBody(ticketId));
  const approved = await store.transact(approveWithHandoffs(rec.id, kinds));
  return { seq: approved.seq, handoffIds: approved.handoffIds, recId: rec.id };
}

function all(store: TestStore): HandoffState[] {
  return store.view().listHandoffs({}, { offset: 0, limit: 1000 }).items;
}

describeStore("the handoff outbox", (backend) => {
  it("an approval enqueues its handoffs as pending, in the same event", async () => {
    const root = await backend.place("handoffs");
    const store = await backend.open(root, { tickets: SEED });
    const { seq, handoffIds, recId } = await approvedWithOutbox(store, "TKT-5");
    const view = store.view();
    const [notification, card] = handoffIds.map((id) => view.getHandoff(id));
    expect(notification).toMatchObject({
      kind: "team-notification",
      key: `${recId}:team-notification`,
      channel: TEAM_CHANNEL,
      ticketId: "TKT-5",
      recommendationId: recId,
      createdBySeq: seq,
      status: "pending",
      attempts: [],
    });
    expect(card?.kind).toBe("bug-card");
    // Same event: the approval and its outbox are one commit.
    const approval = (await backend.events(store)).at(-1);
    expect(approval?.action).toBe("recommendation-approved");
    expect((approval?.data?.handoffs as unknown[]).length).toBe(2);
    expect(view.getRecommendation(recId)?.resolution).toBe("approved");
    expect(() => (notification?.attempts as unknown[]).push({})).toThrow();
    // createdBySeq may be left to the store.
    const other = await store.transact(submitBody("TKT-6"));
    const omitted = await store.transact(
      approveWithHandoffs(other.id, ["team-notification"], { createdBySeq: "omit" }),
    );
    expect(store.view().getHandoff(omitted.handoffIds[0] as string)?.createdBySeq).toBe(omitted.seq);
    await expectConsistent(store, SEED);
    await store.close();
  });

  it("moves pending -> in-flight -> delivered; a non-final failure goes back to pending; a final one stays failed", async () => {
    const root = await backend.place("handoffs");
    const store = await backend.open(root, { tickets: SEED });
    const { handoffIds } = await approvedWithOutbox(store, "TKT-7");
    const [a, b] = handoffIds as [string, string];

    const inFlight = await store.transact(attemptBody(a));
    expect(inFlight.status).toBe("in-flight");
    // startedAt is the attempt event's timestamp: recorded before the request leaves.
    expect(inFlight.attempts).toEqual([
      { attempt: 1, startedAt: (await backend.events(store)).at(-1)?.timestamp },
    ]);
    const delivered = await store.transact(deliveredBody(a, 204));
    expect(delivered.status).toBe("delivered");
    expect(delivered.attempts[0]).toMatchObject({ attempt: 1, outcome: "delivered", httpStatus: 204 });
    expect(delivered.attempts[0]?.finishedAt).toBe((await backend.events(store)).at(-1)?.timestamp);

    await store.transact(attemptBody(b));
    const retry = "2026-06-01T12:05:00.000Z";
    const backToPending = await store.transact(
      failedBody(b, { final: false, httpStatus: 503, error: "HTTP 503", nextAttemptAt: retry }),
    );
    expect(backToPending).toMatchObject({ status: "pending", nextAttemptAt: retry });
    expect(backToPending.attempts[0]).toMatchObject({
      outcome: "failed",
      httpStatus: 503,
      error: "HTTP 503",
    });
    const second = await store.transact(attemptBody(b));
    expect(second.status).toBe("in-flight");
    expect(second.nextAttemptAt).toBeUndefined();
    expect(second.attempts.map((x) => x.attempt)).toEqual([1, 2]);
    const failed = await store.transact(failedBody(b, { final: true, error: "connection refused" }));
    expect(failed.status).toBe("failed");
    expect(failed.attempts[1]).toMatchObject({ attempt: 2, outcome: "failed", error: "connection refused" });
    expect(failed.attempts[1]?.httpStatus).toBeUndefined();

    const view = store.view();
    expect(
      view.listHandoffs({ status: "delivered" }, { offset: 0, limit: 10 }).items.map((h) => h.id),
    ).toEqual([a]);
    expect(view.listHandoffs({ status: "failed" }, { offset: 0, limit: 10 }).items.map((h) => h.id)).toEqual([
      b,
    ]);
    expect(view.listHandoffs({ status: "pending" }, { offset: 0, limit: 10 }).total).toBe(0);
    expect(
      (await store.listAuditEvents({ ticketId: "TKT-7" }, { offset: 0, limit: 20 })).items.map(
        (e) => e.action,
      ),
    ).toEqual([
      "recommendation-submitted",
      "recommendation-approved",
      "handoff-attempted",
      "handoff-delivered",
      "handoff-attempted",
      "handoff-failed",
      "handoff-attempted",
      "handoff-failed",
    ]);
    await expectConsistent(store, SEED);
    await store.close();
  });

  it("refuses an attempt on a delivered, failed or in-flight handoff, and outcomes without an attempt", async () => {
    const root = await backend.place("handoffs");
    const store = await backend.open(root, { tickets: SEED });
    const { handoffIds } = await approvedWithOutbox(store, "TKT-8", ["team-notification", "bug-card"]);
    const [a, b] = handoffIds as [string, string];
    const other = await approvedWithOutbox(store, "TKT-9", ["team-notification"]);
    const c = other.handoffIds[0] as string;
    await store.transact(attemptBody(a));
    await store.transact(deliveredBody(a));
    await store.transact(attemptBody(b));
    await store.transact(failedBody(b, { final: true }));
    await store.transact(attemptBody(c));
    const before = await backend.events(store);

    const cases: [string, ReturnType<typeof attemptBody>, RegExp][] = [
      [
        "attempt delivered",
        attemptBody(a),
        /handoff .* is delivered: only a pending handoff can be attempted/,
      ],
      ["attempt failed", attemptBody(b), /is failed: only a pending handoff can be attempted/],
      ["attempt in-flight", attemptBody(c), /is in-flight: only a pending handoff can be attempted/],
      ["deliver delivered", deliveredBody(a), /is delivered, not in-flight/],
      ["fail failed", failedBody(b, { final: false }), /is failed, not in-flight/],
      ["unknown", attemptBody("00000000-0000-4000-8000-000000000000"), /No handoff|does not exist/],
      [
        "final with retry",
        failedBody(c, { final: true, nextAttemptAt: "2026-06-02T00:00:00.000Z" }),
        /final failure has no nextAttemptAt/,
      ],
    ];
    for (const [label, body, message] of cases) {
      await expect(store.transact(body), label).rejects.toThrow(message);
    }
    // Wrong attempt numbers and a wrong ticket are refused too.
    const pending = await approvedWithOutbox(store, "TKT-10", ["team-notification"]);
    const d = pending.handoffIds[0] as string;
    await expect(store.transact(attemptBody(d, 2))).rejects.toThrow(/attempt 2 of handoff .* should be 1/);
    const wrongTicket = (view: Parameters<ReturnType<typeof attemptBody>>[0]) => {
      const outcome = attemptBody(d)(view);
      if (!("event" in outcome) || outcome.event === undefined) return outcome;
      return { ...outcome, event: { ...outcome.event, ticketId: "TKT-1" } };
    };
    const refused = store.transact(wrongTicket);
    await expect(refused).rejects.toBeInstanceOf(InvalidAuditEventError);
    await expect(refused).rejects.toThrow(/ticketId TKT-1 is not handoff .*'s ticket TKT-10/);

    const log = await backend.events(store);
    expect(log.slice(0, before.length)).toEqual(before);
    // Only the TKT-10 approval (its submit and approve) was committed after the refusals.
    expect(log.slice(before.length).map((e) => [e.action, e.ticketId])).toEqual([
      ["recommendation-submitted", "TKT-10"],
      ["recommendation-approved", "TKT-10"],
    ]);
    expect(store.view().getHandoff(c)?.status).toBe("in-flight");
    await store.close();
  });

  it("refuses handoffs on an approval that do not belong to it", async () => {
    const root = await backend.place("handoffs");
    const store = await backend.open(root, { tickets: SEED });
    const first = await approvedWithOutbox(store, "TKT-11", ["team-notification"]);
    const rec = await store.transact(submitBody("TKT-12"));
    const tamper =
      (edit: (h: Record<string, unknown>) => Record<string, unknown>) =>
      (view: Parameters<ReturnType<typeof approveWithHandoffs>>[0]) => {
        const outcome = approveWithHandoffs(rec.id, ["team-notification"])(view);
        if (!("event" in outcome) || outcome.event === undefined) return outcome;
        const handoffs = (outcome.event.data?.handoffs as Record<string, unknown>[]).map(edit);
        return { ...outcome, event: { ...outcome.event, data: { ...outcome.event.data, handoffs } } };
      };
    const cases: [string, ReturnType<typeof tamper>, RegExp][] = [
      ["other ticket", tamper((h) => ({ ...h, ticketId: "TKT-1" })), /is for TKT-1, not TKT-12/],
      [
        "other recommendation",
        tamper((h) => ({ ...h, recommendationId: first.recId })),
        /not the approved one/,
      ],
      ["wrong seq", tamper((h) => ({ ...h, createdBySeq: 1 })), /createdBySeq 1, but the approval is seq/],
      ["existing id", tamper((h) => ({ ...h, id: first.handoffIds[0] })), /already exists/],
      [
        "existing key",
        tamper((h) => ({ ...h, key: `${first.recId}:team-notification` })),
        /key .* is already used/,
      ],
      ["bad kind", tamper((h) => ({ ...h, kind: "email" })), /data\.handoffs\.0\.kind is invalid/],
    ];
    for (const [label, body, message] of cases) {
      await expect(store.transact(body), label).rejects.toThrow(message);
    }
    expect(store.view().getRecommendation(rec.id)?.resolution).toBe("pending");
    expect(all(store)).toHaveLength(1);
    await store.close();
  });

  it("an in-flight handoff stays in-flight across a reopen; the outbox survives replay and snapshots", async () => {
    const root = await backend.place("handoffs");
    const store = await backend.open(root, { tickets: SEED });
    const one = await approvedWithOutbox(store, "TKT-13");
    const two = await approvedWithOutbox(store, "TKT-14", ["team-notification"]);
    const [a, b] = one.handoffIds as [string, string];
    await store.transact(attemptBody(a));
    await store.transact(deliveredBody(a));
    await store.transact(attemptBody(b)); // the deliverer "dies" here
    await store.transact(attemptBody(two.handoffIds[0] as string));
    await store.transact(failedBody(two.handoffIds[0] as string, { final: false }));
    const expected = all(store);
    expect(expected.map((h) => h.status)).toEqual(["delivered", "in-flight", "pending"]);
    await store.close();

    const replayed = await backend.open(root, { tickets: SEED });
    expect(all(replayed)).toEqual(expected);
    expect(replayed.view().getHandoff(b)?.status).toBe("in-flight");
    expect(
      replayed
        .view()
        .listHandoffs({ status: "in-flight" }, { offset: 0, limit: 5 })
        .items.map((h) => h.id),
    ).toEqual([b]);
    expect(
      replayed.view().listHandoffs({ ticketId: "TKT-13", status: "delivered" }, { offset: 0, limit: 5 })
        .total,
    ).toBe(1);
    expect(replayed.view().listHandoffs({ ticketId: "TKT-14" }, { offset: 0, limit: 5 }).total).toBe(1);
    expect(replayed.view().listHandoffs({}, { offset: 1, limit: 1 })).toMatchObject({
      total: 3,
      items: [{ id: b }],
    });
    // The operator's way out of in-flight: record the unknown outcome as a non-final failure first.
    await expect(replayed.transact(attemptBody(b))).rejects.toThrow(/is in-flight/);
    if ("checkpoint" in replayed) replayed.checkpoint();
    await replayed.close();

    const fromSnapshot = await backend.open(root, { tickets: SEED });
    expect(all(fromSnapshot)).toEqual(expected);
    await fromSnapshot.transact(
      failedBody(b, { final: false, error: "outcome unknown, retried by operator" }),
    );
    expect((await fromSnapshot.transact(attemptBody(b))).attempts.map((x) => x.attempt)).toEqual([1, 2]);
    await expectConsistent(fromSnapshot, SEED);
    await fromSnapshot.close();
  });
});
