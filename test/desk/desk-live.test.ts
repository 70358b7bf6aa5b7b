import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Recommendation } from "../../src/domain/schemas.js";
import { HAS_CHROMIUM, launchChromium, noticeIfSkipped, type Chromium } from "../support/browser.js";
import {
  bundledProposal,
  loginInBrowser,
  SECURITY,
  startTestDesk,
  submit,
  type Opened,
  type TestDesk,
} from "../support/desk.js";

// The desk beside other processes on the same runtime: a real MCP server (the built bin over
// stdio, driven by the SDK's Client) changes a ticket while a reviewer looks at its
// recommendation, and another service instance submits and decides while pages are open. Pages
// follow without reloading, and never throw away what a reviewer has ticked.

const ROOT = resolve(import.meta.dirname, "../..");
const SERVER = resolve(ROOT, "dist/index.js");

noticeIfSkipped("desk live-update browser tests");

let chromium: Chromium;
const desks: TestDesk[] = [];
const pages: Page[] = [];
const clients: Client[] = [];

beforeAll(async () => {
  if (HAS_CHROMIUM) chromium = await launchChromium();
});
afterAll(async () => {
  if (HAS_CHROMIUM) await chromium.close();
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const page of pages.splice(0)) await page.close();
  for (const t of desks.splice(0)) await t.close();
  if (HAS_CHROMIUM) await chromium.context.clearCookies();
});

async function openDesk(): Promise<Opened> {
  const t = await startTestDesk({ bundled: true });
  desks.push(t);
  const opened = await loginInBrowser(chromium.context, t);
  pages.push(opened.page);
  return opened;
}

/** The built server on the desk's runtime, as an AI client starts it (chat approvals allowed). */
async function mcpServer(
  t: TestDesk,
): Promise<(name: string, args: Record<string, unknown>) => Promise<CallToolResult>> {
  expect(existsSync(SERVER), "run `npm run build` first (npm test does)").toBe(true);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [SERVER],
    env: {
      PATH: process.env.PATH ?? "",
      TRIAGE_DATA_ROOT: t.data.dataRoot,
      TRIAGE_SEED_FILE: t.data.seedFile,
      TRIAGE_KNOWLEDGE_ROOT: t.data.knowledgeRoot,
      TRIAGE_APPROVAL_MODE: "chat",
    },
    stderr: "pipe",
  });
  const client = new Client({ name: "claude-code", version: "2.1.0" });
  await client.connect(transport);
  clients.push(client);
  return async (name, args) => (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** Marks the page: a full reload would lose the mark. */
const mark = (page: Page) => page.evaluate<void>("window.__sameDocument = true");
const sameDocument = (page: Page) => page.evaluate<boolean>("window.__sameDocument === true");

describe.skipIf(!HAS_CHROMIUM)("the desk next to other processes", () => {
  it("shows STALE_REVISION when an MCP server changed the ticket after the reviewer opened the review, and keeps their ticks meanwhile", async () => {
    const { t, page } = await openDesk();
    const rec = await submit(t);
    await page.goto(`${t.desk.url}/reviews/${rec.id}`);
    await mark(page);
    await page.getByRole("checkbox", { name: "priority", exact: true }).check();
    await page.getByRole("checkbox", { name: "team", exact: true }).check();

    // An AI client's server, a separate process with its own store, submits and approves first.
    const call = await mcpServer(t);
    const submitted = await call("submit_triage_recommendation", {
      ...bundledProposal({ priority: "P1" }),
      actor: "codex-agent",
    });
    expect(submitted.isError, JSON.stringify(submitted.content)).not.toBe(true);
    const other = (submitted.structuredContent as { recommendation: Recommendation }).recommendation;
    const approved = await call("approve_triage_recommendation", {
      recommendationId: other.id,
      ticketId: "TKT-1029",
      expectedRevision: 0,
      approvedFields: ["category"],
      actor: "lead.via.chat",
      confirm: true,
    });
    expect(approved.isError, JSON.stringify(approved.content)).not.toBe(true);

    // The page notices, but does not replace a form the reviewer is working in.
    await page.getByText("This changed since you opened it (another reviewer or an AI client).").waitFor();
    expect(await page.getByRole("checkbox", { name: "priority", exact: true }).isChecked()).toBe(true);
    expect(await sameDocument(page)).toBe(true);

    await page.getByRole("button", { name: "Approve selected fields" }).click();
    const refusal = page.getByRole("status").getByRole("alert");
    await refusal.getByText("STALE_REVISION").waitFor();
    expect(await refusal.innerText()).toContain("TKT-1029 is at revision 1");
    const ticket = t.triage.service.getTicket("TKT-1029");
    expect(ticket).toMatchObject({ revision: 1, category: "billing" });
    expect(ticket.priority).toBeUndefined();
    expect(t.triage.service.getRecommendation(rec.id).resolution).toBe("pending");
    const last = (
      await t.triage.service.auditEvents({ ticketId: "TKT-1029", offset: 0, limit: 50 })
    ).items.at(-1);
    expect(last).toMatchObject({
      action: "approval-rejected",
      actor: "dana.reviewer",
      channel: { type: "desk" },
    });
    // The review as it is now cannot be approved at all; rejecting it is still open.
    expect(await page.getByRole("button", { name: "Approve selected fields" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Reject with feedback" }).isEnabled()).toBe(true);
  });

  it("follows submissions and decisions made elsewhere without reloading the page", async () => {
    const { t, page } = await openDesk();
    const first = await submit(t);
    const other = await t.openAnother();

    await page.goto(`${t.desk.url}/reviews`);
    await page.getByRole("region", { name: "Recommendation for TKT-1029" }).waitFor();
    await mark(page);
    const pending = page.locator("#nav-pending");
    expect(await pending.innerText()).toBe("1");

    await other.service.submit(bundledProposal(SECURITY));
    await page.getByRole("region", { name: "Recommendation for TKT-1007" }).waitFor();
    await page.locator("#nav-pending", { hasText: "2" }).waitFor();

    await other.approvals.decide(
      {
        kind: "approve",
        recommendationId: first.id,
        ticketId: "TKT-1029",
        expectedRevision: 0,
        approvedFields: ["priority"],
        actor: "someone.else",
      },
      { type: "operator" },
    );
    await page.getByRole("region", { name: "Recommendation for TKT-1029" }).waitFor({ state: "detached" });
    await page.locator("#nav-pending", { hasText: "1" }).waitFor();
    await page.getByText("1 pending, oldest first.").waitFor();
    expect(await sameDocument(page)).toBe(true);

    await page.goto(`${t.desk.url}/`);
    await mark(page);
    await other.service.submit(bundledProposal({ ticketId: "TKT-1030", duplicateCandidates: [] }));
    await page.getByRole("link", { name: "2 pending recommendations" }).waitFor();
    expect(await sameDocument(page)).toBe(true);

    // Once the session is gone, the page says so instead of going on quietly.
    await chromium.context.clearCookies();
    await page.getByRole("alert").getByText("Your desk session has ended.").waitFor();
  });
});
