import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { DomainError } from "../domain/errors.js";
import { seedSchema, ticketSchema, type Ticket } from "../domain/schemas.js";

export interface LoadedSeed {
  /** Checked against seedSchema (ids unique), fresh objects: the store need not check again. */
  readonly tickets: Ticket[];
  readonly metadata: Record<string, unknown>;
}

const epochFileSchema = z.object({ epoch: z.iso.datetime({ offset: true }) }).loose();

/** `tickets.json` -> `tickets.epoch.json`: fixture times are relative to this epoch. */
export function epochFileFor(seedFile: string): string {
  return join(dirname(seedFile), `${basename(seedFile, ".json")}.epoch.json`);
}

/**
 * Reads and validates a seed file (the contract's JSON array of tickets). When an epoch file
 * sits beside it, every timestamp is shifted by (now - epoch), rounded to the minute, so bundled
 * fixtures show the same mix of healthy, at-risk and breached SLAs whatever the day. The shift
 * is recorded in the runtime manifest, so later starts never move the clock again.
 */
export function loadSeed(seedFile: string, now: Date): LoadedSeed {
  const file = resolve(seedFile);
  // In a helper so that the file's bytes and text can be collected before the tickets are copied.
  const { json, sha256 } = readJson(file);
  const invalid = (issue: z.core.$ZodIssue | undefined, path: readonly PropertyKey[]): DomainError => {
    const where = issue === undefined ? "" : ` at [${[...path, ...issue.path].map(String).join(".")}]`;
    return new DomainError(
      "INVALID_INPUT",
      `The seed file ${file} is not a valid ticket array${where}: ${issue?.message ?? "unknown problem"}. Nothing was initialized.`,
    );
  };
  if (!Array.isArray(json)) {
    const parsed = seedSchema.safeParse(json);
    throw invalid(parsed.success ? undefined : parsed.error.issues[0], []);
  }
  // Ticket by ticket (what seedSchema, an array of ticketSchema, does), each parsed element
  // replaced by its checked copy: the file is never held twice in memory.
  const items: unknown[] = json;
  for (let i = 0; i < items.length; i++) {
    const parsed = ticketSchema.safeParse(items[i]);
    if (!parsed.success) throw invalid(parsed.error.issues[0], [i]);
    items[i] = parsed.data;
  }
  const tickets = items as Ticket[];
  const seen = new Set<string>();
  for (const t of tickets) {
    if (seen.has(t.id)) {
      throw new DomainError(
        "INVALID_INPUT",
        `The seed file ${file} lists ticket ${t.id} twice. Nothing was initialized.`,
      );
    }
    seen.add(t.id);
  }
  const rebase = rebaseOf(file, now);
  if (rebase !== undefined) {
    for (let i = 0; i < tickets.length; i++) tickets[i] = rebaseTicket(tickets[i] as Ticket, rebase.shiftMs);
  }
  const metadata: Record<string, unknown> = { file, sha256, tickets: tickets.length };
  if (rebase === undefined) return { tickets, metadata };
  return {
    tickets,
    metadata: {
      ...metadata,
      rebase: { epoch: rebase.epoch, shiftMs: rebase.shiftMs, rebasedAt: now.toISOString() },
    },
  };
}

function readJson(file: string): { json: unknown; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new DomainError(
      "INVALID_INPUT",
      `Cannot read the seed file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Set TRIAGE_SEED_FILE to a JSON array of tickets.`,
    );
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  try {
    return { json: JSON.parse(bytes.toString("utf8")) as unknown, sha256 };
  } catch (error) {
    throw new DomainError(
      "INVALID_INPUT",
      `The seed file ${file} is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/** The shift to apply when an epoch file sits beside the seed, undefined otherwise. */
function rebaseOf(file: string, now: Date): { epoch: string; shiftMs: number } | undefined {
  const epochFile = epochFileFor(file);
  if (!existsSync(epochFile)) return undefined;
  const epochJson = epochFileSchema.safeParse(JSON.parse(readFileSync(epochFile, "utf8")));
  if (!epochJson.success) {
    throw new DomainError("INVALID_INPUT", `${epochFile} must be {"epoch": "<ISO timestamp>"}.`);
  }
  const minute = 60_000;
  const shiftMs = Math.round((now.getTime() - Date.parse(epochJson.data.epoch)) / minute) * minute;
  return { epoch: epochJson.data.epoch, shiftMs };
}

const MIN_TIME = Date.parse("0000-01-01T00:00:00.000Z");
const MAX_TIME = Date.parse("9999-12-31T23:59:59.999Z");

function shift(iso: string, ms: number): string {
  const time = Date.parse(iso) + ms;
  // A shift out of the four-digit years would produce a timestamp the ticket schema refuses
  // (the tickets are not validated again after the rebase).
  if (!(time >= MIN_TIME && time <= MAX_TIME)) {
    throw new DomainError("INVALID_INPUT", `Rebasing ${iso} by ${ms} ms leaves the years 0000 to 9999.`);
  }
  return new Date(time).toISOString();
}

export function rebaseTicket(t: Ticket, ms: number): Ticket {
  return {
    ...t,
    createdAt: shift(t.createdAt, ms),
    updatedAt: shift(t.updatedAt, ms),
    sla: { ...t.sla, responseDueAt: shift(t.sla.responseDueAt, ms) },
    ...(t.notes === undefined
      ? {}
      : { notes: t.notes.map((n) => ({ ...n, createdAt: shift(n.createdAt, ms) })) }),
  };
}
