import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Process tests start the built programs under dist/: build them once if src/ is newer. The
    // PostgreSQL suite gets a throwaway cluster (or TRIAGE_TEST_DATABASE_URL), else a notice.
    globalSetup: ["test/support/built-setup.ts", "test/support/postgres-setup.ts"],
    environment: "node",
    // Crash and multi-process tests spawn child processes; keep them from starving each other.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: one on a 2-core machine, and the files
    // then run one after another while most of them wait on child processes, HTTP or a browser.
    // Two workers ran the store and hostile process tests in about 80% of the time, at the same CPU.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
