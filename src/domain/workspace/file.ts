import { z } from "zod";
import { APPROVABLE_FIELDS, ESCALATION_REASONS, RISKS } from "../enums.js";

// The workspace file (TRIAGE_CONFIG): a team's own queue, as data. This schema checks its shape
// (every key known, every value of the right kind and in range); check.ts then checks what refers
// to what (a routing team that is a team, a member in one team only, ...). The JSON Schema that
// editors complete the file with is generated from this one (schemas/workspace.schema.json).

/** Ids of categories, statuses, teams and plans: lower-case slugs ("api-platform"). */
export const SLUG_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** Team ids are also resource URIs (team://{id}): letters and dashes only. */
export const TEAM_ID_PATTERN = /^[a-z]+(?:-[a-z]+)*$/;
/** Priority ids may be upper case ("P1"). */
export const PRIORITY_ID_PATTERN = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;

const slug = (what: string, pattern = SLUG_PATTERN, example = "api-platform") =>
  z
    .string()
    .max(40, `${what} ids are at most 40 characters`)
    .regex(pattern, `${what} ids are lower-case words joined by dashes, like "${example}"`);

const text = (max: number) => z.string().min(1).max(max);

const aliases = z
  .array(z.string().min(1).max(60))
  .max(40)
  .default([])
  .describe(
    "Other names for this value in helpdesk exports (import maps them to the id; case, spaces, dashes and underscores do not matter).",
  );

const valueSchema = (what: string, id: z.ZodString) =>
  z.strictObject({
    id: id.describe(`The ${what}'s id, as tools accept and return it.`),
    description: text(300).optional().describe(`What the ${what} means, for the docs and the client.`),
    aliases,
  });

export const categoryFileSchema = valueSchema("category", slug("category", SLUG_PATTERN, "account-access"));

export const priorityFileSchema = valueSchema(
  "priority",
  z
    .string()
    .max(20, "priority ids are at most 20 characters")
    .regex(PRIORITY_ID_PATTERN, 'priority ids are letters and digits, like "P1" or "urgent"'),
);

export const statusFileSchema = valueSchema("status", slug("status", SLUG_PATTERN, "in-progress")).extend({
  initial: z
    .boolean()
    .default(false)
    .describe("The status of a new ticket (create_ticket, and imported rows without one). Exactly one."),
  closed: z
    .boolean()
    .default(false)
    .describe("Tickets in this status are done: not open in the queue metrics. At least one."),
});

export const HANDLE_PATTERN = /^[a-z]+(?:[.-][a-z]+)*$/;
const handle = z.string().max(60).regex(HANDLE_PATTERN, "handles look like maria.chen");

export const teamFileSchema = z.strictObject({
  id: slug("team", TEAM_ID_PATTERN, "api-platform").describe("The team's id, as tools accept and return it."),
  name: text(120).describe("The team's name, as people read it."),
  description: text(500).describe("What the team handles; clients read it to route tickets."),
  members: z
    .array(handle)
    .min(1)
    .max(200)
    .describe(
      "Handles of the members: the valid assignees of the team's tickets. A handle is in one team only.",
    ),
  onCall: handle.describe("The member on call: named in the team's handoff notifications."),
  channel: z
    .string()
    .max(80)
    .regex(/^#[a-z0-9-]+$/, "channels look like #team-slug")
    .describe("The channel that receives the team's handoffs (#team-slug)."),
  aliases,
});

const minutes = (what: string) =>
  z
    .number()
    .int(`${what} is a whole number of minutes`)
    .min(1, `${what} is at least 1 minute`)
    .max(525_600, `${what} is at most a year (525600 minutes)`);

export const targetPairSchema = z.strictObject({
  standard: minutes("standard").describe("Minutes from creation to the response deadline."),
  vip: minutes("vip").describe("The same for a VIP customer."),
});

export const planFileSchema = z.strictObject({
  id: slug("plan", SLUG_PATTERN, "enterprise").describe("The plan's id, as create_ticket accepts it."),
  description: text(300).optional().describe("What the plan is, for the docs."),
  targets: targetPairSchema
    .extend({
      byPriority: z
        .record(z.string(), targetPairSchema)
        .optional()
        .describe(
          "Other targets for tickets that arrive with one of these priorities (imported with a priority); keys are priority ids.",
        ),
    })
    .describe("Response targets in minutes from creation, by VIP flag (and optionally by priority)."),
  aliases,
});

export const ROUTED_RISKS = ["security", "outage"] as const;
export type RoutedRisk = (typeof ROUTED_RISKS)[number];

export const routingRuleFileSchema = z.strictObject({
  from: z
    .enum(RISKS)
    .exclude(["none"])
    .describe("From this level of the risk on (possible, likely, confirmed), the rule applies."),
  team: z.string().describe("The team the ticket must end up with when the rule applies."),
  precedence: z
    .number()
    .int()
    .min(1)
    .max(100)
    .describe("When several rules apply, the lowest precedence decides the team. No two rules share one."),
});

export const workspaceFileSchema = z
  .strictObject({
    $schema: z.string().optional().describe("The JSON Schema of this file, for editors."),
    name: slug("workspace", SLUG_PATTERN, "acme-support").describe("A short name for this workspace."),
    description: text(500).optional().describe("What this workspace is for."),
    categories: z
      .array(categoryFileSchema)
      .min(1)
      .max(100)
      .describe("Ticket categories, in the order tools list them."),
    priorities: z.array(priorityFileSchema).min(1).max(20).describe("Ticket priorities, most urgent first."),
    statuses: z
      .array(statusFileSchema)
      .min(2)
      .max(30)
      .describe("Ticket statuses, in workflow order: one initial, at least one closed."),
    teams: z
      .array(teamFileSchema)
      .min(1)
      .max(100)
      .describe("Teams (queues): members, on-call handle and handoff channel."),
    plans: z
      .array(planFileSchema)
      .min(1)
      .max(30)
      .describe("Support plans and their response targets (the SLA deadline of a new ticket)."),
    routing: z
      .strictObject({
        security: routingRuleFileSchema.describe("A security risk requires this team."),
        outage: routingRuleFileSchema.describe("An outage risk requires this team."),
      })
      .describe(
        "Required routing: which team a risk (as the agent claims it, raised to what the server reads in the ticket) requires, and which rule wins when both apply.",
      ),
    escalation: z
      .strictObject({
        lowConfidenceBelow: z
          .number()
          .gt(0, "lowConfidenceBelow is above 0")
          .max(1, "lowConfidenceBelow is at most 1")
          .describe("A recommendation whose confidence is below this is escalated as low-confidence."),
        slaAtRiskMinutes: z
          .number()
          .int()
          .min(1, "slaAtRiskMinutes is at least 1")
          .max(10_080, "slaAtRiskMinutes is at most a week (10080)")
          .describe(
            "A ticket due within this many minutes is at risk (and its recommendations escalated as sla).",
          ),
        highImpactPriorities: z
          .array(z.string())
          .max(20)
          .describe(
            "Priorities whose recommendations are escalated when they list missing information (as are security and outage risks).",
          ),
      })
      .describe("Escalation thresholds."),
    approvableFields: z
      .array(z.string())
      .min(1)
      .max(20)
      .describe(
        `The ticket fields a reviewer may approve, in the order reviewers see them: some of ${APPROVABLE_FIELDS.join(", ")}.`,
      ),
    handoffs: z
      .strictObject({
        notifyOn: z
          .array(z.string())
          .max(ESCALATION_REASONS.length)
          .describe(
            `Escalation reasons whose approved routing notifies the team's channel: some of ${ESCALATION_REASONS.join(", ")}.`,
          ),
        bugCardCategories: z
          .array(z.string())
          .max(100)
          .describe("Categories whose notified approvals also get a bug card."),
      })
      .describe("Handoffs that an approval of an escalated routing enqueues."),
    import: z
      .strictObject({
        defaultPlan: z
          .string()
          .describe("The plan of an imported row without one, or with one no plan knows."),
      })
      .describe("How helpdesk exports are read."),
    metrics: z
      .strictObject({
        minutesSavedPerApproval: z
          .number()
          .min(0)
          .max(1440)
          .describe("Minutes counted per approved recommendation in the queue metrics."),
      })
      .describe("The queue metrics."),
    renames: z
      .strictObject({
        categories: z.record(z.string(), z.string()).optional(),
        priorities: z.record(z.string(), z.string()).optional(),
        statuses: z.record(z.string(), z.string()).optional(),
        teams: z.record(z.string(), z.string()).optional(),
      })
      .optional()
      .describe(
        "Values that stored tickets still carry, mapped to the values that replace them (old -> new). Applied once, " +
          "at the start that finds them, by an audited event; stored events are never rewritten.",
      ),
  })
  .describe("A support team's workspace: its taxonomy, teams, plans, routing and thresholds.");

export type WorkspaceFile = z.output<typeof workspaceFileSchema>;
export type WorkspaceFileInput = z.input<typeof workspaceFileSchema>;
export type RenameSection = keyof NonNullable<WorkspaceFile["renames"]>;
export const RENAME_SECTIONS = ["categories", "priorities", "statuses", "teams"] as const;
