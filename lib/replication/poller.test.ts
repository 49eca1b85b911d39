/**
 * Poller against a real pair plus a "black hole" member (accepts TCP, never answers: a hung
 * server), and the pure retention helpers.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startPgPair, type PgPair } from "../../test/support/pgPair";
import { applyRetention, createPoller, downsample, snapshotToPoints, type ClusterSnapshot, type LagPoint } from "./poller";
import type { ClusterSpec } from "./types";

let pair: PgPair;
let blackhole: net.Server;
let blackholePort: number;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  blackhole = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => blackhole.listen(0, "127.0.0.1", () => r()));
  blackholePort = (blackhole.address() as net.AddressInfo).port;
  pair = await startPgPair();
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => blackhole?.close(r));
  await pair?.stop();
});

function liveCluster(): ClusterSpec {
  const m = (id: string, node: "primary" | "standby"): ClusterSpec["members"][number] => ({
    id,
    name: node,
    expectedRole: node,
    endpoint: { host: pair[node].host, port: pair[node].port, user: pair.monitor.user, password: pair.monitor.password, database: pair.database },
  });
  return { id: "live", name: "live catalog", members: [m("live-p", "primary"), m("live-s", "standby")] };
}

async function deadCluster(): Promise<ClusterSpec> {
  const closed = await freePort();
  return {
    id: "dead",
    members: [
      { id: "dead-p", expectedRole: "primary", endpoint: { host: "127.0.0.1", port: blackholePort, user: "bacula_monitor", password: "x" } },
      { id: "dead-s", expectedRole: "standby", endpoint: { host: "127.0.0.1", port: closed, user: "bacula_monitor", password: "x" } },
    ],
  };
}

describe("createPoller", () => {
  it("a hanging cluster costs only its probe timeout; the live cluster is polled on time", async () => {
    const dead = await deadCluster();
    const samples: ClusterSnapshot[] = [];
    const poller = createPoller({
      clusters: async () => [dead, liveCluster()],
      intervalMs: 5000,
      probeTimeoutMs: 1500,
      onSample: (s) => {
        samples.push(s);
      },
    });
    const cycle = await poller.pollOnce();
    // bounded by the hung member's deadline, not by anything else
    expect(cycle.durationMs).toBeLessThan(2500);
    const live = cycle.clusters.find((c) => c.clusterId === "live")!;
    const deadC = cycle.clusters.find((c) => c.clusterId === "dead")!;
    expect(live.durationMs).toBeLessThan(1000); // not delayed by the hung cluster
    expect(live.status).toBe("ok");
    expect(deadC.durationMs).toBeGreaterThanOrEqual(1480);
    expect(deadC.status).toBe("critical");

    const d = poller.latest("dead")!;
    const hung = d.members.find((m) => m.memberId === "dead-p")!.result;
    expect(hung.kind).toBe("unreachable");
    if (hung.kind === "unreachable") {
      expect(hung.code).toBe("TIMEOUT");
      expect(hung.error).toMatch(/no answer within 1500 ms \(while connecting\)/);
      expect(hung.durationMs).toBeLessThan(2000);
    }
    expect(d.members.find((m) => m.memberId === "dead-s")!.result.kind).toBe("unreachable");
    expect(d.health.reasons.map((r) => r.code)).toEqual(["primary_unreachable"]);

    const l = poller.latest("live")!;
    expect(l.health.primaryId).toBe("live-p");
    expect(l.members.map((m) => m.result.kind)).toEqual(["primary", "standby"]);
    await poller.stop();
    expect(samples.map((s) => s.clusterId).sort()).toEqual(["dead", "live"]);
  });

  it("start/stop schedules cycles; the previous snapshot feeds the next assessment; a stopped primary turns critical", async () => {
    const samples: ClusterSnapshot[] = [];
    const errors: unknown[] = [];
    let calls = 0;
    const poller = createPoller({
      clusters: async () => {
        calls++;
        if (calls === 2) throw new Error("db down");
        return [liveCluster()];
      },
      intervalMs: 150,
      probeTimeoutMs: 1000,
      onSample: async (s) => {
        samples.push(s);
        if (samples.length === 1) throw new Error("storage failed");
      },
      onError: (e) => errors.push(e),
    });
    poller.start();
    expect(poller.isRunning()).toBe(true);
    const t0 = Date.now();
    while (samples.length < 3 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    await poller.stop();
    expect(poller.isRunning()).toBe(false);
    expect(samples.length).toBeGreaterThanOrEqual(3);
    expect(errors.map(String)).toEqual(expect.arrayContaining(["Error: db down", "Error: storage failed"]));
    const n = samples.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(samples.length).toBe(n); // stopped means stopped

    await pair.stopPrimary();
    const p2 = createPoller({ clusters: async () => [liveCluster()], probeTimeoutMs: 1000 });
    const t1 = Date.now();
    const c = await p2.pollOnce();
    expect(Date.now() - t1).toBeLessThan(1500);
    expect(c.clusters[0].status).toBe("critical");
    const snap = p2.latest("live")!;
    expect(snap.members[0].result.kind).toBe("unreachable");
    expect(snap.health.reasons[0].code).toBe("primary_unreachable");
    await p2.stop();
  });
});

describe("retention helpers", () => {
  const pt = (t: number, replayBytes: number | null, o: Partial<LagPoint> = {}): LagPoint => ({
    t,
    clusterId: "c",
    memberId: "s",
    status: "ok",
    role: "standby",
    replayBytes,
    flushBytes: 0,
    replayLagSeconds: null,
    flushLagSeconds: null,
    receiveReplayGapBytes: null,
    count: 1,
    replayBytesMax: replayBytes,
    replayLagSecondsMax: null,
    ...o,
  });

  it("downsample averages, keeps maxima, worst status and weights", () => {
    const out = downsample([pt(0, 10), pt(1000, 30, { status: "warn" }), pt(59_999, null), pt(60_000, 5), pt(61_000, 5, { memberId: "t" })], 60_000);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({ t: 0, memberId: "s", replayBytes: 20, replayBytesMax: 30, status: "warn", count: 3 });
    expect(out[1]).toMatchObject({ t: 60_000, memberId: "s", replayBytes: 5, count: 1 });
    expect(out[2]).toMatchObject({ t: 60_000, memberId: "t" });
    // re-downsampling keeps the weights: (20*3 + 5*1) / 4
    const again = downsample(out.filter((p) => p.memberId === "s"), 120_000);
    expect(again[0].replayBytes).toBeCloseTo(65 / 4);
    expect(again[0].count).toBe(4);
    expect(() => downsample([], 0)).toThrow();
  });

  it("applyRetention keeps a day raw and buckets older points", () => {
    const now = 10 * 86_400_000;
    const old = [0, 1, 2, 3].map((i) => pt(now - 2 * 86_400_000 + i * 1000, i));
    const recent = [pt(now - 1000, 7), pt(now - 500, 8)];
    const out = applyRetention([...recent, ...old], now, { bucketMs: 300_000 });
    expect(out).toHaveLength(3);
    expect(out[0]).toMatchObject({ count: 4, replayBytes: 1.5, replayBytesMax: 3 });
    expect(out.slice(1).map((p) => p.replayBytes)).toEqual([7, 8]);
    expect(applyRetention(old, now, { maxAgeMs: 86_400_000 })).toEqual([]);
  });

  it("snapshotToPoints flattens a snapshot", () => {
    const snap: ClusterSnapshot = {
      clusterId: "c",
      at: "2026-01-01T00:00:00.000Z",
      durationMs: 3,
      members: [],
      health: {
        status: "ok",
        primaryId: null,
        reasons: [],
        assessedAt: "2026-01-01T00:00:00.000Z",
        members: [{ memberId: "m", role: "primary", probeKind: "primary", status: "ok", reasons: [], timeline: 1, replication: null }],
      },
    };
    expect(snapshotToPoints(snap)).toEqual([expect.objectContaining({ t: Date.parse(snap.at), memberId: "m", replayBytes: null, count: 1 })]);
  });
});
