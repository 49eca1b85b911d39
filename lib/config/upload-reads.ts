/**
 * The Import page's dry run reads the upload (parse, includes, Bacula's checks: lib/config/
 * import-upload.ts readUpload); its import of the same files reuses that reading instead of doing
 * it again. The reading is a pure function of what the upload digest covers (the files' paths and
 * bytes, the directory, the files read as configs, "force"), so an entry is found by that digest
 * alone; what the import writes is still decided against the database inside its transaction.
 *
 * Bounded: the last KEEP readings, each of an upload of at most MAX_BYTES (a 1,000-Job Director
 * config is about 0.4 MiB; a reading holds some ten times its bytes), for at most TTL_MS. The
 * import takes its entry out. Kept in this process only: with several instances, an import that
 * reaches another instance than its dry run reads the files again, with the same result.
 */
import type { ImportIssue, ImportPlan, ParsedSource, PreparedImport } from "./import-to-db";

export interface UploadRead {
  sources: readonly ParsedSource[];
  /** Files given as configs that are no daemon's config (or cannot be read as text). */
  unknown: readonly ImportIssue[];
  includedOnly: readonly { file: string; by: string }[];
  unread: readonly string[];
  /** The checks before the database (import-to-db.ts prepareImport); absent when `unknown` stops the import. */
  prepared?: PreparedImport;
  /** What the last dry run of these files wrote, for their import to replay (import-to-db.ts ImportPlan). */
  plan?: ImportPlan;
}

export const KEEP = 2;
export const MAX_BYTES = 4 * 1024 * 1024;
export const TTL_MS = 15 * 60_000;

interface Entry {
  read: UploadRead;
  at: number;
}

export class UploadReads {
  readonly #entries = new Map<string, Entry>();

  /** Keeps the reading of an upload of `bytes` bytes (a larger one is not kept). */
  put(digest: string, bytes: number, read: UploadRead, now = Date.now()): void {
    if (bytes > MAX_BYTES) return;
    this.#entries.delete(digest);
    this.#entries.set(digest, { read, at: now });
    while (this.#entries.size > KEEP) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** The reading kept for `digest`, if any and not older than TTL_MS; `take` also removes it. */
  get(digest: string, opts: { take?: boolean; now?: number } = {}): UploadRead | undefined {
    const e = this.#entries.get(digest);
    if (!e) return undefined;
    const expired = (opts.now ?? Date.now()) - e.at > TTL_MS;
    if (expired || opts.take) this.#entries.delete(digest);
    return expired ? undefined : e.read;
  }

  get size(): number {
    return this.#entries.size;
  }
}
