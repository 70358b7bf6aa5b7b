import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { rmSync } from "node:fs";
import { expect } from "vitest";
import { startDesk, type Desk } from "../../src/desk/index.js";
import type { SubmitRecommendationInput } from "../../src/domain/inputs.js";
import type { Recommendation, Ticket } from "../../src/domain/schemas.js";
import { createMemoryLogger } from "../../src/logging.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import type { TicketSource } from "../../src/service/intake-service.js";
import { billingProposal, TEST_NOW, testTickets, writeTestData, type TestData } from "./data.js";

// A desk on a fresh test runtime, in this process, on 127.0.0.1 and a free port; and plain HTTP
// requests to it with full control of the headers (Host, Origin, Referer, Cookie).

export interface TestDesk {
  readonly triage: Triage;
  readonly desk: Desk;
  readonly data: TestData;
  /** Every login link the desk printed, oldest first. */
  readonly links: string[];
  readonly logs: string[];
  /** The clock of the desk's sessions and of the service; tests move it. */
  readonly clock: { now: Date };
  /** host:port as the desk's own Host header. */
  readonly authority: string;
  /** Opens another service on the same runtime, as a second process would (its own store). */
  openAnother(): Promise<Triage>;
  close(): Promise<void>;
}

export interface TestDeskOptions {
  readonly tickets?: Ticket[];
  readonly pollMs?: number;
  readonly data?: TestData;
}

export async function startTestDesk(options: TestDeskOptions = {}): Promise<TestDesk> {
  const data = options.data ?? writeTestData(options.tickets ?? testTickets());
  const clock = { now: TEST_NOW };
  const config = {
    dataRoot: data.dataRoot,
    seedFile: data.seedFile,
    knowledgeRoot: data.knowledgeRoot,
    minutesSaved: 8,
  };
  const logger = createMemoryLogger();
  const triage = await openTriage(config, logger, { clock: () => clock.now });
  const links: string[] = [];
  const desk = await startDesk(triage, {
    port: 0,
    version: "9.9.9-test",
    logger,
    onLoginLink: (url) => links.push(url),
    clock: () => clock.now,
    pollMs: options.pollMs ?? 250,
  });
  links.push(desk.loginLink());
  const others: Triage[] = [];
  return {
    triage,
    desk,
    data,
    links,
    logs: logger.lines,
    clock,
    authority: new URL(desk.url).host,
    async openAnother() {
      const other = await openTriage(config, createMemoryLogger(), { clock: () => clock.now });
      others.push(other);
      return other;
    },
    async close() {
      await desk.close();
      for (const other of others) await other.close();
      await triage.close();
      rmSync(data.root, { recursive: true, force: true });
    },
  };
}

export interface Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** One HTTP request to the desk, headers exactly as given (Host included). */
export function send(
  t: Pick<TestDesk, "desk" | "authority">,
  path: string,
  options: RequestOptions = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port: t.desk.port,
        path,
        method: options.method ?? "GET",
        headers: { Host: t.authority, ...options.headers },
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A form body as browsers send it. */
export function form(fields: Record<string, string | readonly string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const v of typeof value === "string" ? [value] : value) params.append(name, v);
  }
  return params.toString();
}

export interface Login {
  readonly cookie: string;
  readonly csrf: string;
}

const csrfIn = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";

/** Headers of a form post from one of the desk's pages. */
export function fromDesk(t: Pick<TestDesk, "desk">, login: Login): Record<string, string> {
  return {
    Cookie: `desk_session=${login.cookie}`,
    Origin: t.desk.url,
    "Content-Type": "application/x-www-form-urlencoded",
  };
}

/** Logs in with the newest printed link and gives the reviewer's name, as a browser would. */
export async function login(t: TestDesk, name = "dana.reviewer"): Promise<Login> {
  const link = new URL(t.links.at(-1) ?? "");
  const answer = await send(t, link.pathname + link.search);
  expect(answer.status).toBe(303);
  const cookie = /desk_session=([^;]+)/.exec(String(answer.headers["set-cookie"]))?.[1] ?? "";
  const page = await send(t, "/name", { headers: { Cookie: `desk_session=${cookie}` } });
  const csrf = csrfIn(page.body);
  const named = await send(t, "/name", {
    method: "POST",
    headers: fromDesk(t, { cookie, csrf }),
    body: form({ csrf, reviewer: name, next: "/" }),
  });
  expect(named.status).toBe(303);
  return { cookie, csrf };
}

/** Submits a recommendation through the service, as an AI client's server would. */
export async function submitRecommendation(
  triage: Triage,
  overrides: Partial<SubmitRecommendationInput> = {},
): Promise<Recommendation> {
  return triage.service.submit(billingProposal(overrides));
}

export const HOSTILE_SUBJECT = `<script>window.__pwned = "subject"; alert("subject")</script> Invoice <img src=x onerror="window.__pwned='img'; alert(1)">`;
export const HOSTILE_DESCRIPTION = `Hello <b>team</b>, <img src=x onerror="alert(2)"> <script>document.title = "pwned"</script> thanks.`;

/** A ticket created over MCP whose text is markup and script. */
export async function createHostileTicket(triage: Triage, source?: TicketSource): Promise<string> {
  const created = await triage.intake.createTicket(
    {
      subject: HOSTILE_SUBJECT,
      description: HOSTILE_DESCRIPTION,
      customer: {
        name: `Evil <i onmouseover="alert(3)">Corp</i>`,
        plan: "team",
        region: "eu-west",
        vip: false,
      },
    },
    source ?? { kind: "mcp", client: { name: "claude-code", version: "2.1.0" }, session: "session-hostile" },
  );
  return created.ticket.id;
}
