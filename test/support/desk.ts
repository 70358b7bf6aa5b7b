import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
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
  /** The bundled seed (52 tickets) and knowledge base instead of the small test set. */
  readonly bundled?: boolean;
}

const ROOT = resolve(import.meta.dirname, "../..");

/** A fresh runtime directory on the bundled seed and knowledge. */
function bundledData(): TestData {
  const root = mkdtempSync(join(tmpdir(), "triage-desk-"));
  return {
    root,
    dataRoot: join(root, "runtime"),
    seedFile: join(ROOT, "data/seed/tickets.json"),
    knowledgeRoot: join(ROOT, "data/knowledge"),
  };
}

export async function startTestDesk(options: TestDeskOptions = {}): Promise<TestDesk> {
  const data = options.bundled === true ? bundledData() : writeTestData(options.tickets ?? testTickets());
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

// ---------- on the bundled seed, in a browser ----------

/** A billing recommendation for TKT-1029 of the bundled seed (two charges for one invoice). */
export function bundledProposal(
  overrides: Partial<SubmitRecommendationInput> = {},
): SubmitRecommendationInput {
  return {
    ticketId: "TKT-1029",
    sourceRevision: 0,
    category: "billing",
    priority: "P2",
    team: "billing",
    tags: ["refund", "duplicate-charge"],
    duplicateCandidates: [{ ticketId: "TKT-1030", confidence: 0.6, evidence: "Same invoice, INV-48817." }],
    outageRisk: "none",
    securityRisk: "none",
    slaRisk: "possible",
    missingInformation: [],
    knowledgeArticleIds: ["billing-duplicate-charges-and-refunds"],
    draftCustomerResponse: "Hello,\n\nwe found the second charge for invoice INV-48817 and are refunding it.",
    rationale: "Two identical charges for one invoice: a duplicate charge.",
    confidence: 0.88,
    recommendedNextAction: "Refund the duplicate charge.",
    actor: "claude-code-agent",
    ...overrides,
  };
}

/** A leaked key (TKT-1007 of the bundled seed): escalated, routed to security by the policy. */
export const SECURITY: Partial<SubmitRecommendationInput> = {
  ticketId: "TKT-1007",
  category: "security",
  priority: "P1",
  team: "security",
  securityRisk: "confirmed",
  slaRisk: "likely",
  tags: ["leaked-key"],
  duplicateCandidates: [],
  knowledgeArticleIds: ["credential-exposure-response"],
  draftCustomerResponse:
    "Thank you for telling us. Please revoke the key now; we are checking its recent use.",
  rationale: "A live API key was pushed to a public repository.",
  recommendedNextAction: "Page security; ask the customer to revoke and rotate the key.",
  confidence: 0.93,
};

/** Submits a recommendation on the bundled seed through the desk's own service. */
export function submit(
  t: Pick<TestDesk, "triage">,
  overrides: Partial<SubmitRecommendationInput> = {},
): Promise<Recommendation> {
  return t.triage.service.submit(bundledProposal(overrides));
}

export interface Opened {
  readonly t: TestDesk;
  readonly page: Page;
  /** Messages of every dialog the page tried to open (alert, confirm, prompt). */
  readonly dialogs: string[];
}

/** A new page logged in with the desk's newest printed link, named "dana.reviewer", on the dashboard. */
export async function loginInBrowser(context: BrowserContext, t: TestDesk, width = 1100): Promise<Opened> {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: 900 });
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(t.links.at(-1) ?? "");
  await page.getByLabel("Your name").fill("dana.reviewer");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("heading", { name: "Queue" }).waitFor();
  return { t, page, dialogs };
}
