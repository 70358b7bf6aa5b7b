import { readFileSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import type { AuditEvent } from "../../src/domain/schemas.js";
import type { Triage } from "../../src/service/runtime.js";
import { backoffDelay, DEFAULT_BACKOFF, type DeliveryReport } from "../../src/service/handoff-delivery.js";
import { parseWebhookConfig, redactUrl } from "../../src/service/handoff-webhooks.js";
import { TEST_NOW, type TestData } from "../support/data.js";
import {
  approveRouting,
  closedPort,
  deadPid,
  expectEachOnce,
  handoffsOf,
  LEAK,
  openRuntime,
  OUTAGE,
  startReceiver,
  submit,
  writeHandoffData,
  type Receiver,
} from "./handoff-fixtures.js";
import { TEAMS } from "../support/workspace.js";

// Delivery of the outbox against a real HTTP server on 127.0.0.1: what is sent, what is recorded,
// retries with backoff, final failures, and that nothing is ever sent twice or sent without an
// approval having created it.

let receiver: Receiver;
const opened: Triage[] = [];
const dirs: TestData[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver.close();
});
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
  for (const d of dirs.splice(0)) rmSync(d.root, { recursive: true, force: true });
  receiver.requests.length = 0;
  receiver.reply(() => 200);
  receiver.delay(0);
});

async function runtime(): Promise<{ triage: Triage; data: TestData }> {
  const data = writeHandoffData();
  dirs.push(data);
  const triage = await openRuntime(data);
  opened.push(triage);
  return { triage, data };
}

const at = (ms: number) => new Date(TEST_NOW.getTime() + ms);

async function events(triage: Triage, ticketId: string): Promise<AuditEvent[]> {
  return (await triage.store.listAuditEvents({ ticketId }, { offset: 0, limit: 100 })).items;
}

function outcomes(report: DeliveryReport): string[] {
  return report.results.map((r) => `${r.kind}:${r.outcome}`).sort();
}

describe("the outbox is filled only by approvals of escalated routings", () => {
  it("an approved outage routing enqueues a team notification and a bug card in the approval event", async () => {
    const { triage } = await runtime();
    const { rec, handoffs } = await approveRouting(triage, "TKT-4100", OUTAGE);
    expect(handoffs.map((h) => h.kind)).toEqual(["team-notification", "bug-card"]);
    const approval = (await events(triage, "TKT-4100")).find((e) => e.action === "recommendation-approved");
    expect(approval?.data?.handoffs).toHaveLength(2);
    for (const h of handoffs) {
      expect(h).toMatchObject({
        status: "pending",
        team: "incident-response",
        ticketId: "TKT-4100",
        recommendationId: rec.id,
        key: `${rec.id}:${h.kind}`,
        createdBySeq: approval?.seq,
        attempts: [],
      });
      expect(h.channel).toMatch(/^#/);
    }
  });

  it("a non-escalated routing, an escalated approval without routing, and a rejection enqueue nothing", async () => {
    const { triage } = await runtime();
    // Healthy SLA, no risk, high confidence: no escalation at all.
    const plain = await approveRouting(triage, "TKT-4300", { team: "product", category: "other" });
    expect(plain.handoffs).toEqual([]);
    // Escalated (outage, SLA at risk) on a ticket incident response already owns; the reviewer
    // approved only the priority: no routing applied, nothing to announce.
    const rec = await submit(triage, "TKT-3001", OUTAGE);
    expect(rec.escalationReasons).toContain("outage");
    await triage.service.approve({
      recommendationId: rec.id,
      ticketId: "TKT-3001",
      expectedRevision: rec.sourceRevision,
      approvedFields: ["priority"],
      actor: "maria.chen",
      confirm: true,
    });
    // Escalated and rejected.
    const rejected = await submit(triage, "TKT-4102", OUTAGE);
    await triage.service.reject({
      recommendationId: rejected.id,
      ticketId: "TKT-4102",
      actor: "maria.chen",
      feedback: "Not an outage: one customer's proxy.",
    });
    expect(triage.service.getTicket("TKT-3001").revision).toBe(3);
    expect(triage.handoffs.list({ offset: 0, limit: 50 }).total).toBe(0);
    receiver.reply(() => 200);
    const report = await triage.handoffs.deliver({ webhooks: { "*": receiver.url() }, now: at(1000) });
    expect(report.results).toEqual([]);
    expect(receiver.requests).toEqual([]);
  });
});

describe("deliver", () => {
  it("posts each stored payload once with its Idempotency-Key, records attempt and outcome, and sends nothing twice", async () => {
    const { triage, data } = await runtime();
    const { handoffs } = await approveRouting(triage, "TKT-4100", OUTAGE);
    const progress: string[] = [];
    const report = await triage.handoffs.deliver({
      webhooks: { "incident-response": receiver.url("/incident"), "*": receiver.url("/other") },
      now: at(5_000),
      onProgress: (r) => progress.push(r.outcome),
    });
    expect(outcomes(report)).toEqual(["bug-card:delivered", "team-notification:delivered"]);
    expect(progress).toEqual(["delivered", "delivered"]);
    expect(report).toMatchObject({ needsAttention: false, finalFailures: 0 });
    expect(report.counts.delivered).toBe(2);

    // Exactly the payloads the approval built, nothing assembled by the deliverer.
    expect(receiver.requests).toHaveLength(2);
    for (const h of handoffs) {
      const got = receiver.requests.find((r) => r.headers["idempotency-key"] === h.key);
      expect(got?.method).toBe("POST");
      expect(got?.path).toBe("/incident");
      expect(got?.headers["content-type"]).toBe("application/json");
      expect(got?.body).toEqual(h.payload);
    }
    const card = receiver.requests.find((r) => String(r.headers["idempotency-key"]).endsWith(":bug-card"));
    expect((card?.body as { text: string; title: string }).text).toContain("TKT-4100");
    expect((card?.body as { labels: string[] }).labels).toContain("incident");

    for (const h of handoffsOf(triage, "TKT-4100")) {
      expect(h.status).toBe("delivered");
      expect(h.attempts).toEqual([
        {
          attempt: 1,
          startedAt: at(5_000).toISOString(),
          finishedAt: at(5_000).toISOString(),
          outcome: "delivered",
          httpStatus: 200,
        },
      ]);
    }
    const actions = (await events(triage, "TKT-4100")).map((e) => e.action);
    expect(actions.filter((a) => a === "handoff-attempted")).toHaveLength(2);
    expect(actions.filter((a) => a === "handoff-delivered")).toHaveLength(2);
    const attempted = (await events(triage, "TKT-4100")).find((e) => e.action === "handoff-attempted");
    expect(attempted?.data).toMatchObject({ attempt: 1, deliverer: { pid: process.pid, host: hostname() } });

    // A second run finds nothing to do.
    const again = await triage.handoffs.deliver({ webhooks: { "*": receiver.url() }, now: at(60_000) });
    expect(again.results).toEqual([]);
    expect(receiver.requests).toHaveLength(2);
    // The audit log never holds the webhook URL.
    expect(readFileSync(join(data.dataRoot, "audit.jsonl"), "utf8")).not.toContain(String(receiver.port));
  });

  it("retries after 500s with deterministic backoff (2 s, then 8 s) and delivers on the third attempt", async () => {
    const { triage } = await runtime();
    const { handoffs } = await approveRouting(triage, "TKT-4200", LEAK);
    expect(handoffs.map((h) => h.kind)).toEqual(["team-notification"]);
    const [h] = handoffs;
    receiver.reply((_r, n) => (n < 2 ? 500 : 200));
    const webhooks = { security: receiver.url("/security") };

    const first = await triage.handoffs.deliver({ webhooks, now: at(0) });
    expect(first.results[0]).toMatchObject({
      outcome: "retrying",
      attempt: 1,
      httpStatus: 500,
      error: "HTTP 500 Internal Server Error",
      nextAttemptAt: at(2_000).toISOString(),
    });
    expect(first).toMatchObject({ needsAttention: false, finalFailures: 0 });
    expect(triage.handoffs.get(h!.id)).toMatchObject({
      status: "pending",
      nextAttemptAt: at(2_000).toISOString(),
    });

    // Not due yet: nothing is sent.
    const early = await triage.handoffs.deliver({ webhooks, now: at(1_999) });
    expect(early.results[0]).toMatchObject({ outcome: "waiting", nextAttemptAt: at(2_000).toISOString() });
    expect(receiver.requests).toHaveLength(1);

    const second = await triage.handoffs.deliver({ webhooks, now: at(2_000) });
    expect(second.results[0]).toMatchObject({
      outcome: "retrying",
      attempt: 2,
      nextAttemptAt: at(10_000).toISOString(),
    });
    expect((await triage.handoffs.deliver({ webhooks, now: at(9_999) })).results[0]?.outcome).toBe("waiting");

    const third = await triage.handoffs.deliver({ webhooks, now: at(10_000) });
    expect(third.results[0]).toMatchObject({ outcome: "delivered", attempt: 3, httpStatus: 200 });
    expect(receiver.requests).toHaveLength(3);
    // The same message and key every time: the receiver can tell a retry from a new message.
    expect(new Set(receiver.requests.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([h!.key]));
    expect(receiver.requests.every((r) => JSON.stringify(r.body) === JSON.stringify(h!.payload))).toBe(true);

    const final = triage.handoffs.get(h!.id);
    expect(final.status).toBe("delivered");
    expect(final.attempts.map((a) => [a.attempt, a.outcome, a.httpStatus])).toEqual([
      [1, "failed", 500],
      [2, "failed", 500],
      [3, "delivered", 200],
    ]);
    const trail = (await events(triage, "TKT-4200")).filter((e) => e.action.startsWith("handoff-"));
    expect(trail.map((e) => e.action)).toEqual([
      "handoff-attempted",
      "handoff-failed",
      "handoff-attempted",
      "handoff-failed",
      "handoff-attempted",
      "handoff-delivered",
    ]);
    expect(trail[1]?.data).toMatchObject({
      final: false,
      httpStatus: 500,
      nextAttemptAt: at(2_000).toISOString(),
    });
  });

  it("gives up after maxAttempts: the last failure is final and the handoff is never attempted again", async () => {
    const { triage } = await runtime();
    const [h] = (await approveRouting(triage, "TKT-4201", LEAK)).handoffs;
    receiver.reply(() => 503);
    const webhooks = { "*": receiver.url() };
    const first = await triage.handoffs.deliver({ webhooks, now: at(0), maxAttempts: 2 });
    expect(first.results[0]?.outcome).toBe("retrying");
    const second = await triage.handoffs.deliver({ webhooks, now: at(60_000), maxAttempts: 2 });
    expect(second.results[0]).toMatchObject({ outcome: "failed", attempt: 2, httpStatus: 503 });
    expect(second.results[0]?.nextAttemptAt).toBeUndefined();
    expect(second).toMatchObject({ finalFailures: 1, needsAttention: true });
    expect(triage.handoffs.get(h!.id).status).toBe("failed");
    const last = (await events(triage, "TKT-4201")).at(-1);
    expect(last?.data).toMatchObject({ final: true, httpStatus: 503 });

    const later = await triage.handoffs.deliver({ webhooks, now: at(3_600_000), maxAttempts: 10 });
    expect(later.results).toEqual([]);
    expect(receiver.requests).toHaveLength(2);
  });

  it("records a refused connection and a timeout as failures to retry", async () => {
    const { triage } = await runtime();
    const [refused] = (await approveRouting(triage, "TKT-4202", LEAK)).handoffs;
    const port = await closedPort();
    const report = await triage.handoffs.deliver({
      webhooks: { security: `http://127.0.0.1:${port}/security` },
      now: at(0),
    });
    expect(report.results[0]).toMatchObject({ outcome: "retrying", attempt: 1 });
    expect(report.results[0]?.error).toBe(`network error: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(report.results[0]?.httpStatus).toBeUndefined();
    expect(triage.handoffs.get(refused!.id)).toMatchObject({
      status: "pending",
      nextAttemptAt: at(2_000).toISOString(),
    });

    receiver.reply(() => "hang");
    const timedOut = await triage.handoffs.deliver({
      webhooks: { security: receiver.url("/slow") },
      now: at(2_000),
      timeoutMs: 300,
    });
    expect(timedOut.results[0]).toMatchObject({
      outcome: "retrying",
      attempt: 2,
      error: "timed out after 300 ms",
    });
    expect(receiver.requests).toHaveLength(1);
    expect(triage.handoffs.get(refused!.id).attempts.map((a) => a.error)).toEqual([
      expect.stringMatching(/ECONNREFUSED/),
      "timed out after 300 ms",
    ]);
  });

  it("leaves the handoffs of a team without a webhook URL pending, with a message, until one is configured", async () => {
    const { triage } = await runtime();
    const { handoffs } = await approveRouting(triage, "TKT-4103", OUTAGE);
    const report = await triage.handoffs.deliver({ webhooks: { security: receiver.url() }, now: at(0) });
    expect(outcomes(report)).toEqual(["bug-card:no-webhook", "team-notification:no-webhook"]);
    expect(report.results[0]?.message).toContain('no webhook URL for team "incident-response"');
    expect(report).toMatchObject({ needsAttention: true, finalFailures: 0 });
    expect(receiver.requests).toEqual([]);
    for (const h of handoffsOf(triage, "TKT-4103"))
      expect(h).toMatchObject({ status: "pending", attempts: [] });

    const fallback = await triage.handoffs.deliver({ webhooks: { "*": receiver.url() }, now: at(0) });
    expect(outcomes(fallback)).toEqual(["bug-card:delivered", "team-notification:delivered"]);
    expectEachOnce(
      receiver.requests,
      handoffs.map((h) => h.key),
    );
  });

  it("sends credentials from the URL as Basic auth and never reports URLs, tokens or passwords", async () => {
    const { triage } = await runtime();
    await approveRouting(triage, "TKT-4203", LEAK);
    const url = `http://hook-user:pa55word@127.0.0.1:${receiver.port}/services/T0001/XSECRETPATH?token=qs-secret-77`;
    receiver.reply(() => 500);
    const report = await triage.handoffs.deliver({ webhooks: { security: url }, now: at(0) });
    expect(receiver.requests[0]?.path).toBe("/services/T0001/XSECRETPATH?token=qs-secret-77");
    expect(receiver.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from("hook-user:pa55word").toString("base64")}`,
    );
    expect(report.results[0]?.webhook).toBe(`http://127.0.0.1:${receiver.port}/services/…?…`);
    const text = JSON.stringify(report);
    for (const secret of ["pa55word", "hook-user", "XSECRETPATH", "qs-secret-77", "T0001"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("two deliverers on the same runtime post every handoff exactly once", async () => {
    const { triage, data } = await runtime();
    const keys: string[] = [];
    for (let i = 0; i < 4; i++) {
      keys.push(...(await approveRouting(triage, `TKT-410${i}`, OUTAGE)).handoffs.map((h) => h.key));
      keys.push(...(await approveRouting(triage, `TKT-420${i}`, LEAK)).handoffs.map((h) => h.key));
    }
    expect(keys).toHaveLength(12);
    const other = await openRuntime(data);
    opened.push(other);
    receiver.delay(20);
    const webhooks = { "*": receiver.url() };
    const [a, b] = await Promise.all([
      triage.handoffs.deliver({ webhooks, now: at(0), concurrency: 3 }),
      other.handoffs.deliver({ webhooks, now: at(0), concurrency: 3 }),
    ]);
    expectEachOnce(receiver.requests, keys);
    expect(a.counts.delivered + b.counts.delivered).toBe(12);
    expect(handoffsOf(triage).every((h) => h.status === "delivered" && h.attempts.length === 1)).toBe(true);
    // Whoever lost a race reports it as someone else's, not as a problem.
    for (const r of [...a.results, ...b.results])
      expect(["delivered", "skipped", "in-progress"]).toContain(r.outcome);
  });
});

describe("in-flight handoffs (the outcome of an attempt was never recorded)", () => {
  async function interrupted(pid: number): Promise<{ triage: Triage; id: string; key: string }> {
    const { triage } = await runtime();
    const [h] = (await approveRouting(triage, "TKT-4204", LEAK)).handoffs;
    // What a deliverer that died between its attempt and the outcome leaves behind.
    await triage.store.transact(() => ({
      event: {
        timestamp: at(0).toISOString(),
        action: "handoff-attempted",
        ticketId: "TKT-4204",
        actor: "handoff-deliverer",
        data: { handoffId: h!.id, attempt: 1, deliverer: { pid, host: hostname() } },
      },
      result: () => undefined,
    }));
    return { triage, id: h!.id, key: h!.key };
  }

  it("are listed, never resent automatically, and resent once on the operator's request", async () => {
    const { triage, id, key } = await interrupted(await deadPid());
    const webhooks = { "*": receiver.url() };
    const report = await triage.handoffs.deliver({ webhooks, now: at(60_000) });
    expect(report.results[0]).toMatchObject({ handoffId: id, outcome: "in-flight" });
    expect(report.results[0]?.message).toContain("--retry-in-flight");
    expect(report.needsAttention).toBe(true);
    expect(receiver.requests).toEqual([]);
    expect(triage.handoffs.get(id).status).toBe("in-flight");

    await expect(triage.handoffs.deliver({ webhooks, now: at(60_000), retryInFlight: true })).rejects.toThrow(
      DomainError,
    );
    const resent = await triage.handoffs.deliver({
      webhooks,
      now: at(60_000),
      retryInFlight: true,
      actor: "ops.lead",
    });
    expect(resent.results[0]).toMatchObject({ outcome: "delivered", attempt: 2 });
    expectEachOnce(receiver.requests, [key]);
    const trail = (await events(triage, "TKT-4204")).filter((e) => e.action.startsWith("handoff-"));
    expect(trail.map((e) => [e.action, e.actor])).toEqual([
      ["handoff-attempted", "handoff-deliverer"],
      ["handoff-failed", "ops.lead"],
      ["handoff-attempted", "ops.lead"],
      ["handoff-delivered", "ops.lead"],
    ]);
    expect(trail[1]?.data).toMatchObject({
      error: "outcome unknown; resent by operator ops.lead",
      final: false,
    });
    // Once delivered, a further --retry-in-flight has nothing to resend.
    const nothing = await triage.handoffs.deliver({
      webhooks,
      now: at(90_000),
      retryInFlight: true,
      actor: "ops.lead",
    });
    expect(nothing.results).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
  });

  it("a handoff whose deliverer is still alive is reported in progress and not resent even on request", async () => {
    const { triage, id } = await interrupted(process.pid);
    const report = await triage.handoffs.deliver({
      webhooks: { "*": receiver.url() },
      now: at(60_000),
      retryInFlight: true,
      actor: "ops.lead",
    });
    expect(report.results[0]).toMatchObject({ handoffId: id, outcome: "in-progress" });
    expect(report.needsAttention).toBe(false);
    expect(receiver.requests).toEqual([]);
    expect(triage.handoffs.get(id).status).toBe("in-flight");
  });
});

describe("configuration", () => {
  it("backoff is 2 s x 4 per failure, capped", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n))).toEqual([
      2_000, 8_000, 32_000, 128_000, 512_000, 900_000, 900_000,
    ]);
    expect(backoffDelay(3, { ...DEFAULT_BACKOFF, maxMs: 10_000 })).toBe(10_000);
  });

  it.each([
    [{ security: "ftp://files.example/x" }, /at "security": must be an absolute http/],
    [{ security: "not a url" }, /must be an absolute http/],
    [{ marketing: "https://hooks.example/x" }, /keys are team ids/],
    [{ security: 42 }, /at "security"/],
    [["https://hooks.example/x"], /not valid/],
  ])("refuses %j", (json, message) => {
    expect(() => parseWebhookConfig(json, "test", TEAMS)).toThrow(message);
  });

  it("never echoes a URL in a validation message", () => {
    try {
      parseWebhookConfig({ security: "gopher://user:topsecret@hooks.example/x?token=abc" }, "test", TEAMS);
      expect.unreachable();
    } catch (error) {
      expect(String(error)).not.toContain("topsecret");
      expect(String(error)).not.toContain("abc");
    }
  });

  it.each([
    ["https://hooks.example.com/services/T1/B2/XYZ", "https://hooks.example.com/services/…"],
    ["http://u:p@127.0.0.1:8080/hook?token=x#frag", "http://127.0.0.1:8080/hook?…"],
    ["https://hooks.example.com", "https://hooks.example.com/"],
  ])("redacts %s", (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
