/**
 * Every kind of action the audit log records: the one list that `audit()` accepts (a new action
 * does not compile until it is named here) and that the audit page's filter offers. Pure data, so
 * the browser can import it.
 */
export const AUDIT_ACTIONS = {
  create: "record created",
  update: "record changed",
  delete: "record deleted",
  import: "config files imported",
  "import-create": "record created by an import",
  "import-update": "record changed by an import",
  "import-delete": "record removed by an import (a resource a re-imported bacula-fd.conf no longer has)",
  seed: "demo topology loaded",
  login: "logged in",
  login_failed: "failed login",
  logout: "logged out",
  setup: "first admin created",
  deploy: "deploy",
  deploy_dry_run: "deploy dry run",
  app_database_promoted: "the app's own database promoted at this site (npm run db:promote, the other site lost)",
  deploy_interrupted: "a deploy whose instance stopped, taken over by another (finished by a new run, or marked interrupted)",
  deploy_settings: "deploy settings changed",
  host_key_pin: "host key pinned",
  host_key_repin: "host key replaced",
  deploy_programs: "programs allowed in host commands changed",
  deploy_live_check: "live config check of a host",
  config_reveal: "generated config shown with its passwords (admin)",
  "catalog-member.fenced": "a stale primary fenced by the split-brain guard",
  failover_policy: "fencing policy of a catalog cluster changed",
  switch_back: "switch back to the site the last switchover left",
} as const;

/**
 * Long operations write one event per step as `<kind>.<step>` (`promotion.requested`,
 * `promotion.fence_old_primary`, `reattach.finished`, ...): the filter offers each kind as a whole.
 */
export const OPERATION_ACTIONS = {
  promotion: "catalog promotion (every step)",
  reattach: "re-attach of a former primary (every step)",
  director_switch: "Director switchover (every step)",
  fence: "fencing of a catalog member (every step)",
  drill: "DR drill: switchover to the standby site, test backup and restore, switch back (every step)",
} as const;

export type SimpleAuditAction = keyof typeof AUDIT_ACTIONS;
export type OperationKind = keyof typeof OPERATION_ACTIONS;
export type AuditAction = SimpleAuditAction | `${OperationKind}.${string}`;

/** The audit page's action filter: a simple action, or `<kind>.*` for every step of an operation. */
export type AuditActionFilter = SimpleAuditAction | `${OperationKind}.*`;

export const AUDIT_ACTION_FILTERS: ReadonlyArray<{ value: AuditActionFilter; label: string }> = [
  ...(Object.entries(AUDIT_ACTIONS) as [SimpleAuditAction, string][]).map(([value, label]) => ({ value, label: `${value} — ${label}` })),
  ...(Object.entries(OPERATION_ACTIONS) as [OperationKind, string][]).map(([kind, label]) => ({
    value: `${kind}.*` as const,
    label: `${kind}.* — ${label}`,
  })),
];

export function isAuditActionFilter(v: string): v is AuditActionFilter {
  return AUDIT_ACTION_FILTERS.some((f) => f.value === v);
}

/** The database condition of one filter value: an exact action, or the prefix of an operation's steps. */
export function actionCondition(filter: AuditActionFilter): string | { startsWith: string } {
  return filter.endsWith(".*") ? { startsWith: filter.slice(0, -1) } : filter;
}
