import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HAS_CHROMIUM, launchChromium, noticeIfSkipped, type Chromium } from "../support/browser.js";
import {
  createHostileTicket,
  HOSTILE_SUBJECT,
  loginInBrowser,
  SECURITY,
  startTestDesk,
  submit,
  type Opened,
  type TestDesk,
} from "../support/desk.js";

// The desk in Debian's Chromium, on the bundled seed: log in with the printed link, filter the
// list, open a ticket, approve two named fields, reject with feedback, and a hostile ticket shown
// as text. Controls are found by role and accessible name, as a screen reader finds them.
// UPDATE_SCREENSHOTS=1 rewrites docs/images/desk-{dashboard,dashboard-dark,ticket,review}.png.

const ROOT = resolve(import.meta.dirname, "../..");
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1";

noticeIfSkipped("desk browser tests");

let chromium: Chromium;
const desks: TestDesk[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  if (HAS_CHROMIUM) chromium = await launchChromium();
});
afterAll(async () => {
  if (HAS_CHROMIUM) await chromium.close();
});
afterEach(async () => {
  for (const page of pages.splice(0)) await page.close();
  for (const t of desks.splice(0)) await t.close();
  if (HAS_CHROMIUM) await chromium.context.clearCookies();
});

/** A desk on the bundled seed, a page logged in with the printed link as "dana.reviewer". */
async function openDesk(width = 1100): Promise<Opened> {
  const t = await startTestDesk({ bundled: true });
  desks.push(t);
  const opened = await loginInBrowser(chromium.context, t, width);
  pages.push(opened.page);
  return opened;
}

interface Found {
  readonly pwned: unknown;
  readonly title: string;
  readonly scripts: (string | null)[];
  readonly images: number;
  readonly handlers: number;
}

async function shot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: resolve(ROOT, `docs/images/desk-${name}.png`) });
}

describe.skipIf(!HAS_CHROMIUM)("the desk in Chromium", () => {
  it("logs in with the printed link, asks the name once, and shows the queue with its chart", async () => {
    const t = await startTestDesk({ bundled: true });
    desks.push(t);
    await submit(t);
    await submit(t, SECURITY);
    const page = await chromium.context.newPage();
    pages.push(page);
    await page.setViewportSize({ width: 1100, height: 860 });
    const link = t.links.at(-1) ?? "";
    await page.goto(link);
    // The token is gone from the address bar; the name is asked once.
    expect(page.url()).toBe(`${t.desk.url}/name`);
    await page.getByLabel("Your name").fill("dana.reviewer");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Queue" }).waitFor();
    expect(page.url()).toBe(`${t.desk.url}/`);
    const cookies = await chromium.context.cookies(t.desk.url);
    expect(cookies).toEqual([
      expect.objectContaining({
        name: "desk_session",
        httpOnly: true,
        sameSite: "Strict",
        secure: false,
        path: "/",
      }),
    ]);
    const metrics = t.triage.service.queueMetrics();
    const counts = page.getByRole("list", { name: "Queue counts" });
    await expect(
      counts.getByRole("link", { name: `${metrics.openTickets} open tickets` }).count(),
    ).resolves.toBe(1);
    await expect(counts.getByRole("link", { name: "2 pending recommendations" }).count()).resolves.toBe(1);
    const chart = page.getByRole("img", { name: "Open tickets by team and SLA state" });
    await chart.waitFor();
    const row = t.triage.queue.slaByTeam().find((r) => r.team === "billing");
    expect(await page.locator("#sla-chart-desc").textContent()).toContain(
      `billing: ${row?.breached} breached, ${row?.atRisk} at risk, ${row?.healthy} healthy`,
    );
    await shot(page, "dashboard");
    await page.emulateMedia({ colorScheme: "dark" });
    const background = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    expect(background).toBe("rgb(29, 29, 27)");
    await shot(page, "dashboard-dark");
    await page.emulateMedia({ colorScheme: "light" });
    // The same link does not open a second session.
    const again = await chromium.context.newPage();
    pages.push(again);
    await chromium.context.clearCookies();
    await again.goto(link);
    await again.getByText("This login link is used up, expired or unknown.").waitFor();
  });

  it("filters the list with controls labelled by their filter names, and pages through it", async () => {
    const { t, page } = await openDesk();
    await createHostileTicket(t.triage);
    await page
      .getByRole("navigation", { name: "Desk" })
      .getByRole("link", { name: "Tickets", exact: true })
      .click();
    await page.getByRole("heading", { name: "Tickets" }).waitFor();
    for (const label of ["Status", "Team", "Category", "Priority", "SLA state", "Source client"]) {
      // A select is a combobox to assistive technology; its name is the filter's.
      expect(await page.getByRole("combobox", { name: label, exact: true }).count()).toBe(1);
    }
    for (const label of ["Customer", "Source session"]) {
      expect(await page.getByRole("searchbox", { name: label, exact: true }).count()).toBe(1);
    }
    const ids = async () => page.locator("#ticket-list tbody tr td.id").allTextContents();
    // 53 tickets: two pages of 50.
    expect(await ids()).toHaveLength(50);
    await page.getByRole("navigation", { name: "Ticket pages" }).getByRole("link", { name: "Next" }).click();
    await page.getByText("Page 2 of 2").waitFor();
    expect(await ids()).toEqual(["TKT-1051", "TKT-1052", "TKT-1053"]);

    await page.getByLabel("Status", { exact: true }).selectOption("triage");
    await page.getByLabel("Team", { exact: true }).selectOption("integrations");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/status=triage/);
    expect(new URL(page.url()).searchParams.get("team")).toBe("integrations");
    const expected = await t.triage.queue.findTickets({
      status: "triage",
      team: "integrations",
      offset: 0,
      limit: 50,
    });
    expect(expected.total).toBeGreaterThan(0);
    expect(await ids()).toEqual(expected.items.map((x) => x.id));

    await page.getByRole("link", { name: "Clear" }).click();
    await page.getByRole("searchbox", { name: "Customer", exact: true }).fill("rivera");
    await page.getByLabel("SLA state", { exact: true }).selectOption("healthy");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/customer=rivera/);
    const rivera = await t.triage.queue.findTickets({
      customer: "rivera",
      slaState: "healthy",
      offset: 0,
      limit: 50,
    });
    expect(rivera.total).toBeGreaterThan(0);
    expect(await ids()).toEqual(rivera.items.map((x) => x.id));

    await page.getByRole("link", { name: "Clear" }).click();
    await page.getByLabel("Source client", { exact: true }).selectOption("claude-code");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL(/sourceClient=claude-code/);
    expect(await ids()).toEqual(["TKT-1053"]);
  });

  it("opens a ticket: its fields, where it came from, notes, similar tickets and the audit timeline", async () => {
    const { t, page } = await openDesk();
    const rec = await submit(t);
    await t.triage.intake.addNote({
      ticketId: "TKT-1029",
      author: "amara.okafor",
      body: "Customer called back about the refund.",
    });
    await page.goto(`${t.desk.url}/tickets?customer=rivera`);
    await page.getByRole("link", { name: "TKT-1029" }).click();
    await page
      .getByRole("heading", { name: "TKT-1029 Card billed two times for the January renewal" })
      .waitFor();
    const fields = page.getByRole("region", { name: "Ticket" });
    expect(await fields.textContent()).toContain("Rivera Home Services");
    await page.getByText("Loaded from the seed or an import (not created over MCP).").waitFor();
    await page.getByText("Customer called back about the refund.").waitFor();
    await page.getByRole("link", { name: "Review the recommendation" }).waitFor();
    await page.locator("#ticket-recs").getByText("pending").waitFor();
    const similar = t.triage.service.findSimilarTickets("TKT-1029").candidates[0];
    await page
      .getByRole("link", { name: similar?.ticketId ?? "?" })
      .first()
      .waitFor();
    const timeline = await page.locator("#ticket-timeline").textContent();
    expect(timeline).toContain("recommendation-submitted");
    expect(timeline).toContain("note-added");
    expect(rec.ticketId).toBe("TKT-1029");
    await shot(page, "ticket");

    // A ticket created over MCP names its client and session, each a filter of the list.
    const id = await createHostileTicket(t.triage);
    await page.goto(`${t.desk.url}/tickets/${id}`);
    await page.getByRole("link", { name: "claude-code" }).click();
    await page.waitForURL(/sourceClient=claude-code/);
    await page.goto(`${t.desk.url}/tickets/${id}`);
    await page.getByRole("link", { name: "session-hostile" }).click();
    await page.waitForURL(/sourceSession=session-hostile/);
    expect(await page.locator("#ticket-list tbody tr td.id").allTextContents()).toEqual([id]);
  });

  it("approves two named fields at the revision shown: the ticket and an audit event with channel desk show them", async () => {
    const { t, page } = await openDesk();
    const rec = await submit(t);
    await page
      .getByRole("navigation", { name: "Desk" })
      .getByRole("link", { name: "Reviews", exact: true })
      .click();
    const section = page.getByRole("region", { name: "Recommendation for TKT-1029" });
    await section.waitFor();
    const boxes = section.getByRole("checkbox");
    expect(await boxes.count()).toBe(5);
    for (const box of await boxes.all()) expect(await box.isChecked()).toBe(false);
    expect(await section.getByRole("textbox", { name: "Reviewer" }).inputValue()).toBe("dana.reviewer");
    expect(await section.getByRole("textbox", { name: "Reviewer" }).getAttribute("readonly")).not.toBeNull();
    await section.getByRole("checkbox", { name: "priority", exact: true }).check();
    await section.getByRole("checkbox", { name: "team", exact: true }).check();
    await section.getByRole("button", { name: "Approve selected fields" }).click();
    await page.getByRole("status").getByText("Approved.").waitFor();
    expect(page.url()).toBe(`${t.desk.url}/reviews/${rec.id}`);

    const ticket = t.triage.service.getTicket("TKT-1029");
    expect(ticket).toMatchObject({ revision: 1, priority: "P2", team: "billing", status: "new" });
    expect(ticket.category).toBeUndefined();
    const events = (await t.triage.service.auditEvents({ ticketId: "TKT-1029", offset: 0, limit: 10 })).items;
    const event = events.find((e) => e.action === "recommendation-approved");
    expect(event).toMatchObject({
      actor: "dana.reviewer",
      channel: { type: "desk", client: { name: "support-triage-mcp desk", version: "9.9.9-test" } },
      fromRevision: 0,
      toRevision: 1,
    });
    expect(event?.changes?.map((c) => c.field)).toEqual(["priority", "team"]);
    const status = await page.getByRole("status").first().innerText();
    expect(status).toContain("TKT-1029 is now at revision 1");
    expect(status).toContain("Applied: priority, team.");
    expect(status).toContain(
      `Audit event #${event?.seq} · recommendation-approved · channel desk (support-triage-mcp desk 9.9.9-test)`,
    );
    await page.getByText("Already approved by dana.reviewer: priority, team.").waitFor();

    await page.getByRole("link", { name: "TKT-1029" }).first().click();
    const fields = await page.getByRole("region", { name: "Ticket" }).textContent();
    expect(fields).toContain("P2");
    expect(fields).toContain("billing");
    expect(await page.locator("#ticket-timeline").textContent()).toContain(
      "via desk (support-triage-mcp desk 9.9.9-test)",
    );
  });

  it("rejects with feedback; without feedback it says what is missing and changes nothing", async () => {
    const { t, page } = await openDesk();
    const rec = await submit(t, SECURITY);
    await page.goto(`${t.desk.url}/reviews/${rec.id}`);
    await page.getByRole("checkbox", { name: "team", exact: true }).waitFor();
    await shot(page, "review");
    await page.getByRole("button", { name: "Reject with feedback" }).click();
    await page
      .getByText("Write feedback to reject: it tells the next recommendation what to do better.")
      .waitFor();
    expect(t.triage.service.getRecommendation(rec.id).resolution).toBe("pending");
    await page
      .getByLabel("Feedback (required to reject)")
      .fill("Wrong customer: this key belongs to a sandbox.");
    await page.getByRole("button", { name: "Reject with feedback" }).click();
    await page.getByRole("status").getByText("Rejected.").waitFor();
    expect(t.triage.service.getRecommendation(rec.id)).toMatchObject({
      resolution: "rejected",
      resolvedBy: "dana.reviewer",
      feedback: "Wrong customer: this key belongs to a sandbox.",
    });
    expect(t.triage.service.getTicket("TKT-1007").revision).toBe(0);
  });

  it("shows a hostile ticket as text: no dialog, no script or image from ticket text, the page's title untouched", async () => {
    const { t, page, dialogs } = await openDesk();
    const id = await createHostileTicket(t.triage);
    const rec = await submit(t, { ticketId: id, tags: [], duplicateCandidates: [], knowledgeArticleIds: [] });
    for (const path of [
      `/tickets/${id}`,
      `/reviews/${rec.id}`,
      `/tickets?sourceSession=session-hostile`,
      "/reviews",
    ]) {
      await page.goto(`${t.desk.url}${path}`);
      await page.getByText("<script>window.__pwned", { exact: false }).first().waitFor();
      // The page as the browser built it (a string: the test's TypeScript has no DOM types).
      const found = await page.evaluate<Found>(`({
        pwned: window.__pwned,
        title: document.title,
        scripts: [...document.querySelectorAll("script")].map((s) => s.getAttribute("src")),
        images: document.querySelectorAll("img").length,
        handlers: [...document.querySelectorAll("*")].filter((el) => [...el.attributes].some((a) => a.name.startsWith("on"))).length,
      })`);
      expect(found.pwned, path).toBeUndefined();
      expect(found.title, path).not.toContain("pwned");
      expect(found.scripts, path).toEqual([expect.stringMatching(/^\/assets\/desk-[0-9a-f]{12}\.js$/)]);
      expect(found.images, path).toBe(0);
      expect(found.handlers, path).toBe(0);
    }
    await page.goto(`${t.desk.url}/tickets/${id}`);
    expect(await page.getByRole("heading", { level: 1 }).innerText()).toContain(HOSTILE_SUBJECT.slice(0, 40));
    expect(dialogs).toEqual([]);
  });

  it("fits a narrow screen: no page scrolls sideways; wide tables scroll inside their frame", async () => {
    const { t, page } = await openDesk(360);
    const rec = await submit(t);
    for (const path of ["/", "/tickets", "/tickets/TKT-1029", `/reviews/${rec.id}`, "/handoffs"]) {
      await page.goto(`${t.desk.url}${path}`);
      const overflow = await page.evaluate<number>(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
  });
});
