import { resolve } from "node:path";
import type { Ticket } from "../../src/domain/schemas.js";
import type { Workspace } from "../../src/domain/workspace/index.js";
import { loadWorkspace } from "../../src/service/workspace.js";
import { testTickets } from "./data.js";

// The workspaces the parameterised suites run against: the bundled one and the example one,
// which differs in every list. Expectations are derived from each workspace, never written twice.

const ROOT = resolve(import.meta.dirname, "../..");

export interface WorkspaceCase {
  readonly label: string;
  /** The file, as TRIAGE_CONFIG names it. */
  readonly file: string;
  readonly workspace: Workspace;
  /** The test seed with its values carried over to this workspace's lists. */
  readonly tickets: () => Ticket[];
}

const BUNDLED_FILE = resolve(ROOT, "data/workspace.json");
const EXAMPLE_FILE = resolve(ROOT, "examples/workspaces/consumer-helpdesk.yaml");
const bundled = loadWorkspace({ file: BUNDLED_FILE }).workspace;

/** A value of the bundled list -> the value at the same position (wrapping) of the other list. */
function carry(
  from: readonly string[],
  to: readonly string[],
  value: string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  const i = from.indexOf(value);
  return i === -1 ? value : to[i % to.length];
}

/** The test seed, its statuses, categories, priorities and teams those of `workspace`. */
export function ticketsFor(workspace: Workspace): Ticket[] {
  const a = bundled.vocabulary;
  const b = workspace.vocabulary;
  return testTickets().map((t) => {
    const out: Ticket = { ...t, status: carry(a.statuses, b.statuses, t.status) ?? b.statuses[0] };
    for (const [field, list] of [
      ["category", "categories"],
      ["priority", "priorities"],
      ["team", "teams"],
    ] as const) {
      const value = carry(a[list], b[list], t[field]);
      if (value !== undefined) out[field] = value;
    }
    return out;
  });
}

function workspaceCase(label: string, file: string): WorkspaceCase {
  const workspace = loadWorkspace({ file }).workspace;
  return { label, file, workspace, tickets: () => ticketsFor(workspace) };
}

export const WORKSPACES: readonly WorkspaceCase[] = [
  workspaceCase("bundled", BUNDLED_FILE),
  workspaceCase("consumer-helpdesk (example)", EXAMPLE_FILE),
];
