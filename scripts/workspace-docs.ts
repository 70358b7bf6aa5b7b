// Renders what the bundled workspace says, so the docs can never drift from the file the server
// reads: the JSON Schema editors complete workspace files with (schemas/workspace.schema.json,
// from the zod schema), and the tables of categories, priorities, statuses, teams, plans and
// targets, and routing rules in the README and the Skill's references (between markers).
// `npm run docs` writes them; test/workspace-docs.test.ts fails when one is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { workspaceFileSchema, type Workspace } from "../src/domain/workspace/index.js";
import { loadWorkspace } from "../src/service/workspace.js";

export const SCHEMA_FILE = "schemas/workspace.schema.json";
export const WORKSPACE_START = "<!-- generated:workspace:start (npm run docs) -->";
export const WORKSPACE_END = "<!-- generated:workspace:end -->";
/** The files that carry the tables between the markers. */
export const WORKSPACE_DOCS = [
  "README.md",
  ".agents/skills/triaging-support-tickets/references/workspace.md",
];

/** The JSON Schema of a workspace file, as committed. */
export function renderWorkspaceSchema(): string {
  const schema = z.toJSONSchema(workspaceFileSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ title: "Workspace", ...schema }, null, 2)}\n`;
}

const cell = (text: string | undefined): string => (text ?? "").replace(/\|/g, "\\|");
const codes = (values: readonly string[]): string => values.map((v) => `\`${v}\``).join(", ");

/** The bundled workspace's lists and rules as Markdown tables. */
export function renderWorkspaceTables(w: Workspace): string {
  const routing = w.policy.routing.map(
    (r) => `| ${r.precedence} | \`${r.risk}\` from \`${r.from}\` | \`${r.team}\` |`,
  );
  return [
    `Workspace \`${w.name}\` (\`data/workspace.json\`; another one with \`TRIAGE_CONFIG\`).`,
    "",
    "| category | meaning |",
    "|---|---|",
    ...w.categories.map((c) => `| \`${c.id}\` | ${cell(c.description)} |`),
    "",
    "| priority | meaning |",
    "|---|---|",
    ...w.priorities.map((p) => `| \`${p.id}\` | ${cell(p.description)} |`),
    "",
    "| status | meaning |",
    "|---|---|",
    ...w.statuses.map(
      (s) =>
        `| \`${s.id}\`${s.initial ? " (new tickets)" : ""}${s.closed ? " (closed)" : ""} | ${cell(s.description)} |`,
    ),
    "",
    "| team | name | on call | channel |",
    "|---|---|---|---|",
    ...w.teams.map((t) => `| \`${t.id}\` | ${cell(t.name)} | \`${t.onCall}\` | \`${t.channel}\` |`),
    "",
    "| plan | response target (minutes) | VIP (minutes) |",
    "|---|---|---|",
    ...w.plans.map((p) => `| \`${p.id}\` | ${p.targets.standard} | ${p.targets.vip} |`),
    "",
    "| precedence | required routing when | team |",
    "|---|---|---|",
    ...routing,
    "",
    `Escalation: confidence below ${w.policy.lowConfidenceBelow} is \`low-confidence\`; a ticket due within ` +
      `${w.policy.atRiskWindowMs / 60_000} minutes is at risk (\`sla\`); missing information is escalated for ` +
      `${codes(w.policy.highImpactPriorities)}. Reviewers approve ${codes(w.policy.approvableFields)}.`,
  ].join("\n");
}

function between(text: string, file: string, body: string): string {
  const from = text.indexOf(WORKSPACE_START);
  const to = text.indexOf(WORKSPACE_END);
  if (from === -1 || to === -1 || to < from) {
    throw new Error(`${file} needs the markers ${WORKSPACE_START} and ${WORKSPACE_END}`);
  }
  return `${text.slice(0, from + WORKSPACE_START.length)}\n${body}\n${text.slice(to)}`;
}

/** A doc with its workspace section rewritten. */
export function renderWorkspaceDoc(text: string, file: string, workspace: Workspace): string {
  return between(text, file, renderWorkspaceTables(workspace));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.cwd();
  const workspace = loadWorkspace().workspace;
  const outputs: [string, (before: string) => string][] = [
    [SCHEMA_FILE, () => renderWorkspaceSchema()],
    ...WORKSPACE_DOCS.map((f): [string, (before: string) => string] => [
      f,
      (before) => renderWorkspaceDoc(before, f, workspace),
    ]),
  ];
  for (const [file, render] of outputs) {
    const path = resolve(root, file);
    let before: string;
    try {
      before = readFileSync(path, "utf8");
    } catch {
      before = "";
    }
    const after = render(before);
    writeFileSync(path, after);
    console.log(before === after ? `${file} already current.` : `${file} updated.`);
  }
}
