// A server entry for checks that start a fresh runtime directory per case (the contract check):
// `TARGET_CMD="node scripts/postgres/database-per-root.mjs"` with TRIAGE_ADMIN_DATABASE_URL set
// (a superuser's URL, e.g. from `npm run db:throwaway`). Each TRIAGE_DATA_ROOT gets a database of
// its own (created on first use, named after the directory), so a fresh directory is a fresh
// store and a restart on the same directory finds its store again. Then the built server starts.
import { createHash } from "node:crypto";
import process from "node:process";
import { URL } from "node:url";
import pg from "pg";

const admin = process.env.TRIAGE_ADMIN_DATABASE_URL;
const root = process.env.TRIAGE_DATA_ROOT;
if (admin === undefined || root === undefined) {
  process.stderr.write("database-per-root: set TRIAGE_ADMIN_DATABASE_URL and TRIAGE_DATA_ROOT\n");
  process.exit(2);
}
const name = `triage_root_${createHash("sha256").update(root).digest("hex").slice(0, 16)}`;
const client = new pg.Client({ connectionString: admin });
await client.connect();
try {
  await client.query(`CREATE DATABASE ${name} TEMPLATE template0`);
} catch (error) {
  if (error.code !== "42P04") throw error; // exists: a restart on the same directory
} finally {
  await client.end();
}
const url = new URL(admin);
url.pathname = `/${name}`;
process.env.TRIAGE_DATABASE_URL = url.toString();
await import("../../dist/index.js");
