import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planOf, routedTeam } from "../../src/domain/workspace/index.js";
import { TEST_NOW, writeTestData } from "../support/data.js";
import { startHarness, type Harness } from "../support/harness.js";
import { BUNDLED_WORKSPACE } from "../support/workspace.js";
import { foreignValue, WORKSPACES } from "../support/workspaces.js";

// Intake through a real SDK Client, on each workspace: teams, new tickets and internal notes,
// including refusals; teams, plans, targets and the initial status are read from the workspace.

const CLIENT = { name: "intake-test-client", version: "2.3.4" };

// Secret-shaped values are assembled at run time so the source holds nothing a scanner would flag.
const j = (...parts: string[]) => parts.join("");
const GITHUB_TOKEN = j("ghp", "_", "Zq7Lm2Np8Rt4Vx6Bc9Df".repeat(2).slice(0, 36));
const STRIPE_KEY = j("sk", "_live_", "9fQ2wE8rT6yU4iO1pA3sD5fG");

describe.each(WORKSPACES)("on the $label workspace", ({ file, workspace, tickets }) => {
  const v = workspace.vocabulary;
  // A team with members to show (billing on the bundled workspace) and the security team.
  const team = workspace.teams[1]!;
  const security = routedTeam(workspace, "security");

  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ clientInfo: CLIENT, data: writeTestData(tickets()), workspaceFile: file });
  });
  afterEach(async () => {
    await h.close();
  });

  const newTicket = (overrides: Record<string, unknown> = {}) => ({
    subject: "Cannot export invoices as PDF",
    description: "The export button on the invoices page spins forever and no PDF is produced.",
    customer: { name: "Northwind Traders", plan: v.plans[1], region: "eu-west", vip: false },
    ...overrides,
  });

  interface NoteLike {
    id: string;
    author: string;
    body: string;
    createdAt: string;
  }
  interface TicketLike {
    id: string;
    status: string;
    revision: number;
    subject: string;
    description: string;
    createdAt: string;
    updatedAt: string;
    sla: { responseDueAt: string; breached: boolean };
    notes?: NoteLike[];
    [key: string]: unknown;
  }
  interface Created {
    ticket: TicketLike;
    maskedSecrets: { field: string; kind: string }[];
    possibleDuplicates: { ticketId: string; confidence: number }[];
  }
  interface AuditLike {
    seq: number;
    action: string;
    ticketId: string | null;
    actor: string;
    channel?: unknown;
    toRevision?: number;
    fromRevision?: number;
    data?: Record<string, unknown>;
  }

  async function create(overrides: Record<string, unknown> = {}): Promise<Created> {
    const r = await h.call("create_ticket", newTicket(overrides));
    expect(r.ok, r.text).toBe(true);
    return r.structured as unknown as Created;
  }

  async function events(ticketId?: string): Promise<AuditLike[]> {
    const r = await h.call("get_audit_events", {
      ...(ticketId === undefined ? {} : { ticketId }),
      limit: 50,
    });
    expect(r.ok, r.text).toBe(true);
    // Without the runtime-initialized event that every runtime starts with.
    return (r.structured?.events as AuditLike[]).filter((e) => e.seq > 0);
  }

  async function ticketCount(): Promise<number> {
    const r = await h.call("list_tickets", { limit: 1 });
    return r.structured?.total as number;
  }

  /** Every file under the runtime directory, as text (binary-safe enough for a substring search). */
  function runtimeFiles(dir: string): { path: string; text: string }[] {
    return readdirSync(dir).flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? runtimeFiles(p) : [{ path: p, text: readFileSync(p, "latin1") }];
    });
  }

  function expectNowhereInRuntime(secret: string): void {
    const files = runtimeFiles(h.data.dataRoot);
    expect(files.length).toBeGreaterThan(2);
    expect(files.filter((f) => f.text.includes(secret)).map((f) => f.path)).toEqual([]);
  }

  describe("list_teams and team://", () => {
    it("lists every team with description, members, on-call and channel", async () => {
      const r = await h.call("list_teams");
      expect(r.ok, r.text).toBe(true);
      const teams = r.structured?.teams as {
        id: string;
        members: string[];
        onCall: string;
        channel: string;
      }[];
      expect(teams.map((t) => t.id)).toEqual(v.teams);
      for (const listed of teams) {
        const { id, members, onCall, channel, description } = workspace.teams.find(
          (t) => t.id === listed.id,
        )!;
        expect(listed).toMatchObject({ id, members, onCall, channel, description });
      }
      expect(teams.find((t) => t.id === team.id)?.members.length).toBeGreaterThan(1);
    });

    it("reads, lists and completes team://{id}", async () => {
      const t = await h.client.readResource({ uri: `team://${team.id}` });
      expect(t.contents[0]).toMatchObject({ mimeType: "application/json", uri: `team://${team.id}` });
      expect(JSON.parse((t.contents[0] as { text: string }).text)).toMatchObject({
        id: team.id,
        onCall: team.onCall,
      });
      const { resources } = await h.client.listResources();
      expect(resources.map((r) => r.uri)).toEqual(
        expect.arrayContaining([`team://${team.id}`, `team://${security}`]),
      );
      const prefix = team.id.slice(0, 2);
      const c = await h.client.complete({
        ref: { type: "ref/resource", uri: "team://{id}" },
        argument: { name: "id", value: prefix },
      });
      expect(c.completion.values).toEqual(v.teams.filter((id) => id.startsWith(prefix)));
      expect(c.completion.values).toContain(team.id);
    });

    it.each([
      "team://../../etc/passwd",
      "team://..%2F..%2Fetc",
      "team://%2e%2e",
      `team://${team.id.charAt(0).toUpperCase()}${team.id.slice(1)}`,
      `team://${team.id}/../${security}`,
      "team://nobody",
    ])("refuses hostile or unknown URI %s", async (uri) => {
      await expect(h.client.readResource({ uri })).rejects.toThrow();
    });

    it("names the known teams when an id is unknown", async () => {
      await expect(h.client.readResource({ uri: "team://nobody" })).rejects.toThrow(
        new RegExp(`No team "nobody".*${team.id}`),
      );
    });
  });

  describe("create_ticket", () => {
    it("is a write tool: not read-only, not destructive", async () => {
      const { tools } = await h.client.listTools();
      for (const name of ["create_ticket", "add_ticket_note"]) {
        expect(tools.find((t) => t.name === name)?.annotations, name).toMatchObject({
          readOnlyHint: false,
          destructiveHint: false,
          idempotentHint: false,
          openWorldHint: false,
        });
      }
    });

    it("assigns the next id, status new, revision 0 and the server's clock", async () => {
      const { ticket, maskedSecrets } = await create({ tags: ["export", "pdf", "export"] });
      expect(ticket).toMatchObject({
        id: "TKT-3007",
        status: workspace.initialStatus,
        revision: 0,
        createdAt: TEST_NOW.toISOString(),
        updatedAt: TEST_NOW.toISOString(),
        relatedTicketIds: [],
        tags: ["export", "pdf"],
        customer: { name: "Northwind Traders", plan: v.plans[1], region: "eu-west", vip: false },
      });
      expect(ticket.sla.breached).toBe(false);
      for (const field of ["category", "priority", "team", "assignee", "customerResponse"]) {
        expect(ticket[field], field).toBeUndefined();
      }
      expect(maskedSecrets).toEqual([]);
      expect((await create()).ticket.id).toBe("TKT-3008");

      const read = await h.call("get_ticket", { id: "TKT-3007" });
      expect(read.structured?.ticket).toEqual(ticket);
      expect(await ticketCount()).toBe(8);
    });

    it("sets the SLA deadline from the plan x VIP table", async () => {
      for (const { id: plan, targets } of workspace.plans) {
        for (const vip of [false, true]) {
          const { ticket } = await create({ customer: { name: "Acme", plan, region: "us-east", vip } });
          const minutes = vip ? targets.vip : targets.standard;
          expect(ticket.sla.responseDueAt, `${plan}/${vip}`).toBe(
            new Date(TEST_NOW.getTime() + minutes * 60_000).toISOString(),
          );
        }
      }
    });

    it("audits ticket-created with the client, the session and the ticket as stored", async () => {
      const first = await create({ actor: "intake-desk" });
      const second = await create();
      const log = (await events()).filter((e) => e.action === "ticket-created");
      expect(log.map((e) => e.ticketId)).toEqual(["TKT-3007", "TKT-3008"]);
      const [a, b] = log as [AuditLike, AuditLike];
      expect(a).toMatchObject({ actor: "intake-desk", toRevision: 0 });
      expect(a.channel).toBeUndefined();
      expect(a.data?.ticket).toEqual(first.ticket);
      expect(a.data?.maskedSecrets).toEqual([]);
      const source = a.data?.source as { kind: string; client: unknown; session: string };
      expect(source).toMatchObject({ kind: "mcp", client: CLIENT });
      expect(source.session).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      // Without an actor, the creator is the client; the session is the same connection's.
      expect(b.actor).toBe(CLIENT.name);
      expect((b.data?.source as { session: string }).session).toBe(source.session);
      expect(b.data?.ticket).toEqual(second.ticket);
      const perTicket = await events("TKT-3007");
      expect(perTicket.map((e) => e.action)).toEqual(["ticket-created"]);
    });

    it("masks secrets in the stored copy, says so, and keeps the value nowhere", async () => {
      const r = await h.call(
        "create_ticket",
        newTicket({
          subject: `Leaked key ${STRIPE_KEY} in our logs`,
          description: `Our CI printed ${GITHUB_TOKEN} to a public log. Also ${GITHUB_TOKEN} again.`,
        }),
      );
      expect(r.ok, r.text).toBe(true);
      const { ticket, maskedSecrets } = r.structured as unknown as Created;
      expect(maskedSecrets).toEqual([
        { field: "subject", kind: "Stripe-style live key" },
        { field: "description", kind: "GitHub token" },
        { field: "description", kind: "GitHub token" },
      ]);
      expect(ticket.subject).toBe("Leaked key [REDACTED Stripe-style live key] in our logs");
      expect(ticket.description).toBe(
        "Our CI printed [REDACTED GitHub token] to a public log. Also [REDACTED GitHub token] again.",
      );
      expect(r.text).not.toContain(GITHUB_TOKEN);
      expect(r.text).not.toContain(STRIPE_KEY);
      const created = (await events()).find((e) => e.action === "ticket-created");
      expect(created?.data?.maskedSecrets).toEqual(maskedSecrets);
      expect(JSON.stringify(await events())).not.toContain(GITHUB_TOKEN);
      const read = await h.client.readResource({ uri: `ticket://${ticket.id}` });
      expect((read.contents[0] as { text: string }).text).toContain("[REDACTED GitHub token]");
      expectNowhereInRuntime(GITHUB_TOKEN);
      expectNowhereInRuntime(STRIPE_KEY);
    });

    it("a retry with the same idempotencyKey creates one ticket; another payload is a CONFLICT", async () => {
      const key = "0b6f3a52-8c1d-4c9e-9f2a-3d4e5f607182";
      const first = await create({ idempotencyKey: key });
      await create({ subject: "Something else entirely" });
      const retry = await create({ idempotencyKey: key });
      expect(retry.ticket).toEqual(first.ticket);
      expect(retry.ticket.id).toBe("TKT-3007");
      expect(await ticketCount()).toBe(8);
      expect((await events()).filter((e) => e.action === "ticket-created")).toHaveLength(2);

      const other = await h.call("create_ticket", newTicket({ idempotencyKey: key, subject: "Different" }));
      expect(other.ok).toBe(false);
      expect(other.text).toMatch(
        /^CONFLICT: idempotencyKey 0b6f3a52-8c1d-4c9e-9f2a-3d4e5f607182 was already used/,
      );
      expect(await ticketCount()).toBe(8);
    });

    it("a key used for another kind of call is refused", async () => {
      const key = "5d1c0a9e-2b3f-4a6d-8e7f-90a1b2c3d4e5";
      const note = await h.call("add_ticket_note", {
        ticketId: "TKT-3001",
        author: "maria.chen",
        body: "x",
        idempotencyKey: key,
      });
      expect(note.ok, note.text).toBe(true);
      const r = await h.call("create_ticket", newTicket({ idempotencyKey: key }));
      expect(r.ok).toBe(false);
      expect(r.text).toMatch(/^CONFLICT: /);
      expect(await ticketCount()).toBe(6);
    });

    it("lists likely duplicates among existing tickets, never the new ticket itself", async () => {
      const { ticket, possibleDuplicates } = await create({
        subject: "Frankfurt API answers 502 Bad Gateway",
        description:
          "All our requests to the Frankfurt API endpoint return 502 bad gateway errors since this morning.",
      });
      expect(possibleDuplicates.length).toBeGreaterThan(0);
      expect(possibleDuplicates.length).toBeLessThanOrEqual(3);
      const ids = possibleDuplicates.map((d) => d.ticketId);
      expect(ids).not.toContain(ticket.id);
      expect(ids.every((id) => ["TKT-3001", "TKT-3002", "TKT-3003"].includes(id))).toBe(true);
      const unrelated = await create({
        subject: "Dark mode",
        description: "Please add a dark mode to the dashboard.",
      });
      expect(unrelated.possibleDuplicates.map((d) => d.ticketId)).toEqual(["TKT-3006"]);
    });

    it.each([
      ["an empty subject", { subject: "" }, /subject/],
      ["a blank subject", { subject: "   " }, /subject must not be blank/],
      [
        "a subject over 200 characters",
        { subject: "x".repeat(201) },
        /subject must be at most 200 characters/,
      ],
      [
        "a description over 20,000 characters",
        { description: "y".repeat(20_001) },
        /description must be at most 20000/,
      ],
      [
        "an unknown plan",
        { customer: { name: "A", plan: foreignValue(workspace, "plans"), region: "eu", vip: false } },
        /customer\.plan/,
      ],
      ["a missing vip flag", { customer: { name: "A", plan: v.plans[2], region: "eu" } }, /customer\.vip/],
      [
        "a bad email",
        { customer: { name: "A", plan: v.plans[2], region: "eu", vip: true, email: "nope" } },
        /email/,
      ],
      ["too many tags", { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, /tags/],
      ["a tag over 50 characters", { tags: ["z".repeat(51)] }, /tags\.0/],
      ["a non-UUID idempotencyKey", { idempotencyKey: "again" }, /idempotencyKey/],
    ])("refuses %s with INVALID_INPUT and stores nothing", async (_what, overrides, message) => {
      const r = await h.call("create_ticket", newTicket(overrides));
      expect(r.ok).toBe(false);
      expect(r.text).toMatch(/^INVALID_INPUT: /);
      expect(r.text).toMatch(message);
      expect(await ticketCount()).toBe(6);
      expect(await events()).toEqual([]);
    });

    it("refuses a 2 MB description by size, before parsing it", async () => {
      const r = await h.call("create_ticket", newTicket({ description: "d".repeat(2 * 1024 * 1024) }));
      expect(r.ok).toBe(false);
      expect(r.text).toMatch(/^INVALID_INPUT: arguments are \d+ bytes; create_ticket accepts at most 262144/);
      expect(await ticketCount()).toBe(6);
    });
  });

  describe("add_ticket_note", () => {
    const note = (overrides: Record<string, unknown> = {}) => ({
      ticketId: "TKT-3001",
      author: "maria.chen",
      body: "Called the customer: they see the 502s from two offices, so not their proxy.",
      ...overrides,
    });

    it("appends an internal note that shows in get_ticket and ticket://, revision unchanged", async () => {
      const before = (await h.call("get_ticket", { id: "TKT-3001" })).structured?.ticket as TicketLike;
      const r = await h.call("add_ticket_note", note());
      expect(r.ok, r.text).toBe(true);
      const { note: added, ticket } = r.structured as unknown as { note: NoteLike; ticket: TicketLike };
      expect(added).toMatchObject({
        author: "maria.chen",
        body: note().body,
        createdAt: TEST_NOW.toISOString(),
      });
      expect(added.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(ticket.revision).toBe(before.revision);
      expect(ticket.revision).toBe(2);

      const read = (await h.call("get_ticket", { id: "TKT-3001" })).structured?.ticket as TicketLike;
      expect(read.notes).toEqual([added]);
      expect(read.revision).toBe(2);
      expect(read.updatedAt).toBe(TEST_NOW.toISOString());
      for (const field of ["category", "priority", "team", "status", "tags", "sla", "customer", "subject"]) {
        expect(read[field], field).toEqual(before[field]);
      }
      const resource = await h.client.readResource({ uri: "ticket://TKT-3001" });
      const fromResource = JSON.parse((resource.contents[0] as { text: string }).text) as TicketLike;
      expect(fromResource.notes).toEqual([added]);

      const second = await h.call("add_ticket_note", note({ author: "jonas.weber", body: "Second note." }));
      expect(second.ok, second.text).toBe(true);
      const after = (await h.call("get_ticket", { id: "TKT-3001" })).structured?.ticket as TicketLike;
      expect(after.notes?.map((n) => n.author)).toEqual(["maria.chen", "jonas.weber"]);
      expect(after.revision).toBe(2);
    });

    it("is audited as note-added by the author, without a revision change", async () => {
      const r = await h.call("add_ticket_note", note());
      const added = (r.structured as { note: unknown }).note;
      const log = await events("TKT-3001");
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({
        action: "note-added",
        ticketId: "TKT-3001",
        actor: "maria.chen",
        fromRevision: 2,
        toRevision: 2,
        data: { note: added },
      });
      const audit = await h.client.readResource({ uri: "audit://ticket/TKT-3001" });
      expect(JSON.parse((audit.contents[0] as { text: string }).text)).toMatchObject({ total: 1 });
    });

    it("notes a ticket created through intake", async () => {
      const { ticket } = await create();
      const r = await h.call("add_ticket_note", note({ ticketId: ticket.id }));
      expect(r.ok, r.text).toBe(true);
      expect((r.structured as { ticket: TicketLike }).ticket).toMatchObject({ id: "TKT-3007", revision: 0 });
    });

    it("refuses a secret in the body, names its kind, and stores it nowhere", async () => {
      const r = await h.call(
        "add_ticket_note",
        note({ body: `Customer pasted their token ${GITHUB_TOKEN} here.` }),
      );
      expect(r.ok).toBe(false);
      expect(r.text).toBe(
        "SECRET_DETECTED: body contains what looks like a GitHub token (1 match); remove it and try again. The value was not stored.",
      );
      expect(await events()).toEqual([]);
      const read = (await h.call("get_ticket", { id: "TKT-3001" })).structured?.ticket as TicketLike;
      expect(read.notes).toBeUndefined();
      expectNowhereInRuntime(GITHUB_TOKEN);
    });

    it("refuses an unknown ticket with NOT_FOUND", async () => {
      const r = await h.call("add_ticket_note", note({ ticketId: "TKT-4242" }));
      expect(r.ok).toBe(false);
      expect(r.text).toBe(
        "NOT_FOUND: No ticket TKT-4242. There are 6 tickets; use list_tickets to find ids.",
      );
      expect(await events()).toEqual([]);
    });

    it.each([
      ["an empty body", { body: "" }],
      ["a blank body", { body: " \n " }],
      ["a body over 4,000 characters", { body: "n".repeat(4_001) }],
      ["a blank author", { author: "  " }],
      ["a bad ticket id", { ticketId: "../TKT-3001" }],
    ])("refuses %s with INVALID_INPUT", async (_what, overrides) => {
      const r = await h.call("add_ticket_note", note(overrides));
      expect(r.ok).toBe(false);
      expect(r.text).toMatch(/^INVALID_INPUT: /);
      expect(await events()).toEqual([]);
    });

    it("a retry with the same idempotencyKey adds one note", async () => {
      const key = "7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a1b";
      const first = await h.call("add_ticket_note", note({ idempotencyKey: key }));
      const retry = await h.call("add_ticket_note", note({ idempotencyKey: key }));
      expect(retry.ok, retry.text).toBe(true);
      expect((retry.structured as { note: unknown }).note).toEqual(
        (first.structured as { note: unknown }).note,
      );
      const read = (await h.call("get_ticket", { id: "TKT-3001" })).structured?.ticket as TicketLike;
      expect(read.notes).toHaveLength(1);
      const conflict = await h.call("add_ticket_note", note({ idempotencyKey: key, body: "changed" }));
      expect(conflict.text).toMatch(/^CONFLICT: /);
    });

    it("says that notes are internal and replies need an approved customerResponse", async () => {
      const { tools } = await h.client.listTools();
      const description = tools.find((t) => t.name === "add_ticket_note")?.description ?? "";
      expect(description).toMatch(/never sent\s+to the customer/);
      expect(description).toMatch(/approved customerResponse/);
    });
  });
});

// The bundled table itself, pinned: the expectations above are derived from the workspace under
// test, so they alone would let a changed bundled table pass silently.
it("the bundled plan targets are pinned", () => {
  expect(planOf(BUNDLED_WORKSPACE, "enterprise")?.targets.vip).toBe(60);
  expect(planOf(BUNDLED_WORKSPACE, "free")?.targets.standard).toBe(24 * 60);
});
