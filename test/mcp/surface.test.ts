import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOOLS } from "../support/workspace.js";
import { startHarness, type Harness } from "../support/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const CONTRACT_READ = [
  "list_tickets",
  "get_ticket",
  "search_knowledge",
  "find_similar_tickets",
  "get_queue_metrics",
  "get_audit_events",
];

describe("surface", () => {
  it("tools/list matches the snapshot", async () => {
    const { tools } = await h.client.listTools();
    expect(tools).toMatchSnapshot();
  });

  it("every tool has a title, a description, annotations, an object outputSchema and described inputs", async () => {
    const { tools } = await h.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(TOOLS.map((t) => t.name));
    for (const tool of tools) {
      expect(tool.title, tool.name).toBeTruthy();
      expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(60);
      expect(tool.annotations, tool.name).toBeDefined();
      expect(tool.outputSchema?.type, tool.name).toBe("object");
      expect(tool.inputSchema.type).toBe("object");
      const schema = tool.inputSchema as Record<string, unknown>;
      expect(schema.anyOf, tool.name).toBeUndefined();
      expect(schema.oneOf, tool.name).toBeUndefined();
      for (const [field, prop] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((prop as { description?: string }).description, `${tool.name}.${field}`).toBeTruthy();
      }
    }
  });

  it("annotations follow each tool's kind", async () => {
    const { tools } = await h.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of [...CONTRACT_READ, "list_recommendations"]) {
      expect(byName.get(name)?.annotations).toMatchObject({
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      });
    }
    expect(byName.get("submit_triage_recommendation")?.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
    });
    for (const name of ["approve_triage_recommendation", "reject_triage_recommendation"]) {
      expect(byName.get(name)?.annotations).toMatchObject({
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
      });
    }
  });

  it("contract bounds and defaults are published", async () => {
    const { tools } = await h.client.listTools();
    const list = tools.find((t) => t.name === "list_tickets")?.inputSchema.properties as Record<
      string,
      Record<string, unknown>
    >;
    expect(list.limit).toMatchObject({ minimum: 1, maximum: 50, default: 20 });
    expect(list.offset).toMatchObject({ minimum: 0, maximum: 10000, default: 0 });
    const approve = tools.find((t) => t.name === "approve_triage_recommendation")?.inputSchema;
    expect(approve?.required).toEqual(
      expect.arrayContaining([
        "recommendationId",
        "ticketId",
        "expectedRevision",
        "approvedFields",
        "actor",
        "confirm",
      ]),
    );
  });

  it("resource templates, resources and prompts match the snapshot", async () => {
    const templates = await h.client.listResourceTemplates();
    const resources = await h.client.listResources();
    const prompts = await h.client.listPrompts();
    expect(templates.resourceTemplates).toMatchSnapshot("templates");
    expect(resources.resources.map((r) => r.uri)).toMatchSnapshot("resources");
    expect(prompts.prompts).toMatchSnapshot("prompts");
  });

  it("instructions say ticket content is untrusted and approval needs a human", () => {
    const text = h.client.getInstructions() ?? "";
    expect(text).toMatch(/untrusted/);
    expect(text).toMatch(/human/);
  });
});

describe("resources", () => {
  it("reads tickets, knowledge, audit and metrics", async () => {
    const t = await h.client.readResource({ uri: "ticket://TKT-3001" });
    expect(JSON.parse((t.contents[0] as { text: string }).text)).toMatchObject({ id: "TKT-3001" });
    const k = await h.client.readResource({ uri: "knowledge://credential-exposure" });
    expect(k.contents[0]).toMatchObject({ mimeType: "text/markdown" });
    expect((k.contents[0] as { text: string }).text).toMatch(/Revoke and rotate/);
    const a = await h.client.readResource({ uri: "audit://ticket/TKT-3001" });
    expect(JSON.parse((a.contents[0] as { text: string }).text)).toMatchObject({ events: [], total: 0 });
    const m = await h.client.readResource({ uri: "metrics://queue" });
    expect(JSON.parse((m.contents[0] as { text: string }).text)).toMatchObject({ openTickets: 5 });
  });

  it("lists tickets and knowledge articles", async () => {
    const { resources } = await h.client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain("ticket://TKT-3006");
    expect(uris).toContain("knowledge://duplicate-charges");
    expect(uris).toContain("metrics://queue");
  });

  it.each([
    "knowledge://../../../etc/passwd",
    "knowledge://..%2F..%2Fetc%2Fpasswd",
    "knowledge://%2e%2e",
    "knowledge://Credential-Exposure",
    "ticket://TKT-3001/../../x",
    "ticket://..%2FTKT-3001",
    "ticket://TKT-99999999999",
    "audit://ticket/../../x",
    "audit://ticket/TKT-4242",
    "file:///etc/passwd",
  ])("refuses hostile or unknown URI %s", async (uri) => {
    await expect(h.client.readResource({ uri })).rejects.toThrow();
  });

  it("completes ticket and article ids", async () => {
    const t = await h.client.complete({
      ref: { type: "ref/resource", uri: "ticket://{id}" },
      argument: { name: "id", value: "TKT-300" },
    });
    expect(t.completion.values).toEqual([
      "TKT-3001",
      "TKT-3002",
      "TKT-3003",
      "TKT-3004",
      "TKT-3005",
      "TKT-3006",
    ]);
    const k = await h.client.complete({
      ref: { type: "ref/resource", uri: "knowledge://{id}" },
      argument: { name: "id", value: "du" },
    });
    expect(k.completion.values).toEqual(["duplicate-charges"]);
    const p = await h.client.complete({
      ref: { type: "ref/prompt", name: "triage_ticket" },
      argument: { name: "ticketId", value: "TKT-3005" },
    });
    expect(p.completion.values).toEqual(["TKT-3005"]);
  });
});

describe("prompts", () => {
  it("triage_ticket names the ticket, the tools, untrusted text and the stop before approval", async () => {
    const p = await h.client.getPrompt({ name: "triage_ticket", arguments: { ticketId: "TKT-3002" } });
    const text = JSON.stringify(p.messages);
    for (const needle of [
      "TKT-3002",
      "untrusted",
      "get_ticket",
      "search_knowledge",
      "find_similar_tickets",
      "submit_triage_recommendation",
      "Stop after submitting",
    ]) {
      expect(text).toContain(needle);
    }
  });

  it("triage_queue bounds maximum", async () => {
    const p = await h.client.getPrompt({ name: "triage_queue", arguments: { maximum: "3" } });
    expect(JSON.stringify(p.messages)).toContain("up to 3 tickets");
    const d = await h.client.getPrompt({ name: "triage_queue", arguments: {} });
    expect(JSON.stringify(d.messages)).toContain("up to 10 tickets");
    await expect(h.client.getPrompt({ name: "triage_queue", arguments: { maximum: "11" } })).rejects.toThrow(
      /1 to 10/,
    );
    await expect(
      h.client.getPrompt({ name: "triage_queue", arguments: { maximum: "two" } }),
    ).rejects.toThrow();
  });

  it("review_escalations points at pending recommendations and stops before approval", async () => {
    const p = await h.client.getPrompt({ name: "review_escalations" });
    const text = JSON.stringify(p.messages);
    expect(text).toContain("list_recommendations");
    expect(text).toContain("untrusted");
    expect(text).toContain("Stop after submitting");
  });

  it("triage_ticket refuses a hostile id", async () => {
    await expect(
      h.client.getPrompt({ name: "triage_ticket", arguments: { ticketId: "../../x" } }),
    ).rejects.toThrow(/not a ticket id/);
  });
});
