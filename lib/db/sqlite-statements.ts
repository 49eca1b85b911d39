/**
 * Prepared statements kept on one SQLite connection (libsql), for lib/db/direct.ts's `repeat`: a
 * statement run many times with other arguments (a multi-row INSERT chunk after chunk) is compiled
 * once instead of once per run. @libsql/client prepares every statement afresh and converts each
 * row into an object with defined properties; here rows come back as plain objects of the result
 * columns, integers as numbers (as @libsql/client's "number" mode gives them, refusing the unsafe).
 */
import { LibsqlError } from "@libsql/client";
import Database from "libsql";

export type SqliteArg = string | number | bigint | null;

/** Statements kept per connection: bounds the cache when many statement shapes pass by. */
const MAX_STATEMENTS = 64;

function fromSql(v: unknown): unknown {
  if (typeof v === "bigint") {
    if (v < BigInt(Number.MIN_SAFE_INTEGER) || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError("Received integer which cannot be safely represented as a JavaScript number");
    return Number(v);
  }
  if (v instanceof Buffer) return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength);
  return v;
}

interface Prepared {
  stmt: Database.Statement<[SqliteArg[]]>;
  /** Result column names; empty for a statement that returns no rows. */
  columns: string[];
}

export class SqliteStatements {
  readonly #db: Database.Database;
  readonly #cache = new Map<string, Prepared>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  #prepared(sql: string): Prepared {
    let p = this.#cache.get(sql);
    if (p) return p;
    const stmt = this.#db.prepare<[SqliteArg[]]>(sql);
    stmt.safeIntegers(true);
    let columns: string[] = [];
    try {
      stmt.raw(true);
      columns = stmt.columns().map((c) => c.name);
    } catch {
      // raw() throws for a statement that returns no rows
    }
    p = { stmt, columns };
    if (this.#cache.size >= MAX_STATEMENTS) this.#cache.clear();
    this.#cache.set(sql, p);
    return p;
  }

  /** Runs `sql` once per argument list, in order; the rows of every run. Errors as @libsql/client reports them. */
  repeat(sql: string, argLists: readonly (readonly SqliteArg[])[]): Record<string, unknown>[] {
    try {
      return this.#repeat(sql, argLists);
    } catch (e) {
      throw e instanceof Database.SqliteError ? new LibsqlError(e.message, e.code, e.rawCode, e) : e;
    }
  }

  #repeat(sql: string, argLists: readonly (readonly SqliteArg[])[]): Record<string, unknown>[] {
    const { stmt, columns } = this.#prepared(sql);
    const out: Record<string, unknown>[] = [];
    for (const args of argLists) {
      // (One array argument: libsql takes a lone non-array object as named parameters.)
      if (columns.length === 0) {
        stmt.run(args as SqliteArg[]);
        continue;
      }
      for (const raw of stmt.all(args as SqliteArg[]) as unknown[][]) {
        const row: Record<string, unknown> = {};
        for (let i = 0; i < columns.length; i++) row[columns[i]] = fromSql(raw[i]);
        out.push(row);
      }
    }
    return out;
  }

  clear(): void {
    this.#cache.clear();
  }
}
