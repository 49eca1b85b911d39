/**
 * What the API and the UI show of a cluster: the latest poller snapshot joined with the member
 * configuration (names, addresses). Pure; no I/O.
 *
 * Member `state` is one word for the UI and for tests, derived from the health reasons:
 *   primary side: unreachable | auth_failed | error | split_brain | primary
 *   standby side, first match wins: paused (replay paused) > disconnected (no WAL receiver, no row
 *   on the primary, inactive slot) > unreachable | auth_failed | error (cannot be probed) > lagging
 *   > catching_up > idle (caught up, lag intervals NULL: an idle primary) > caught_up > streaming.
 *   pending: configured but not polled yet.
 */
import type { ClusterSnapshot } from "./poller";
import type { HealthReason, HealthStatus, MemberHealth, MemberProbe, ProbeResult, SlotRow } from "./types";

export type MemberState =
  | "pending"
  | "primary"
  | "split_brain"
  | "stale_primary"
  | "fenced"
  | "not_fenced"
  | "streaming"
  | "idle"
  | "caught_up"
  | "catching_up"
  | "lagging"
  | "paused"
  | "disconnected"
  | "unreachable"
  | "auth_failed"
  | "error"
  | "unknown";

export interface MemberConfig {
  id: number;
  name: string;
  address: string;
  port: number;
  role: string;
  slotName: string | null;
  dbName: string;
  monitorUser: string;
  pgBinDir: string;
  /** A former primary demoted by a promotion, and how well it is fenced (see CatalogMember.fenceState). */
  fenced?: boolean;
  fenceState?: string;
  fenceNote?: string | null;
  /** A problem found before probing (no password stored, cannot decrypt). */
  configError: string | null;
}

export interface ClusterConfig {
  id: number;
  name: string;
  maxLagBytes: number;
  maxLagSeconds: number;
  members: MemberConfig[];
}

export interface ReplicationDetail {
  state: string | null;
  syncState: string | null;
  sentBytes: number | null;
  writeBytes: number | null;
  flushBytes: number | null;
  replayBytes: number | null;
  writeLagSeconds: number | null;
  flushLagSeconds: number | null;
  replayLagSeconds: number | null;
  /** The lag intervals are NULL because the standby caught up with an idle primary (not unknown). */
  lagIdle: boolean;
  replayPaused: boolean | null;
  replayLagFrozen: boolean | null;
  replayBytesDelta: number | null;
  receiveReplayGapBytes: number | null;
  slotName: string | null;
  slotActive: boolean | null;
  applicationName: string | null;
  clientAddr: string | null;
  matchedBy: string | null;
  replyTime: string | null;
  lastMsgReceiptTime: string | null;
  upstream: { host: string | null; port: number | null } | null;
}

export interface MemberStatusView {
  id: number;
  name: string;
  address: string;
  port: number;
  configuredRole: string;
  role: "primary" | "standby" | "unknown";
  probeKind: ProbeResult["kind"] | "pending";
  state: MemberState;
  status: HealthStatus | "unknown";
  reasons: HealthReason[];
  /** Why the probe failed (unreachable, auth failed, config), else null. */
  error: string | null;
  probedAt: string | null;
  probeMs: number | null;
  serverVersion: string | null;
  timeline: number | null;
  /** Primary: pg_current_wal_lsn(), its slots and how many standbys stream from it. */
  currentLsn: string | null;
  slots: SlotRow[] | null;
  standbyConnections: number | null;
  /** Standby: positions, replay pause state and the last replayed transaction's time. */
  receiveLsn: string | null;
  replayLsn: string | null;
  replayPauseState: string | null;
  lastReplayAt: string | null;
  replication: ReplicationDetail | null;
  /** Former primary demoted by a promotion; fenceState: none | fenced | not_fenced; what was done. */
  fenced: boolean;
  fenceState: string;
  fenceNote: string | null;
  /** What the operator should do next with this member (re-attach a fenced one, fence a stale primary), or null. */
  nextStep: { action: "reattach" | "fence"; label: string } | null;
}

export interface ClusterStatusView {
  id: number;
  name: string;
  health: HealthStatus | "unknown";
  /** One sentence: the worst reason, or that all is well. */
  headline: string;
  polledAt: string | null;
  pollMs: number | null;
  primaryMemberId: number | null;
  thresholds: { maxLagBytes: number; maxLagSeconds: number };
  reasons: HealthReason[];
  members: MemberStatusView[];
}

/**
 * The words the UI shows for a state. A standby that has caught up reads "streaming, caught up"
 * whether PostgreSQL still reports a replay_lag (caught_up) or reports NULL intervals because the
 * primary is idle (idle): "idle" describes the primary, and alone it reads as a standby that does
 * nothing. STATE_HINTS says the rest.
 */
export const STATE_LABELS: Record<MemberState, string> = {
  pending: "not polled yet",
  primary: "primary",
  split_brain: "split brain",
  streaming: "streaming",
  idle: "streaming, caught up",
  caught_up: "streaming, caught up",
  catching_up: "catching up",
  lagging: "lagging",
  paused: "replay paused",
  disconnected: "disconnected",
  unreachable: "unreachable",
  auth_failed: "authentication failed",
  error: "probe error",
  unknown: "unknown",
  fenced: "fenced (expected)",
  not_fenced: "NOT FENCED",
  stale_primary: "stale primary",
};

/** The short word of a state for tight places (map labels): a caught-up standby is "caught up", never "idle". */
export function shortStateLabel(state: string): string {
  return state === "idle" || state === "caught_up" ? "caught up" : state.replace("_", " ");
}

export const STATE_HINTS: Partial<Record<MemberState, string>> = {
  idle: "0 B behind; the primary is idle, so PostgreSQL reports no time lag (NULL write/flush/replay_lag)",
  caught_up: "0 B behind the primary",
  streaming: "receiving WAL, some bytes still to replay",
};

const STANDBY_ORDER: Array<[HealthReason["code"][], MemberState]> = [
  [["replay_paused"], "paused"],
  [["standby_disconnected", "wal_receiver_not_streaming", "slot_inactive"], "disconnected"],
];
const STANDBY_LATE: Array<[HealthReason["code"][], MemberState]> = [
  [["lagging_bytes", "lagging_time"], "lagging"],
  [["catching_up"], "catching_up"],
  [["idle"], "idle"],
  [["caught_up"], "caught_up"],
  [["streaming", "monitor_path_only"], "streaming"],
];

export function memberState(h: MemberHealth): MemberState {
  const codes = new Set(h.reasons.map((r) => r.code));
  if (codes.has("stale_primary")) return "stale_primary";
  if (codes.has("not_fenced")) return "not_fenced";
  if (codes.has("fenced")) return "fenced";
  const failed = h.probeKind === "unreachable" || h.probeKind === "auth_failed" || h.probeKind === "error";
  if (h.role !== "standby") {
    if (failed) return h.probeKind as MemberState;
    if (codes.has("split_brain")) return "split_brain";
    return h.probeKind === "primary" ? "primary" : "unknown";
  }
  for (const [cs, s] of STANDBY_ORDER) if (cs.some((c) => codes.has(c))) return s;
  if (failed) return h.probeKind as MemberState;
  for (const [cs, s] of STANDBY_LATE) if (cs.some((c) => codes.has(c))) return s;
  return "unknown";
}

const SEV_RANK: Record<HealthReason["severity"], number> = { info: 0, ok: 0, warn: 1, critical: 2 };

function headline(health: HealthStatus | "unknown", reasons: HealthReason[], members: MemberStatusView[]): string {
  if (health === "unknown") return "not polled yet";
  const all = [...reasons, ...members.flatMap((m) => m.reasons.map((r) => ({ ...r, message: `${m.name}: ${r.message}` })))];
  const worst = all.filter((r) => SEV_RANK[r.severity] > 0).sort((a, b) => SEV_RANK[b.severity] - SEV_RANK[a.severity])[0];
  if (worst) return worst.message;
  return "all members healthy";
}

function probeError(r: ProbeResult): string | null {
  return r.kind === "unreachable" || r.kind === "auth_failed" || r.kind === "error" ? r.error : null;
}

function memberView(cfg: MemberConfig, probe: MemberProbe | undefined, health: MemberHealth | undefined): MemberStatusView {
  const base: MemberStatusView = {
    id: cfg.id,
    name: cfg.name,
    address: cfg.address,
    port: cfg.port,
    configuredRole: cfg.role,
    role: cfg.role === "primary" || cfg.role === "standby" ? cfg.role : "unknown",
    probeKind: "pending",
    state: "pending",
    status: "unknown",
    reasons: [],
    error: cfg.configError,
    probedAt: null,
    probeMs: null,
    serverVersion: null,
    timeline: null,
    currentLsn: null,
    slots: null,
    standbyConnections: null,
    receiveLsn: null,
    replayLsn: null,
    replayPauseState: null,
    lastReplayAt: null,
    replication: null,
    fenced: cfg.fenced ?? false,
    fenceState: cfg.fenceState ?? "none",
    fenceNote: cfg.fenceNote ?? null,
    nextStep: null,
  };
  if (cfg.fenced) base.nextStep = cfg.fenceState === "not_fenced" ? { action: "fence", label: "Fence now, or re-attach" } : { action: "reattach", label: "Re-attach as a standby" };
  if (!probe || !health) return base;
  const r = probe.result;
  const v = health.replication;
  const out: MemberStatusView = {
    ...base,
    role: health.role,
    probeKind: r.kind,
    state: memberState(health),
    status: health.status,
    reasons: health.reasons,
    error: probeError(r),
    probedAt: r.probedAt,
    probeMs: r.durationMs,
    timeline: health.timeline,
  };
  if (out.state === "stale_primary") out.nextStep = { action: "fence", label: "Fence it: a stale writable primary (split brain)" };
  if (r.kind === "primary" || r.kind === "standby") out.serverVersion = r.serverVersion;
  if (r.kind === "primary") {
    out.currentLsn = r.currentLsn;
    out.slots = r.slots;
    out.standbyConnections = r.replication.filter((x) => x.state === "streaming").length;
  }
  if (r.kind === "standby") {
    out.receiveLsn = r.receiveLsn;
    out.replayLsn = r.replayLsn;
    out.replayPauseState = r.replayPauseState;
    out.lastReplayAt = r.lastXactReplayTime;
  }
  if (v) {
    const connected = out.state !== "disconnected" && out.state !== "pending";
    out.replication = {
      state: v.state,
      syncState: v.syncState,
      sentBytes: v.sentBytes,
      writeBytes: v.writeBytes,
      flushBytes: v.flushBytes,
      replayBytes: v.replayBytes,
      writeLagSeconds: v.writeLagSeconds,
      flushLagSeconds: v.flushLagSeconds,
      replayLagSeconds: v.replayLagSeconds,
      lagIdle: connected && v.row !== null && v.replayBytes === 0 && v.replayLagSeconds === null && !v.replayPaused,
      replayPaused: v.replayPaused,
      replayLagFrozen: v.replayLagFrozen,
      replayBytesDelta: v.replayBytesDelta,
      receiveReplayGapBytes: v.receiveReplayGapBytes,
      slotName: v.slotName,
      slotActive: v.slotActive,
      applicationName: v.applicationName,
      clientAddr: v.row?.clientAddr ?? null,
      matchedBy: v.matchedBy,
      replyTime: v.row?.replyTime ?? null,
      lastMsgReceiptTime: v.lastMsgReceiptTime,
      upstream: v.upstream,
    };
  }
  return out;
}

/** Joins one cluster's configuration with its latest snapshot (undefined: not polled yet). */
export function clusterView(cfg: ClusterConfig, snap: ClusterSnapshot | undefined): ClusterStatusView {
  const probes = new Map((snap?.members ?? []).map((m) => [m.memberId, m]));
  const healths = new Map((snap?.health.members ?? []).map((m) => [m.memberId, m]));
  const members = cfg.members.map((m) => memberView(m, probes.get(String(m.id)), healths.get(String(m.id))));
  const health: HealthStatus | "unknown" = snap ? snap.health.status : "unknown";
  const reasons = snap?.health.reasons ?? [];
  return {
    id: cfg.id,
    name: cfg.name,
    health,
    headline: headline(health, reasons, members),
    polledAt: snap?.at ?? null,
    pollMs: snap?.durationMs ?? null,
    primaryMemberId: snap?.health.primaryId ? Number(snap.health.primaryId) : null,
    thresholds: { maxLagBytes: cfg.maxLagBytes, maxLagSeconds: cfg.maxLagSeconds },
    reasons,
    members,
  };
}
