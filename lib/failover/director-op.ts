/**
 * "Switch Director to standby site" alone (no catalog promotion): a guarded admin operation on a
 * catalog cluster, persisted and streamed like a promotion (Promotion kind "director", mode
 * "director"), one at a time per cluster (the same activeKey).
 *
 *   director_preflight   the standby Director's host answers over SSH and its configuration as
 *                        the primary passes Bacula's test there; start/stop commands parse
 *   director_switchover  lib/failover/director-deploy.ts switchDirectors, with the Catalogs
 *                        left on the cluster's current primary
 *
 * The point of no return is director_switchover (the preflight changes nothing: nothing to roll
 * back). The admin types the cluster's name to confirm.
 */
import type { PrismaClient } from "@prisma/client";
import { directorPreflight, switchDirectors, type DirectorPreflight } from "./director-deploy";
import { FailoverNotFound, RequestRefused } from "./errors";
import { loadCluster } from "./preflight";
import { assertNoOperation, registerOperation, startOperation, type RunnerDeps, type StepDef } from "./runner";
import type { DirectorSwitchRequest } from "./types";
import type { OpenTransport } from "@/lib/deploy/engine";

export interface DirectorOpDeps extends RunnerDeps {
  open?: OpenTransport;
}

async function currentPrimary(db: PrismaClient, clusterId: number) {
  const cluster = await loadCluster(db, clusterId);
  if (!cluster) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  const primary = cluster.members.find((m) => m.role === "primary" && !m.fenced) ?? null;
  return { cluster, primary };
}

const preferOf = (state: Record<string, unknown>): number | null => (typeof state.preferDirectorId === "number" ? state.preferDirectorId : null);

export const stepPreflight: StepDef<DirectorOpDeps> = {
  name: "director_preflight",
  async run(ctx) {
    const { primary } = await currentPrimary(ctx.deps.db, ctx.promotion.clusterId);
    const pf = await directorPreflight(ctx.deps.db, ctx.promotion.clusterId, { open: ctx.deps.open, preferHostId: primary?.hostId ?? null, preferDirectorId: preferOf(ctx.state) });
    for (const c of pf.checks) await ctx.log(`${c.ok ? "ok" : c.severity === "blocker" ? "REFUSED" : "note"}: ${c.message}`);
    const blockers = pf.checks.filter((c) => !c.ok && c.severity === "blocker");
    if (blockers.length) throw new Error(blockers.map((b) => b.message).join("; "));
  },
};

export const stepSwitch: StepDef<DirectorOpDeps> = {
  name: "director_switchover",
  async run(ctx) {
    const { primary } = await currentPrimary(ctx.deps.db, ctx.promotion.clusterId);
    if (!primary) throw new Error("the cluster has no unfenced primary member: promote the catalog (site promotion) instead");
    const res = await switchDirectors({
      db: ctx.deps.db,
      clusterId: ctx.promotion.clusterId,
      actor: ctx.promotion.actor,
      newPrimary: { name: primary.name, address: primary.address, port: primary.port, hostId: primary.hostId },
      preferDirectorId: preferOf(ctx.state),
      log: (l) => ctx.log(l),
      state: ctx.state,
      saveState: () => ctx.saveState(),
      open: ctx.deps.open,
    });
    await ctx.log(res.message);
    ctx.state.directorSwitchover = res.status;
  },
};

registerOperation<DirectorOpDeps>("director", {
  steps: () => [stepPreflight, stepSwitch],
  pointOfNoReturn: "director_switchover",
  rollback: async () => "nothing to undo: the preflight changes nothing",
});

export type DirectorStart = { kind: "dry_run"; preflight: DirectorPreflight } | { kind: "started"; id: number };

/**
 * Validate (fresh preflight, typed cluster name), persist and start the Director switch. Throws
 * RequestRefused (nothing created), FailoverNotFound or OperationRunning.
 */
export async function startDirectorSwitch(
  deps: DirectorOpDeps,
  clusterId: number,
  req: DirectorSwitchRequest,
  who: { actor: string; ip?: string | null },
  opts: { background?: boolean; /** A switch back: the former primary that takes over again. */ preferDirectorId?: number | null } = {},
): Promise<DirectorStart> {
  const db = deps.db;
  if (!req.dryRun) await assertNoOperation(db, clusterId);
  const { cluster, primary } = await currentPrimary(db, clusterId);
  const pf = await directorPreflight(db, clusterId, { open: deps.open, preferHostId: primary?.hostId ?? null, preferDirectorId: opts.preferDirectorId ?? null });
  if (req.dryRun) return { kind: "dry_run", preflight: pf };
  if (!primary) throw new RequestRefused("the cluster has no unfenced primary member", "clusterId", { preflight: pf });
  if (!pf.allowed) throw new RequestRefused(`Director switch refused: ${pf.checks.filter((c) => !c.ok && c.severity === "blocker").map((c) => c.message).join("; ")}`, "directors", { preflight: pf });
  if (req.confirmClusterName !== cluster.name) throw new RequestRefused(`type the cluster name "${cluster.name}" to confirm`, "confirmClusterName", { preflight: pf });
  const names = pf.plan.pairs.map((p) => p.newName).concat(pf.plan.inPlace.map((d) => d.name));
  const olds = pf.plan.pairs.map((p) => p.oldName);
  const id = await startOperation(
    deps,
    {
      clusterId,
      kind: "director",
      mode: "director",
      targetMemberId: primary.id,
      targetName: names.join(", ") || "(none)",
      oldPrimaryId: null,
      oldPrimaryName: olds.join(", ") || null,
      actor: who.actor,
      preflight: pf,
      state: { requestedAt: Date.now(), scope: "director", ...(opts.preferDirectorId ? { preferDirectorId: opts.preferDirectorId, switchBack: true } : {}) },
      steps: [stepPreflight, stepSwitch].map((s) => s.name),
      audit: { entityName: cluster.name, after: { pairs: pf.plan.pairs, inPlace: pf.plan.inPlace }, ip: who.ip ?? null },
    },
    { background: opts.background },
  );
  return { kind: "started", id };
}
