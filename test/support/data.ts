import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SubmitRecommendationInput } from "../../src/domain/inputs.js";
import type { Ticket } from "../../src/domain/schemas.js";

// A small seed and knowledge base written for the tests, in the contract's formats.

export const TEST_NOW = new Date("2026-05-04T09:00:00.000Z");
const at = (minutes: number) => new Date(TEST_NOW.getTime() + minutes * 60_000).toISOString();

function t(id: string, subject: string, description: string, extra: Partial<Ticket> = {}): Ticket {
  return {
    id,
    createdAt: at(-300),
    updatedAt: at(-200),
    customer: { name: `Customer of ${id}`, plan: "business", region: "eu-west", vip: false },
    subject,
    description,
    status: "new",
    tags: [],
    sla: { responseDueAt: at(600), breached: false },
    relatedTicketIds: [],
    revision: 0,
    ...extra,
  };
}

export function testTickets(): Ticket[] {
  return [
    t(
      "TKT-3001",
      "Frankfurt API returns 502 for every request",
      "Since 08:10 all calls to the Frankfurt API endpoint fail with 502 Bad Gateway.",
      {
        status: "triage",
        category: "api",
        priority: "P1",
        team: "incident-response",
        revision: 2,
        sla: { responseDueAt: at(30), breached: false },
      },
    ),
    t(
      "TKT-3002",
      "502 Bad Gateway from Frankfurt endpoint",
      "Our integration gets 502 errors from the Frankfurt API for all requests since this morning.",
    ),
    t(
      "TKT-3003",
      "Gateway errors in the Frankfurt region",
      "Every request to the Frankfurt API is answered with a bad gateway error.",
    ),
    t(
      "TKT-3004",
      "API key visible in public pastebin",
      "One of our production API keys was pasted in a public paste site by a contractor. We do not know who copied it.",
      {
        status: "triage",
        category: "security",
        priority: "P1",
        team: "identity",
        revision: 1,
      },
    ),
    t(
      "TKT-3005",
      "Invoice shows two identical charges",
      "We were billed twice for the March invoice; two identical card charges appear.",
      {
        sla: { responseDueAt: at(-30), breached: true },
      },
    ),
    t("TKT-3006", "Dark mode request", "Please add a dark mode to the dashboard.", {
      status: "resolved",
      category: "feature-request",
      priority: "P4",
      team: "product",
      revision: 4,
    }),
  ];
}

export const TEST_ARTICLES: Record<string, string> = {
  "regional-outages":
    "---\nid: regional-outages\ntitle: Regional outage response\ntags: incident, outage, 5xx, gateway\n---\n# Regional outages\n\nWhen several customers in one region report 502 or 503 errors, treat it as an outage: page incident response and link the tickets.\n",
  "credential-exposure":
    "---\nid: credential-exposure\ntitle: Exposed credentials\ntags: security, api key, token, leak\n---\n# Exposed credentials\n\nA leaked API key or token goes to the security team at once. Revoke and rotate the key.\n",
  "duplicate-charges":
    "---\nid: duplicate-charges\ntitle: Duplicate charges and refunds\ntags: billing, refund, invoice, charge\n---\n# Duplicate charges\n\nWhen a customer is charged twice, verify both card charges on the invoice and refund the duplicate.\n",
};

export interface TestData {
  readonly root: string;
  readonly dataRoot: string;
  readonly seedFile: string;
  readonly knowledgeRoot: string;
}

export function writeTestData(tickets: Ticket[] = testTickets()): TestData {
  const root = mkdtempSync(join(tmpdir(), "triage-test-"));
  const knowledgeRoot = join(root, "knowledge");
  mkdirSync(knowledgeRoot);
  for (const [id, text] of Object.entries(TEST_ARTICLES))
    writeFileSync(join(knowledgeRoot, `${id}.md`), text);
  const seedFile = join(root, "tickets.json");
  writeFileSync(seedFile, JSON.stringify(tickets, null, 2));
  return { root, dataRoot: join(root, "runtime"), seedFile, knowledgeRoot };
}

/** A recommendation for TKT-3005 (two identical card charges, no triage yet), as an agent submits it. */
export function billingProposal(
  overrides: Partial<SubmitRecommendationInput> = {},
): SubmitRecommendationInput {
  return {
    ticketId: "TKT-3005",
    sourceRevision: 0,
    category: "billing",
    priority: "P2",
    team: "billing",
    tags: ["refund"],
    duplicateCandidates: [],
    outageRisk: "none",
    securityRisk: "none",
    slaRisk: "likely",
    missingInformation: [],
    knowledgeArticleIds: ["duplicate-charges"],
    draftCustomerResponse: "We are refunding the duplicate charge.",
    rationale: "Two identical card charges.",
    confidence: 0.9,
    recommendedNextAction: "Refund the duplicate.",
    actor: "triage-agent",
    ...overrides,
  };
}

const STATUS_CYCLE = ["new", "triage", "waiting-customer", "in-progress", "resolved"] as const;
const TEAM_CYCLE = ["billing", "identity", "security", "api-platform", undefined] as const;
const CATEGORY_CYCLE = ["billing", "account-access", "security", "api", undefined] as const;
const PRIORITY_CYCLE = ["P1", "P2", "P3", "P4"] as const;
const CUSTOMERS = [
  { name: "Acme Logistics", email: "ops@acme.example" },
  { name: "acme labs", email: "lab@acme-labs.example" },
  { name: "Brightwave Learning", email: undefined },
  { name: "Ｃｏｒｖｉｄ Payments", email: "billing@corvid.example" },
  { name: "Zephyr Health", email: "it@zephyr.example" },
] as const;

/**
 * `count` tickets (TKT-4001...) that vary in every field a queue is filtered by: status, team,
 * category, priority, customer (one name in full-width letters, one without an email) and SLA
 * state at TEST_NOW (breached by flag, breached by time, at risk, healthy).
 */
export function queueTickets(count: number): Ticket[] {
  const dues = [-120, 30, 600, 45, 2_000, -5];
  return Array.from({ length: count }, (_, i) => {
    const customer = CUSTOMERS[i % CUSTOMERS.length] as (typeof CUSTOMERS)[number];
    const team = TEAM_CYCLE[(i * 3) % TEAM_CYCLE.length];
    const category = CATEGORY_CYCLE[(i * 7) % CATEGORY_CYCLE.length];
    return t(
      `TKT-${4001 + i}`,
      `Queue ticket ${i}: ${customer.name}`,
      `Report number ${i} from ${customer.name}.`,
      {
        status: STATUS_CYCLE[i % STATUS_CYCLE.length] as Ticket["status"],
        ...(team === undefined ? {} : { team }),
        ...(category === undefined ? {} : { category }),
        ...(i % 6 === 5 ? {} : { priority: PRIORITY_CYCLE[i % PRIORITY_CYCLE.length] }),
        customer: {
          name: customer.name,
          plan: "growth",
          region: "eu-west",
          vip: i % 9 === 0,
          ...(customer.email === undefined ? {} : { email: customer.email }),
        },
        sla: { responseDueAt: at(dues[i % dues.length] as number), breached: i % 11 === 0 },
      },
    );
  });
}
