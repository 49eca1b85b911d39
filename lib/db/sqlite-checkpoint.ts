/**
 * The write-ahead log checkpointed after a large write transaction, on a connection of its own in
 * a worker thread, instead of inside some later COMMIT.
 *
 * SQLite copies the log back into the database file when a COMMIT finds the log past 1,000 pages
 * (its auto-checkpoint), and the COMMIT that crosses it pays for the copy and two fsyncs. Measured
 * on the import bench (1,550 records, ~350 log pages each): every third import's COMMIT took
 * 9.4–11.2 ms instead of 2.6–3.2 ms. A transaction that changed many rows has the log checkpointed
 * right after its COMMIT, so the next large one starts on an emptied log and its COMMIT only writes
 * its own pages. The checkpoint runs on another thread: on the server's own thread it ran at the
 * next turn of the event loop, which was inside the same request's answer (its gzip step), and
 * delayed it by the copy's 3–6 ms. Small transactions keep SQLite's auto-checkpoint, which stays on
 * as the bound of the log.
 *
 * The checkpoint is PASSIVE: it never waits for a lock and never blocks the app's connection (or
 * another process's) from reading or writing meanwhile; what it cannot copy yet stays in the log.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type Database from "libsql";

/** Rows (SQLite's total_changes()) from which a committed transaction is checkpointed after its COMMIT: an import of ~100 records and more, not a form's save. */
export const CHECKPOINT_AFTER_CHANGES = 1000;

/** The worker: one connection to the file, one PASSIVE checkpoint per message ("done" posted back); "close" closes the connection and ends the thread. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
let db;
parentPort.on("message", (m) => {
  if (m === "close") {
    try {
      db?.close();
    } finally {
      parentPort.close();
    }
    return;
  }
  try {
    db ??= new Database(workerData.file);
    db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
  } catch {
    // (the file locked by another process's checkpoint, or gone): the log stays as it is
  }
  parentPort.postMessage("done");
});
`;

/** Where the worker loads libsql from: the same package the app uses (resolved from the working directory, as the server and the CLI run from the project). */
function libsqlModule(): string {
  return createRequire(path.join(process.cwd(), "package.json")).resolve("libsql");
}

export class CheckpointAfterLargeWrites {
  readonly #file: string;
  readonly #changes: Database.Statement;
  #worker: Worker | undefined;
  /** A checkpoint is running; `#again`: another large COMMIT came meanwhile. */
  #running = false;
  #again = false;
  #closed = false;

  /** `db`: the app's connection (its changed rows are counted); `file`: the database file the worker opens. */
  constructor(db: Database.Database, file: string) {
    this.#file = file;
    this.#changes = db.prepare("SELECT total_changes() AS n");
  }

  /** Whether its worker thread is started. */
  get started(): boolean {
    return this.#worker !== undefined;
  }

  /** The rows this connection has changed so far: taken at BEGIN, handed to `committed`. */
  mark(): number {
    return Number((this.#changes.get() as { n: number | bigint }).n);
  }

  /** After a COMMIT: a transaction that changed at least the threshold's rows since `since` has the log checkpointed on the worker. */
  committed(since: number): void {
    if (this.#closed || this.mark() - since < CHECKPOINT_AFTER_CHANGES) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#start();
  }

  /**
   * After a ROLLBACK: a transaction that changed as many rows (an import's dry run, the server's
   * warm-up of the importer) readies the worker without a checkpoint (nothing was written), so the
   * first large COMMIT after it does not start the thread inside its own request (~3 ms on this
   * thread, and its boot of ~50 ms on another core while the answer is written).
   */
  rolledBack(since: number): void {
    if (this.#closed || this.#worker || this.mark() - since < CHECKPOINT_AFTER_CHANGES) return;
    this.#spawn();
  }

  /** Ends the worker after the checkpoint it may be running, its connection closed (the last one to close removes the log). */
  close(): void {
    this.#closed = true;
    this.#worker?.postMessage("close");
    this.#worker = undefined;
  }

  #start(): void {
    const worker = this.#worker ?? this.#spawn();
    if (!worker) return;
    this.#running = true;
    worker.postMessage("checkpoint");
  }

  /** The worker thread, started (its connection opens at its first checkpoint); undefined when none can start. */
  #spawn(): Worker | undefined {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.#file, module: libsqlModule() } });
    } catch {
      // No worker (libsql not found from here): SQLite's own checkpoint still bounds the log.
      this.#closed = true;
      return undefined;
    }
    worker.on("message", () => this.#done());
    worker.on("error", () => {
      // The worker is gone: the next large COMMIT starts another.
      if (this.#worker === worker) this.#worker = undefined;
      this.#done();
    });
    // (After the listeners: adding one refs the worker's port again.) A process ends when its work
    // does, whether or not it closed its client.
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #done(): void {
    this.#running = false;
    if (this.#again && !this.#closed) {
      this.#again = false;
      this.#start();
    }
  }
}
