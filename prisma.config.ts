import path from "node:path";
import { defineConfig } from "prisma/config";
import { SqliteAdapter } from "./lib/db/adapter";
import { databaseUrl, sqliteFileReady } from "./lib/db/url";

// The CLI must not fetch a native query engine (no network here): the JS engine and the adapter do the work.
process.env.PRISMA_CLI_QUERY_ENGINE_TYPE ??= "client";
const url = databaseUrl();

export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    return new SqliteAdapter(sqliteFileReady(url));
  },
});
