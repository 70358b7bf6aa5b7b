// The floor of the benchmark: the smallest useful MCP server on the same SDK, with one trivial
// tool, run with plain node exactly like dist/index.js. Whatever the triage server adds on top
// of this round trip is its own cost. Two more tools replay a large answer of the triage server
// (`keep` it once, then `answer` returns it as the triage server does: the JSON as text content
// and the object as structuredContent, no output schema to validate): what carrying that very
// answer costs on this SDK and transport, whatever the server does.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "bench-echo", version: "1.0.0" });
server.registerTool(
  "echo",
  {
    title: "Echo",
    description: "Returns its text unchanged.",
    inputSchema: { text: z.string().describe("Any text.") },
    outputSchema: { text: z.string() },
  },
  ({ text }) => ({ content: [{ type: "text", text }], structuredContent: { text } }),
);
const kept = new Map();
server.registerTool(
  "keep",
  {
    title: "Keep",
    description: "Keeps an answer under a name, for `answer` to return.",
    inputSchema: { name: z.string(), answer: z.record(z.string(), z.unknown()) },
  },
  ({ name, answer }) => {
    kept.set(name, answer);
    return { content: [{ type: "text", text: "kept" }] };
  },
);
server.registerTool(
  "answer",
  {
    title: "Answer",
    description: "Returns a kept answer as the triage server returns its answers, doing nothing else.",
    inputSchema: { name: z.string() },
  },
  ({ name }) => {
    const answer = kept.get(name) ?? {};
    return { content: [{ type: "text", text: JSON.stringify(answer) }], structuredContent: answer };
  },
);
await server.connect(new StdioServerTransport());
