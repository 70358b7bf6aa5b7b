import { randomUUID } from "node:crypto";
import type pg from "pg";
import { parseAuditEvent } from "../../domain/audit-events.js";
import type { Ticket } from "../../domain/schemas.js";
import { sha256Hex } from "../core/event-codec.js";
import { encodeBase, initializationEvent, readSeed, type SeedSource } from "../core/seed.js";
import { StoreState } from "../core/state.js";
import { reachStep } from "../core/steps.js";
import { unavailable } from "../core/transaction.js";
import { decodeRow } from "./events.js";
import { LOCK_CLASS, SETUP_LOCK, type SchemaState } from "./schema.js";
import { insertEvent, upsertTickets } from "./tables.js";

// First start on an empty database, and loading an initialized one. Initialization is one SQL
// transaction under the setup lock: the store row (the manifest, with the base tickets' exact
// bytes), the tickets table, and the seq-0 event, all or nothing; of several servers starting at
// once, one initializes and the others find it done. The seq-0 event is the file store's:
// runtime-initialized with {tickets, storeId, baseSha256, seed}, so the chain starts the same way.

export interface InitOptions {
  readonly seed: SeedSource;
  readonly seedMetadata: Record<string, unknown>;
  readonly newId: () => string;
  readonly clock: () => Date;
  readonly info: (message: string) => void;
}

/** The base as its exact bytes and their sha256 (as base/tickets.json would hold them). */
export function baseBody(tickets: readonly Ticket[]): { readonly body: string; readonly sha256: string } {
  const parts: string[] = [];
  encodeBase(tickets, (chunk) => parts.push(chunk));
  const body = parts.join("");
  return { body, sha256: sha256Hex(body) };
}

/** True when the schema exists and holds an initialized store. */
export async function holdsStore(client: pg.ClientBase, schema: SchemaState): Promise<boolean> {
  if (schema.kind === "empty") return false;
  return ((await client.query("SELECT 1 FROM triage_store")).rowCount ?? 0) > 0;
}

/** Initializes the database from the seed unless it is initialized; true when this call did it. */
export async function initializeDatabase(client: pg.ClientBase, options: InitOptions): Promise<boolean> {
  const exists = await client.query("SELECT 1 FROM triage_store");
  if (exists.rowCount !== 0) return false;
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_CLASS, SETUP_LOCK]);
    const again = await client.query("SELECT 1 FROM triage_store");
    if (again.rowCount !== 0) {
      await client.query("ROLLBACK");
      return false;
    }
    const { tickets, seedMetadata } = await readSeed(options.seed, options.seedMetadata);
    const base = baseBody(tickets);
    const storeId = randomUUID();
    const createdAt = options.clock().toISOString();
    await client.query(
      `INSERT INTO triage_store (store_id, created_at, base_sha256, ticket_count, seed, base_body)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [storeId, createdAt, base.sha256, tickets.length, JSON.stringify(seedMetadata), base.body],
    );
    await upsertTickets(client, tickets);
    reachStep("init.base-written");
    const { line } = initializationEvent({
      id: options.newId(),
      createdAt,
      tickets: tickets.length,
      storeId,
      baseSha256: base.sha256,
      seed: seedMetadata,
    });
    await insertEvent(client, decodeRow(0, line), line);
    reachStep("init.log-written");
    await client.query("COMMIT");
    options.info(`initialized the database with ${tickets.length} tickets`);
    return true;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

export interface StoreRow {
  readonly storeId: string;
  readonly baseSha256: string;
}

/**
 * The store row, and the state before the first event: the base tickets, checked against their
 * sha256. Without `withState` (a snapshot is the starting point) the base is not read at all.
 */
export async function loadBase(
  client: pg.ClientBase,
  where: string,
  withState = true,
): Promise<{ state: StoreState; row: StoreRow }> {
  const { rows } = await client.query<{ store_id: string; base_sha256: string; base_body: string | null }>(
    `SELECT store_id, base_sha256, ${withState ? "base_body" : "NULL AS base_body"} FROM triage_store`,
  );
  const row = rows[0];
  if (row === undefined) throw unavailable(`The database ${where} is not initialized. Retry in a moment.`);
  const stored = { storeId: row.store_id, baseSha256: row.base_sha256 };
  if (row.base_body === null) return { state: StoreState.fromBase([]), row: stored };
  if (sha256Hex(row.base_body) !== row.base_sha256) {
    throw unavailable(
      `The base tickets in triage_store of ${where} do not match the hash recorded at initialization: they were modified. ` +
        `Restore the database from a backup, or run audit:verify --database-url for details.`,
    );
  }
  const tickets = JSON.parse(row.base_body) as Ticket[];
  return { state: StoreState.fromBase(tickets), row: stored };
}

/** Checks that seq 0 is this store's initialization event. */
export function checkFirstEvent(
  state: StoreState,
  first: Parameters<typeof parseAuditEvent>[0],
  row: StoreRow,
  where: string,
): void {
  const typed = parseAuditEvent(first);
  if (
    state.lastSeq < 0 ||
    !("event" in typed) ||
    typed.event.action !== "runtime-initialized" ||
    typed.event.data.storeId !== row.storeId ||
    typed.event.data.baseSha256 !== row.baseSha256
  ) {
    throw unavailable(
      `The audit log of ${where} does not start with this store's initialization event. Run audit:verify.`,
    );
  }
}
