import { createDatabase, startCluster } from "./cluster.js";

// npm run db:throwaway: starts a throwaway PostgreSQL cluster (see cluster.ts), creates one empty
// database, prints its URL on stdout, and runs until interrupted (the cluster is then removed).
// For trying the PostgreSQL store, the contract check and manual runs; never for real data.
// --durable: fsync and synchronous_commit on (as a real server runs; benchmarks use it).

const cluster = await startCluster({ durable: process.argv.includes("--durable") });
const url = await createDatabase(cluster.adminUrl, "dev");
process.stdout.write(`${url}\n`);
process.stderr.write(`admin: ${cluster.adminUrl}\nCtrl-C stops the cluster and removes its files.\n`);
const stop = (): void => {
  void cluster.stop().finally(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
setInterval(() => undefined, 1 << 30);
