// Renders the README's tools/resources/prompts tables from the tool definitions, and its
// configuration table from the variables src/config.ts declares, so the README can never drift
// from what tools/list serves or what the server reads. `npm run docs` rewrites the marked section;
// test/readme.test.ts fails when it is stale.
import { resolve } from "node:path";
import { z } from "zod";
import { withErrorCodeTable } from "../src/mcp/errors.js";
import { CONFIG_VARIABLES } from "../src/config.js";
import { annotationsFor } from "../src/mcp/tool.js";
import { toolsFor } from "../src/mcp/tools/index.js";
import { loadWorkspace } from "../src/service/workspace.js";
import { runGeneratedDocIfMain } from "./generated-doc.js";

/** The tools of a server on the bundled workspace. */
const { tools: TOOLS, appTools: APP_TOOLS } = toolsFor(loadWorkspace().workspace);

export const START = "<!-- generated:tools:start (npm run docs) -->";
export const END = "<!-- generated:tools:end -->";

function inputs(schema: z.ZodObject): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  const names = Object.keys(json.properties ?? {});
  if (names.length === 0) return "none";
  return names.map((n) => (required.has(n) ? `\`${n}\`` : `\`${n}?\``)).join(", ");
}

function kindLabel(kind: string): string {
  return kind === "read" ? "read" : kind === "write" ? "write (pending only)" : "finalize (human approval)";
}

export function renderTables(): string {
  const lines = [
    "| tool | kind | what it is for | inputs (`?` = optional) |",
    "|---|---|---|---|",
    ...[...TOOLS, ...APP_TOOLS].map((t) => {
      const a = annotationsFor(t);
      const hints = a.readOnlyHint === true ? "" : a.destructiveHint === true ? ", destructive" : "";
      const first = t.description.split(". ")[0]?.replace(/\|/g, "\\|") ?? "";
      const sentence = first.endsWith(".") ? first : `${first}.`;
      const audience = APP_TOOLS.includes(t)
        ? t.app?.appOnly === true
          ? " (MCP Apps clients, called by the review card only)"
          : " (MCP Apps clients only)"
        : "";
      return `| \`${t.name}\` | ${kindLabel(t.kind)}${hints} | ${sentence}${audience} | ${inputs(t.input)} |`;
    }),
    "",
    "| resource | content |",
    "|---|---|",
    "| `ticket://{id}` | the ticket as JSON (listable, ids complete) |",
    "| `knowledge://{id}` | the article's Markdown body (listable, ids complete) |",
    "| `audit://ticket/{id}` | the ticket's audit events as JSON, oldest first |",
    "| `metrics://queue` | the queue metrics as JSON |",
    "| `ui://support-triage/review-card.html` | the review card, `text/html;profile=mcp-app` (MCP Apps clients only) |",
    "",
    "| prompt | arguments | what it does |",
    "|---|---|---|",
    "| `triage_ticket` | `ticketId` | the governed triage of one ticket, stopping before approval |",
    "| `triage_queue` | `maximum?` (1..10, default 10) | triage the most urgent tickets, one recommendation each |",
    "| `review_escalations` | none | prepare pending escalated recommendations for a reviewer |",
  ];
  return lines.join("\n");
}

export const CONFIG_START = "<!-- generated:config:start (npm run docs) -->";
export const CONFIG_END = "<!-- generated:config:end -->";

/** The configuration table, from the one list of variables in src/config.ts. */
export function renderConfigTable(): string {
  return [
    "| variable | default | meaning |",
    "|---|---|---|",
    ...CONFIG_VARIABLES.map(
      (v) => `| ${v.names.map((n) => `\`${n}\``).join(" / ")} | ${v.default} | ${v.meaning} |`,
    ),
  ].join("\n");
}

function replaceBetween(text: string, start: string, end: string, body: string): string {
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) {
    throw new Error(`README.md needs the markers ${start} and ${end}`);
  }
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

/** The README with both generated sections rewritten (the configuration one when it has its markers). */
export function renderReadme(readme: string): string {
  const tools = replaceBetween(readme, START, END, renderTables());
  const config = tools.includes(CONFIG_START)
    ? replaceBetween(tools, CONFIG_START, CONFIG_END, renderConfigTable())
    : tools;
  return withErrorCodeTable(config);
}

await runGeneratedDocIfMain(import.meta.url, {
  name: "readme-tables",
  usage: `Usage: npx tsx scripts/readme-tables.ts [--check]

Rewrites the generated tables of README.md (tools, resources, prompts, configuration, error codes).
  --check      only say whether they are current (exit 1 when stale)
  -h, --help   show this help
`,
  path: resolve(process.cwd(), "README.md"),
  render: renderReadme,
  messages: {
    stale: "README.md tables are stale: run `npm run docs`.",
    current: "README.md tables are current.",
    unchanged: "README.md already current.",
    updated: "README.md tables updated.",
  },
});
