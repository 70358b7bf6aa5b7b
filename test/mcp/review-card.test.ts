import {
  EXTENSION_ID,
  RESOURCE_MIME_TYPE,
  RESOURCE_URI_META_KEY,
} from "@modelcontextprotocol/ext-apps/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { REVIEW_CARD } from "../../src/domain/review-card.js";
import { reviewPacketSchema } from "../../src/domain/review-packet.js";
import type { AuditEvent, Recommendation } from "../../src/domain/schemas.js";
import { CARD_MIME_TYPE, UI_EXTENSION } from "../../src/mcp/review-card.js";
import { APP_TOOLS, TOOLS } from "../support/workspace.js";
import { CARD_TOKEN_TTL_MS } from "../../src/service/card-tokens.js";
import { cardOf, HOST, UI_CAPABILITIES } from "../support/card.js";
import { billingProposal, TEST_NOW } from "../support/data.js";
import { harnessesFor, lastAuditEvent, startHarness, type Harness } from "../support/harness.js";

// The review card over the protocol, through a real SDK Client that declares MCP Apps (and one
// that does not): what each sees, where the card token travels, and every way a decision
// without a valid token is refused and audited.

const start = harnessesFor({ clientCapabilities: UI_CAPABILITIES, clientInfo: HOST });
afterEach(() => vi.restoreAllMocks());

/** Submits as the model would; returns the recommendation and the card the result carries. */
async function submit(h: Harness, overrides: Parameters<typeof billingProposal>[0] = {}) {
  const r = await h.call("submit_triage_recommendation", billingProposal(overrides));
  expect(r.ok, r.text).toBe(true);
  const rec = (r.structured as { recommendation: Recommendation }).recommendation;
  return { rec, card: cardOf(r.raw), raw: r.raw };
}

function decideArgs(rec: Recommendation, token: string | undefined, extra: Record<string, unknown> = {}) {
  return {
    recommendationId: rec.id,
    ticketId: rec.ticketId,
    expectedRevision: rec.sourceRevision,
    decision: "approve",
    approvedFields: ["priority", "team"],
    actor: "dana",
    ...(token === undefined ? {} : { cardToken: token }),
    ...extra,
  };
}

/** A refusal of the card's decision tool: its text, and the audit event it left. */
async function expectRefusedAndAudited(h: Harness, r: { ok: boolean; text: string }, message: string) {
  expect(r.ok).toBe(false);
  expect(r.text).toBe(`CARD_TOKEN_INVALID: ${message}`);
  const event = await lastAuditEvent(h);
  expect(event).toMatchObject({
    action: "approval-rejected",
    actor: "dana",
    channel: { type: "app", client: HOST },
    reason: `CARD_TOKEN_INVALID: ${message}`,
    data: { code: "CARD_TOKEN_INVALID" },
  });
  return event;
}

const RELOAD = "Show the card again (review_recommendation) and let the reviewer decide in it.";

describe("what a client sees", () => {
  it("uses the extension's own names (checked against @modelcontextprotocol/ext-apps)", () => {
    expect(UI_EXTENSION).toBe(EXTENSION_ID);
    expect(CARD_MIME_TYPE).toBe(RESOURCE_MIME_TYPE);
    expect(CARD_MIME_TYPE).toBe("text/html;profile=mcp-app");
  });

  it("a client without MCP Apps sees neither the card's resource nor its tools, and no _meta", async () => {
    const h = await start({ clientCapabilities: {} });
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    expect(tools.filter((t) => t._meta !== undefined)).toEqual([]);
    const { resources } = await h.client.listResources();
    expect(resources.some((r) => r.uri.startsWith("ui://"))).toBe(false);
    await expect(h.client.readResource({ uri: REVIEW_CARD.uri })).rejects.toThrow(/not found/i);
    const { rec, raw } = await submit(h);
    expect(raw._meta).toBeUndefined();
    const r = await h.call(REVIEW_CARD.decideTool, decideArgs(rec, "x"));
    expect(r.text).toMatch(/^NOT_FOUND: Unknown tool "decide_recommendation"/);
    expect((await h.call(REVIEW_CARD.reviewTool, { recommendationId: rec.id })).text).toMatch(/^NOT_FOUND/);
  });

  it("a client that declares the extension without the HTML view type is treated as one without it", async () => {
    const h = await start({
      clientCapabilities: { extensions: { [EXTENSION_ID]: { mimeTypes: ["text/plain"] } } },
    });
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
  });

  it("a client with MCP Apps lists the card as a ui:// resource of MIME type text/html;profile=mcp-app", async () => {
    const h = await start();
    const { resources } = await h.client.listResources();
    expect(resources.find((r) => r.uri === REVIEW_CARD.uri)).toMatchObject({
      uri: "ui://support-triage/review-card.html",
      mimeType: "text/html;profile=mcp-app",
      _meta: { ui: { prefersBorder: true } },
    });
    const read = await h.client.readResource({ uri: REVIEW_CARD.uri });
    const content = read.contents[0] as { mimeType: string; text: string };
    expect(content.mimeType).toBe(RESOURCE_MIME_TYPE);
    // One self-contained file: inline script and styles, pinned by a policy that loads nothing else.
    expect(content.text).toMatch(/^<!doctype html>/);
    expect(content.text).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-`,
    );
    expect(content.text).not.toMatch(/<(script|link|img|iframe)\b[^>]*\b(src|href)=/i);
  });

  it("presenting tools carry _meta.ui.resourceUri; the decision tool is for the card only (visibility app)", async () => {
    const h = await start();
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name)).toEqual([...TOOLS, ...APP_TOOLS].map((t) => t.name));
    const meta = (name: string) => tools.find((t) => t.name === name)?._meta;
    for (const name of ["submit_triage_recommendation", REVIEW_CARD.reviewTool]) {
      expect(meta(name), name).toEqual({
        ui: { resourceUri: REVIEW_CARD.uri },
        [RESOURCE_URI_META_KEY]: REVIEW_CARD.uri,
      });
    }
    expect(meta(REVIEW_CARD.decideTool)).toEqual({
      ui: { resourceUri: REVIEW_CARD.uri, visibility: ["app"] },
      [RESOURCE_URI_META_KEY]: REVIEW_CARD.uri,
    });
    expect(tools.filter((t) => t._meta !== undefined).map((t) => t.name)).toEqual([
      "submit_triage_recommendation",
      REVIEW_CARD.reviewTool,
      REVIEW_CARD.decideTool,
    ]);
    expect(tools.find((t) => t.name === "submit_triage_recommendation")?.description).toMatch(
      /shows the reviewer the review card .* never imitate the card in text\.$/,
    );
  });
});

describe("the card token", () => {
  it("travels in the presenting result's _meta only: never in content or structuredContent", async () => {
    const h = await start();
    const { rec, card, raw } = await submit(h);
    expect(card).toMatchObject({
      packet: { recommendationId: rec.id, ticket: { id: "TKT-3005", revision: 0 } },
    });
    expect(card?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(card?.expiresAt ?? "") - TEST_NOW.getTime()).toBe(CARD_TOKEN_TTL_MS);
    expect(raw.structuredContent).toEqual({ recommendation: rec });
    const modelSees = JSON.stringify([raw.content, raw.structuredContent]);
    expect(modelSees).not.toContain(card?.token);
    expect(reviewPacketSchema.safeParse(card?.packet).success).toBe(true);
  });

  it("review_recommendation returns the packet and a fresh card; each presentation gets its own token", async () => {
    const h = await start();
    const { rec, card } = await submit(h);
    const r = await h.call(REVIEW_CARD.reviewTool, { recommendationId: rec.id });
    expect(r.ok, r.text).toBe(true);
    expect(reviewPacketSchema.parse(r.structured)).toEqual(cardOf(r.raw)?.packet);
    expect(cardOf(r.raw)?.token).not.toBe(card?.token);
    const missing = await h.call(REVIEW_CARD.reviewTool, {
      recommendationId: "00000000-0000-4000-8000-000000000000",
    });
    expect(missing.text).toMatch(/^NOT_FOUND: No recommendation 00000000-0000-4000-8000-000000000000/);
  });

  it("a decision with the card's token goes through the one approval decision as channel app with the host", async () => {
    const h = await start();
    const { rec, card } = await submit(h);
    const decide = vi.spyOn(h.triage.approvals, "decide");
    const r = await h.call(REVIEW_CARD.decideTool, decideArgs(rec, card?.token));
    expect(r.ok, r.text).toBe(true);
    const [decision, channel] = decide.mock.calls[0] ?? [];
    expect(channel).toEqual({ type: "app", client: HOST });
    expect(decision).toEqual({ ...decideArgs(rec, undefined), kind: "approve", decision: undefined });
    expect(r.structured).toMatchObject({
      outcome: "approved",
      ticket: { id: "TKT-3005", revision: 1, priority: "P2", team: "billing" },
      auditEvent: { action: "recommendation-approved", channel: { type: "app", client: HOST } },
    });
  });

  it("a rejection with the card's token records the feedback, channel app", async () => {
    const h = await start();
    const { rec, card } = await submit(h);
    const r = await h.call(
      REVIEW_CARD.decideTool,
      decideArgs(rec, card?.token, { decision: "reject", approvedFields: [], feedback: "Not billing." }),
    );
    expect(r.ok, r.text).toBe(true);
    expect(r.structured).toMatchObject({
      outcome: "rejected",
      auditEvent: { action: "recommendation-rejected", channel: { type: "app", client: HOST } },
    });
    expect(h.triage.service.getRecommendation(rec.id)).toMatchObject({
      resolution: "rejected",
      feedback: "Not billing.",
    });
  });

  it("a decision without a token is refused and audited; nothing changes", async () => {
    const h = await start();
    const { rec } = await submit(h);
    const decide = vi.spyOn(h.triage.approvals, "decide");
    const r = await h.call(REVIEW_CARD.decideTool, decideArgs(rec, undefined));
    const event = await expectRefusedAndAudited(
      h,
      r,
      `No card token came with this decision on recommendation ${rec.id}. Decisions are taken only from the review ` +
        `card this server showed the reviewer. ${RELOAD}`,
    );
    expect(event).toMatchObject({
      ticketId: "TKT-3005",
      recommendationId: rec.id,
      fromRevision: 0,
      data: { approvedFields: ["priority", "team"], expectedRevision: 0 },
    });
    expect(decide).not.toHaveBeenCalled();
    expect(h.triage.service.getTicket("TKT-3005").revision).toBe(0);
    expect(h.triage.service.getRecommendation(rec.id).resolution).toBe("pending");
  });

  it("a rejection without a token is refused and audited too", async () => {
    const h = await start();
    const { rec } = await submit(h);
    const r = await h.call(
      REVIEW_CARD.decideTool,
      decideArgs(rec, "", { decision: "reject", approvedFields: [], feedback: "No." }),
    );
    const event = await expectRefusedAndAudited(
      h,
      r,
      `No card token came with this decision on recommendation ${rec.id}. Decisions are taken only from the review ` +
        `card this server showed the reviewer. ${RELOAD}`,
    );
    expect(event.data).toEqual({ code: "CARD_TOKEN_INVALID" });
    expect(h.triage.service.getRecommendation(rec.id).resolution).toBe("pending");
  });

  it("a used token is refused and audited, whatever the first decision was", async () => {
    const h = await start();
    const { rec, card } = await submit(h);
    const first = await h.call(
      REVIEW_CARD.decideTool,
      decideArgs(rec, card?.token, { approvedFields: ["priority"], expectedRevision: 0 }),
    );
    expect(first.ok, first.text).toBe(true);
    const again = await h.call(
      REVIEW_CARD.decideTool,
      decideArgs(rec, card?.token, { decision: "reject", approvedFields: [], feedback: "Changed my mind." }),
    );
    await expectRefusedAndAudited(
      h,
      again,
      `This card was already used for a decision at ${TEST_NOW.toISOString()}; a card decides once. ${RELOAD}`,
    );
    expect(h.triage.service.getRecommendation(rec.id).resolution).toBe("approved");
  });

  it("an expired token is refused and audited (the card's clock is injected)", async () => {
    let now = TEST_NOW.getTime();
    const h = await start({ card: { clock: () => new Date(now) } });
    const { rec, card } = await submit(h);
    const { card: second } = await submit(h, { priority: "P1" });
    now += CARD_TOKEN_TTL_MS;
    const r = await h.call(REVIEW_CARD.decideTool, decideArgs(rec, card?.token));
    await expectRefusedAndAudited(
      h,
      r,
      `This card expired at ${new Date(TEST_NOW.getTime() + CARD_TOKEN_TTL_MS).toISOString()} (a card can be ` +
        `decided on for 15 minutes after it is shown). ${RELOAD}`,
    );
    expect(h.triage.service.getTicket("TKT-3005").revision).toBe(0);
    // One millisecond before its end, a card still decides.
    now -= 1;
    const rec2 = second?.packet.recommendationId ?? "";
    const ok = await h.call(REVIEW_CARD.decideTool, decideArgs({ ...rec, id: rec2 }, second?.token));
    expect(ok.ok, ok.text).toBe(true);
  });

  it("a token issued for another recommendation, revision or server is refused and audited", async () => {
    const h = await start();
    const { rec: a, card: cardA } = await submit(h);
    const { rec: b } = await submit(h, { priority: "P1" });
    const other = await h.call(REVIEW_CARD.decideTool, decideArgs(b, cardA?.token));
    await expectRefusedAndAudited(
      h,
      other,
      `This card token was issued for recommendation ${a.id}, not ${b.id}. ${RELOAD}`,
    );

    const { card: cardA2 } = await submit(h, { tags: ["x"] });
    const rec = { ...a, id: cardA2?.packet.recommendationId ?? "" };
    const revision = await h.call(
      REVIEW_CARD.decideTool,
      decideArgs(rec, cardA2?.token, { expectedRevision: 1 }),
    );
    await expectRefusedAndAudited(
      h,
      revision,
      `This card token was issued at ticket revision 0, not 1. ${RELOAD}`,
    );

    // A second server on the same runtime (another client's connection) issued its own tokens.
    const elsewhere = await startHarness({
      clientCapabilities: UI_CAPABILITIES,
      clientInfo: HOST,
      data: h.data,
    });
    const { rec: c, card: cardC } = await submit(elsewhere);
    await elsewhere.client.close();
    const foreign = await h.call(REVIEW_CARD.decideTool, decideArgs(c, cardC?.token));
    await expectRefusedAndAudited(
      h,
      foreign,
      `This card token was not issued by this server (or the server restarted since the card was shown). ${RELOAD}`,
    );
    expect(h.triage.service.getTicket("TKT-3005").revision).toBe(0);
  });

  it("a valid token at a revision the ticket has left gets the usual STALE_REVISION", async () => {
    const h = await start();
    const { rec: first } = await submit(h);
    const { rec, card } = await submit(h, { priority: "P1" });
    const moved = await h.call(REVIEW_CARD.reviewTool, { recommendationId: first.id });
    const ok = await h.call(REVIEW_CARD.decideTool, decideArgs(first, cardOf(moved.raw)?.token));
    expect(ok.ok, ok.text).toBe(true);
    const r = await h.call(REVIEW_CARD.decideTool, decideArgs(rec, card?.token));
    expect(r.text).toBe(
      "STALE_REVISION: TKT-3005 is at revision 1, the recommendation was made at 0. Read the ticket again and " +
        "submit a new recommendation.",
    );
    expect(await lastAuditEvent(h)).toMatchObject({
      action: "approval-rejected",
      channel: { type: "app", client: HOST },
      data: { code: "STALE_REVISION" },
    });
  });

  it("refuses a decision the card could not have sent before looking at any token", async () => {
    const h = await start();
    const { rec, card } = await submit(h);
    const none = await h.call(REVIEW_CARD.decideTool, decideArgs(rec, card?.token, { approvedFields: [] }));
    expect(none.text).toBe(
      "INVALID_INPUT: approvedFields: tick at least one field to approve, or reject with feedback. See the input " +
        "schema of decide_recommendation in tools/list.",
    );
    const silent = await h.call(REVIEW_CARD.decideTool, decideArgs(rec, card?.token, { decision: "reject" }));
    expect(silent.text).toMatch(/^INVALID_INPUT: feedback: a rejection needs feedback/);
    // The token is still good: invalid input never reached it.
    expect((await h.call(REVIEW_CARD.decideTool, decideArgs(rec, card?.token))).ok).toBe(true);
  });
});

describe("approval modes", () => {
  it("human-only: a card decision is accepted; a chat approval from a card client is pointed to the card", async () => {
    const h = await start({ approvalMode: "human-only" });
    const { rec, card } = await submit(h);
    const chat = await h.call("approve_triage_recommendation", {
      recommendationId: rec.id,
      ticketId: "TKT-3005",
      expectedRevision: 0,
      approvedFields: ["priority"],
      actor: "dana",
      confirm: true,
    });
    expect(chat.text).toBe(
      "HUMAN_APPROVAL_REQUIRED: This server runs with TRIAGE_APPROVAL_MODE=human-only: approvals typed by the model " +
        "are refused. Show the reviewer the review card instead (call review_recommendation with the " +
        "recommendationId) and wait: they approve or reject in it. Do not imitate the card in text.",
    );
    const r = await h.call(REVIEW_CARD.decideTool, decideArgs(rec, card?.token));
    expect(r.ok, r.text).toBe(true);
    expect((r.structured?.auditEvent as AuditEvent).channel).toEqual({ type: "app", client: HOST });
  });

  it("TRIAGE_SECURITY_APPROVAL=human: the card approves a security routing that chat may not", async () => {
    const h = await start({ securityNeedsHumanChannel: true });
    const security = {
      ticketId: "TKT-3004",
      sourceRevision: 1,
      category: "security" as const,
      team: "security" as const,
      securityRisk: "likely" as const,
    };
    const { rec, card } = await submit(h, security);
    const chat = await h.call("approve_triage_recommendation", {
      recommendationId: rec.id,
      ticketId: "TKT-3004",
      expectedRevision: 1,
      approvedFields: ["team"],
      actor: "dana",
      confirm: true,
    });
    expect(chat.text).toMatch(
      /^HUMAN_APPROVAL_REQUIRED: TKT-3004 is routed to security, .* Show the reviewer the review card/,
    );
    const r = await h.call(
      REVIEW_CARD.decideTool,
      decideArgs(rec, card?.token, { expectedRevision: 1, approvedFields: ["team"] }),
    );
    expect(r.ok, r.text).toBe(true);
    expect(h.triage.service.getTicket("TKT-3004")).toMatchObject({ team: "security", revision: 2 });
  });
});
