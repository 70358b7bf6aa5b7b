import { createHash, randomBytes } from "node:crypto";
import { IMPORT_FILE_PATTERN } from "../../domain/audit-events.js";
import { DomainError } from "../../domain/errors.js";
import { ticketSchema, type Ticket } from "../../domain/schemas.js";
import type { BatchRead } from "./reducer.js";

// The bytes of an import batch, whichever backend keeps them (a file under imports/, a row of a
// database table): a JSON array with one ticket per line. The event records their sha256, so the
// hash chain covers the imported tickets; both backends check and parse them here.

const CHUNK = 2000;

/**
 * Validates the tickets of a batch to stage. Throws INVALID_INPUT for a ticket that is not a
 * valid Ticket or an id listed twice; nothing may be written then.
 */
export function validateBatchTickets(tickets: readonly Ticket[]): Ticket[] {
  const parsed: Ticket[] = [];
  const ids = new Set<string>();
  tickets.forEach((raw, i) => {
    const result = ticketSchema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new DomainError(
        "INVALID_INPUT",
        `Import ticket [${i}] is invalid at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "?"}. Nothing was imported.`,
      );
    }
    if (ids.has(result.data.id)) {
      throw new DomainError(
        "INVALID_INPUT",
        `Import ticket [${i}] repeats id ${result.data.id}. Nothing was imported.`,
      );
    }
    ids.add(result.data.id);
    parsed.push(result.data);
  });
  return parsed;
}

/** Writes the batch's bytes in pieces (a large batch need never be one string). */
export function encodeBatch(tickets: readonly Ticket[], write: (chunk: string) => void): void {
  write("[");
  for (let i = 0; i < tickets.length; i += CHUNK) {
    const lines = tickets.slice(i, i + CHUNK).map((t) => JSON.stringify(t));
    write(`${i === 0 ? "\n" : ",\n"}${lines.join(",\n")}`);
  }
  write(tickets.length === 0 ? "]\n" : "\n]\n");
}

/** A new batch name: `<writer tag>-<pid>-<random>.json` (the writer tag says which host wrote it). */
export function newBatchName(writerTag: string): string {
  return `${writerTag}-${process.pid}-${randomBytes(8).toString("hex")}.json`;
}

/** The tickets of a batch's bytes, checked against the sha256 its event recorded. */
export function decodeBatch(file: string, bytes: Buffer | string, sha256: string): BatchRead {
  if (!IMPORT_FILE_PATTERN.test(file)) return { problem: `${file} is not a batch file name`, damaged: false };
  if (createHash("sha256").update(bytes).digest("hex") !== sha256) {
    return { problem: `${file} does not match the sha256 recorded in its event`, damaged: true };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"));
  } catch {
    return { problem: `${file} is not JSON`, damaged: false };
  }
  if (!Array.isArray(raw)) return { problem: `${file} is not a JSON array of tickets`, damaged: false };
  const tickets: Ticket[] = [];
  for (let i = 0; i < raw.length; i++) {
    const result = ticketSchema.safeParse(raw[i]);
    if (!result.success) {
      const issue = result.error.issues[0];
      return {
        problem: `${file} [${i}] is not a valid ticket at ${issue?.path.join(".") ?? "?"}: ${issue?.message ?? "?"}`,
        damaged: false,
      };
    }
    tickets.push(result.data);
  }
  return { tickets };
}
