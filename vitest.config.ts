import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { alias: { "@": import.meta.dirname } },
  test: {
    include: ["lib/**/*.test.ts", "test/**/*.test.ts", "app/**/*.test.ts"],
    // Two real server processes on the production build: run after `next build` with TEST_CLUSTER=1 (scripts/test-all.sh).
    exclude: ["**/node_modules/**", ...(process.env.TEST_CLUSTER === "1" ? [] : ["test/cluster/**"])],
    environment: "node",
    // TEST_DB=postgresql: one PostgreSQL cluster for the run's app databases (test/support/global-setup.ts).
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two files at a time: most tests wait on real daemons, PostgreSQL and sshd (a serial run kept
    // the 2 cores about a third busy: 650 s for the SQLite suite, 389 s with two workers). The
    // two-instance cluster tests start real servers and stay one at a time.
    fileParallelism: process.env.TEST_CLUSTER !== "1",
    maxWorkers: 2,
  },
});
