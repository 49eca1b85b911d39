/**
 * "Switch back": the planned switchover back to the site the last switch left. After a Director
 * switchover (alone, or as part of a site promotion) the former primary is the new primary's
 * standby, with its configuration (director-deploy.ts redeploys it); switching back makes it the
 * primary again with the same guards as any switch: a fresh preflight, the cluster's name typed to
 * confirm, 409 while another operation runs, and nothing changed when refused.
 *
 * What moves depends on where the catalog is:
 *   - its primary is at the site the Director goes back to (or the members' sites are not set):
 *     the Director alone (a "director" operation, director-op.ts);
 *   - else the standby member at that site is promoted too: a site promotion (switchover mode:
 *     the current primary is fenced first), with the former primary Director preferred.
 * The member at that site must be a standby again (re-attached with pg_rewind after a failover):
 * a fenced one is refused with that fix.
 */
import type { PrismaClient } from "@prisma/client";
import { audit } from "@/lib/audit";
import { directorPreflight, type DirectorPreflight } from "./director-deploy";
import { startDirectorSwitch, type DirectorOpDeps } from "./director-op";
import { FailoverNotFound, RequestRefused } from "./errors";
import { startPromotion, type FailoverDeps } from "./machine";
import { assertNoOperation } from "./runner";
import type { PreflightResult } from "./types";

export interface SwitchBackPlan {
  /** The former primary that takes over again. */
  director: { id: number; name: string; site: string } | null;
  /** The Director that runs now (it becomes the standby again). */
  from: { id: number; name: string; site: string } | null;
  toSite: string | null;
  /** director: the catalog stays where it is; site: the catalog switches over to `member` too. */
  scope: "director" | "site" | null;
  member: { id: number; name: string } | null;
  /** The switch being undone. */
  lastSwitch: { operationId: number; kind: string; finishedAt: string | null } | null;
  problems: string[];
}

interface PairLike {
  oldId: number;
  newId: number;
}

function pairsOf(state: unknown): PairLike[] {
  const ds = (state as { directorSwitch?: { plan?: { pairs?: PairLike[] } } } | null)?.directorSwitch;
  return Array.isArray(ds?.plan?.pairs) ? ds!.plan!.pairs! : [];
}

export async function planSwitchBack(db: PrismaClient, clusterId: number): Promise<SwitchBackPlan> {
  const cluster = await db.catalogCluster.findUnique({ where: { id: clusterId }, include: { members: { orderBy: { name: "asc" } } } });
  if (!cluster) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  const plan: SwitchBackPlan = { director: null, from: null, toSite: null, scope: null, member: null, lastSwitch: null, problems: [] };
  const ops = await db.promotion.findMany({
    where: { clusterId, status: "succeeded", kind: { in: ["promote", "director"] } },
    orderBy: { id: "desc" },
    take: 20,
    select: { id: true, kind: true, finishedAt: true, state: true },
  });
  const last = ops.find((o) => pairsOf(o.state).length > 0);
  if (!last) {
    plan.problems.push("no Director switchover has been made on this cluster: there is nothing to switch back");
    return plan;
  }
  plan.lastSwitch = { operationId: last.id, kind: last.kind, finishedAt: last.finishedAt?.toISOString() ?? null };
  const [pair] = pairsOf(last.state);
  const [back, now] = await Promise.all([db.director.findUnique({ where: { id: pair.oldId } }), db.director.findUnique({ where: { id: pair.newId } })]);
  if (!back || !now) {
    plan.problems.push("a Director of the last switchover no longer exists");
    return plan;
  }
  plan.director = { id: back.id, name: back.name, site: back.site };
  plan.from = { id: now.id, name: now.name, site: now.site };
  plan.toSite = back.site || null;
  if (!(back.role === "standby" && back.primaryId === now.id && now.role === "primary")) {
    plan.problems.push(`${back.name} is not the standby of ${now.name} any more (it is ${back.role}): the model changed since switchover #${last.id}`);
    return plan;
  }
  const primary = cluster.members.find((m) => m.role === "primary" && !m.fenced) ?? null;
  if (!primary) {
    plan.problems.push("the cluster has no unfenced primary member");
    return plan;
  }
  if (!back.site || !primary.site || primary.site === back.site) {
    plan.scope = "director";
    return plan;
  }
  const there = cluster.members.filter((m) => m.site === back.site && m.id !== primary.id);
  const standby = there.find((m) => m.role === "standby" && !m.fenced);
  if (standby) {
    plan.scope = "site";
    plan.member = { id: standby.id, name: standby.name };
    return plan;
  }
  const fenced = there.find((m) => m.fenced);
  plan.problems.push(
    fenced
      ? `the catalog member at ${back.site}, ${fenced.name}, is fenced: re-attach it as a standby of ${primary.name} first (pg_rewind), then switch back`
      : `no catalog member at ${back.site}: the catalog cannot follow the Director back there`,
  );
  return plan;
}

export interface SwitchBackPreview {
  plan: SwitchBackPlan;
  /** The Director switch's checks (scope director), or the site promotion's preflight (scope site). */
  director: DirectorPreflight | null;
  promotion: PreflightResult | null;
  allowed: boolean;
}

/** GET: what a switch back would do, with its preflight (reads only). */
export async function previewSwitchBack(deps: FailoverDeps & DirectorOpDeps, clusterId: number): Promise<SwitchBackPreview> {
  const plan = await planSwitchBack(deps.db, clusterId);
  if (plan.problems.length || !plan.director) return { plan, director: null, promotion: null, allowed: false };
  if (plan.scope === "director") {
    const dpf = await directorPreflight(deps.db, clusterId, { open: deps.open, preferDirectorId: plan.director.id });
    return { plan, director: dpf, promotion: null, allowed: dpf.allowed };
  }
  const r = await startPromotion(deps, clusterId, { targetMemberId: plan.member!.id, mode: "switchover", scope: "site", dryRun: true, force: false }, { actor: "(preview)" });
  const pf = r.kind === "dry_run" ? r.preflight : null;
  return { plan, director: null, promotion: pf, allowed: !!pf?.allowed };
}

/** POST: start the switch back. Throws RequestRefused (nothing started), OperationRunning, FailoverNotFound. */
export async function startSwitchBack(
  deps: FailoverDeps & DirectorOpDeps,
  clusterId: number,
  req: { confirmClusterName?: string },
  who: { actor: string; ip?: string | null },
  opts: { background?: boolean } = {},
): Promise<{ id: number; scope: "director" | "site"; plan: SwitchBackPlan }> {
  await assertNoOperation(deps.db, clusterId);
  const cluster = await deps.db.catalogCluster.findUnique({ where: { id: clusterId } });
  if (!cluster) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  const plan = await planSwitchBack(deps.db, clusterId);
  if (plan.problems.length || !plan.director || !plan.scope) throw new RequestRefused(`switch back refused: ${plan.problems.join("; ")}`, "switchBack", { plan });
  if (req.confirmClusterName !== cluster.name) throw new RequestRefused(`type the cluster name "${cluster.name}" to confirm`, "confirmClusterName", { plan });
  let id: number;
  if (plan.scope === "director") {
    const r = await startDirectorSwitch(deps, clusterId, { confirmClusterName: req.confirmClusterName, dryRun: false }, who, { ...opts, preferDirectorId: plan.director.id });
    if (r.kind !== "started") throw new Error("the Director switch did not start");
    id = r.id;
  } else {
    const r = await startPromotion(
      deps,
      clusterId,
      { targetMemberId: plan.member!.id, mode: "switchover", scope: "site", dryRun: false, force: false, confirmClusterName: req.confirmClusterName },
      who,
      { ...opts, state: { preferDirectorId: plan.director.id, switchBack: true } },
    );
    if (r.kind !== "started") throw new Error("the site switchover did not start");
    id = r.id;
  }
  await audit({
    actor: who.actor,
    action: "switch_back",
    entityType: "catalog-cluster",
    entityId: clusterId,
    entityName: cluster.name,
    after: { operationId: id, scope: plan.scope, director: plan.director.name, from: plan.from?.name ?? null, toSite: plan.toSite, member: plan.member?.name ?? null, undoes: plan.lastSwitch?.operationId ?? null },
    ip: who.ip ?? null,
  });
  return { id, scope: plan.scope, plan };
}
