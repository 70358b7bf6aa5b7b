import { createRequire } from "node:module";
import type pg from "pg";
import { DomainError } from "../../domain/errors.js";
import { unavailable } from "../core/transaction.js";

/**
 * node-postgres, loaded on first use: a server on the file store never imports it (about 40 ms of
 * every start).
 */
const require = createRequire(import.meta.url);
function driver(): typeof pg {
  return require("pg") as typeof pg;
}

// Connecting to PostgreSQL, and what a failure tells the operator. Every message names the
// database as host:port/name (never the password) and the error's code, and says what to check.
// TLS comes from the URL (sslmode, sslrootcert, sslcert, sslkey), as libpq reads it.

/** The database a URL names, for messages: `user@host:port/name`, without the password. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    const host = u.hostname === "" ? (u.searchParams.get("host") ?? "localhost") : u.hostname;
    const user = u.username === "" ? "" : `${decodeURIComponent(u.username)}@`;
    return `${user}${host}:${u.port === "" ? "5432" : u.port}${u.pathname === "" ? "/" : u.pathname}`;
  } catch {
    return "the database in TRIAGE_DATABASE_URL (the URL cannot be parsed)";
  }
}

/** The URL without its password (for a status line or a message). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** Throws a usage-grade message when `url` is not a PostgreSQL URL at all. */
export function checkDatabaseUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "TRIAGE_DATABASE_URL is not a URL: expected postgres://USER:PASSWORD@HOST:PORT/DATABASE";
  }
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") {
    return `TRIAGE_DATABASE_URL must start with postgres:// or postgresql://, not ${u.protocol}//`;
  }
  if (u.pathname === "" || u.pathname === "/") {
    return "TRIAGE_DATABASE_URL names no database: add /DATABASE after the host (postgres://HOST:5432/triage)";
  }
  return undefined;
}

export interface PoolOptions {
  readonly max?: number | undefined;
  readonly application?: string | undefined;
}

export function openPool(url: string, options: PoolOptions = {}): pg.Pool {
  const pool = new (driver().Pool)({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: options.application ?? "support-triage-mcp",
  });
  // An idle client whose connection dies (the server restarted) is dropped from the pool; the
  // next query connects afresh. Without a listener the error would crash the process.
  pool.on("error", () => undefined);
  return pool;
}

/** A new client outside the pool (LISTEN, initialization); connected. */
export async function connectClient(url: string): Promise<pg.Client> {
  const client = new (driver().Client)({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    application_name: "support-triage-mcp",
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/**
 * Runs `run` on a connection of its own (a command's, or a check's), ended afterwards. Failing to
 * connect is STORE_UNAVAILABLE saying what to check.
 */
export async function withOwnClient<R>(url: string, run: (client: pg.Client) => Promise<R>): Promise<R> {
  let client: pg.Client;
  try {
    client = await connectClient(url);
  } catch (error) {
    throw storeErrorOf(error, url, "cannot be reached");
  }
  try {
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

/** The error's code: a SQLSTATE from the server, or a Node network code. */
export function pgErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True when the error means the connection is gone (not a refusal by SQL). */
export function isConnectionError(error: unknown): boolean {
  const code = pgErrorCode(error);
  if (
    code !== undefined &&
    (CONNECTION_CODES.has(code) ||
      code.startsWith("08") ||
      code === "57P01" ||
      code === "57P02" ||
      code === "57P03")
  ) {
    return true;
  }
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|ECONNRESET|timeout expired/i.test(
    message,
  );
}

/**
 * A database failure as STORE_UNAVAILABLE, saying what to check. `what` says what failed and
 * whether anything was written ("cannot be written; nothing was committed").
 */
export function storeErrorOf(error: unknown, url: string, what: string): unknown {
  if (error instanceof DomainError) return error;
  const code = pgErrorCode(error);
  const where = describeDatabase(url);
  const detail = error instanceof Error ? error.message : String(error);
  const with_ = (hint: string, c = code ?? "no code"): DomainError =>
    unavailable(`The PostgreSQL database ${where} ${what} (${c}: ${detail}). ${hint}`, {
      database: where,
      ...(code === undefined ? {} : { pgCode: code }),
    });
  switch (code) {
    case "28P01":
    case "28000":
      return with_("Check the user and password in TRIAGE_DATABASE_URL, and pg_hba.conf on the server.");
    case "3D000":
      return with_(
        "The database does not exist: create it (createdb) or fix its name in TRIAGE_DATABASE_URL.",
      );
    case "53300":
      return with_("The server has no connection slot left: retry in a moment, or raise max_connections.");
    case "55P03":
      return with_("Another server held the commit lock too long: retry in a moment.");
    case "42501":
      return with_("The user lacks a privilege on the triage tables: grant it, or use the owner's account.");
    default:
      break;
  }
  if (
    code === "ECONNREFUSED" ||
    code === "ENOTFOUND" ||
    code === "EAI_AGAIN" ||
    code === "ETIMEDOUT" ||
    code === "EHOSTUNREACH"
  ) {
    return with_(
      `Check that PostgreSQL is running and reachable at that host and port (TRIAGE_DATABASE_URL), then retry.`,
    );
  }
  if (isConnectionError(error)) {
    return with_(
      "The connection was lost: check that the server is up; the next call reconnects.",
      code ?? "connection lost",
    );
  }
  if (/self[- ]signed|certificate|SSL|TLS/i.test(detail)) {
    return with_(
      "Check the TLS settings in TRIAGE_DATABASE_URL (sslmode, sslrootcert) against the server's certificate.",
    );
  }
  return error;
}
