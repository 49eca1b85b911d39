import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { isProbe, offerConnection } from "./direct";
import { parsePgTarget, writableHostClient } from "./pg-hosts";

/** PostgreSQL's `name` (63-byte identifiers) and `"char"`: the catalogs' text types. */
const NAME_OID = 19;
const CHAR_OID = 18;
const TEXT_OID = 25;

type Query = pg.PoolClient["query"];

/**
 * Prisma's driver adapter for PostgreSQL over a node-postgres pool.
 *
 * @prisma/adapter-pg 6.19 refuses result columns of the catalogs' `name` and `"char"` types
 * (UnsupportedNativeDataType), and the schema engine reads pg_catalog through the adapter, so
 * `prisma migrate deploy` fails with "Column type 'name' could not be deserialized" (Prisma issue
 * 27403). Both are text on the wire: each pooled connection reports them as text. The app's own
 * tables have neither type.
 */
export function pgAdapter(url: string, max: number, o: { idleTimeoutMs?: number } = {}): PrismaPg {
  // allowExitOnIdle: the CLI (migrate deploy) exits once its work is done instead of after the idle timeout.
  // Several hosts (the app database replicated between sites): connect to the writable one (lib/db/pg-hosts.ts).
  const target = parsePgTarget(url);
  const many = target.readWrite;
  const pool = new pg.Pool({
    connectionString: many ? target.urlOf(target.hosts[0]) : url,
    ...(many ? { Client: writableHostClient(target) } : {}),
    max,
    allowExitOnIdle: true,
    idleTimeoutMillis: o.idleTimeoutMs ?? 10_000,
    application_name: process.env.DATABASE_APPLICATION_NAME ?? "bacula-ha-dashboard",
  });
  const asText = (res: pg.QueryResult | undefined) => {
    for (const f of res?.fields ?? []) if (f.dataTypeID === NAME_OID || f.dataTypeID === CHAR_OID) f.dataTypeID = TEXT_OID;
    return res;
  };
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    // Inside a transaction (Prisma sends BEGIN, COMMIT and ROLLBACK as statements), the connection
    // serves lib/db/direct.ts's raw statements for it. Each transaction is numbered: a connection
    // claimed in one refuses statements once that one has ended.
    let transaction = 0;
    let inTransaction = false;
    const directIn = (t: number) => async (sql: string, values: readonly unknown[]) => {
      if (!inTransaction || transaction !== t) throw new Error("direct statement: the transaction it was claimed in has ended");
      return ((await query(sql, [...values])) as pg.QueryResult<Record<string, unknown>>).rows;
    };
    (client as { query: Query }).query = ((...args: unknown[]) => {
      const first = args[0];
      const text = typeof first === "string" ? first : first && typeof first === "object" && "text" in first && typeof first.text === "string" ? first.text : "";
      if (text === "BEGIN") {
        inTransaction = true;
        transaction++;
      } else if (text === "COMMIT" || text === "ROLLBACK") inTransaction = false;
      else if (inTransaction && isProbe(text)) offerConnection(text, directIn(transaction));
      // pool.query() passes a callback; the adapter's transactions await the promise.
      const last = args.length - 1;
      const cb = args[last];
      if (typeof cb === "function") {
        args[last] = (err: unknown, res: pg.QueryResult | undefined) => (cb as (e: unknown, r: unknown) => void)(err, err ? res : asText(res));
        return query(...args);
      }
      const r = query(...args);
      return r && typeof (r as Promise<unknown>).then === "function" ? (r as Promise<pg.QueryResult>).then(asText) : r;
    }) as Query;
  });
  // An idle connection the server ended (a restart, a promotion of the app's database) must not crash the process.
  pool.on("error", (err) => console.error("database: an idle connection failed:", err.message));
  return new PrismaPg(pool, { disposeExternalPool: true });
}
