/**
 * The app's own database on a real PostgreSQL 15 (the dialect the test run chose with
 * TEST_DB=postgresql): one cluster per test run (test/support/global-setup.ts starts it, a
 * primary without a standby from scripts/testenv/pg-pair.sh), a template database with every
 * committed PostgreSQL migration applied once, and a fresh database per test file, copied from
 * the template (CREATE DATABASE … TEMPLATE: a few tens of milliseconds).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { DEFAULT_PG_BIN, startPgPair, type PgPair } from "./pgPair";

export const TEMPLATE_DB = "bhd_template";

/** Which dialect this test run's app database uses (TEST_DB=postgresql, or the default sqlite). */
export function testDialect(): "sqlite" | "postgresql" {
  const v = (process.env.TEST_DB ?? "sqlite").trim().toLowerCase();
  if (v === "postgresql" || v === "postgres" || v === "pg") return "postgresql";
  if (v === "" || v === "sqlite") return "sqlite";
  throw new Error(`TEST_DB must be sqlite or postgresql, got "${process.env.TEST_DB}"`);
}

/** postgresql:// URL of a database on a pair's primary, as the superuser. */
export function pgUrl(pair: Pick<PgPair, "primary" | "superuser">, database: string): string {
  const u = new URL(`postgresql://127.0.0.1:${pair.primary.port}/${encodeURIComponent(database)}`);
  u.username = pair.superuser.user;
  u.password = pair.superuser.password;
  return u.href;
}

/** Replaces the database of a postgresql:// URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.href;
}

/** The committed PostgreSQL migrations, in order (what `prisma migrate deploy` applies). */
export function pgMigrationFiles(): string[] {
  const dir = path.resolve(process.cwd(), "prisma/postgresql/migrations");
  return fs
    .readdirSync(dir)
    .sort()
    .map((n) => path.join(dir, n, "migration.sql"))
    .filter((f) => fs.existsSync(f));
}

export async function applyPgMigrations(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const f of pgMigrationFiles()) await c.query(fs.readFileSync(f, "utf8"));
  } finally {
    await c.end();
  }
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A cluster for the app's databases with the migrated template (global setup of a TEST_DB=postgresql run). */
export async function startAppPostgres(): Promise<{ pair: PgPair; adminUrl: string }> {
  const pair = await startPgPair({ standby: false, maxConnections: 300 });
  const adminUrl = pgUrl(pair, "postgres");
  await adminQuery(adminUrl, `CREATE DATABASE ${TEMPLATE_DB}`);
  await applyPgMigrations(pgUrl(pair, TEMPLATE_DB));
  return { pair, adminUrl };
}

let counter = 0;

/**
 * A fresh migrated database of the run's cluster (TEST_PG_ADMIN_URL), made synchronously (test files
 * call freshDatabase() before their imports): psql runs CREATE DATABASE … TEMPLATE.
 */
export function freshPgDatabaseSync(): string {
  const admin = process.env.TEST_PG_ADMIN_URL;
  if (!admin) throw new Error("TEST_DB=postgresql, but no test cluster runs (TEST_PG_ADMIN_URL is unset: run through vitest, whose global setup starts it)");
  const name = `bhd_t${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const psql = path.join(process.env.PG_BIN ?? DEFAULT_PG_BIN, "psql");
  const r = spawnSync(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", admin, "-c", `CREATE DATABASE "${name}" TEMPLATE ${TEMPLATE_DB}`], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`creating the test database ${name} failed: ${r.stderr || r.error?.message}`);
  return withDatabase(admin, name);
}
