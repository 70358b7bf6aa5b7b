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

/** The test seed, its statuses, categories, priorities and teams carried to `workspace` (carryValue). */
export function ticketsFor(workspace: Workspace): Ticket[] {
  return testTickets().map((t) => carryLists(workspace, t));
}

/** A ticket with its status, category, priority and team carried to `workspace` (carryValue). */
function carryLists(workspace: Workspace, ticket: Ticket): Ticket {
  const out: Ticket = { ...ticket, status: carryValue(workspace, "statuses", ticket.status) };
  for (const [field, list] of [
    ["category", "categories"],
    ["priority", "priorities"],
    ["team", "teams"],
  ] as const) {
    const value = ticket[field];
    if (value !== undefined) out[field] = carryValue(workspace, list, value);
  }
  return out;
}

function workspaceCase(label: string, file: string): WorkspaceCase {
  const workspace = loadWorkspace({ file }).workspace;
  return { label, file, workspace, tickets: () => ticketsFor(workspace) };
}

export const WORKSPACES: readonly WorkspaceCase[] = [
  workspaceCase("bundled", BUNDLED_FILE),
  workspaceCase("consumer-helpdesk (example)", EXAMPLE_FILE),
];

// ---------- bundled test values, carried over by the part they play ----------

/** The lists a value of a test can come from. */
export type ValueList = "categories" | "priorities" | "statuses" | "teams" | "plans";

/**
 * The values of a list grouped by the part they play: the team each routing rule requires, the
 * initial status, the closed statuses, and all the others in the file's order.
 */
function roles(workspace: Workspace, list: ValueList): Map<string, readonly string[]> {
  const all = workspace.vocabulary[list];
  const special = new Map<string, readonly string[]>();
  if (list === "teams") {
    for (const rule of workspace.policy.routing) special.set(`routed:${rule.risk}`, [rule.team]);
  } else if (list === "statuses") {
    special.set("initial", [workspace.initialStatus]);
    special.set("closed", workspace.closedStatuses);
  }
  const taken = new Set([...special.values()].flat());
  return new Map([...special, ["other", all.filter((v) => !taken.has(v))]]);
}

/**
 * A value of the bundled workspace -> the value playing the same part in `workspace`: the security
 * team -> its security team, the initial status -> its initial status, a closed status -> a closed
 * one, any other value -> the value at the same position among its others (wrapping). The
 * identity on the bundled workspace; a value the bundled list lacks comes back unchanged.
 */
export function carryValue(workspace: Workspace, list: ValueList, value: string): string {
  for (const [role, values] of roles(bundled, list)) {
    const i = values.indexOf(value);
    if (i === -1) continue;
    const to = roles(workspace, list).get(role) ?? [];
    const target = to.length > 0 ? to : workspace.vocabulary[list];
    return target[i % target.length] as string;
  }
  return value;
}

/**
 * A response deadline of the bundled workspace -> one with the same SLA state in `workspace` at
 * `now`: a due inside the bundled at-risk window lands at the same fraction of this window, a due
 * beyond it stays as far beyond this one; breached stays breached.
 */
export function carryDue(workspace: Workspace, due: string, now: Date): string {
  const from = bundled.policy.atRiskWindowMs;
  const to = workspace.policy.atRiskWindowMs;
  const left = Date.parse(due) - now.getTime();
  if (!(left > 0)) return due;
  const moved = left <= from ? Math.round((left * to) / from) : left - from + to;
  return new Date(now.getTime() + moved).toISOString();
}

/** A ticket of the bundled test data with its values and SLA state carried over to `workspace`. */
export function carryTicket(workspace: Workspace, ticket: Ticket, now: Date): Ticket {
  return {
    ...carryLists(workspace, ticket),
    customer: { ...ticket.customer, plan: carryValue(workspace, "plans", ticket.customer.plan) },
    sla: { ...ticket.sla, responseDueAt: carryDue(workspace, ticket.sla.responseDueAt, now) },
  };
}

// ---------- values for the parameterised suites ----------

/** A value of another workspace's list that `workspace` does not have: what its tools refuse. */
export function foreignValue(workspace: Workspace, list: ValueList): string {
  const own = workspace.vocabulary[list];
  const foreign = WORKSPACES.flatMap((w) => w.workspace.vocabulary[list]).find((v) => !own.includes(v));
  if (foreign === undefined) throw new Error(`every workspace's ${list} are also ${workspace.name}'s`);
  return foreign;
}
