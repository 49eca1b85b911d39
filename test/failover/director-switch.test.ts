/**
 * The Director switchover against real parts: two real bacula-dir (SQLite catalog backend) whose
 * files belong to the test sshd's user, the old primary running and the standby stopped, started
 * and stopped over the real sshd by their start/stop commands, the configuration deployed by the
 * deploy engine. The catalog cluster's members are only model rows here (no PostgreSQL: the
 * site test test/failover/site.test.ts runs the whole promotion against a real pair).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { startSshd, type TestSshd } from "../support/sshd";
import { seedDirectorPair, type DirectorPairRig } from "./director-support";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { switchDirectors, directorPreflight } = await import("@/lib/failover/director-deploy");

let sshd: TestSshd;
let rig: DirectorPairRig;
let clusterId = 0;
const NEW_PRIMARY = { name: "pg-b", address: "127.0.0.1", port: 54329 };
const logs: string[] = [];
const state: Record<string, unknown> = {};
const ctx = () => ({
  db: prisma,
  clusterId,
  actor: "tester",
  newPrimary: NEW_PRIMARY,
  log: async (l: string) => void logs.push(l),
  state,
  saveState: async () => undefined,
});

beforeAll(async () => {
  sshd = await startSshd();
  const cluster = await prisma.catalogCluster.create({ data: { name: "catalog-dir-test" } });
  clusterId = cluster.id;
  await prisma.catalogMember.create({ data: { name: "pg-a", clusterId, role: "standby", fenced: true, address: "127.0.0.1", port: 54328 } });
  await prisma.catalogMember.create({ data: { name: "pg-b", clusterId, role: "primary", address: "127.0.0.1", port: 54329 } });
  // The Catalog already points at the new primary, as update_model leaves it.
  rig = await seedDirectorPair(prisma, sshd, { clusterId, catalog: { dbName: "bacula", dbAddress: "127.0.0.1", dbPort: 54329 } });
}, 120_000);

afterAll(async () => {
  rig?.kill();
  await sshd?.stop();
  await prisma.$disconnect();
});

describe("Director switchover (real bacula-dir over real sshd)", () => {
  it("preflight: the standby's host answers, its configuration as the primary passes bdirjson -t there", async () => {
    const pf = await directorPreflight(prisma, clusterId);
    const byCode = Object.fromEntries(pf.checks.map((c) => [c.code, c]));
    expect(pf.allowed, JSON.stringify(pf.checks)).toBe(true);
    expect(pf.plan.pairs).toEqual([{ oldId: rig.aId, oldName: rig.a.name, newId: rig.bId, newName: rig.b.name, catalogs: ["MyCatalog"] }]);
    expect(byCode.director_ssh.ok).toBe(true);
    expect(byCode.director_config.message).toContain("bdirjson");
    // Nothing changed: the standby's file is the old one, it does not run.
    expect(readFileSync(rig.b.configPath, "utf8")).toContain(`Name = "${rig.a.name}"`);
    expect(rig.b.pid()).toBeNull();
  });

  it("stops the old Director, swaps the roles, deploys and starts the standby, which answers and reaches its catalog", async () => {
    expect(rig.a.answers()).toBe(true);
    expect(rig.b.answers()).toBe(false);
    const t0 = Date.now();
    const res = await switchDirectors(ctx());
    const ms = Date.now() - t0;
    console.log(`Director switchover: ${ms} ms (${JSON.stringify((res.detail as { timings: unknown }).timings)})`);
    expect(res.status).toBe("ok");
    expect(res.message).toContain(rig.b.name);

    // The real daemons: the standby runs as itself with the new catalog setting; the old one is gone.
    expect(rig.b.answers()).toBe(true);
    expect(rig.a.answers()).toBe(false);
    expect(rig.a.pid()).toBeNull();
    const live = readFileSync(rig.b.configPath, "utf8");
    expect(live).toContain(`Name = "${rig.b.name}"`);
    expect(live).toMatch(/^\s*(Db)?Address = "?127\.0\.0\.1"?$/m);
    expect(live).toMatch(/^\s*DbPort = 54329$/m);
    expect(rig.b.console([".catalogs"])).toContain("MyCatalog");
    expect(rig.b.console(['.sql query="SELECT 1"'])).toMatch(/^1\s*$/m);

    // The model: roles swapped, resources moved, relations consistent.
    const [a, b] = await Promise.all([prisma.director.findUniqueOrThrow({ where: { id: rig.aId } }), prisma.director.findUniqueOrThrow({ where: { id: rig.bId } })]);
    expect({ role: b.role, active: b.active, primaryId: b.primaryId }).toEqual({ role: "primary", active: true, primaryId: null });
    expect({ role: a.role, active: a.active, primaryId: a.primaryId }).toEqual({ role: "standby", active: false, primaryId: rig.bId });
    expect((await prisma.catalog.findUniqueOrThrow({ where: { id: rig.catalogId } })).directorId).toBe(rig.bId);
    expect(await prisma.job.count({ where: { directorId: rig.aId } })).toBe(0);

    // Logged, deployed through a persisted run, audited.
    const text = logs.join("\n");
    expect(text).toContain(`${rig.a.name} is stopped`);
    expect(text).toMatch(/deploy run #\d+ to .*: succeeded/);
    expect(text).toContain("runs SELECT 1 on each");
    // Two deploy runs: the new primary, then the former primary redeployed as its standby (stays stopped).
    const runs = await prisma.deployRun.findMany({ orderBy: { id: "desc" }, take: 2, include: { targets: { include: { steps: true } } } });
    expect(runs.reverse().map((r) => r.targets.map((t) => [t.daemonName, t.status])[0])).toEqual([[rig.b.name, "succeeded"], [rig.a.name, "succeeded"]]);
    expect(runs[1].targets[0].steps.find((s) => s.name === "reload")?.status).toBe("skipped");
    expect(text).toContain(`${rig.a.name} redeployed as the standby of ${rig.b.name}`);
    expect(readFileSync(rig.a.configPath, "utf8")).toContain(`Name = "${rig.b.name}"`);
    const audits = await prisma.auditEvent.findMany({ where: { entityType: "directors", action: "update" } });
    expect(audits.map((e) => e.entityName).sort()).toEqual([rig.a.name, rig.b.name].sort());
  }, 120_000);

  it("is idempotent: running it again changes nothing and still verifies", async () => {
    const pid = rig.b.pid();
    const runs = await prisma.deployRun.count();
    logs.length = 0;
    const res = await switchDirectors(ctx());
    expect(res.status).toBe("ok");
    expect(rig.b.pid()).toBe(pid);
    expect(logs.join("\n")).toContain("resuming with the Director pairs decided before");
    // The pair's steps done before are not redone; the deploy finds the live file up to date.
    expect(logs.join("\n")).not.toContain(`${rig.a.name} is stopped`);
    expect(logs.join("\n")).toMatch(/: unchanged/);
    expect(await prisma.deployRun.count()).toBe(runs + 1);
    expect((await prisma.director.findUniqueOrThrow({ where: { id: rig.bId } })).role).toBe("primary");
  }, 60_000);

  it("fails, naming the Director, when the standby's configuration does not start", async () => {
    // A fresh operation (no state) switching back, with a start command that fails.
    await prisma.daemonDeployState.update({
      where: { kind_daemonId: { kind: "director", daemonId: rig.aId } },
      data: { settings: { startCommand: "/bin/false", stopCommand: rig.a.stopScript } },
    });
    const fresh: Record<string, unknown> = {};
    await expect(switchDirectors({ ...ctx(), state: fresh })).rejects.toThrow(`starting ${rig.a.name} failed`);
    await prisma.daemonDeployState.update({
      where: { kind_daemonId: { kind: "director", daemonId: rig.aId } },
      data: { settings: { startCommand: rig.a.startScript, stopCommand: rig.a.stopScript } },
    });
    // Re-run with the same state: picks up where it failed and finishes (a runs again, b stopped).
    const res = await switchDirectors({ ...ctx(), state: fresh });
    expect(res.status).toBe("ok");
    expect(rig.a.answers()).toBe(true);
    expect(rig.b.answers()).toBe(false);
    expect((await prisma.director.findUniqueOrThrow({ where: { id: rig.aId } })).role).toBe("primary");
  }, 120_000);
});
