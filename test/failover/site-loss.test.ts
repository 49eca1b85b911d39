/**
 * The site-loss drill, every part real on loopback (test/failover/site-rig.ts): site A (Director A,
 * SD-A, PostgreSQL primary) and site B (Director B standby, SD-B, PostgreSQL hot standby), one
 * client File Daemon, both Directors on Bacula's PostgreSQL catalog backend.
 *
 *   1. both sites are deployed from the model by the deploy engine (the daemons do not run yet:
 *      the first deploy starts them);
 *   2. a backup into Pool Nightly's storage group on SD-A, its copy to SD-B (Pool Offsite);
 *   3. site A is lost: SIGKILL of Director A, SD-A and the PostgreSQL primary;
 *   4. one "promote standby site" request: the catalog fails over, Director B is deployed, started
 *      and verified on the promoted catalog; Director A gets B's configuration as its standby;
 *   5. on site B: the jobs backed up before the loss are listed, a new backup runs (RTO: request ->
 *      that backup done), a file is restored from the copy on SD-B (bytes equal to the original);
 *   6. site A comes back: SD-A restarted, its PostgreSQL re-attached with pg_rewind, and one
 *      "switch back" request moves the catalog and the Director back to site A.
 *
 * Judged by the real parts: bconsole's answers, the catalog's rows in PostgreSQL, file bytes.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call } from "../support/api";
import { waitFinished } from "./support";
import { parseJobTable, startSiteRig, type SiteRig } from "./site-rig";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { makeUser } = await import("../api/fixtures");
const { startDeploy } = await import("@/lib/deploy/service");
const { createReplicationService } = await import("@/lib/replication/service");
const promoteRoute = (await import("@/app/api/failover/[clusterId]/promote/route")).POST as never;
const reattachRoute = (await import("@/app/api/failover/[clusterId]/reattach/route")).POST as never;
const switchBackRoute = (await import("@/app/api/failover/[clusterId]/switch-back/route")).POST as never;
const drillsRoute = await import("@/app/api/drills/route");
const drillRoute = (await import("@/app/api/drills/[id]/route")).GET as never;
const readinessRoute = (await import("@/app/api/readiness/route")).GET as never;
const streamRoute = (await import("@/app/api/failover/promotions/[id]/stream/route")).GET as never;
const { readiness } = await import("@/lib/failover/readiness");

let admin = "";
let viewer = "";
let rig: SiteRig;
const timings: Record<string, number> = {};
const jobs: { backup?: string; copy?: string } = {};

/** bconsole on a Director's own console config; `wait` makes it return once the jobs are done. */
const bcon = (d: SiteRig["a"], cmds: string[]) => execFileSync("/usr/sbin/bconsole", ["-c", d.bconsoleConfig], { input: cmds.join("\n") + "\n", encoding: "utf8", timeout: 120_000 });
const queued = (out: string) => /Job queued\. JobId=(\d+)/.exec(out)?.[1];

/** The catalog, read in PostgreSQL itself (the member that is primary now). */
async function catalogRows<T extends Record<string, unknown>>(port: number, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ host: "127.0.0.1", port, user: rig.catalogDb.user, password: rig.catalogDb.password, database: rig.catalogDb.name });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

const step = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Date.now() - t0;
  }
};

beforeAll(async () => {
  admin = await makeUser("root", "admin");
  viewer = await makeUser("watcher", "viewer");
  rig = await step("rig", () => startSiteRig(prisma));
}, 120_000);

afterAll(async () => {
  console.log(`site-loss drill timings (ms): ${JSON.stringify(timings)}`);
  await rig?.stop();
  await prisma.$disconnect();
});

const params = () => ({ clusterId: String(rig.pg.clusterId) });

describe("site-loss drill (real Directors on the PostgreSQL catalog, SDs, FD, PostgreSQL pair)", () => {
  it("builds the catalog with Bacula's scripts and deploys both sites from the model; the first deploy starts every daemon", async () => {
    expect(rig.catalogDb.tables).toBeGreaterThanOrEqual(30);
    // Before anything is deployed, the readiness says why site B could not take over.
    const [early] = await readiness(prisma, { fresh: true });
    const failed = (r: typeof early) => r.reasons.filter((x) => !x.ok).map((x) => `${x.code}:${x.severity}`);
    expect(early.grade).toBe("not_ready");
    expect(failed(early)).toEqual(expect.arrayContaining(["standby_config:critical", "sd_reachable:critical", "fd_reachable:critical", "copies:critical", "last_drill:warning"]));
    const r = await step("deploy", () => startDeploy({ actor: "drill", dryRun: false, targets: rig.targets }));
    for (const t of r.results) expect(t.status, `${t.name}: ${t.error}`).toBe("succeeded");
    const started = r.results.filter((t) => t.steps.some((s) => s.name === "reload" && s.log.includes("starting it instead of reloading"))).map((t) => t.name).sort();
    expect(started).toEqual([rig.a.name, rig.names.sdA, rig.names.sdB, rig.fd.name].sort());
    expect(rig.a.answers()).toBe(true);
    expect(rig.b.pid()).toBeNull();
    expect([rig.sdA.pid(), rig.sdB.pid(), rig.fd.pid()].every((p) => p !== null)).toBe(true);
    // Director A runs on PostgreSQL: its catalog connection is a PostgreSQL server, site A's primary.
    const v = bcon(rig.a, ['.sql query="SELECT inet_server_port() || \' \' || version()"']);
    expect(v).toContain(`${rig.pg.pair.primary.port} PostgreSQL 15`);
  }, 120_000);

  it("backs up into the storage group on SD-A and copies the job to SD-B", async () => {
    const out = await step("backup+copy", () => bcon(rig.a, ["run job=NightlyBackup level=Full yes", "wait", "run job=CopyToOffsite yes", "wait", "list jobs"]));
    const rows = parseJobTable(out.slice(out.lastIndexOf("list jobs")));
    const backup = rows.find((j) => j.name === "NightlyBackup" && j.type === "B");
    const copy = rows.find((j) => j.name === "NightlyBackup" && j.type === "C");
    expect(backup?.jobstatus, out).toBe("T");
    expect(copy?.jobstatus, out).toBe("T");
    jobs.backup = backup!.jobid;
    jobs.copy = copy!.jobid;
    // The catalog says where each one is: the backup on a device of SD-A's group, the copy on SD-B.
    const media = await catalogRows<{ jobid: number; storage: string; pool: string }>(
      rig.pg.pair.primary.port,
      "SELECT DISTINCT j.jobid, s.name AS storage, p.name AS pool FROM job j JOIN jobmedia jm ON jm.jobid = j.jobid JOIN media m ON m.mediaid = jm.mediaid JOIN storage s ON s.storageid = m.storageid JOIN pool p ON p.poolid = m.poolid WHERE j.jobid IN ($1, $2) ORDER BY j.jobid",
      [Number(jobs.backup), Number(jobs.copy)],
    );
    expect(media.map((m) => [m.jobid, m.pool])).toEqual([[Number(jobs.backup), "Nightly"], [Number(jobs.copy), "Offsite"]]);
    expect(["FileA1", "FileA2"]).toContain(media[0].storage);
    expect(media[1].storage).toBe("FileB1");
    expect(readFileSync(join(rig.pg.sshd.remoteDir, readdirLog()), "utf8")).toMatch(/was selected out of group of 2 available storages\. StorageGroupPolicy "LeastUsed" used/);
    // The standby has replayed it all, and the poller has a sample of that.
    await rig.pg.pair.waitForCatchUp(30_000);
    await createReplicationService({ db: prisma, store: true, log: () => undefined }).pollOnce();
  }, 120_000);

  it("readiness: site B is in step, reachable, accepts its Director, has a copy of each job (RPO); only the drill is missing", async () => {
    const r = await call(readinessRoute, "/api/readiness", { cookie: viewer });
    expect(r.status).toBe(200);
    const site = r.json.sites[0];
    expect(site.standby.name).toBe(rig.b.name);
    const byCode = (code: string) => (site.reasons as Array<{ code: string; ok: boolean; message: string }>).filter((x) => x.code === code);
    for (const code of ["standby_director", "standby_config", "catalog_lag", "sd_reachable", "sd_accepts", "fd_reachable", "fd_accepts", "copies"]) {
      expect(byCode(code).length, code).toBeGreaterThan(0);
      expect(byCode(code).every((x) => x.ok), JSON.stringify(byCode(code))).toBe(true);
    }
    expect(byCode("last_drill")[0].ok).toBe(false);
    expect(site.score).toBe(90);
    expect(site.rpo).toEqual([expect.objectContaining({ job: "NightlyBackup", copyJobId: Number(jobs.copy) })]);
    expect(site.rpo[0].ageSeconds).toBeLessThan(600);
  }, 60_000);

  it("runs the planned DR drill: switch to site B, test backup, test restore from the copy, switch back; streamed, stored report", async () => {
    const where = join(rig.restoreDir, "drill");
    const body = { clusterId: rig.pg.clusterId, jobName: "NightlyBackup", restoreWhere: where };
    expect((await call(drillsRoute.POST as never, "/api/drills", { method: "POST", cookie: viewer, body: { ...body, dryRun: true } })).status).toBe(403);
    const dry = await call(drillsRoute.POST as never, "/api/drills", { method: "POST", cookie: admin, body: { ...body, dryRun: true } });
    expect(dry.status).toBe(200);
    expect(dry.json.preflight.allowed, JSON.stringify(dry.json.preflight.checks.filter((c: { ok: boolean }) => !c.ok))).toBe(true);
    const unconfirmed = await call(drillsRoute.POST as never, "/api/drills", { method: "POST", cookie: admin, body });
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.json.fields[0].field).toBe("confirmClusterName");
    const t0 = Date.now();
    const res = await call(drillsRoute.POST as never, "/api/drills", { method: "POST", cookie: admin, body: { ...body, confirmClusterName: rig.pg.clusterName } });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const streamed = await call(streamRoute, "/x", { cookie: admin, params: { id: String(res.json.id) } });
    const events = String(streamed.json).trim().split("\n").map((l) => JSON.parse(l));
    expect(events.some((e) => e.type === "step" && e.step.name === "drill_test_restore" && e.step.status === "running")).toBe(true);
    const done = events.at(-1);
    expect(done.type).toBe("done");
    expect(done.promotion.status, done.promotion.error).toBe("succeeded");
    timings.drill = Date.now() - t0;
    expect(done.promotion.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      "drill_preflight:ok", "drill_switchover:ok", "drill_test_backup:ok", "drill_test_restore:ok", "drill_switch_back:ok", "drill_report:ok",
    ]);
    const detail = await call(drillRoute, "/x", { cookie: viewer, params: { id: String(res.json.id) } });
    const report = detail.json.report;
    expect(report).toMatchObject({ status: "passed", job: "NightlyBackup", testBackup: { status: "T", pool: "Offsite" }, testRestore: { status: "T", storages: ["FileB1"], fromCopy: Number(jobs.copy) } });
    expect(report.rtoMs).toBeGreaterThan(0);
    expect(report.lagBefore.bytes).not.toBeNull();
    console.log(`DR drill: ${timings.drill} ms; RTO ${report.rtoMs} ms; switch ${report.switchMs} ms, back ${report.switchBackMs} ms; lag before ${report.lagBefore.bytes} B`);
    // The restore really brought the bytes back, from site B's storage; the Director is back at site A.
    for (const f of ["catalog-export.bin", "notes.txt"]) expect(readFileSync(join(where, rig.dataDir, f)).equals(readFileSync(join(rig.dataDir, f)))).toBe(true);
    expect(rig.a.answers()).toBe(true);
    expect(rig.b.pid()).toBeNull();
    const [a, b] = await Promise.all([prisma.director.findUniqueOrThrow({ where: { id: rig.ids.dirA } }), prisma.director.findUniqueOrThrow({ where: { id: rig.ids.dirB } })]);
    expect([a.role, b.role]).toEqual(["primary", "standby"]);
    const list = await call(drillsRoute.GET as never, "/api/drills", { cookie: viewer });
    expect(list.json.drills[0]).toMatchObject({ id: res.json.id, status: "succeeded", report: { status: "passed" } });
    expect(await prisma.auditEvent.count({ where: { action: { startsWith: "drill." } } })).toBeGreaterThan(6);
    // Readiness now counts the drill: nothing is missing.
    const [after] = await readiness(prisma, { fresh: true });
    expect(after.reasons.filter((x) => !x.ok)).toEqual([]);
    expect([after.score, after.grade, after.lastDrill?.id]).toEqual([100, "ready", res.json.id]);
  }, 180_000);

  it("loses site A; one promote request; site B runs on the promoted catalog, lists the jobs, backs up again, restores from the copy", async () => {
    rig.loseSiteA();
    const t0 = Date.now();
    const res = await call(promoteRoute, "/x", {
      method: "POST",
      cookie: admin,
      params: params(),
      body: { targetMemberId: rig.ids.memberB, mode: "failover", scope: "site", confirmClusterName: rig.pg.clusterName },
    });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    expect(await waitFinished(prisma, res.json.id, 120_000)).toBe("succeeded");
    timings.promoteSite = Date.now() - t0;
    const op = await prisma.promotion.findUniqueOrThrow({ where: { id: res.json.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect(op.steps.map((s) => `${s.name}:${s.status}`)).toEqual(["preflight:ok", "fence_old_primary:ok", "promote:ok", "verify:ok", "update_model:ok", "director_switchover:ok"]);
    const dlog = op.steps.at(-1)!.log;
    expect(dlog).toContain(`${rig.b.name} verified`);
    expect(dlog).toContain(`${rig.a.name} redeployed as the standby of ${rig.b.name}`);

    // Director B answers on the promoted catalog (site B's PostgreSQL, out of recovery).
    expect(rig.b.answers()).toBe(true);
    const where = bcon(rig.b, ['.sql query="SELECT inet_server_port() || \' recovery=\' || pg_is_in_recovery()"']);
    expect(where).toContain(`${rig.pg.pair.standby.port} recovery=false`);
    // The jobs backed up before the loss are there.
    const before = parseJobTable(bcon(rig.b, ["list jobs"]));
    expect(before.filter((j) => [jobs.backup, jobs.copy].includes(j.jobid)).map((j) => `${j.jobid}:${j.type}:${j.jobstatus}`)).toEqual([`${jobs.backup}:B:T`, `${jobs.copy}:C:T`]);

    // A new backup on site B: the end of the RTO.
    const bout = bcon(rig.b, ["run job=NightlyBackup pool=Offsite level=Full yes", "wait"]);
    const nid = queued(bout)!;
    expect(parseJobTable(bcon(rig.b, [`list jobid=${nid}`]))[0]?.jobstatus).toBe("T");
    timings.rto = Date.now() - t0;
    console.log(`RTO (promote request -> a new backup done on site B): ${timings.rto} ms; promotion ${timings.promoteSite} ms (pg_promote ${(op.state as Record<string, number>).pgPromoteMs} ms, Director switchover ${(op.state as Record<string, number>).directorSwitchMs} ms)`);
    jobs.backup = nid;
    // A file back from the copy on SD-B (SD-A is gone), bytes equal to the original.
    const target = join(rig.restoreDir, "after-loss");
    const rout = await step("restore", () => bcon(rig.b, [`restore jobid=${jobs.copy} client=${rig.fd.name} where=${target} all done yes`, "wait"]));
    expect(rout).toMatch(/Offsite-\d+\s+FileB1/);
    const rid = queued(rout)!;
    expect(parseJobTable(bcon(rig.b, [`list jobid=${rid}`]))[0]?.jobstatus).toBe("T");
    for (const f of ["catalog-export.bin", "notes.txt"]) expect(readFileSync(join(target, rig.dataDir, f)).equals(readFileSync(join(rig.dataDir, f)))).toBe(true);

  }, 180_000);

  it("brings site A back: re-attaches its catalog with pg_rewind and switches back with one request", async () => {
    execFileSync("runuser", ["-u", rig.pg.sshd.user, "--", rig.sdA.restartScript], { stdio: "pipe", timeout: 30_000 });
    const t0 = Date.now();
    const ra = await call(reattachRoute, "/x", { method: "POST", cookie: admin, params: params(), body: { memberId: rig.ids.memberA, confirmMemberName: "pg-a" } });
    expect(ra.status, JSON.stringify(ra.json)).toBe(202);
    expect(await waitFinished(prisma, ra.json.id, 120_000)).toBe("succeeded");
    timings.reattach = Date.now() - t0;

    const t1 = Date.now();
    const sb = await call(switchBackRoute, "/x", { method: "POST", cookie: admin, params: params(), body: { confirmClusterName: rig.pg.clusterName } });
    expect(sb.status, JSON.stringify(sb.json)).toBe(202);
    expect(sb.json.scope).toBe("site");
    const status = await waitFinished(prisma, sb.json.id, 120_000);
    const op = await prisma.promotion.findUniqueOrThrow({ where: { id: sb.json.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect({ status, error: op.error }).toEqual({ status: "succeeded", error: null });
    timings.switchBack = Date.now() - t1;

    // Site A runs again: Director A on site A's PostgreSQL (writable), Director B stopped, and the
    // catalog has every job, the one made on site B included.
    expect(rig.a.answers()).toBe(true);
    expect(rig.b.pid()).toBeNull();
    expect(bcon(rig.a, ['.sql query="SELECT inet_server_port() || \' recovery=\' || pg_is_in_recovery()"'])).toContain(`${rig.pg.pair.primary.port} recovery=false`);
    const all = parseJobTable(bcon(rig.a, ["list jobs"]));
    expect(all.find((j) => j.jobid === jobs.backup)?.jobstatus).toBe("T");
    const [a, b] = await Promise.all([prisma.director.findUniqueOrThrow({ where: { id: rig.ids.dirA } }), prisma.director.findUniqueOrThrow({ where: { id: rig.ids.dirB } })]);
    expect([a.role, b.role, b.primaryId]).toEqual(["primary", "standby", a.id]);
    // And a backup on site A's storage group again.
    const out = await step("backupAfterSwitchBack", () => bcon(rig.a, ["run job=NightlyBackup level=Incremental yes", "wait"]));
    expect(parseJobTable(bcon(rig.a, [`list jobid=${queued(out)}`]))[0]?.jobstatus).toBe("T");
  }, 180_000);
});

/** The rig's Bacula log file (relative to the sshd's remote dir). */
function readdirLog(): string {
  const base = execFileSync("sh", ["-c", `cd '${rig.pg.sshd.remoteDir}' && ls -d sites-*`], { encoding: "utf8" }).trim();
  return join(base, "bacula.log");
}
