/**
 * From database rows to the topology graph (pure, deterministic: nodes and edges in a fixed order
 * by kind and id). Sites: Directors and Storage Daemons carry one; Pools and Jobs are drawn in their
 * Director's site, Storages in their Storage Daemon's; catalog members in the site of the Director or
 * Storage Daemon on their Host, else in the "Catalog" lane.
 */
import { runLineJob } from "@/lib/builder/graph";
import type { Health, TopoEdge, TopoNode, TopoNodeKind, TopoSite } from "./types";

export interface TopologyRows {
  directors: Array<{ id: number; name: string; role: string; site: string; active: boolean; primaryId: number | null; hostId: number | null; version: string }>;
  storageDaemons: Array<{ id: number; name: string; site: string; hostId: number | null }>;
  devices: Array<{ id: number; name: string; storageDaemonId: number; mediaType: string; deviceType: string | null }>;
  storages: Array<{ id: number; name: string; directorId: number; storageDaemonId: number; deviceId: number | null; mediaType: string }>;
  pools: Array<{ id: number; name: string; directorId: number; poolType: string; nextPoolId: number | null; storagePolicy: string | null }>;
  jobs: Array<{ id: number; name: string; directorId: number; type: string; poolId: number | null; nextPoolId: number | null; storagePolicy: string | null; runLines: unknown; jobDefsId: number | null }>;
  groupMembers: Array<{ position: number; storageId: number; poolId: number | null; jobId: number | null }>;
  clusters: Array<{ id: number; name: string; members: Array<{ id: number; name: string; role: string; hostId: number | null; address: string; port: number; fenced: boolean; fenceState?: string }> }>;
}

export const CATALOG_SITE = "lane:catalog";
export const NO_SITE = "site:";

export const siteId = (site: string) => (site ? `site:${site}` : NO_SITE);

export interface TopologyGraph {
  sites: Omit<TopoSite, "width" | "height">[];
  nodes: TopoNode[];
  edges: TopoEdge[];
  jobCount: number;
}

export function buildTopology(rows: TopologyRows, opts: { jobs: boolean }): TopologyGraph {
  const nodes: TopoNode[] = [];
  const edges: TopoEdge[] = [];
  const edgeIds = new Set<string>();
  const edge = (e: TopoEdge) => {
    if (edgeIds.has(e.id)) return;
    edgeIds.add(e.id);
    edges.push(e);
  };
  const byId = <T extends { id: number }>(xs: T[]) => new Map(xs.map((x) => [x.id, x]));
  const directors = byId(rows.directors);
  const sds = byId(rows.storageDaemons);
  const pools = byId(rows.pools);
  const storages = byId(rows.storages);

  const hostSite = new Map<number, string>();
  for (const d of rows.directors) if (d.hostId != null && d.site && !hostSite.has(d.hostId)) hostSite.set(d.hostId, d.site);
  for (const s of rows.storageDaemons) if (s.hostId != null && s.site && !hostSite.has(s.hostId)) hostSite.set(s.hostId, s.site);

  const dirSite = (id: number) => siteId(directors.get(id)?.site ?? "");

  for (const d of [...rows.directors].sort((a, b) => a.id - b.id)) {
    const primary = d.primaryId != null ? directors.get(d.primaryId) : undefined;
    const activeText = d.role === "primary" && d.active ? "active primary" : d.role === "standby" ? `standby of ${primary?.name ?? "?"}${d.active ? " (active)" : ""}` : d.active ? d.role : `${d.role}, inactive`;
    nodes.push({ id: `director:${d.id}`, kind: "director", dbId: d.id, name: d.name, siteId: siteId(d.site), role: d.role, active: d.active, version: d.version, detail: `${activeText} · ${d.version}` });
    if (primary) edge({ id: `config-replicated:director:${primary.id}->director:${d.id}`, kind: "config-replicated", source: `director:${primary.id}`, target: `director:${d.id}`, label: "config replicated to" });
  }
  const devicesOf = new Map<number, TopologyRows["devices"]>();
  for (const dev of [...rows.devices].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id)) {
    const list = devicesOf.get(dev.storageDaemonId) ?? [];
    list.push(dev);
    devicesOf.set(dev.storageDaemonId, list);
  }
  for (const s of [...rows.storageDaemons].sort((a, b) => a.id - b.id)) {
    const devices = (devicesOf.get(s.id) ?? []).map((d) => ({ id: d.id, name: d.name, mediaType: d.mediaType, deviceType: d.deviceType }));
    nodes.push({ id: `sd:${s.id}`, kind: "sd", dbId: s.id, name: s.name, siteId: siteId(s.site), devices, detail: `${devices.length} device${devices.length === 1 ? "" : "s"}` });
  }
  for (const st of [...rows.storages].sort((a, b) => a.id - b.id)) {
    const sd = sds.get(st.storageDaemonId);
    const dev = rows.devices.find((d) => d.id === st.deviceId);
    nodes.push({
      id: `storage:${st.id}`,
      kind: "storage",
      dbId: st.id,
      name: st.name,
      siteId: siteId(sd?.site ?? ""),
      directorId: st.directorId,
      directorName: directors.get(st.directorId)?.name,
      storageDaemonId: st.storageDaemonId,
      mediaType: st.mediaType,
      detail: `${st.mediaType}${dev ? ` · ${dev.name}` : ""}`,
    });
    edge({ id: `uses:storage:${st.id}->sd:${st.storageDaemonId}`, kind: "uses", source: `storage:${st.id}`, target: `sd:${st.storageDaemonId}`, label: dev ? `device ${dev.name}` : "on" });
  }
  const groupOf = (key: "poolId" | "jobId", id: number) =>
    rows.groupMembers.filter((m) => m[key] === id).sort((a, b) => a.position - b.position).map((m) => m.storageId);
  const groupLabel = (ids: number[], policy: string | null) => {
    if (ids.length === 0) return null;
    if (ids.length === 1) return `1 storage`;
    return `${policy ?? "ListedOrder"} · ${ids.length} storages`;
  };
  for (const p of [...rows.pools].sort((a, b) => a.id - b.id)) {
    const ids = groupOf("poolId", p.id);
    const next = p.nextPoolId != null ? pools.get(p.nextPoolId) : undefined;
    nodes.push({
      id: `pool:${p.id}`,
      kind: "pool",
      dbId: p.id,
      name: p.name,
      siteId: dirSite(p.directorId),
      directorId: p.directorId,
      directorName: directors.get(p.directorId)?.name,
      storageIds: ids,
      policy: p.storagePolicy,
      groupLabel: groupLabel(ids, p.storagePolicy),
      nextPoolId: p.nextPoolId,
      detail: `${p.poolType}${next ? ` · Next Pool ${next.name}` : ""}`,
    });
    ids.forEach((sid, i) => {
      if (!storages.has(sid)) return;
      edge({
        id: `uses:pool:${p.id}->storage:${sid}`,
        kind: "uses",
        source: `pool:${p.id}`,
        target: `storage:${sid}`,
        position: i + 1,
        label: ids.length > 1 ? `${i + 1}. ${p.storagePolicy ?? "ListedOrder"}` : "storage",
      });
    });
    if (next) edge({ id: `next-pool:pool:${p.id}->pool:${next.id}`, kind: "next-pool", source: `pool:${p.id}`, target: `pool:${next.id}`, label: "Next Pool" });
  }
  const jobCount = rows.jobs.length;
  if (opts.jobs) {
    const jobsByDirName = new Map(rows.jobs.map((j) => [`${j.directorId}\u0000${j.name}`, j]));
    for (const j of [...rows.jobs].sort((a, b) => a.id - b.id)) {
      const ids = groupOf("jobId", j.id);
      const isCopy = j.type === "Copy" || j.type === "Migrate";
      const pool = j.poolId != null ? pools.get(j.poolId) : undefined;
      nodes.push({
        id: `job:${j.id}`,
        kind: "job",
        dbId: j.id,
        name: j.name,
        siteId: dirSite(j.directorId),
        directorId: j.directorId,
        directorName: directors.get(j.directorId)?.name,
        jobType: j.type,
        storageIds: ids,
        policy: j.storagePolicy,
        groupLabel: groupLabel(ids, j.storagePolicy),
        nextPoolId: j.nextPoolId,
        detail: `${j.type} job${pool ? ` · ${isCopy ? "from" : "to"} ${pool.name}` : ""}`,
      });
      if (pool) edge({ id: `job-pool:job:${j.id}->pool:${pool.id}`, kind: "job-pool", source: `job:${j.id}`, target: `pool:${pool.id}`, label: isCopy ? `${j.type.toLowerCase()} reads` : "writes to" });
      ids.forEach((sid, i) => {
        if (!storages.has(sid)) return;
        edge({ id: `uses:job:${j.id}->storage:${sid}`, kind: "uses", source: `job:${j.id}`, target: `storage:${sid}`, position: i + 1, label: ids.length > 1 ? `${i + 1}. ${j.storagePolicy ?? "ListedOrder"}` : "storage" });
      });
      if (j.nextPoolId != null && pools.has(j.nextPoolId)) {
        edge({ id: `next-pool:job:${j.id}->pool:${j.nextPoolId}`, kind: "next-pool", source: `job:${j.id}`, target: `pool:${j.nextPoolId}`, label: "Next Pool" });
      }
      const lines = Array.isArray(j.runLines) ? j.runLines.map(String) : [];
      for (const line of lines) {
        const name = runLineJob(line);
        const target = name ? jobsByDirName.get(`${j.directorId}\u0000${name}`) : undefined;
        if (target && target.id !== j.id) edge({ id: `clone:job:${j.id}->job:${target.id}`, kind: "clone", source: `job:${j.id}`, target: `job:${target.id}`, label: "clone (Run =)" });
      }
    }
  }
  for (const c of [...rows.clusters].sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id)) {
    const members = [...c.members].sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === "primary" ? -1 : 1));
    for (const m of members) {
      const site = m.hostId != null ? hostSite.get(m.hostId) : undefined;
      nodes.push({
        id: `member:${m.id}`,
        kind: "member",
        dbId: m.id,
        name: m.name,
        siteId: site ? siteId(site) : CATALOG_SITE,
        clusterId: c.id,
        clusterName: c.name,
        memberRole: m.role,
        detail: `${c.name} · ${m.address}:${m.port}${m.fenceState === "not_fenced" ? " · NOT FENCED" : m.fenced ? " · fenced" : ""}`,
      });
    }
    const primary = members.find((m) => m.role === "primary");
    if (primary) {
      for (const s of members.filter((m) => m.role !== "primary")) {
        edge({ id: `streams-to:member:${primary.id}->member:${s.id}`, kind: "streams-to", source: `member:${primary.id}`, target: `member:${s.id}`, label: "streams to" });
      }
    }
  }

  // Sites: named sites by name, then "no site", then the catalog lane.
  const siteIds = [...new Set(nodes.map((n) => n.siteId))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const sites = siteIds.map((id) => {
    const counts: Partial<Record<TopoNodeKind, number>> = {};
    for (const n of nodes) if (n.siteId === id) counts[n.kind] = (counts[n.kind] ?? 0) + 1;
    return {
      id,
      label: id === CATALOG_SITE ? "Catalog" : id === NO_SITE ? "(no site)" : id.slice("site:".length),
      kind: (id === CATALOG_SITE ? "catalog" : id === NO_SITE ? "none" : "site") as TopoSite["kind"],
      counts,
    };
  });
  return { sites, nodes, edges, jobCount };
}

function rank(id: string): number {
  if (id === CATALOG_SITE) return 2;
  if (id === NO_SITE) return 1;
  return 0;
}

export function worse(a: Health, b: Health): Health {
  const r: Record<Health, number> = { ok: 0, unknown: 1, warn: 2, critical: 3 };
  return r[a] >= r[b] ? a : b;
}
