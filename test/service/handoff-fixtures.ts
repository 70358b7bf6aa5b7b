import { spawn } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import type { HandoffState } from "../../src/domain/handoffs.js";
import type { SubmitRecommendationInput } from "../../src/domain/inputs.js";
import type { Recommendation } from "../../src/domain/schemas.js";
import { createMemoryLogger } from "../../src/logging.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import { TEST_NOW, testTickets, writeTestData, type TestData } from "../support/data.js";

// Shared by the handoff tests: a real HTTP receiver on 127.0.0.1, a runtime with tickets that can
// be escalated, and the approvals that fill the outbox.

export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** What the receiver does with the n-th request (0-based): answer a status, or never answer. */
export type Reply = number | "hang";

export interface Receiver {
  readonly port: number;
  readonly requests: Received[];
  url(path?: string): string;
  /** Replaces the reply plan (default: 200 for everything). */
  reply(plan: (request: Received, n: number) => Reply): void;
  /** Delays every answer by `ms` (to make concurrent deliverers overlap). */
  delay(ms: number): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  let plan: (request: Received, n: number) => Reply = () => 200;
  let delayMs = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the test then fails on the body.
      }
      const received: Received = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
      };
      const n = requests.length;
      requests.push(received);
      const answer = plan(received, n);
      if (answer === "hang") return;
      setTimeout(() => {
        res.writeHead(answer, { "content-type": "text/plain" });
        res.end(answer < 300 ? "ok" : "no");
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    url: (path = "/hook") => `http://127.0.0.1:${port}${path}`,
    reply: (next) => {
      plan = next;
    },
    delay: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The pid of a process that has exited. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid as number;
  await new Promise((resolve) => child.on("exit", resolve));
  return pid;
}

/**
 * The test tickets plus copies of the Frankfurt outage report (TKT-3002) under TKT-41xx and
 * leaked-key reports under TKT-42xx, so each test can escalate its own tickets; TKT-4300 is a
 * plain request that escalates nothing.
 */
export function handoffTickets(copies = 12) {
  const base = testTickets();
  const outage = base.find((t) => t.id === "TKT-3002")!;
  const leak = base.find((t) => t.id === "TKT-3003")!;
  const extra = Array.from({ length: copies }, (_, i) => [
    { ...outage, id: `TKT-41${String(i).padStart(2, "0")}`, subject: `Frankfurt 502s, report ${i}` },
    {
      ...leak,
      id: `TKT-42${String(i).padStart(2, "0")}`,
      subject: `Leaked token, report ${i}`,
      description: "A production API key of ours was posted on a public forum.",
    },
  ]).flat();
  const plain = {
    ...leak,
    id: "TKT-4300",
    subject: "Export button label is misspelled",
    description: "The export button on the reports page reads 'Exprot'.",
  };
  return [...base, ...extra, plain];
}

export function writeHandoffData(copies = 12): TestData {
  return writeTestData(handoffTickets(copies));
}

export async function openRuntime(data: TestData, clock: () => Date = () => TEST_NOW): Promise<Triage> {
  return openTriage(
    {
      dataRoot: data.dataRoot,
      seedFile: data.seedFile,
      knowledgeRoot: data.knowledgeRoot,
      minutesSaved: 8,
    },
    createMemoryLogger(),
    { clock },
  );
}

function proposal(triage: Triage, ticketId: string, overrides: Partial<SubmitRecommendationInput>) {
  const ticket = triage.service.getTicket(ticketId);
  const input: SubmitRecommendationInput = {
    ticketId,
    sourceRevision: ticket.revision,
    category: "other",
    priority: "P3",
    team: "support",
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "none",
    slaRisk: "none",
    missingInformation: [],
    knowledgeArticleIds: [],
    draftCustomerResponse: "Thanks, we are on it.",
    rationale: "Routine request.",
    confidence: 0.9,
    recommendedNextAction: "Reply to the customer.",
    actor: "triage-agent",
    ...overrides,
  };
  return input;
}

export async function submit(
  triage: Triage,
  ticketId: string,
  overrides: Partial<SubmitRecommendationInput>,
): Promise<Recommendation> {
  return triage.service.submit(proposal(triage, ticketId, overrides));
}

export const OUTAGE: Partial<SubmitRecommendationInput> = {
  category: "incident",
  priority: "P1",
  team: "incident-response",
  outageRisk: "likely",
  knowledgeArticleIds: ["regional-outages"],
  rationale: "Several customers report 502s from the Frankfurt API: a regional outage.",
  recommendedNextAction: "Page incident response and link the Frankfurt reports.",
};

export const LEAK: Partial<SubmitRecommendationInput> = {
  category: "security",
  priority: "P1",
  team: "security",
  securityRisk: "likely",
  knowledgeArticleIds: ["credential-exposure"],
  rationale: "A production API key is public.",
  recommendedNextAction: "Revoke and rotate the key.",
};

/** Submits and approves (category, priority, team) a recommendation; returns its handoffs. */
export async function approveRouting(
  triage: Triage,
  ticketId: string,
  overrides: Partial<SubmitRecommendationInput>,
): Promise<{ rec: Recommendation; handoffs: HandoffState[] }> {
  const rec = await submit(triage, ticketId, overrides);
  await triage.service.approve({
    recommendationId: rec.id,
    ticketId,
    expectedRevision: rec.sourceRevision,
    approvedFields: ["category", "priority", "team"],
    actor: "maria.chen",
    confirm: true,
  });
  const handoffs = triage.handoffs.list({ ticketId, offset: 0, limit: 50 }).items;
  return { rec, handoffs };
}

export function handoffsOf(triage: Triage, ticketId?: string): HandoffState[] {
  return triage.handoffs.list({ ticketId, offset: 0, limit: 50 }).items;
}

/** Requests grouped by Idempotency-Key: every key must appear once for "no duplicates". */
export function countByKey(requests: readonly Received[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const key = String(r.headers["idempotency-key"]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export function expectEachOnce(requests: readonly Received[], keys: readonly string[]): void {
  const counts = countByKey(requests);
  expect([...counts.keys()].sort()).toEqual([...keys].sort());
  for (const [key, n] of counts) expect(n, key).toBe(1);
}
