/**
 * Resolving `@` includes for the importer, the way Bacula reads them but without ever running a
 * shell: `@/path` and `@"/path"` read one file; the usual piped include that lists a directory
 * (`@|"sh -c 'for f in DIR/*.conf ; do echo @${f} ; done'"`) reads the matching files of DIR in
 * the shell's sorted order; any other piped include is refused with the file and line. Relative
 * paths are taken from the including file's directory. File access goes through `FileAccess`, so
 * that the caller decides what may be read (regular files, size caps, allowed roots).
 */
import path from "node:path";
import type { IncludeResult } from "@/lib/bacula/lexer";
import { pipedIncludeGlob } from "@/lib/bacula/parse";

export interface FileAccess {
  /** Reads a file the caller allows; throws an Error whose message may be shown (never the content). */
  readFile(abs: string): string;
  /** Names of the entries of a directory the caller allows (not recursive). */
  listDir(abs: string): string[];
}

/** Byte order of the C locale, which the shell's glob uses for sorting. */
function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

export function includeResolver(access: FileAccess) {
  return (target: string, from: string): IncludeResult => {
    const base = path.dirname(from);
    if (target.startsWith("|")) {
      const glob = pipedIncludeGlob(target.slice(1));
      if (!glob)
        return { kind: "error", message: "a piped include (@|command) other than the usual directory listing is not run by the importer; replace it by @ lines naming the files" };
      const dir = path.resolve(base, glob.dir);
      let names: string[];
      try {
        names = access.listDir(dir);
      } catch (e) {
        return { kind: "error", message: `cannot list ${dir} for the piped include: ${e instanceof Error ? e.message : String(e)}` };
      }
      const files: { name: string; text: string }[] = [];
      for (const n of names.filter((x) => glob.pattern.test(x) && !x.startsWith(".")).sort(byteOrder)) {
        const abs = path.join(dir, n);
        try {
          files.push({ name: abs, text: access.readFile(abs) });
        } catch (e) {
          return { kind: "error", message: `cannot read ${abs}: ${e instanceof Error ? e.message : String(e)}` };
        }
      }
      // The shell echoes an unmatched pattern as it is, and Bacula then fails to open a file of that name.
      if (files.length === 0) return { kind: "error", message: `the piped include lists no file of ${dir} (Bacula stops there: "Cannot open included config file"); add a file, or remove the include` };
      return { kind: "files", files };
    }
    const abs = path.resolve(base, target);
    try {
      return { kind: "files", files: [{ name: abs, text: access.readFile(abs) }] };
    } catch (e) {
      return { kind: "error", message: `cannot read the included file ${abs}: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
}
