import type pg from "pg";
import { unavailable } from "../core/transaction.js";
import { describeDatabase, storeErrorOf, withOwnClient } from "./connection.js";

// The schema, as versioned migrations applied in order and recorded in triage_schema_migrations.
// A migration only adds (tables, columns, indexes): none drops or rewrites data. `db migrate`
// applies the missing ones under an advisory lock, so two operators cannot run them at once.
// A server refuses a schema newer than it knows, and an older one (run `db migrate`); an empty
// database (no triage table at all) is migrated on first start. See docs/postgres.md.

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Advisory lock keys (two-int form): class 0x7472 ("tr"), one object per purpose. */
export const LOCK_CLASS = 0x7472;
export const COMMIT_LOCK = 1;
export const SETUP_LOCK = 2;

/** Channel of the NOTIFY sent with every commit (payload: the new seq). */
export const NOTIFY_CHANNEL = "triage_events";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "audit log, store, import batches and query tables",
    sql: `
CREATE TABLE triage_store (
  singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  store_id      text NOT NULL,
  created_at    timestamptz NOT NULL,
  base_sha256   text NOT NULL,
  ticket_count  integer NOT NULL,
  seed          jsonb NOT NULL,
  base_body     text NOT NULL
);

CREATE TABLE audit_events (
  seq               bigint PRIMARY KEY CHECK (seq >= 0),
  id                text NOT NULL UNIQUE,
  occurred_at       timestamptz NOT NULL,
  action            text NOT NULL,
  ticket_id         text,
  actor             text NOT NULL,
  channel           text,
  recommendation_id text,
  prev_hash         text NOT NULL,
  hash              text NOT NULL UNIQUE,
  line              text NOT NULL
);
CREATE INDEX audit_events_ticket ON audit_events (ticket_id, seq);
CREATE INDEX audit_events_action_time ON audit_events (action, occurred_at);

CREATE FUNCTION triage_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is refused', TG_OP;
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION triage_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION triage_append_only();

CREATE TABLE import_batches (
  file          text PRIMARY KEY,
  sha256        text NOT NULL,
  ticket_count  integer NOT NULL,
  body          text NOT NULL,
  staged_at     timestamptz NOT NULL DEFAULT now(),
  committed_seq bigint UNIQUE REFERENCES audit_events (seq)
);

CREATE TABLE tickets (
  id            text PRIMARY KEY,
  subject       text NOT NULL,
  status        text NOT NULL,
  category      text,
  priority      text,
  team          text,
  assignee      text,
  customer_name text NOT NULL,
  customer_plan text NOT NULL,
  customer_vip  boolean NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  sla_due_at    timestamptz NOT NULL,
  sla_breached  boolean NOT NULL,
  revision      integer NOT NULL,
  external_id   text UNIQUE,
  body          jsonb NOT NULL
);
CREATE INDEX tickets_status_team ON tickets (status, team);

CREATE TABLE notes (
  ticket_id  text NOT NULL REFERENCES tickets (id),
  id         text NOT NULL,
  author     text NOT NULL,
  created_at timestamptz NOT NULL,
  body       text NOT NULL,
  PRIMARY KEY (ticket_id, id)
);

CREATE TABLE recommendations (
  id                  text PRIMARY KEY,
  ticket_id           text NOT NULL REFERENCES tickets (id),
  resolution          text NOT NULL,
  actor               text NOT NULL,
  category            text NOT NULL,
  priority            text NOT NULL,
  team                text NOT NULL,
  confidence          double precision NOT NULL,
  escalation_required boolean NOT NULL,
  required_team       text,
  created_at          timestamptz NOT NULL,
  resolved_at         timestamptz,
  resolved_by         text,
  approved_fields     text[],
  feedback            text,
  body                jsonb NOT NULL
);
CREATE INDEX recommendations_ticket ON recommendations (ticket_id);
CREATE INDEX recommendations_resolution ON recommendations (resolution, resolved_at);

CREATE TABLE handoffs (
  id                text PRIMARY KEY,
  ticket_id         text NOT NULL REFERENCES tickets (id),
  recommendation_id text NOT NULL REFERENCES recommendations (id),
  team              text NOT NULL,
  kind              text NOT NULL,
  channel           text NOT NULL,
  status            text NOT NULL,
  attempts          integer NOT NULL,
  created_at        timestamptz NOT NULL,
  created_by_seq    bigint NOT NULL REFERENCES audit_events (seq),
  next_attempt_at   timestamptz,
  body              jsonb NOT NULL
);
CREATE INDEX handoffs_status ON handoffs (status);
`,
  },
  {
    version: 2,
    name: "state snapshots",
    sql: `
CREATE TABLE state_snapshots (
  seq        bigint PRIMARY KEY REFERENCES audit_events (seq),
  hash       text NOT NULL,
  sha256     text NOT NULL,
  bytes      bigint NOT NULL,
  body       bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
];

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);

export type SchemaState =
  | { readonly kind: "empty" }
  | { readonly kind: "current"; readonly version: number }
  | { readonly kind: "older"; readonly version: number }
  | { readonly kind: "newer"; readonly version: number }
  /** Tables of ours exist but no migration record: not a database this server set up. */
  | { readonly kind: "foreign"; readonly tables: readonly string[] };

const OUR_TABLES = [
  "triage_store",
  "audit_events",
  "import_batches",
  "tickets",
  "notes",
  "recommendations",
  "handoffs",
  "state_snapshots",
];

export async function schemaState(client: pg.ClientBase): Promise<SchemaState> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_name = ANY($1)`,
    [["triage_schema_migrations", ...OUR_TABLES]],
  );
  const names = rows.map((r) => r.name);
  if (!names.includes("triage_schema_migrations")) {
    return names.length === 0 ? { kind: "empty" } : { kind: "foreign", tables: names };
  }
  const applied = await client.query<{ version: number }>(
    "SELECT coalesce(max(version), 0)::int AS version FROM triage_schema_migrations",
  );
  const version = applied.rows[0]?.version ?? 0;
  if (version === SCHEMA_VERSION) return { kind: "current", version };
  return version > SCHEMA_VERSION ? { kind: "newer", version } : { kind: "older", version };
}

/** Why a server cannot start on this schema, or undefined when it can (current, or empty: migrated). */
export function schemaRefusal(state: SchemaState, where: string): string | undefined {
  switch (state.kind) {
    case "newer":
      return (
        `The database ${where} has schema version ${state.version}, newer than this server knows (${SCHEMA_VERSION}). ` +
        `Upgrade support-triage-mcp on this machine; nothing was changed.`
      );
    case "older":
      return (
        `The database ${where} has schema version ${state.version}; this server needs ${SCHEMA_VERSION}. ` +
        `Run \`support-triage-mcp db migrate\` (npm run db:migrate; with TRIAGE_DATABASE_URL set), then start again.`
      );
    case "foreign":
      return (
        `The database ${where} holds tables named like ours (${state.tables.join(", ")}) but no triage_schema_migrations: ` +
        `it was not set up by support-triage-mcp. Use an empty database; nothing was changed.`
      );
    default:
      return undefined;
  }
}

const MIGRATIONS_TABLE = `
CREATE TABLE triage_schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
`;

export interface MigrateResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly Migration[];
}

/**
 * Applies the missing migrations in order, each in its own transaction with its record, under
 * the setup lock. Refuses a newer or foreign schema. Never drops anything.
 */
export async function migrate(client: pg.ClientBase, where: string): Promise<MigrateResult> {
  await client.query("SELECT pg_advisory_lock($1, $2)", [LOCK_CLASS, SETUP_LOCK]);
  try {
    const state = await schemaState(client);
    if (state.kind === "newer" || state.kind === "foreign")
      throw unavailable(schemaRefusal(state, where) ?? "");
    const from = state.kind === "empty" ? 0 : state.version;
    // The record table is created with the first migration, in its transaction.
    let prelude = state.kind === "empty" ? MIGRATIONS_TABLE : "";
    const applied: Migration[] = [];
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      await client.query("BEGIN");
      try {
        await client.query(prelude + migration.sql);
        prelude = "";
        await client.query("INSERT INTO triage_schema_migrations (version, name) VALUES ($1, $2)", [
          migration.version,
          migration.name,
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      applied.push(migration);
    }
    return { from, to: SCHEMA_VERSION, applied };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1, $2)", [LOCK_CLASS, SETUP_LOCK]).catch(() => undefined);
  }
}

/** `db migrate`: brings the database at `url` to this build's schema (nothing to do: `applied` is empty). */
export async function migrateDatabase(url: string): Promise<MigrateResult & { readonly database: string }> {
  const where = describeDatabase(url);
  return withOwnClient(url, async (client) => {
    try {
      return { ...(await migrate(client, where)), database: where };
    } catch (error) {
      throw storeErrorOf(error, url, "cannot be migrated; nothing was changed by the failed step");
    }
  });
}
