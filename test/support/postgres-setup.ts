import type { TestProject } from "vitest/node";
import { clusterUnavailableReason, startCluster } from "../../scripts/postgres/cluster.js";

// Vitest global setup: a PostgreSQL server for the PostgreSQL half of the store suite.
// TRIAGE_TEST_DATABASE_URL when set (a superuser's URL; each test file creates its own
// database), else a throwaway cluster from Debian's binaries, stopped and removed at the end,
// else the PostgreSQL tests are skipped with a notice, unless TRIAGE_REQUIRE_POSTGRES=1
// (.ci/run sets it), which makes a missing server an error.

declare module "vitest" {
  export interface ProvidedContext {
    /** A superuser's URL on the test server; "" when there is none (the PostgreSQL tests skip). */
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const reason = clusterUnavailableReason();
  if (reason !== undefined) {
    if (process.env.TRIAGE_REQUIRE_POSTGRES === "1")
      throw new Error(`TRIAGE_REQUIRE_POSTGRES=1 but ${reason}`);
    process.stderr.write(`\nNOTICE: the PostgreSQL store tests are skipped: ${reason}.\n\n`);
    project.provide("postgresAdminUrl", "");
    return undefined;
  }
  const cluster = await startCluster();
  project.provide("postgresAdminUrl", cluster.adminUrl);
  return () => cluster.stop();
}
