/**
 * The PostgreSQL migration for a schema change, written like the SQLite one (README, "Developing"):
 *
 *   git show HEAD:prisma/postgresql/schema.prisma > /tmp/old-pg.prisma
 *   npm run db:generate
 *   npx tsx scripts/db/pg-migrate-diff.ts /tmp/old-pg.prisma > prisma/postgresql/migrations/<stamp>_<name>/migration.sql
 *
 * Prisma's diff goes through the driver adapter even between two schemas, so this starts a
 * throw-away PostgreSQL 15 (scripts/testenv/pg-pair.sh, as root) for the length of the diff.
 */
import { execFileSync } from "node:child_process";
import { pgUrl } from "../../test/support/appPg";
import { startPgPair } from "../../test/support/pgPair";

const from = process.argv[2];
if (!from) {
  console.error("usage: npx tsx scripts/db/pg-migrate-diff.ts OLD_POSTGRESQL_SCHEMA");
  process.exit(2);
}
const pair = await startPgPair({ standby: false });
try {
  const sql = execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "diff", "--from-schema-datamodel", from, "--to-schema-datamodel", "prisma/postgresql/schema.prisma", "--script"], {
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: pgUrl(pair, "bacula"), CHECKPOINT_DISABLE: "1" },
  });
  process.stdout.write(sql.split("\n").filter((l) => !/^(Loaded Prisma config|Prisma config detected)/.test(l)).join("\n"));
} finally {
  await pair.stop();
}
