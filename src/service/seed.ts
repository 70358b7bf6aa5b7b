import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { DomainError } from "../domain/errors.js";
import { seedSchema, type Ticket } from "../domain/schemas.js";

export interface LoadedSeed {
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
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch (error) {
    throw new DomainError(
      "INVALID_INPUT",
      `Cannot read the seed file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}). Set TRIAGE_SEED_FILE to a JSON array of tickets.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new DomainError(
      "INVALID_INPUT",
      `The seed file ${file} is not valid JSON: ${(error as Error).message}`,
    );
  }
  const parsed = seedSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : ` at [${issue.path.join(".")}]`;
    throw new DomainError(
      "INVALID_INPUT",
      `The seed file ${file} is not a valid ticket array${where}: ${issue?.message ?? "unknown problem"}. Nothing was initialized.`,
    );
  }
  const seen = new Set<string>();
  for (const t of parsed.data) {
    if (seen.has(t.id)) {
      throw new DomainError(
        "INVALID_INPUT",
        `The seed file ${file} lists ticket ${t.id} twice. Nothing was initialized.`,
      );
    }
    seen.add(t.id);
  }
  const metadata: Record<string, unknown> = {
    file,
    sha256: createHash("sha256").update(raw).digest("hex"),
    tickets: parsed.data.length,
  };
  const epochFile = epochFileFor(file);
  if (!existsSync(epochFile)) return { tickets: parsed.data, metadata };

  const epochJson = epochFileSchema.safeParse(JSON.parse(readFileSync(epochFile, "utf8")));
  if (!epochJson.success) {
    throw new DomainError("INVALID_INPUT", `${epochFile} must be {"epoch": "<ISO timestamp>"}.`);
  }
  const minute = 60_000;
  const shiftMs = Math.round((now.getTime() - Date.parse(epochJson.data.epoch)) / minute) * minute;
  const tickets = parsed.data.map((t) => rebaseTicket(t, shiftMs));
  return {
    tickets,
    metadata: { ...metadata, rebase: { epoch: epochJson.data.epoch, shiftMs, rebasedAt: now.toISOString() } },
  };
}

function shift(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
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
