/** Shared bits of the replication route handlers: the service or the idle fallback, and input schemas. */
import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { notFound } from "@/lib/http/errors";
import { getReplicationService, idleStatus, type ReplicationStatus } from "./service";
import type { ClusterStatusView } from "./view";
import { strictId } from "@/lib/http/numbers";

export const clusterParamsSchema = z.object({ clusterId: strictId() });
export const historyQuerySchema = z.object({ range: z.enum(["1h", "24h", "7d"]).default("1h") });

/** The latest status: from the running poller's memory, else (polling disabled) the configured clusters. */
export async function currentStatus(): Promise<ReplicationStatus> {
  const s = getReplicationService();
  return s ? s.status() : idleStatus(prisma);
}

export async function clusterStatus(id: number): Promise<{ cluster: ClusterStatusView; polling: ReplicationStatus["polling"] }> {
  const status = await currentStatus();
  const cluster = status.clusters.find((c) => c.id === id);
  if (!cluster) {
    // Created since the last cycle? Say so rather than 404 when it exists.
    const exists = await prisma.catalogCluster.findUnique({ where: { id }, select: { id: true } });
    if (!exists) throw notFound(`No catalog cluster with id ${id}`);
    const fresh = await idleStatus(prisma);
    const c = fresh.clusters.find((x) => x.id === id);
    if (!c) throw notFound(`No catalog cluster with id ${id}`);
    return { cluster: c, polling: status.polling };
  }
  return { cluster, polling: status.polling };
}
