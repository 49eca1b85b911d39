/**
 * The write-ahead log checkpointed after a large write transaction, once the event loop is free,
 * instead of inside some later COMMIT.
 *
 * SQLite copies the log back into the database file when a COMMIT finds the log past 1,000 pages
 * (its auto-checkpoint), and the COMMIT that crosses it pays for the copy and two fsyncs. Measured
 * on the import bench (1,550 records, ~350 log pages each): every third import's COMMIT took
 * 9.4–11.2 ms instead of 2.6–3.2 ms. A transaction that changed many rows is checkpointed here
 * right after its COMMIT has returned (its request answered first), so the next large one starts
 * on an emptied log and its COMMIT only writes its own pages. Small transactions keep SQLite's
 * auto-checkpoint, which stays on as the bound of the log.
 *
 * The checkpoint is PASSIVE: it never waits for a lock and never blocks another connection's
 * readers or writers; what it cannot copy yet stays in the log for the next one.
 */
import type Database from "libsql";

/** Rows (SQLite's total_changes()) from which a committed transaction is checkpointed after its COMMIT: an import of ~100 records and more, not a form's save. */
export const CHECKPOINT_AFTER_CHANGES = 1000;

/** Tries while the connection is inside a transaction (its own statements come first), then the next large COMMIT or SQLite's auto-checkpoint takes over. */
const RETRIES = 50;
const RETRY_MS = 20;

export class CheckpointAfterLargeWrites {
  readonly #db: Database.Database;
  readonly #threshold: number;
  readonly #changes: Database.Statement;
  #scheduled = false;

  constructor(db: Database.Database, threshold = CHECKPOINT_AFTER_CHANGES) {
    this.#db = db;
    this.#threshold = threshold;
    this.#changes = db.prepare("SELECT total_changes() AS n");
  }

  /** The rows this connection has changed so far: taken at BEGIN, handed to `committed`. */
  mark(): number {
    return Number((this.#changes.get() as { n: number | bigint }).n);
  }

  /** After a COMMIT: a transaction that changed at least the threshold's rows since `since` gets a checkpoint once the event loop is free. */
  committed(since: number): void {
    if (this.#scheduled || this.mark() - since < this.#threshold) return;
    this.#scheduled = true;
    setImmediate(() => this.#run(RETRIES));
  }

  #run(retries: number): void {
    if (!this.#db.open) {
      this.#scheduled = false;
      return;
    }
    if (this.#db.inTransaction) {
      // Another transaction began on this connection before the event loop came round: after it.
      if (retries > 0) setTimeout(() => this.#run(retries - 1), RETRY_MS).unref();
      else this.#scheduled = false;
      return;
    }
    this.#scheduled = false;
    try {
      this.#db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
    } catch {
      // A checkpoint that cannot run now (the file locked by another process, the connection
      // closing) changes nothing: the log stays as it is, and SQLite's own checkpoint still bounds it.
    }
  }
}
