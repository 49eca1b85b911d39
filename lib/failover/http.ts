/** Route-handler glue of the failover API: params, the mapping of typed domain errors to HTTP, views. */
import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { HttpError, notFound } from "@/lib/http/errors";
import { getReplicationService } from "@/lib/replication/service";
import { FailoverNotFound, OperationRunning, RequestRefused } from "./errors";
import { loadPromotion, toView } from "./runner";
import type { PromotionView } from "./types";
import { strictId } from "@/lib/http/numbers";

export const clusterParams = z.object({ clusterId: strictId() });
export const idParams = z.object({ id: strictId() });

/** The failover dialogs' labels of the fields a refusal names. */
const FIELD_LABELS: Record<string, string> = {
  clusterId: "Cluster",
  confirmClusterName: "Cluster name",
  confirmMemberName: "Member name",
  forceReason: "Reason",
  unfencedReason: "Why promote without fencing",
  targetMemberId: "Standby",
  memberId: "Member",
};

/** Typed errors only: never a status chosen from a message's text. */
export function mapFailoverError(err: unknown): never {
  if (err instanceof OperationRunning) {
    throw new HttpError(409, err.message, [{ field: "clusterId", rule: "operation_running", message: err.message, label: FIELD_LABELS.clusterId }], {
      runningOperationId: err.operationId,
      runningOperationKind: err.operationKind,
    });
  }
  if (err instanceof RequestRefused) {
    throw new HttpError(409, err.message, [{ field: err.field, rule: "refused", message: err.message, label: FIELD_LABELS[err.field] }], err.details);
  }
  if (err instanceof FailoverNotFound) throw notFound(err.message);
  throw err;
}

export async function promotionView(id: number): Promise<PromotionView> {
  const p = await loadPromotion(prisma, id);
  if (!p) throw notFound(`promotion ${id} does not exist`);
  return toView(p);
}

export async function clusterOverview(clusterId: number) {
  const c = await prisma.catalogCluster.findUnique({
    where: { id: clusterId },
    include: { members: { orderBy: { name: "asc" } }, catalogs: { select: { id: true, name: true, dbAddress: true, dbPort: true } } },
  });
  if (!c) throw notFound(`catalog cluster ${clusterId} does not exist`);
  const running = await prisma.promotion.findFirst({ where: { clusterId, status: "running" }, select: { id: true } });
  // The poller's latest view (no probe here): a stale writable member is offered "Fence now".
  const live = getReplicationService()?.cluster(clusterId);
  const stateOf = (id: number) => live?.members.find((x) => x.id === id)?.state ?? null;
  return {
    cluster: { id: c.id, name: c.name, maxLagBytes: c.maxLagBytes, autoFence: c.autoFence, fenceTimeoutMs: c.fenceTimeoutMs },
    members: c.members.map((m) => ({
      id: m.id,
      name: m.name,
      role: m.role,
      fenced: m.fenced,
      fenceState: m.fenceState,
      fenceNote: m.fenceNote,
      fencedAt: m.fencedAt?.toISOString() ?? null,
      address: m.address,
      port: m.port,
      adminPasswordSet: !!m.adminPasswordEnc,
      sshHostSet: m.hostId !== null,
      /** The replication poller's word for it (stale_primary, fenced, not_fenced, streaming ...), null when not polled. */
      liveState: stateOf(m.id),
    })),
    catalogs: c.catalogs,
    runningPromotionId: running?.id ?? null,
  };
}
export type ClusterOverview = Awaited<ReturnType<typeof clusterOverview>>;
