import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

// A throwaway PostgreSQL cluster for tests, benchmarks and the reliability runs: initdb into a
// temporary directory, a free port on 127.0.0.1 and a unix socket in the same directory, stopped
// and removed by stop(). Debian's binaries (postgresql-NN) are used; they refuse to run as root,
// so as root the cluster runs as the `postgres` system user. TRIAGE_TEST_DATABASE_URL, when set,
// names a server to use instead (nothing is started then).

export interface Cluster {
  /** The maintenance database's URL (`postgres`), as a superuser. */
  readonly adminUrl: string;
  /** True when this process started the cluster (stop() then removes it). */
  readonly started: boolean;
  stop(): Promise<void>;
}

const PG_ROOT = "/usr/lib/postgresql";

/**
 * The one role a throwaway cluster checks passwords for (scram-sha-256; every other connection is
 * trusted), so that a wrong password can be tested. The role itself is created by the test.
 */
export const PASSWORD_CHECKED_ROLE = "triage_password_check";

/** The bin directory of the newest installed Debian PostgreSQL, or undefined. */
export function postgresBinDir(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(PG_ROOT, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(PG_ROOT, versions[0], "bin");
}

/** Why no cluster can be had here, or undefined when one can. */
export function clusterUnavailableReason(env = process.env): string | undefined {
  if (env.TRIAGE_TEST_DATABASE_URL !== undefined && env.TRIAGE_TEST_DATABASE_URL !== "") return undefined;
  if (postgresBinDir() === undefined) {
    return `no PostgreSQL server: TRIAGE_TEST_DATABASE_URL is unset and ${PG_ROOT}/<version>/bin/initdb is missing (apt-get install -y postgresql)`;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}): ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not start within 30 s: ${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export interface ClusterOptions {
  /** fsync and synchronous_commit on (benchmarks); off by default (tests: the server is not killed). */
  readonly durable?: boolean;
}

/** Uses TRIAGE_TEST_DATABASE_URL, else starts a throwaway cluster; throws when neither is possible. */
export async function startCluster(options: ClusterOptions = {}, env = process.env): Promise<Cluster> {
  const given = env.TRIAGE_TEST_DATABASE_URL;
  if (given !== undefined && given !== "") {
    return { adminUrl: given, started: false, stop: () => Promise.resolve() };
  }
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(clusterUnavailableReason(env));
  const dir = mkdtempSync(join(tmpdir(), "triage-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const runAs = (command: string, args: string[]): [string, string[]] =>
    asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
  if (asRoot) {
    const { uid, gid } = idsOf("postgres");
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const [initCmd, initArgs] = runAs(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "--no-sync",
    "-E",
    "UTF8",
    "--locale=C",
  ]);
  execFileSync(initCmd, initArgs, { stdio: "pipe" });
  // First match wins in pg_hba.conf: this line goes before initdb's "trust" lines.
  const hba = join(data, "pg_hba.conf");
  writeFileSync(
    hba,
    `host all ${PASSWORD_CHECKED_ROLE} 127.0.0.1/32 scram-sha-256\n${readFileSync(hba, "utf8")}`,
  );
  const port = await freePort();
  const durable = options.durable === true;
  const [cmd, args] = runAs(join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `fsync=${durable ? "on" : "off"}`,
    "-c",
    `synchronous_commit=${durable ? "on" : "off"}`,
    "-c",
    `full_page_writes=${durable ? "on" : "off"}`,
    "-c",
    "max_connections=200",
    "-c",
    "shared_buffers=128MB",
  ]);
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], detached: false });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-4000);
  });
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  try {
    await waitReady(adminUrl, child, () => log);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    adminUrl,
    started: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        // "fast" shutdown: running transactions are rolled back, nothing waits for clients. Through
        // pg_ctl, as the server's user (a signal to runuser would not reach the server).
        const [stopCmd, stopArgs] = runAs(join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
        try {
          execFileSync(stopCmd, stopArgs, { stdio: "pipe", timeout: 20_000 });
        } catch {
          child.kill("SIGKILL");
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function idsOf(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", user]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", user]).toString().trim());
  return { uid, gid };
}

/** A new, empty database on the cluster (`CREATE DATABASE ... TEMPLATE template0`); returns its URL. */
export async function createDatabase(adminUrl: string, label = "t"): Promise<string> {
  const name = `triage_${label.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(5).toString("hex")}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by createDatabase (its connections are ended first). */
export async function dropDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
