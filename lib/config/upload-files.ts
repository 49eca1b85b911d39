/**
 * Config files uploaded to the dashboard (the Import page), read the way the command line reads
 * files from disk (lib/config/read-files.ts), but from memory: the operator uploads the files of a
 * daemon's config directory, says which directory they came from on the host (`/etc/bacula`), and
 * `@` includes naming files of that directory are read from the upload. Nothing is read from the
 * dashboard's own disk.
 *
 *   paths          relative, `/`-separated, no empty, `.` or `..` segment, no control characters;
 *                  each once.
 *   size caps      MAX_FILE_BYTES per file, MAX_TOTAL_BYTES for the whole upload, MAX_UPLOAD_FILES.
 *   text           valid UTF-8 without NUL bytes (the first bad byte's line and offset is named),
 *                  checked when a file is read.
 *   includes       an include outside the upload (another directory of the host, a file not sent)
 *                  is refused with the file and line, saying which file to add.
 *
 * A refusal names the file and the rule, never a byte of what it holds.
 */
import path from "node:path";
import type { FileAccess } from "./includes";
import { ConfigTextError, decodeConfigText } from "./read-files";
import { MAX_FILE_BYTES, MAX_TOTAL_BYTES } from "./read-limits";

/** More files than any config directory has (Debian's /etc/bacula holds about 20). */
export const MAX_UPLOAD_FILES = 2000;

export interface UploadedFile {
  /** Relative to the host directory, `/`-separated (a browser's webkitRelativePath without its first segment). */
  path: string;
  bytes: Uint8Array;
}

export type UploadRule = "path" | "duplicate" | "max-files" | "max-size" | "max-total" | "root";

/** Why an upload is refused: the field (`root`, or `files` with the file's path) and the rule. */
export class UploadError extends Error {
  constructor(
    readonly field: "root" | "files",
    readonly file: string | undefined,
    readonly rule: UploadRule,
    message: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = "UploadError";
  }
}

export interface UploadedTree {
  /** The host directory the files came from, normalised (no trailing slash). */
  root: string;
  /** The absolute host paths of the uploaded files, in upload order. */
  paths: readonly string[];
  /** The include resolver's access: reads only uploaded files (decoded when first read). */
  access: FileAccess;
  /** The absolute host path of an uploaded relative path. */
  abs(rel: string): string;
  totalBytes: number;
}

// C0 and C1 controls and DEL: never in a file name an operator means.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Invisible format characters (bidi overrides, zero-width joiners…): a name that reads as another. */
const FORMAT = /\p{Cf}/u;

/** The directory on the host: absolute, normalised, no control characters. */
export function normaliseRoot(root: string): string {
  if (!root.startsWith("/")) throw new UploadError("root", undefined, "root", "must be an absolute path on the host, such as /etc/bacula");
  if (CONTROL.test(root) || FORMAT.test(root)) throw new UploadError("root", undefined, "root", "must not hold control or invisible format characters");
  if (root.length > 1024) throw new UploadError("root", undefined, "root", "must be at most 1024 characters");
  const n = path.posix.normalize(root);
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

/** Checks one relative path; returns it unchanged. */
export function checkRelativePath(rel: string): string {
  const bad = (why: string) => new UploadError("files", rel, "path", why);
  if (rel.length === 0) throw bad("has no name");
  if (rel.length > 1024) throw bad("has a path of more than 1024 characters");
  if (CONTROL.test(rel)) throw bad("has a control character in its name");
  if (FORMAT.test(rel)) throw bad("has an invisible format character (a direction override or a zero-width character) in its name");
  if (rel.normalize("NFC") !== rel) throw bad("has a name not in Unicode's composed form (NFC): it would read like another file's name");
  if (rel.startsWith("/")) throw bad("must be relative to the directory on the host");
  for (const seg of rel.split("/")) if (seg === "" || seg === "." || seg === "..") throw bad(`has an empty, "." or ".." part in its path`);
  return rel;
}

/**
 * Checks an upload's paths and sizes; throws UploadError. A file is decoded when it is first read:
 * one nothing reads (a compiled script under scripts/) may be anything.
 */
export function uploadedTree(rootIn: string, files: readonly UploadedFile[], o: { maxFileBytes?: number; maxTotalBytes?: number } = {}): UploadedTree {
  const maxFile = o.maxFileBytes ?? MAX_FILE_BYTES;
  const maxTotal = o.maxTotalBytes ?? MAX_TOTAL_BYTES;
  const root = normaliseRoot(rootIn);
  if (files.length > MAX_UPLOAD_FILES) throw new UploadError("files", undefined, "max-files", `are ${files.length}, more than the ${MAX_UPLOAD_FILES} one import takes`);
  const abs = (rel: string) => path.posix.join(root, rel);
  const bytes = new Map<string, Uint8Array>();
  const texts = new Map<string, string>();
  /** Directory -> the names directly in it (files and subdirectories). */
  const dirs = new Map<string, Set<string>>();
  let total = 0;
  for (const f of files) {
    const rel = checkRelativePath(f.path);
    const a = abs(rel);
    if (bytes.has(a)) throw new UploadError("files", rel, "duplicate", "is uploaded twice");
    if (f.bytes.byteLength > maxFile) throw new UploadError("files", rel, "max-size", `is ${f.bytes.byteLength} bytes, more than the ${maxFile} a config file may have`);
    total += f.bytes.byteLength;
    if (total > maxTotal) throw new UploadError("files", rel, "max-total", `takes the upload past ${maxTotal} bytes in all`);
    bytes.set(a, f.bytes);
    for (let child = a, dir = path.posix.dirname(a); ; child = dir, dir = path.posix.dirname(dir)) {
      const set = dirs.get(dir) ?? new Set<string>();
      set.add(path.posix.basename(child));
      dirs.set(dir, set);
      if (dir === root || dir === "/") break;
    }
  }
  const underRoot = (n: string) => n === root || n.startsWith(`${root}/`);
  const access: FileAccess = {
    readFile(p: string): string {
      const n = path.posix.normalize(p);
      const known = texts.get(n);
      if (known !== undefined) return known;
      const b = bytes.get(n);
      if (b === undefined)
        throw new Error(
          dirs.has(n)
            ? "is a directory"
            : underRoot(n)
              ? `was not uploaded: add it to the upload`
              : `is outside ${root}, the directory the upload is of: only files under it can be read (upload their common parent directory instead, and say which one it is)`,
        );
      // Decoded as the command line's reader decodes (UTF-8, no NUL).
      const text = decodeConfigText(b);
      if (typeof text !== "string") throw new ConfigTextError(text.problem, text.line);
      texts.set(n, text);
      return text;
    },
    listDir(p: string): string[] {
      const n = path.posix.normalize(p);
      const d = dirs.get(n);
      if (!d)
        throw new Error(
          underRoot(n)
            ? `no uploaded file is in it: upload that directory too (as it is under ${root})`
            : `it is outside ${root}, the directory the upload is of: only directories under it can be listed (upload their common parent directory instead, and say which one it is)`,
        );
      return [...d];
    },
  };
  return { root, paths: [...bytes.keys()], access, abs, totalBytes: total };
}
