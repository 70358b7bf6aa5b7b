// Process plumbing shared by the crash matrix and the soak: the built server as a stdio child
// driven by the SDK Client, the CLIs as plain children, small fixture files, and reading a
// runtime's state back (from disk and through a clean server) for the invariant checks.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { HandoffState } from "../../src/domain/handoffs.js";
import type { Recommendation, Ticket } from "../../src/domain/schemas.js";
import pg from "pg";
import { createDatabase, startCluster } from "../postgres/cluster.js";
import { readDatabase, readDisk, type DiskState, type ServedState } from "./invariants.js";

export const REPO = resolve(import.meta.dirname, "../..");
export const ENTRY = join(REPO, "dist/index.js");
const KNOWLEDGE_ROOT = join(REPO, "data/knowledge");

/** Exits with a hint when the server is not built; warns when src/ changed after the build. */
export function requireBuilt(): void {
  if (!existsSync(ENTRY)) {
    process.stderr.write(`${ENTRY} does not exist: run npm run build first.\n`);
    process.exit(2);
  }
  const newest = (dir: string): number => {
    let max = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      max = Math.max(max, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }
    return max;
  };
  if (newest(join(REPO, "src")) > newest(join(REPO, "dist"))) {
    process.stderr.write(
      "warning: src/ is newer than dist/: run npm run build first to test the current code.\n",
    );
  }
}

// ---------- options ----------

/** `--name value` and `--flag` options; unknown names are a usage error. */
export function parseOptions(
  argv: readonly string[],
  numeric: readonly string[],
  flags: readonly string[],
  usage: string,
): { values: Map<string, number>; flags: Set<string>; seed: string; store: "file" | "postgres" } {
  const values = new Map<string, number>();
  const set = new Set<string>();
  let seed = "reliability";
  let store: "file" | "postgres" = "file";
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n${usage}`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith("--") ? arg.slice(2).split("=", 2) : [undefined, undefined];
    if (name === "help" || arg === "-h") {
      process.stdout.write(usage);
      process.exit(0);
    }
    if (name !== undefined && flags.includes(name)) {
      set.add(name);
      continue;
    }
    if (name === undefined || (name !== "seed" && name !== "store" && !numeric.includes(name)))
      fail(`unknown argument "${arg}"`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === "") fail(`--${name} needs a value`);
    if (name === "seed") {
      seed = value as string;
      continue;
    }
    if (name === "store") {
      if (value !== "file" && value !== "postgres") fail(`--store must be file or postgres, got "${value}"`);
      store = value as "file" | "postgres";
      continue;
    }
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) fail(`--${name} must be a positive number, got "${value}"`);
    values.set(name as string, n);
  }
  return { values, flags: set, seed, store };
}

/**
 * Stores named by runtime directory, for harnesses that make many: with `--store postgres`, each
 * directory stands for a database of its own (created by fresh() or copied by copy(), as
 * CREATE DATABASE ... TEMPLATE), which its servers reach through TRIAGE_DATABASE_URL.
 */
export interface Places {
  readonly kind: "file" | "postgres";
  /** The server environment for `dir`'s store (besides serverEnv's own variables). */
  env(dir: string): Record<string, string>;
  /** An empty store at `dir` (a server initializes it on first start). */
  fresh(dir: string): Promise<void>;
  /** `to` becomes a copy of `from` (no server may be using `from`). */
  copy(from: string, to: string): Promise<void>;
  /** The audit log, base, batches and leftovers of `dir`'s store. */
  read(dir: string): Promise<DiskState>;
  /** True once `dir`'s store is initialized. */
  initialized(dir: string): Promise<boolean>;
  stop(): Promise<void>;
}

export async function openPlaces(kind: "file" | "postgres"): Promise<Places> {
  if (kind === "file") {
    return {
      kind,
      env: () => ({}),
      fresh: (dir) => Promise.resolve(void mkdirSync(dir, { recursive: true })),
      copy: (from, to) => Promise.resolve(cpSync(from, to, { recursive: true })),
      read: (dir) => Promise.resolve(readDisk(dir)),
      initialized: (dir) => Promise.resolve(existsSync(join(dir, "store.json"))),
      stop: () => Promise.resolve(),
    };
  }
  const cluster = await startCluster({ durable: true });
  const nameOf = (dir: string) => `triage_${createHash("sha256").update(dir).digest("hex").slice(0, 20)}`;
  const urlOf = (dir: string) => {
    const url = new URL(cluster.adminUrl);
    url.pathname = `/${nameOf(dir)}`;
    return url.toString();
  };
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: cluster.adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    kind,
    env: (dir) => ({ TRIAGE_DATABASE_URL: urlOf(dir) }),
    fresh: async (dir) => {
      mkdirSync(dir, { recursive: true });
      await admin(`CREATE DATABASE ${nameOf(dir)} TEMPLATE template0`);
    },
    copy: async (from, to) => {
      mkdirSync(to, { recursive: true });
      await admin(`CREATE DATABASE ${nameOf(to)} TEMPLATE ${nameOf(from)}`);
    },
    read: (dir) => readDatabase(urlOf(dir)),
    initialized: async (dir) => {
      const client = new pg.Client({ connectionString: urlOf(dir) });
      await client.connect();
      try {
        const found = await client.query("SELECT to_regclass('triage_store') IS NOT NULL AS t");
        if ((found.rows[0] as { t: boolean }).t !== true) return false;
        return ((await client.query("SELECT 1 FROM triage_store")).rowCount ?? 0) > 0;
      } finally {
        await client.end();
      }
    },
    stop: () => cluster.stop(),
  };
}

/** Where the servers under test keep their store: the runtime directory, or a fresh database. */
export interface StoreTarget {
  readonly kind: "file" | "postgres";
  /** Extra server environment (TRIAGE_DATABASE_URL for the database). */
  readonly env: Readonly<Record<string, string>>;
  readonly databaseUrl: string | undefined;
  stop(): Promise<void>;
}

/** `--store postgres`: a durable throwaway cluster (or TRIAGE_TEST_DATABASE_URL) and a new database. */
export async function openStoreTarget(kind: "file" | "postgres"): Promise<StoreTarget> {
  if (kind === "file") return { kind, env: {}, databaseUrl: undefined, stop: () => Promise.resolve() };
  const cluster = await startCluster({ durable: true });
  const url = await createDatabase(cluster.adminUrl, "reliability");
  return { kind, env: { TRIAGE_DATABASE_URL: url }, databaseUrl: url, stop: () => cluster.stop() };
}

// ---------- workspace and fixtures ----------

export interface Workspace {
  readonly dir: string;
  readonly seedFile: string;
  readonly seedTickets: readonly Ticket[];
  remove(): void;
}

/** Plain tickets: no text that the server's signal detectors would raise a risk on. */
export function makeSeedTickets(count: number): Ticket[] {
  const topics = [
    "printer driver",
    "invoice layout",
    "export column order",
    "dashboard colours",
    "report font",
  ];
  return Array.from({ length: count }, (_, i) => {
    const n = i + 1;
    const topic = topics[i % topics.length] as string;
    return {
      id: `TKT-${n}`,
      createdAt: "2026-01-05T09:00:00.000Z",
      updatedAt: "2026-01-05T09:00:00.000Z",
      customer: { name: `Customer ${n}`, plan: "team", region: "eu-west", vip: false },
      subject: `Question about the ${topic} (${n})`,
      description: `The customer asks how to change the ${topic} in their workspace. Nothing is broken.`,
      status: "new",
      ...(n % 3 === 0
        ? {}
        : { category: "other" as const, priority: "P4" as const, team: "support" as const }),
      tags: [],
      // Far in the future: no SLA escalation gets in the way of approvals.
      sla: { responseDueAt: "2099-01-01T00:00:00.000Z", breached: false },
      relatedTicketIds: [],
      revision: n % 3,
    };
  });
}

export function createWorkspace(label: string, seedCount: number): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `triage-reliability-${label}-`));
  const seedTickets = makeSeedTickets(seedCount);
  const seedFile = join(dir, "seed.json");
  writeFileSync(seedFile, JSON.stringify(seedTickets, null, 2));
  return { dir, seedFile, seedTickets, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The server's environment: only what is listed here, never the caller's TRIAGE_* variables. */
export function serverEnv(
  ws: Workspace,
  dataRoot: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    TRIAGE_DATA_ROOT: dataRoot,
    TRIAGE_SEED_FILE: ws.seedFile,
    TRIAGE_KNOWLEDGE_ROOT: KNOWLEDGE_ROOT,
    // The client here is a script: approvals arrive as chat approvals (confirm: true).
    TRIAGE_APPROVAL_MODE: "chat",
    ...extra,
  };
}

/** The crash hook's variables: the server dies (or pauses) at step `point` (test/support/crash.ts). */
export { crashEnv } from "../../test/support/crash.js";

// ---------- the server over stdio ----------

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export type CallOutcome =
  | { readonly kind: "ok"; readonly value: Record<string, unknown> }
  | { readonly kind: "refused"; readonly code: string; readonly message: string }
  /** No answer: the server died (or the call timed out) before replying. */
  | { readonly kind: "lost"; readonly error: string };

/** The SDK's transport, plus the child's exit status (which the transport does not report). */
class ObservedStdioTransport extends StdioClientTransport {
  private resolveExit: (exit: Exit) => void = () => undefined;
  readonly exited = new Promise<Exit>((r) => (this.resolveExit = r));

  override async start(): Promise<void> {
    await super.start();
    // The transport keeps its ChildProcess private; the pinned SDK names it _process.
    const child = (this as unknown as { _process?: ChildProcess })._process;
    if (child === undefined) throw new Error("the SDK transport no longer exposes its child process");
    child.once("exit", (code, signal) => this.resolveExit({ code, signal }));
  }
}

export class ServerProcess {
  private constructor(
    readonly client: Client,
    readonly pid: number,
    readonly exited: Promise<Exit>,
    private readonly log: { text: string },
  ) {}

  static async start(name: string, env: Record<string, string>): Promise<ServerProcess> {
    const transport = new ObservedStdioTransport({
      command: process.execPath,
      args: [ENTRY],
      cwd: REPO,
      env,
      stderr: "pipe",
    });
    const log = { text: "" };
    // Keep the tail only; reading also keeps the pipe drained.
    (transport.stderr as Readable | null)?.on("data", (chunk: Buffer) => {
      log.text = (log.text + chunk.toString("utf8")).slice(-200_000);
    });
    const client = new Client({ name, version: "1.0.0" });
    // A connection error (the server died on start) must not surface as an unhandled event.
    client.onerror = () => undefined;
    try {
      await client.connect(transport, { timeout: 60_000 });
    } catch (error) {
      throw new Error(`${name}: the server did not start: ${(error as Error).message}\n${log.text}`, {
        cause: error,
      });
    }
    return new ServerProcess(client, transport.pid ?? -1, transport.exited, log);
  }

  stderr(): string {
    return this.log.text;
  }

  async call(name: string, args: Record<string, unknown>, timeoutMs = 60_000): Promise<CallOutcome> {
    let result: CallToolResult;
    try {
      result = (await this.client.callTool({ name, arguments: args }, undefined, {
        timeout: timeoutMs,
      })) as CallToolResult;
    } catch (error) {
      return { kind: "lost", error: (error as Error).message };
    }
    const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("");
    if (result.isError === true) {
      const match = /^([A-Z_]+): ([\s\S]*)$/.exec(text);
      return { kind: "refused", code: match?.[1] ?? "UNKNOWN", message: match?.[2] ?? text };
    }
    return { kind: "ok", value: result.structuredContent ?? {} };
  }

  /** A call that must succeed (setup steps). */
  async must(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const outcome = await this.call(name, args);
    if (outcome.kind !== "ok") {
      throw new Error(
        `${name} failed: ${outcome.kind === "refused" ? `${outcome.code}: ${outcome.message}` : outcome.error}`,
      );
    }
    return outcome.value;
  }

  /** The exit status; a process still running after `ms` is killed and reported as timedOut. */
  async exitWithin(ms: number): Promise<Exit & { readonly timedOut: boolean }> {
    const exit = await Promise.race([this.exited, sleep(ms).then(() => undefined)]);
    if (exit !== undefined) return { ...exit, timedOut: false };
    this.kill();
    return { ...(await this.exited), timedOut: true };
  }

  kill(): void {
    try {
      process.kill(this.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }

  /** Closes stdin (the server shuts down cleanly) and waits for the exit. */
  async close(): Promise<Exit> {
    await this.client.close().catch(() => undefined);
    return this.exited;
  }
}

// ---------- CLIs ----------

export interface CliRun extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/index.js <args>` (the import and handoffs subcommands). */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [ENTRY, ...args], {
      cwd: REPO,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

// ---------- reading state back through a server ----------

async function readAll<T>(server: ServerProcess, tool: string, key: "items" | "events"): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += 50) {
    const page = await server.must(tool, { offset, limit: 50 });
    const items = page[key] as T[];
    out.push(...items);
    if (items.length === 0 || out.length >= (page.total as number)) return out;
  }
}

/** Every ticket, recommendation and handoff as the server reports them. */
export async function readServedState(server: ServerProcess): Promise<ServedState> {
  return {
    tickets: await readAll<Ticket>(server, "list_tickets", "items"),
    recommendations: await readAll<Recommendation>(server, "list_recommendations", "items"),
    handoffs: await readAll<HandoffState>(server, "list_handoffs", "items"),
  };
}

// ---------- small utilities ----------

export async function pool<T>(tasks: readonly (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const out: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await (tasks[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Deterministic UUIDs (v4 layout) from a seeded generator, so runs can be compared. */
export function uuidFrom(rng: { next(): number }): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rng.next() * 16).toString(16));
  hex[12] = "4";
  hex[16] = "89ab"[Math.floor(rng.next() * 4)] as string;
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
