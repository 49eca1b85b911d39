import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, pgUrl } from "../support/appPg";
import { applyMigrations } from "../support/db";
import { startPgPair, type PgPair } from "../support/pgPair";
import { openSqlite, type SqliteDb } from "../support/sqlite";

/** Tables, columns (name, type, nullability, default) and indexes of an SQLite database. */
function shape(db: SqliteDb): Record<string, unknown> {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_prisma%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const out: Record<string, unknown> = {};
  for (const t of tables) {
    const cols = db.prepare(`PRAGMA table_info("${t}")`).all() as { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[];
    const idx = (db.prepare(`PRAGMA index_list("${t}")`).all() as { name: string; unique: number }[]).map((i) => `${i.name}:${i.unique}`).sort();
    const fks = (db.prepare(`PRAGMA foreign_key_list("${t}")`).all() as { table: string; from: string; to: string; on_delete: string }[]).map((f) => `${f.from}->${f.table}.${f.to}:${f.on_delete}`).sort();
    out[t] = { cols: cols.map((c) => `${c.name} ${c.type} ${c.notnull ? "NOT NULL" : "NULL"} ${c.dflt_value ?? ""} ${c.pk ? "PK" : ""}`.trim()).sort(), idx, fks };
  }
  return out;
}

/** The same for a PostgreSQL database: columns, indexes (their whole definition), constraints with their definitions. */
async function pgShape(url: string): Promise<Record<string, unknown>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const tables = (await c.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_prisma%' ORDER BY 1`)).rows.map((r) => r.t);
    const out: Record<string, unknown> = {};
    for (const t of tables) {
      const cols = (await c.query<{ s: string }>(
        `SELECT column_name || ' ' || data_type || ' ' || COALESCE(character_maximum_length::text, '') || ' ' || COALESCE(datetime_precision::text, '') || ' ' || is_nullable || ' ' || COALESCE(column_default, '') AS s
           FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY 1`, [t])).rows.map((r) => r.s);
      const idx = (await c.query<{ s: string }>(`SELECT indexdef AS s FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 ORDER BY 1`, [t])).rows.map((r) => r.s);
      const cons = (await c.query<{ s: string }>(`SELECT conname || ' ' || pg_get_constraintdef(oid) AS s FROM pg_constraint WHERE conrelid = ('public.' || quote_ident($1))::regclass ORDER BY 1`, [t])).rows.map((r) => r.s);
      out[t] = { cols, idx, cons };
    }
    return out;
  } finally {
    await c.end();
  }
}

const prismaCli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(process.execPath, ["node_modules/prisma/build/index.js", ...args], { encoding: "utf8", env: { ...env, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" } })
    .split("\n")
    .filter((l) => !/^(Loaded Prisma config|Prisma config detected)/.test(l))
    .join("\n");

describe("committed migrations", () => {
  it("build exactly the database prisma/schema.prisma describes (no drift between them)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-mig-"));
    const migrated = openSqlite(path.join(dir, "migrated.db"));
    applyMigrations(migrated);
    const sql = prismaCli(["migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"], { ...process.env, DATABASE_URL: `file:${path.join(dir, "cli.db")}` });
    const fromSchema = openSqlite(path.join(dir, "schema.db"));
    fromSchema.exec(sql);
    expect(shape(migrated)).toEqual(shape(fromSchema));
    migrated.close();
    fromSchema.close();
  });

  it("the PostgreSQL schema is the derivation of prisma/schema.prisma (one schema written)", () => {
    expect(() => execFileSync(process.execPath, ["scripts/db/pg-schema.mjs", "--check"], { encoding: "utf8", stdio: "pipe" })).not.toThrow();
    const sqlite = fs.readFileSync("prisma/schema.prisma", "utf8");
    const derived = fs.readFileSync("prisma/postgresql/schema.prisma", "utf8");
    // Only the header, the provider and the generator's output differ.
    const strip = (s: string) => s.split("\n").filter((l) => !/^\/\/ GENERATED|provider = "(sqlite|postgresql)"|^\s*output\s*=/.test(l)).join("\n");
    expect(strip(derived)).toBe(strip(sqlite));
  });

  describe("on PostgreSQL 15", () => {
    let pair: PgPair;
    beforeAll(async () => {
      pair = await startPgPair({ standby: false });
    });
    afterAll(async () => {
      await pair?.stop();
    });

    it("`prisma migrate deploy` of prisma/postgresql/migrations builds exactly the schema's database", async () => {
      await adminQuery(pgUrl(pair, "postgres"), "CREATE DATABASE migrated");
      await adminQuery(pgUrl(pair, "postgres"), "CREATE DATABASE fromschema");
      const migratedUrl = pgUrl(pair, "migrated");
      const out = prismaCli(["migrate", "deploy"], { ...process.env, DATABASE_URL: migratedUrl });
      expect(out).toMatch(/migrations have been successfully applied|All migrations have been successfully applied/);
      const sql = prismaCli(["migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/postgresql/schema.prisma", "--script"], { ...process.env, DATABASE_URL: pgUrl(pair, "fromschema") });
      await adminQuery(pgUrl(pair, "fromschema"), sql);
      const [a, b] = [await pgShape(migratedUrl), await pgShape(pgUrl(pair, "fromschema"))];
      expect(Object.keys(a).length).toBeGreaterThan(20);
      expect(a).toEqual(b);
    });
  });
});
