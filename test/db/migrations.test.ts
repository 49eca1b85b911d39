import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyMigrations } from "../support/db";
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

describe("committed migrations", () => {
  it("build exactly the database prisma/schema.prisma describes (no drift between them)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-mig-"));
    const migrated = openSqlite(path.join(dir, "migrated.db"));
    applyMigrations(migrated);
    const sql = execFileSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"], { encoding: "utf8" });
    const fromSchema = openSqlite(path.join(dir, "schema.db"));
    fromSchema.exec(sql.split("\n").filter((l) => !/^(Loaded Prisma config|Prisma config detected)/.test(l)).join("\n"));
    expect(shape(migrated)).toEqual(shape(fromSchema));
    migrated.close();
    fromSchema.close();
  });
});
