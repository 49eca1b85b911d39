import { prisma } from "@/lib/db/client";
import { getReplicationService } from "@/lib/replication/service";

export interface TopologySummary {
  directors: { total: number; primary: number; standby: number; independent: number; sites: string[] };
  storageDaemons: { total: number; devices: number };
  storages: number;
  pools: { total: number; withNextPool: number };
  storageGroups: { total: number; byPolicy: Record<string, number> };
  jobs: { total: number; byType: Record<string, number> };
  clients: number;
  catalogClusters: { id: number; name: string; members: number; primary: string | null; standbys: number; health: ClusterHealthSummary; healthHeadline: string | null }[];
  modelRevision: number;
}

/** From the replication poller's latest snapshot; "unknown" until polled, "not_monitored" with polling off. */
export type ClusterHealthSummary = "ok" | "warn" | "critical" | "unknown" | "not_monitored";

let cached: { revision: string | null; at: number; value: TopologySummary } | null = null;

/**
 * The home page's counts. Served from memory while the model revision is unchanged (every change
 * bumps it) and the answer is under 5 s old; one indexed read decides.
 */
export async function topologySummary(): Promise<TopologySummary> {
  const revision = (await prisma.setting.findUnique({ where: { key: "modelRevision" } }))?.value ?? null;
  if (!(cached && cached.revision === revision && Date.now() - cached.at < 5_000)) {
    cached = { revision, at: Date.now(), value: await computeSummary() };
  }
  return withReplicationHealth(cached.value);
}

/** Health is live (the poller's memory), so it is laid over the cached counts on every call. */
function withReplicationHealth(v: TopologySummary): TopologySummary {
  const service = getReplicationService();
  if (!service) return { ...v, catalogClusters: v.catalogClusters.map((c) => ({ ...c, health: "not_monitored" as const })) };
  const byId = new Map(service.status().clusters.map((c) => [c.id, c]));
  return {
    ...v,
    catalogClusters: v.catalogClusters.map((c) => {
      const live = byId.get(c.id);
      return { ...c, health: live?.health ?? "unknown", healthHeadline: live && live.health !== "unknown" ? live.headline : null };
    }),
  };
}

async function computeSummary(): Promise<TopologySummary> {
  const [directorRoles, sites, sdCount, deviceCount, storageCount, poolCount, nextPoolCount, groups, jobTypes, clientCount, clusters, revision] =
    await Promise.all([
      prisma.director.groupBy({ by: ["role"], _count: { _all: true } }),
      prisma.director.findMany({ distinct: ["site"], select: { site: true } }),
      prisma.storageDaemon.count(),
      prisma.device.count(),
      prisma.storage.count(),
      prisma.pool.count(),
      prisma.pool.count({ where: { nextPoolId: { not: null } } }),
      prisma.$queryRaw<{ policy: string | null; n: bigint | number }[]>`
        SELECT policy, COUNT(*) AS n FROM (
          SELECT p."storagePolicy" AS policy FROM "Pool" p
            WHERE (SELECT COUNT(*) FROM "StorageGroupMember" m WHERE m."poolId" = p.id) > 1
          UNION ALL
          SELECT j."storagePolicy" AS policy FROM "Job" j
            WHERE (SELECT COUNT(*) FROM "StorageGroupMember" m WHERE m."jobId" = j.id) > 1
        ) AS g GROUP BY policy`,
      prisma.job.groupBy({ by: ["type"], _count: { _all: true } }),
      prisma.client.count(),
      prisma.catalogCluster.findMany({
        orderBy: { name: "asc" },
        take: 50,
        select: { id: true, name: true, members: { select: { name: true, role: true } } },
      }),
      prisma.setting.findUnique({ where: { key: "modelRevision" } }),
    ]);
  const roleCount = (role: string) => directorRoles.find((r) => r.role === role)?._count._all ?? 0;
  const byPolicy: Record<string, number> = {};
  let groupTotal = 0;
  for (const g of groups) {
    const n = Number(g.n);
    byPolicy[g.policy ?? "ListedOrder"] = (byPolicy[g.policy ?? "ListedOrder"] ?? 0) + n;
    groupTotal += n;
  }
  return {
    directors: {
      total: directorRoles.reduce((a, r) => a + r._count._all, 0),
      primary: roleCount("primary"),
      standby: roleCount("standby"),
      independent: roleCount("independent"),
      sites: sites.map((s) => s.site).filter((s) => s !== "").sort(),
    },
    storageDaemons: { total: sdCount, devices: deviceCount },
    storages: storageCount,
    pools: { total: poolCount, withNextPool: nextPoolCount },
    storageGroups: { total: groupTotal, byPolicy },
    jobs: { total: jobTypes.reduce((a, r) => a + r._count._all, 0), byType: Object.fromEntries(jobTypes.map((t) => [t.type, t._count._all])) },
    clients: clientCount,
    catalogClusters: clusters.map((c) => ({
      id: c.id,
      name: c.name,
      members: c.members.length,
      primary: c.members.find((m) => m.role === "primary")?.name ?? null,
      standbys: c.members.filter((m) => m.role === "standby").length,
      health: "unknown" as ClusterHealthSummary,
      healthHeadline: null,
    })),
    modelRevision: revision ? Number(revision.value) : 0,
  };
}
