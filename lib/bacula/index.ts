/** Pure Bacula configuration domain: model, directive tables, render, parse, validate, explain. */
export * from "./model";
export * from "./directives";
export * from "./units";
export { checkName, checkText, quote, NAME_RE, MAX_STRING_BYTES, ValueError } from "./values";
export { renderDirector, renderStorageDaemon, renderResource, RenderError, type RenderOptions } from "./render";
export { parseDirector, parseStorageDaemon, type ParseIssue, type ParseOptions, type ParseResult } from "./parse";
export { validateDirector, validateStorageDaemon, effectiveJob, hasErrors, commandNeedsShell, type Problem, type Severity } from "./validate";
export { explainStorageSelection, type StorageSelection } from "./explain";
export {
  adminReplicationJob,
  adminReplicationScript,
  renderAdminReplicationJob,
  shQuote,
  AdminReplicationError,
  type AdminReplicationOptions,
} from "./admin-replication";
