/**
 * Prometheus text exposition (version 0.0.4) of the latest replication status. Pure.
 *
 * Lag gauges are written only when known. A NULL lag interval with zero byte lag means the
 * primary is idle (the standby caught up): it is written as 0, not left out.
 */
import type { ClusterStatusView, MemberStatusView } from "./view";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const HEALTH_VALUE = { ok: 0, warn: 1, critical: 2 } as const;

/** Label value escaping of the text format: backslash, double quote and line feed. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function num(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

class Family {
  readonly lines: string[] = [];
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  add(l: Record<string, string>, v: number | null | undefined) {
    if (v === null || v === undefined) return;
    this.lines.push(`${this.name}${labels(l)} ${num(v)}`);
  }
  render(): string {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`, ...this.lines].join("\n");
  }
}

export interface PollInfo {
  enabled: boolean;
  intervalMs: number | null;
  lastCycleAt: string | null;
  lastCycleMs: number | null;
}

export function renderMetrics(clusters: ClusterStatusView[], poll: PollInfo): string {
  const f = {
    pollEnabled: new Family("bacula_replication_poll_enabled", "1 when the dashboard polls catalog replication"),
    pollDuration: new Family("bacula_replication_poll_duration_seconds", "Wall time of the last poll cycle over all clusters"),
    clusterHealth: new Family("bacula_replication_cluster_health", "Cluster health: 0 ok, 1 warn, 2 critical (absent: not polled yet)"),
    clusterUp: new Family("bacula_replication_cluster_healthy", "1 when the cluster health is ok"),
    clusterPolled: new Family("bacula_replication_cluster_last_poll_timestamp_seconds", "Unix time of the cluster's latest poll"),
    memberHealth: new Family("bacula_replication_member_health", "Member health: 0 ok, 1 warn, 2 critical"),
    memberUp: new Family("bacula_replication_member_up", "1 when the member answered the monitoring probe"),
    memberPrimary: new Family("bacula_replication_member_is_primary", "1 when the member is out of recovery (a primary)"),
    lagBytes: new Family("bacula_replication_lag_bytes", "Standby byte lag behind the primary's current WAL position, by stage (sent, write, flush, replay)"),
    lagSeconds: new Family("bacula_replication_lag_seconds", "Standby time lag from pg_stat_replication (write, flush, replay); 0 when idle"),
    paused: new Family("bacula_replication_replay_paused", "1 when WAL replay is paused on the standby"),
    connected: new Family("bacula_replication_standby_streaming", "1 when the standby streams from the primary"),
    timeline: new Family("bacula_replication_timeline", "Timeline of the member"),
  };
  f.pollEnabled.add({}, poll.enabled ? 1 : 0);
  if (poll.lastCycleMs !== null) f.pollDuration.add({}, poll.lastCycleMs / 1000);
  for (const c of clusters) {
    const cl = { cluster: c.name };
    if (c.health !== "unknown") {
      f.clusterHealth.add(cl, HEALTH_VALUE[c.health]);
      f.clusterUp.add(cl, c.health === "ok" ? 1 : 0);
    }
    if (c.polledAt) f.clusterPolled.add(cl, Date.parse(c.polledAt) / 1000);
    for (const m of c.members) memberMetrics(f, c, m);
  }
  return Object.values(f).map((x) => x.render()).join("\n") + "\n";
}

function memberMetrics(f: Record<string, Family>, c: ClusterStatusView, m: MemberStatusView) {
  if (m.status === "unknown") return;
  const l = { cluster: c.name, member: m.name, role: m.role };
  f.memberHealth.add(l, HEALTH_VALUE[m.status]);
  f.memberUp.add(l, m.probeKind === "primary" || m.probeKind === "standby" ? 1 : 0);
  f.memberPrimary.add(l, m.probeKind === "primary" ? 1 : 0);
  f.timeline.add(l, m.timeline);
  const r = m.replication;
  if (!r) return;
  const stages: Array<[string, number | null]> = [
    ["sent", r.sentBytes],
    ["write", r.writeBytes],
    ["flush", r.flushBytes],
    ["replay", r.replayBytes],
  ];
  for (const [stage, v] of stages) f.lagBytes.add({ ...l, stage }, v);
  const times: Array<[string, number | null]> = [
    ["write", r.writeLagSeconds],
    ["flush", r.flushLagSeconds],
    ["replay", r.replayLagSeconds],
  ];
  for (const [stage, v] of times) f.lagSeconds.add({ ...l, stage }, v ?? (r.lagIdle ? 0 : null));
  if (r.replayPaused !== null) f.paused.add(l, r.replayPaused ? 1 : 0);
  f.connected.add(l, r.state === "streaming" && m.state !== "disconnected" ? 1 : 0);
}
