import type { ApprovableField, EscalationReason, Risk } from "../enums.js";
import {
  describeProblem,
  referenceProblems,
  SHAPE_FIRST,
  shapeProblems,
  type WorkspaceProblem,
} from "./check.js";
import {
  RENAME_SECTIONS,
  workspaceFileSchema,
  type RenameSection,
  type RoutedRisk,
  type WorkspaceFile,
} from "./file.js";

// The workspace as the server uses it: parsed and checked once at start, then immutable and
// passed down (createServer, the services, the policy). Nothing reads the file again, and no
// module keeps a workspace of its own.

export interface ValueDef {
  readonly id: string;
  readonly description?: string | undefined;
  readonly aliases: readonly string[];
}

export interface StatusDef extends ValueDef {
  readonly initial: boolean;
  readonly closed: boolean;
}

/** A team as list_teams and team://{id} show it. */
export interface TeamRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly members: readonly string[];
  readonly onCall: string;
  readonly channel: string;
}

export interface TargetPair {
  readonly standard: number;
  readonly vip: number;
}

export interface PlanDef extends ValueDef {
  readonly targets: TargetPair & { readonly byPriority: Readonly<Record<string, TargetPair>> };
}

/** A risk that requires a team, from a level on; the lowest precedence wins when several apply. */
export interface RoutingRule {
  readonly risk: RoutedRisk;
  readonly from: Exclude<Risk, "none">;
  readonly team: string;
  readonly precedence: number;
}

/** What the pure policy functions need: routing, thresholds, the approvable fields. */
export interface TriagePolicy {
  /** Ordered by precedence, the winner first. */
  readonly routing: readonly RoutingRule[];
  readonly lowConfidenceBelow: number;
  /** A ticket due within this many ms is at risk. */
  readonly atRiskWindowMs: number;
  readonly highImpactPriorities: readonly string[];
  /** The fields a reviewer may approve, in the order reviewers see them. */
  readonly approvableFields: readonly ApprovableField[];
  /**
   * The values an approval may write into each listed field (a recommendation submitted before
   * the workspace changed may propose one it no longer has), and the file's renames of old ones.
   */
  readonly values: Readonly<
    Record<
      ListedField,
      { readonly ids: readonly string[]; readonly renames: Readonly<Record<string, string>> }
    >
  >;
}

/** The approvable fields whose values come from a workspace list. */
export const LISTED_FIELDS = ["category", "priority", "team", "status"] as const;
export type ListedField = (typeof LISTED_FIELDS)[number];

/** What the store's queue counts need: which statuses are done, and the at-risk window. */
export interface QueueRules {
  readonly closedStatuses: readonly string[];
  readonly atRiskWindowMs: number;
}

/** The ids of each list, in the file's order (never empty). */
export interface Vocabulary {
  readonly categories: readonly [string, ...string[]];
  readonly priorities: readonly [string, ...string[]];
  readonly statuses: readonly [string, ...string[]];
  readonly teams: readonly [string, ...string[]];
  readonly plans: readonly [string, ...string[]];
  readonly approvableFields: readonly [ApprovableField, ...ApprovableField[]];
}

export interface Workspace {
  readonly name: string;
  readonly description?: string | undefined;
  readonly categories: readonly ValueDef[];
  readonly priorities: readonly ValueDef[];
  readonly statuses: readonly StatusDef[];
  readonly teams: readonly TeamRecord[];
  readonly plans: readonly PlanDef[];
  readonly vocabulary: Vocabulary;
  /** Aliases for imports, per list: the team's own words for each id. */
  readonly aliases: Readonly<
    Record<
      "categories" | "priorities" | "statuses" | "teams" | "plans",
      Readonly<Record<string, readonly string[]>>
    >
  >;
  readonly initialStatus: string;
  readonly closedStatuses: readonly string[];
  readonly policy: TriagePolicy;
  readonly queue: QueueRules;
  readonly handoffs: {
    readonly notifyOn: readonly EscalationReason[];
    readonly bugCardCategories: readonly string[];
  };
  readonly importDefaults: { readonly plan: string };
  readonly minutesSavedPerApproval: number;
  readonly renames: Readonly<Record<RenameSection, Readonly<Record<string, string>>>>;
  /** The file as parsed (defaults filled in): what the config hash covers. */
  readonly file: WorkspaceFile;
}

export type WorkspaceResult =
  | { readonly workspace: Workspace; readonly problems?: undefined }
  | { readonly workspace?: undefined; readonly problems: readonly WorkspaceProblem[] };

/**
 * Checks a parsed file (JSON or YAML, already read) and builds the workspace, or lists every
 * problem by path. The shape is checked first; references are checked once the shape holds.
 */
export function parseWorkspace(raw: unknown): WorkspaceResult {
  const parsed = workspaceFileSchema.safeParse(raw);
  if (!parsed.success) {
    return { problems: [...shapeProblems(parsed.error.issues), { path: "", message: SHAPE_FIRST }] };
  }
  const problems = referenceProblems(parsed.data);
  if (problems.length > 0) return { problems };
  return { workspace: compileWorkspace(parsed.data) };
}

/** Throws with every problem listed; for files known to be valid (the bundled one, tests). */
export function workspaceOf(raw: unknown, what = "the workspace"): Workspace {
  const result = parseWorkspace(raw);
  if (result.workspace !== undefined) return result.workspace;
  throw new Error(`${what} is not valid:\n${result.problems.map(describeProblem).join("\n")}`);
}

const nonEmpty = <T>(values: readonly T[]): readonly [T, ...T[]] => {
  if (values.length === 0) throw new Error("an empty list passed the workspace schema");
  return values as readonly [T, ...T[]];
};

function value(v: { id: string; description?: string | undefined; aliases: string[] }): ValueDef {
  return {
    id: v.id,
    ...(v.description === undefined ? {} : { description: v.description }),
    aliases: v.aliases,
  };
}

function compileWorkspace(file: WorkspaceFile): Workspace {
  const routing: RoutingRule[] = (["security", "outage"] as const)
    .map((risk) => ({ risk, ...file.routing[risk] }))
    .sort((a, b) => a.precedence - b.precedence);
  const statuses = file.statuses.map((s) => ({ ...value(s), initial: s.initial, closed: s.closed }));
  const policy: TriagePolicy = {
    routing,
    lowConfidenceBelow: file.escalation.lowConfidenceBelow,
    atRiskWindowMs: file.escalation.slaAtRiskMinutes * 60_000,
    highImpactPriorities: file.escalation.highImpactPriorities,
    approvableFields: file.approvableFields as ApprovableField[],
    values: {
      category: { ids: file.categories.map((v) => v.id), renames: file.renames?.categories ?? {} },
      priority: { ids: file.priorities.map((v) => v.id), renames: file.renames?.priorities ?? {} },
      team: { ids: file.teams.map((v) => v.id), renames: file.renames?.teams ?? {} },
      status: { ids: file.statuses.map((v) => v.id), renames: file.renames?.statuses ?? {} },
    },
  };
  const closedStatuses = statuses.filter((s) => s.closed).map((s) => s.id);
  const aliasesOf = (list: readonly { id: string; aliases: readonly string[] }[]) =>
    Object.fromEntries(list.map((v) => [v.id, v.aliases]));
  const workspace: Workspace = {
    name: file.name,
    ...(file.description === undefined ? {} : { description: file.description }),
    categories: file.categories.map(value),
    priorities: file.priorities.map(value),
    statuses,
    teams: file.teams.map(({ aliases: _aliases, ...team }) => team),
    plans: file.plans.map((p) => ({
      ...value(p),
      targets: {
        standard: p.targets.standard,
        vip: p.targets.vip,
        byPriority: p.targets.byPriority ?? {},
      },
    })),
    vocabulary: {
      categories: nonEmpty(file.categories.map((c) => c.id)),
      priorities: nonEmpty(file.priorities.map((p) => p.id)),
      statuses: nonEmpty(statuses.map((s) => s.id)),
      teams: nonEmpty(file.teams.map((t) => t.id)),
      plans: nonEmpty(file.plans.map((p) => p.id)),
      approvableFields: nonEmpty(policy.approvableFields),
    },
    aliases: {
      categories: aliasesOf(file.categories),
      priorities: aliasesOf(file.priorities),
      statuses: aliasesOf(file.statuses),
      teams: aliasesOf(file.teams),
      plans: aliasesOf(file.plans),
    },
    initialStatus: statuses.find((s) => s.initial)?.id ?? "",
    closedStatuses,
    policy,
    queue: { closedStatuses, atRiskWindowMs: policy.atRiskWindowMs },
    handoffs: {
      notifyOn: file.handoffs.notifyOn as EscalationReason[],
      bugCardCategories: file.handoffs.bugCardCategories,
    },
    importDefaults: { plan: file.import.defaultPlan },
    minutesSavedPerApproval: file.metrics.minutesSavedPerApproval,
    renames: Object.fromEntries(
      RENAME_SECTIONS.map((s) => [s, file.renames?.[s] ?? {}]),
    ) as Workspace["renames"],
    file,
  };
  return deepFreeze(workspace);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// ---------- what the workspace says about one value ----------

export function planOf(workspace: Workspace, id: string): PlanDef | undefined {
  return workspace.plans.find((p) => p.id === id);
}

export function teamOf(workspace: Workspace, id: string): TeamRecord | undefined {
  return workspace.teams.find((t) => t.id === id);
}

/** The team a risk requires (the security team: routing.security.team). */
export function routedTeam(workspace: Pick<Workspace, "policy">, risk: RoutedRisk): string {
  const rule = workspace.policy.routing.find((r) => r.risk === risk);
  if (rule === undefined) throw new Error(`routing has no ${risk} rule`);
  return rule.team;
}
