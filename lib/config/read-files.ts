/**
 * How `npm run config:import` reads files: the configs named on the command line and every `@`
 * include they pull in, through one reader that supplies the parser's `readFile`.
 *
 *   regular files only   a device (`@/dev/zero` would be read forever), a FIFO (would block), a
 *                        directory or a socket is refused; opened non-blocking, checked with fstat
 *                        on the open descriptor.
 *   size caps            MAX_FILE_BYTES per file, MAX_TOTAL_BYTES for everything one import reads
 *                        (each file counted once, however often it is included).
 *   roots                an include must resolve (symlinks followed) under the directory of one of
 *                        the files given, or under a directory given with `--allow-root DIR`.
 *   text                 valid UTF-8 without NUL bytes.
 *
 * A refusal names the file and the rule, never a byte of what it holds.
 */
import fs from "node:fs";
import path from "node:path";
import { parseConfigFile, type Daemon, type ParsedSource } from "./import-to-db";
import type { FileAccess } from "./includes";

export { MAX_FILE_BYTES, MAX_TOTAL_BYTES } from "./read-limits";
import { MAX_FILE_BYTES, MAX_TOTAL_BYTES } from "./read-limits";
import { Lexer, Tok } from "@/lib/bacula/lexer";

export class ConfigReadError extends Error {
  constructor(
    readonly file: string,
    readonly rule: "missing" | "outside-roots" | "not-regular" | "max-size" | "max-total" | "encoding" | "read",
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = "ConfigReadError";
  }
}

export interface ReaderOptions {
  /** Further directories includes may come from (`--allow-root`). */
  allowRoots?: readonly string[];
  maxFileBytes?: number;
  maxTotalBytes?: number;
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

const within = (root: string, p: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

export interface ConfigReader {
  /** Reads one file under the rules above; throws ConfigReadError. */
  read(file: string): string;
  roots: readonly string[];
  /** Bytes read so far (each file once). */
  readonly totalBytes: number;
}

/** A reader for one import of `files` (their directories are the roots, with `allowRoots`). */
export function createConfigReader(files: readonly string[], o: ReaderOptions = {}): ConfigReader {
  const maxFile = o.maxFileBytes ?? MAX_FILE_BYTES;
  const maxTotal = o.maxTotalBytes ?? MAX_TOTAL_BYTES;
  const roots: string[] = [];
  for (const dir of [...files.map((f) => path.dirname(path.resolve(f))), ...(o.allowRoots ?? []).map((d) => path.resolve(d))]) {
    let real: string;
    try {
      real = fs.realpathSync(dir);
    } catch {
      throw new ConfigReadError(dir, "missing", "no such directory");
    }
    if (!roots.includes(real)) roots.push(real);
  }
  const cache = new Map<string, string>();
  let total = 0;

  const read = (file: string): string => {
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      throw new ConfigReadError(file, "missing", "no such file");
    }
    const hit = cache.get(real);
    if (hit !== undefined) return hit;
    if (!roots.some((r) => within(r, real))) {
      throw new ConfigReadError(file, "outside-roots", `is outside the directories of the files given (${roots.join(", ")}); add --allow-root DIR to read from there`);
    }
    let fd: number;
    try {
      // Non-blocking: opening a FIFO does not wait for a writer. No-follow: `real` is resolved already.
      fd = fs.openSync(real, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
    } catch (err) {
      throw new ConfigReadError(file, "read", `cannot be opened (${(err as NodeJS.ErrnoException).code ?? "error"})`);
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw new ConfigReadError(file, "not-regular", `is ${kindOf(st)}, not a regular file`);
      if (st.size > maxFile) throw new ConfigReadError(file, "max-size", `is ${st.size} bytes, more than the ${maxFile} a config file may have`);
      if (total + st.size > maxTotal) throw new ConfigReadError(file, "max-total", `would take this import past ${maxTotal} bytes read in all`);
      // One byte more than allowed, to notice a file that grew since fstat.
      const buf = Buffer.alloc(Math.min(st.size, maxFile) + 1);
      let n = 0;
      for (;;) {
        const got = fs.readSync(fd, buf, n, buf.length - n, null);
        if (got === 0) break;
        n += got;
        if (n >= buf.length) break;
      }
      if (n > maxFile) throw new ConfigReadError(file, "max-size", `is more than the ${maxFile} bytes a config file may have`);
      if (total + n > maxTotal) throw new ConfigReadError(file, "max-total", `would take this import past ${maxTotal} bytes read in all`);
      const decoded = decodeConfigText(buf.subarray(0, n));
      if (typeof decoded !== "string") throw new ConfigReadError(file, "encoding", decoded.problem);
      const text = decoded;
      total += n;
      cache.set(real, text);
      return text;
    } finally {
      fs.closeSync(fd);
    }
  };
  return {
    read,
    roots,
    get totalBytes() {
      return total;
    },
  };
}

/** The reader as the include resolver's file access: directories listed only under the roots. */
export function readerAccess(reader: ConfigReader): FileAccess {
  return {
    readFile: (abs) => reader.read(abs),
    listDir: (abs) => {
      let real: string;
      try {
        real = fs.realpathSync(abs);
      } catch {
        throw new ConfigReadError(abs, "missing", "no such directory");
      }
      if (!reader.roots.some((r) => within(r, real)))
        throw new ConfigReadError(abs, "outside-roots", `is outside the directories of the files given (${reader.roots.join(", ")}); add --allow-root DIR to read from there`);
      return fs.readdirSync(real);
    },
  };
}

/**
 * Reads and parses the given config files with one reader (includes resolved relative to the
 * including file's directory, piped directory listings read without a shell).
 */
export function parseConfigFiles(files: readonly string[], daemon: Daemon | undefined, o: ReaderOptions & { version?: string } = {}): ParsedSource[] {
  const reader = createConfigReader(files, o);
  const access = readerAccess(reader);
  return files.map((file) => parseConfigFile(file, daemon, { access, version: o.version }));
}

/** A file that cannot be read as config text, with the line of its first bad byte (an uploaded file's issue names it). */
export class ConfigTextError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "ConfigTextError";
  }
}

/**
 * A config file's bytes as text: valid UTF-8 without NUL bytes, or the problem in words (the first
 * bad byte's line and offset; never a byte of the content). The command line's reader and the
 * Import page's upload (upload-files.ts) both decode through here.
 */
export function decodeConfigText(bytes: Uint8Array): string | { problem: string; line: number } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // Bytes that are not UTF-8 (a Latin-1 "é" an old editor wrote) only in comments: Bacula reads
    // the file, and the dashboard keeps no comment, so they are read as U+FFFD and dropped with the
    // comment. In a value they would change what Bacula reads once rendered as UTF-8: refused.
    const loose = new TextDecoder("utf-8").decode(bytes);
    const line = loose.includes("\0") ? 1 : lineOfReplacementInToken(loose);
    if (line !== null) {
      const at = firstInvalidUtf8(bytes, line);
      return { problem: `is not UTF-8 text (line ${at.line}, byte ${at.offset}: save it as UTF-8)`, line: at.line };
    }
    text = loose;
  }
  if (text.includes("\0")) return { problem: "holds NUL bytes: not a text file", line: 1 + (text.slice(0, text.indexOf("\0")).match(/\n/g)?.length ?? 0) };
  return text;
}

/**
 * The line of the first token (a value, a name, a quoted string) that holds U+FFFD, as Bacula's
 * lexer reads the file (includes not followed: each file is decoded on its own); null when the
 * replacement characters are all in comments.
 */
function lineOfReplacementInToken(text: string): number | null {
  const lx = new Lexer(text, "", { include: () => ({ kind: "files", files: [] }) });
  for (let t = lx.next(true); t !== Tok.EOF; t = lx.next(true)) if (lx.str.includes("\uFFFD")) return lx.line;
  return null;
}

/**
 * Where the first byte that does not start or continue a valid UTF-8 sequence is (line 1-based,
 * offset 0-based), on line `fromLine` or after it.
 */
export function firstInvalidUtf8(buf: Uint8Array, fromLine = 1): { line: number; offset: number } {
  // Lines end at \n, \r\n or a lone \r, as the lexer counts them.
  const endsLine = (k: number) => buf[k] === 0x0a || (buf[k] === 0x0d && buf[k + 1] !== 0x0a);
  let line = 1;
  let i = 0;
  for (; i < buf.length && line < fromLine; i++) if (endsLine(i)) line++;
  for (; i < buf.length; ) {
    const b = buf[i];
    if (endsLine(i)) line++;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > buf.length) return { line, offset: i };
    for (let k = 1; k < len; k++) if ((buf[i + k] & 0xc0) !== 0x80) return { line, offset: i };
    // Overlong, surrogate and out-of-range forms the decoder also refuses.
    if ((b === 0xe0 && buf[i + 1] < 0xa0) || (b === 0xed && buf[i + 1] > 0x9f) || (b === 0xf0 && buf[i + 1] < 0x90) || (b === 0xf4 && buf[i + 1] > 0x8f)) return { line, offset: i };
    i += len;
  }
  return { line, offset: buf.length };
}
