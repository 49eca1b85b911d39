/**
 * Many rows into one table in a few statements, for the import of large configs. The rows travel
 * as one JSON parameter that the database unpacks itself (lib/db/sql.ts selectJsonRows): Prisma's
 * createMany compiles a query the size of its data (about 0.3 s for 1,000 rows here), and a
 * multi-row INSERT with one bound parameter per value still goes through Prisma's query compiler
 * and the driver value by value (about 0.1 s for the import bench's 1,500 rows and their audit
 * events); one JSON text per statement takes a few milliseconds. Values are written the way Prisma
 * writes them: on SQLite DateTime as ISO text, Boolean as 0/1, Json as text, timestamps explicitly
 * (the DB default CURRENT_TIMESTAMP has another format than Prisma's); on PostgreSQL each value
 * cast to its column's type as the schema declares it.
 *
 * Where the connection keeps prepared statements (SQLite, lib/db/sqlite-statements.ts), the rows go
 * as plain bound values instead, a fixed number of rows per statement compiled once: SQLite's JSON
 * functions parse a row's text again for each column it takes out (~9 ms of the ~14 ms of 1,000
 * Jobs), and one statement of all rows costs as much to compile and bind. The values bound are
 * those the JSON text would give back (integers as integers, non-finite numbers as NULL).
 */
import { Prisma } from "@prisma/client";
import { dbNulls, type Tx } from "./client";
import { directQuery, type DirectArg } from "./direct";
import { param, selectJsonRows, valuesRows } from "./sql";

/** Rows per statement: bounds the JSON text of one statement (the largest import has ~100,000 records). */
const MAX_ROWS = 2_000;

/** Rows per prepared multi-row INSERT (measured: 8 to 128 are alike, 1 and 512 slower). */
const PREPARED_ROWS = 32;
/** SQLite's limit on the bound parameters of one statement. */
const MAX_VARIABLES = 32_766;

/** The last date written and its text: an import's rows share one timestamp (~4,600 values in the bench's, 2-3 ms to format each time). */
let lastDateMs = NaN;
let lastDateText = "";

/** A date as Prisma writes it on SQLite (ISO, "+00:00"); an invalid one throws as toISOString does. */
function dateText(d: Date): string {
  const ms = d.getTime();
  if (ms !== lastDateMs) {
    lastDateText = d.toISOString().replace(/Z$/, "+00:00");
    lastDateMs = ms;
  }
  return lastDateText;
}

/** A column's value inside the JSON parameter: booleans as 0/1, JSON values as their text, dates as Prisma writes them on SQLite (PostgreSQL casts the same text). */
function jsonValue(v: unknown): string | number | null {
  // (By type first: strings and numbers, most of the values, return after one test.)
  switch (typeof v) {
    case "string":
    case "number":
      return v;
    case "boolean":
      return v ? 1 : 0;
    case "bigint":
      return Number(v);
    case "object":
      if (v === null || v === Prisma.DbNull || v === Prisma.JsonNull || v === dbNulls.DbNull || v === dbNulls.JsonNull) return null;
      if (v instanceof Date) return dateText(v);
      return JSON.stringify(v);
    default:
      // undefined, and what JSON.stringify makes of anything else in an array
      return null;
  }
}

const INT64_MIN = -(2 ** 63);
const INT64_MAX_EXCLUSIVE = 2 ** 63;

/**
 * A column's value bound as SQLite reads the same value out of the JSON text: an integral number
 * as an integer (libsql binds every JS number as a REAL, which a TEXT or untyped column would keep
 * as "5.0"), a non-finite one as NULL (JSON has none).
 */
function boundValue(v: unknown): DirectArg {
  const j = jsonValue(v);
  if (typeof j !== "number") return j;
  if (!Number.isFinite(j)) return null;
  return Number.isInteger(j) && j >= INT64_MIN && j < INT64_MAX_EXCLUSIVE ? BigInt(j) : j;
}

/** A value as the direct statements here bind it (a Date as Prisma writes it on SQLite, booleans as 0/1, JSON as text). */
export const boundArg: (v: unknown) => DirectArg = boundValue;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoted(names: readonly string[]): string {
  return names.map((c) => `"${c}"`).join(", ");
}

/**
 * Inserts `rows` into `table` (every row gets the union of the columns; missing ones are NULL) and
 * returns the `returning` columns of each row (none: nothing is returned). Table and column names
 * must be plain identifiers (they come from code, never from input). A JSON column's value given as
 * a string is taken as its JSON text.
 */
export async function bulkInsert(tx: Tx, table: string, rows: Record<string, unknown>[], returning: string[] = ["id"]): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const cols = columnsOf(rows);
  for (const c of [table, ...cols, ...returning]) if (!IDENT.test(c)) throw new Error(`bulkInsert: not an identifier: ${c}`);
  const tail = returning.length > 0 ? ` RETURNING ${quoted(returning)}` : "";
  const direct = await directQuery(tx);
  if (direct?.repeat) return insertPrepared(direct.repeat, `INSERT INTO "${table}" (${quoted(cols)}) VALUES `, tail, cols, rows);
  const sql = `INSERT INTO "${table}" (${quoted(cols)}) ${selectJsonRows(table, cols, 1)}${tail}`;
  const run = await statementRunner(tx);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < rows.length; i += MAX_ROWS) out.push(...(await run(sql, JSON.stringify(rows.slice(i, i + MAX_ROWS).map((r) => cols.map((c) => jsonValue(r[c])))))));
  return out;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The union of the rows' keys, in the order they first appear (rows of one shape are read once). */
function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const cols: string[] = [];
  const seen = new Set<string>();
  let prev: string[] | undefined;
  for (const r of rows) {
    const keys = Object.keys(r);
    if (prev && sameList(keys, prev)) continue;
    for (const k of keys) if (!seen.has(k)) {
      seen.add(k);
      cols.push(k);
    }
    prev = keys;
  }
  return cols;
}

type Repeat = NonNullable<NonNullable<Awaited<ReturnType<typeof directQuery>>>["repeat"]>;

/**
 * The rows as bound values, PREPARED_ROWS rows per statement, the rest in one statement (its shape
 * recurs too: each SD config's ten Devices; one statement per remaining row cost ~17 µs a row).
 */
async function insertPrepared(repeat: Repeat, head: string, tail: string, cols: readonly string[], rows: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const per = Math.max(1, Math.min(PREPARED_ROWS, Math.floor(MAX_VARIABLES / cols.length)));
  const whole = Math.floor(rows.length / per) * per;
  const argsOf = (from: number, to: number): DirectArg[] => {
    const args = new Array<DirectArg>((to - from) * cols.length);
    let k = 0;
    // (Each value looked up by its column: measured on the bench's 1,000 Jobs, 1.1 ms against 3.5 ms
    // for taking a row's Object.values after checking that its keys are the columns.)
    for (let r = from; r < to; r++) {
      const row = rows[r];
      for (let c = 0; c < cols.length; c++) args[k++] = boundValue(row[cols[c]]);
    }
    return args;
  };
  const chunks: DirectArg[][] = [];
  for (let i = 0; i < whole; i += per) chunks.push(argsOf(i, i + per));
  const out = chunks.length > 0 ? await repeat(head + valuesRows(cols.length, per) + tail, chunks) : [];
  if (whole < rows.length) out.push(...(await repeat(head + valuesRows(cols.length, rows.length - whole) + tail, [argsOf(whole, rows.length)])));
  return out;
}

/** Sets one column of many rows by id in one statement (`UPDATE … FROM` the pairs as JSON rows). */
export async function bulkSetColumn(tx: Tx, table: string, column: string, pairs: readonly [number, unknown][]): Promise<void> {
  await bulkUpdate(tx, table, [column], pairs);
}

/**
 * Sets `columns` of many rows by id in one statement: each row is [id, ...the columns' values in
 * order] (`UPDATE … FROM` the rows as JSON). Values as bulkInsert writes them.
 */
export async function bulkUpdate(tx: Tx, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  for (const c of [table, ...columns]) if (!IDENT.test(c)) throw new Error(`bulkUpdate: not an identifier: ${c}`);
  if (columns.length === 0 || columns.includes("id")) throw new Error("bulkUpdate: set at least one column, never the id");
  const direct = await directQuery(tx);
  if (direct?.repeat) {
    // One prepared UPDATE run once per row (SQLite: a statement with bound values, compiled once).
    const setList = columns.map((c, i) => `"${c}" = ${param(i + 1)}`).join(", ");
    await direct.repeat(`UPDATE "${table}" SET ${setList} WHERE "id" = ${param(columns.length + 1)}`, rows.map((r) => [...r.slice(1).map(boundValue), boundValue(r[0])]));
    return;
  }
  const sets = columns.map((c) => `"${c}" = j."${c}"`).join(", ");
  await runInJsonChunks(tx, `UPDATE "${table}" SET ${sets} FROM (${selectJsonRows(table, ["id", ...columns], 1)}) AS j WHERE "${table}"."id" = j."id"`, rows);
}

/**
 * Inserts or updates many rows in one statement: each row holds the values of `columns` in order;
 * a row whose `conflict` columns (a unique key, all in `columns`) match an existing row sets that
 * row's other columns instead (`INSERT … ON CONFLICT … DO UPDATE`).
 */
export async function bulkUpsert(tx: Tx, table: string, conflict: readonly string[], columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  if (rows.length === 0) return;
  for (const c of [table, ...columns]) if (!IDENT.test(c)) throw new Error(`bulkUpsert: not an identifier: ${c}`);
  if (!conflict.every((c) => columns.includes(c))) throw new Error("bulkUpsert: the conflict columns must be among the columns");
  const sets = columns.filter((c) => !conflict.includes(c)).map((c) => `"${c}" = excluded."${c}"`);
  if (sets.length === 0) throw new Error("bulkUpsert: nothing to update");
  await runInJsonChunks(tx, `INSERT INTO "${table}" (${quoted(columns)}) ${selectJsonRows(table, columns, 1)} ON CONFLICT (${quoted(conflict)}) DO UPDATE SET ${sets.join(", ")}`, rows);
}

/** `sql` (its one parameter: the rows as JSON) run once per MAX_ROWS rows, the values as jsonValue gives them. */
async function runInJsonChunks(tx: Tx, sql: string, rows: readonly (readonly unknown[])[]): Promise<void> {
  const run = await statementRunner(tx);
  for (let i = 0; i < rows.length; i += MAX_ROWS) await run(sql, JSON.stringify(rows.slice(i, i + MAX_ROWS).map((r) => r.map(jsonValue))));
}

/** Runs `sql` with one JSON text as its only parameter on the transaction's own connection (else through Prisma). */
export async function runJsonStatement(tx: Tx, sql: string, json: string): Promise<void> {
  await (await statementRunner(tx))(sql, json);
}

/** Runs a statement with its one JSON parameter on the transaction's connection (lib/db/direct.ts), else through Prisma. */
async function statementRunner(tx: Tx): Promise<(sql: string, json: string) => Promise<Record<string, unknown>[]>> {
  const direct = await directQuery(tx);
  if (direct) return (sql, json) => direct(sql, [json]);
  return (sql, json) => tx.$queryRawUnsafe<Record<string, unknown>[]>(sql, json);
}
