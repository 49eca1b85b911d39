import { pathToFileURL } from "node:url";
import { createClient, type Client, type Config, type InStatement, type ResultSet, type Transaction, type TransactionMode } from "@libsql/client";
import { Sqlite3Client } from "@libsql/client/sqlite3";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import Database from "libsql";
import { isProbe, offerConnection, type DirectArg, type DirectQuery } from "./direct";
import { CheckpointAfterLargeWrites } from "./sqlite-checkpoint";
import { SqliteStatements, type SqliteArg } from "./sqlite-statements";

/**
 * How long a statement waits for a lock another process holds (the CLI importing while the server
 * runs, a test writing fixtures) before SQLITE_BUSY: better-sqlite3's default, which the app had.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Prisma's driver adapter for the embedded SQLite file, over libSQL (a SQLite fork whose native
 * binary ships inside npm packages: nothing is compiled or downloaded at install).
 *
 * One connection per client, as with better-sqlite3. Stock @libsql/client hands its connection to
 * each transaction and opens a new one for what follows: the old one stays open until garbage
 * collection (measured: 3,000 transactions left 3,000 open files) and every new connection starts
 * without a busy timeout and re-reads the schema (2.5x slower writes). Running the transaction on
 * the same connection is safe because Prisma's adapter holds its own mutex from BEGIN to COMMIT or
 * ROLLBACK: nothing else reaches the connection meanwhile.
 *
 * The connection to the file is opened here (as @libsql/client opens it) so that the transaction's
 * direct statements (lib/db/direct.ts) can also run prepared statements on it (sqlite-statements.ts).
 */
export class SqliteAdapter extends PrismaLibSQL {
  readonly #file: string;
  readonly #url: string;

  constructor(file: string) {
    // A file URL, percent-encoded: a path may hold spaces, "#" or "?".
    const url = pathToFileURL(file).href;
    super({ url });
    this.#file = file;
    this.#url = url;
  }

  override createClient(config: Config): Client {
    // Another URL (the shadow database of a migration, ":memory:"): stock client, no prepared statements.
    if (config.url !== this.#url || config.intMode !== undefined) return new OneConnectionClient(createClient(config), BUSY_TIMEOUT_MS);
    const options: Database.Options = {};
    const db = new Database(this.#file, options);
    db.prepare("SELECT 1 AS checkThatTheDatabaseCanBeOpened").get();
    return new OneConnectionClient(new Sqlite3Client(this.#file, options, db, "number"), BUSY_TIMEOUT_MS, new SqliteStatements(db), new CheckpointAfterLargeWrites(db, this.#file));
  }
}

const BEGIN: Record<TransactionMode, string> = {
  write: "BEGIN IMMEDIATE",
  read: "BEGIN TRANSACTION READONLY",
  deferred: "BEGIN DEFERRED",
};

/** @libsql/client's Client for a local file, with its transactions kept on its one connection. */
export class OneConnectionClient implements Client {
  readonly #inner: Client;
  readonly #ready: Promise<unknown>;
  readonly #statements: SqliteStatements | undefined;
  readonly #checkpoints: CheckpointAfterLargeWrites | undefined;

  /**
   * `statements`: prepared statements on the same connection as `inner`, for the transactions'
   * direct statements; `checkpoints`: the log checkpointed after large transactions (sqlite-checkpoint.ts).
   */
  constructor(inner: Client, busyTimeoutMs: number, statements?: SqliteStatements, checkpoints?: CheckpointAfterLargeWrites) {
    this.#inner = inner;
    this.#statements = statements;
    this.#checkpoints = checkpoints;
    this.#ready = inner.execute(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`).then(() =>
      // Write-ahead log: one fsync per commit (synchronous stays FULL, so a commit is on disk once
      // acknowledged) instead of the rollback journal's three or four (measured here: 0.15 against
      // 0.6 ms per small commit), and readers no longer wait for a writer. SQLite keeps the mode in
      // the file; when another process holds the file locked, it stays in the mode it has.
      inner.execute("PRAGMA journal_mode = WAL").catch(() => undefined),
    );
  }

  get closed(): boolean {
    return this.#inner.closed;
  }

  get protocol(): string {
    return this.#inner.protocol;
  }

  async execute(stmt: InStatement): Promise<ResultSet> {
    await this.#ready;
    return this.#inner.execute(stmt);
  }

  async batch(stmts: InStatement[], mode?: TransactionMode): Promise<ResultSet[]> {
    await this.#ready;
    return this.#inner.batch(stmts, mode);
  }

  async executeMultiple(sql: string): Promise<void> {
    await this.#ready;
    return this.#inner.executeMultiple(sql);
  }

  async transaction(mode: TransactionMode = "write"): Promise<Transaction> {
    await this.#ready;
    await this.#inner.execute(BEGIN[mode]);
    const checkpoints = this.#checkpoints;
    if (!checkpoints) return new SameConnectionTransaction(this.#inner, this.#statements);
    const since = checkpoints.mark();
    return new SameConnectionTransaction(this.#inner, this.#statements, (committed) => (committed ? checkpoints.committed(since) : checkpoints.rolledBack(since)));
  }

  sync(): Promise<void> {
    return this.#inner.sync();
  }

  close(): void {
    this.#statements?.clear();
    this.#checkpoints?.close();
    this.#inner.close();
  }
}

class SameConnectionTransaction implements Transaction {
  readonly #db: Client;
  readonly #statements: SqliteStatements | undefined;
  readonly #onEnd: ((committed: boolean) => void) | undefined;
  #open = true;
  /** Statements Prisma ran here, probes left out (DirectQuery.prismaStatements). */
  #prismaStatements = 0;

  constructor(db: Client, statements?: SqliteStatements, onEnd?: (committed: boolean) => void) {
    this.#db = db;
    this.#statements = statements;
    this.#onEnd = onEnd;
  }

  get closed(): boolean {
    return !this.#open;
  }

  #check(): void {
    if (!this.#open) throw new Error("The transaction is closed");
  }

  async execute(stmt: InStatement): Promise<ResultSet> {
    this.#check();
    // A probe of lib/db/direct.ts: this transaction's connection serves raw statements past Prisma's compiler.
    const sql = typeof stmt === "string" ? stmt : stmt.sql;
    if (isProbe(sql)) offerConnection(sql, this.#directQuery());
    else this.#prismaStatements++;
    return this.#db.execute(stmt);
  }

  #directQuery(): DirectQuery {
    const run: DirectQuery = Object.assign((q: string, args: readonly DirectArg[]) => this.#direct(q, args), { prismaStatements: () => this.#prismaStatements });
    const statements = this.#statements;
    if (!statements) return run;
    return Object.assign(run, {
      repeat: async (q: string, argLists: readonly (readonly SqliteArg[])[]) => {
        this.#check();
        return statements.repeat(q, argLists);
      },
    });
  }

  async #direct(sql: string, args: readonly DirectArg[]): Promise<Record<string, unknown>[]> {
    this.#check();
    const rs = await this.#db.execute({ sql, args: [...args] });
    return rs.rows.map((row) => Object.fromEntries(rs.columns.map((c, i) => [c, row[i]])));
  }

  async batch(stmts: InStatement[]): Promise<ResultSet[]> {
    this.#check();
    this.#prismaStatements += stmts.length;
    const out: ResultSet[] = [];
    for (const s of stmts) out.push(await this.#db.execute(s));
    return out;
  }

  async executeMultiple(sql: string): Promise<void> {
    this.#check();
    this.#prismaStatements++;
    await this.#db.executeMultiple(sql);
  }

  async commit(): Promise<void> {
    this.#check();
    try {
      await this.#db.execute("COMMIT");
      this.#open = false;
    } catch (err) {
      // A failed COMMIT (a deferred constraint, a lock) leaves the transaction open: end it, or the
      // connection would run everything after it inside this transaction.
      await this.rollback();
      throw err;
    }
    // (After the try: the transaction is committed whatever this does.)
    try {
      this.#onEnd?.(true);
    } catch {
      // what follows a commit (the log's checkpoint) is no part of it
    }
  }

  async rollback(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    // SQLite may have rolled back already (some errors end the transaction): then there is none to end.
    await this.#db.execute("ROLLBACK").catch((err: unknown) => {
      if (!/no transaction is active/i.test(String(err))) throw err;
    });
    try {
      this.#onEnd?.(false);
    } catch {
      // (readying the checkpoint's worker is no part of the rollback)
    }
  }

  close(): void {
    if (this.#open) void this.rollback().catch(() => undefined);
  }
}
