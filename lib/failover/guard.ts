/**
 * The split-brain guard, run after each replication poll cycle (lib/replication/service.ts
 * `afterCycle`). The health rules already turn the cluster critical with the reason
 * (stale_primary); this acts on it:
 *
 *   a member is out of recovery (writable) while the model says it is fenced or is not the primary,
 *   the model's primary answers as a writable primary, the cluster's policy allows it (autoFence,
 *   default on) and no operation runs on the cluster
 *   -> start a fence operation (./fence-op.ts, mode "guard") for that member at once, audited.
 *
 * Never the model's current primary; never when the model's primary does not answer (the stale
 * member may then be the only writable node: the cluster stays critical and says so). A member
 * whose fence did not start or failed is tried again after `retryMs` (default 30 s).
 */
import type { PrismaClient } from "@prisma/client";
import type { PollCycle } from "@/lib/replication/poller";
import { OperationRunning } from "./errors";
import { startFence, type FenceOpDeps } from "./fence-op";
import { runOperation } from "./runner";

export interface GuardOptions {
  db: PrismaClient;
  probe?: FenceOpDeps["probe"];
  retryMs?: number;
  log?: (line: string) => void;
  /** Tests: wait for the fence operation instead of running it in the background. */
  background?: boolean;
}

export interface GuardAction {
  clusterId: number;
  memberId: number;
  memberName: string;
  action: "fence_started" | "policy_off" | "operation_running" | "primary_not_writable" | "retry_later" | "error";
  operationId?: number;
  detail?: string;
}

export type SplitBrainGuard = ((cycle: PollCycle) => Promise<GuardAction[]>) & { readonly last: GuardAction[] };

export function createSplitBrainGuard(opts: GuardOptions): SplitBrainGuard {
  const retryMs = opts.retryMs ?? 30_000;
  const tried = new Map<string, number>();
  const log = opts.log ?? ((l: string) => console.error(`[split-brain guard] ${l}`));
  let last: GuardAction[] = [];

  const guard = async (cycle: PollCycle): Promise<GuardAction[]> => {
    const actions: GuardAction[] = [];
    for (const snap of cycle.snapshots) {
      const stale = snap.members.filter((m) => m.result.kind === "primary" && (m.fenced === true || m.expectedRole !== "primary"));
      if (stale.length === 0) continue;
      const clusterId = Number(snap.clusterId);
      if (!Number.isInteger(clusterId)) continue;
      const modelPrimary = snap.members.find((m) => m.expectedRole === "primary" && m.fenced !== true);
      for (const m of stale) {
        const memberId = Number(m.memberId);
        const base = { clusterId, memberId, memberName: m.name ?? m.memberId };
        if (!modelPrimary || modelPrimary.memberId === m.memberId || modelPrimary.result.kind !== "primary") {
          actions.push({ ...base, action: "primary_not_writable", detail: `the model's primary ${modelPrimary?.name ?? "(none)"} does not answer as a primary` });
          continue;
        }
        const key = `${clusterId}:${memberId}`;
        const at = tried.get(key);
        if (at !== undefined && Date.now() - at < retryMs) {
          actions.push({ ...base, action: "retry_later" });
          continue;
        }
        const cluster = await opts.db.catalogCluster.findUnique({ where: { id: clusterId }, select: { autoFence: true, name: true } });
        if (!cluster) continue;
        if (!cluster.autoFence) {
          actions.push({ ...base, action: "policy_off" });
          continue;
        }
        tried.set(key, Date.now());
        const reason = `split brain: ${base.memberName} is writable (timeline ${m.result.kind === "primary" ? m.result.timeline : "?"}) while the model says it is ${m.fenced ? "fenced" : "a standby"}; ${modelPrimary.name ?? modelPrimary.memberId} is the primary`;
        try {
          const deps = { db: opts.db, probe: opts.probe };
          const { id } = await startFence(deps, clusterId, { memberId, source: "guard", reason }, { actor: "split-brain guard" }, { background: opts.background !== false });
          log(`${cluster.name}: ${reason}: fence operation #${id} started`);
          if (opts.background === false) await runOperation(deps, id);
          actions.push({ ...base, action: "fence_started", operationId: id, detail: reason });
        } catch (err) {
          if (err instanceof OperationRunning) {
            tried.delete(key);
            actions.push({ ...base, action: "operation_running", operationId: err.operationId });
          } else {
            actions.push({ ...base, action: "error", detail: err instanceof Error ? err.message : String(err) });
            log(`${cluster.name}: could not start fencing ${base.memberName}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
    }
    last = actions;
    return actions;
  };
  Object.defineProperty(guard, "last", { get: () => last });
  return guard as SplitBrainGuard;
}
