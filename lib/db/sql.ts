/**
 * The one place where SQL differs between SQLite and PostgreSQL. Raw statements elsewhere are
 * written in the SQL both understand and take from here what does not exist in both: bound
 * parameters (`?` against `$1`), rows travelling as one JSON parameter (json_each against
 * json_array_elements, with each column cast to its type as the Prisma schema declares it),
 * string aggregation, case-insensitive `contains`, and the database's clock.
 */
import { Prisma } from "@prisma/client";
import { currentDialect, type Dialect } from "./dialect";
import { rawQuery, type RawClient } from "./direct";

export type ScalarType = "Int" | "BigInt" | "Float" | "Decimal" | "String" | "Boolean" | "DateTime" | "Json" | "Bytes";

const PG_TYPE: Record<ScalarType, string> = {
  Int: "integer",
  BigInt: "bigint",
  Float: "double precision",
  Decimal: "numeric",
  String: "text",
  Boolean: "boolean",
  DateTime: "timestamp(3)",
  Json: "jsonb",
  Bytes: "bytea",
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The scalar type of a table's column, as prisma/schema.prisma declares it (table = model name). */
export function columnType(table: string, column: string): ScalarType {
  const model = Prisma.dmmf.datamodel.models.find((m) => (m.dbName ?? m.name) === table);
  const field = model?.fields.find((f) => f.kind === "scalar" && (f.dbName ?? f.name) === column);
  if (!field) throw new Error(`no column ${table}.${column} in the schema`);
  return field.type as ScalarType;
}

/**
 * The column Prisma stamps on every update of a table's rows (`@updatedAt`), if it has one. The
 * client's schema at run time does not say which field that is; the schema's convention does: the
 * DateTime field `updatedAt`, and only it (checked against prisma/schema.prisma in sql.test.ts).
 */
export function updatedAtColumn(table: string): string | undefined {
  const model = Prisma.dmmf.datamodel.models.find((m) => (m.dbName ?? m.name) === table);
  const field = model?.fields.find((f) => f.kind === "scalar" && f.type === "DateTime" && f.name === "updatedAt");
  return field ? (field.dbName ?? field.name) : undefined;
}

/** The i-th (1-based) bound parameter of a raw statement. */
export function param(i: number, d: Dialect = currentDialect()): string {
  if (!Number.isInteger(i) || i < 1) throw new Error(`parameter index ${i}`);
  return d === "postgresql" ? `$${i}` : "?";
}

/** A bound parameter cast to a column's type (PostgreSQL types parameters by their use; SQLite needs nothing). */
export function typedParam(i: number, table: string, column: string, d: Dialect = currentDialect()): string {
  return d === "postgresql" ? `${param(i, d)}::${PG_TYPE[columnType(table, column)]}` : param(i, d);
}

/** A Prisma.sql value cast to a column's type on PostgreSQL (for Prisma.sql templates). */
export function typedValue(value: unknown, table: string, column: string, d: Dialect = currentDialect()): Prisma.Sql {
  return d === "postgresql" ? Prisma.sql`CAST(${value} AS ${Prisma.raw(PG_TYPE[columnType(table, column)])})` : Prisma.sql`${value}`;
}

/**
 * The texts valuesRows made, by dialect and shape: an import asks for the same few shapes again
 * and again (32 rows of a table's columns), and building one anew cost ~60 µs (~4 ms an import).
 * Bounded: a shape is at most a few thousand characters, and a process asks for few of them.
 */
const valuesCache = new Map<string, string>();
const VALUES_CACHE_MAX = 512;

/** `(?, ?), (?, ?)`: the bound parameters of a multi-row VALUES, numbered from 1 on PostgreSQL. */
export function valuesRows(columns: number, rows: number, d: Dialect = currentDialect()): string {
  if (!Number.isInteger(columns) || !Number.isInteger(rows) || columns < 1 || rows < 1) throw new Error(`values of ${rows} x ${columns}`);
  const key = `${d}:${columns}:${rows}`;
  const known = valuesCache.get(key);
  if (known !== undefined) return known;
  const text = buildValuesRows(columns, rows, d);
  if (valuesCache.size >= VALUES_CACHE_MAX) valuesCache.clear();
  valuesCache.set(key, text);
  return text;
}

function buildValuesRows(columns: number, rows: number, d: Dialect): string {
  const out: string[] = [];
  let n = 1;
  for (let r = 0; r < rows; r++) {
    const one: string[] = [];
    for (let c = 0; c < columns; c++) one.push(param(n++, d));
    out.push(`(${one.join(", ")})`);
  }
  return out.join(", ");
}

/**
 * `SELECT <col 1>, … FROM <the rows of a JSON array parameter> WHERE true ORDER BY <position>`:
 * each row an array of the columns' values in order (booleans as 0/1 or true/false, JSON columns
 * as their text, dates as ISO text), each cast to its column's type on PostgreSQL. For an
 * `INSERT INTO t (cols) <this>` of many rows in one statement (`WHERE true` lets SQLite read a
 * following ON CONFLICT), or an `UPDATE … FROM (<this>)` (each column is named as itself).
 */
export function selectJsonRows(table: string, columns: readonly string[], paramIndex: number, d: Dialect = currentDialect()): string {
  for (const c of [table, ...columns]) if (!IDENT.test(c)) throw new Error(`not an identifier: ${c}`);
  if (d === "postgresql") {
    const picks = columns.map((c, i) => {
      const t = columnType(table, c);
      // ->> gives the text of the element; a JSON column's element is the JSON text itself.
      return `${t === "Boolean" ? `((r.value->>${i})::int <> 0)` : `(r.value->>${i})::${PG_TYPE[t]}`} AS "${c}"`;
    });
    return `SELECT ${picks.join(", ")} FROM json_array_elements(${param(paramIndex, d)}::json) WITH ORDINALITY AS r(value, ord) WHERE true ORDER BY r.ord`;
  }
  const picks = columns.map((c, i) => `json_extract(value, '$[${i}]') AS "${c}"`);
  return `SELECT ${picks.join(", ")} FROM json_each(${param(paramIndex, d)}) WHERE true ORDER BY key`;
}

/** A JSON row's boolean as selectJsonRows reads it (0/1 on both). */
export function jsonBool(v: boolean | null | undefined): 0 | 1 | null {
  return v === null || v === undefined ? null : v ? 1 : 0;
}

/** The texts of a group joined by `sep` (string_agg on PostgreSQL, in `orderBy` order there). */
export function groupConcat(expr: string, sep: string, orderBy?: string, d: Dialect = currentDialect()): string {
  const lit = `'${sep.replace(/'/g, "''")}'`;
  return d === "postgresql" ? `string_agg(${expr}, ${lit}${orderBy ? ` ORDER BY ${orderBy}` : ""})` : `group_concat(${expr}, ${lit})`;
}

/** A text filter as SQLite's LIKE reads it (ASCII case-insensitive) on both: `mode: insensitive` on PostgreSQL. */
export function containsText(q: string, d: Dialect = currentDialect()): { contains: string } {
  return d === "postgresql" ? ({ contains: q, mode: "insensitive" } as { contains: string }) : { contains: q };
}

/** The database's clock in epoch milliseconds, as an integer expression (leases compare against it). */
export function nowMsExpr(d: Dialect = currentDialect()): string {
  return d === "postgresql" ? "(floor(extract(epoch from clock_timestamp()) * 1000))::bigint" : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

/**
 * Locks one row until the transaction ends, before a read-check-write (the stale-save check, a
 * counter): PostgreSQL's transactions read committed data, so two of them could both pass the check;
 * SQLite's write transactions already run one at a time (BEGIN IMMEDIATE), so there it does nothing.
 * `model` is the Prisma model or its client property (`storageDaemon`).
 */
export async function lockRow(tx: { $queryRawUnsafe: (q: string, ...v: unknown[]) => Promise<unknown> }, model: string, id: number, d: Dialect = currentDialect()): Promise<void> {
  await lockRows(tx, model, [id], d);
}

/** lockRow for several rows (in id order, so two transactions locking the same rows never deadlock). */
export async function lockRows(tx: { $queryRawUnsafe: (q: string, ...v: unknown[]) => Promise<unknown> }, model: string, ids: readonly number[], d: Dialect = currentDialect()): Promise<void> {
  if (d !== "postgresql" || ids.length === 0) return;
  const m = Prisma.dmmf.datamodel.models.find((x) => x.name.toLowerCase() === model.toLowerCase());
  if (!m) throw new Error(`no model ${model}`);
  const table = m.dbName ?? m.name;
  if (!IDENT.test(table)) throw new Error(`not an identifier: ${table}`);
  const list = [...new Set(ids)].sort((a, b) => a - b);
  for (const id of list) if (!Number.isInteger(id)) throw new Error(`not an id: ${id}`);
  await tx.$queryRawUnsafe(`SELECT 1 AS locked FROM "${table}" WHERE "id" IN (${list.map((_, i) => param(i + 1, d)).join(", ")}) ORDER BY "id" FOR UPDATE`, ...list);
}

/**
 * Writes a Setting's value over itself where it still holds `value`: the statement takes the row's
 * lock (PostgreSQL) or the write lock (SQLite), so a concurrent writer that changes it first makes
 * this match nothing. False when the Setting holds another value or none. One raw statement, on the
 * transaction's own connection (rawQuery): through Prisma's updateMany it cost ~5 ms of its query
 * compiler the first time (an operator's first import), and any statement through Prisma ~1 ms.
 */
export async function holdSetting(tx: RawClient, key: string, value: string, d: Dialect = currentDialect()): Promise<boolean> {
  const rows = await rawQuery(tx, `UPDATE "Setting" SET "value" = ${param(1, d)} WHERE "key" = ${param(2, d)} AND "value" = ${param(3, d)} RETURNING "key"`, [value, key, value]);
  return rows.length > 0;
}

/** A Setting's value, or undefined when it has none (on the transaction's own connection, as holdSetting). */
export async function readSetting(tx: RawClient, key: string, d: Dialect = currentDialect()): Promise<string | undefined> {
  const rows = await rawQuery<{ value: string }>(tx, `SELECT "value" FROM "Setting" WHERE "key" = ${param(1, d)}`, [key]);
  return rows.length > 0 ? String(rows[0].value) : undefined;
}

/** Adds one to an integer kept as text in Setting (created at 1), in one statement on both databases; returns the new value. */
export async function incrementSetting(tx: RawClient, key: string, d: Dialect = currentDialect()): Promise<number> {
  const rows = await rawQuery<{ value: string }>(
    tx,
    `INSERT INTO "Setting" ("key", "value") VALUES (${param(1, d)}, '1')
     ON CONFLICT ("key") DO UPDATE SET "value" = CAST(CAST("Setting"."value" AS INTEGER) + 1 AS TEXT)
     RETURNING "value"`,
    [key],
  );
  return Number(rows[0].value);
}
