/**
 * The chain as a graph: Jobs, Pools, Storages and Storage Daemons, with writes-to, storage, Next Pool,
 * copy and clone edges. Pure and deterministic (nodes in discovery order), for @xyflow/react.
 */
import { effectiveJob, type DirectorConfig, type JobLike } from "@/lib/bacula";

export type GraphNodeKind = "job" | "copy-job" | "clone-job" | "pool" | "storage" | "sd";
export type GraphEdgeKind = "writes-to" | "storage" | "on-sd" | "next-pool" | "copy-reads" | "copy" | "clone";

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  label: string;
  detail?: string;
  /** Part of the draft (created or changed by it). */
  draft: boolean;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: GraphEdgeKind;
  label: string;
}

export interface ChainGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The job a `Run =` line starts: its first word (Bacula's `run` command syntax, job= optional). */
export function runLineJob(line: string): string | undefined {
  const m = /^\s*(?:job=)?("([^"]+)"|([^\s=]+))/.exec(line);
  return m ? (m[2] ?? m[3]) : undefined;
}

export function chainGraph(
  cfg: DirectorConfig,
  start: { job?: string; pool?: string },
  storageDaemonOf: Record<string, string>,
  draftNames: ReadonlySet<string> = new Set(),
): ChainGraph {
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const pools = new Map(cfg.pools.map((p) => [p.name, p]));
  const storages = new Map(cfg.storages.map((s) => [s.name, s]));
  const jobs = cfg.jobs.map((j) => effectiveJob(cfg, j));

  const node = (id: string, kind: GraphNodeKind, label: string, detail?: string) => {
    if (!nodes.has(id)) nodes.set(id, { id, kind, label, detail, draft: draftNames.has(id) });
    return id;
  };
  const edge = (source: string, target: string, kind: GraphEdgeKind, label: string) => {
    const id = `${kind}:${source}->${target}`;
    if (!edges.has(id)) edges.set(id, { id, source, target, kind, label });
  };
  const storageNode = (name: string) => {
    const s = storages.get(name);
    const id = node(`storage:${name}`, "storage", name, s?.mediaType ? `Media Type ${s.mediaType}` : undefined);
    const sd = storageDaemonOf[name];
    if (sd) edge(id, node(`sd:${sd}`, "sd", sd, "Storage Daemon"), "on-sd", "on");
    return id;
  };

  const queue: string[] = [];
  const seenPools = new Set<string>();
  const poolNode = (name: string) => {
    const p = pools.get(name);
    const id = node(`pool:${name}`, "pool", name, p?.storageGroupPolicy ? `Pool · ${p.storageGroupPolicy}` : "Pool");
    if (!seenPools.has(name)) {
      seenPools.add(name);
      queue.push(name);
    }
    return id;
  };
  const seenJobs = new Set<string>();
  const jobNode = (job: JobLike) => {
    const kind: GraphNodeKind = job.type === "Copy" || job.type === "Migrate" ? "copy-job" : "job";
    const id = node(`job:${job.name}`, kind, job.name, `${job.type ?? "Backup"} job`);
    if (seenJobs.has(job.name)) return id;
    seenJobs.add(job.name);
    if (kind === "job" && job.pool) {
      edge(id, poolNode(job.pool), "writes-to", "writes to");
      if (!pools.get(job.pool)?.storage?.length) (job.storage ?? []).forEach((s) => edge(id, storageNode(s), "storage", "storage"));
    }
    for (const line of job.run ?? []) {
      const name = runLineJob(line);
      const clone = name ? jobs.find((j) => j.name === name) : undefined;
      if (!clone) continue;
      const cid = jobNode(clone);
      const n = nodes.get(cid)!;
      n.kind = "clone-job";
      n.detail = "Clone job (Run =)";
      edge(id, cid, "clone", "clone: Run =");
    }
    return id;
  };

  if (start.job) {
    const job = jobs.find((j) => j.name === start.job);
    if (job) jobNode(job);
  } else if (start.pool) {
    poolNode(start.pool);
  }

  while (queue.length > 0) {
    const name = queue.shift()!;
    const id = `pool:${name}`;
    const p = pools.get(name);
    (p?.storage ?? []).forEach((s, i, all) => edge(id, storageNode(s), "storage", all.length > 1 ? `storage ${i + 1}` : "storage"));
    if (p?.nextPool) edge(id, poolNode(p.nextPool), "next-pool", "Next Pool");
    for (const j of jobs) {
      if ((j.type !== "Copy" && j.type !== "Migrate") || j.pool !== name) continue;
      const jid = jobNode(j);
      edge(id, jid, "copy-reads", "read by");
      const dest = j.nextPool ?? p?.nextPool;
      if (dest) edge(jid, poolNode(dest), "copy", `${j.type === "Copy" ? "copy" : "migrate"}${j.selectionType ? ` (${j.selectionType})` : ""}`);
    }
    // Backup jobs writing to pools of the chain (clones among them) are shown when they clone.
    for (const j of jobs) {
      if ((j.type ?? "Backup") === "Backup" && j.pool === name && (j.run?.length ?? 0) > 0) jobNode(j);
    }
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}
