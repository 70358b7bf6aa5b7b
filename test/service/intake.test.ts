import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import type { CreateTicketInput } from "../../src/domain/inputs.js";
import { createMemoryLogger } from "../../src/logging.js";
import { IntakeService, type TicketSource } from "../../src/service/intake-service.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import { TEST_NOW, writeTestData, type TestData } from "../support/data.js";
import { WORKSPACES } from "../support/workspaces.js";

// IntakeService over real runtimes, on each workspace: several stores on one directory, restarts,
// masking of every free-text field, and the duplicate hint never turning a committed ticket into
// an error.

const j = (...parts: string[]) => parts.join("");
const GITLAB_TOKEN = j("glpat", "-", "Qw3Er5Ty7Ui9Op1As3Df");

const datas: TestData[] = [];
const opened: Triage[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
  for (const d of datas.splice(0)) rmSync(d.root, { recursive: true, force: true });
});

describe.each(WORKSPACES)("on the $label workspace", ({ file, workspace, tickets }) => {
  const plans = workspace.vocabulary.plans;

  function newData(): TestData {
    const data = writeTestData(tickets());
    datas.push(data);
    return data;
  }

  async function open(data: TestData): Promise<Triage> {
    const triage = await openTriage(
      {
        dataRoot: data.dataRoot,
        seedFile: data.seedFile,
        knowledgeRoot: data.knowledgeRoot,
        workspaceFile: file,
      },
      createMemoryLogger(),
      { clock: () => TEST_NOW },
    );
    opened.push(triage);
    return triage;
  }

  const CLI: TicketSource = { kind: "cli", session: "cli-session-1" };

  const input = (overrides: Partial<CreateTicketInput> = {}): CreateTicketInput => ({
    subject: "Webhook deliveries stopped",
    description: "No webhook deliveries since yesterday evening; the endpoint is up.",
    customer: { name: "Initech", plan: plans[2]!, region: "ap-south", vip: false },
    ...overrides,
  });

  describe("IntakeService", () => {
    it("a ticket created through one store is visible to another on the same directory", async () => {
      const data = newData();
      const a = await open(data);
      const b = await open(data);
      const created = await a.intake.createTicket(input(), CLI);
      expect(created.ticket.id).toBe("TKT-3007");
      expect(b.service.getTicket("TKT-3007")).toEqual(created.ticket);
      expect((await b.intake.createTicket(input(), CLI)).ticket.id).toBe("TKT-3008");
      await b.intake.addNote({
        ticketId: "TKT-3007",
        author: "elena.petrova",
        body: "Checked the endpoint.",
      });
      expect(a.service.getTicket("TKT-3007").notes?.map((n) => n.author)).toEqual(["elena.petrova"]);
    });

    it("concurrent creations through two stores get distinct, consecutive ids", async () => {
      const data = newData();
      const a = await open(data);
      const b = await open(data);
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? a : b).intake.createTicket(input({ subject: `Report ${i}` }), CLI),
        ),
      );
      const ids = results.map((r) => r.ticket.id);
      expect(new Set(ids).size).toBe(12);
      expect([...ids].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `TKT-${3007 + i}`));
      expect(a.store.view().ticketCount()).toBe(18);
      expect(b.store.view().ticketCount()).toBe(18);
    });

    it("an idempotent retry after a restart returns the original ticket", async () => {
      const data = newData();
      const key = "3c2b1a09-8f7e-4d6c-9b5a-493827160504";
      const first = await (await open(data)).intake.createTicket(input({ idempotencyKey: key }), CLI);
      for (const t of opened.splice(0)) await t.close();
      const again = await open(data);
      const retry = await again.intake.createTicket(input({ idempotencyKey: key }), {
        kind: "mcp",
        client: { name: "another-client", version: "1.0.0" },
        session: "another-session",
      });
      expect(retry.ticket).toEqual(first.ticket);
      expect(again.store.view().ticketCount()).toBe(7);
    });

    it("records a CLI source without a client", async () => {
      const t = await open(newData());
      await t.intake.createTicket(input(), CLI);
      const event = (await t.store.listAuditEvents({ ticketId: "TKT-3007" }, { offset: 0, limit: 5 }))
        .items[0];
      expect(event?.actor).toBe("unknown-client");
      expect(event?.data?.source).toEqual({ kind: "cli", session: "cli-session-1" });
    });

    it("masks secrets in every free-text field, tags and customer included", async () => {
      const t = await open(newData());
      const { ticket, maskedSecrets } = await t.intake.createTicket(
        input({
          customer: { name: `Initech ${GITLAB_TOKEN}`, plan: plans[3]!, region: "eu", vip: true },
          tags: ["webhooks", `token=${GITLAB_TOKEN}`.slice(0, 50)],
        }),
        CLI,
      );
      expect(maskedSecrets.map((m) => m.field)).toEqual(["customer.name", "tags[1]"]);
      expect(JSON.stringify(ticket)).not.toContain(GITLAB_TOKEN);
      expect(ticket.customer.name).toBe("Initech [REDACTED GitLab token]");
    });

    it("refuses a secret in the actor before anything is stored", async () => {
      const t = await open(newData());
      const error = await t.intake.createTicket(input({ actor: GITLAB_TOKEN }), CLI).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("SECRET_DETECTED");
      expect(t.store.view().lastSeq).toBe(0);
    });

    it("a failing duplicate hint does not fail a committed creation", async () => {
      const t = await open(newData());
      const logger = createMemoryLogger();
      const intake = new IntakeService({
        store: t.store,
        workspace: t.workspace,
        clock: () => TEST_NOW,
        logger,
        duplicates: () => {
          throw new Error("index unavailable");
        },
      });
      const created = await intake.createTicket(input(), CLI);
      expect(created.ticket.id).toBe("TKT-3007");
      expect(created.possibleDuplicates).toEqual([]);
      expect(logger.lines).toEqual(["error: possible duplicates of TKT-3007 failed: index unavailable"]);
    });
  });
});
