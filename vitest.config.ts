import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Process tests start the built programs under dist/: build them once if src/ is newer.
    globalSetup: ["test/support/built-setup.ts"],
    environment: "node",
    // Crash and multi-process tests spawn child processes; keep them from starving each other.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
