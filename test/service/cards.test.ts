import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { ImportService } from "../../src/service/import-service.js";
import type { Triage } from "../../src/service/runtime.js";
import { TEST_NOW, writeTestData, type TestData } from "../support/data.js";
import { openRuntime, submit } from "./handoff-fixtures.js";

// Payment card numbers follow the path secrets take: refused with SECRET_DETECTED in drafts,
// feedback and notes, masked in the stored copy on intake and import. The numbers are the
// schemes' published test numbers.

const VISA = "4111 1111 1111 1111";
const AMEX = "378282246310005";

const datas: TestData[] = [];
const opened: Triage[] = [];
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
  for (const d of datas.splice(0)) rmSync(d.root, { recursive: true, force: true });
});

async function open(): Promise<{ data: TestData; t: Triage }> {
  const data = writeTestData();
  datas.push(data);
  const t = await openRuntime(data);
  opened.push(t);
  return { data, t };
}

const firstTicket = (t: Triage) => t.service.listTickets({ offset: 0, limit: 1 }).items[0]!.id;

async function refusal(p: Promise<unknown>): Promise<DomainError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

const auditLog = (data: TestData) => readFileSync(join(data.dataRoot, "audit.jsonl"), "utf8");

describe("payment card numbers through the service", () => {
  it("refuses a card in a draft response, names it, stores nothing", async () => {
    const { data, t } = await open();
    const before = auditLog(data);
    const error = await refusal(
      submit(t, firstTicket(t), { draftCustomerResponse: `We refunded the card ${VISA}.` }),
    );
    expect(error.code).toBe("SECRET_DETECTED");
    expect(error.message).toBe(
      "draftCustomerResponse contains what looks like a payment card number (1 match); remove it and try again. The value was not stored.",
    );
    expect(auditLog(data)).toBe(before);
  });

  it("refuses a card in rejection feedback", async () => {
    const { t } = await open();
    const rec = await submit(t, firstTicket(t), {});
    const error = await refusal(
      t.service.reject({
        recommendationId: rec.id,
        ticketId: rec.ticketId,
        actor: "reviewer",
        feedback: `The customer paid with ${AMEX}, check that card.`,
      }),
    );
    expect(error.code).toBe("SECRET_DETECTED");
    expect(error.message).toMatch(/^feedback contains what looks like a payment card number/);
  });

  it("refuses a card in an internal note", async () => {
    const { data, t } = await open();
    const ticketId = t.service.listTickets({ offset: 0, limit: 1 }).items[0]!.id;
    const error = await refusal(
      t.intake.addNote({ ticketId, author: "agent", body: `Card on file: ${VISA}` }),
    );
    expect(error.code).toBe("SECRET_DETECTED");
    expect(auditLog(data)).not.toContain("1111 1111");
  });

  it("masks a card on intake and records which field held it", async () => {
    const { data, t } = await open();
    const { ticket, maskedSecrets } = await t.intake.createTicket(
      {
        subject: "Charged twice",
        description: `My card ${VISA} was charged twice for order 100482.`,
        customer: { name: "Initech", plan: "team", region: "eu", vip: false },
      },
      { kind: "cli", session: "s-1" },
    );
    expect(ticket.description).toBe(
      "My card [REDACTED payment card number] was charged twice for order 100482.",
    );
    expect(maskedSecrets).toEqual([{ field: "description", kind: "payment card number" }]);
    expect(auditLog(data)).not.toContain("1111 1111");
  });

  it("masks a card on import", async () => {
    const { data, t } = await open();
    const file = join(data.root, "cards.csv");
    writeFileSync(
      file,
      [
        "id,subject,description,requester",
        `C-1,Refund,Please refund card ${AMEX} for order 100482,Acme`,
      ].join("\n"),
    );
    const importer = new ImportService({ store: t.store, clock: () => TEST_NOW, workspace: t.workspace });
    const report = await importer.importFile({ file, format: "csv", actor: "importer@example.test" });
    expect(report.counts).toMatchObject({ created: 1, masked: 1 });
    const stored = JSON.stringify(t.store.view().ticketsByInsertion(0));
    expect(stored).toContain("Please refund card [REDACTED payment card number] for order 100482");
    expect(stored).not.toContain(AMEX);
  });
});
