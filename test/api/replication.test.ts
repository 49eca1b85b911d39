/**
 * The replication service and its API against real PostgreSQL 15 pairs and a real SQLite file:
 * healthy streaming, paused replay, a stopped standby, a hung and then stopped primary (while
 * another cluster keeps being polled on time), a wrong monitoring password, history, retention
 * and the Prometheus metrics.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "../support/api";
import { freshDatabase } from "../support/db";
import { startPgPair, type PgPair } from "../support/pgPair";

freshDatabase();

const { prisma } = await import("@/lib/db/client");
const { encryptSecret } = await import("@/lib/secrets");
const { createReplicationService, setReplicationService } = await import("@/lib/replication/service");
const listRoute = await import("@/app/api/replication/route");
const detailRoute = await import("@/app/api/replication/[clusterId]/route");
const historyRoute = await import("@/app/api/replication/[clusterId]/history/route");
const metricsRoute = await import("@/app/api/metrics/route");
const summaryRoute = await import("@/app/api/summary/route");
const streamRoute = await import("@/app/api/replication/stream/route");
const { statusFastRoute } = await import("@/lib/replication/fast-route");
const { userFromToken, readCookieHeader, SESSION_COOKIE, destroySession } = await import("@/lib/auth/session");
const { makeUser } = await import("./fixtures");

type H = Parameters<typeof call>[0];
type ReplicationService = ReturnType<typeof createReplicationService>;
const PROBE_TIMEOUT = 1500;

let pairA: PgPair;
let pairB: PgPair;
let viewer = "";
let service: ReplicationService;
const ids = { alpha: 0, beta: 0, wrong: 0, alphaPrimary: 0, alphaStandby: 0 };

async function cluster(name: string, pair: PgPair, opts: { password?: string | null; noPasswordFor?: "standby" } = {}) {
  const c = await prisma.catalogCluster.create({ data: { name } });
  const pw = opts.password === undefined ? pair.monitor.password : opts.password;
  const member = (node: "primary" | "standby") =>
    prisma.catalogMember.create({
      data: {
        name: node,
        clusterId: c.id,
        role: node,
        address: pair[node].host,
        port: pair[node].port,
        dbName: pair.database,
        monitorUser: pair.monitor.user,
        monitorPasswordEnc: opts.noPasswordFor === node || pw === null ? null : encryptSecret(pw),
        slotName: node === "standby" ? pair.slotName : null,
      },
    });
  const p = await member("primary");
  const s = await member("standby");
  return { id: c.id, primary: p.id, standby: s.id };
}

const get = (handler: unknown, url: string, params: Record<string, string> = {}, opts: { cookie?: string; headers?: Record<string, string>; query?: Record<string, string> } = {}) =>
  call(handler as H, url, { cookie: opts.cookie ?? viewer, params, headers: opts.headers, query: opts.query });

async function detail(id: number) {
  const res = await get(detailRoute.GET, `/api/replication/${id}`, { clusterId: String(id) });
  expect(res.status).toBe(200);
  return res.json.cluster as import("@/lib/replication/view").ClusterStatusView;
}
const member = (c: { members: Array<{ name: string }> }, name: string) => c.members.find((m) => m.name === name)! as import("@/lib/replication/view").MemberStatusView;

/** Polls until `cond` holds for the cluster (or fails with the last state). */
async function pollUntil(id: number, what: string, cond: (c: import("@/lib/replication/view").ClusterStatusView) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    await service.pollOnce();
    const c = await detail(id);
    last = c;
    if (cond(c)) return c;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

beforeAll(async () => {
  [pairA, pairB] = await Promise.all([startPgPair(), startPgPair()]);
  const a = await cluster("alpha", pairA);
  const b = await cluster("beta", pairB);
  const w = await cluster("wrongpw", pairA, { password: "not-the-password", noPasswordFor: "standby" });
  Object.assign(ids, { alpha: a.id, beta: b.id, wrong: w.id, alphaPrimary: a.primary, alphaStandby: a.standby });
  viewer = await makeUser("viewer1", "viewer");
  // The accept path on every poll, so that a hung postmaster reads unreachable on the next one.
  service = createReplicationService({ db: prisma, intervalMs: 1000, probeTimeoutMs: PROBE_TIMEOUT, acceptCheckEveryMs: 0, log: () => undefined });
  setReplicationService(service);
});

afterAll(async () => {
  await service?.stop();
  setReplicationService(null);
  await Promise.all([pairA?.stop(), pairB?.stop()]);
});

describe("replication API against real PostgreSQL pairs", () => {
  it("refuses anonymous reads and names bad parameters", async () => {
    expect((await call(listRoute.GET as unknown as H, "/api/replication")).status).toBe(401);
    const bad = await get(detailRoute.GET, "/api/replication/abc", { clusterId: "abc" });
    expect(bad.status).toBe(400);
    expect(bad.json.fields[0].field).toBe("clusterId");
    expect((await get(detailRoute.GET, "/api/replication/9999", { clusterId: "9999" })).status).toBe(404);
    const range = await get(historyRoute.GET, `/api/replication/${ids.alpha}/history`, { clusterId: String(ids.alpha) }, { query: { range: "1y" } });
    expect(range.status).toBe(400);
    expect(range.json.fields[0]).toMatchObject({ field: "range" });
  });

  it("shows healthy streaming with byte lags, slots, timeline and last replay", async () => {
    await pairA.write(50);
    await pairA.waitForCatchUp();
    const c = await pollUntil(ids.alpha, "streaming standby", (x) => ["streaming", "idle", "caught_up"].includes(member(x, "standby").state));
    expect(c.health).toBe("ok");
    expect(c.primaryMemberId).toBe(ids.alphaPrimary);
    const p = member(c, "primary");
    const s = member(c, "standby");
    expect(p).toMatchObject({ role: "primary", state: "primary", probeKind: "primary", timeline: 1, standbyConnections: 1 });
    expect(p.slots).toEqual([expect.objectContaining({ slotName: pairA.slotName, active: true })]);
    expect(s).toMatchObject({ role: "standby", probeKind: "standby", timeline: 1, replayPauseState: "not paused" });
    expect(s.replication).toMatchObject({ state: "streaming", syncState: "async", slotName: pairA.slotName, slotActive: true, matchedBy: "slot", replayPaused: false });
    expect(s.replication!.replayBytes).toBeGreaterThanOrEqual(0);
    expect(s.replication!.replayBytes).toBeLessThan(1024 * 1024);
    expect(s.lastReplayAt).not.toBeNull(); // a transaction was replayed
    expect(s.serverVersion).toMatch(/^15\./);

    // The list endpoint serves the same, from memory
    const list = await get(listRoute.GET, "/api/replication");
    expect(list.status).toBe(200);
    expect(list.json.polling).toMatchObject({ enabled: true, intervalMs: 1000, probeTimeoutMs: PROBE_TIMEOUT });
    const alpha = list.json.clusters.find((x: { name: string }) => x.name === "alpha");
    expect(alpha.health).toBe("ok");
    expect(alpha.members.map((m: { name: string; role: string }) => `${m.name}:${m.role}`).sort()).toEqual(["primary:primary", "standby:standby"]);

    // Serialized once per poll, and 304 while unchanged
    const etag = list.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"/);
    const again = await get(listRoute.GET, "/api/replication", {}, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);

    // The home page's summary carries the live health instead of the placeholder
    const summary = await get(summaryRoute.GET, "/api/summary");
    expect(summary.json.catalogClusters.find((x: { name: string }) => x.name === "alpha").health).toBe("ok");
  });

  it("pushes each poll to event-stream subscribers, refuses anonymous ones, and names a bad parameter", async () => {
    expect((await call(streamRoute.GET as unknown as H, "/api/replication/stream")).status).toBe(401);
    const bad = await get(streamRoute.GET, "/api/replication/stream", {}, { query: { view: "cluster" } });
    expect(bad.status).toBe(400);
    expect(bad.json.fields[0]).toMatchObject({ field: "cluster", rule: "required" });

    const ctl = new AbortController();
    const open = async (query: string, headers: Record<string, string> = {}) => {
      const res = await streamRoute.GET(new Request(`http://dashboard.test/api/replication/stream${query}`, { headers: { host: "dashboard.test", cookie: viewer, ...headers }, signal: ctl.signal }), undefined as never);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      expect(res.headers.get("cache-control")).toMatch(/no-transform/);
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let buf = "";
      /** The next event frame (comments and the retry preamble skipped). */
      const next = async (): Promise<{ id: number; event: string; data: any }> => {
        for (;;) {
          const sep = buf.indexOf("\n\n");
          if (sep >= 0) {
            const frame = buf.slice(0, sep);
            buf = buf.slice(sep + 2);
            const id = /^id: (\d+)$/m.exec(frame);
            if (!id) continue;
            return { id: Number(id[1]), event: /^event: (.+)$/m.exec(frame)![1], data: JSON.parse(/^data: (.+)$/m.exec(frame)![1]) };
          }
          const { value, done } = await reader.read();
          if (done) throw new Error("stream ended");
          buf += dec.decode(value, { stream: true });
        }
      };
      return { next, pending: () => buf };
    };
    try {
      const all = await open("");
      const first = await all.next();
      expect(first.event).toBe("status");
      expect(first.data.clusters.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(["alpha", "beta"]));
      const one = await open(`?cluster=${ids.beta}`);
      const firstOne = await one.next();
      expect(firstOne).toMatchObject({ event: "cluster", id: first.id });
      expect(firstOne.data.cluster.name).toBe("beta");
      // A reconnect that has the current publication is not sent it again: the next frame is the next poll's.
      const resumed = await open("?view=summary", { "last-event-id": String(first.id) });
      await service.pollOnce();
      const [a2, b2, s2] = await Promise.all([all.next(), one.next(), resumed.next()]);
      expect(a2.id).toBe(first.id + 1);
      expect(b2).toMatchObject({ event: "cluster", id: first.id + 1 });
      expect(Date.parse(b2.data.cluster.polledAt)).toBeGreaterThan(Date.parse(firstOne.data.cluster.polledAt ?? "1970-01-01"));
      expect(s2).toMatchObject({ event: "summary", id: first.id + 1 });
      expect(s2.data.clusters.find((c: { name: string }) => c.name === "beta")).toMatchObject({ health: "ok" });
      expect(service.subscribers()).toBe(3);
    } finally {
      ctl.abort();
    }
    await expect.poll(() => service.subscribers()).toBe(0);
  });

  it("the server's fast path answers GET /api/replication from the stored bytes, with the route's auth and headers", async () => {
    const server = http.createServer((req, res) => {
      if (!statusFastRoute(req, res)) res.writeHead(404, { "x-not-taken": "1" }).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}/api/replication`;
    try {
      expect((await fetch(url)).status).toBe(401);
      const ok = await fetch(url, { headers: { cookie: viewer, "accept-encoding": "gzip" } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get("content-encoding")).toBe("gzip");
      const body = (await ok.json()) as { clusters: Array<{ name: string }> };
      const viaRoute = await get(listRoute.GET, "/api/replication");
      expect(body).toEqual(viaRoute.json);
      for (const h of ["etag", "cache-control", "content-type"]) expect(ok.headers.get(h)).toBe(viaRoute.headers.get(h));
      expect((await fetch(url, { headers: { cookie: viewer, "if-none-match": ok.headers.get("etag")! } })).status).toBe(304);
      // Anything but the exact GET goes to Next.
      expect((await fetch(`${url}?x=1`, { headers: { cookie: viewer } })).headers.get("x-not-taken")).toBe("1");
      expect((await fetch(url, { method: "HEAD", headers: { cookie: viewer } })).headers.get("x-not-taken")).toBe("1");
      // A session ended elsewhere (logout in a route handler) is refused at once: one session cache per process.
      const cookie = await makeUser("viewer-fast", "viewer");
      expect((await fetch(url, { headers: { cookie } })).status).toBe(200);
      const user = await userFromToken(readCookieHeader(cookie, SESSION_COOKIE));
      await destroySession(user!.sessionId);
      expect((await fetch(url, { headers: { cookie } })).status).toBe(401);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("stores one sample per member per poll and serves history for the charts", async () => {
    const n = await prisma.replicationSample.count({ where: { clusterId: ids.alpha, bucketMs: 0 } });
    expect(n).toBeGreaterThanOrEqual(2);
    const byMember = await prisma.replicationSample.groupBy({ by: ["memberId"], where: { clusterId: ids.alpha }, _count: { _all: true } });
    expect(byMember.map((r) => r._count._all)[0]).toBe(byMember.map((r) => r._count._all)[1]);
    const last = await prisma.replicationSample.findFirstOrThrow({ where: { memberId: ids.alphaStandby }, orderBy: { id: "desc" } });
    expect(last).toMatchObject({ role: "standby", probeKind: "standby", status: "ok", clusterStatus: "ok", state: "streaming", timeline: 1, replayPaused: false, bucketMs: 0, count: 1 });
    expect(Array.isArray(last.reasons) && (last.reasons as string[]).some((c) => ["streaming", "idle", "caught_up"].includes(c))).toBe(true);
    expect(Math.abs(Number(last.atMs) - Date.now())).toBeLessThan(60_000);
    const h = await get(historyRoute.GET, `/api/replication/${ids.alpha}/history`, { clusterId: String(ids.alpha) }, { query: { range: "1h" } });
    expect(h.status).toBe(200);
    expect(h.json).toMatchObject({ range: "1h", bucketMs: 15_000, name: "alpha" });
    const standby = h.json.series.find((s: { memberId: number }) => s.memberId === ids.alphaStandby);
    expect(standby.points.length).toBeGreaterThanOrEqual(1);
    expect(standby.points[0]).toMatchObject({ status: "ok", paused: false });
    expect(typeof standby.points[0].replayBytes).toBe("number");
    const day = await get(historyRoute.GET, `/api/replication/${ids.alpha}/history`, { clusterId: String(ids.alpha) }, { query: { range: "24h" } });
    expect(day.json.bucketMs).toBe(300_000);
  });

  it("paused replay: byte lag grows across polls, replay_lag is kept, health says paused", async () => {
    await pairA.pauseReplay();
    try {
      await pairA.write(2000, { payloadBytes: 200 });
      const first = await pollUntil(ids.alpha, "paused with byte lag", (x) => member(x, "standby").state === "paused" && (member(x, "standby").replication?.replayBytes ?? 0) > 100_000);
      const b1 = member(first, "standby").replication!.replayBytes!;
      await pairA.write(2000, { payloadBytes: 200 });
      const second = await pollUntil(ids.alpha, "byte lag growing", (x) => (member(x, "standby").replication?.replayBytes ?? 0) > b1);
      const s = member(second, "standby");
      expect(s.state).toBe("paused");
      expect(s.replayPauseState).toBe("paused");
      expect(s.replication!.replayPaused).toBe(true);
      expect(s.replication!.replayBytesDelta).toBeGreaterThan(0);
      expect(s.replication!.lagIdle).toBe(false);
      expect(s.reasons.map((r) => r.code)).toContain("replay_paused");
      expect(s.reasons.find((r) => r.code === "replay_paused")!.message).toMatch(/pg_wal_replay_resume/);
      expect(second.health).toBe("warn");
      expect(second.headline).toMatch(/replay/i);
      // The paused samples are in the history too
      const h = await get(historyRoute.GET, `/api/replication/${ids.alpha}/history`, { clusterId: String(ids.alpha) });
      const pts = h.json.series.find((x: { memberId: number }) => x.memberId === ids.alphaStandby).points;
      expect(pts.some((p: { paused: boolean; replayBytesMax: number }) => p.paused && p.replayBytesMax >= b1)).toBe(true);
    } finally {
      await pairA.resumeReplay();
    }
    await pairA.waitForCatchUp(30_000);
    await pollUntil(ids.alpha, "resumed", (x) => member(x, "standby").state !== "paused" && x.health === "ok");
  });

  it("a wrong monitoring password and a missing one give clear errors, and nothing else suffers", async () => {
    await service.pollOnce();
    const c = await detail(ids.wrong);
    const p = member(c, "primary");
    expect(p.probeKind).toBe("auth_failed");
    expect(p.state).toBe("auth_failed");
    expect(p.error).toMatch(/password authentication failed for monitoring user "bacula_monitor".*check the monitoring password/);
    const s = member(c, "standby");
    expect(s.probeKind).toBe("error");
    expect(s.error).toMatch(/no monitoring password stored for member standby/);
    expect(c.health).toBe("critical");
    expect((await detail(ids.alpha)).health).toBe("ok");
    expect((await detail(ids.beta)).health).toBe("ok");
  });

  it("serves Prometheus metrics to a viewer or a bearer token, and they parse", async () => {
    expect((await call(metricsRoute.GET as unknown as H, "/api/metrics")).status).toBe(401);
    const res = await get(metricsRoute.GET, "/api/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.json as unknown as string;
    const samples = parseProm(text);
    const v = (name: string, labels: Record<string, string>) =>
      samples.find((s) => s.name === name && Object.entries(labels).every(([k, x]) => s.labels[k] === x))?.value;
    expect(v("bacula_replication_cluster_health", { cluster: "alpha" })).toBe(0);
    expect(v("bacula_replication_cluster_health", { cluster: "wrongpw" })).toBe(2);
    expect(v("bacula_replication_member_up", { cluster: "alpha", member: "standby" })).toBe(1);
    expect(v("bacula_replication_member_up", { cluster: "wrongpw", member: "primary" })).toBe(0);
    expect(v("bacula_replication_member_is_primary", { cluster: "alpha", member: "primary" })).toBe(1);
    for (const stage of ["sent", "write", "flush", "replay"]) {
      expect(v("bacula_replication_lag_bytes", { cluster: "alpha", member: "standby", stage })).toBeGreaterThanOrEqual(0);
    }
    expect(v("bacula_replication_lag_seconds", { cluster: "alpha", member: "standby", stage: "replay" })).toBeGreaterThanOrEqual(0);
    expect(v("bacula_replication_replay_paused", { cluster: "alpha", member: "standby" })).toBe(0);
    expect(v("bacula_replication_standby_streaming", { cluster: "alpha", member: "standby" })).toBe(1);
    expect(v("bacula_replication_timeline", { cluster: "beta", member: "primary" })).toBe(1);
    expect(v("bacula_replication_poll_enabled", {})).toBe(1);

    process.env.METRICS_TOKEN = "scrape-token-123";
    try {
      const ok = await call(metricsRoute.GET as unknown as H, "/api/metrics", { headers: { authorization: "Bearer scrape-token-123" } });
      expect(ok.status).toBe(200);
      const wrong = await call(metricsRoute.GET as unknown as H, "/api/metrics", { headers: { authorization: "Bearer nope" }, cookie: viewer });
      expect(wrong.status).toBe(401);
    } finally {
      delete process.env.METRICS_TOKEN;
    }
    const noToken = await call(metricsRoute.GET as unknown as H, "/api/metrics", { headers: { authorization: "Bearer anything" } });
    expect(noToken.status).toBe(401);
  });

  it("a stopped standby shows as disconnected, and streams again once started", async () => {
    await pairA.stopStandby();
    try {
      const c = await pollUntil(ids.alpha, "standby disconnected", (x) => member(x, "standby").state === "disconnected");
      const s = member(c, "standby");
      expect(s.probeKind).toBe("unreachable");
      expect(s.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(["unreachable", "standby_disconnected"]));
      expect(c.health).toBe("critical");
      expect(member(c, "primary").slots![0]).toMatchObject({ slotName: pairA.slotName, active: false });
    } finally {
      await pairA.startStandby();
    }
    await pairA.waitForStreaming(30_000);
    await pollUntil(ids.alpha, "streaming again", (x) => ["streaming", "idle", "caught_up"].includes(member(x, "standby").state));
  });

  it("a hung primary is unreachable within the probe timeout while another cluster is polled on time", async () => {
    pairA.freeze("primary");
    try {
      const cycle = await service.pollOnce();
      const alpha = cycle.clusters.find((x) => x.clusterId === String(ids.alpha))!;
      const beta = cycle.clusters.find((x) => x.clusterId === String(ids.beta))!;
      expect(alpha.durationMs).toBeGreaterThanOrEqual(PROBE_TIMEOUT - 20);
      expect(alpha.durationMs).toBeLessThan(PROBE_TIMEOUT + 1000);
      expect(cycle.durationMs).toBeLessThan(PROBE_TIMEOUT + 1000);
      expect(beta.durationMs).toBeLessThan(1000);
      expect(beta.status).toBe("ok");
      const c = await detail(ids.alpha);
      const p = member(c, "primary");
      expect(p.state).toBe("unreachable");
      expect(p.error).toMatch(/no answer within 1500 ms/);
      expect(c.reasons.map((r) => r.code)).toContain("primary_unreachable");

      // On its schedule, the service keeps polling beta every cycle while alpha's primary hangs.
      const before = (await detail(ids.beta)).polledAt!;
      service.start();
      await new Promise((r) => setTimeout(r, 3 * PROBE_TIMEOUT + 500));
      await service.stop();
      const after = await detail(ids.beta);
      expect(Date.parse(after.polledAt!) - Date.parse(before)).toBeGreaterThanOrEqual(2 * PROBE_TIMEOUT);
      expect(after.health).toBe("ok");
      expect(after.pollMs!).toBeLessThan(1000);
    } finally {
      pairA.thaw("primary");
    }
  });

  it("a stopped primary is unreachable at once; the cluster is critical", async () => {
    await pairA.stopPrimary();
    const t0 = Date.now();
    await service.pollOnce();
    expect(Date.now() - t0).toBeLessThan(PROBE_TIMEOUT + 1000);
    const c = await detail(ids.alpha);
    const p = member(c, "primary");
    expect(p.probeKind).toBe("unreachable");
    expect(p.state).toBe("unreachable");
    expect(p.probeMs!).toBeLessThan(PROBE_TIMEOUT);
    expect(p.error).toMatch(/unreachable/);
    expect(c.health).toBe("critical");
    expect(c.headline).toMatch(/primary/);
    expect((await detail(ids.beta)).health).toBe("ok");
  });

  it("retention downsamples raw samples older than a day into 5-minute buckets and drops what is too old", async () => {
    const now = Date.now();
    const dayAgo = now - 86_400_000;
    const base = Math.floor((dayAgo - 3 * 3_600_000) / 300_000) * 300_000; // 3 h beyond a day, bucket-aligned
    const rows = [];
    for (let i = 0; i < 120; i++) {
      // 10 minutes of 5 s samples: two full buckets
      rows.push({ atMs: BigInt(base + i * 5000), clusterId: ids.beta, memberId: (await prisma.catalogMember.findFirstOrThrow({ where: { clusterId: ids.beta, name: "standby" } })).id, role: "standby", probeKind: "standby", status: i === 7 ? "warn" : "ok", clusterStatus: "ok", replayLagBytes: i < 60 ? 100 : 300, replayLagSeconds: 0.5, timeline: 1 });
    }
    rows.push({ ...rows[0], atMs: BigInt(now - 40 * 86_400_000) }); // beyond 30 days
    await prisma.replicationSample.createMany({ data: rows });
    const recentBefore = await prisma.replicationSample.count({ where: { bucketMs: 0, atMs: { gte: BigInt(dayAgo) } } });

    const r = await service.enforceRetention(now);
    expect(r.dropped).toBe(1);
    expect(r.downsampledFrom).toBe(120);
    expect(r.downsampledTo).toBe(2);
    const buckets = await prisma.replicationSample.findMany({ where: { bucketMs: 300_000 }, orderBy: { atMs: "asc" } });
    expect(buckets.map((b) => [Number(b.atMs) - base, b.count, b.replayLagBytes, b.replayLagBytesMax, b.status, b.timeline])).toEqual([
      [0, 60, 100, 100, "warn", 1],
      [300_000, 60, 300, 300, "ok", 1],
    ]);
    expect(await prisma.replicationSample.count({ where: { bucketMs: 0, atMs: { lt: BigInt(dayAgo) } } })).toBe(0);
    expect(await prisma.replicationSample.count({ where: { bucketMs: 0, atMs: { gte: BigInt(dayAgo) } } })).toBe(recentBefore);
    // Idempotent
    expect((await service.enforceRetention(now)).downsampledFrom).toBe(0);
  });
});

/** A strict reader of the Prometheus text format: every line is a comment or `name{labels} value`. */
function parseProm(text: string): Array<{ name: string; labels: Record<string, string>; value: number }> {
  expect(text.endsWith("\n")).toBe(true);
  const out: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  const typed = new Set<string>();
  for (const line of text.trimEnd().split("\n")) {
    if (line.startsWith("# HELP ")) continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)$/.exec(line);
    if (t) {
      typed.add(t[1]);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.exec(line);
    expect(m, `bad metrics line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    const body = m![2] ?? "";
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/g;
    let consumed = 0;
    for (let x = re.exec(body); x; x = re.exec(body)) {
      labels[x[1]] = x[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
      consumed = re.lastIndex;
    }
    expect(consumed, `bad labels: ${line}`).toBe(body.length);
    expect(typed.has(m![1]), `no TYPE before ${m![1]}`).toBe(true);
    out.push({ name: m![1], labels, value: Number(m![3]) });
  }
  return out;
}
