import path from "node:path";
import { defineConfig } from "prisma/config";
import { SqliteAdapter } from "./lib/db/adapter";
import { dialectOf, prismaPaths } from "./lib/db/dialect";
import { databaseUrl, sqliteFileReady } from "./lib/db/url";

// The CLI must not fetch a native query engine (no network here): the JS engine and the adapter do the work.
process.env.PRISMA_CLI_QUERY_ENGINE_TYPE ??= "client";
const url = databaseUrl();
// The DATABASE_URL scheme chooses the schema, the migrations and the adapter (lib/db/dialect.ts).
const dialect = dialectOf(url);
const paths = prismaPaths(dialect);

export default defineConfig({
  schema: path.join(...paths.schema.split("/")),
  migrations: { path: path.join(...paths.migrations.split("/")) },
  experimental: { adapter: true },
  engine: "js",
  async adapter() {
    if (dialect === "postgresql") {
      const { pgAdapter } = await import("./lib/db/pg-adapter");
      // The CLI's connections go idle once its work is done: closed after 0.2 s, so that it exits.
      return pgAdapter(url, 4, { idleTimeoutMs: 200 });
    }
    return new SqliteAdapter(sqliteFileReady(url));
  },
});
