/**
 * The topology picture's data: nodes (Directors, Storage Daemons with their devices, Storages,
 * Pools, Jobs, catalog members), edges between them, the sites that group them and the live state
 * (replication on the catalog links, deploy drift on the daemons). Shared by the API and the page.
 */

export type TopoNodeKind = "director" | "sd" | "storage" | "pool" | "job" | "member";

/**
 * uses: Pool/Job → Storage (its storage group, in order) and Storage → Storage Daemon;
 * next-pool: Pool → its Next Pool (or a Copy/Migrate Job's own Next Pool);
 * job-pool: Job → the Pool it writes to (Copy/Migrate: reads from);
 * clone: Job → the Job one of its `Run =` lines starts;
 * config-replicated: primary Director → standby Director (receives its configuration);
 * streams-to: catalog primary → standby (PostgreSQL streaming replication).
 */
export type TopoEdgeKind = "uses" | "next-pool" | "job-pool" | "clone" | "config-replicated" | "streams-to";

export const EDGE_KINDS: readonly TopoEdgeKind[] = ["uses", "next-pool", "job-pool", "clone", "config-replicated", "streams-to"];
export const NODE_KINDS: readonly TopoNodeKind[] = ["director", "sd", "storage", "pool", "job", "member"];

export type Health = "ok" | "warn" | "critical" | "unknown";

export type DriftBadge = "in_sync" | "model_changed" | "live_changed" | "never_deployed" | "unknown" | "not_deployed";

export interface TopoDevice {
  id: number;
  name: string;
  mediaType: string;
  deviceType: string | null;
}

export interface TopoNode {
  /** Stable across visits: `<kind>:<database id>`. */
  id: string;
  kind: TopoNodeKind;
  dbId: number;
  name: string;
  /** The group it is drawn in (a TopoSite id). */
  siteId: string;
  /** Director-scoped resources: their Director. */
  directorId?: number;
  directorName?: string;
  /** One line under the name. */
  detail?: string;
  // director
  role?: string;
  active?: boolean;
  version?: string;
  // director + sd: deploy state
  drift?: { state: DriftBadge; text: string; lastDeployAt: string | null; problems: number };
  // sd
  devices?: TopoDevice[];
  // storage
  storageDaemonId?: number;
  mediaType?: string;
  // pool + job: storage group
  storageIds?: number[];
  policy?: string | null;
  /** "LeastUsed · 3 storages": the label of the Pool's (or Job's) storage group. */
  groupLabel?: string | null;
  nextPoolId?: number | null;
  // job
  jobType?: string;
  // member
  clusterId?: number;
  clusterName?: string;
  memberRole?: string;
  /** Live: role and state from the replication poller. */
  liveRole?: string;
  state?: string;
  health?: Health;
}

export interface TopoEdgeLive {
  clusterId: number;
  clusterName: string;
  health: Health;
  /** The standby's state word (streaming, idle, caught_up, paused, lagging, disconnected, ...). */
  state: string;
  lagBytes: number | null;
  lagSeconds: number | null;
  /** Why it is in this state, one sentence: "replay paused: 3.2 MiB behind". */
  why: string;
}

export interface TopoEdge {
  id: string;
  kind: TopoEdgeKind;
  source: string;
  target: string;
  label: string;
  /** uses edges from a Pool/Job: the storage's place in the group (1-based). */
  position?: number;
  live?: TopoEdgeLive;
}

export interface TopoSite {
  id: string;
  label: string;
  kind: "site" | "catalog" | "none";
  /** Size of the group box; its children's positions are relative to it. */
  width: number;
  height: number;
  counts: Partial<Record<TopoNodeKind, number>>;
}

export interface LaidOutNode extends TopoNode {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TopologyView {
  revision: number;
  generatedAt: string;
  /** Jobs are left out of the picture when there are many (jobs=auto): jobCount says how many. */
  jobsShown: boolean;
  jobCount: number;
  sites: TopoSite[];
  nodes: LaidOutNode[];
  edges: TopoEdge[];
  /** The catalog links with their live state (also on their edges), for the text beside the picture. */
  links: Array<TopoEdgeLive & { edgeId: string; from: string; to: string }>;
  clusters: Array<{ id: number; name: string; health: Health; headline: string; polledAt: string | null }>;
  polling: boolean;
  timings: { queryMs: number; layoutMs: number; layoutCached: boolean };
}
