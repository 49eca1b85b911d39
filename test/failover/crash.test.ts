/**
 * The app dies in the middle of a promotion: a child process runs the real machine against a real
 * PostgreSQL pair and is SIGKILLed between two persisted steps; then resumeInterrupted() (what
 * instrumentation.ts calls at startup) must finish the promotion or roll it back, never leave it
 * half done.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { startSshd, type TestSshd } from "../support/sshd";
import { countRows, ensurePostgresSshLogin, startRig, type Rig } from "./support";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { failoverDeps, resumeInterrupted, startPromotion } = await import("@/lib/failover/machine");

let sshd: TestSshd;
const rigs: Rig[] = [];
beforeAll(async () => {
  ensurePostgresSshLogin();
  sshd = await startSshd({ user: "postgres" });
});
afterAll(async () => {
  for (const r of rigs) await r.stop();
  await sshd?.stop();
});

/** Runs promotion `id` in a child process and SIGKILLs it right after `step` is persisted. */
async function crashAfter(id: number, step: string): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/failover/crash-child.ts"], {
    cwd: process.cwd(),
    env: { ...process.env, PROMOTION_ID: String(id), KILL_AFTER: step },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`child did not reach ${step} in time: ${out} ${err}`)), 150_000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes(`PAUSED ${step}`)) {
        clearTimeout(t);
        resolve();
      }
      if (out.includes("FINISHED")) reject(new Error(`child finished without pausing: ${out}`));
    });
    child.once("exit", (code) => {
      if (!out.includes("PAUSED")) reject(new Error(`child exited ${code} before ${step}: ${out} ${err}`));
    });
  });
  child.kill("SIGKILL");
  await exited; // reaped: its pid is gone
}

async function inRecovery(r: Rig, node: "primary" | "standby"): Promise<boolean> {
  return (await r.pair.query<{ rec: boolean }>(node, "SELECT pg_is_in_recovery() AS rec"))[0].rec;
}

async function steps(id: number) {
  const rows = await prisma.promotionStep.findMany({ where: { promotionId: id }, orderBy: { position: "asc" } });
  return rows.map((s) => `${s.name}:${s.status}`);
}

describe("app killed mid-promotion, then restarted", () => {
  it("killed after fencing, before pg_promote: resume rolls back (old primary restarted, standby untouched, model untouched)", async () => {
    const r = await startRig(prisma, { sshd });
    rigs.push(r);
    await r.pair.write(200);
    const start = await startPromotion(failoverDeps(), r.clusterId, { targetMemberId: r.standbyId, mode: "switchover", force: false, dryRun: false }, { actor: "root" }, { background: false });
    expect(start.kind).toBe("started");
    const id = (start as { id: number }).id;
    await crashAfter(id, "fence_old_primary");

    // What the crash left: the old primary stopped, the promotion running with an owner that is gone.
    expect(await r.pair.isRunning("primary")).toBe(false);
    expect((await prisma.promotion.findUniqueOrThrow({ where: { id } })).status).toBe("running");
    // The end of a step and the start of the next are one write: the next one reads "running".
    expect(await steps(id)).toEqual(["preflight:ok", "fence_old_primary:ok", "wait_replay:running", "promote:pending", "verify:pending", "update_model:pending", "director_switchover:pending"]);

    const res = await resumeInterrupted(failoverDeps());
    expect(res).toEqual([{ id, action: "rolled_back", status: "rolled_back" }]);
    const p = await prisma.promotion.findUniqueOrThrow({ where: { id } });
    expect(p.activeKey).toBeNull();
    expect(p.error).toContain("interrupted by an app restart before promote");
    expect(await steps(id)).toEqual([
      "preflight:ok", "fence_old_primary:ok", "wait_replay:failed", "promote:skipped", "verify:skipped", "update_model:skipped", "director_switchover:skipped", "rollback:ok",
    ]);
    // Back where it was: the fence's standby.signal is gone, postgresql.auto.conf is the original,
    // the old primary runs and takes writes, the standby streams and stays in recovery.
    expect(fs.existsSync(path.join(r.pair.primary.dataDir, "standby.signal"))).toBe(false);
    expect(fs.readFileSync(path.join(r.pair.primary.dataDir, "postgresql.auto.conf"), "utf8")).not.toContain("fenced by bacula-ha dashboard");
    expect(await r.pair.isRunning("primary")).toBe(true);
    expect(await inRecovery(r, "primary")).toBe(false);
    await r.pair.write(10);
    await r.pair.waitForStreaming(60_000);
    expect(await inRecovery(r, "standby")).toBe(true);
    const members = await prisma.catalogMember.findMany({ where: { clusterId: r.clusterId }, orderBy: { name: "asc" } });
    expect(members.map((m) => [m.name, m.role, m.fenced])).toEqual([["pg-a", "primary", false], ["pg-b", "standby", false]]);
    expect((await prisma.catalog.findUniqueOrThrow({ where: { id: r.catalogId } })).dbPort).toBe(r.pair.primary.port);
    // A second resume finds nothing to do.
    expect(await resumeInterrupted(failoverDeps())).toEqual([]);
  }, 300_000);

  it("killed after pg_promote: resume completes (verified, model updated), nothing lost", async () => {
    const r = await startRig(prisma, { sshd });
    rigs.push(r);
    await r.pair.write(300);
    const written = await countRows(r, "primary");
    const start = await startPromotion(failoverDeps(), r.clusterId, { targetMemberId: r.standbyId, mode: "switchover", force: false, dryRun: false }, { actor: "root" }, { background: false });
    const id = (start as { id: number }).id;
    await crashAfter(id, "promote");
    expect(await steps(id)).toEqual(["preflight:ok", "fence_old_primary:ok", "wait_replay:ok", "promote:ok", "verify:running", "update_model:pending", "director_switchover:pending"]);
    // Half done: promoted in PostgreSQL, not in the model.
    expect(await inRecovery(r, "standby")).toBe(false);
    expect((await prisma.catalogMember.findUniqueOrThrow({ where: { id: r.standbyId } })).role).toBe("standby");

    const res = await resumeInterrupted(failoverDeps());
    expect(res).toEqual([{ id, action: "resumed", status: "succeeded" }]);
    expect(await steps(id)).toEqual(["preflight:ok", "fence_old_primary:ok", "wait_replay:ok", "promote:ok", "verify:ok", "update_model:ok", "director_switchover:skipped"]);
    const members = await prisma.catalogMember.findMany({ where: { clusterId: r.clusterId }, orderBy: { name: "asc" } });
    expect(members.map((m) => [m.name, m.role, m.fenced])).toEqual([["pg-a", "standby", true], ["pg-b", "primary", false]]);
    expect((await prisma.catalog.findUniqueOrThrow({ where: { id: r.catalogId } })).dbPort).toBe(r.pair.standby.port);
    expect(await countRows(r, "standby")).toBe(written);
    expect(await r.pair.isRunning("primary")).toBe(false);
  }, 300_000);

  it("killed during a step (marked running): before the point of no return it is rolled back too", async () => {
    const r = await startRig(prisma, { sshd });
    rigs.push(r);
    const start = await startPromotion(failoverDeps(), r.clusterId, { targetMemberId: r.standbyId, mode: "switchover", force: false, dryRun: false }, { actor: "root" }, { background: false });
    const id = (start as { id: number }).id;
    await crashAfter(id, "preflight");
    // Simulate the crash inside wait_replay: the step marked running, the primary already stopped.
    const sh = await import("@/lib/failover/remote");
    const m = await prisma.catalogMember.findUniqueOrThrow({ where: { id: r.primaryId }, include: { host: true } });
    const a = sh.hostAccess(m);
    if (!a.ok) throw new Error(a.reason);
    await sh.withSsh(a.access, (s) => sh.pgCtlStop(s, m.pgBinDir, a.dataDir, "fast"));
    await prisma.promotion.update({ where: { id }, data: { state: { fenceStarted: true, fenceMarked: false, fencedByUs: true, oldPrimaryWasRunning: true } } });
    await prisma.promotionStep.updateMany({ where: { promotionId: id, name: { in: ["fence_old_primary"] } }, data: { status: "ok" } });
    await prisma.promotionStep.updateMany({ where: { promotionId: id, name: "wait_replay" }, data: { status: "running" } });

    const res = await resumeInterrupted(failoverDeps());
    expect(res).toEqual([{ id, action: "rolled_back", status: "rolled_back" }]);
    expect(await steps(id)).toContain("wait_replay:failed");
    expect(await r.pair.isRunning("primary")).toBe(true);
    expect(await inRecovery(r, "standby")).toBe(true);
  }, 300_000);
});
