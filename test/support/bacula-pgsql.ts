/**
 * Bacula's PostgreSQL catalog backend for tests: Debian's bacula-common-pgsql and
 * bacula-director-pgsql 15.0.3, unpacked by scripts/testenv/install-debian-deps.sh into
 * BACULA_PGSQL_ROOT (default /opt/bacula-pgsql) beside the installed SQLite flavour (the two
 * packages conflict). A bacula-dir started with LD_LIBRARY_PATH=pgsqlLibDir() loads
 * libbaccats-postgresql instead of the SQLite library (its RUNPATH comes after LD_LIBRARY_PATH).
 *
 * createCatalog() builds a catalog with Bacula's own scripts, run against a PostgreSQL server
 * (the primary of a test pair): create_postgresql_database (SQL_ASCII, as Bacula wants),
 * make_postgresql_tables, grant_postgresql_privileges (the catalog's own role).
 *
 * Measured on Debian's 15.0.3: make_postgresql_tables feeds psql an unquoted here-document, so the
 * `DO $$ ... $$` block that creates the pg_trgm extension gets the shell's pid in place of `$$`;
 * psql then reports a syntax error, the whole transaction rolls back, and the script still prints
 * "Creation of Bacula PostgreSQL tables succeeded." with no table created. The script is run here
 * with `$$` escaped (its SQL is unchanged), and the tables are counted afterwards.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";

export const BACULA_PGSQL_ROOT = process.env.BACULA_PGSQL_ROOT ?? "/opt/bacula-pgsql";

function need(path: string): string {
  if (!existsSync(path)) {
    throw new Error(`${path} not found: Bacula's PostgreSQL catalog backend is unpacked by scripts/testenv/install-debian-deps.sh (run it, as root)`);
  }
  return path;
}

/** The directory to put in LD_LIBRARY_PATH for bacula-dir to use PostgreSQL. */
export function pgsqlLibDir(): string {
  const dir = join(BACULA_PGSQL_ROOT, "usr/lib/bacula");
  need(join(dir, "libbaccats-15.0.3.so"));
  return dir;
}

export function pgsqlScript(name: "create_postgresql_database" | "make_postgresql_tables" | "grant_postgresql_privileges"): string {
  return need(join(BACULA_PGSQL_ROOT, "usr/share/bacula-director", name));
}

export interface CatalogServer {
  host: string;
  port: number;
  /** A superuser (creates the database and the catalog role). */
  user: string;
  password: string;
}

export interface CatalogSpec {
  dbName: string;
  dbUser: string;
  dbPassword: string;
}

/** Builds the catalog with Bacula's scripts; returns the number of tables and the time it took. */
export async function createCatalog(server: CatalogServer, spec: CatalogSpec): Promise<{ tables: number; ms: number }> {
  const t0 = Date.now();
  const env = { ...process.env, PGPASSWORD: server.password, db_name: spec.dbName, db_user: spec.dbUser, db_password: spec.dbPassword };
  const args = ["-h", server.host, "-p", String(server.port), "-U", server.user];
  const run = (script: string, text?: string) =>
    execFileSync("sh", text === undefined ? [script, ...args] : ["-c", text, script, ...args], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  run(pgsqlScript("create_postgresql_database"));
  // `$$` escaped so the shell leaves the DO block alone (see above).
  const make = readFileSync(pgsqlScript("make_postgresql_tables"), "utf8").replace(/\$\$/g, "\\$\\$");
  const out = run(pgsqlScript("make_postgresql_tables"), make);
  run(pgsqlScript("grant_postgresql_privileges"));
  const c = new pg.Client({ host: server.host, port: server.port, user: spec.dbUser, password: spec.dbPassword, database: spec.dbName });
  await c.connect();
  try {
    const r = await c.query<{ n: number; v: number }>("SELECT (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public') AS n, (SELECT max(versionid) FROM version) AS v");
    const tables = r.rows[0].n;
    if (tables < 30 || !r.rows[0].v) throw new Error(`make_postgresql_tables left ${tables} tables (version ${r.rows[0].v}): ${out.slice(-500)}`);
    return { tables, ms: Date.now() - t0 };
  } finally {
    await c.end();
  }
}
