/**
 * Rows of one model read with a raw statement on the transaction's own connection (direct.ts), each
 * given back as Prisma's findMany gives it: every scalar column, booleans as booleans, JSON parsed,
 * dates as Date, BigInt columns as bigint. A re-import reads every stored row of a Director (the
 * bench config: ~1,550), and through Prisma that cost most of its time (the query compiler, then
 * the driver's and Prisma's conversion of each row into objects) against a few milliseconds here.
 *
 * Only equality conditions (AND), and an order by one column. The columns' types come from
 * prisma/schema.prisma, as lib/db/sql.ts takes them.
 */
import { Prisma } from "@prisma/client";
import { currentDialect, type Dialect } from "./dialect";
import { rawQuery, type DirectArg, type RawClient } from "./direct";
import { param, type ScalarType } from "./sql";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Column {
  /** The field's name (what Prisma's rows are keyed by). */
  field: string;
  /** The column's name in the table. */
  column: string;
  type: ScalarType;
  list: boolean;
}

interface ModelShape {
  table: string;
  columns: Column[];
  /** By field name. */
  byField: Map<string, Column>;
  /** The SELECT list, by dialect. */
  select: Partial<Record<Dialect, string>>;
}

const shapes = new Map<string, ModelShape>();

/** A model's table and scalar columns (model = Prisma's model name, "Job", or its client property, "job"). */
function shapeOf(model: string): ModelShape {
  const known = shapes.get(model);
  if (known) return known;
  const m = Prisma.dmmf.datamodel.models.find((x) => x.name === model || x.name.toLowerCase() === model.toLowerCase());
  if (!m) throw new Error(`rawFindMany: no model ${model} in the schema`);
  const columns = m.fields
    .filter((f) => f.kind === "scalar" || f.kind === "enum")
    .map((f) => ({ field: f.name, column: f.dbName ?? f.name, type: (f.kind === "enum" ? "String" : f.type) as ScalarType, list: f.isList }));
  for (const c of columns) {
    if (c.list || c.type === "Decimal" || c.type === "Bytes") throw new Error(`rawFindMany: ${m.name}.${c.field} (${c.type}${c.list ? "[]" : ""}) is not read here`);
    if (!IDENT.test(c.column)) throw new Error(`rawFindMany: not an identifier: ${c.column}`);
  }
  const shape: ModelShape = { table: m.dbName ?? m.name, columns, byField: new Map(columns.map((c) => [c.field, c])), select: {} };
  shapes.set(model, shape);
  return shape;
}

function selectList(shape: ModelShape, d: Dialect): string {
  const known = shape.select[d];
  if (known) return known;
  // PostgreSQL's driver reads a timestamp without time zone as local time: read the text instead
  // (Prisma keeps those columns in UTC); a bigint it gives as text, as it does here (converted below).
  const list = shape.columns
    .map((c) => (d === "postgresql" && c.type === "DateTime" ? `"${c.column}"::text AS "${c.field}"` : c.column === c.field ? `"${c.column}"` : `"${c.column}" AS "${c.field}"`))
    .join(", ");
  shape.select[d] = list;
  return list;
}

/** A date as either database gives it as text: ISO with a zone (Prisma on SQLite), or without one (UTC). */
function dateOf(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  if (typeof v === "number" || typeof v === "bigint") return new Date(Number(v));
  const s = String(v).replace(" ", "T");
  return new Date(/(Z|[+-]\d\d(:?\d\d)?)$/.test(s) ? s : `${s}Z`);
}

function decode(c: Column, v: unknown, d: Dialect): unknown {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case "Boolean":
      return typeof v === "boolean" ? v : Number(v) !== 0;
    case "Json":
      // SQLite keeps JSON as text; PostgreSQL's driver gives jsonb parsed (a JSON string as a string).
      return d === "sqlite" && typeof v === "string" ? JSON.parse(v) : v;
    case "DateTime":
      return dateOf(v);
    case "BigInt":
      return typeof v === "bigint" ? v : BigInt(v as string | number);
    case "Int":
    case "Float":
      return typeof v === "number" ? v : Number(v);
    default:
      return v;
  }
}

/** Values of one `IN` list per statement (both databases bound a statement's parameters). */
const IN_CHUNK = 500;

type WhereValue = DirectArg | boolean | undefined | readonly DirectArg[];

/**
 * The rows of `model` whose fields equal `where`'s values (null: IS NULL; undefined: no condition;
 * a list: IN, one at most, read in chunks of IN_CHUNK values), ordered by `orderBy` (a field,
 * ascending, the database's collation) when given, else by the database's choice.
 */
export async function rawFindMany<T = Record<string, unknown>>(
  tx: RawClient,
  model: string,
  where: Record<string, WhereValue>,
  opts: { orderBy?: string } = {},
  d: Dialect = currentDialect(),
): Promise<T[]> {
  const shape = shapeOf(model);
  const lists = Object.entries(where).filter((e): e is [string, readonly DirectArg[]] => Array.isArray(e[1]));
  if (lists.length > 1) throw new Error("rawFindMany: one list condition at most");
  if (lists.length === 1) {
    const [field, values] = lists[0];
    if (values.length === 0) return [];
    if (values.length > IN_CHUNK && opts.orderBy) throw new Error("rawFindMany: no order across chunks of a long list");
    const out: T[] = [];
    for (let i = 0; i < values.length; i += IN_CHUNK) out.push(...(await select<T>(tx, shape, { ...where, [field]: values.slice(i, i + IN_CHUNK) }, opts, d)));
    return out;
  }
  return select<T>(tx, shape, where, opts, d);
}

async function select<T>(tx: RawClient, shape: ModelShape, where: Record<string, WhereValue>, opts: { orderBy?: string }, d: Dialect): Promise<T[]> {
  const args: DirectArg[] = [];
  const conds: string[] = [];
  const bound = (c: Column, value: DirectArg | boolean) => {
    args.push(typeof value === "boolean" ? (d === "postgresql" ? String(value) : value ? 1 : 0) : value);
    return `${param(args.length, d)}${d === "postgresql" && c.type === "Boolean" ? "::boolean" : ""}`;
  };
  for (const [field, value] of Object.entries(where)) {
    // (As in Prisma's where: an undefined value sets no condition.)
    if (value === undefined) continue;
    const c = shape.byField.get(field);
    if (!c) throw new Error(`rawFindMany: no field ${shape.table}.${field}`);
    if (value === null) conds.push(`"${c.column}" IS NULL`);
    else if (Array.isArray(value)) conds.push(`"${c.column}" IN (${value.map((v) => bound(c, v)).join(", ")})`);
    else conds.push(`"${c.column}" = ${bound(c, value as DirectArg | boolean)}`);
  }
  let sql = `SELECT ${selectList(shape, d)} FROM "${shape.table}"${conds.length ? ` WHERE ${conds.join(" AND ")}` : ""}`;
  if (opts.orderBy) {
    const c = shape.byField.get(opts.orderBy);
    if (!c) throw new Error(`rawFindMany: no field ${shape.table}.${opts.orderBy}`);
    sql += ` ORDER BY "${c.column}" ASC`;
  }
  const rows = await rawQuery<Record<string, unknown>>(tx, sql, args);
  const out = new Array<T>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const row: Record<string, unknown> = {};
    for (const c of shape.columns) row[c.field] = decode(c, r[c.field], d);
    out[i] = row as T;
  }
  return out;
}
