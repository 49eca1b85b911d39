/**
 * Guarded promotion against real parts: a PostgreSQL 15 primary + hot standby on loopback, a real
 * sshd logging in as postgres (fencing and pg_rewind run over SSH as in production), the route
 * handlers with real sessions. Nothing is mocked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call } from "../support/api";
import { startSshd, type TestSshd } from "../support/sshd";
import { countRows, ensurePostgresSshLogin, startRig, waitFinished, type Rig } from "./support";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { makeUser } = await import("../api/fixtures");
const preflightRoute = (await import("@/app/api/failover/[clusterId]/preflight/route")).GET as never;
const promoteRoute = (await import("@/app/api/failover/[clusterId]/promote/route")).POST as never;
const historyRoute = (await import("@/app/api/failover/[clusterId]/promotions/route")).GET as never;
const streamRoute = (await import("@/app/api/failover/promotions/[id]/stream/route")).GET as never;
const reattachRoute = (await import("@/app/api/failover/[clusterId]/reattach/route")).POST as never;

let admin = "";
let operator = "";
let sshd: TestSshd;
const rigs: Rig[] = [];

beforeAll(async () => {
  ensurePostgresSshLogin();
  sshd = await startSshd({ user: "postgres" });
  admin = await makeUser("root", "admin");
  operator = await makeUser("op", "operator");
});
afterAll(async () => {
  for (const r of rigs) await r.stop();
  await sshd?.stop();
});

async function rig(opts: { maxLagBytes?: number } = {}) {
  const r = await startRig(prisma, { ...opts, sshd });
  rigs.push(r);
  return r;
}

const pre = (r: Rig, target = r.standbyId) =>
  call(preflightRoute, `/api/failover/${r.clusterId}/preflight`, { cookie: admin, params: { clusterId: String(r.clusterId) }, query: { target: String(target) } });
const promote = (r: Rig, body: Record<string, unknown>, cookie = admin) =>
  call(promoteRoute, `/api/failover/${r.clusterId}/promote`, { method: "POST", cookie, params: { clusterId: String(r.clusterId) }, body: { targetMemberId: r.standbyId, ...body } });

function ndjson(text: unknown): Array<Record<string, any>> {
  if (typeof text !== "string") return [text as Record<string, any>];
  return text.trim().split("\n").map((l) => JSON.parse(l));
}

async function modelOf(r: Rig) {
  const members = await prisma.catalogMember.findMany({ where: { clusterId: r.clusterId }, orderBy: { name: "asc" } });
  const catalog = await prisma.catalog.findUniqueOrThrow({ where: { id: r.catalogId } });
  return { members: members.map((m) => ({ name: m.name, role: m.role, fenced: m.fenced })), catalog: { dbAddress: catalog.dbAddress, dbPort: catalog.dbPort } };
}

const UNTOUCHED = (r: Rig) => ({
  members: [
    { name: "pg-a", role: "primary", fenced: false },
    { name: "pg-b", role: "standby", fenced: false },
  ],
  catalog: { dbAddress: "127.0.0.1", dbPort: r.pair.primary.port },
});

async function inRecovery(r: Rig, node: "primary" | "standby"): Promise<boolean> {
  const rows = await r.pair.query<{ rec: boolean }>(node, "SELECT pg_is_in_recovery() AS rec");
  return rows[0].rec;
}

describe("switchover, then re-attach of the old primary", () => {
  let r: Rig;
  let promotionId = 0;
  let written = 0;

  it("switches over: the rows written just before are on the new primary, the old one is stopped, the model follows", async () => {
    r = await rig();
    const pf = await pre(r);
    expect(pf.status).toBe(200);
    expect(pf.json.mode).toBe("switchover");
    expect(pf.json.allowed).toBe(true);
    expect(pf.json.requiresClusterName).toBe(false);
    expect(pf.json.plan.map((s: { name: string }) => s.name)).toEqual([
      "preflight", "fence_old_primary", "wait_replay", "promote", "verify", "update_model", "director_switchover",
    ]);

    // Admin only.
    expect((await promote(r, { mode: "switchover" }, operator)).status).toBe(403);
    // Dry run: the plan, nothing changed.
    const dry = await promote(r, { mode: "switchover", dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.json.dryRun).toBe(true);
    expect(await prisma.promotion.count()).toBe(0);

    // Rows committed on the primary right before the click (no wait for catch-up).
    await r.pair.write(2000, { payloadBytes: 200 });
    written = await countRows(r, "primary");
    const t0 = Date.now();
    const res = await promote(r, { mode: "switchover" });
    expect(res.status).toBe(202);
    promotionId = res.json.id;

    const streamed = await call(streamRoute, `/api/failover/promotions/${promotionId}/stream`, { cookie: admin, params: { id: String(promotionId) } });
    expect(streamed.headers.get("content-type")).toContain("application/x-ndjson");
    const events = ndjson(streamed.json);
    expect(events[0].type).toBe("snapshot");
    const done = events[events.length - 1];
    expect(done.type).toBe("done");
    expect(done.promotion.error).toBeNull();
    expect(done.promotion.status).toBe("succeeded");
    const stepEvents = events.filter((e) => e.type === "step").map((e) => `${e.step.name}:${e.step.status}`);
    for (const s of ["fence_old_primary", "wait_replay", "promote", "verify", "update_model"]) expect(stepEvents).toContain(`${s}:ok`);
    expect(done.promotion.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      "preflight:ok", "fence_old_primary:ok", "wait_replay:ok", "promote:ok", "verify:ok", "update_model:ok", "director_switchover:skipped",
    ]);
    expect(done.promotion.steps[6].log).toContain("catalog only: the Directors were not switched");
    const facts = done.promotion.facts;
    expect(facts.newTimeline).toBe(2);
    expect(typeof facts.pgPromoteMs).toBe("number");
    expect(facts.fencedLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    console.log(`switchover: ${Date.now() - t0} ms from request to done; pg_promote ${facts.pgPromoteMs} ms; fence ${facts.fenceStopMs} ms`);

    // Nothing committed was lost; the new primary is writable; the old one is stopped (fenced).
    expect(await inRecovery(r, "standby")).toBe(false);
    expect(await countRows(r, "standby")).toBe(written);
    await r.pair.query("standby", "INSERT INTO pgpair_writes (payload) VALUES ('after switchover')");
    expect(await r.pair.isRunning("primary")).toBe(false);

    expect(await modelOf(r)).toEqual({
      members: [
        { name: "pg-a", role: "standby", fenced: true },
        { name: "pg-b", role: "primary", fenced: false },
      ],
      catalog: { dbAddress: "127.0.0.1", dbPort: r.pair.standby.port },
    });
    const p = await prisma.promotion.findUniqueOrThrow({ where: { id: promotionId } });
    expect(p.activeKey).toBeNull();
    const audits = await prisma.auditEvent.findMany({ where: { action: { startsWith: "promotion." } } });
    for (const s of ["requested", "preflight", "fence_old_primary", "wait_replay", "promote", "verify", "update_model", "director_switchover", "finished"]) {
      expect(audits.some((a) => a.action === `promotion.${s}`)).toBe(true);
    }
    const hist = await call(historyRoute, `/api/failover/${r.clusterId}/promotions`, { cookie: admin, params: { clusterId: String(r.clusterId) } });
    expect(hist.json.promotions.map((x: { id: number }) => x.id)).toEqual([promotionId]);
    // Never a secret in the history.
    expect(JSON.stringify(hist.json)).not.toContain(r.pair.superuser.password);
  }, 240_000);

  it("re-attaches the old primary with pg_rewind: it streams from the new primary", async () => {
    const base = { method: "POST", cookie: admin, params: { clusterId: String(r.clusterId) } };
    const refused = await call(reattachRoute, "/x", { ...base, body: { memberId: r.primaryId, confirmMemberName: "wrong" } });
    expect(refused.status).toBe(409);
    expect(refused.json.fields[0].field).toBe("confirmMemberName");
    const res = await call(reattachRoute, "/x", { ...base, body: { memberId: r.primaryId, confirmMemberName: "pg-a" } });
    expect(res.status).toBe(202);
    const status = await waitFinished(prisma, res.json.id, 180_000);
    const p = await prisma.promotion.findUniqueOrThrow({ where: { id: res.json.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect({ status, error: p.error }).toEqual({ status: "succeeded", error: null });
    expect(p.steps.every((s) => s.status === "ok")).toBe(true);

    expect(await r.pair.isRunning("primary")).toBe(true);
    expect(await inRecovery(r, "primary")).toBe(true);
    const rows = await r.pair.query<{ state: string; slot: string | null }>(
      "standby",
      "SELECT r.state, s.slot_name::text AS slot FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid",
    );
    expect(rows).toEqual([{ state: "streaming", slot: "bhd_pg_a" }]);
    // A row written on the new primary reaches the re-attached one.
    await r.pair.query("standby", "INSERT INTO pgpair_writes (payload) VALUES ('streams back')");
    const deadline = Date.now() + 30_000;
    let n = 0;
    while (Date.now() < deadline) {
      n = Number((await r.pair.query<{ n: number }>("primary", "SELECT count(*)::int AS n FROM pgpair_writes WHERE payload = 'streams back'"))[0].n);
      if (n === 1) break;
      await new Promise((res2) => setTimeout(res2, 100));
    }
    expect(n).toBe(1);
    // It listens on its own port again (its postgresql.conf came back after pg_rewind).
    expect(Number((await r.pair.query<{ port: string }>("primary", "SHOW port"))[0].port)).toBe(r.pair.primary.port);
    const m = await prisma.catalogMember.findUniqueOrThrow({ where: { id: r.primaryId } });
    expect({ role: m.role, fenced: m.fenced, slotName: m.slotName }).toEqual({ role: "standby", fenced: false, slotName: "bhd_pg_a" });
  }, 240_000);
});

describe("failover with the primary killed", () => {
  it("needs the cluster name, spells out the possible loss, promotes without fencing; then re-attaches the crashed primary", async () => {
    const r = await rig();
    await r.pair.write(500);
    await r.pair.waitForCatchUp(60_000);
    const written = await countRows(r, "primary");
    await prisma.replicationSample.create({
      data: { atMs: BigInt(Date.now()), clusterId: r.clusterId, memberId: r.standbyId, role: "standby", probeKind: "standby", status: "ok", clusterStatus: "ok", replayLagBytes: 0, timeline: 1 },
    });
    await r.pair.stopPrimary(); // immediate stop: a crash

    const pf = await pre(r);
    expect(pf.json.mode).toBe("failover");
    expect(pf.json.allowed).toBe(true);
    expect(pf.json.requiresClusterName).toBe(true);
    expect(pf.json.dataLossWarning).toContain("last known lag of pg-b: 0 B");
    expect(pf.json.oldPrimary.probe).toBe("unreachable");

    const noName = await promote(r, { mode: "failover" });
    expect(noName.status).toBe(409);
    expect(noName.json.fields[0].field).toBe("confirmClusterName");
    expect(await prisma.promotion.count({ where: { clusterId: r.clusterId } })).toBe(0);
    // The mode is decided by the preflight, inside the operation: refused there, nothing changed.
    const wrongMode = await promote(r, { mode: "switchover" });
    expect(wrongMode.status).toBe(202);
    expect(await waitFinished(prisma, wrongMode.json.id)).toBe("refused");
    expect((await prisma.promotion.findUniqueOrThrow({ where: { id: wrongMode.json.id } })).error).toContain("the preflight says failover, the request says switchover");

    const res = await promote(r, { mode: "failover", confirmClusterName: r.clusterName });
    expect(res.status).toBe(202);
    const status = await waitFinished(prisma, res.json.id);
    const p = await prisma.promotion.findUniqueOrThrow({ where: { id: res.json.id }, include: { steps: { orderBy: { position: "asc" } } } });
    expect({ status, error: p.error }).toEqual({ status: "succeeded", error: null });
    expect(p.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      "preflight:ok", "fence_old_primary:ok", "promote:ok", "verify:ok", "update_model:ok", "director_switchover:skipped",
    ]);
    expect(p.steps[1].log).toContain("no postmaster runs");
    expect(p.steps[1].log).toMatch(/pg-a is fenced in \d+ ms/);
    expect(await inRecovery(r, "standby")).toBe(false);
    expect(await countRows(r, "standby")).toBe(written);
    expect(await r.pair.isRunning("primary")).toBe(false);
    expect((await modelOf(r)).members).toEqual([
      { name: "pg-a", role: "standby", fenced: true },
      { name: "pg-b", role: "primary", fenced: false },
    ]);
    expect((await prisma.catalogMember.findUniqueOrThrow({ where: { id: r.primaryId } })).fenceState).toBe("fenced");

    // The crashed primary (never shut down cleanly) comes back as a standby: pg_rewind recovers it first.
    const ra = await call(reattachRoute, "/x", { method: "POST", cookie: admin, params: { clusterId: String(r.clusterId) }, body: { memberId: r.primaryId, confirmMemberName: "pg-a" } });
    expect(ra.status).toBe(202);
    const rs = await waitFinished(prisma, ra.json.id, 180_000);
    const rp = await prisma.promotion.findUniqueOrThrow({ where: { id: ra.json.id }, include: { steps: true } });
    if (rs !== "succeeded") console.log(rp.steps.map((s) => `${s.name}:${s.status}\n${s.log}`).join("\n"));
    expect({ rs, error: rp.error }).toEqual({ rs: "succeeded", error: null });
    expect(await inRecovery(r, "primary")).toBe(true);
  }, 300_000);
});

describe("refusals change nothing", () => {
  it("refuses while the standby lags past the threshold (replay paused, > 1 MiB written)", async () => {
    const r = await rig({ maxLagBytes: 1048576 });
    await r.pair.pauseReplay();
    await r.pair.write(3000, { payloadBytes: 1000 }); // ~3.5 MiB of WAL
    const pf = await pre(r);
    expect(pf.json.mode).toBe("switchover");
    expect(pf.json.allowed).toBe(false);
    expect(pf.json.forceable).toBe(true);
    const lag = pf.json.checks.find((c: { code: string }) => c.code === "lag");
    expect(lag).toMatchObject({ ok: false, severity: "forceable" });
    expect(pf.json.lag.bytes).toBeGreaterThan(1048576);
    expect(pf.json.lag.source).toBe("live");

    const weak = await promote(r, { mode: "switchover", force: true, forceReason: "because" });
    expect(weak.status).toBe(409);
    expect(weak.json.fields[0].field).toBe("forceReason");
    expect(await prisma.promotion.count({ where: { clusterId: r.clusterId } })).toBe(0);
    const res = await promote(r, { mode: "switchover" });
    expect(res.status).toBe(202);
    expect(await waitFinished(prisma, res.json.id)).toBe("refused");
    const op = await prisma.promotion.findUniqueOrThrow({ where: { id: res.json.id } });
    expect(op.error).toMatch(/lags .* over the cluster's limit of 1\.0 MiB/);
    expect((op.preflight as { lag: { bytes: number } }).lag.bytes).toBeGreaterThan(1048576);

    expect(await inRecovery(r, "standby")).toBe(true);
    expect(await r.pair.isRunning("primary")).toBe(true);
    expect(await inRecovery(r, "primary")).toBe(false);
    expect(await modelOf(r)).toEqual(UNTOUCHED(r));
  }, 180_000);

  it("refuses a target that is not in recovery", async () => {
    const r = await rig();
    await r.pair.promoteStandby(); // promoted behind the dashboard's back: split brain
    const pf = await pre(r);
    const c = pf.json.checks.find((x: { code: string }) => x.code === "target_in_recovery");
    expect(c).toMatchObject({ ok: false, severity: "blocker" });
    expect(pf.json.forceable).toBe(false);
    const res = await promote(r, { mode: "switchover", force: true, forceReason: "trying to force a blocker" });
    expect(res.status).toBe(202);
    expect(await waitFinished(prisma, res.json.id)).toBe("refused");
    expect((await prisma.promotion.findUniqueOrThrow({ where: { id: res.json.id } })).error).toContain("not in recovery");
    // The model's primary as target is refused as well.
    const asPrimary = await pre(r, r.primaryId);
    expect(asPrimary.json.checks.find((x: { code: string }) => x.code === "target_is_primary")).toMatchObject({ ok: false });
    expect(await r.pair.isRunning("primary")).toBe(true);
    expect(await modelOf(r)).toEqual(UNTOUCHED(r));
  }, 180_000);
});

describe("one promotion per cluster", () => {
  it("10 concurrent requests: one 202, nine 409 naming the running operation; exactly one promotion", async () => {
    const r = await rig();
    const all = await Promise.all(Array.from({ length: 10 }, () => promote(r, { mode: "switchover" })));
    const started = all.filter((x) => x.status === 202);
    const refused = all.filter((x) => x.status === 409);
    expect({ started: started.length, refused: refused.length }).toEqual({ started: 1, refused: 9 });
    const id = started[0].json.id as number;
    for (const x of refused) {
      expect(x.json.runningOperationId).toBe(id);
      expect(x.json.fields[0]).toMatchObject({ field: "clusterId", rule: "operation_running" });
    }
    expect(await prisma.promotion.count({ where: { clusterId: r.clusterId } })).toBe(1);
    expect(await waitFinished(prisma, id)).toBe("succeeded");
    expect(await prisma.promotion.count({ where: { clusterId: r.clusterId } })).toBe(1);
    expect(await inRecovery(r, "standby")).toBe(false);
    expect(await r.pair.isRunning("primary")).toBe(false);
  }, 240_000);

  it("the unique index holds even without the app's checks", async () => {
    const r = await rig();
    const data = { clusterId: r.clusterId, kind: "promote", mode: "switchover", status: "running", activeKey: `cluster:${r.clusterId}`, targetMemberId: r.standbyId, targetName: "pg-b", actor: "x", preflight: {}, state: {} };
    await prisma.promotion.create({ data });
    await expect(prisma.promotion.create({ data })).rejects.toMatchObject({ code: "P2002" });
    await prisma.promotion.updateMany({ where: { clusterId: r.clusterId }, data: { status: "failed", activeKey: null } });
    await prisma.promotion.create({ data: { ...data, status: "failed", activeKey: null } });
    await prisma.promotion.deleteMany({ where: { clusterId: r.clusterId } });
  }, 120_000);
});
