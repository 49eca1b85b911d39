/**
 * Many rows into one table in a few statements, for the import of large configs: Prisma's
 * createMany compiles a query the size of its data (about 0.3 s for 1,000 rows here), a
 * parameterised multi-row INSERT … RETURNING takes a few milliseconds. Values are written the way
 * Prisma writes them: on SQLite DateTime as ISO text, Boolean as 0/1, Json as text, timestamps
 * explicitly (the DB default CURRENT_TIMESTAMP has another format than Prisma's); on PostgreSQL
 * each value cast to its column's type as the schema declares it (lib/db/sql.ts).
 */
import { Prisma } from "@prisma/client";
import { dbNulls, type Tx } from "./client";
import { currentDialect, type Dialect } from "./dialect";
import { typedValue } from "./sql";

/** SQLite allows 32,766 bound values per statement, PostgreSQL 65,535; stay well below. */
const MAX_VALUES = 10_000;

function sqlValue(v: unknown, d: Dialect): unknown {
  if (v === undefined || v === null) return null;
  if (v === Prisma.DbNull || v === Prisma.JsonNull || v === dbNulls.DbNull || v === dbNulls.JsonNull) return null;
  if (d === "postgresql") {
    if (v instanceof Date) return v;
    if (typeof v === "boolean") return v;
    if (typeof v === "object") return JSON.stringify(v);
    return v;
  }
  if (v instanceof Date) return v.toISOString().replace(/Z$/, "+00:00");
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "object") return JSON.stringify(v);
  return v;
}

function value(v: unknown, table: string, column: string, d: Dialect): Prisma.Sql {
  // A JSON column's value is its text; on PostgreSQL it is cast to jsonb (a string value as JSON text).
  return d === "postgresql" ? typedValue(sqlValue(v, d), table, column, d) : Prisma.sql`${sqlValue(v, d)}`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Inserts `rows` into `table` (every row gets the union of the columns; missing ones are NULL) and
 * returns the `returning` columns of each row, in order. Table and column names must be plain
 * identifiers (they come from code, never from input).
 */
export async function bulkInsert(tx: Tx, table: string, rows: Record<string, unknown>[], returning: string[] = ["id"]): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const d = currentDialect();
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  for (const c of [table, ...cols, ...returning]) if (!IDENT.test(c)) throw new Error(`bulkInsert: not an identifier: ${c}`);
  const perStatement = Math.max(1, Math.floor(MAX_VALUES / cols.length));
  const out: Record<string, unknown>[] = [];
  const colList = Prisma.raw(cols.map((c) => `"${c}"`).join(", "));
  const ret = Prisma.raw(returning.map((c) => `"${c}"`).join(", "));
  for (let i = 0; i < rows.length; i += perStatement) {
    const part = rows.slice(i, i + perStatement);
    const values = Prisma.join(part.map((r) => Prisma.sql`(${Prisma.join(cols.map((c) => value(r[c], table, c, d)))})`));
    const made = await tx.$queryRaw<Record<string, unknown>[]>(Prisma.sql`INSERT INTO ${Prisma.raw(`"${table}"`)} (${colList}) VALUES ${values} RETURNING ${ret}`);
    out.push(...made);
  }
  return out;
}

/** Sets one column of many rows by id in one statement (`UPDATE … SET col = CASE id WHEN … END`). */
export async function bulkSetColumn(tx: Tx, table: string, column: string, pairs: readonly [number, unknown][]): Promise<void> {
  if (pairs.length === 0) return;
  const d = currentDialect();
  for (const c of [table, column]) if (!IDENT.test(c)) throw new Error(`bulkSetColumn: not an identifier: ${c}`);
  const per = Math.floor(MAX_VALUES / 3);
  for (let i = 0; i < pairs.length; i += per) {
    const part = pairs.slice(i, i + per);
    const cases = Prisma.join(part.map(([id, v]) => Prisma.sql`WHEN ${value(id, table, "id", d)} THEN ${value(v, table, column, d)}`), " ");
    const ids = Prisma.join(part.map(([id]) => value(id, table, "id", d)));
    await tx.$executeRaw(Prisma.sql`UPDATE ${Prisma.raw(`"${table}"`)} SET ${Prisma.raw(`"${column}"`)} = CASE "id" ${cases} END WHERE "id" IN (${ids})`);
  }
}
