import { DomainError } from "../../domain/errors.js";
import { encodeEvent, GENESIS_HASH } from "./event-codec.js";
import { seedSchema, type Ticket } from "../../domain/schemas.js";

// The tickets a new runtime starts from (the seed), whichever backend stores them: what a seed
// callback may return, and the one check every backend runs on it before initializing.

/** What a seed callback may return: the tickets, optionally with metadata to record. */
export interface SeedResult {
  readonly tickets: readonly Ticket[];
  readonly metadata?: Record<string, unknown> | undefined;
  /**
   * The caller already checked these tickets against seedSchema (ids unique) and hands over
   * objects nobody else holds (loadSeed does both): the store then skips its own, identical pass.
   */
  readonly validated?: boolean | undefined;
}
export type SeedSource = () => readonly Ticket[] | SeedResult | Promise<readonly Ticket[] | SeedResult>;

/** Calls the seed callback once and checks its tickets (unless the caller already did). */
export async function readSeed(
  seed: SeedSource,
  base: Record<string, unknown>,
): Promise<{ readonly tickets: readonly Ticket[]; readonly seedMetadata: Record<string, unknown> }> {
  const seeded = await seed();
  const {
    tickets: rawTickets,
    metadata,
    validated,
  } = Array.isArray(seeded)
    ? { tickets: seeded as readonly Ticket[], metadata: undefined, validated: false }
    : (seeded as SeedResult);
  const tickets = validated === true ? rawTickets : validateSeed(rawTickets);
  return { tickets, seedMetadata: { ...base, ...metadata } };
}

/** The exact bytes of a base ticket file: JSON.stringify of the array, built in batches. */
export function encodeBase(tickets: readonly Ticket[], write: (chunk: string) => void): void {
  const batch = 2000;
  write("[");
  for (let i = 0; i < tickets.length; i += batch) {
    const part = tickets.slice(i, i + batch).map((t) => JSON.stringify(t));
    write((i === 0 ? "" : ",") + part.join(","));
  }
  write("]");
}

function validateSeed(raw: readonly unknown[]): Ticket[] {
  const parsed = seedSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : ` at [${issue.path.join(".")}]`;
    throw new DomainError(
      "INVALID_INPUT",
      `The seed tickets are invalid${where}: ${issue?.message ?? "unknown problem"}. Nothing was initialized.`,
    );
  }
  const seen = new Set<string>();
  for (const t of parsed.data) {
    if (seen.has(t.id)) {
      throw new DomainError("INVALID_INPUT", `The seed lists ticket ${t.id} twice. Nothing was initialized.`);
    }
    seen.add(t.id);
  }
  return parsed.data;
}

/** The seq-0 event of a new store, encoded: the chain starts the same way in every backend. */
export function initializationEvent(fields: {
  readonly id: string;
  readonly createdAt: string;
  readonly tickets: number;
  readonly storeId: string;
  readonly baseSha256: string;
  readonly seed: Record<string, unknown>;
}): { line: string; hash: string } {
  return encodeEvent({
    seq: 0,
    id: fields.id,
    timestamp: fields.createdAt,
    action: "runtime-initialized",
    ticketId: null,
    actor: "system",
    data: {
      tickets: fields.tickets,
      storeId: fields.storeId,
      baseSha256: fields.baseSha256,
      seed: fields.seed,
    },
    prevHash: GENESIS_HASH,
  });
}
