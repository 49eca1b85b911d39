import { describe, expect, it } from "vitest";
import { assessCluster } from "./health";
import { formatLsn, lsnDiff, parseLsn } from "./lsn";
import { applicationNameFromConninfo, classifyProbeError } from "./probes";
import type { MemberProbe, PrimaryProbe, ReplicationRow, SlotRow, StandbyProbe, Thresholds } from "./types";

const T: Thresholds = { maxLagBytes: 1024 * 1024, maxLagSeconds: 30 };
const AT = "2026-01-01T00:00:00.000Z";

function row(o: Partial<ReplicationRow> = {}): ReplicationRow {
  return {
    pid: 100,
    usename: "replicator",
    applicationName: "walreceiver",
    clientAddr: "10.0.0.2",
    clientPort: 40000,
    backendStart: AT,
    state: "streaming",
    syncState: "async",
    syncPriority: 0,
    sentLsn: "0/3000000",
    writeLsn: "0/3000000",
    flushLsn: "0/3000000",
    replayLsn: "0/3000000",
    writeLagSeconds: null,
    flushLagSeconds: null,
    replayLagSeconds: null,
    replyTime: AT,
    sentLagBytes: 0,
    writeLagBytes: 0,
    flushLagBytes: 0,
    replayLagBytes: 0,
    ...o,
  };
}

function slot(o: Partial<SlotRow> = {}): SlotRow {
  return {
    slotName: "s1",
    slotType: "physical",
    temporary: false,
    active: true,
    activePid: 100,
    restartLsn: "0/3000000",
    walStatus: "reserved",
    safeWalSizeBytes: null,
    restartLagBytes: 0,
    ...o,
  };
}

function primary(o: Partial<PrimaryProbe> = {}): PrimaryProbe {
  return {
    kind: "primary",
    inRecovery: false,
    probedAt: AT,
    durationMs: 5,
    host: "10.0.0.1",
    port: 5432,
    serverVersion: "15.18",
    systemIdentifier: "42",
    serverTime: AT,
    checkpointTimeline: 1,
    warnings: [],
    currentLsn: "0/3000000",
    timeline: 1,
    replication: [row()],
    slots: [slot()],
    ...o,
  };
}

function standby(o: Partial<StandbyProbe> = {}): StandbyProbe {
  return {
    kind: "standby",
    inRecovery: true,
    probedAt: AT,
    durationMs: 5,
    host: "10.0.0.2",
    port: 5432,
    serverVersion: "15.18",
    systemIdentifier: "42",
    serverTime: AT,
    checkpointTimeline: 1,
    warnings: [],
    receiveLsn: "0/3000000",
    replayLsn: "0/3000000",
    receiveReplayGapBytes: 0,
    replayPaused: false,
    replayPauseState: "not paused",
    lastXactReplayTime: null,
    timeline: 1,
    walReceiver: {
      pid: 50,
      status: "streaming",
      receiveStartLsn: "0/3000000",
      receiveStartTli: 1,
      writtenLsn: "0/3000000",
      flushedLsn: "0/3000000",
      receivedTli: 1,
      lastMsgSendTime: AT,
      lastMsgReceiptTime: AT,
      latestEndLsn: "0/3000000",
      latestEndTime: AT,
      slotName: "s1",
      senderHost: "10.0.0.1",
      senderPort: 5432,
      applicationName: "walreceiver",
    },
    ...o,
  };
}

const mp = (memberId: string, result: MemberProbe["result"], extra: Partial<MemberProbe> = {}): MemberProbe => ({
  memberId,
  result,
  ...extra,
});

const codes = (h: { reasons: { code: string }[] }) => h.reasons.map((r) => r.code);

describe("assessCluster", () => {
  it("streaming and caught up with NULL lag intervals is idle, not unknown", () => {
    const h = assessCluster([mp("p", primary()), mp("s", standby())], T);
    expect(h.status).toBe("ok");
    expect(h.primaryId).toBe("p");
    const s = h.members.find((m) => m.memberId === "s")!;
    expect(s.status).toBe("ok");
    expect(codes(s)).toEqual(["idle"]);
    expect(s.replication?.matchedBy).toBe("slot");
    expect(s.replication?.replayBytes).toBe(0);
    expect(s.replication?.replayLagSeconds).toBeNull();
  });

  it("split brain: two members out of recovery is critical, reference is the highest timeline", () => {
    const h = assessCluster(
      [mp("old", primary({ timeline: 1 }), { expectedRole: "primary" }), mp("new", primary({ timeline: 2, host: "10.0.0.2", replication: [], slots: [] }), { expectedRole: "standby" })],
      T,
    );
    expect(h.status).toBe("critical");
    expect(codes(h)).toContain("split_brain");
    expect(h.primaryId).toBe("new");
    expect(h.reasons[0].message).toMatch(/split brain/);
    for (const m of h.members) expect(codes(m)).toContain("split_brain");
    // The model says "new" is a standby: it is the stale one, whatever its timeline.
    expect(codes(h.members.find((m) => m.memberId === "new")!)).toContain("stale_primary");
    expect(codes(h)).toContain("stale_primary");
    expect(h.reasons.find((r) => r.code === "stale_primary")!.message).toMatch(/old is the primary: fence this one/);
  });

  it("a fenced former primary that is down reads fenced (expected) with the next step, not critical", () => {
    const unreachable = { kind: "unreachable" as const, error: "connect ECONNREFUSED", probedAt: AT, durationMs: 1, host: "10.0.0.1", port: 5432 };
    const h = assessCluster(
      [mp("a", unreachable, { expectedRole: "standby", fenced: true, fenceState: "fenced" }), mp("b", primary({ timeline: 2, replication: [], slots: [] }), { expectedRole: "primary" })],
      T,
    );
    const a = h.members.find((m) => m.memberId === "a")!;
    expect(a.status).toBe("ok");
    expect(codes(a)[0]).toBe("fenced");
    expect(a.reasons[0]).toMatchObject({ severity: "info" });
    expect(a.reasons[0].message).toMatch(/^fenced \(expected\).*stopped.*Next step: re-attach/);
    // The unreachable finding is kept, as information.
    expect(a.reasons.find((r) => r.code === "unreachable")).toMatchObject({ severity: "info" });
    expect(h.status).toBe("ok");
  });

  it("a demoted primary that could not be fenced says NOT FENCED (warning) until it is", () => {
    const unreachable = { kind: "unreachable" as const, error: "timeout", probedAt: AT, durationMs: 1, host: "10.0.0.1", port: 5432 };
    const h = assessCluster([mp("a", unreachable, { expectedRole: "standby", fenced: true, fenceState: "not_fenced" }), mp("b", primary({ replication: [], slots: [] }), { expectedRole: "primary" })], T);
    const a = h.members.find((m) => m.memberId === "a")!;
    expect(a.status).toBe("warn");
    expect(a.reasons[0]).toMatchObject({ code: "not_fenced", severity: "warn" });
    expect(a.reasons[0].message).toMatch(/NOT FENCED.*Fence now/);
  });

  it("a fenced member that is writable again is a stale primary: critical, even alone", () => {
    const unreachable = { kind: "unreachable" as const, error: "timeout", probedAt: AT, durationMs: 1, host: "10.0.0.2", port: 5432 };
    const h = assessCluster([mp("a", primary({ timeline: 1, replication: [], slots: [] }), { expectedRole: "standby", fenced: true, fenceState: "fenced" }), mp("b", unreachable, { expectedRole: "primary" })], T);
    expect(h.status).toBe("critical");
    const a = h.members.find((m) => m.memberId === "a")!;
    expect(codes(a)).toContain("stale_primary");
    expect(a.reasons.find((r) => r.code === "stale_primary")!.message).toMatch(/fenced after a promotion.*does not answer: not fenced automatically/);
  });

  it("timeline mismatch: standby behind the primary's timeline is critical", () => {
    const sb = standby({ timeline: 1 });
    sb.walReceiver!.receivedTli = 1;
    const h = assessCluster([mp("p", primary({ timeline: 2 })), mp("s", sb)], T);
    const s = h.members.find((m) => m.memberId === "s")!;
    expect(s.status).toBe("critical");
    const r = s.reasons.find((x) => x.code === "timeline_mismatch")!;
    expect(r.message).toMatch(/timeline 1, behind .* timeline 2/);
  });

  it("lagging by bytes and by time", () => {
    const h = assessCluster(
      [mp("p", primary({ replication: [row({ replayLagBytes: 5 * 1024 * 1024, replayLagSeconds: 45 })] })), mp("s", standby())],
      T,
    );
    const s = h.members.find((m) => m.memberId === "s")!;
    expect(s.status).toBe("warn");
    expect(codes(s)).toEqual(expect.arrayContaining(["lagging_bytes", "lagging_time"]));
  });

  it("replay paused: warn, byte lag growth and frozen replay_lag from the previous assessment", () => {
    const members1 = [
      mp("p", primary({ replication: [row({ replayLagBytes: 1000, replayLagSeconds: 2.5 })] })),
      mp("s", standby({ replayPaused: true, replayPauseState: "paused" })),
    ];
    const h1 = assessCluster(members1, T);
    const members2 = [
      mp("p", primary({ replication: [row({ replayLagBytes: 5000, replayLagSeconds: 2.5 })] })),
      mp("s", standby({ replayPaused: true, replayPauseState: "paused" })),
    ];
    const h2 = assessCluster(members2, T, h1);
    const s = h2.members.find((m) => m.memberId === "s")!;
    expect(s.status).toBe("warn");
    expect(codes(s)).toEqual(["replay_paused"]);
    expect(s.replication?.replayBytesDelta).toBe(4000);
    expect(s.replication?.replayLagFrozen).toBe(true);
    expect(s.reasons[0].message).toMatch(/frozen at 2\.50 s/);
  });

  it("standby disconnected: no row on the primary, inactive slot, receiver not streaming", () => {
    const sb = standby();
    sb.walReceiver!.status = "waiting";
    const h = assessCluster([mp("p", primary({ replication: [], slots: [slot({ active: false, activePid: null })] })), mp("s", sb)], T);
    const s = h.members.find((m) => m.memberId === "s")!;
    expect(s.status).toBe("critical");
    expect(codes(s)).toEqual(expect.arrayContaining(["wal_receiver_not_streaming", "slot_inactive", "standby_disconnected"]));
    // The inactive slot belongs to a known standby: no orphan warning on the primary.
    expect(codes(h.members.find((m) => m.memberId === "p")!)).not.toContain("orphan_slot");
  });

  it("unreachable standby with no row on the primary is reported disconnected; primary unreachable is cluster-critical", () => {
    const down = { kind: "unreachable" as const, error: "refused", probedAt: AT, durationMs: 1, host: "10.0.0.2", port: 5432 };
    const h = assessCluster([mp("p", primary({ replication: [], slots: [slot({ active: false })] })), mp("s", down, { expectedRole: "standby" })], T);
    const s = h.members.find((m) => m.memberId === "s")!;
    expect(s.role).toBe("standby");
    expect(codes(s)).toEqual(expect.arrayContaining(["unreachable", "standby_disconnected"]));

    const h2 = assessCluster([mp("p", { ...down, host: "10.0.0.1" }, { expectedRole: "primary" }), mp("s", standby())], T);
    expect(h2.status).toBe("critical");
    expect(codes(h2)).toEqual(["primary_unreachable"]);
    expect(h2.primaryId).toBeNull();
  });

  it("auth failure is its own reason", () => {
    const bad = { kind: "auth_failed" as const, error: "password authentication failed (SQLSTATE 28P01)", code: "28P01", probedAt: AT, durationMs: 1, host: "10.0.0.2", port: 5432 };
    const h = assessCluster([mp("p", primary()), mp("s", bad, { expectedRole: "standby" })], T);
    const s = h.members.find((m) => m.memberId === "s")!;
    expect(codes(s)).toContain("auth_failed");
    // The primary still shows it streaming: the monitor path is the problem, not replication.
    expect(codes(s)).toContain("monitor_path_only");
  });

  it("matches by application_name + client_addr when several rows share 'walreceiver' and slots are unknown", () => {
    const rows = [row({ pid: 1, clientAddr: "10.0.0.3", replayLagBytes: 7 }), row({ pid: 2, clientAddr: "10.0.0.2", replayLagBytes: 9 })];
    const s1 = standby({ host: "10.0.0.2" });
    s1.walReceiver!.slotName = null;
    const s2 = standby({ host: "10.0.0.3" });
    s2.walReceiver!.slotName = null;
    const h = assessCluster([mp("p", primary({ replication: rows, slots: [] })), mp("a", s1), mp("b", s2)], T);
    const a = h.members.find((m) => m.memberId === "a")!;
    const b = h.members.find((m) => m.memberId === "b")!;
    expect(a.replication?.matchedBy).toBe("application_name+client_addr");
    expect(a.replication?.replayBytes).toBe(9);
    expect(b.replication?.replayBytes).toBe(7);
  });

  it("no primary at all, lost slot and orphan slot", () => {
    const h = assessCluster([mp("a", standby()), mp("b", standby({ host: "10.0.0.3" }))], T);
    expect(codes(h)).toEqual(["no_primary"]);
    const h2 = assessCluster(
      [mp("p", primary({ slots: [slot(), slot({ slotName: "gone", active: false, activePid: null, walStatus: "lost", restartLagBytes: 1 << 30 })] })), mp("s", standby())],
      T,
    );
    const p = h2.members.find((m) => m.memberId === "p")!;
    expect(codes(p)).toEqual(expect.arrayContaining(["slot_wal_lost", "orphan_slot"]));
    expect(p.status).toBe("critical");
  });

  it("system identifier mismatch", () => {
    const h = assessCluster([mp("p", primary()), mp("s", standby({ systemIdentifier: "43" }))], T);
    expect(codes(h.members[1])).toContain("system_id_mismatch");
  });
});

describe("lsn and probe helpers", () => {
  it("parses, formats and diffs LSNs beyond 32 bits", () => {
    expect(parseLsn("16/B374D848")).toBe((0x16n << 32n) | 0xb374d848n);
    expect(formatLsn(parseLsn("16/B374D848")!)).toBe("16/B374D848");
    expect(lsnDiff("1/0", "0/FFFFFFFF")).toBe(1);
    expect(lsnDiff(null, "0/0")).toBeNull();
    expect(lsnDiff("bogus", "0/0")).toBeNull();
  });

  it("reads application_name from a wal receiver conninfo", () => {
    expect(applicationNameFromConninfo("user=r host=h port=1 fallback_application_name=walreceiver sslmode=prefer")).toBe("walreceiver");
    expect(applicationNameFromConninfo("user=r application_name='my standby' fallback_application_name=walreceiver")).toBe("my standby");
    expect(applicationNameFromConninfo("user=r application_name=sb2 fallback_application_name=walreceiver")).toBe("sb2");
    expect(applicationNameFromConninfo(null)).toBeNull();
  });

  it("classifies errors", () => {
    const ep = { host: "h", port: 1, user: "u" };
    expect(classifyProbeError(Object.assign(new Error("password authentication failed for user \"u\""), { code: "28P01" }), ep).kind).toBe("auth_failed");
    expect(classifyProbeError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), ep).kind).toBe("unreachable");
    expect(classifyProbeError(Object.assign(new Error("the database system is starting up"), { code: "57P03" }), ep).kind).toBe("unreachable");
    expect(classifyProbeError(Object.assign(new Error('database "x" does not exist'), { code: "3D000" }), ep).kind).toBe("error");
  });
});
