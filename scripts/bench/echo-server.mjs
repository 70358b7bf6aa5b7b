// The floor of the benchmark: the smallest useful MCP server on the same SDK, with one trivial
// tool, run with plain node exactly like dist/index.js. Whatever the triage server adds on top
// of this round trip is its own cost.
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
await server.connect(new StdioServerTransport());
