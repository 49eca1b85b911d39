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
    fileParallelism: false,
  },
});
