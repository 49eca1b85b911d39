/**
 * "Promote standby site" end to end through the API: a real PostgreSQL 15 pair, a real sshd
 * logging in as postgres (which also owns and runs the two real bacula-dir of the Director pair,
 * SQLite catalog backend), the promotion with scope "site": the catalog is switched over, then the
 * standby Director is deployed with the new DB Address/Port, started, verified, the old one
 * stopped, the model swapped. Then the Director alone is switched back ("switch Director to
 * standby site"), with its own preflight and confirmation.
 *
 * What the Director's catalog check proves here: these Directors run Debian's SQLite catalog backend
 * (fast, no catalog to build), so `.sql ... SELECT 1` proves the Director's own catalog connection
 * works; the PostgreSQL side is proven by the dashboard connecting to the new primary with the
 * Catalog's DB user and password. Directors on the PostgreSQL catalog itself, through a whole site
 * loss, are test/failover/site-loss.test.ts.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call } from "../support/api";
import { seedDirectorPair, type DirectorPairRig } from "./director-support";
import { startRig, waitFinished, type Rig } from "./support";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { makeUser } = await import("../api/fixtures");
const promoteRoute = (await import("@/app/api/failover/[clusterId]/promote/route")).POST as never;
const streamRoute = (await import("@/app/api/failover/promotions/[id]/stream/route")).GET as never;
const dirRoute = await import("@/app/api/failover/[clusterId]/director-switch/route");
const backRoute = await import("@/app/api/failover/[clusterId]/switch-back/route");

let admin = "";
let operator = "";
let r: Rig;
let d: DirectorPairRig;

beforeAll(async () => {
  admin = await makeUser("root", "admin");
  operator = await makeUser("op", "operator");
  r = await startRig(prisma);
  const director = await prisma.director.findFirstOrThrow({ where: { catalogs: { some: { id: r.catalogId } } } });
  d = await seedDirectorPair(prisma, r.sshd, {
    clusterId: r.clusterId,
    directorId: director.id,
    hostId: (await prisma.catalogMember.findUniqueOrThrow({ where: { id: r.primaryId } })).hostId!,
    catalog: { dbName: r.pair.database, dbAddress: r.pair.primary.host, dbPort: r.pair.primary.port, dbUser: r.pair.superuser.user, dbPassword: r.pair.superuser.password },
  });
}, 120_000);

afterAll(async () => {
  d?.kill();
  await r?.stop();
  await prisma.$disconnect();
});

const params = () => ({ clusterId: String(r.clusterId) });

describe("promote standby site (catalog + Director) through the API", () => {
  it("dry run adds the Director checks to the preflight; the promotion switches both and verifies", async () => {
    const dry = await call(promoteRoute, "/x", { method: "POST", cookie: admin, params: params(), body: { targetMemberId: r.standbyId, mode: "switchover", scope: "site", dryRun: true } });
    expect(dry.status).toBe(200);
    const codes = (dry.json.preflight.checks as Array<{ code: string; ok: boolean }>).filter((c) => c.code.startsWith("director")).map((c) => `${c.code}:${c.ok}`);
    expect(codes).toEqual(expect.arrayContaining(["director_pair:true", "director_ssh:true", "director_config:true"]));
    const badScope = await call(promoteRoute, "/x", { method: "POST", cookie: admin, params: params(), body: { targetMemberId: r.standbyId, mode: "switchover", scope: "everything" } });
    expect(badScope.status).toBe(400);
    expect(badScope.json.fields[0].field).toBe("scope");

    const t0 = Date.now();
    const res = await call(promoteRoute, "/x", { method: "POST", cookie: admin, params: params(), body: { targetMemberId: r.standbyId, mode: "switchover", scope: "site" } });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const id = res.json.id as number;
    const streamed = await call(streamRoute, "/x", { cookie: admin, params: { id: String(id) } });
    const events = String(streamed.json).trim().split("\n").map((l) => JSON.parse(l));
    const done = events.at(-1);
    expect(done.type).toBe("done");
    const steps = done.promotion.steps as Array<{ name: string; status: string; log: string }>;
    expect(steps.map((s) => `${s.name}:${s.status}`), done.promotion.error).toEqual([
      "preflight:ok", "fence_old_primary:ok", "wait_replay:ok", "promote:ok", "verify:ok", "update_model:ok", "director_switchover:ok",
    ]);
    expect(events.some((e) => e.type === "step" && e.step.name === "director_switchover" && e.step.status === "running")).toBe(true);
    const log = steps[6].log;
    expect(log).toContain(`${d.a.name} is stopped`);
    expect(log).toContain(`${d.b.name} verified`);
    expect(log).toContain(`answers SELECT 1 and is writable (not in recovery)`);
    // Both ways: the former primary got the new primary's configuration as its standby, and stays stopped.
    expect(log).toContain(`${d.a.name} redeployed as the standby of ${d.b.name}`);
    expect(log).toContain(`${r.pair.standby.port}`);
    const facts = done.promotion.facts;
    console.log(`site promotion: ${Date.now() - t0} ms; pg_promote ${facts.pgPromoteMs} ms; Director switchover ${facts.directorSwitchMs} ms`);

    // Real state: PostgreSQL switched, the standby Director runs with the new catalog port, the old one stopped.
    expect(await r.pair.isRunning("primary")).toBe(false);
    expect(d.b.answers()).toBe(true);
    expect(d.a.pid()).toBeNull();
    const { readFileSync } = await import("node:fs");
    expect(readFileSync(d.b.configPath, "utf8")).toMatch(new RegExp(`^\\s*DbPort = ${r.pair.standby.port}$`, "m"));
    const aConf = readFileSync(d.a.configPath, "utf8");
    expect(aConf).toContain(`Name = "${d.b.name}"`);
    expect(aConf).toMatch(new RegExp(`^\\s*DbPort = ${r.pair.standby.port}$`, "m"));
    expect(readFileSync(join(d.a.etc, "bconsole.conf"), "utf8")).toContain(`Name = "${d.a.name}"`);
    const [a, b] = await Promise.all([prisma.director.findUniqueOrThrow({ where: { id: d.aId } }), prisma.director.findUniqueOrThrow({ where: { id: d.bId } })]);
    expect([a.role, a.active, a.primaryId, b.role, b.active, b.primaryId]).toEqual(["standby", false, d.bId, "primary", true, null]);
    const audits = await prisma.auditEvent.findMany({ where: { action: "promotion.director_switchover" } });
    expect(audits.map((e) => (e.after as { status: string }).status)).toEqual(["running", "ok"]);
  }, 120_000);

  it("switches the Director alone back to the other site: admin only, preflight, typed confirmation", async () => {
    const url = `/api/failover/${r.clusterId}/director-switch`;
    expect((await call(dirRoute.POST as never, url, { method: "POST", cookie: operator, params: params(), body: { confirmClusterName: r.clusterName } })).status).toBe(403);
    const pf = await call(dirRoute.GET as never, url, { cookie: admin, params: params() });
    expect(pf.status).toBe(200);
    expect(pf.json.allowed).toBe(true);
    expect(pf.json.plan.pairs).toEqual([{ oldId: d.bId, oldName: d.b.name, newId: d.aId, newName: d.a.name, catalogs: ["MyCatalog"] }]);
    const unconfirmed = await call(dirRoute.POST as never, url, { method: "POST", cookie: admin, params: params(), body: { confirmClusterName: "nope" } });
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.json.fields[0].field).toBe("confirmClusterName");
    const bad = await call(dirRoute.POST as never, url, { method: "POST", cookie: admin, params: params(), body: { confirmClusterName: 7 } });
    expect(bad.status).toBe(400);

    const res = await call(dirRoute.POST as never, url, { method: "POST", cookie: admin, params: params(), body: { confirmClusterName: r.clusterName } });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    expect(await waitFinished(prisma, res.json.id, 90_000)).toBe("succeeded");
    const p = await prisma.promotion.findUniqueOrThrow({ where: { id: res.json.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(p.steps.map((s) => `${s.name}:${s.status}`)).toEqual(["director_preflight:ok", "director_switchover:ok"]);
    expect(d.a.answers()).toBe(true);
    expect(d.b.pid()).toBeNull();
    // The catalog stayed on the promoted member.
    const cat = await prisma.catalog.findUniqueOrThrow({ where: { id: r.catalogId } });
    expect([cat.directorId, cat.dbPort]).toEqual([d.aId, r.pair.standby.port]);
    expect(await prisma.auditEvent.count({ where: { action: "director_switch.requested" } })).toBe(1);
  }, 120_000);

  it("switches back with one request: admin only, the plan names the former primary, typed confirmation, 409 while an operation runs", async () => {
    const url = `/api/failover/${r.clusterId}/switch-back`;
    expect((await call(backRoute.GET as never, url, { cookie: operator, params: params() })).status).toBe(403);
    const pv = await call(backRoute.GET as never, url, { cookie: admin, params: params() });
    expect(pv.status).toBe(200);
    // The last switch was the Director alone back to a: switching back means b again, the catalog stays (no member sites).
    expect(pv.json.plan).toMatchObject({ scope: "director", director: { id: d.bId, name: d.b.name }, from: { id: d.aId } });
    expect(pv.json.allowed, JSON.stringify(pv.json.director?.checks)).toBe(true);
    const unconfirmed = await call(backRoute.POST as never, url, { method: "POST", cookie: admin, params: params(), body: {} });
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.json.fields[0].field).toBe("confirmClusterName");
    expect((await call(backRoute.POST as never, url, { method: "POST", cookie: admin, params: params(), body: { confirmClusterName: r.clusterName, extra: 1 } })).status).toBe(400);
    const res = await call(backRoute.POST as never, url, { method: "POST", cookie: admin, params: params(), body: { confirmClusterName: r.clusterName } });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    expect(res.json.scope).toBe("director");
    // While it runs, another switch back is refused with the running operation's id.
    const busy = await call(backRoute.POST as never, url, { method: "POST", cookie: admin, params: params(), body: { confirmClusterName: r.clusterName } });
    expect(busy.status).toBe(409);
    expect(busy.json.runningOperationId).toBe(res.json.id);
    expect(await waitFinished(prisma, res.json.id, 90_000)).toBe("succeeded");
    expect(d.b.answers()).toBe(true);
    expect(d.a.pid()).toBeNull();
    const [a, b] = await Promise.all([prisma.director.findUniqueOrThrow({ where: { id: d.aId } }), prisma.director.findUniqueOrThrow({ where: { id: d.bId } })]);
    expect([a.role, b.role]).toEqual(["standby", "primary"]);
    const ev = await prisma.auditEvent.findFirstOrThrow({ where: { action: "switch_back" } });
    expect(ev.after).toMatchObject({ operationId: res.json.id, scope: "director", director: d.b.name });
  }, 120_000);
});
