/**
 * Reading bacula-dir.conf / bacula-sd.conf / bacula-fd.conf / bconsole.conf into the typed model:
 * the generic parser (parser.ts) then the typed view (typed.ts). Pure: includes go through the
 * caller's `include` hook; `pipedIncludeGlob` recognises the usual piped include so that the
 * caller can list the directory itself instead of running a shell.
 */
import type { IncludeResult } from "./lexer";
import { emptyDirectorConfig, emptyStorageDaemonConfig, type DirectorConfig, type StorageDaemonConfig } from "./model";
import { parseTree, type ParseIssue } from "./parser";
import type { Daemon } from "./tables/types";
import type { ConfigTree } from "./tree";
import { treeToTyped } from "./typed";

export type { ParseIssue } from "./parser";
export type { IncludeResult } from "./lexer";

export interface ParseOptions {
  /** Name of the main file in issues. */
  file?: string;
  /** Resolves `@path`, `@"path"` and `@|command` includes; `from` is the including file. */
  include?: (target: string, from: string, line: number) => IncludeResult;
  /** Director version to record in the model (default "15.0.3"). */
  version?: string;
}

export interface ParseResult<T> {
  config: T;
  tree: ConfigTree;
  issues: ParseIssue[];
}

/**
 * The directory and file pattern of the usual piped include,
 * `@|"sh -c 'for f in /etc/bacula/conf.d/*.conf ; do echo @${f} ; done'"`, or undefined for
 * any other command (which the importer refuses: it never runs a shell).
 */
export function pipedIncludeGlob(command: string): { dir: string; pattern: RegExp; glob: string } | undefined {
  const m = /^\s*(?:\/bin\/)?(?:ba)?sh\s+-c\s+(['"])\s*for\s+([A-Za-z_]\w*)\s+in\s+(\/[^\s;'"*?[\]]*\/)([^\s;'"/]*)\s*;\s*do\s+echo\s+"?@\$(?:\{\2\}|\2)"?\s*;\s*done\s*\1\s*$/.exec(command);
  if (!m) return undefined;
  const dir = m[3].replace(/\/+$/, "") || "/";
  const glob = m[4];
  if (!/^[^/]*$/.test(glob) || glob === "") return undefined;
  // Only `*` and `?` wildcards, as the shell expands them in one directory level.
  if (/[[\]{}]/.test(glob)) return undefined;
  return { dir, pattern: globPattern(glob), glob };
}

/**
 * The files of the other usual piped include, `@|"sh -c 'cat /etc/bacula/clients/*.conf'"`: the
 * command's output is the named files' text one after the other, so it reads as those files in
 * order (each path absolute; a `*` or `?` pattern only in its last part, expanded in the shell's
 * sorted order); `cat /etc/bacula/pools.conf` without a shell too, without patterns. Undefined for
 * any other command.
 */
export function pipedIncludeCat(command: string): { dir: string; pattern: RegExp; glob: string }[] | undefined {
  const ARGS = "([^'\";|&<>`$\\\\(){}~\\s][^'\";|&<>`$\\\\(){}~]*?)";
  const viaShell = new RegExp(String.raw`^\s*(?:\/bin\/)?(?:ba)?sh\s+-c\s+(['"])\s*(?:\/bin\/)?cat\s+${ARGS}\s*\1\s*$`).exec(command);
  // Without a shell (Bacula splits the command into words itself), no pattern is expanded.
  const bare = viaShell ? undefined : new RegExp(String.raw`^\s*(?:\/bin\/)?cat\s+${ARGS}\s*$`).exec(command);
  const args = viaShell?.[2] ?? bare?.[1];
  if (args === undefined || (bare && /[*?]/.test(args))) return undefined;
  const out: { dir: string; pattern: RegExp; glob: string }[] = [];
  for (const arg of args.split(/\s+/)) {
    if (!arg.startsWith("/") || arg.endsWith("/")) return undefined;
    const slash = arg.lastIndexOf("/");
    const dir = arg.slice(0, slash) || "/";
    const glob = arg.slice(slash + 1);
    // Wildcards only in the last part, and only `*` and `?`.
    if (/[*?[\]{}]/.test(dir) || /[[\]{}]/.test(glob) || glob === "." || glob === "..") return undefined;
    out.push({ dir, glob, pattern: globPattern(glob) });
  }
  return out.length > 0 ? out : undefined;
}

/** A one-level shell pattern (`*`, `?`) as a regular expression for names. */
function globPattern(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^$()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
}

function parseAs(text: string, daemon: Daemon, opts: ParseOptions) {
  return parseTree(text, daemon, { file: opts.file, include: opts.include });
}

export function parseDirector(text: string, opts: ParseOptions = {}): ParseResult<DirectorConfig> {
  const { tree, issues } = parseAs(text, "dir", opts);
  const version = opts.version ?? "15.0.3";
  const { typed, others } = treeToTyped(tree);
  const dirs = (typed.director ?? []) as unknown as DirectorConfig["director"][];
  const config = emptyDirectorConfig({ name: "", version });
  if (dirs.length > 0) config.director = { ...dirs[0], version };
  for (const key of ["catalogs", "storages", "pools", "clients", "filesets", "schedules", "messages", "jobDefs", "jobs"] as const)
    (config[key] as unknown[]) = typed[key] ?? [];
  config.others = others;
  return { config, tree, issues };
}

export function parseStorageDaemon(text: string, opts: ParseOptions = {}): ParseResult<StorageDaemonConfig> {
  const { tree, issues } = parseAs(text, "sd", opts);
  const { typed, others } = treeToTyped(tree);
  const stores = (typed.storage ?? []) as unknown as StorageDaemonConfig["storage"][];
  const config = emptyStorageDaemonConfig(stores[0] ?? { name: "" });
  for (const key of ["directors", "devices", "autochangers", "messages"] as const) (config[key] as unknown[]) = typed[key] ?? [];
  config.others = others;
  return { config, tree, issues };
}
