import { rmSync } from "node:fs";
import { afterEach } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult, ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import type { ApprovalMode } from "../../src/config.js";
import type { AuditEvent } from "../../src/domain/schemas.js";
import { createMemoryLogger } from "../../src/logging.js";
import type { ElicitationOptions } from "../../src/mcp/ask-human.js";
import { createServer, type ServerDeps } from "../../src/mcp/server.js";
import type { ToolSelection } from "../../src/mcp/toolsets.js";
import { openTriage, type Triage } from "../../src/service/runtime.js";
import { TEST_NOW, writeTestData, type TestData } from "./data.js";

export interface Harness {
  readonly client: Client;
  readonly triage: Triage;
  readonly data: TestData;
  readonly logs: string[];
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  close(): Promise<void>;
}

export interface ToolResult {
  readonly ok: boolean;
  readonly text: string;
  readonly structured: Record<string, unknown> | undefined;
  readonly raw: CallToolResult;
}

export interface HarnessOptions {
  readonly data?: TestData;
  readonly now?: Date;
  readonly approvalMode?: ApprovalMode;
  readonly securityNeedsHumanChannel?: boolean;
  /** What the client declares at the handshake, e.g. `{ elicitation: {} }`. */
  readonly clientCapabilities?: ClientCapabilities;
  readonly clientInfo?: { readonly name: string; readonly version: string };
  readonly elicitation?: Partial<ElicitationOptions>;
  /** The review card: the clock of its tokens, their lifetime, the HTML. */
  readonly card?: ServerDeps["card"];
  /** Keep the store in this PostgreSQL database (TRIAGE_DATABASE_URL) instead of the runtime directory. */
  readonly databaseUrl?: string;
  /** A database store: LISTEN for other servers' commits between requests (default true). */
  readonly listen?: boolean;
  /** The workspace file (TRIAGE_CONFIG); the bundled one when absent. */
  readonly workspaceFile?: string;
  /** Read-only mode and toolsets; every tool when absent. */
  readonly selection?: ToolSelection;
}

/** A real SDK Client connected to a real server over an in-memory transport pair. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const data = options.data ?? writeTestData();
  const logger = createMemoryLogger();
  const now = options.now ?? TEST_NOW;
  const triage = await openTriage(
    {
      dataRoot: data.dataRoot,
      seedFile: data.seedFile,
      knowledgeRoot: data.knowledgeRoot,
      ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
      ...(options.workspaceFile === undefined ? {} : { workspaceFile: options.workspaceFile }),
      ...(options.approvalMode === undefined ? {} : { approvalMode: options.approvalMode }),
      ...(options.securityNeedsHumanChannel === undefined
        ? {}
        : { securityNeedsHumanChannel: options.securityNeedsHumanChannel }),
    },
    logger,
    { clock: () => now, ...(options.listen === undefined ? {} : { listen: options.listen }) },
  );
  const server = createServer({
    workspace: triage.workspace,
    ...(options.selection === undefined ? {} : { selection: options.selection }),
    service: triage.service,
    approvals: triage.approvals,
    intake: triage.intake,
    handoffs: triage.handoffs,
    logger,
    version: "0.0.0-test",
    ...(options.elicitation === undefined ? {} : { elicitation: options.elicitation }),
    // The card's tokens keep the same time as the service unless a test moves their clock.
    card: { clock: () => now, ...options.card },
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client(options.clientInfo ?? { name: "protocol-test", version: "1.0.0" }, {
    capabilities: options.clientCapabilities ?? {},
  });
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  return {
    client,
    triage,
    data,
    logs: logger.lines,
    async call(name, args = {}) {
      const raw = (await client.callTool({ name, arguments: args })) as CallToolResult;
      const text = raw.content
        .filter((c) => c.type === "text")
        .map((c) => (c as { text: string }).text)
        .join("\n");
      return { ok: raw.isError !== true, text, structured: raw.structuredContent, raw };
    },
    async close() {
      await client.close();
      await server.close();
      await triage.close();
      rmSync(data.root, { recursive: true, force: true });
    },
  };
}

/** The newest audit event of the harness's runtime. */
export async function lastAuditEvent(h: Pick<Harness, "triage">): Promise<AuditEvent> {
  const { total } = await h.triage.service.auditEvents({ offset: 0, limit: 1 });
  const event = (await h.triage.service.auditEvents({ offset: total - 1, limit: 1 })).items[0];
  if (event === undefined) throw new Error("the audit log is empty");
  return event;
}

/** Creates a ticket through `create_ticket` (a harmless one unless `input` says otherwise); its id. */
export async function createTicket(
  h: Pick<Harness, "call">,
  input: Record<string, unknown> = {},
): Promise<string> {
  const r = await h.call("create_ticket", {
    subject: "Invoice address is wrong",
    description: "Please change the billing address on our invoices.",
    customer: { name: "Acme", plan: "team", region: "eu-west", vip: false },
    ...input,
  });
  if (!r.ok) throw new Error(r.text);
  return (r.structured as { ticket: { id: string } }).ticket.id;
}

/**
 * Starts harnesses for one test file, each closed after the test that started it. Call at the
 * top of the file; `defaults` apply to every harness it starts.
 */
export function harnessesFor(defaults: HarnessOptions = {}): (options?: HarnessOptions) => Promise<Harness> {
  const open: Harness[] = [];
  afterEach(async () => {
    for (const h of open.splice(0)) await h.close();
  });
  return async (options = {}) => {
    const h = await startHarness({ ...defaults, ...options });
    open.push(h);
    return h;
  };
}
