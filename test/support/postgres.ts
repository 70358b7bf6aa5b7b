import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { createDatabase, dropDatabase } from "../../scripts/postgres/cluster.js";

// The test file's PostgreSQL database (created on first use, dropped after the file's tests),
// and fresh places in it: each place is a schema of its own, so every test can start from an
// empty store while the file's tests share one database (files run in parallel, each in its own).

/** The server's admin URL, "" when the PostgreSQL tests are skipped. */
export const POSTGRES_ADMIN_URL: string = inject("postgresAdminUrl");
export const POSTGRES_SKIP =
  POSTGRES_ADMIN_URL === "" ? "no PostgreSQL server (see the notice above)" : undefined;

let database: Promise<string> | undefined;

/** This file's database (created on first call). */
export function fileDatabase(): Promise<string> {
  if (database === undefined) {
    database = createDatabase(POSTGRES_ADMIN_URL, "test");
    const created = database;
    afterAll(async () => {
      await dropDatabase(POSTGRES_ADMIN_URL, await created);
    });
  }
  return database;
}

/** A URL whose tables live in a new, empty schema of this file's database. */
export async function freshSchemaUrl(label = "s"): Promise<string> {
  const url = await fileDatabase();
  const schema = `${label.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const u = new URL(url);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

/** Runs one query on `url` (a place's URL) and returns the rows. */
export async function sql<R extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}
