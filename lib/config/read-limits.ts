/** How much one config import may read (lib/config/read-files.ts). No imports: the bench reads it too. */

/**
 * 16 MiB in all: about 58,000 Jobs, imported in 30-50 s on a 2-core machine (peak about 1.3 GB);
 * a larger import (the 50 MB config of issue 10) is refused by the cap instead of running for
 * minutes. Real sites' configs are far below (Debian's stock files are 10 KB).
 */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
export const MAX_TOTAL_BYTES = 16 * 1024 * 1024;

/** The Import page's upload: everything one import may read, plus the multipart framing (scripts/http-limits.cjs says the same). */
export const IMPORT_BODY_BYTES = MAX_TOTAL_BYTES + 1024 * 1024;
