/**
 * Probes and health against a real PostgreSQL 15 primary + streaming standby (test/support/pgPair).
 * One pair for the whole file; destructive steps (stopping members) come last.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPgPair, type PgPair } from "../../test/support/pgPair";
import { assessCluster } from "./health";
import { probeMember } from "./probes";
import type { ClusterHealth, MemberProbe, PgEndpoint, PrimaryProbe, StandbyProbe, Thresholds } from "./types";

const T: Thresholds = { maxLagBytes: 1024 * 1024, maxLagSeconds: 30 };
const TIMEOUT = 2000;

let pair: PgPair;

function ep(node: "primary" | "standby", password = pair.monitor.password): PgEndpoint {
  return { host: pair[node].host, port: pair[node].port, user: pair.monitor.user, password, database: pair.database };
}

async function probeBoth(): Promise<MemberProbe[]> {
  const [p, s] = await Promise.all([probeMember(ep("primary"), { timeoutMs: TIMEOUT }), probeMember(ep("standby"), { timeoutMs: TIMEOUT })]);
  return [
    { memberId: "pg1", name: "primary", expectedRole: "primary", result: p },
    { memberId: "pg2", name: "standby", expectedRole: "standby", result: s },
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until cond() holds (the primary learns standby positions about once a second). */
async function until<T>(what: string, fn: () => Promise<T>, cond: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await fn();
  while (!cond(v)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v).slice(0, 2000)}`);
    await sleep(150);
    v = await fn();
  }
  return v;
}

beforeAll(async () => {
  pair = await startPgPair();
});

afterAll(async () => {
  await pair?.stop();
});

describe("probes and health against a real pair", () => {
  it("healthy streaming: the primary sees the standby streaming, byte lag 0 after catch-up", async () => {
    expect(pair.startMs).toBeGreaterThan(0);
    await pair.write(200);
    await pair.waitForCatchUp();
    const members = await until(
      "standby row caught up",
      probeBoth,
      (ms) => ms[0].result.kind === "primary" && (ms[0].result as PrimaryProbe).replication[0]?.replayLagBytes === 0,
    );
    const p = members[0].result as PrimaryProbe;
    const s = members[1].result as StandbyProbe;
    expect(p.kind).toBe("primary");
    expect(p.inRecovery).toBe(false);
    expect(p.timeline).toBe(1);
    expect(p.warnings).toEqual([]);
    expect(p.replication).toHaveLength(1);
    const r = p.replication[0];
    expect(r.state).toBe("streaming");
    expect(r.applicationName).toBe("walreceiver"); // pg_basebackup -R sets no application_name
    expect(r.usename).toBe(pair.replication.user);
    expect(r.clientAddr).toBe("127.0.0.1");
    expect(r.syncState).toBe("async");
    expect(r.sentLagBytes).toBe(0);
    expect(r.replayLagBytes).toBe(0);
    expect(typeof r.replyTime).toBe("string");
    expect(p.slots).toEqual([expect.objectContaining({ slotName: pair.slotName, active: true, activePid: r.pid, walStatus: "reserved", restartLagBytes: 0 })]);

    expect(s.kind).toBe("standby");
    expect(s.replayPaused).toBe(false);
    expect(s.timeline).toBe(1);
    expect(s.systemIdentifier).toBe(p.systemIdentifier);
    expect(s.walReceiver).toMatchObject({ status: "streaming", receivedTli: 1, slotName: pair.slotName, senderPort: pair.primary.port, applicationName: "walreceiver" });
    expect(s.lastXactReplayTime).not.toBeNull();

    const h = assessCluster(members, T);
    expect(h.status).toBe("ok");
    expect(h.primaryId).toBe("pg1");
    const sh = h.members[1];
    expect(sh.replication?.matchedBy).toBe("slot");
    expect(sh.replication?.replayBytes).toBe(0);
    expect(sh.reasons.map((x) => x.code)).toEqual([expect.stringMatching(/^(caught_up|idle)$/)]);
  });

  it("wrong monitoring password: auth_failed with a clear message, no crash", async () => {
    const res = await probeMember(ep("primary", "not-the-password"), { timeoutMs: TIMEOUT });
    expect(res.kind).toBe("auth_failed");
    if (res.kind !== "auth_failed") return;
    expect(res.code).toBe("28P01");
    expect(res.error).toMatch(/password authentication failed for monitoring user "bacula_monitor"/);
    expect(res.error).toContain(`127.0.0.1:${pair.primary.port}`);
    const h = assessCluster(
      [
        { memberId: "pg1", expectedRole: "primary", result: res },
        { memberId: "pg2", expectedRole: "standby", result: await probeMember(ep("standby"), { timeoutMs: TIMEOUT }) },
      ],
      T,
    );
    expect(h.status).toBe("critical");
    expect(h.members[0].reasons.map((r) => r.code)).toContain("auth_failed");
    expect(h.reasons.map((r) => r.code)).toEqual(["primary_unreachable"]);
  });

  it("replay paused: byte lag > 0 and growing, health says replay paused", async () => {
    await pair.pauseReplay();
    try {
      await pair.write(500, { payloadBytes: 200 });
      const m1 = await until(
        "replay lag > 0",
        probeBoth,
        (ms) => ((ms[0].result as PrimaryProbe).replication[0]?.replayLagBytes ?? 0) > 0 && (ms[0].result as PrimaryProbe).replication[0]?.flushLagBytes === 0,
      );
      const h1 = assessCluster(m1, T);
      const lag1 = (m1[0].result as PrimaryProbe).replication[0].replayLagBytes!;
      expect((m1[1].result as StandbyProbe).replayPaused).toBe(true);
      expect((m1[1].result as StandbyProbe).replayPauseState).toBe("paused");
      expect((m1[1].result as StandbyProbe).receiveReplayGapBytes).toBeGreaterThan(0);

      await pair.write(500, { payloadBytes: 200 });
      const m2 = await until(
        "replay lag grows",
        probeBoth,
        (ms) => ((ms[0].result as PrimaryProbe).replication[0]?.replayLagBytes ?? 0) > lag1 && (ms[0].result as PrimaryProbe).replication[0]?.flushLagBytes === 0,
      );
      const h2: ClusterHealth = assessCluster(m2, T, h1);
      const s = h2.members[1];
      expect(s.status).toBe("warn");
      expect(h2.status).toBe("warn");
      const paused = s.reasons.find((r) => r.code === "replay_paused");
      expect(paused?.message).toMatch(/WAL replay is paused/);
      expect(s.replication!.replayBytes!).toBeGreaterThan(lag1);
      expect(s.replication!.replayBytesDelta!).toBeGreaterThan(0);
      expect(s.replication!.replayPaused).toBe(true);
      // still connected and streaming WAL (only replay stopped)
      expect(s.reasons.map((r) => r.code)).not.toContain("standby_disconnected");
    } finally {
      await pair.resumeReplay();
    }
    await pair.waitForCatchUp();
  });

  it("hung primary (postmaster SIGSTOPped): unreachable within the probe timeout, no hang", async () => {
    pair.freeze("primary");
    try {
      const t0 = Date.now();
      const res = await probeMember(ep("primary"), { timeoutMs: 800 });
      const took = Date.now() - t0;
      expect(res.kind).toBe("unreachable");
      expect(took).toBeGreaterThanOrEqual(790);
      expect(took).toBeLessThan(1500);
      if (res.kind === "unreachable") expect(res.error).toMatch(/no answer within 800 ms/);
    } finally {
      pair.thaw("primary");
    }
    expect((await probeMember(ep("primary"), { timeoutMs: TIMEOUT })).kind).toBe("primary");
  });

  it("standby stopped: disconnected (no row, slot inactive), standby unreachable", async () => {
    const before = assessCluster(await probeBoth(), T);
    await pair.stopStandby();
    const members = await until(
      "primary loses the standby",
      probeBoth,
      (ms) => (ms[0].result as PrimaryProbe).replication.length === 0 && (ms[0].result as PrimaryProbe).slots[0]?.active === false,
    );
    expect(members[1].result.kind).toBe("unreachable");
    for (const prev of [undefined, before]) {
      const h = assessCluster(members, T, prev);
      const s = h.members[1];
      expect(s.status).toBe("critical");
      expect(s.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(["unreachable", "standby_disconnected"]));
      expect(h.status).toBe("critical");
    }
    // With the previous assessment the slot is remembered and named.
    const h = assessCluster(members, T, before);
    expect(h.members[1].reasons.find((r) => r.code === "standby_disconnected")?.message).toContain(pair.slotName);

    // The helper restarts it and it streams again.
    await pair.startStandby();
    await pair.waitForStreaming();
  });

  it("primary stopped: unreachable within the probe timeout, the standby's receiver stops streaming", async () => {
    await pair.stopPrimary();
    const t0 = Date.now();
    const res = await probeMember(ep("primary"), { timeoutMs: 1000 });
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(res.kind).toBe("unreachable");
    const members = await until("standby receiver not streaming", probeBoth, (ms) => (ms[1].result as StandbyProbe).walReceiver?.status !== "streaming");
    const h = assessCluster(members, T);
    expect(h.status).toBe("critical");
    expect(h.reasons.map((r) => r.code)).toEqual(["primary_unreachable"]);
    expect(h.members[1].reasons.map((r) => r.code)).toContain("wal_receiver_not_streaming");
  });
});
