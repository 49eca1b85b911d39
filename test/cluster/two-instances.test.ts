/**
 * Two real instances of the app (two `scripts/serve.mjs` server processes on loopback ports) on one
 * real PostgreSQL database, with real sshd, a real File Daemon and a real PostgreSQL catalog pair:
 *
 *  - a session made on one is valid on the other, and a logout on one ends it on the other at once;
 *  - deploys of one host started on both at the same moment run one after the other;
 *  - a deploy started on A, A SIGKILLed in the middle (its restart command running): B finishes it;
 *  - a promotion started on A, A SIGKILLed in the middle (the fence done, its step's end not yet
 *    committed): B rolls it back through the persisted-step resume, one writable primary left;
 *  - the replication poller's leader SIGKILLed: the other leads within one poll interval.
 *
 * The instances run with INSTANCE_SAME_HOST_CHECK=0, as if on two machines: a dead instance's work
 * is taken only once its leases expire (INSTANCE_LEASE_MS=3000 here), the bound this measures.
 * Needs the production build (`npx next build`; scripts/test-all.sh runs this file after it) and
 * root (PostgreSQL and sshd run as their own users).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminQuery, applyPgMigrations, pgUrl } from "../support/appPg";
import { fileDaemonFiles, writeOwned, type TestFileDaemonFiles } from "../support/bacula-daemons";
import { ensureBuild, kill, loginAs, req, startInstance as start, stopAll, until, type Instance } from "../support/instances";
import { startPgPair, type PgPair } from "../support/pgPair";
import { startSshd, type TestSshd } from "../support/sshd";
import { ensurePostgresSshLogin, startRig, type Rig } from "../failover/support";

const LEASE_MS = 3000;
const POLL_MS = 3000;
const ADMIN_PASSWORD = "cluster-admin-password-1";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-cluster-"));
const appPg: PgPair = await startPgPair({ standby: false, maxConnections: 200 });
await adminQuery(pgUrl(appPg, "postgres"), "CREATE DATABASE bhd_cluster");
const DATABASE_URL = pgUrl(appPg, "bhd_cluster");
await applyPgMigrations(DATABASE_URL);
process.env.DATABASE_URL = DATABASE_URL;
process.env.APP_KEY_FILE = path.join(dir, "secret.key");
process.env.APP_SETUP_TOKEN_FILE = path.join(dir, "setup-token");

const { prisma } = await import("@/lib/db/client");
const { encryptSecret } = await import("@/lib/secrets");
const { bumpModelRevision } = await import("@/lib/audit");

const instances: Instance[] = [];
const instanceEnv = { DATABASE_URL, ADMIN_LOGIN: "admin", ADMIN_PASSWORD, INSTANCE_LEASE_MS: String(LEASE_MS), INSTANCE_SAME_HOST_CHECK: "0", REPLICATION_POLL_MS: String(POLL_MS) };
const startInstance = (name: string) => start(name, instanceEnv, instances);

async function login(inst: Instance): Promise<string> {
  const r = await loginAs(inst, "admin", ADMIN_PASSWORD);
  expect(r.status, r.text).toBe(200);
  return r.cookie!;
}

let a: Instance;
let b: Instance;
let sshd: TestSshd;
let pgSshd: TestSshd;
let fd: TestFileDaemonFiles;
let clientId = 0;
let hostKey = "";
const rigs: Rig[] = [];

beforeAll(async () => {
  ensureBuild();
  ensurePostgresSshLogin();
  [sshd, pgSshd] = await Promise.all([startSshd(), startSshd({ user: "postgres" })]);
  fd = await fileDaemonFiles(path.join(sshd.remoteDir, "fd"), sshd.user, { name: "fd1-fd" });
  // Start and restart commands that take 3 s: a deploy is then in its reload step long enough to be killed there.
  const slow = (w: "start" | "restart") => {
    const p = path.join(sshd.remoteDir, `slow-${w}-fd.sh`);
    writeOwned(p, `#!/bin/sh\nsleep 3\nexec '${w === "start" ? fd.startScript : fd.restartScript}'\n`, sshd.user, 0o755);
    return p;
  };
  const [slowStart, slowRestart] = [slow("start"), slow("restart")];
  const host = await prisma.host.create({
    data: { name: "fd-host", address: sshd.host, sshPort: sshd.port, sshUser: sshd.user, privateKeyEnc: encryptSecret(sshd.privateKey), hostKeyFingerprint: sshd.hostKeyFingerprint },
  });
  hostKey = `${sshd.host.toLowerCase()}:${sshd.port}`;
  const d = await prisma.director.create({ data: { name: "c-dir", address: "127.0.0.1", port: 19401, passwordEnc: encryptSecret("console-a"), role: "primary", site: "site-a" } });
  const cat = await prisma.catalog.create({ data: { name: "MyCatalog", directorId: d.id, dbName: "bacula" } });
  const c = await prisma.client.create({
    data: {
      name: "fd1-fd", directorId: d.id, address: "127.0.0.1", port: fd.port, passwordEnc: encryptSecret("fd-secret-1"), catalogId: cat.id, hostId: host.id,
      fdConfigDir: fd.etc, fdWorkingDirectory: fd.work, fdPidDirectory: fd.run, fdAddress: "127.0.0.1",
    },
  });
  clientId = c.id;
  await prisma.daemonDeployState.create({ data: { kind: "client", daemonId: c.id, settings: { startCommand: slowStart, stopCommand: fd.stopScript, restartCommand: slowRestart } } });
  await prisma.setting.create({ data: { key: "deploy.extraPrograms", value: JSON.stringify([slowStart, fd.stopScript, slowRestart]) } });
  await bumpModelRevision();
  // A first (the admin is created once), then B.
  a = await startInstance("A");
  b = await startInstance("B");
}, 300_000);

afterAll(async () => {
  await stopAll(instances);
  for (const r of rigs) await r.stop().catch(() => undefined);
  fd?.kill();
  await sshd?.stop();
  await pgSshd?.stop();
  await prisma.$disconnect();
  await appPg.stop();
});

type Step = { name: string; status: string; startedAt: Date | null; finishedAt: Date | null };
const span = (steps: Step[]) => ({
  from: Math.min(...steps.filter((s) => s.startedAt).map((s) => s.startedAt!.getTime())),
  to: Math.max(...steps.filter((s) => s.finishedAt).map((s) => s.finishedAt!.getTime())),
});

async function targetRuns(runId: number) {
  return prisma.deployTargetRun.findMany({ where: { runId }, include: { steps: { orderBy: { position: "asc" } } } });
}

describe("two instances on one PostgreSQL database", () => {
  it("a session made on one is valid on the other, and a logout on one ends it on both at once", async () => {
    const cookie = await login(a);
    expect((await req(b, "GET", "/api/auth/me", { cookie })).status).toBe(200);
    // B has the session in its cache now.
    expect((await req(b, "GET", "/api/auth/me", { cookie })).status).toBe(200);
    expect((await req(a, "POST", "/api/auth/logout", { cookie })).status).toBeLessThan(300);
    expect((await req(b, "GET", "/api/auth/me", { cookie })).status).toBe(401);
    expect((await req(a, "GET", "/api/auth/me", { cookie })).status).toBe(401);
  });

  it("deploys of one host started on both instances at once run one after the other", async () => {
    const [ca, cb] = [await login(a), await login(b)];
    const body = { dryRun: false, targets: [`client:${clientId}`] };
    const [ra, rb] = await Promise.all([req(a, "POST", "/api/deploy/runs", { cookie: ca, body }), req(b, "POST", "/api/deploy/runs", { cookie: cb, body })]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    const done = (r: { text: string }) => r.text.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.type === "done")!;
    const [da, db] = [done(ra), done(rb)];
    const statuses = [da.status, db.status].sort();
    expect(statuses, `${ra.text}\n${rb.text}`).toEqual(["succeeded", "succeeded"]);
    const [ta] = await targetRuns(Number(da.runId));
    const [tb] = await targetRuns(Number(db.runId));
    // One started the FD (3 s), the other found it deployed: their time on the host never overlaps.
    expect([ta.status, tb.status].sort()).toEqual(["succeeded", "unchanged"]);
    const [sa, sb] = [span(ta.steps), span(tb.steps)];
    expect(sa.to <= sb.from || sb.to <= sa.from, JSON.stringify({ sa, sb })).toBe(true);
    expect(fd.pid()).not.toBeNull();
  }, 120_000);

  it("a deploy started on A, A SIGKILLed while it restarts the daemon: B finishes it, never on the host at the same time", async () => {
    const pidBefore = fd.pid();
    await prisma.client.update({ where: { id: clientId }, data: { fdExtra: [{ kind: "directive", name: "MaximumConcurrentJobs", value: 7 }] } });
    await bumpModelRevision();
    const cookie = await login(a);
    void req(a, "POST", "/api/deploy/runs", { cookie, body: { dryRun: false, targets: [`client:${clientId}`] } }).catch(() => undefined);
    const running = await until(
      "A's deploy reaches its reload step",
      async () => prisma.deployStep.findFirst({ where: { name: "reload", status: "running", targetRun: { run: { status: "running" } } }, include: { targetRun: true } }),
      60_000,
      50,
    );
    const runId = running.targetRun.runId;
    const killedAt = await kill(a);
    const resumed = await until("B resumes the run", async () => prisma.deployRun.findFirst({ where: { resumedFromId: runId, status: { not: "running" } } }), 60_000);
    const old = await prisma.deployRun.findUniqueOrThrow({ where: { id: runId } });
    expect(old.status).toBe("interrupted");
    expect(old.summary).toContain(`finished by run #${resumed.id}`);
    expect(resumed.status, resumed.summary).toBe("succeeded");
    expect(resumed.owner).not.toBe(old.owner);
    const [t] = await targetRuns(resumed.id);
    // The files had been swapped by A: B reloads them (restart), after A's lease on the host expired.
    expect(t.steps.find((s) => s.name === "swap")).toMatchObject({ status: "skipped" });
    expect(t.steps.find((s) => s.name === "reload")).toMatchObject({ status: "ok" });
    const took = span(t.steps).from - killedAt;
    expect(took).toBeGreaterThan(0);
    expect(took).toBeLessThan(LEASE_MS + LEASE_MS / 3 + 3000);
    console.log(`deploy: A killed in its reload step; B's run #${resumed.id} on the host ${took} ms later (lease ${LEASE_MS} ms)`);
    expect(fs.readFileSync(fd.configPath, "utf8")).toMatch(/^\s*MaximumConcurrentJobs = 7$/m);
    expect(fd.pid()).not.toBeNull();
    expect(fd.pid()).not.toBe(pidBefore);
    const audit = await prisma.auditEvent.findFirst({ where: { action: "deploy_interrupted", entityId: String(runId) } });
    expect(audit).not.toBeNull();
    const lease = await prisma.lease.findUniqueOrThrow({ where: { name: `host:${hostKey}` } });
    expect(lease.token).toBeGreaterThanOrEqual(4); // two deploys, A's, B's resume
    a = await startInstance("A2");
  }, 180_000);

  it("a promotion started on A, A SIGKILLed after the fence: B rolls it back, one writable primary", async () => {
    const r = await startRig(prisma, { sshd: pgSshd });
    rigs.push(r);
    await r.pair.write(50);
    // The end of the fence step is held in the app's database for 6 s (a trigger), the moment A is killed.
    await prisma.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION bhd_test_hold() RETURNS trigger AS $$ BEGIN
      IF NEW.name = 'fence_old_primary' AND NEW.status = 'ok' THEN PERFORM pg_sleep(6); END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await prisma.$executeRawUnsafe(`CREATE TRIGGER bhd_test_hold BEFORE UPDATE ON "PromotionStep" FOR EACH ROW EXECUTE FUNCTION bhd_test_hold()`);
    try {
      const cookie = await login(a);
      const start = await req(a, "POST", `/api/failover/${r.clusterId}/promote`, { cookie, body: { targetMemberId: r.standbyId, mode: "switchover", confirmClusterName: r.clusterName } });
      expect(start.status, start.text).toBe(202);
      const id = Number(start.json.id);
      await until(
        "A's fence step ends (held in the database)",
        async () => (await appPg.query<{ n: number }>("primary", `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = 'bhd_cluster' AND wait_event = 'PgSleep'`))[0].n > 0,
        60_000,
        50,
      );
      const killedAt = await kill(a);
      await prisma.$executeRawUnsafe(`DROP TRIGGER bhd_test_hold ON "PromotionStep"`);
      expect(await r.pair.isRunning("primary")).toBe(false); // fenced by A
      const done = await until("B finishes the promotion", async () => {
        const p = await prisma.promotion.findUniqueOrThrow({ where: { id } });
        return p.status !== "running" ? p : null;
      }, 90_000);
      expect(done.status, done.error ?? "").toBe("rolled_back");
      const resume = await prisma.auditEvent.findFirst({ where: { action: "promotion.resume" }, orderBy: { id: "desc" } });
      expect(resume?.after).toMatchObject({ promotionId: id });
      const after = resume!.after as { previousOwner: string; takenOverBy: string };
      expect(after.previousOwner).not.toBe(after.takenOverBy);
      console.log(`promotion: A killed after its fence; B rolled it back ${done.finishedAt!.getTime() - killedAt} ms later (lease ${LEASE_MS} ms)`);
      // The old primary runs again and is the only writable member; the standby was never promoted.
      expect(await r.pair.isRunning("primary")).toBe(true);
      const rec = async (n: "primary" | "standby") => (await r.pair.query<{ rec: boolean }>(n, "SELECT pg_is_in_recovery() AS rec"))[0].rec;
      expect(await rec("primary")).toBe(false);
      expect(await rec("standby")).toBe(true);
      const members = await prisma.catalogMember.findMany({ where: { clusterId: r.clusterId } });
      expect(members.find((m) => m.id === r.primaryId)?.role).toBe("primary");
    } finally {
      await prisma.$executeRawUnsafe(`DROP TRIGGER IF EXISTS bhd_test_hold ON "PromotionStep"`);
    }
    a = await startInstance("A3");
  }, 240_000);

  it("the replication poller's leader SIGKILLed: the other instance leads within one poll interval", async () => {
    const cookie = await login(b);
    const status = async (inst: Instance) => (await req(inst, "GET", "/api/replication", { cookie })).json as { polling: { leader?: string; lastCycleAt: string | null } };
    const leaderId = await until("a leader polls", async () => (await status(b)).polling.leader ?? null, 20_000);
    const pidOf = (id: string) => Number(id.split(":")[1]);
    const leader = [a, b].find((i) => i.proc.pid === pidOf(leaderId));
    if (!leader) throw new Error(`the leader ${leaderId} is neither ${a.proc.pid} nor ${b.proc.pid}`);
    const other = leader === a ? b : a;
    const killedAt = await kill(leader);
    const next = await until(
      "the other instance polls",
      async () => {
        const s = await status(other);
        return s.polling.leader && pidOf(s.polling.leader) === other.proc.pid && s.polling.lastCycleAt && Date.parse(s.polling.lastCycleAt) > killedAt ? s : null;
      },
      3 * POLL_MS,
      50,
    );
    const took = Date.parse(next.polling.lastCycleAt!) - killedAt;
    console.log(`poller: leader killed; ${other.name} polled ${took} ms later (interval ${POLL_MS} ms)`);
    expect(took).toBeLessThan(POLL_MS);
  }, 60_000);
});
