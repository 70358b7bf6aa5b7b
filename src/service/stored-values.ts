import type { Ticket } from "../domain/schemas.js";
import { LISTED_FIELDS, type ListedField, type Workspace } from "../domain/workspace/index.js";
import type { StoreView } from "../store/index.js";

// Values stored tickets carry that the workspace no longer has: a team renamed, a category
// dropped, a status merged. Found at start (and by `config check --data-root`), listed by field and
// value with counts and a few ticket ids, so the operator can map them (`renames`) or decide to
// keep them (TRIAGE_KEEP_UNKNOWN_VALUES=1).

/** The ticket fields whose values come from a workspace list. */
export const STORED_FIELDS = LISTED_FIELDS;
export type StoredField = ListedField;

const SECTION = {
  category: "categories",
  priority: "priorities",
  team: "teams",
  status: "statuses",
} as const satisfies Record<StoredField, keyof Workspace["renames"]>;

export interface UnknownValue {
  readonly field: StoredField;
  readonly value: string;
  /** Tickets that carry it. */
  readonly count: number;
  /** The first few of them, in insertion order. */
  readonly ticketIds: readonly string[];
  /** What the workspace's `renames` maps it to, if anything. */
  readonly renamedTo?: string | undefined;
}

const EXAMPLES = 3;

function knownValues(workspace: Workspace): Record<StoredField, ReadonlySet<string>> {
  return {
    category: new Set(workspace.vocabulary.categories),
    priority: new Set(workspace.vocabulary.priorities),
    team: new Set(workspace.vocabulary.teams),
    status: new Set(workspace.vocabulary.statuses),
  };
}

/** Every stored value the workspace lacks. Cheap when there is none (counts, not a scan). */
export function unknownStoredValues(view: StoreView, workspace: Workspace): UnknownValue[] {
  const known = knownValues(workspace);
  const stats = view.openTicketStats({ closedStatuses: [] });
  const byField = { category: stats.byCategory, priority: stats.byPriority, team: stats.byTeam };
  const suspect = (Object.keys(byField) as (keyof typeof byField)[]).some((field) =>
    Object.keys(byField[field]).some((value) => !known[field].has(value)),
  );
  const withKnownStatus = workspace.vocabulary.statuses.reduce(
    (sum, status) => sum + view.listTickets({ status }, { offset: 0, limit: 0 }).total,
    0,
  );
  if (!suspect && withKnownStatus === view.ticketCount()) return [];

  return unknownValuesIn(view.ticketsByInsertion(0), workspace);
}

/** Every value of `tickets` the workspace lacks (a seed file's, before a runtime is made from it). */
export function unknownValuesIn(tickets: Iterable<Ticket>, workspace: Workspace): UnknownValue[] {
  const known = knownValues(workspace);
  const found = new Map<string, { field: StoredField; value: string; count: number; ticketIds: string[] }>();
  for (const ticket of tickets) {
    for (const field of STORED_FIELDS) {
      const value = ticket[field];
      if (value === undefined || known[field].has(value)) continue;
      const key = `${field}\u0000${value}`;
      let entry = found.get(key);
      if (entry === undefined) {
        entry = { field, value, count: 0, ticketIds: [] };
        found.set(key, entry);
      }
      entry.count += 1;
      if (entry.ticketIds.length < EXAMPLES) entry.ticketIds.push(ticket.id);
    }
  }
  // By field, then the most used first.
  const order = (v: UnknownValue) => STORED_FIELDS.indexOf(v.field);
  return [...found.values()]
    .map((entry) => ({ ...entry, renamedTo: workspace.renames[SECTION[entry.field]][entry.value] }))
    .sort((a, b) => order(a) - order(b) || b.count - a.count);
}

/** One line per value: `team "infra": 12 tickets (TKT-1001, TKT-1002, ...)`. */
export function describeUnknownValue(value: UnknownValue): string {
  const more = value.count > value.ticketIds.length ? ", ..." : "";
  const mapped = value.renamedTo === undefined ? "" : ` -> renamed to "${value.renamedTo}"`;
  return (
    `${value.field} "${value.value}": ${value.count} ticket${value.count === 1 ? "" : "s"} ` +
    `(${value.ticketIds.join(", ")}${more})${mapped}`
  );
}

/** The section of `renames` that maps a field's values. */
export function renameSectionOf(field: StoredField): keyof Workspace["renames"] {
  return SECTION[field];
}
