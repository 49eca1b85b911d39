import { describe, expect, it } from "vitest";
import { assessCluster } from "./health";
import { renderMetrics } from "./metrics";
import type { ClusterSnapshot } from "./poller";
import type { MemberProbe, PrimaryProbe, ReplicationRow, StandbyProbe } from "./types";
import { clusterView, memberState, shortStateLabel, STATE_HINTS, STATE_LABELS, type ClusterConfig } from "./view";

const at = "2026-01-01T00:00:00.000Z";
const base = { probedAt: at, durationMs: 3, serverVersion: "15.8", systemIdentifier: "1", serverTime: at, checkpointTimeline: 1, warnings: [] };
const row = (o: Partial<ReplicationRow> = {}): ReplicationRow => ({
  pid: 42, usename: "replicator", applicationName: "walreceiver", clientAddr: "127.0.0.1", clientPort: 1, backendStart: at,
  state: "streaming", syncState: "async", syncPriority: 0, sentLsn: "0/3000000", writeLsn: "0/3000000", flushLsn: "0/3000000", replayLsn: "0/3000000",
  writeLagSeconds: null, flushLagSeconds: null, replayLagSeconds: null, replyTime: at,
  sentLagBytes: 0, writeLagBytes: 0, flushLagBytes: 0, replayLagBytes: 0, ...o,
});
const primary = (rows: ReplicationRow[]): PrimaryProbe => ({
  ...base, kind: "primary", inRecovery: false, host: "10.0.0.1", port: 5432, currentLsn: "0/3000000", timeline: 1, replication: rows,
  slots: [{ slotName: "s1", slotType: "physical", temporary: false, active: true, activePid: 42, restartLsn: "0/3000000", walStatus: "reserved", safeWalSizeBytes: null, restartLagBytes: 0 }],
});
const standby = (o: Partial<StandbyProbe> = {}): StandbyProbe => ({
  ...base, kind: "standby", inRecovery: true, host: "10.0.0.2", port: 5432, receiveLsn: "0/3000000", replayLsn: "0/3000000", receiveReplayGapBytes: 0,
  replayPaused: false, replayPauseState: "not paused", lastXactReplayTime: at, timeline: 1,
  walReceiver: { pid: 7, status: "streaming", receiveStartLsn: null, receiveStartTli: 1, writtenLsn: null, flushedLsn: null, receivedTli: 1, lastMsgSendTime: at, lastMsgReceiptTime: at, latestEndLsn: null, latestEndTime: at, slotName: "s1", senderHost: "10.0.0.1", senderPort: 5432, applicationName: "walreceiver" },
  ...o,
});
const cfg: ClusterConfig = {
  id: 1, name: 'cat "main"', maxLagBytes: 1048576, maxLagSeconds: 60,
  members: [
    { id: 10, name: "pg-a", address: "10.0.0.1", port: 5432, role: "primary", slotName: null, dbName: "bacula", monitorUser: "m", pgBinDir: "/x", configError: null },
    { id: 11, name: "pg-b", address: "10.0.0.2", port: 5432, role: "standby", slotName: "s1", dbName: "bacula", monitorUser: "m", pgBinDir: "/x", configError: null },
  ],
};
function snap(p: PrimaryProbe | MemberProbe["result"], s: MemberProbe["result"]): ClusterSnapshot {
  const members: MemberProbe[] = [
    { memberId: "10", name: "pg-a", expectedRole: "primary", result: p },
    { memberId: "11", name: "pg-b", expectedRole: "standby", slotName: "s1", result: s },
  ];
  return { clusterId: "1", at, durationMs: 5, members, health: assessCluster(members, { maxLagBytes: 1048576, maxLagSeconds: 60 }) };
}

describe("clusterView", () => {
  it("NULL lag intervals with zero byte lag read as idle, and metrics write 0 for them", () => {
    const v = clusterView(cfg, snap(primary([row()]), standby()));
    const s = v.members[1];
    expect(s.state).toBe("idle");
    expect(s.replication).toMatchObject({ lagIdle: true, replayLagSeconds: null, replayBytes: 0 });
    expect(v.health).toBe("ok");
    expect(v.headline).toBe("all members healthy");
    const text = renderMetrics([v], { enabled: true, intervalMs: 5000, lastCycleAt: at, lastCycleMs: 12 });
    expect(text).toContain('bacula_replication_lag_seconds{cluster="cat \\"main\\"",member="pg-b",role="standby",stage="replay"} 0\n');
  });

  it("a caught-up standby reads 'streaming, caught up' (idle describes the primary), a lagging one 'streaming'", () => {
    const idle = clusterView(cfg, snap(primary([row()]), standby())).members[1];
    expect(idle.state).toBe("idle");
    expect(STATE_LABELS[idle.state]).toBe("streaming, caught up");
    expect(STATE_HINTS[idle.state]).toMatch(/primary is idle/);
    expect(idle.reasons.map((r) => r.message)).toEqual([expect.stringMatching(/^streaming, caught up: 0 B behind; the primary is idle/)]);
    const caughtUp = clusterView(cfg, snap(primary([row({ replayLagSeconds: 0.002 })]), standby())).members[1];
    expect(caughtUp.state).toBe("caught_up");
    expect(STATE_LABELS[caughtUp.state]).toBe("streaming, caught up");
    const behind = clusterView(cfg, snap(primary([row({ replayLagBytes: 5000, replayLagSeconds: 0.4 })]), standby())).members[1];
    expect(STATE_LABELS[behind.state]).toBe("streaming");
    expect(Object.values(STATE_LABELS)).not.toContain("idle");
    expect([shortStateLabel("idle"), shortStateLabel("caught_up"), shortStateLabel("catching_up")]).toEqual(["caught up", "caught up", "catching up"]);
  });

  it("NULL lag with byte lag is not idle; a lag value is kept", () => {
    const v = clusterView(cfg, snap(primary([row({ replayLagBytes: 5000, replayLagSeconds: 0.4 })]), standby()));
    expect(v.members[1].state).toBe("streaming");
    expect(v.members[1].replication).toMatchObject({ lagIdle: false, replayLagSeconds: 0.4, replayBytes: 5000 });
    const unknown = clusterView(cfg, snap(primary([row({ replayLagBytes: 5000 })]), standby()));
    expect(unknown.members[1].replication!.lagIdle).toBe(false);
    expect(renderMetrics([unknown], { enabled: true, intervalMs: 1, lastCycleAt: null, lastCycleMs: null })).not.toContain('stage="replay"} 0\n');
  });

  it("paused beats everything on a standby; an unreachable primary is unreachable; not polled is pending", () => {
    const paused = clusterView(cfg, snap(primary([row({ replayLagBytes: 9000, replayLagSeconds: 2 })]), standby({ replayPaused: true, replayPauseState: "paused" })));
    expect(paused.members[1].state).toBe("paused");
    const down = { kind: "unreachable" as const, error: "10.0.0.1:5432 unreachable: connect ECONNREFUSED", probedAt: at, durationMs: 1, host: "10.0.0.1", port: 5432 };
    const v = clusterView(cfg, snap(down, standby({ walReceiver: null })));
    expect(v.members[0]).toMatchObject({ state: "unreachable", error: down.error, probeKind: "unreachable" });
    expect(v.members[1].state).toBe("disconnected");
    expect(v.health).toBe("critical");
    expect(memberState({ memberId: "x", role: "standby", probeKind: "auth_failed", status: "critical", reasons: [], timeline: null, replication: null })).toBe("auth_failed");
    const pending = clusterView(cfg, undefined);
    expect(pending.health).toBe("unknown");
    expect(pending.members.map((m) => m.state)).toEqual(["pending", "pending"]);
  });
});

describe("fenced former primaries in the view", () => {
  it("fenced and stopped: state fenced, healthy, next step re-attach; NOT FENCED: next step fence", () => {
    const down = { kind: "unreachable" as const, error: "connect ECONNREFUSED", probedAt: at, durationMs: 1, host: "10.0.0.1", port: 5432 };
    const promoted = { ...primary([]), host: "10.0.0.2", slots: [], timeline: 2 };
    for (const fenceState of ["fenced", "not_fenced"] as const) {
      const members: MemberProbe[] = [
        { memberId: "10", name: "pg-a", expectedRole: "standby", fenced: true, fenceState, result: down },
        { memberId: "11", name: "pg-b", expectedRole: "primary", result: promoted },
      ];
      const s: ClusterSnapshot = { clusterId: "1", at, durationMs: 5, members, health: assessCluster(members, { maxLagBytes: 1048576, maxLagSeconds: 60 }) };
      const c: ClusterConfig = {
        ...cfg,
        members: [
          { ...cfg.members[0], role: "standby", fenced: true, fenceState, fenceNote: "note" },
          { ...cfg.members[1], role: "primary" },
        ],
      };
      const v = clusterView(c, s);
      const a = v.members.find((m) => m.name === "pg-a")!;
      expect(a.state).toBe(fenceState);
      expect(a.nextStep?.action).toBe(fenceState === "fenced" ? "reattach" : "fence");
      expect(a.status).toBe(fenceState === "fenced" ? "ok" : "warn");
      expect(v.health).toBe(fenceState === "fenced" ? "ok" : "warn");
      expect(a.fenceNote).toBe("note");
    }
  });
});
