/**
 * Raw statements of an open Prisma transaction run on the transaction's own connection, past
 * Prisma's query compiler. Every statement through Prisma is compiled (JSON-encoded, read by the
 * compiler, written back as a plan, read again), even a raw one: a statement whose parameter is one
 * large JSON text (bulk.ts) costs ~30 ms per 700 KB there, against ~2 ms on the driver.
 *
 * How a transaction finds its connection: a probe statement carrying a fresh token goes through the
 * transaction like any other; the adapters (adapter.ts for SQLite, pg-adapter.ts for PostgreSQL) see
 * it arrive on the connection inside the open transaction and hand that connection over for the
 * token. A probe that no adapter claims (another adapter, a client outside a transaction) leaves
 * the caller on the Prisma path. The connection is remembered for the transaction's client object
 * only; once that transaction has ended, the connection refuses its statements (the adapters check
 * that the transaction they were claimed in is still the open one).
 */
import { randomBytes } from "node:crypto";

/** A bound parameter of a direct statement. */
export type DirectArg = string | number | bigint | null;

/** Runs one statement on the claimed connection; rows as objects keyed by column name. */
export interface DirectQuery {
  (sql: string, args: readonly DirectArg[]): Promise<Record<string, unknown>[]>;
  /**
   * The same statement once per argument list, in order, compiled once: the rows of every run.
   * Offered where the connection keeps prepared statements (SQLite); absent on PostgreSQL.
   */
  readonly repeat?: (sql: string, argLists: readonly (readonly DirectArg[])[]) => Promise<Record<string, unknown>[]>;
  /**
   * How many statements Prisma itself has run in this transaction so far, probes left out (SQLite):
   * what a recording of the direct statements (recordStatements) did not see.
   */
  readonly prismaStatements?: () => number;
}

/** A direct statement as it ran: its arguments (one list, or one per run of `repeat`) and its rows. */
export interface RecordedStatement {
  sql: string;
  args?: readonly DirectArg[];
  argLists?: readonly (readonly DirectArg[])[];
  rows: readonly Record<string, unknown>[];
}

/** Transactions whose direct statements are being recorded, and the log each goes to. */
const recordings = new WeakMap<Probeable, RecordedStatement[]>();
const wrapped = new WeakMap<Probeable, DirectQuery>();

/**
 * Records every direct statement `tx` runs from now on (directQuery, rawQuery and what lib/db/bulk.ts
 * writes) into `log`, with its rows, until stopRecording. The row objects are the ones handed to
 * the caller, which must not change them (a changed one makes a replay find the rows differ).
 */
export function recordStatements(tx: Probeable, log: RecordedStatement[]): void {
  recordings.set(tx, log);
  wrapped.delete(tx);
}

export function stopRecording(tx: Probeable): void {
  recordings.delete(tx);
  wrapped.delete(tx);
}

function recording(run: DirectQuery, log: RecordedStatement[]): DirectQuery {
  const call: DirectQuery = async (sql, args) => {
    const rows = await run(sql, args);
    // (A copy of the list: callers append to the one they get.)
    log.push({ sql, args: [...args], rows: [...rows] });
    return rows;
  };
  const extra: { repeat?: DirectQuery["repeat"]; prismaStatements?: DirectQuery["prismaStatements"] } = { prismaStatements: run.prismaStatements };
  const repeat = run.repeat;
  if (repeat)
    extra.repeat = async (sql, argLists) => {
      const rows = await repeat(sql, argLists);
      log.push({ sql, argLists: argLists.map((a) => [...a]), rows: [...rows] });
      return rows;
    };
  return Object.assign(call, extra);
}

const CLAIMED = Symbol.for("bacula-ha-dashboard.direct.claimed");
const PROBE_PREFIX = 'SELECT 1 AS "direct_probe_';
const PROBE = /^SELECT 1 AS "direct_probe_([0-9a-f]{32})"$/;
/**
 * Probe token -> the connection that ran it. One map per process, on globalThis: the Prisma client
 * is one per process too (lib/db/client.ts), but Next's server bundles may load this module more
 * than once (instrumentation and the routes' chunks), and a probe run by the adapter of one copy
 * must be found by the caller in another, or every transaction silently takes the slow path.
 */
const claimed: Map<string, DirectQuery> = ((globalThis as { [CLAIMED]?: Map<string, DirectQuery> })[CLAIMED] ??= new Map());

/** For the adapters: whether a statement is a probe (checked for every statement of a transaction). */
export function isProbe(sql: string): boolean {
  return sql.startsWith(PROBE_PREFIX);
}

/**
 * For the adapters: a probe statement a connection runs while inside a transaction is claimed for
 * that connection (the probe itself is still run and answered as usual).
 */
export function offerConnection(sql: string, run: DirectQuery): void {
  const m = PROBE.exec(sql);
  if (m) claimed.set(m[1], run);
}

export interface Probeable {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

const known = new WeakMap<Probeable, DirectQuery | null>();

/** The transaction's own connection, or undefined when its adapter does not offer it. */
export async function directQuery(tx: Probeable): Promise<DirectQuery | undefined> {
  const run = await claimedQuery(tx);
  const log = run && recordings.get(tx);
  if (!run || !log) return run;
  return wrapped.get(tx) ?? wrapped.set(tx, recording(run, log)).get(tx)!;
}

async function claimedQuery(tx: Probeable): Promise<DirectQuery | undefined> {
  const seen = known.get(tx);
  if (seen !== undefined) return seen ?? undefined;
  const token = randomBytes(16).toString("hex");
  try {
    await tx.$queryRawUnsafe(`SELECT 1 AS "direct_probe_${token}"`);
    const run = claimed.get(token);
    // Only a claimed connection is remembered: an unclaimed probe is asked again (cheap, and a
    // client outside a transaction never gets a connection of its own).
    if (run) known.set(tx, run);
    return run;
  } finally {
    claimed.delete(token);
  }
}

export interface RawClient extends Probeable {
  $transaction?: unknown;
}

/**
 * A raw statement (`sql` with positional parameters, as lib/db/sql.ts's `param` writes them): in a
 * transaction whose adapter offers its connection, run there (~0.03 ms); otherwise, and outside a
 * transaction, through Prisma (~1 ms each: every statement there is compiled, raw ones too). Rows as
 * objects keyed by column name.
 */
export async function rawQuery<T extends Record<string, unknown>>(db: RawClient, sql: string, args: readonly DirectArg[]): Promise<T[]> {
  // (A transaction's client has no $transaction of its own: the top-level client is never probed.)
  const direct = typeof db.$transaction === "function" ? undefined : await directQuery(db);
  if (!direct) return db.$queryRawUnsafe<T[]>(sql, ...args);
  return (direct.repeat ? await direct.repeat(sql, [args]) : await direct(sql, args)) as T[];
}
