/**
 * GET /api/topology: the whole HA layout in one answer. One round of parallel queries for the
 * structure, the replication state from the poller's memory (no query), deploy drift from the
 * model's drift hashes (lib/deploy/drift.ts: rendered once per model revision and settings, kept
 * across restarts) compared per request with each daemon's deploy state, and the ELK layout from a
 * cache keyed by the graph's shape (layout.ts, also kept across restarts).
 */
import { prisma } from "@/lib/db/client";
import { modelDigests } from "@/lib/deploy/drift";
import { driftState } from "@/lib/deploy/service";
import { formatBytes } from "@/lib/replication/health";
import { currentStatus } from "@/lib/replication/http";
import { shortStateLabel, type ClusterStatusView, type MemberStatusView } from "@/lib/replication/view";
import { buildTopology, type TopologyRows } from "./build";
import { layoutTopology } from "./layout";
import { dbLayoutStore } from "./layout-store";
import type { DriftBadge, Health, TopoEdgeLive, TopologyView } from "./types";

/** Above this many Jobs the picture leaves them out unless asked (jobs=all). */
export const AUTO_JOBS_LIMIT = 60;

type DeployStateRow = { kind: string; daemonId: number; lastHash: string | null; liveHash: string | null; lastDeployedAt: Date | null };

async function loadRows(): Promise<{ rows: TopologyRows; revision: number; deployStates: DeployStateRow[] }> {
  const [directors, storageDaemons, devices, storages, pools, jobs, groupMembers, clusters, revision, deployStates] = await Promise.all([
    prisma.director.findMany({ select: { id: true, name: true, role: true, site: true, active: true, primaryId: true, hostId: true, version: true } }),
    prisma.storageDaemon.findMany({ select: { id: true, name: true, site: true, hostId: true } }),
    prisma.device.findMany({ select: { id: true, name: true, storageDaemonId: true, mediaType: true, deviceType: true } }),
    prisma.storage.findMany({ select: { id: true, name: true, directorId: true, storageDaemonId: true, deviceId: true, mediaType: true } }),
    prisma.pool.findMany({ select: { id: true, name: true, directorId: true, poolType: true, nextPoolId: true, storagePolicy: true } }),
    prisma.job.findMany({ select: { id: true, name: true, directorId: true, type: true, poolId: true, nextPoolId: true, storagePolicy: true, runLines: true, jobDefsId: true } }),
    prisma.storageGroupMember.findMany({ where: { OR: [{ poolId: { not: null } }, { jobId: { not: null } }] }, select: { position: true, storageId: true, poolId: true, jobId: true } }),
    prisma.catalogCluster.findMany({ select: { id: true, name: true, members: { select: { id: true, name: true, role: true, hostId: true, address: true, port: true, fenced: true, fenceState: true } } } }),
    prisma.setting.findUnique({ where: { key: "modelRevision" } }),
    prisma.daemonDeployState.findMany({ select: { kind: true, daemonId: true, lastHash: true, liveHash: true, lastDeployedAt: true } }),
  ]);
  return {
    rows: { directors, storageDaemons, devices, storages, pools, jobs, groupMembers, clusters },
    revision: revision ? Number(revision.value) : 0,
    deployStates,
  };
}

// ---- deploy drift --------------------------------------------------------------------------------

interface DaemonDrift {
  state: DriftBadge;
  lastDeployAt: string | null;
  problems: number;
}

/** Drift per daemon key: the model's digests (cached per stamp) against each daemon's deploy state, no rendering. */
async function daemonDrift(deployStates: DeployStateRow[]): Promise<Map<string, DaemonDrift>> {
  const digests = await modelDigests().catch(() => new Map<string, { hash: string | null; problems: number }>());
  const states = new Map(deployStates.map((s) => [`${s.kind}:${s.daemonId}`, s]));
  const out = new Map<string, DaemonDrift>();
  for (const [key, d] of digests) {
    const s = states.get(key);
    out.set(key, { state: driftState(d.hash, s?.lastHash ?? null, s?.liveHash ?? null), lastDeployAt: s?.lastDeployedAt?.toISOString() ?? null, problems: d.problems });
  }
  return out;
}

const DRIFT_TEXT: Record<DriftBadge, string> = {
  in_sync: "in sync",
  model_changed: "deploy pending",
  live_changed: "edited on the host",
  never_deployed: "never deployed",
  unknown: "drift unknown",
  not_deployed: "no host: not deployed",
};

// ---- replication on the catalog links -------------------------------------------------------------

function linkWhy(m: MemberStatusView, c: ClusterStatusView): { why: string; lagBytes: number | null; lagSeconds: number | null } {
  const r = m.replication;
  const lagBytes = r?.replayBytes ?? null;
  const lagSeconds = r?.replayLagSeconds ?? null;
  const behind = lagBytes === null ? "lag unknown" : `${formatBytes(lagBytes)} behind`;
  const worst = [...m.reasons].filter((x) => x.severity === "critical" || x.severity === "warn").sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "critical" ? -1 : 1))[0];
  let why: string;
  switch (m.state) {
    case "pending":
      why = "not polled yet";
      break;
    case "paused":
      why = `replay paused: ${behind}`;
      break;
    case "lagging":
      why =
        lagBytes !== null && lagBytes > c.thresholds.maxLagBytes
          ? `lagging: ${behind} (limit ${formatBytes(c.thresholds.maxLagBytes)})`
          : `lagging: replay ${lagSeconds?.toFixed(1) ?? "?"} s behind (limit ${c.thresholds.maxLagSeconds} s)`;
      break;
    case "catching_up":
      why = `catching up: ${behind}`;
      break;
    case "disconnected":
      why = `disconnected: ${worst?.message ?? "not streaming from the primary"}`;
      break;
    case "unreachable":
    case "auth_failed":
    case "error":
      why = `${m.state.replace("_", " ")}: ${m.error ?? worst?.message ?? "cannot be probed"}`;
      break;
    case "idle":
      why = "streaming, caught up: 0 B behind (the primary is idle)";
      break;
    case "caught_up":
      why = "streaming, caught up: 0 B behind";
      break;
    case "streaming":
      why = `streaming: ${behind}`;
      break;
    default:
      why = worst?.message ?? m.state;
  }
  if (worst && m.status !== "ok" && !why.includes(worst.message) && !["pending", "paused", "lagging", "disconnected"].includes(m.state)) {
    why += ` (${worst.message})`;
  }
  return { why, lagBytes, lagSeconds };
}

const asHealth = (h: string): Health => (h === "ok" || h === "warn" || h === "critical" ? h : "unknown");

export async function getTopology(opts: { jobs?: "auto" | "all" | "none" } = {}): Promise<TopologyView> {
  const t0 = performance.now();
  const [{ rows, revision, deployStates }, status] = await Promise.all([loadRows(), currentStatus()]);
  const drift = await daemonDrift(deployStates);
  const queryMs = performance.now() - t0;

  // Live roles: the poller knows which member is primary now (after a switchover, before or after the
  // model is updated); the streams-to links follow it.
  const clusterViews = new Map(status.clusters.map((c) => [c.id, c]));
  for (const c of rows.clusters) {
    const v = clusterViews.get(c.id);
    if (!v?.primaryMemberId) continue;
    if (!c.members.some((m) => m.id === v.primaryMemberId)) continue;
    c.members = c.members.map((m) => ({ ...m, role: m.id === v.primaryMemberId ? "primary" : "standby" }));
  }

  const jobsMode = opts.jobs ?? "auto";
  const showJobs = jobsMode === "all" || (jobsMode === "auto" && rows.jobs.length <= AUTO_JOBS_LIMIT);
  const graph = buildTopology(rows, { jobs: showJobs });

  // Live state on nodes and the catalog links.
  const memberViews = new Map<number, { m: MemberStatusView; c: ClusterStatusView }>();
  for (const c of status.clusters) for (const m of c.members) memberViews.set(m.id, { m, c });
  for (const n of graph.nodes) {
    if (n.kind === "member") {
      const v = memberViews.get(n.dbId);
      n.liveRole = v?.m.role ?? "unknown";
      n.state = v?.m.state ?? "pending";
      n.health = asHealth(v?.m.status ?? "unknown");
    } else if (n.kind === "director" || n.kind === "sd") {
      const t = drift.get(`${n.kind === "director" ? "director" : "storage-daemon"}:${n.dbId}`);
      const state: DriftBadge = t ? t.state : n.kind === "sd" ? "not_deployed" : "unknown";
      n.drift = { state, text: DRIFT_TEXT[state], lastDeployAt: t?.lastDeployAt ?? null, problems: t?.problems ?? 0 };
    }
  }
  const links: TopologyView["links"] = [];
  const nameOf = new Map(graph.nodes.map((n) => [n.id, n.name]));
  for (const e of graph.edges) {
    if (e.kind !== "streams-to") continue;
    const v = memberViews.get(Number(e.target.slice("member:".length)));
    let live: TopoEdgeLive;
    if (!v) {
      live = { clusterId: 0, clusterName: "", health: "unknown", state: "pending", lagBytes: null, lagSeconds: null, why: "not polled yet" };
    } else {
      const w = linkWhy(v.m, v.c);
      live = { clusterId: v.c.id, clusterName: v.c.name, health: asHealth(v.m.status), state: v.m.state, ...w };
    }
    e.live = live;
    e.label = `${shortStateLabel(live.state)} · ${live.lagBytes === null ? "lag ?" : formatBytes(live.lagBytes)}`;
    links.push({ ...live, edgeId: e.id, from: nameOf.get(e.source) ?? e.source, to: nameOf.get(e.target) ?? e.target });
  }

  const t1 = performance.now();
  const laid = await layoutTopology(graph.sites, graph.nodes, graph.edges, dbLayoutStore);
  const layoutMs = performance.now() - t1;
  return {
    revision,
    generatedAt: new Date().toISOString(),
    jobsShown: showJobs,
    jobCount: graph.jobCount,
    sites: laid.sites,
    nodes: laid.nodes,
    edges: graph.edges,
    links,
    clusters: status.clusters.map((c) => ({ id: c.id, name: c.name, health: asHealth(c.health), headline: c.headline, polledAt: c.polledAt })),
    polling: status.polling.enabled,
    timings: { queryMs: Math.round(queryMs), layoutMs: Math.round(layoutMs), layoutCached: laid.cached },
  };
}

/**
 * Lays the map out and computes the model's drift digests once in the background, right after the
 * server starts (instrumentation.ts): the first visitor then finds them ready (or in progress, and
 * waits only for the rest) instead of starting a cold ELK layout and a render of every daemon.
 */
export async function warmTopology(): Promise<{ ms: number; layoutCached: boolean } | null> {
  // Not for a model far beyond the map's size: ELK lays a site out in one go on the event loop, and
  // thousands of nodes would hold every request of the first seconds after the start.
  const [directors, sds, storages, pools, members, jobs] = await Promise.all([
    prisma.director.count(),
    prisma.storageDaemon.count(),
    prisma.storage.count(),
    prisma.pool.count(),
    prisma.catalogMember.count(),
    prisma.job.count(),
  ]);
  const nodes = directors + sds + storages + pools + members + (jobs <= AUTO_JOBS_LIMIT ? jobs : 0);
  if (nodes > WARM_MAX_NODES) return null;
  const t0 = performance.now();
  const v = await getTopology({ jobs: "auto" });
  return { ms: Math.round(performance.now() - t0), layoutCached: v.timings.layoutCached };
}

/** Largest map warmed at start (the bench's 5-site topology has 380 nodes). */
export const WARM_MAX_NODES = 1000;
