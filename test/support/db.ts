import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freshPgDatabaseSync, testDialect } from "./appPg";
import { openSqlite, type SqliteDb } from "./sqlite";

/**
 * A fresh database with every committed migration applied, for one test file: SQLite by default,
 * PostgreSQL when the run chose TEST_DB=postgresql (a database copied from the run's migrated
 * template; `file` is then ""). Call before anything imports lib/db/client (the Prisma client reads
 * DATABASE_URL once).
 */
export function freshDatabase(): { dir: string; file: string; url: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-test-"));
  process.env.APP_KEY_FILE = path.join(dir, "secret.key");
  process.env.APP_SETUP_TOKEN_FILE = path.join(dir, "setup-token");
  if (testDialect() === "postgresql") {
    process.env.DATABASE_URL = freshPgDatabaseSync();
    return { dir, file: "", url: process.env.DATABASE_URL };
  }
  const file = path.join(dir, "app.db");
  const db = openSqlite(file);
  applyMigrations(db);
  db.close();
  process.env.DATABASE_URL = `file:${file}`;
  return { dir, file, url: process.env.DATABASE_URL };
}

/** Every committed migration, in order, on an open SQLite database (what `migrate deploy` does). */
export function applyMigrations(db: SqliteDb): void {
  const migrations = path.resolve(process.cwd(), "prisma/migrations");
  for (const name of fs.readdirSync(migrations).sort()) {
    const sql = path.join(migrations, name, "migration.sql");
    if (fs.existsSync(sql)) db.exec(fs.readFileSync(sql, "utf8"));
  }
}
