import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { writeTestData, type TestData } from "../support/data.js";
import { builtEntry } from "../support/built.js";
import { WORKSPACES } from "../support/workspaces.js";

// Two server processes on one runtime directory, each with its own SDK Client over stdio, on each
// workspace (TRIAGE_CONFIG): what one creates the other sees, and tickets created at the same time
// get distinct ids.

const REPO = resolve(import.meta.dirname, "../..");
const ENTRY = builtEntry("src/index.ts");
const clients: Client[] = [];
const roots: string[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

async function startServer(
  name: string,
  data: TestData,
  workspaceFile: string,
): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [ENTRY],
    cwd: REPO,
    env: {
      PATH: process.env.PATH ?? "",
      TRIAGE_DATA_ROOT: data.dataRoot,
      TRIAGE_SEED_FILE: data.seedFile,
      TRIAGE_KNOWLEDGE_ROOT: data.knowledgeRoot,
      TRIAGE_CONFIG: workspaceFile,
    },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name, version: "9.9.9" });
  await client.connect(transport);
  clients.push(client);
  return { client, stderr: () => stderr };
}

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const r = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = r.content.map((c) => (c.type === "text" ? c.text : "")).join("");
  expect(r.isError, text).not.toBe(true);
  return r.structuredContent as Record<string, unknown>;
}

describe.each(WORKSPACES)(
  "intake across processes on the $label workspace",
  ({ file, workspace, tickets }) => {
    const ticketArgs = (subject: string) => ({
      subject,
      description: `Report for ${subject}.`,
      customer: { name: "Globex", plan: workspace.vocabulary.plans[0], region: "us-east", vip: true },
    });

    it("shares created tickets and notes, and never hands out one id twice", async () => {
      const data = writeTestData(tickets());
      roots.push(data.root);
      const a = await startServer("process-a", data, file);
      const b = await startServer("process-b", data, file);

      const first = (await call(a.client, "create_ticket", ticketArgs("first from A"))).ticket as {
        id: string;
      };
      expect(first.id).toBe("TKT-3007");
      const seen = (await call(b.client, "get_ticket", { id: "TKT-3007" })).ticket as { subject: string };
      expect(seen.subject).toBe("first from A");

      const N = 5;
      const created = await Promise.all(
        Array.from({ length: N }, (_, i) => [
          call(a.client, "create_ticket", ticketArgs(`A-${i}`)),
          call(b.client, "create_ticket", ticketArgs(`B-${i}`)),
        ]).flat(),
      );
      const ids = created.map((r) => (r.ticket as { id: string }).id);
      expect(new Set(ids).size).toBe(2 * N);
      expect([...ids].sort()).toEqual(Array.from({ length: 2 * N }, (_, i) => `TKT-${3008 + i}`).sort());

      // Both processes see every ticket, each under the id its creator got.
      for (const client of [a.client, b.client]) {
        const page = await call(client, "list_tickets", { limit: 50 });
        expect(page.total).toBe(6 + 1 + 2 * N);
      }
      for (const r of created) {
        const t = r.ticket as { id: string; subject: string };
        const other = (
          await call(t.subject.startsWith("A") ? b.client : a.client, "get_ticket", { id: t.id })
        ).ticket as { subject: string };
        expect(other.subject).toBe(t.subject);
      }

      await call(b.client, "add_ticket_note", {
        ticketId: "TKT-3007",
        author: "maria.chen",
        body: "Seen by B.",
      });
      const noted = (await call(a.client, "get_ticket", { id: "TKT-3007" })).ticket as {
        notes: { body: string }[];
        revision: number;
      };
      expect(noted.notes.map((n) => n.body)).toEqual(["Seen by B."]);
      expect(noted.revision).toBe(0);

      // Each event names the process's client and its connection's session.
      const log = (await call(a.client, "get_audit_events", { limit: 50 })).events as {
        action: string;
        data?: { source?: { client?: { name: string }; session: string } };
      }[];
      const sources = log.filter((e) => e.action === "ticket-created").map((e) => e.data?.source);
      expect(sources).toHaveLength(1 + 2 * N);
      const sessionsByClient = new Map<string, Set<string>>();
      for (const s of sources) {
        const name = s?.client?.name ?? "";
        sessionsByClient.set(name, (sessionsByClient.get(name) ?? new Set()).add(s?.session ?? ""));
      }
      expect([...sessionsByClient.keys()].sort()).toEqual(["process-a", "process-b"]);
      const [sa] = [...(sessionsByClient.get("process-a") ?? [])];
      const [sb] = [...(sessionsByClient.get("process-b") ?? [])];
      expect(sessionsByClient.get("process-a")?.size).toBe(1);
      expect(sessionsByClient.get("process-b")?.size).toBe(1);
      expect(sa).not.toBe(sb);
      expect(a.stderr()).not.toMatch(/error/i);
      expect(b.stderr()).not.toMatch(/error/i);
    });
  },
);
