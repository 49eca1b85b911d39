/**
 * The table-driven checks of a generic tree, for one Bacula version: what Bacula's parser would
 * refuse (unknown resource types and directives, directives the version lacks, values out of their
 * store's range, a directive given twice, required directives and resources, names, dangling
 * references) and values that would be read back differently (shell-expanded paths). The walk is
 * the renderer's own (compile.ts). Semantic rules about storage groups and copy chains live in
 * validate.ts.
 */
import { compileTree, type TreeProblem } from "./compile";
import type { ConfigTree } from "./tree";

export type { Severity, TreeProblem } from "./compile";

export interface CheckOptions {
  /** Bacula version of the daemon ("15.0.3"); undefined skips version rules. */
  version?: string;
  /** Resource types whose required directives are checked elsewhere (Job: after JobDefs). */
  skipRequired?: ReadonlySet<string>;
  /** Reference targets that live in another daemon's config (Director Storage Device). */
  externalRefs?: ReadonlySet<string>;
}

export function checkTree(tree: ConfigTree, opts: CheckOptions = {}): TreeProblem[] {
  return compileTree(tree, { ...opts, checks: "all" }).problems;
}
