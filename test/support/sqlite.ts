import Database from "libsql";
import { BUSY_TIMEOUT_MS } from "../../lib/db/adapter";

export type SqliteDb = Database.Database;

/**
 * A synchronous connection to an SQLite file (libSQL, the app's driver) for fixtures written beside a
 * running server: it waits for the server's locks as the server waits for its own.
 */
export function openSqlite(file: string): SqliteDb {
  const db = new Database(file);
  db.prepare(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`).get();
  return db;
}
