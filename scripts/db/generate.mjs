// @ts-check
/**
 * `npm run db:generate`: both Prisma clients from the one schema. The SQLite client (the default,
 * node_modules/.prisma/client) from prisma/schema.prisma, the PostgreSQL one
 * (node_modules/.prisma/client-pg) from prisma/postgresql/schema.prisma, derived first
 * (scripts/db/pg-schema.mjs). prisma.config.ts picks the schema by the DATABASE_URL scheme;
 * generating connects to nothing.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = path.join(root, "node_modules", "prisma", "build", "index.js");
execFileSync(process.execPath, [path.join(root, "scripts", "db", "pg-schema.mjs")], { stdio: "inherit", cwd: root });
for (const url of [`file:${path.join(root, "data", "app.db")}`, "postgresql://generate@127.0.0.1:1/generate"]) {
  execFileSync(process.execPath, [cli, "generate"], { stdio: ["ignore", "ignore", "inherit"], cwd: root, env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: "1" } });
}
