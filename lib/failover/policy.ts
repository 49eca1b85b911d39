/** A catalog cluster's fencing policy: the split-brain guard's autoFence and the bound of a fence. */
import type { PrismaClient } from "@prisma/client";
import { audit, bumpModelRevision } from "@/lib/audit";
import { FailoverNotFound } from "./errors";
import type { FencePolicy } from "./types";

export async function readFencePolicy(db: PrismaClient, clusterId: number): Promise<FencePolicy> {
  const c = await db.catalogCluster.findUnique({ where: { id: clusterId }, select: { autoFence: true, fenceTimeoutMs: true } });
  if (!c) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  return c;
}

export async function updateFencePolicy(db: PrismaClient, clusterId: number, policy: FencePolicy, who: { actor: string; ip?: string | null }): Promise<FencePolicy> {
  return db.$transaction(async (tx) => {
    const before = await tx.catalogCluster.findUnique({ where: { id: clusterId }, select: { name: true, autoFence: true, fenceTimeoutMs: true } });
    if (!before) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
    const after = await tx.catalogCluster.update({ where: { id: clusterId }, data: policy, select: { autoFence: true, fenceTimeoutMs: true } });
    await audit(
      { actor: who.actor, action: "update", entityType: "catalog-clusters", entityId: clusterId, entityName: before.name, before: { autoFence: before.autoFence, fenceTimeoutMs: before.fenceTimeoutMs }, after, ip: who.ip ?? null },
      tx,
    );
    await bumpModelRevision(tx);
    return after;
  });
}
