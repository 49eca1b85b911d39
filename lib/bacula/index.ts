/** Pure Bacula configuration domain: directive tables, generic tree, typed model, parse, render, validate, explain. */
export * from "./model";
export { TABLES, findDirective, findResource, normalizeKeyword, compareVersions, supports, valuesFor, directivesFor, resourcesFor, canonicalValue } from "./tables";
export type { DaemonTable, DirectiveDef, ResourceDef, BlockDef, StoreFn, Daemon, Version } from "./tables/types";
export type { ConfigTree, ResourceNode, Item, DirectiveItem, BlockItem, Value, MsgValue, AddressEntry } from "./tree";
export { KINDS, kindsOf, typedKeys, directiveOfKey, resourceDefOf, nodeToTyped, typedToNode, treeToTyped, typedToTree, type ResourceKind } from "./typed";
export { STORES, valueProblem, nameProblem, textProblem, shellProblem, quote, formatValue, durationSeconds, sizeBytes, MAX_STRING_BYTES, MAX_NAME_BYTES } from "./stores";
export { renderDirector, renderStorageDaemon, renderResource, directorTree, storageDaemonTree, RenderError, type RenderOptions } from "./render";
export { renderTree } from "./renderer";
export { parseDirector, parseStorageDaemon, pipedIncludeGlob, type ParseIssue, type ParseOptions, type ParseResult } from "./parse";
export { parseTree } from "./parser";
export { validateDirector, validateStorageDaemon, treeProblems, effectiveJob, hasErrors, commandNeedsShell, type Problem, type Severity } from "./validate";
export { checkTree, type TreeProblem } from "./check-tree";
export { explainStorageSelection, type StorageSelection } from "./explain";
export {
  adminReplicationJob,
  adminReplicationScript,
  renderAdminReplicationJob,
  shQuote,
  AdminReplicationError,
  type AdminReplicationOptions,
} from "./admin-replication";
export {
  renderFileDaemon,
  renderConsole,
  consoleTlsFrom,
  fileDaemonTree,
  consoleTree,
  validateFileDaemon,
  validateConsole,
  type FileDaemonConfig,
  type FdFileDaemonResource,
  type FdDirectorResource,
  type ConsoleConfig,
  type ConsoleDirectorResource,
} from "./fd-console";
