/**
 * Replication poller: every `intervalMs`, probes every member of every cluster concurrently
 * (each probe bounded by `probeTimeoutMs`, so a hanging member delays nothing but itself),
 * assesses each cluster, keeps the latest snapshot per cluster in memory and hands each
 * snapshot to `onSample` (storage is the caller's business).
 *
 * Cycles never overlap: the next cycle starts `intervalMs` after the previous one started, or
 * right after it finished if it took longer.
 *
 * Also the retention helpers: snapshotToPoints (flatten for storage), downsample (bucket
 * averages/maxima), applyRetention (raw for `rawMs`, downsampled beyond).
 */
import { assessCluster } from "./health";
import { DEFAULT_PROBE_TIMEOUT_MS, probeMember, type ProbeOptions } from "./probes";
import {
  DEFAULT_THRESHOLDS,
  type ClusterHealth,
  type ClusterSpec,
  type HealthStatus,
  type MemberProbe,
  type PgEndpoint,
  type ProbeResult,
  type Thresholds,
} from "./types";

export interface ClusterSnapshot {
  clusterId: string;
  name?: string;
  /** ISO time the cluster's probes started. */
  at: string;
  /** Wall time of the cluster's probes (≈ the slowest member). */
  durationMs: number;
  members: MemberProbe[];
  health: ClusterHealth;
}

export interface PollCycle {
  startedAt: string;
  durationMs: number;
  clusters: Array<{ clusterId: string; durationMs: number; status: HealthStatus }>;
  snapshots: ClusterSnapshot[];
}

export type PollerErrorPhase = "clusters" | "assess" | "onSample";

export interface PollerOptions {
  /** Current cluster list (re-read every cycle, e.g. from the app database). */
  clusters: () => Promise<ClusterSpec[]>;
  /** Default 5000 ms. */
  intervalMs?: number;
  /** Deadline of each member probe. Default 3000 ms. */
  probeTimeoutMs?: number;
  /** Default thresholds; a cluster's own thresholds override them. */
  thresholds?: Partial<Thresholds>;
  /** Called with each cluster snapshot (e.g. to store samples). Errors go to onError. */
  onSample?: (snapshot: ClusterSnapshot) => void | Promise<void>;
  onError?: (err: unknown, ctx: { phase: PollerErrorPhase; clusterId?: string }) => void;
  /** Probe implementation (tests may inject one). Default probeMember. */
  probe?: (endpoint: PgEndpoint, opts: ProbeOptions) => Promise<ProbeResult>;
}

export interface Poller {
  start(): void;
  /** Stops scheduling, waits for the running cycle and pending onSample calls. */
  stop(): Promise<void>;
  /** Runs one cycle now (independent of the schedule) and returns its timing. */
  pollOnce(): Promise<PollCycle>;
  latest(clusterId: string): ClusterSnapshot | undefined;
  latestAll(): ClusterSnapshot[];
  isRunning(): boolean;
}

export function createPoller(opts: PollerOptions): Poller {
  const intervalMs = Math.max(1, opts.intervalMs ?? 5000);
  const probeTimeoutMs = Math.max(1, opts.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS);
  const probe = opts.probe ?? probeMember;
  const onError = opts.onError ?? (() => undefined);
  const latestMap = new Map<string, ClusterSnapshot>();
  const pending = new Set<Promise<void>>();
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | null = null;

  const safeProbe = async (endpoint: PgEndpoint): Promise<ProbeResult> => {
    const started = Date.now();
    try {
      return await probe(endpoint, { timeoutMs: probeTimeoutMs });
    } catch (err) {
      // probeMember never throws; an injected probe might.
      return {
        kind: "error",
        error: err instanceof Error ? err.message : String(err),
        probedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        host: endpoint.host,
        port: endpoint.port,
      };
    }
  };

  const pollCluster = async (spec: ClusterSpec): Promise<ClusterSnapshot> => {
    const t0 = Date.now();
    const members: MemberProbe[] = await Promise.all(
      spec.members.map(async (m): Promise<MemberProbe> => ({
        memberId: m.id,
        ...(m.name !== undefined ? { name: m.name } : {}),
        ...(m.expectedRole !== undefined ? { expectedRole: m.expectedRole } : {}),
        ...(m.applicationName !== undefined ? { applicationName: m.applicationName } : {}),
        ...(m.slotName !== undefined ? { slotName: m.slotName } : {}),
        ...(m.fenced !== undefined ? { fenced: m.fenced } : {}),
        ...(m.fenceState !== undefined ? { fenceState: m.fenceState } : {}),
        result: await safeProbe(m.endpoint),
      })),
    );
    const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS, ...stripUndefined(opts.thresholds), ...stripUndefined(spec.thresholds) };
    const health = assessCluster(members, thresholds, latestMap.get(spec.id)?.health ?? null);
    return {
      clusterId: spec.id,
      ...(spec.name !== undefined ? { name: spec.name } : {}),
      at: new Date(t0).toISOString(),
      durationMs: Date.now() - t0,
      members,
      health,
    };
  };

  const pollOnce = async (): Promise<PollCycle> => {
    const t0 = Date.now();
    let specs: ClusterSpec[];
    try {
      specs = await opts.clusters();
    } catch (err) {
      onError(err, { phase: "clusters" });
      return { startedAt: new Date(t0).toISOString(), durationMs: Date.now() - t0, clusters: [], snapshots: [] };
    }
    const ids = new Set(specs.map((s) => s.id));
    for (const id of latestMap.keys()) if (!ids.has(id)) latestMap.delete(id);

    const settled = await Promise.allSettled(specs.map((s) => pollCluster(s)));
    const snapshots: ClusterSnapshot[] = [];
    settled.forEach((r, i) => {
      if (r.status === "rejected") {
        onError(r.reason, { phase: "assess", clusterId: specs[i].id });
        return;
      }
      const snap = r.value;
      const old = latestMap.get(snap.clusterId);
      if (!old || old.at <= snap.at) latestMap.set(snap.clusterId, snap);
      snapshots.push(snap);
      if (opts.onSample) {
        const p = Promise.resolve()
          .then(() => opts.onSample?.(snap))
          .catch((err: unknown) => onError(err, { phase: "onSample", clusterId: snap.clusterId }))
          .finally(() => pending.delete(p));
        pending.add(p);
      }
    });
    return {
      startedAt: new Date(t0).toISOString(),
      durationMs: Date.now() - t0,
      clusters: snapshots.map((s) => ({ clusterId: s.clusterId, durationMs: s.durationMs, status: s.health.status })),
      snapshots,
    };
  };

  const loop = async () => {
    if (!running) return;
    const t0 = Date.now();
    const cycle = pollOnce();
    current = cycle;
    try {
      await cycle;
    } finally {
      current = null;
    }
    if (!running) return;
    timer = setTimeout(() => void loop(), Math.max(0, intervalMs - (Date.now() - t0)));
  };

  return {
    start() {
      if (running) return;
      running = true;
      void loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (current) await current.catch(() => undefined);
      await Promise.allSettled([...pending]);
    },
    pollOnce,
    latest: (id) => latestMap.get(id),
    latestAll: () => [...latestMap.values()],
    isRunning: () => running,
  };
}

function stripUndefined<T extends object>(o: T | undefined | null): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// ---------------------------------------------------------------------------------------------
// Retention
// ---------------------------------------------------------------------------------------------

/** One stored sample of one member (flattened from a snapshot). Numbers may be bucket averages. */
export interface LagPoint {
  /** Epoch ms (bucket start for downsampled points). */
  t: number;
  clusterId: string;
  memberId: string;
  status: HealthStatus;
  role: string;
  replayBytes: number | null;
  flushBytes: number | null;
  replayLagSeconds: number | null;
  flushLagSeconds: number | null;
  receiveReplayGapBytes: number | null;
  /** Raw samples represented (1 for a raw point). */
  count: number;
  /** Maxima within the bucket (equal to the value for a raw point). */
  replayBytesMax: number | null;
  replayLagSecondsMax: number | null;
}

/** Flattens a cluster snapshot into one LagPoint per member. */
export function snapshotToPoints(s: ClusterSnapshot): LagPoint[] {
  const t = Date.parse(s.at);
  return s.health.members.map((m) => {
    const v = m.replication;
    return {
      t,
      clusterId: s.clusterId,
      memberId: m.memberId,
      status: m.status,
      role: m.role,
      replayBytes: v?.replayBytes ?? null,
      flushBytes: v?.flushBytes ?? null,
      replayLagSeconds: v?.replayLagSeconds ?? null,
      flushLagSeconds: v?.flushLagSeconds ?? null,
      receiveReplayGapBytes: v?.receiveReplayGapBytes ?? null,
      count: 1,
      replayBytesMax: v?.replayBytes ?? null,
      replayLagSecondsMax: v?.replayLagSeconds ?? null,
    };
  });
}

const AVG_FIELDS = ["replayBytes", "flushBytes", "replayLagSeconds", "flushLagSeconds", "receiveReplayGapBytes"] as const;
const STATUS_RANK: Record<HealthStatus, number> = { ok: 0, warn: 1, critical: 2 };

/**
 * Pure: groups points by (clusterId, memberId, floor(t / bucketMs)) and returns one point per
 * group, sorted by t then clusterId/memberId: count-weighted averages (nulls ignored), maxima,
 * the worst status and the last role. Already downsampled points (count > 1) keep their weight.
 */
export function downsample(samples: readonly LagPoint[], bucketMs: number): LagPoint[] {
  if (!(bucketMs > 0)) throw new Error("bucketMs must be > 0");
  interface Acc {
    p: LagPoint;
    sums: Record<(typeof AVG_FIELDS)[number], { s: number; w: number }>;
    lastT: number;
  }
  const groups = new Map<string, Acc>();
  for (const x of samples) {
    const bucket = Math.floor(x.t / bucketMs) * bucketMs;
    const key = `${x.clusterId}\u0000${x.memberId}\u0000${bucket}`;
    const w = Math.max(1, x.count || 1);
    let g = groups.get(key);
    if (!g) {
      g = {
        p: { ...x, t: bucket, count: 0, replayBytesMax: null, replayLagSecondsMax: null },
        sums: Object.fromEntries(AVG_FIELDS.map((f) => [f, { s: 0, w: 0 }])) as Acc["sums"],
        lastT: -Infinity,
      };
      groups.set(key, g);
    }
    g.p.count += w;
    for (const f of AVG_FIELDS) {
      const v = x[f];
      if (v !== null && Number.isFinite(v)) {
        g.sums[f].s += v * w;
        g.sums[f].w += w;
      }
    }
    const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));
    g.p.replayBytesMax = maxOf(g.p.replayBytesMax, x.replayBytesMax ?? x.replayBytes);
    g.p.replayLagSecondsMax = maxOf(g.p.replayLagSecondsMax, x.replayLagSecondsMax ?? x.replayLagSeconds);
    if (STATUS_RANK[x.status] > STATUS_RANK[g.p.status]) g.p.status = x.status;
    if (x.t >= g.lastT) {
      g.lastT = x.t;
      g.p.role = x.role;
    }
  }
  const out: LagPoint[] = [];
  for (const g of groups.values()) {
    for (const f of AVG_FIELDS) g.p[f] = g.sums[f].w > 0 ? g.sums[f].s / g.sums[f].w : null;
    out.push(g.p);
  }
  return out.sort((a, b) => a.t - b.t || a.clusterId.localeCompare(b.clusterId) || a.memberId.localeCompare(b.memberId));
}

export interface RetentionPolicy {
  /** Keep raw points younger than this (default one day). */
  rawMs?: number;
  /** Bucket size of older points (default 5 minutes). */
  bucketMs?: number;
  /** Drop points older than this (default: keep everything). */
  maxAgeMs?: number;
}

/** Pure: raw points for the last `rawMs`, downsampled buckets before, nothing beyond `maxAgeMs`. */
export function applyRetention(points: readonly LagPoint[], nowMs: number, policy: RetentionPolicy = {}): LagPoint[] {
  const rawMs = policy.rawMs ?? 86_400_000;
  const bucketMs = policy.bucketMs ?? 300_000;
  const rawFrom = nowMs - rawMs;
  const oldest = policy.maxAgeMs !== undefined ? nowMs - policy.maxAgeMs : -Infinity;
  const kept = points.filter((p) => p.t >= oldest);
  const recent = kept.filter((p) => p.t >= rawFrom);
  const old = kept.filter((p) => p.t < rawFrom);
  return [...downsample(old, bucketMs), ...recent].sort((a, b) => a.t - b.t);
}
