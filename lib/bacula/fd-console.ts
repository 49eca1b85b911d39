/**
 * bacula-fd.conf and bconsole.conf as typed models over the generic tree, the way render.ts and
 * validate.ts do it for the Director and the Storage Daemon: typed keys from typed.ts (FdFileDaemon,
 * FdDirector, FdMessages, ConsoleDirector), everything else in `extra` or whole in `others`, the
 * table-driven renderer, and check-tree.ts for what Bacula's parser would refuse.
 */
import { checkTree } from "./check-tree";
import type { MessagesResource } from "./model";
import { renderTree } from "./renderer";
import type { ConfigTree, Item, ResourceNode } from "./tree";
import { typedKeys, typedToTree, type Obj, type ResourceKind } from "./typed";
import type { Problem } from "./validate";

interface WithExtra {
  extra?: Item[];
}

export interface FdFileDaemonResource extends WithExtra {
  name: string;
  description?: string;
  /** FDAddress: the address the File Daemon listens on (absent: every address). */
  address?: string;
  port?: number;
  workingDirectory?: string;
  pidDirectory?: string;
  maxConcurrentJobs?: number;
  messages?: string;
}

/** A Director allowed to connect to the File Daemon, with the password of its Client resource. */
export interface FdDirectorResource extends WithExtra {
  name: string;
  password?: string;
  address?: string;
  monitor?: boolean;
}

export interface FileDaemonConfig {
  /** Target Bacula version of the File Daemon (not a directive: drives version checks). */
  version?: string;
  fileDaemon: FdFileDaemonResource;
  directors: FdDirectorResource[];
  messages: MessagesResource[];
  /** Console, Schedule, Statistics resources, whole. */
  others?: ResourceNode[];
}

export interface ConsoleDirectorResource extends WithExtra {
  name: string;
  description?: string;
  address?: string;
  port?: number;
  password?: string;
}

export interface ConsoleConfig {
  directors: ConsoleDirectorResource[];
  /** Console resources (named consoles with their own password), whole. */
  others?: ResourceNode[];
}

export function fileDaemonTree(cfg: FileDaemonConfig): ConfigTree {
  const { others, version: _version, ...typed } = cfg;
  return typedToTree("fd", typed as unknown as Obj, others ?? []);
}

export function consoleTree(cfg: ConsoleConfig): ConfigTree {
  const { others, ...typed } = cfg;
  return typedToTree("console", typed as unknown as Obj, others ?? []);
}

export function renderFileDaemon(cfg: FileDaemonConfig, opts: { revision: string | number }): string {
  return renderTree(fileDaemonTree(cfg), { revision: opts.revision });
}

export function renderConsole(cfg: ConsoleConfig, opts: { revision: string | number }): string {
  return renderTree(consoleTree(cfg), { revision: opts.revision });
}

const KIND_OF_TYPE: Record<"fd" | "console", Record<string, ResourceKind>> = {
  fd: { FileDaemon: "FdFileDaemon", Director: "FdDirector", Messages: "FdMessages" },
  console: { Director: "ConsoleDirector" },
};

/** check-tree's problems with the typed key as the field where there is one (as validate.ts does). */
function problemsOf(tree: ConfigTree, version: string | undefined): Problem[] {
  return checkTree(tree, { version }).map((p) => {
    const kind = p.resource === "Config" ? undefined : KIND_OF_TYPE[tree.daemon as "fd" | "console"]?.[p.resource];
    let field = p.resource === "Config" ? p.path : p.path === "" ? "" : `directives.${p.path}`;
    if (kind && p.directive && p.path === p.directive) {
      const ks = typedKeys(kind).byName.get(p.directive);
      if (ks) field = ks.key;
    }
    return { resource: kind ?? p.resource, name: p.name, field, rule: p.rule, message: p.message, severity: p.severity, pos: p.pos };
  });
}

export function validateFileDaemon(cfg: FileDaemonConfig, tree: ConfigTree = fileDaemonTree(cfg)): Problem[] {
  // check-tree reports a missing Director or Messages resource (the table's required resources).
  const out = problemsOf(tree, cfg.version);
  for (const d of cfg.directors)
    if (!d.password) out.push({ resource: "FdDirector", name: d.name, field: "password", rule: "required", message: `Director ${JSON.stringify(d.name)}: the Client's password is missing`, severity: "error" });
  return out;
}

export function validateConsole(cfg: ConsoleConfig, version?: string, tree: ConfigTree = consoleTree(cfg)): Problem[] {
  return problemsOf(tree, version);
}
