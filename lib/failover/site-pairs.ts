/**
 * The site pairs of the model, read only: a primary Director, its standby (the standby site), the
 * catalog cluster of its Catalogs, and what lives at the standby site (Storage Daemons by their
 * `site`, the Pools whose every Storage is on one of them, the Clients of the primary). Shared by
 * the DR drill (drill.ts) and the standby-site readiness (readiness.ts).
 */
import type { PrismaClient } from "@prisma/client";

export interface SitePair {
  primary: { id: number; name: string; site: string; hostId: number | null };
  standby: { id: number; name: string; site: string; hostId: number | null } | null;
  cluster: { id: number; name: string } | null;
  /** Storage Daemons at the standby site. */
  standbySds: { id: number; name: string; address: string; port: number; hostId: number | null }[];
  /** Pools (of the primary) whose every Storage is on a standby-site SD: where site B writes and keeps copies. */
  standbyPools: string[];
  /** Storages on standby-site SDs. */
  standbyStorages: string[];
  /** Every Storage of the primary. */
  allStorages: string[];
  clients: { id: number; name: string; address: string; port: number; hostId: number | null }[];
  backupJobs: { name: string; client: string | null; pool: string | null; nextPool: string | null }[];
  restoreJobs: string[];
}

export async function sitePairs(db: PrismaClient): Promise<SitePair[]> {
  const primaries = await db.director.findMany({
    where: { role: "primary" },
    orderBy: { name: "asc" },
    include: {
      standbys: { where: { role: "standby" }, orderBy: { name: "asc" } },
      catalogs: { where: { clusterId: { not: null } }, include: { cluster: true }, orderBy: { name: "asc" } },
      pools: { include: { storages: { include: { storage: { include: { storageDaemon: true } } } } } },
      storages: { select: { name: true }, orderBy: { name: "asc" } },
      clients: { orderBy: { name: "asc" } },
      jobs: { where: { type: { in: ["Backup", "Restore"] } }, include: { client: true, pool: { include: { nextPool: true } } }, orderBy: { name: "asc" } },
    },
  });
  const sds = await db.storageDaemon.findMany({ orderBy: { name: "asc" } });
  return primaries.map((p) => {
    // With several standbys, the one at another site than the primary is the standby site.
    const standby = p.standbys.find((s) => s.site && s.site !== p.site) ?? p.standbys[0] ?? null;
    const site = standby?.site ?? "";
    const standbySds = site ? sds.filter((s) => s.site === site) : [];
    const sdIds = new Set(standbySds.map((s) => s.id));
    const standbyPools = p.pools.filter((pool) => pool.storages.length > 0 && pool.storages.every((m) => sdIds.has(m.storage.storageDaemonId))).map((pool) => pool.name).sort();
    const standbyStorages = [...new Set(p.pools.flatMap((pool) => pool.storages.map((m) => m.storage)).filter((s) => sdIds.has(s.storageDaemonId)).map((s) => s.name))].sort();
    const cat = p.catalogs.find((c) => c.cluster) ?? null;
    return {
      primary: { id: p.id, name: p.name, site: p.site, hostId: p.hostId },
      standby: standby ? { id: standby.id, name: standby.name, site: standby.site, hostId: standby.hostId } : null,
      cluster: cat?.cluster ? { id: cat.cluster.id, name: cat.cluster.name } : null,
      standbySds: standbySds.map((s) => ({ id: s.id, name: s.name, address: s.address, port: s.port, hostId: s.hostId })),
      standbyPools,
      standbyStorages,
      allStorages: p.storages.map((s) => s.name),
      clients: p.clients.map((c) => ({ id: c.id, name: c.name, address: c.address, port: c.port, hostId: c.hostId })),
      backupJobs: p.jobs.filter((j) => j.type === "Backup").map((j) => ({ name: j.name, client: j.client?.name ?? null, pool: j.pool?.name ?? null, nextPool: j.pool?.nextPool?.name ?? null })),
      restoreJobs: p.jobs.filter((j) => j.type === "Restore").map((j) => j.name),
    };
  });
}
