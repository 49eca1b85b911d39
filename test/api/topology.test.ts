/**
 * GET /api/topology on the demo topology (plus a clone job, for the clone edge): every node and edge
 * kind with the right endpoints, sites, drift badges, the catalog link's state, role checks, and a
 * deterministic layout with no overlap inside a site.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { call } from "../support/api";
import { freshDatabase } from "../support/db";

freshDatabase();

const { prisma } = await import("@/lib/db/client");
const { seedDemo } = await import("@/lib/demo/seed");
const topologyRoute = (await import("@/app/api/topology/route")).GET as never;
const jobsRoute = (await import("@/app/api/[kind]/route")).POST as never;
const { makeUser } = await import("./fixtures");
const { setReplicationService } = await import("@/lib/replication/service");

type Node = { id: string; kind: string; name: string; siteId: string; x: number; y: number; width: number; height: number; [k: string]: unknown };
type Edge = { id: string; kind: string; source: string; target: string; label: string; position?: number; live?: Record<string, unknown> };

let viewer = "";
let op = "";
const ids: Record<string, number> = {};

beforeAll(async () => {
  await seedDemo(prisma);
  viewer = await makeUser("topo-viewer", "viewer");
  op = await makeUser("topo-op", "operator");
  for (const d of await prisma.director.findMany()) ids[d.name] = d.id;
  for (const s of await prisma.storageDaemon.findMany()) ids[s.name] = s.id;
  for (const s of await prisma.storage.findMany()) ids[s.name] = s.id;
  for (const p of await prisma.pool.findMany()) ids[p.name] = p.id;
  for (const m of await prisma.catalogMember.findMany()) ids[m.name] = m.id;
  // A clone job started by NightlyBackup's Run = line: through the API, as the forms would.
  const backup = await prisma.job.findFirstOrThrow({ where: { name: "NightlyBackup" } });
  const created = await call(jobsRoute, "/api/jobs", {
    method: "POST",
    cookie: op,
    params: { kind: "jobs" },
    body: { name: "NightlyClone", directorId: backup.directorId, type: "Backup", level: "Incremental", poolId: ids.Offsite, clientId: backup.clientId, fileSetId: backup.fileSetId, messagesId: backup.messagesId },
  });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  await prisma.job.update({ where: { id: backup.id }, data: { runLines: ['NightlyClone level=%l since="%s"'] } });
  for (const j of await prisma.job.findMany()) ids[j.name] = j.id;
});

async function topology(query: Record<string, string> = {}, cookie = viewer) {
  return call(topologyRoute, "/api/topology", { cookie, query });
}

describe("GET /api/topology", () => {
  it("refuses anonymous callers and a bad jobs mode", async () => {
    expect((await topology({}, "")).status).toBe(401);
    const bad = await topology({ jobs: "many" });
    expect(bad.status).toBe(400);
    expect(bad.json.fields[0].field).toBe("jobs");
  });

  it("returns every node of the demo with its site", async () => {
    const res = await topology();
    expect(res.status).toBe(200);
    const nodes = res.json.nodes as Node[];
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const expectNode = (id: string, kind: string, name: string, siteId: string) => {
      const n = byId.get(id);
      expect(n, id).toBeDefined();
      expect([n!.kind, n!.name, n!.siteId]).toEqual([kind, name, siteId]);
      return n!;
    };
    const dir = expectNode(`director:${ids["bacula-dir"]}`, "director", "bacula-dir", "site:site-a");
    expect([dir.role, dir.active]).toEqual(["primary", true]);
    expect(dir.detail).toContain("active primary");
    const standby = expectNode(`director:${ids["bacula-dir-standby"]}`, "director", "bacula-dir-standby", "site:site-b");
    expect([standby.role, standby.active]).toEqual(["standby", false]);
    const sdA = expectNode(`sd:${ids["sd-site-a"]}`, "sd", "sd-site-a", "site:site-a");
    expect((sdA.devices as { name: string }[]).map((d) => d.name)).toEqual(["FileDev4", "FileDev5", "FileDev6"]);
    const sdB = expectNode(`sd:${ids["sd-site-b"]}`, "sd", "sd-site-b", "site:site-b");
    expect((sdB.devices as { name: string }[]).map((d) => d.name)).toEqual(["CopyDev"]);
    for (const s of ["File4", "File5", "File6"]) expectNode(`storage:${ids[s]}`, "storage", s, "site:site-a");
    expectNode(`storage:${ids.OffsiteFile}`, "storage", "OffsiteFile", "site:site-b");
    const nightly = expectNode(`pool:${ids.Nightly}`, "pool", "Nightly", "site:site-a");
    expect(nightly.storageIds).toEqual([ids.File4, ids.File5, ids.File6]);
    expect(nightly.groupLabel).toBe("LeastUsed · 3 storages");
    expectNode(`pool:${ids.Offsite}`, "pool", "Offsite", "site:site-a");
    expectNode(`job:${ids.NightlyBackup}`, "job", "NightlyBackup", "site:site-a");
    expectNode(`job:${ids.CopyToOffsite}`, "job", "CopyToOffsite", "site:site-a");
    expectNode(`job:${ids.NightlyClone}`, "job", "NightlyClone", "site:site-a");
    const pgA = expectNode(`member:${ids["pg-site-a"]}`, "member", "pg-site-a", "lane:catalog");
    expect(pgA.memberRole).toBe("primary");
    expectNode(`member:${ids["pg-site-b"]}`, "member", "pg-site-b", "lane:catalog");
    expect(nodes).toHaveLength(2 + 2 + 4 + 2 + 3 + 2);
    expect(res.json.jobsShown).toBe(true);
    expect(res.json.jobCount).toBe(3);
    expect((res.json.sites as { id: string; label: string }[]).map((s) => [s.id, s.label])).toEqual([
      ["site:site-a", "site-a"],
      ["site:site-b", "site-b"],
      ["lane:catalog", "Catalog"],
    ]);
    // Deploy drift on every daemon (nothing deployed in a fresh database).
    for (const n of nodes.filter((x) => x.kind === "director" || x.kind === "sd")) {
      expect((n.drift as { state: string }).state, n.name).toBe("never_deployed");
    }
  });

  it("returns every edge kind with the right endpoints, storage group order and policy", async () => {
    const res = await topology();
    const edges = res.json.edges as Edge[];
    const find = (kind: string, source: string, target: string) => edges.find((e) => e.kind === kind && e.source === source && e.target === target);
    const has = (kind: string, source: string, target: string) => {
      const e = find(kind, source, target);
      expect(e, `${kind} ${source} -> ${target}`).toBeDefined();
      return e!;
    };
    ["File4", "File5", "File6"].forEach((s, i) => {
      const e = has("uses", `pool:${ids.Nightly}`, `storage:${ids[s]}`);
      expect(e.position).toBe(i + 1);
      expect(e.label).toBe(`${i + 1}. LeastUsed`);
    });
    has("uses", `pool:${ids.Offsite}`, `storage:${ids.OffsiteFile}`);
    for (const s of ["File4", "File5", "File6"]) has("uses", `storage:${ids[s]}`, `sd:${ids["sd-site-a"]}`);
    has("uses", `storage:${ids.OffsiteFile}`, `sd:${ids["sd-site-b"]}`);
    has("next-pool", `pool:${ids.Nightly}`, `pool:${ids.Offsite}`);
    expect(has("job-pool", `job:${ids.NightlyBackup}`, `pool:${ids.Nightly}`).label).toBe("writes to");
    expect(has("job-pool", `job:${ids.CopyToOffsite}`, `pool:${ids.Nightly}`).label).toBe("copy reads");
    has("job-pool", `job:${ids.NightlyClone}`, `pool:${ids.Offsite}`);
    has("clone", `job:${ids.NightlyBackup}`, `job:${ids.NightlyClone}`);
    has("config-replicated", `director:${ids["bacula-dir"]}`, `director:${ids["bacula-dir-standby"]}`);
    const link = has("streams-to", `member:${ids["pg-site-a"]}`, `member:${ids["pg-site-b"]}`);
    // No poller in this test: the link is there, its state says it was not polled.
    expect(link.live).toMatchObject({ state: "pending", health: "unknown", why: "not polled yet" });
    expect(res.json.links).toEqual([expect.objectContaining({ edgeId: link.id, from: "pg-site-a", to: "pg-site-b", why: "not polled yet" })]);
    const kinds = new Set(edges.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(["clone", "config-replicated", "job-pool", "next-pool", "streams-to", "uses"]);
    expect(edges).toHaveLength(4 + 4 + 1 + 3 + 1 + 1 + 1);
    // Every edge joins two nodes of the answer.
    const nodeIds = new Set((res.json.nodes as Node[]).map((n) => n.id));
    for (const e of edges) expect(nodeIds.has(e.source) && nodeIds.has(e.target), e.id).toBe(true);
  });

  it("lays out deterministically, inside each site, without overlaps", async () => {
    const a = await topology();
    const b = await topology();
    const pos = (r: typeof a) => (r.json.nodes as Node[]).map((n) => [n.id, n.x, n.y]);
    expect(pos(b)).toEqual(pos(a));
    expect(b.json.timings.layoutCached).toBe(true);
    const sites = new Map((a.json.sites as { id: string; width: number; height: number }[]).map((s) => [s.id, s]));
    const nodes = a.json.nodes as Node[];
    for (const n of nodes) {
      const s = sites.get(n.siteId)!;
      expect(n.x >= 0 && n.y >= 0 && n.x + n.width <= s.width && n.y + n.height <= s.height, n.id).toBe(true);
      for (const m of nodes) {
        if (m === n || m.siteId !== n.siteId) continue;
        const overlap = n.x < m.x + m.width && m.x < n.x + n.width && n.y < m.y + m.height && m.y < n.y + n.height;
        expect(overlap, `${n.id} overlaps ${m.id}`).toBe(false);
      }
    }
  });

  it("puts the poller's live state on the catalog link: paused replay with its byte lag, and the live primary", async () => {
    const cluster = await prisma.catalogCluster.findFirstOrThrow({ where: { name: "catalog-main" } });
    const member = (id: number, name: string, role: "primary" | "standby", state: string, status: string, replayBytes: number | null) => ({
      id, name, address: "x", port: 5432, configuredRole: role, role, probeKind: role, state, status, error: null,
      reasons: status === "ok" ? [] : [{ code: "replay_paused", severity: status, message: "replay is paused: run pg_wal_replay_resume()" }],
      replication: replayBytes === null ? null : { replayBytes, replayLagSeconds: 4.5 },
    });
    const fake = (members: unknown[], primaryMemberId: number) =>
      ({
        status: () => ({
          polling: { enabled: true },
          clusters: [{ id: cluster.id, name: "catalog-main", health: "warn", headline: "", polledAt: new Date().toISOString(), primaryMemberId, thresholds: { maxLagBytes: 1048576, maxLagSeconds: 60 }, reasons: [], members }],
        }),
        stop: async () => {},
      }) as never;
    try {
      setReplicationService(fake([member(ids["pg-site-a"], "pg-site-a", "primary", "primary", "ok", null), member(ids["pg-site-b"], "pg-site-b", "standby", "paused", "warn", 3.2 * 1024 * 1024)], ids["pg-site-a"]));
      let res = await topology();
      let link = (res.json.edges as Edge[]).find((e) => e.kind === "streams-to")!;
      expect([link.source, link.target]).toEqual([`member:${ids["pg-site-a"]}`, `member:${ids["pg-site-b"]}`]);
      expect(link.label).toBe("paused · 3.2 MiB");
      expect(link.live).toMatchObject({ state: "paused", health: "warn", lagBytes: 3.2 * 1024 * 1024, why: "replay paused: 3.2 MiB behind" });
      const standby = (res.json.nodes as Node[]).find((n) => n.id === `member:${ids["pg-site-b"]}`)!;
      expect([standby.liveRole, standby.state, standby.health]).toEqual(["standby", "paused", "warn"]);
      // After a switchover the poller sees pg-site-b as primary: the link turns round.
      setReplicationService(fake([member(ids["pg-site-b"], "pg-site-b", "primary", "primary", "ok", null), member(ids["pg-site-a"], "pg-site-a", "standby", "streaming", "ok", 0)], ids["pg-site-b"]));
      res = await topology();
      link = (res.json.edges as Edge[]).find((e) => e.kind === "streams-to")!;
      expect([link.source, link.target]).toEqual([`member:${ids["pg-site-b"]}`, `member:${ids["pg-site-a"]}`]);
      expect(link.live).toMatchObject({ state: "streaming", health: "ok", why: "streaming: 0 B behind" });
    } finally {
      setReplicationService(null);
    }
  });

  it("keeps the layout and the drift digests across a restart; drift follows a deploy without rendering again", async () => {
    await topology();
    // A restart: this process's caches are gone, the database keeps what was computed.
    const g = globalThis as unknown as Record<string | symbol, unknown>;
    delete g.__bhdTopologyLayoutCache;
    delete g[Symbol.for("bacula-ha.deploy.modelDigests")];
    const deploy = await import("@/lib/deploy/service");
    const planned = { n: 0 };
    const original = deploy.planTargets;
    const spy = vi.spyOn(deploy, "planTargets").mockImplementation(async (...a) => {
      planned.n++;
      return original(...a);
    });
    try {
      const again = await topology();
      expect(again.json.timings.layoutCached).toBe(false); // not in memory…
      expect(again.json.timings.layoutMs).toBeLessThan(200); // …but read back, not laid out by ELK
      expect(planned.n).toBe(0);
      const dir = (again.json.nodes as Node[]).find((n) => n.id === `director:${ids["bacula-dir"]}`)!;
      expect((dir.drift as { state: string }).state).toBe("never_deployed");
      // What the model renders for it, as the digests say; a deploy of exactly that is "in sync".
      const { modelDigests } = await import("@/lib/deploy/drift");
      const hash = (await modelDigests()).get(`director:${ids["bacula-dir"]}`)!.hash!;
      await prisma.daemonDeployState.create({ data: { kind: "director", daemonId: ids["bacula-dir"], lastHash: hash, liveHash: hash, lastDeployedAt: new Date() } });
      const after = await topology();
      expect(((after.json.nodes as Node[]).find((n) => n.id === dir.id)!.drift as { state: string }).state).toBe("in_sync");
      expect(planned.n).toBe(0);
      // A model change is a new stamp: planned once more, then the badge says the deploy is pending.
      await prisma.pool.updateMany({ where: { name: "Nightly" }, data: { maximumVolumes: 77 } });
      const { bumpModelRevision } = await import("@/lib/audit");
      await bumpModelRevision();
      const changed = await topology();
      expect(((changed.json.nodes as Node[]).find((n) => n.id === dir.id)!.drift as { state: string }).state).toBe("model_changed");
      expect(planned.n).toBe(1);
    } finally {
      spy.mockRestore();
      await prisma.daemonDeployState.deleteMany({});
    }
  });

  it("follows the model: a storage added to a pool's group and jobs=none", async () => {
    await prisma.storageGroupMember.create({ data: { poolId: ids.Offsite, storageId: ids.File4, position: 1 } });
    const res = await topology({ jobs: "none" });
    const edges = res.json.edges as Edge[];
    expect(edges.find((e) => e.id === `uses:pool:${ids.Offsite}->storage:${ids.File4}`)?.position).toBe(2);
    expect((res.json.nodes as Node[]).some((n) => n.kind === "job")).toBe(false);
    expect(edges.some((e) => e.kind === "clone" || e.kind === "job-pool")).toBe(false);
    expect(res.json.jobsShown).toBe(false);
    expect(res.json.jobCount).toBe(3);
  });
});
