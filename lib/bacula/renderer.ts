/**
 * Writes the generic tree back as a Bacula config, driven by the daemon's directive table: one
 * directive per line, each value written by its store function's rules (stores.ts), which refuse
 * anything that could break out of its line (control characters, unbalanced quotes) or that
 * Bacula would read back differently. Deterministic: resources and items in the order given. The
 * walk is shared with the checker (compile.ts).
 */
import { compileTree, StopAtProblem, type TreeProblem } from "./compile";
import type { Daemon } from "./tables/types";
import type { ConfigTree, ResourceNode } from "./tree";

/** A value that cannot be written safely; names the resource, the directive and the problem. */
export class TreeRenderError extends Error {
  constructor(
    readonly resource: string,
    readonly resourceName: string,
    readonly directive: string,
    readonly problem: string,
    /** Position of the item inside the resource, e.g. "RunScript[1].Command". */
    readonly path: string,
  ) {
    super(`${resource} ${JSON.stringify(resourceName)}: ${directive} ${problem}`);
    this.name = "TreeRenderError";
  }
}

export interface TreeRenderOptions {
  /** Model revision named in the header comment. */
  revision: string | number;
  /** File name in the header (default: the table's). */
  file?: string;
}

function toRenderError(p: TreeProblem): TreeRenderError {
  return new TreeRenderError(p.resource, p.name, p.directive ?? "", p.detail ?? p.message, p.path);
}

function render(tree: ConfigTree, revision: string | number | undefined, file?: string): string {
  try {
    return compileTree(tree, { text: true, checks: "values", stopAtFirst: true, revision, file }).text!;
  } catch (e) {
    if (e instanceof StopAtProblem) throw toRenderError(e.problem);
    if (e instanceof Error && /model revision/.test(e.message)) throw new TreeRenderError("Header", file ?? "", "revision", "must be a short single-line text", "revision");
    throw e;
  }
}

/** The lines of one resource (`Type {` … `}`). */
export function renderResourceNode(res: ResourceNode, daemon: Daemon): string[] {
  const lines = render({ daemon, resources: [res] }, undefined).split("\n");
  // compileTree writes a blank line before each resource and ends with a newline.
  return lines.slice(1, lines.length - 1);
}

/** The whole config text. */
export function renderTree(tree: ConfigTree, opts: TreeRenderOptions): string {
  return render(tree, opts.revision, opts.file);
}
