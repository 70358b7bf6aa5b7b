import type { z } from "zod";
import { APPROVABLE_FIELDS, ESCALATION_REASONS } from "../enums.js";
import { RENAME_SECTIONS, type WorkspaceFile } from "./file.js";

// What the shape cannot say: what refers to what. Every problem is reported, each with the path
// of the value at fault (`teams[3].members[0]: "ana" is also in teams[1]`), so one run of
// `config check` lists everything to fix.

export interface WorkspaceProblem {
  /** Where in the file, like `teams[3].members[0]` or `routing.security.team`; "" for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** `["teams", 3, "members", 0]` -> `teams[3].members[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** One line per problem: `path: message`. */
export function describeProblem(problem: WorkspaceProblem): string {
  if (problem.message === SHAPE_FIRST) return problem.message;
  return `${problem.path === "" ? "(top level)" : problem.path}: ${problem.message}`;
}

/** Said after shape problems: what refers to what is checked once the shape holds. */
export const SHAPE_FIRST =
  "(references between values, such as routing teams and members, are checked once these are fixed)";

/** The shape's problems (unknown keys, wrong kinds, out of range), by path. */
export function shapeProblems(issues: readonly z.core.$ZodIssue[]): WorkspaceProblem[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return {
        path: formatPath(issue.path),
        message: `unknown key${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((k) => `"${k}"`).join(", ")} (see schemas/workspace.schema.json)`,
      };
    }
    if (issue.code === "invalid_type" && /received undefined$/.test(issue.message)) {
      return { path: formatPath(issue.path), message: `is missing (expected ${issue.expected})` };
    }
    return { path: formatPath(issue.path), message: issue.message };
  });
}

/** Lower case, NFKC, runs of space, "_", "-" and "." as one space, trimmed: how names are compared. */
export function foldKey(value: string): string {
  return value
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s_.-]+/g, " ")
    .trim();
}

const quote = (value: string): string => JSON.stringify(value);

type Listed = "categories" | "priorities" | "statuses" | "teams" | "plans";
const SINGULAR: Record<Listed, string> = {
  categories: "category",
  priorities: "priority",
  statuses: "status",
  teams: "team",
  plans: "plan",
};

/** Every reference and uniqueness problem of a file whose shape is valid. */
export function referenceProblems(file: WorkspaceFile): WorkspaceProblem[] {
  const problems: WorkspaceProblem[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  const ids = (list: Listed): Set<string> => new Set(file[list].map((v) => v.id));

  // Ids are unique in each list; aliases name one value of their list.
  for (const list of ["categories", "priorities", "statuses", "teams", "plans"] as const) {
    const names = new Map<string, string>();
    file[list].forEach((value, i) => {
      const at = `${list}[${i}]`;
      const key = foldKey(value.id);
      const before = names.get(key);
      if (before !== undefined) add(`${at}.id`, `${quote(value.id)} is also ${before}`);
      else names.set(key, `${at}.id`);
    });
    file[list].forEach((value, i) => {
      value.aliases.forEach((alias, j) => {
        const at = `${list}[${i}].aliases[${j}]`;
        const key = foldKey(alias);
        const before = names.get(key);
        if (before !== undefined && before !== `${list}[${i}].id`)
          add(at, `${quote(alias)} is also ${before}`);
        else names.set(key, at);
      });
    });
  }

  // Statuses: one initial, at least one closed, never both.
  const initial = file.statuses.flatMap((s, i) => (s.initial ? [i] : []));
  if (initial.length === 0)
    add("statuses", "no status is initial: mark the status of a new ticket with initial: true");
  for (const i of initial.slice(1)) {
    add(`statuses[${i}].initial`, `only one status can be initial; statuses[${initial[0]}] is too`);
  }
  if (!file.statuses.some((s) => s.closed)) {
    add("statuses", "no status is closed: mark the status of a finished ticket with closed: true");
  }
  file.statuses.forEach((s, i) => {
    if (s.initial && s.closed) add(`statuses[${i}]`, "a status cannot be both initial and closed");
  });

  // Teams: a handle belongs to one team; the on-call handle is a member.
  const memberOf = new Map<string, number>();
  file.teams.forEach((team, i) => {
    team.members.forEach((member, j) => {
      const before = memberOf.get(member);
      if (before === i) add(`teams[${i}].members[${j}]`, `${quote(member)} is listed twice`);
      else if (before !== undefined)
        add(`teams[${i}].members[${j}]`, `${quote(member)} is also in teams[${before}]`);
      else memberOf.set(member, i);
    });
    if (!team.members.includes(team.onCall)) {
      add(`teams[${i}].onCall`, `${quote(team.onCall)} is not a member of ${quote(team.id)}`);
    }
  });

  // Plans: per-priority targets name priorities.
  const priorities = ids("priorities");
  file.plans.forEach((plan, i) => {
    for (const priority of Object.keys(plan.targets.byPriority ?? {})) {
      if (!priorities.has(priority)) {
        add(
          `plans[${i}].targets.byPriority.${priority}`,
          `${quote(priority)} is not a priority (${list(priorities)})`,
        );
      }
    }
  });

  // Routing: teams that exist, and one winner.
  const teams = ids("teams");
  const byPrecedence = new Map<number, string>();
  for (const risk of ["security", "outage"] as const) {
    const rule = file.routing[risk];
    if (!teams.has(rule.team))
      add(`routing.${risk}.team`, `${quote(rule.team)} is not a team (${list(teams)})`);
    const before = byPrecedence.get(rule.precedence);
    if (before !== undefined) {
      add(
        `routing.${risk}.precedence`,
        `${rule.precedence} is also the precedence of routing.${before}: give each rule its own, the lowest wins`,
      );
    } else byPrecedence.set(rule.precedence, risk);
  }

  // Escalation thresholds that name priorities.
  listOf(
    file.escalation.highImpactPriorities,
    "escalation.highImpactPriorities",
    priorities,
    "priority",
    add,
  );

  // Approvable fields are ticket fields; routing needs the team field.
  listOf(
    file.approvableFields,
    "approvableFields",
    new Set(APPROVABLE_FIELDS),
    "ticket field a reviewer can approve",
    add,
  );
  if (!file.approvableFields.includes("team")) {
    add("approvableFields", '"team" is missing, but routing requires teams (routing.security.team): add it');
  }

  // Handoffs.
  listOf(file.handoffs.notifyOn, "handoffs.notifyOn", new Set(ESCALATION_REASONS), "escalation reason", add);
  listOf(file.handoffs.bugCardCategories, "handoffs.bugCardCategories", ids("categories"), "category", add);

  // Import.
  const plans = ids("plans");
  if (!plans.has(file.import.defaultPlan)) {
    add("import.defaultPlan", `${quote(file.import.defaultPlan)} is not a plan (${list(plans)})`);
  }

  // Renames: from a value that is gone to one that exists; never a cycle.
  for (const section of RENAME_SECTIONS) {
    const map = file.renames?.[section] ?? {};
    const current = ids(section);
    const what = SINGULAR[section];
    for (const [from, to] of Object.entries(map)) {
      const at = `renames.${section}.${from}`;
      if (current.has(from)) {
        add(at, `${quote(from)} is still a ${what}: only a value that is gone can be renamed`);
      } else if (map[to] !== undefined) {
        add(at, `${cycleOf(map, from)}: renames go from a value that is gone to one that exists`);
      } else if (!current.has(to)) {
        add(at, `${quote(to)} is not a ${what} (${list(current)})`);
      }
    }
  }
  return problems;
}

/** `a -> b -> a` (a cycle) or `a -> b -> c` (a chain through a value that is not current). */
function cycleOf(map: Readonly<Record<string, string>>, from: string): string {
  const seen = [from];
  let next = map[from];
  while (next !== undefined && !seen.includes(next)) {
    seen.push(next);
    next = map[next];
  }
  return next === undefined
    ? `${seen.map(quote).join(" -> ")} is a chain`
    : `${[...seen, next].map(quote).join(" -> ")} is a cycle`;
}

function list(values: ReadonlySet<string>): string {
  return [...values].join(", ");
}

function listOf(
  values: readonly string[],
  path: string,
  allowed: ReadonlySet<string>,
  what: string,
  add: (path: string, message: string) => void,
): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (!allowed.has(value)) add(`${path}[${i}]`, `${quote(value)} is not a ${what} (${list(allowed)})`);
    else if (seen.has(value)) add(`${path}[${i}]`, `${quote(value)} is listed twice`);
    seen.add(value);
  });
}
