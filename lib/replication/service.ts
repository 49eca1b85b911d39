/**
 * The server-side replication poller: one per process, started from instrumentation.ts.
 *
 * Every `intervalMs` (REPLICATION_POLL_MS, default 5000; REPLICATION_POLL=0 disables) it reads the
 * catalog clusters and members from the app database (monitoring passwords decrypted here, kept only
 * in the endpoint objects of the current configuration), probes them all through the library's
 * createPoller over one long-lived monitoring session per member (connection.ts; each probe bounded
 * by REPLICATION_PROBE_TIMEOUT_MS, default 3000), stores one sample per member
 * and keeps the latest snapshots in memory: the status API is served from there, with no database
 * query per request. Every `retentionEveryMs` (default 10 min) it downsamples history older than a
 * day and drops history older than REPLICATION_HISTORY_DAYS (default 30).
 *
 * Probes of identical endpoints (same host, port, user, password and database) within one cycle are
 * made once and shared: several clusters pointing at the same servers share one session.
 *
 * The instance lives on globalThis: Next.js bundles instrumentation and route handlers separately,
 * so a module-level variable would not be shared between them.
 *
 * Several instances on one database (`leadership`, on by default with PostgreSQL): one leader polls,
 * the others follow. The leader holds the lease `replication-poller` (lib/cluster/lease.ts; its
 * duration 0.6 x the poll interval, at least 1 s, renewed every third of it) and writes each
 * publication (status, sequence number, its tag) to the Setting table; followers try to take the
 * lease every quarter of its duration and read the shared publication every 500 ms (or each poll
 * interval when shorter), publishing the very same bytes, ETags and event ids to their own GETs and
 * streams. A leader that dies is replaced at most lease + a quarter of it after its last renewal
 * (0.75 x the interval), at once on the same machine (its pid is gone); the new one polls at once
 * and continues the sequence numbers. Only the leader stores samples and runs the split-brain guard.
 */
import type { PrismaClient } from "@prisma/client";
import { INSTANCE_ID } from "@/lib/cluster/instance";
import { acquireLease, type HeldLease } from "@/lib/cluster/lease";
import { currentDialect } from "@/lib/db/dialect";
import { decryptSecret } from "@/lib/secrets";
import { renderMetrics, type PollInfo } from "./metrics";
import { publish, type Published } from "./published";
import { createPoller, type PollCycle, type Poller } from "./poller";
import { createProbePool, DEFAULT_ACCEPT_CHECK_MS, type ProbePool } from "./connection";
import { DEFAULT_PROBE_TIMEOUT_MS, type ProbeOptions } from "./probes";
import { DEFAULT_RETENTION, enforceRetention, saveSnapshots, type RetentionResult, type StoreRetentionPolicy } from "./store";
import type { ClusterSpec, HealthStatus, PgEndpoint, ProbeResult } from "./types";
import { clusterView, type ClusterConfig, type ClusterStatusView } from "./view";

export interface ReplicationServiceOptions {
  db: PrismaClient;
  intervalMs?: number;
  probeTimeoutMs?: number;
  /** How often an open session's member is checked for accepting new connections (default 30 s; 0: every poll). */
  acceptCheckEveryMs?: number;
  /** Store samples (default true). */
  store?: boolean;
  retention?: Partial<StoreRetentionPolicy> & { everyMs?: number };
  /** Probe implementation (default: the long-lived session of each member, connection.ts). */
  probe?: (endpoint: PgEndpoint, opts: ProbeOptions) => Promise<ProbeResult>;
  log?: (message: string) => void;
  /** Called with every finished cycle, after its samples are stored (the split-brain guard, lib/failover/guard.ts). */
  afterCycle?: (cycle: PollCycle) => unknown;
  /** One poller among the instances on the database (see above); default leadershipFromEnv(). */
  leadership?: boolean;
}

export const LEADER_LEASE = "replication-poller";
const SHARED_SEQ_KEY = "replication.publishedSeq";
const SHARED_KEY = "replication.published";

/** REPLICATION_LEADER=1|0; by default on with PostgreSQL (several instances), off with the embedded SQLite database. */
export function leadershipFromEnv(): boolean {
  const v = process.env.REPLICATION_LEADER?.trim();
  if (v === "1") return true;
  if (v === "0") return false;
  return currentDialect() === "postgresql";
}

/** The leader lease's duration for a poll interval (a dead leader is replaced within 0.75 interval). */
export function leaderLeaseMs(intervalMs: number): number {
  return Math.max(1000, Math.floor(intervalMs * 0.6));
}

export interface ReplicationStatus {
  polling: PollInfo & { probeTimeoutMs: number | null; samplesStored: number; lastError: string | null };
  clusters: ClusterStatusView[];
}

export interface ReplicationService {
  start(): void;
  stop(): Promise<void>;
  isRunning(): boolean;
  /** One cycle now (also what the schedule runs); resolves after its samples are stored. */
  pollOnce(): Promise<PollCycle>;
  status(): ReplicationStatus;
  /** The answers of this publication, serialised once per change (published.ts): bodies, ETags, SSE frames. */
  published(): Published<ReplicationStatus>;
  /** Called with every new publication (after each cycle, once its samples are stored). Returns the unsubscribe. */
  subscribe(listener: (p: Published<ReplicationStatus>) => void): () => void;
  /** Open subscriptions (the event streams). */
  subscribers(): number;
  cluster(id: number): ClusterStatusView | undefined;
  health(): Map<number, HealthStatus | "unknown">;
  metrics(): string;
  enforceRetention(nowMs?: number): Promise<RetentionResult>;
  /** Where the last cycle's time went (ms): reading the configuration, probing and assessing, storing, after the cycle. */
  lastCycleBreakdown(): { configMs: number; probeMs: number; storeMs: number; afterMs: number } | null;
  /** The monitoring sessions: logins made, probes answered on an open session, sessions open now. */
  sessions(): ReturnType<ProbePool["stats"]>;
  /** "leader" (polls), "follower" (publishes the leader's answers) or "alone" (no leadership: polls). */
  role(): "leader" | "follower" | "alone";
  readonly intervalMs: number;
  readonly probeTimeoutMs: number;
}

const GLOBAL_KEY = "__bhdReplicationService";
type Global = { [GLOBAL_KEY]?: ReplicationService };

export function getReplicationService(): ReplicationService | null {
  return (globalThis as Global)[GLOBAL_KEY] ?? null;
}

/** Registers (or replaces, stopping the old one) the process-wide service. For tests and the server. */
export function setReplicationService(s: ReplicationService | null): void {
  const g = globalThis as Global;
  const old = g[GLOBAL_KEY];
  if (old && old !== s) void old.stop();
  if (s) g[GLOBAL_KEY] = s;
  else delete g[GLOBAL_KEY];
}

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  return Number.isFinite(n) ? Math.max(min, Math.floor(n)) : fallback;
}

export function pollingEnabledFromEnv(): boolean {
  return process.env.REPLICATION_POLL !== "0";
}

/** Options from REPLICATION_POLL_MS, REPLICATION_PROBE_TIMEOUT_MS, REPLICATION_ACCEPT_CHECK_MS, REPLICATION_HISTORY_DAYS. */
export function serviceOptionsFromEnv(db: PrismaClient): ReplicationServiceOptions {
  const intervalMs = envInt("REPLICATION_POLL_MS", 5000, 200);
  return {
    db,
    intervalMs,
    probeTimeoutMs: envInt("REPLICATION_PROBE_TIMEOUT_MS", Math.min(DEFAULT_PROBE_TIMEOUT_MS, intervalMs), 100),
    acceptCheckEveryMs: envInt("REPLICATION_ACCEPT_CHECK_MS", DEFAULT_ACCEPT_CHECK_MS, 0),
    retention: { maxAgeMs: envInt("REPLICATION_HISTORY_DAYS", 30, 2) * 86_400_000 },
  };
}

/** Starts the process-wide service once (idempotent); null when REPLICATION_POLL=0. */
export function startReplicationService(opts: ReplicationServiceOptions): ReplicationService | null {
  if (!pollingEnabledFromEnv()) return null;
  const existing = getReplicationService();
  if (existing) return existing;
  const s = createReplicationService(opts);
  setReplicationService(s);
  s.start();
  return s;
}

/** Changes whenever a cluster or member is added, changed or removed (counts and latest updatedAt). */
export async function configStamp(db: PrismaClient): Promise<string> {
  const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
    `SELECT (SELECT COUNT(*) FROM "CatalogCluster") AS nc, (SELECT MAX("updatedAt") FROM "CatalogCluster") AS uc,
            (SELECT COUNT(*) FROM "CatalogMember") AS nm, (SELECT MAX("updatedAt") FROM "CatalogMember") AS um,
            (SELECT COALESCE(SUM("id"), 0) FROM "CatalogMember") AS sm`,
  );
  return JSON.stringify(rows[0], (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Loads cluster configurations; decrypts monitoring passwords (a failure becomes the member's configError). */
export async function loadClusters(db: PrismaClient): Promise<{ configs: ClusterConfig[]; specs: ClusterSpec[]; errors: WeakMap<PgEndpoint, string> }> {
  const rows = await db.catalogCluster.findMany({
    orderBy: { name: "asc" },
    include: { members: { orderBy: [{ role: "asc" }, { name: "asc" }] } },
  });
  const errors = new WeakMap<PgEndpoint, string>();
  const configs: ClusterConfig[] = [];
  const specs: ClusterSpec[] = [];
  for (const c of rows) {
    const cfg: ClusterConfig = { id: c.id, name: c.name, maxLagBytes: c.maxLagBytes, maxLagSeconds: c.maxLagSeconds, members: [] };
    const spec: ClusterSpec = { id: String(c.id), name: c.name, members: [], thresholds: { maxLagBytes: c.maxLagBytes, maxLagSeconds: c.maxLagSeconds } };
    for (const m of c.members) {
      let password = "";
      let configError: string | null = null;
      if (!m.monitorPasswordEnc) {
        configError = `no monitoring password stored for member ${m.name}: set it under Catalog members`;
      } else {
        try {
          password = decryptSecret(m.monitorPasswordEnc);
        } catch (err) {
          configError = `the monitoring password of member ${m.name} cannot be decrypted (${err instanceof Error ? err.message : String(err)}): was the app key changed? Enter it again`;
        }
      }
      const endpoint: PgEndpoint = { host: m.address, port: m.port, user: m.monitorUser, password, database: m.dbName };
      if (configError) errors.set(endpoint, configError);
      cfg.members.push({
        id: m.id,
        name: m.name,
        address: m.address,
        port: m.port,
        role: m.role,
        slotName: m.slotName,
        dbName: m.dbName,
        monitorUser: m.monitorUser,
        pgBinDir: m.pgBinDir,
        fenced: m.fenced,
        fenceState: m.fenceState,
        fenceNote: m.fenceNote,
        configError,
      });
      spec.members.push({
        id: String(m.id),
        name: m.name,
        endpoint,
        ...(m.role === "primary" || m.role === "standby" ? { expectedRole: m.role } : {}),
        ...(m.slotName ? { slotName: m.slotName } : {}),
        fenced: m.fenced,
        fenceState: m.fenceState === "fenced" || m.fenceState === "not_fenced" ? m.fenceState : "none",
      });
    }
    configs.push(cfg);
    if (spec.members.length > 0) specs.push(spec);
  }
  return { configs, specs, errors };
}

export function createReplicationService(opts: ReplicationServiceOptions): ReplicationService {
  const db = opts.db;
  const intervalMs = Math.max(1, opts.intervalMs ?? 5000);
  const probeTimeoutMs = Math.max(1, opts.probeTimeoutMs ?? Math.min(DEFAULT_PROBE_TIMEOUT_MS, intervalMs));
  const store = opts.store ?? true;
  const retention = { ...DEFAULT_RETENTION, ...opts.retention };
  const retentionEveryMs = opts.retention?.everyMs ?? 600_000;
  // One long-lived monitoring session per member endpoint (ended when the member goes or changes).
  const pool: ProbePool = createProbePool({ acceptCheckEveryMs: opts.acceptCheckEveryMs });
  const probe = opts.probe ?? pool.probe;
  const log = opts.log ?? ((m: string) => console.error(`[replication] ${m}`));

  let configs: ClusterConfig[] = [];
  let configKey = "";
  let specs: ClusterSpec[] | null = null;
  let endpointErrors = new WeakMap<PgEndpoint, string>();
  let memo = new Map<string, Promise<ProbeResult>>();
  let version = 0;
  let publishedVersion = -1;
  let current_: Published<ReplicationStatus> | null = null;
  let seq = 0;
  const listeners = new Set<(p: Published<ReplicationStatus>) => void>();
  const instanceId = Math.random().toString(36).slice(2, 8);
  let lastCycle: PollCycle | null = null;
  let samplesStored = 0;
  let lastError: string | null = null;
  const loggedErrors = new Set<string>();
  let retentionTimer: NodeJS.Timeout | undefined;
  let retentionRunning: Promise<RetentionResult> | null = null;
  let running = false;
  const leadership = opts.leadership ?? leadershipFromEnv();
  const leaseTtl = leaderLeaseMs(intervalMs);
  let leaderLease: HeldLease | null = null;
  let leaderTimer: NodeJS.Timeout | undefined;
  /** A follower's current publication: the leader's, as read from the database. */
  let shared: Published<ReplicationStatus> | null = null;
  let sharedStamp = "";
  /** Cycles polled since this instance last became the leader (until the first, the leader's last publication is served). */
  let ownCycles = 0;
  const isLeader = () => !leadership || (leaderLease?.held ?? false);

  const noteError = (msg: string) => {
    lastError = msg;
    version++;
    if (!loggedErrors.has(msg)) {
      loggedErrors.add(msg);
      if (loggedErrors.size > 200) loggedErrors.clear();
      log(msg);
    }
  };

  const readClusters = async (): Promise<ClusterSpec[]> => {
    memo = new Map();
    // Re-read (and decrypt) only when a cluster or member changed: one aggregate query per cycle.
    const stamp = await configStamp(db);
    if (stamp !== configKey || !specs) {
      const loaded = await loadClusters(db);
      configKey = stamp;
      configs = loaded.configs;
      specs = loaded.specs;
      endpointErrors = loaded.errors;
      pool.retain(specs.flatMap((c) => c.members.map((m) => m.endpoint)));
      version++;
    }
    return specs;
  };
  let configMs = 0;
  let breakdown: { configMs: number; probeMs: number; storeMs: number; afterMs: number } | null = null;

  const poller: Poller = createPoller({
    intervalMs,
    probeTimeoutMs,
    clusters: async () => {
      const t0 = performance.now();
      try {
        return await readClusters();
      } finally {
        configMs = performance.now() - t0;
      }
    },
    probe: (endpoint, o) => {
      const configError = endpointErrors.get(endpoint);
      if (configError) {
        return Promise.resolve({ kind: "error", error: configError, probedAt: new Date().toISOString(), durationMs: 0, host: endpoint.host, port: endpoint.port });
      }
      const key = [endpoint.host, endpoint.port, endpoint.user, endpoint.password, endpoint.database ?? ""].join("\u0000");
      let p = memo.get(key);
      if (!p) {
        p = probe(endpoint, o);
        memo.set(key, p);
      }
      return p;
    },
    onError: (err, ctx) => noteError(`${ctx.phase}${ctx.clusterId ? ` (cluster ${ctx.clusterId})` : ""}: ${err instanceof Error ? err.message : String(err)}`),
  });

  const pollInfo = (): ReplicationStatus["polling"] => ({
    enabled: true,
    intervalMs,
    probeTimeoutMs,
    lastCycleAt: lastCycle?.startedAt ?? null,
    lastCycleMs: lastCycle?.durationMs ?? null,
    samplesStored,
    lastError,
    ...(leadership ? { leader: INSTANCE_ID } : {}),
  });

  /** The current publication, rebuilt only when something changed since the last one. */
  const published = (): Published<ReplicationStatus> => {
    if (shared && (!isLeader() || ownCycles === 0)) return shared;
    if (current_ && publishedVersion === version) return current_;
    const snaps = new Map(poller.latestAll().map((s) => [s.clusterId, s]));
    const st: ReplicationStatus = { polling: pollInfo(), clusters: configs.map((c) => clusterView(c, snaps.get(String(c.id)))) };
    current_ = publish(st, ++seq, instanceId);
    publishedVersion = version;
    return current_;
  };
  const status = (): ReplicationStatus => published().status;
  const notify = () => {
    const p = published();
    for (const l of [...listeners]) {
      try {
        l(p);
      } catch (err) {
        noteError(`event stream: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };

  const runRetention = (nowMs = Date.now()): Promise<RetentionResult> => {
    if (retentionRunning) return retentionRunning;
    retentionRunning = enforceRetention(db, nowMs, retention)
      .catch((err: unknown) => {
        noteError(`retention: ${err instanceof Error ? err.message : String(err)}`);
        return { dropped: 0, downsampledFrom: 0, downsampledTo: 0, durationMs: 0 };
      })
      .finally(() => {
        retentionRunning = null;
      });
    return retentionRunning;
  };

  // The schedule is ours (not poller.start()) so that every cycle's timing is recorded.
  // The cycle's samples are written in one statement after the cycle (not one per cluster).
  const pollOnce = async (): Promise<PollCycle> => {
    const t0 = performance.now();
    const cycle = await poller.pollOnce();
    const t1 = performance.now();
    lastCycle = cycle;
    version++;
    if (store && cycle.snapshots.length > 0) {
      try {
        samplesStored += await saveSnapshots(db, cycle.snapshots);
      } catch (err) {
        noteError(`storing samples: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const t2 = performance.now();
    if (opts.afterCycle) {
      try {
        await opts.afterCycle(cycle);
      } catch (err) {
        noteError(`after the cycle: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const r = (n: number) => Math.round(n * 10) / 10;
    breakdown = { configMs: r(configMs), probeMs: r(t1 - t0 - configMs), storeMs: r(t2 - t1), afterMs: r(performance.now() - t2) };
    // Built once here, for every GET and every open stream of this cycle.
    ownCycles++;
    notify();
    if (leadership) await share();
    return cycle;
  };

  /** The leader's publication into the database, for the followers (one upsert of two rows). */
  const share = async () => {
    const p = published();
    const tag = instanceId;
    const stamp = `${tag}:${p.seq}`;
    const value = JSON.stringify({ seq: p.seq, tag, status: p.status });
    try {
      await db.$transaction([
        db.setting.upsert({ where: { key: SHARED_KEY }, create: { key: SHARED_KEY, value }, update: { value } }),
        db.setting.upsert({ where: { key: SHARED_SEQ_KEY }, create: { key: SHARED_SEQ_KEY, value: stamp }, update: { value: stamp } }),
      ]);
    } catch (err) {
      noteError(`sharing the status: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  /** A follower's turn: the leader's newest publication, when there is a new one. */
  const follow = async () => {
    try {
      const stamp = await db.setting.findUnique({ where: { key: SHARED_SEQ_KEY } });
      if (!stamp || stamp.value === sharedStamp) return;
      const row = await db.setting.findUnique({ where: { key: SHARED_KEY } });
      if (!row) return;
      const v = JSON.parse(row.value) as { seq: number; tag: string; status: ReplicationStatus };
      if (!Number.isInteger(v.seq) || typeof v.tag !== "string" || !v.status) return;
      sharedStamp = `${v.tag}:${v.seq}`;
      seq = Math.max(seq, v.seq);
      shared = publish(v.status, v.seq, v.tag);
      notify();
    } catch (err) {
      noteError(`reading the leader's status: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  /** Followers: take the leadership when the leader's lease is free; the new leader polls at once. */
  const contend = async () => {
    if (!running || !leadership || leaderLease?.held) return;
    try {
      const lease = await acquireLease(db, LEADER_LEASE, { ttlMs: leaseTtl });
      if (!lease) return;
      if (!running) return void (await lease.release());
      leaderLease = lease;
      // Continue the leader's sequence numbers: a stream's Last-Event-ID never names a later publication.
      const stamp = await db.setting.findUnique({ where: { key: SHARED_KEY } }).catch(() => null);
      if (stamp) {
        try {
          seq = Math.max(seq, (JSON.parse(stamp.value) as { seq?: number }).seq ?? 0);
        } catch {
          /* a new sequence */
        }
      }
      ownCycles = 0;
      version++;
      log(`this instance leads the replication poller now (lease ${leaseTtl} ms)`);
      lease.signal.addEventListener("abort", () => {
        log("the replication poller's lease was lost: following the new leader");
        leaderLease = null;
      });
      if (loopTimer) clearTimeout(loopTimer);
      if (!current) void loop();
    } catch (err) {
      noteError(`leader election: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  let loopTimer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> | null = null;
  const followEveryMs = Math.min(500, intervalMs);
  const loop = async () => {
    if (!running) return;
    const t0 = Date.now();
    const leading = isLeader();
    current = (leading ? pollOnce() : follow()).catch((err: unknown) => noteError(`cycle: ${String(err)}`));
    await current;
    current = null;
    if (!running) return;
    loopTimer = setTimeout(() => void loop(), Math.max(0, (leading ? intervalMs : followEveryMs) - (Date.now() - t0)));
    loopTimer.unref?.();
  };

  return {
    intervalMs,
    probeTimeoutMs,
    start() {
      if (running) return;
      running = true;
      if (leadership) {
        leaderTimer = setInterval(() => void contend(), Math.max(100, Math.floor(leaseTtl / 4)));
        leaderTimer.unref?.();
        // The first instance leads before its first cycle.
        void contend().then(() => {
          if (!leaderLease && running) void loop();
        });
      } else void loop();
      // Retention is the poller's (the leader's) job.
      retentionTimer = setInterval(() => isLeader() && void runRetention(), retentionEveryMs);
      retentionTimer.unref?.();
      setTimeout(() => running && isLeader() && void runRetention(), Math.min(60_000, retentionEveryMs)).unref?.();
    },
    async stop() {
      running = false;
      if (loopTimer) clearTimeout(loopTimer);
      if (leaderTimer) clearInterval(leaderTimer);
      if (retentionTimer) clearInterval(retentionTimer);
      if (current) await current;
      if (retentionRunning) await retentionRunning;
      pool.closeAll();
      await leaderLease?.release();
      leaderLease = null;
    },
    isRunning: () => running,
    pollOnce,
    status,
    published,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    subscribers: () => listeners.size,
    cluster(id) {
      return status().clusters.find((c) => c.id === id);
    },
    health() {
      return new Map(status().clusters.map((c) => [c.id, c.health]));
    },
    metrics() {
      const s = status();
      return renderMetrics(s.clusters, s.polling);
    },
    enforceRetention: runRetention,
    sessions: () => pool.stats(),
    role: () => (!leadership ? "alone" : isLeader() ? "leader" : "follower"),
    lastCycleBreakdown: () => breakdown,
  };
}

/** Status without a running service (REPLICATION_POLL=0): the configured clusters, nothing polled. */
export async function idleStatus(db: PrismaClient): Promise<ReplicationStatus> {
  const { configs } = await loadClusters(db);
  return {
    polling: { enabled: false, intervalMs: null, probeTimeoutMs: null, lastCycleAt: null, lastCycleMs: null, samplesStored: 0, lastError: null },
    clusters: configs.map((c) => clusterView(c, undefined)),
  };
}
