import { rmSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult, ClientCapabilities } from "@modelcontextprotocol/sdk/types.js";
import type { ApprovalMode } from "../../src/config.js";
import { createMemoryLogger } from "../../src/logging.js";
import type { ElicitationOptions } from "../../src/mcp/ask-human.js";
import { createServer } from "../../src/mcp/server.js";
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
      minutesSaved: 8,
      ...(options.approvalMode === undefined ? {} : { approvalMode: options.approvalMode }),
      ...(options.securityNeedsHumanChannel === undefined
        ? {}
        : { securityNeedsHumanChannel: options.securityNeedsHumanChannel }),
    },
    logger,
    { clock: () => now },
  );
  const server = createServer({
    service: triage.service,
    approvals: triage.approvals,
    intake: triage.intake,
    handoffs: triage.handoffs,
    logger,
    version: "0.0.0-test",
    ...(options.elicitation === undefined ? {} : { elicitation: options.elicitation }),
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
