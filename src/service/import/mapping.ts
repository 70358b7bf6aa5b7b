import { INTAKE_LIMITS, LIMITS } from "../../domain/inputs.js";
import type { Ticket } from "../../domain/schemas.js";
import { maskSecrets } from "../../domain/secrets/index.js";
import { slaDeadline } from "../../domain/policy/sla.js";
import { planOf, type Workspace } from "../../domain/workspace/index.js";
import type { ColumnMapping, ImportField } from "./columns.js";
import type { ImportStats } from "./stats.js";
import type { RawRow, RawValue } from "./table.js";
import { foldKey, importValuesFor, parseBoolean, parseDate, type ImportValues } from "./values.js";

// One export row -> one ticket (without its id: ids are assigned under the runtime lock, at
// commit). Problems that make a row unusable are row errors; values we can default are
// defaulted and counted; values we do not understand get the documented default and a warning.

/**
 * Size bounds of imported text: an export is untrusted input like any tool call, and an imported
 * ticket must fit what create_ticket accepts.
 */
export const IMPORT_LIMITS = {
  subject: INTAKE_LIMITS.subject,
  description: INTAKE_LIMITS.description,
  externalId: 200,
  customer: INTAKE_LIMITS.customerName,
  region: INTAKE_LIMITS.region,
  email: INTAKE_LIMITS.email,
  tag: LIMITS.tag,
  tags: LIMITS.tags,
} as const;

/**
 * What a field becomes when its cell is empty (or, with a warning, not understood). The status and
 * the plan are the workspace's: its initial status and import.defaultPlan.
 */
export const IMPORT_DEFAULTS = {
  region: "unknown",
  customer: "unknown",
  vip: false,
} as const;

/** A created date later than the clock by more than this is refused (clock skew allowance). */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export type ImportTicket = Omit<Ticket, "id" | "relatedTicketIds">;

/** A valid row, waiting for its id. */
export interface ImportCandidate {
  readonly line: number;
  readonly externalId: string | undefined;
  /** The ticket's id in the source (reference format): what related ids refer to. */
  readonly sourceId?: string;
  /** Source ids of related tickets (reference format), resolved to ours at commit. */
  readonly related: readonly string[];
  readonly ticket: ImportTicket;
  /** Kinds of the secrets masked in its text (subject, description, customer, region, email, tags). */
  readonly masked: readonly string[];
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function text(value: RawValue | undefined): string {
  if (value === undefined) return "";
  return typeof value === "string" ? value : value.join(", ");
}

/** Subject: one line, single spaces. */
function cleanSubject(value: string): string {
  return value.replace(/\s+/g, " ").trim();
}

/** Description: line ends as LF, outer blank space removed. */
function cleanDescription(value: string): string {
  return value.replace(/\r\n?/g, "\n").trim();
}

/** Tags split on "," or ";", masked (before folding: secret formats are case-sensitive), folded. */
function tagsOf(value: RawValue | undefined, mask: (tag: string) => string): string[] {
  const items = value === undefined ? [] : typeof value === "string" ? value.split(/[,;]/) : value;
  const out: string[] = [];
  for (const item of items) {
    const tag = mask(item.trim()).toLowerCase().replace(/\s+/g, "-");
    if (tag !== "" && !out.includes(tag)) out.push(tag);
  }
  return out;
}

const iso = (d: Date): string => d.toISOString();

/** `value` with its secrets masked; their kinds are appended to `kinds`. */
export function maskInto(value: string, kinds: string[]): string {
  const result = maskSecrets(value);
  for (const m of result.masked) kinds.push(m.kind);
  return result.text;
}

/** Distinct short values whose masking is remembered (customer names, regions, tags repeat). */
const MASK_CACHE_LIMIT = 20_000;

export class RowMapper {
  private readonly maskCache = new Map<string, { text: string; kinds: readonly string[] }>();

  private readonly values: ImportValues;

  constructor(
    private readonly mapping: ColumnMapping,
    private readonly stats: ImportStats,
    private readonly now: Date,
    private readonly workspace: Workspace,
  ) {
    this.values = importValuesFor(workspace);
  }

  /** maskInto for values that repeat across rows: each distinct value is scanned once. */
  private maskRepeated(value: string, kinds: string[]): string {
    let hit = this.maskCache.get(value);
    if (hit === undefined) {
      const found: string[] = [];
      hit = { text: maskInto(value, found), kinds: found };
      if (this.maskCache.size < MASK_CACHE_LIMIT) this.maskCache.set(value, hit);
    }
    kinds.push(...hit.kinds);
    return hit.text;
  }

  private cell(row: RawRow, field: ImportField): RawValue | undefined {
    const index = this.mapping.fields.get(field);
    return index === undefined ? undefined : row.values[index];
  }

  /** Maps a row; undefined when it is bad (the reasons are recorded in the stats). */
  map(row: RawRow): ImportCandidate | undefined {
    const stats = this.stats;
    if (row.error !== undefined) {
      stats.rowError(row.line, [row.error]);
      return undefined;
    }
    const problems: string[] = [];
    const line = row.line;
    const get = (field: ImportField): string => text(this.cell(row, field)).trim();

    // Text: secrets masked in the stored copy, then bounded (the stored copy is what counts).
    const rawSubject = cleanSubject(text(this.cell(row, "subject")));
    if (rawSubject === "") problems.push("missing subject");
    const masked: string[] = [];
    const subject = maskInto(rawSubject, masked);
    const description = maskInto(cleanDescription(text(this.cell(row, "description"))), masked);
    if (subject.length > IMPORT_LIMITS.subject) {
      problems.push(`subject is ${subject.length} characters, at most ${IMPORT_LIMITS.subject}`);
    }
    if (description.length > IMPORT_LIMITS.description) {
      problems.push(`description is ${description.length} characters, at most ${IMPORT_LIMITS.description}`);
    }
    if (description === "") this.defaulted("description");

    // Dates.
    let createdAt = this.now;
    const createdRaw = get("createdAt");
    if (createdRaw === "") {
      stats.warn("created-missing", line, "no created date: the import time was used");
    } else {
      const parsed = parseDate(createdRaw);
      if ("error" in parsed) problems.push(`created date: ${parsed.error}`);
      else {
        createdAt = parsed.date;
        if (parsed.assumedUtc)
          stats.warn("date-without-zone", line, "a date without a time zone was read as UTC");
        if (createdAt.getTime() > this.now.getTime() + FUTURE_TOLERANCE_MS) {
          problems.push(`created date ${iso(createdAt)} is in the future`);
        }
      }
    }
    let updatedAt = createdAt;
    const updatedRaw = get("updatedAt");
    if (updatedRaw !== "") {
      const parsed = parseDate(updatedRaw);
      if ("error" in parsed) problems.push(`updated date: ${parsed.error}`);
      else if (parsed.date.getTime() < createdAt.getTime()) {
        stats.warn(
          "updated-before-created",
          line,
          "an updated date before the created date was set to the created date",
        );
      } else if (parsed.date.getTime() > this.now.getTime() + FUTURE_TOLERANCE_MS) {
        problems.push(`updated date ${iso(parsed.date)} is in the future`);
      } else {
        updatedAt = parsed.date;
        if (parsed.assumedUtc)
          stats.warn("date-without-zone", line, "a date without a time zone was read as UTC");
      }
    }

    // Enumerations.
    const ws = this.workspace;
    const status = this.enumValue("status", get("status"), line, ws.initialStatus);
    const priority = this.enumValue("priority", get("priority"), line, undefined);
    const category = this.enumValue("category", get("category"), line, undefined);
    const team = this.enumValue("team", get("team"), line, undefined);
    const plan = this.enumValue("plan", get("plan"), line, ws.importDefaults.plan);
    const vip = this.vip(get("vip"), line);

    // Customer.
    let customerName = this.maskRepeated(get("customer").replace(/\s+/g, " "), masked);
    if (customerName === "") {
      this.defaulted("customer");
      customerName = IMPORT_DEFAULTS.customer;
    } else if (customerName.length > IMPORT_LIMITS.customer) {
      problems.push(`customer is ${customerName.length} characters, at most ${IMPORT_LIMITS.customer}`);
    }
    let region = this.maskRepeated(get("region"), masked);
    if (region === "") {
      this.defaulted("region");
      region = IMPORT_DEFAULTS.region;
    } else if (region.length > IMPORT_LIMITS.region) {
      problems.push(`region is ${region.length} characters, at most ${IMPORT_LIMITS.region}`);
    }
    let email: string | undefined = this.maskRepeated(get("email"), masked);
    if (email === "") email = undefined;
    else if (email.length > IMPORT_LIMITS.email) {
      problems.push(`email is ${email.length} characters, at most ${IMPORT_LIMITS.email}`);
    } else if (!EMAIL.test(email)) {
      stats.warn("invalid-email", line, "a value that is not an email address was left out");
      email = undefined;
    }

    // Tags and the external id.
    const tags = tagsOf(this.cell(row, "tags"), (tag) => this.maskRepeated(tag, masked));
    const longTag = tags.find((t) => t.length > IMPORT_LIMITS.tag);
    if (longTag !== undefined) {
      problems.push(
        `tag "${longTag.slice(0, 20)}..." is ${longTag.length} characters, at most ${IMPORT_LIMITS.tag}`,
      );
    }
    if (tags.length > IMPORT_LIMITS.tags) problems.push(`${tags.length} tags, at most ${IMPORT_LIMITS.tags}`);
    let externalId: string | undefined = get("externalId");
    if (externalId === "") {
      externalId = undefined;
      stats.warn(
        "no-external-id",
        line,
        "a row without an external id cannot be recognized by a later import of a changed file",
      );
    } else if (externalId.length > IMPORT_LIMITS.externalId) {
      problems.push(`external id is ${externalId.length} characters, at most ${IMPORT_LIMITS.externalId}`);
    } else {
      const earlier = stats.claimExternalId(externalId, line);
      if (earlier !== undefined) problems.push(`external id "${externalId}" is also on line ${earlier}`);
    }

    if (problems.length > 0) {
      stats.rowError(line, problems);
      return undefined;
    }
    const planDef = planOf(ws, plan);
    if (planDef === undefined) throw new Error(`plan "${plan}" is not in the workspace`);
    const deadline = slaDeadline(planDef, vip, createdAt, priority);
    const ticket: ImportTicket = {
      createdAt: iso(createdAt),
      updatedAt: iso(updatedAt),
      customer: {
        name: customerName,
        plan,
        region,
        vip,
        ...(email === undefined ? {} : { email }),
      },
      subject,
      description,
      status,
      ...(category === undefined ? {} : { category }),
      ...(priority === undefined ? {} : { priority }),
      ...(team === undefined ? {} : { team }),
      tags,
      sla: { responseDueAt: iso(deadline), breached: deadline.getTime() <= this.now.getTime() },
      revision: 0,
      ...(externalId === undefined ? {} : { externalId }),
    };
    return { line, externalId, related: [], ticket, masked };
  }

  /** Counts an empty cell of a column the file has (a field without a column is not "empty"). */
  private defaulted(field: ImportField): void {
    if (this.mapping.fields.has(field)) this.stats.defaulted(field);
  }

  private enumValue<D extends string | undefined>(
    field: "status" | "priority" | "category" | "team" | "plan",
    raw: string,
    line: number,
    fallback: D,
  ): string | D {
    if (raw === "") {
      this.defaulted(field);
      return fallback;
    }
    const to = this.values[field].get(foldKey(raw));
    this.stats.value(field, raw, to ?? fallback ?? null, to !== undefined);
    if (to !== undefined) return to;
    this.stats.warn(`unknown-${field}`, line, unknownMessage(field, this.workspace));
    return fallback;
  }

  private vip(raw: string, line: number): boolean {
    if (raw === "") {
      this.defaulted("vip");
      return IMPORT_DEFAULTS.vip;
    }
    const value = parseBoolean(raw);
    this.stats.value("vip", raw, String(value ?? IMPORT_DEFAULTS.vip), value !== undefined);
    if (value === undefined) {
      this.stats.warn("unknown-vip", line, UNKNOWN_MESSAGE.vip);
      return IMPORT_DEFAULTS.vip;
    }
    return value;
  }
}

function unknownMessage(
  field: "status" | "priority" | "category" | "team" | "plan",
  workspace: Workspace,
): string {
  switch (field) {
    case "status":
      return `an unknown status was set to ${workspace.initialStatus}`;
    case "plan":
      return `an unknown plan was read as ${workspace.importDefaults.plan} (its SLA target applies)`;
    default:
      return `an unknown ${field} was left unset (triage sets it)`;
  }
}

const UNKNOWN_MESSAGE = { vip: "a VIP flag that is not yes/no was read as no" } as const;
