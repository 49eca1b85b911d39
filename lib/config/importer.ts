/**
 * The importer the Import page's route calls: the copy the server warmed at start.
 *
 * Next's server bundles hold one copy of lib/ for the start-up code (instrumentation.ts) and
 * another for the routes; V8 compiles and optimises each copy on its own, so a warm-up run in the
 * start-up copy (lib/config/warm-import.ts) does nothing for the route's. The start-up code
 * registers its copy here, on globalThis, and the route takes it, with the error classes it throws
 * (an error of one copy is no instance of the other's class). Without a registration (tests, the
 * command line) the caller's own copy is used.
 */
import { ModelChangedError } from "./import-to-db";
import { importUpload, UploadChangedError } from "./import-upload";
import { UploadError } from "./upload-files";

export interface Importer {
  importUpload: typeof importUpload;
  UploadError: typeof UploadError;
  UploadChangedError: typeof UploadChangedError;
  ModelChangedError: typeof ModelChangedError;
}

const KEY = Symbol.for("bacula-ha-dashboard.importer");
const slot = globalThis as { [KEY]?: Importer };
const own: Importer = { importUpload, UploadError, UploadChangedError, ModelChangedError };

/** Makes this copy the one routes call (the first registration stays); returns the registered one. */
export function registerImporter(): Importer {
  return (slot[KEY] ??= own);
}

/** The registered importer, or this copy when none is. */
export function importer(): Importer {
  return slot[KEY] ?? own;
}
