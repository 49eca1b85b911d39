/**
 * Resolving `@` includes for the importer, the way Bacula reads them but without ever running a
 * shell: `@/path` and `@"/path"` read one file; the usual piped include that lists a directory
 * (`@|"sh -c 'for f in DIR/*.conf ; do echo @${f} ; done'"`) reads the matching files of DIR in
 * the shell's sorted order, and so does the other usual one, `@|"sh -c 'cat DIR/*.conf'"` (its
 * output is those files' text one after the other, as one stream: see asOneStream); any other
 * piped include is refused with the file and line. Relative
 * paths are taken from the including file's directory. File access goes through `FileAccess`, so
 * that the caller decides what may be read (regular files, size caps, allowed roots).
 */
import path from "node:path";
import type { IncludeResult } from "@/lib/bacula/lexer";
import { pipedIncludeCat, pipedIncludeGlob } from "@/lib/bacula/parse";

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

/** The files of one directory that a one-level pattern matches, in the shell's order (dot files only for a pattern that starts with a dot). */
function matching(access: FileAccess, base: string, glob: { dir: string; pattern: RegExp; glob: string }): { files: string[] } | { error: string } {
  const dir = path.resolve(base, glob.dir);
  // A name without a wildcard is the file itself (`cat /etc/bacula/clients.conf`), read as an `@` include is.
  if (!/[*?]/.test(glob.glob)) return { files: [path.join(dir, glob.glob)] };
  let names: string[];
  try {
    names = access.listDir(dir);
  } catch (e) {
    return { error: `cannot list ${dir} for the piped include: ${e instanceof Error ? e.message : String(e)}` };
  }
  // The shell matches a name that starts with "." only with a pattern that does.
  const dotted = glob.glob.startsWith(".");
  return { files: names.filter((x) => glob.pattern.test(x) && (dotted || !x.startsWith("."))).sort(byteOrder).map((n) => path.join(dir, n)) };
}

/**
 * The files a `cat` pipes to Bacula, read as the one stream Bacula reads: a file that does not end
 * with a line end runs on into the next file's first line (a last-line comment swallows that line,
 * a word or a quoted string goes on in it). Each file stays a file of its own for the lexer (its
 * name and line numbers in messages); only the first line of a file that follows one without a line
 * end moves to the end of that one, and an empty line keeps the rest of it at its own line numbers.
 */
export function asOneStream(files: readonly { name: string; text: string }[]): { name: string; text: string }[] {
  const out = files.map((f) => ({ ...f }));
  for (let k = 1; k < out.length; k++) {
    // The file that the stream is in when file k begins: the last one before it that is not empty.
    let open = k - 1;
    while (open > 0 && out[open].text === "") open--;
    const prev = out[open];
    if (prev.text === "" || prev.text.endsWith("\n")) continue;
    const cur = out[k];
    const eol = cur.text.indexOf("\n");
    prev.text += eol < 0 ? cur.text : cur.text.slice(0, eol);
    cur.text = eol < 0 ? "" : cur.text.slice(eol);
  }
  return out;
}

export function includeResolver(access: FileAccess) {
  return (target: string, from: string): IncludeResult => {
    const base = path.dirname(from);
    if (target.startsWith("|")) {
      const command = target.slice(1);
      const listing = pipedIncludeGlob(command);
      const cat = listing ? undefined : pipedIncludeCat(command);
      if (!listing && !cat)
        return { kind: "error", message: "a piped include (@|command) other than the usual directory listing (for f in DIR/*.conf; do echo @${f}; done) or cat of files is not run by the importer; replace it by @ lines naming the files" };
      const files: { name: string; text: string }[] = [];
      const unmatched: string[] = [];
      for (const glob of listing ? [listing] : cat!) {
        const matched = matching(access, base, glob);
        if ("error" in matched) return { kind: "error", message: matched.error };
        for (const abs of matched.files) {
          try {
            files.push({ name: abs, text: access.readFile(abs) });
          } catch (e) {
            return { kind: "error", message: `cannot read the file ${abs} that the piped include ${listing ? "lists" : "reads with cat"}: ${e instanceof Error ? e.message : String(e)}` };
          }
        }
        if (matched.files.length === 0) unmatched.push(path.join(path.resolve(base, glob.dir), glob.glob));
      }
      // `echo @${f}` of a name with a blank: Bacula takes the include's name up to the blank and
      // fails to open that file.
      const blank = listing ? files.find((f) => /\s/.test(path.basename(f.name))) : undefined;
      if (blank) return { kind: "error", message: `the piped include lists ${blank.name}, whose name holds a blank: Bacula reads "@${blank.name.split(/\s/)[0]}" and stops ("Cannot open included config file"); rename the file, or include it with @"…"` };
      // The shell echoes an unmatched pattern as it is, and Bacula then fails to open a file of that
      // name; `cat` of no file prints nothing, which Bacula reads as nothing.
      if (listing && files.length === 0) return { kind: "error", message: `the piped include lists no file of ${path.resolve(base, listing.dir)} (Bacula stops there: "Cannot open included config file"); add a file, or remove the include` };
      const read = listing ? files : asOneStream(files);
      if (unmatched.length > 0) return { kind: "files", files: read, warning: `the piped include's cat reads no file for ${unmatched.join(", ")}: Bacula reads nothing from it` };
      return { kind: "files", files: read };
    }
    const abs = path.resolve(base, target);
    try {
      return { kind: "files", files: [{ name: abs, text: access.readFile(abs) }] };
    } catch (e) {
      return { kind: "error", message: `cannot read the included file ${abs}: ${e instanceof Error ? e.message : String(e)}` };
    }
  };
}
