/**
 * The Director half of a promotion: after the catalog's new primary is writable and the model
 * points every Catalog of the cluster at it, the Directors that use those Catalogs must get the
 * new `DB Address`/`DB Port` (render, test, swap, reload) -- the deploy engine's job
 * (lib/deploy/engine.ts). Until one registers here, the step `director_switchover` is skipped
 * with a status that says so.
 *
 * The implementation is lib/failover/director-deploy.ts (registered at startup by instrumentation.ts
 * and by the routes that start operations). It runs only when the promotion's scope is "site"
 * (catalog + Director); a "catalog" promotion skips the step with CATALOG_ONLY_MESSAGE.
 *
 * Contract for the hook (registerDirectorSwitchover):
 *  - idempotent: after an app restart the step runs again from the start;
 *  - returns { status: "ok" } only once every affected Director runs on the new catalog address
 *    (or { status: "skipped", message } when there is nothing to do);
 *  - throws on failure: the promotion then ends "failed" with the catalog already promoted
 *    (the point of no return is behind), the error names what to redo (a deploy of the Directors).
 */
export interface DirectorSwitchoverContext {
  promotionId: number;
  clusterId: number;
  clusterName: string;
  mode: "switchover" | "failover";
  actor: string;
  newPrimary: { memberId: number; name: string; address: string; port: number };
  /** Catalogs of the cluster, already pointed at the new primary in the model. */
  catalogs: Array<{ id: number; name: string; directorId: number; directorName: string; directorRole: string }>;
  log(line: string): Promise<void>;
  /** The operation's persisted state (Promotion.state): the hook keeps what it decided there, for re-runs. */
  state?: Record<string, unknown>;
  saveState?(): Promise<void>;
}

export interface DirectorSwitchoverResult {
  status: "ok" | "skipped";
  message: string;
  detail?: Record<string, unknown>;
}

export type DirectorSwitchoverHook = (ctx: DirectorSwitchoverContext) => Promise<DirectorSwitchoverResult>;

const g = globalThis as unknown as { __bhdDirectorSwitchover?: DirectorSwitchoverHook | null };

/** Register (or with null remove) the Director switchover implementation. */
export function registerDirectorSwitchover(hook: DirectorSwitchoverHook | null): void {
  g.__bhdDirectorSwitchover = hook;
}

export function directorSwitchoverHook(): DirectorSwitchoverHook | null {
  return g.__bhdDirectorSwitchover ?? null;
}

export const NO_DEPLOY_ENGINE_MESSAGE =
  "no deploy engine is configured for Director switchover: the Catalog resources were updated in the model; " +
  "deploy the Directors' configuration to apply the new DB Address/DB Port";

export const CATALOG_ONLY_MESSAGE =
  "catalog only: the Directors were not switched (the Catalog resources were updated in the model); " +
  "switch the Director to the standby site separately, or deploy the Directors' configuration";
