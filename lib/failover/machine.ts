/**
 * Guarded standby promotion: the state machine (steps persisted through ./runner.ts).
 *
 * switchover: preflight -> fence_old_primary (pg_ctl stop -m fast over SSH, then pg_controldata:
 *   the shutdown checkpoint's LSN is the last WAL record the old primary wrote) -> wait_replay (the
 *   target's replay LSN passes that record: every committed transaction is on the target) ->
 *   promote (pg_promote(true, 60), the point of no return) -> verify (out of recovery, timeline
 *   up, assigns transaction ids) -> update_model -> director_switchover.
 * failover: the same without the drain; fence_old_primary is best effort (SSH stop when the host
 *   still answers), the old primary is marked fenced in the model either way.
 *
 * Credentials: probes use the member's monitoring role; pg_promote, pg_wal_replay_resume and the
 * verification use the target's admin role (CatalogMember.adminUser / adminPasswordEnc): a
 * superuser, or a role granted EXECUTE on pg_promote and pg_wal_replay_resume.
 */
import type { PrismaClient } from "@prisma/client";
import { audit, bumpModelRevision } from "@/lib/audit";
import { prisma as defaultPrisma, type Tx } from "@/lib/db/client";
import { probeMember } from "@/lib/replication/probes";
import { decryptSecret } from "@/lib/secrets";
import { CATALOG_ONLY_MESSAGE, directorSwitchoverHook, NO_DEPLOY_ENGINE_MESSAGE, type DirectorSwitchoverHook } from "./director";
import { withPg, type PgConn } from "./pg";
import { loadCluster, preflight, type ProbeFn } from "./preflight";
import { hostAccess, pgControlData, pgCtlStart, pgCtlStatus, pgCtlStop, withSsh } from "./remote";
import {
  activeKey,
  isUniqueViolation,
  OWNER,
  registerOperation,
  resumeOperations,
  runOperation,
  type ResumeResult,
  type RunnerDeps,
  type StepContext,
  type StepDef,
} from "./runner";
import type { PlanStep, PreflightResult, PromoteRequest, PromotionMode } from "./types";
import "./reattach";
import "./director-op";

export interface FailoverDeps extends RunnerDeps {
  probe?: ProbeFn;
  /** undefined: the registered hook (lib/failover/director.ts); null: none. */
  directorSwitchover?: DirectorSwitchoverHook | null;
  /** How long wait_replay waits for the target to replay the fenced primary's last record. Default 60 s. */
  replayTimeoutMs?: number;
}

export function failoverDeps(partial: Partial<FailoverDeps> = {}): FailoverDeps {
  return { db: defaultPrisma as PrismaClient, ...partial };
}

type Ctx = StepContext<FailoverDeps>;
type Cluster = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;
type Member = Cluster["members"][number];

export class PromotionRefused extends Error {
  constructor(
    message: string,
    readonly preflight: PreflightResult | null,
    readonly field?: string,
  ) {
    super(message);
    this.name = "PromotionRefused";
  }
}

export class PromotionNotFound extends Error {}

// ---------------------------------------------------------------------------------------------
// helpers

async function members(ctx: Ctx): Promise<{ cluster: Cluster; target: Member; old: Member | null }> {
  const cluster = await loadCluster(ctx.deps.db, ctx.promotion.clusterId);
  if (!cluster) throw new Error(`catalog cluster ${ctx.promotion.clusterId} no longer exists`);
  const target = cluster.members.find((m) => m.id === ctx.promotion.targetMemberId);
  if (!target) throw new Error(`member ${ctx.promotion.targetName} no longer exists`);
  const old = ctx.promotion.oldPrimaryId ? (cluster.members.find((m) => m.id === ctx.promotion.oldPrimaryId) ?? null) : null;
  return { cluster, target, old };
}

export function adminConn(m: Member): PgConn {
  if (!m.adminPasswordEnc) throw new Error(`no admin password stored for ${m.name}`);
  return { host: m.address, port: m.port, user: m.adminUser, password: decryptSecret(m.adminPasswordEnc), database: m.dbName };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const INSERT_TLI = "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int";

// ---------------------------------------------------------------------------------------------
// steps

const stepPreflight: StepDef<FailoverDeps> = {
  name: "preflight",
  async run(ctx) {
    const p = ctx.promotion;
    const pf = await preflight(ctx.deps.db, p.clusterId, p.targetMemberId, { probe: ctx.deps.probe });
    const blockers = pf.checks.filter((c) => !c.ok && c.severity === "blocker" && c.code !== "operation_running");
    const forceables = pf.checks.filter((c) => !c.ok && c.severity === "forceable");
    for (const c of pf.checks) await ctx.log(`${c.ok ? "ok" : c.severity === "blocker" ? "REFUSED" : c.severity === "forceable" ? "over limit" : "note"}: ${c.message}`);
    if (blockers.length) throw new Error(blockers.map((b) => b.message).join("; "));
    if (pf.mode !== p.mode) throw new Error(`the situation changed: the preflight now says ${pf.mode ?? "undecidable"}, the request was ${p.mode}`);
    if (forceables.length && !p.forced) throw new Error(forceables.map((b) => b.message).join("; "));
    if (forceables.length) await ctx.log(`forced by ${p.actor}: ${p.forceReason}`);
    ctx.state.targetTimelineBefore = pf.target?.timeline ?? null;
    ctx.state.primaryTimeline = pf.oldPrimary?.timeline ?? null;
    ctx.state.lagBytesAtStart = pf.lag.bytes;
  },
};

const stepFenceSwitchover: StepDef<FailoverDeps> = {
  name: "fence_old_primary",
  async run(ctx) {
    const { old } = await members(ctx);
    if (!old) throw new Error("switchover without an old primary");
    const a = hostAccess(old);
    if (!a.ok) throw new Error(a.reason);
    await withSsh(a.access, async (sh) => {
      const st = await pgCtlStatus(sh, old.pgBinDir, a.dataDir);
      ctx.state.oldPrimaryWasRunning = st === "running";
      ctx.state.fencedByUs = true;
      await ctx.saveState();
      if (st === "running") {
        const t0 = Date.now();
        await ctx.log(`pg_ctl stop -D ${a.dataDir} -m fast on ${a.access.hostName} as ${a.access.username}`);
        await pgCtlStop(sh, old.pgBinDir, a.dataDir, "fast");
        ctx.state.fenceStopMs = Date.now() - t0;
        await ctx.log(`${old.name} stopped in ${ctx.state.fenceStopMs} ms`);
      } else {
        await ctx.log(`${old.name} was already stopped`);
      }
      const cd = await pgControlData(sh, old.pgBinDir, a.dataDir);
      if (cd.state !== "shut down") throw new Error(`${old.name}'s cluster state is "${cd.state}", not "shut down": its last WAL position is unknown`);
      if (!cd.checkpointLsn) throw new Error("pg_controldata shows no checkpoint location");
      ctx.state.fencedLsn = cd.checkpointLsn;
      ctx.state.fencedTimeline = cd.checkpointTimeline;
      await ctx.log(`last record of ${old.name}: shutdown checkpoint at ${cd.checkpointLsn} on timeline ${cd.checkpointTimeline}`);
    });
  },
};

const stepFenceFailover: StepDef<FailoverDeps> = {
  name: "fence_old_primary",
  async run(ctx) {
    const { old } = await members(ctx);
    if (!old) {
      await ctx.log("no old primary in the model: nothing to fence");
      return "skipped";
    }
    const a = hostAccess(old);
    if (!a.ok) {
      await ctx.log(`not fenced over SSH (${a.reason}); ${old.name} will be marked fenced in the model: keep it down`);
      return "skipped";
    }
    try {
      await withSsh(
        a.access,
        async (sh) => {
          const st = await pgCtlStatus(sh, old.pgBinDir, a.dataDir);
          if (st === "running") {
            await ctx.log(`${old.name} still runs although PostgreSQL does not answer us: pg_ctl stop -m fast`);
            await pgCtlStop(sh, old.pgBinDir, a.dataDir, "fast");
            await ctx.log(`${old.name} stopped`);
          } else {
            await ctx.log(`${old.name}'s host answers over SSH: PostgreSQL is confirmed stopped`);
          }
          ctx.state.oldPrimaryConfirmedDown = true;
        },
        { connectTimeoutMs: 8000 },
      );
    } catch (err) {
      await ctx.log(`cannot reach ${a.access.hostName} over SSH (${(err as Error).message}): not fenced; it is marked fenced in the model: keep it down`);
      return "skipped";
    }
  },
};

const stepWaitReplay: StepDef<FailoverDeps> = {
  name: "wait_replay",
  async run(ctx) {
    const { target } = await members(ctx);
    const lsn = String(ctx.state.fencedLsn ?? "");
    if (!lsn) throw new Error("no fenced LSN recorded");
    const timeoutMs = ctx.deps.replayTimeoutMs ?? 60_000;
    const t0 = Date.now();
    await withPg(
      adminConn(target),
      async (q) => {
        const [st] = await q("SELECT pg_is_in_recovery() AS rec, pg_is_wal_replay_paused() AS paused");
        if (st.rec !== true) throw new Error(`${target.name} left recovery on its own: refusing to continue`);
        if (st.paused === true) {
          await q("SELECT pg_wal_replay_resume()");
          await ctx.log("WAL replay was paused: resumed");
        }
        let lastHb = Date.now();
        for (;;) {
          const [r] = await q(
            "SELECT pg_last_wal_replay_lsn()::text AS replay, pg_last_wal_receive_lsn()::text AS receive, pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn)::float8 AS ahead",
            [lsn],
          );
          if (r.ahead !== null && Number(r.ahead) > 0) {
            ctx.state.replayedLsn = r.replay;
            ctx.state.waitReplayMs = Date.now() - t0;
            await ctx.log(`${target.name} replayed up to ${r.replay}, past ${lsn} (${ctx.state.waitReplayMs} ms)`);
            return;
          }
          if (Date.now() - t0 > timeoutMs) {
            throw new Error(`${target.name} did not replay past ${lsn} within ${timeoutMs} ms (replayed ${r.replay}, received ${r.receive})`);
          }
          if (Date.now() - lastHb > 2000) {
            lastHb = Date.now();
            await ctx.saveState();
          }
          await sleep(25);
        }
      },
      { statementTimeoutMs: timeoutMs + 5000 },
    );
  },
};

const stepPromote: StepDef<FailoverDeps> = {
  name: "promote",
  async run(ctx) {
    const { target } = await members(ctx);
    await withPg(
      adminConn(target),
      async (q) => {
        const [st] = await q("SELECT pg_is_in_recovery() AS rec");
        if (st.rec !== true) {
          await ctx.log(`${target.name} is already out of recovery (promoted before an interruption)`);
          return;
        }
        ctx.state.promoteStartedAt = Date.now();
        await ctx.saveState();
        await ctx.log(`SELECT pg_promote(true, 60) on ${target.name} as ${target.adminUser}`);
        const t0 = performance.now();
        const [r] = await q("SELECT pg_promote(true, 60) AS ok");
        const ms = performance.now() - t0;
        if (r.ok !== true) throw new Error("pg_promote returned false: not promoted within 60 s");
        ctx.state.pgPromoteMs = Math.round(ms * 10) / 10;
        await ctx.log(`pg_promote returned true in ${ctx.state.pgPromoteMs} ms`);
      },
      { statementTimeoutMs: 75_000 },
    );
  },
};

const stepVerify: StepDef<FailoverDeps> = {
  name: "verify",
  async run(ctx) {
    const { target } = await members(ctx);
    const before = ctx.state.targetTimelineBefore as number | null | undefined;
    const r = await withPg(adminConn(target), async (q) => {
      const [row] = await q(`SELECT pg_is_in_recovery() AS rec, ${INSERT_TLI} AS tli, pg_current_wal_lsn()::text AS lsn`);
      if (row.rec !== false) throw new Error(`${target.name} is still in recovery`);
      const [x] = await q("SELECT pg_current_xact_id()::text AS xid");
      return { tli: Number(row.tli), lsn: String(row.lsn), xid: String(x.xid) };
    });
    ctx.state.writableAt = Date.now();
    if (typeof before === "number" && !(r.tli > before)) throw new Error(`${target.name} is out of recovery but still on timeline ${r.tli} (was ${before})`);
    ctx.state.newTimeline = r.tli;
    await ctx.log(`${target.name} is a primary on timeline ${r.tli}${typeof before === "number" ? ` (was ${before})` : ""}, at ${r.lsn}, writable (assigned xid ${r.xid})`);
  },
};

const stepUpdateModel: StepDef<FailoverDeps> = {
  name: "update_model",
  async run(ctx) {
    const { cluster, target, old } = await members(ctx);
    const actor = ctx.promotion.actor;
    const changed = await ctx.deps.db.$transaction(async (tx) => {
      const others = cluster.members.filter((m) => m.role === "primary" && m.id !== target.id);
      for (const m of others) {
        await tx.catalogMember.update({ where: { id: m.id }, data: { role: "standby", fenced: true } });
        await audit({ actor, action: "update", entityType: "catalog-members", entityId: m.id, entityName: m.name, before: { role: m.role, fenced: m.fenced }, after: { role: "standby", fenced: true } }, tx);
      }
      if (old && !others.some((m) => m.id === old.id) && !old.fenced) {
        await tx.catalogMember.update({ where: { id: old.id }, data: { fenced: true } });
      }
      await tx.catalogMember.update({ where: { id: target.id }, data: { role: "primary", fenced: false } });
      await audit({ actor, action: "update", entityType: "catalog-members", entityId: target.id, entityName: target.name, before: { role: target.role }, after: { role: "primary" } }, tx);
      const catalogs = cluster.catalogs.filter((c) => c.dbAddress !== target.address || c.dbPort !== target.port);
      for (const c of catalogs) {
        await tx.catalog.update({ where: { id: c.id }, data: { dbAddress: target.address, dbPort: target.port } });
        await audit({ actor, action: "update", entityType: "catalogs", entityId: c.id, entityName: c.name, before: { dbAddress: c.dbAddress, dbPort: c.dbPort }, after: { dbAddress: target.address, dbPort: target.port } }, tx);
      }
      await bumpModelRevision(tx);
      return { fenced: others.map((m) => m.name), catalogs: catalogs.map((c) => c.name) };
    });
    ctx.state.catalogsRepointed = cluster.catalogs.map((c) => c.id);
    await ctx.log(`${target.name} is the primary in the model; ${old ? `${old.name} is a fenced standby` : "no old primary"}`);
    await ctx.log(
      cluster.catalogs.length
        ? `Catalogs ${cluster.catalogs.map((c) => c.name).join(", ")} point at ${target.address}:${target.port}${changed.catalogs.length ? "" : " (already)"}`
        : "no Catalog uses this cluster",
    );
  },
};

const stepDirector: StepDef<FailoverDeps> = {
  name: "director_switchover",
  async run(ctx) {
    if (ctx.state.scope !== "site") {
      await ctx.log(CATALOG_ONLY_MESSAGE);
      ctx.state.directorSwitchover = "catalog_only";
      return "skipped";
    }
    const hook = ctx.deps.directorSwitchover === undefined ? directorSwitchoverHook() : ctx.deps.directorSwitchover;
    if (!hook) {
      await ctx.log(NO_DEPLOY_ENGINE_MESSAGE);
      ctx.state.directorSwitchover = "not_configured";
      return "skipped";
    }
    const { cluster, target } = await members(ctx);
    const res = await hook({
      promotionId: ctx.promotion.id,
      clusterId: cluster.id,
      clusterName: cluster.name,
      mode: ctx.promotion.mode as PromotionMode,
      actor: ctx.promotion.actor,
      newPrimary: { memberId: target.id, name: target.name, address: target.address, port: target.port },
      catalogs: cluster.catalogs.map((c) => ({ id: c.id, name: c.name, directorId: c.directorId, directorName: c.director.name, directorRole: c.director.role })),
      log: (l) => ctx.log(l),
      state: ctx.state,
      saveState: () => ctx.saveState(),
    });
    await ctx.log(res.message);
    ctx.state.directorSwitchover = res.status;
    return res.status === "skipped" ? "skipped" : "ok";
  },
};

export function promotionSteps(mode: string): StepDef<FailoverDeps>[] {
  return mode === "failover"
    ? [stepPreflight, stepFenceFailover, stepPromote, stepVerify, stepUpdateModel, stepDirector]
    : [stepPreflight, stepFenceSwitchover, stepWaitReplay, stepPromote, stepVerify, stepUpdateModel, stepDirector];
}

async function rollbackPromotion(ctx: Ctx): Promise<string> {
  if (ctx.promotion.mode !== "switchover" || !ctx.state.fencedByUs) return "nothing to undo: nothing was changed";
  if (ctx.state.oldPrimaryWasRunning === false) return "nothing to undo: the old primary was already stopped before the fence";
  const { old } = await members(ctx);
  if (!old) return "nothing to undo";
  const a = hostAccess(old);
  if (!a.ok) throw new Error(`cannot restart ${old.name}: ${a.reason}`);
  return withSsh(a.access, async (sh) => {
    const st = await pgCtlStatus(sh, old.pgBinDir, a.dataDir);
    if (st === "running") return `${old.name} is running: nothing to undo`;
    await pgCtlStart(sh, old.pgBinDir, a.dataDir);
    ctx.state.oldPrimaryRestarted = true;
    return `${old.name} started again (pg_ctl start): it is the primary, the target was not promoted`;
  });
}

registerOperation<FailoverDeps>("promote", {
  steps: (p) => promotionSteps(p.mode),
  pointOfNoReturn: "promote",
  rollback: rollbackPromotion,
});

// ---------------------------------------------------------------------------------------------
// entry points

export type StartResult =
  | { kind: "dry_run"; preflight: PreflightResult; plan: PlanStep[] }
  | { kind: "started"; id: number }
  | { kind: "existing"; id: number };

async function runningFor(db: PrismaClient, clusterId: number): Promise<number | null> {
  const r = await db.promotion.findFirst({ where: { clusterId, status: "running" }, select: { id: true } });
  return r?.id ?? null;
}

/**
 * Validates a promote request against a fresh preflight, persists the promotion and its steps
 * (one per cluster, enforced by the database) and starts it in the background. A request while
 * another operation runs on the cluster gets that one ({kind: "existing"}).
 * Throws PromotionRefused (nothing changed) or PromotionNotFound.
 */
export async function startPromotion(
  deps: FailoverDeps,
  clusterId: number,
  req: PromoteRequest,
  who: { actor: string; ip?: string | null },
  opts: { background?: boolean } = {},
): Promise<StartResult> {
  const db = deps.db;
  const existing = await runningFor(db, clusterId);
  if (existing !== null && !req.dryRun) return { kind: "existing", id: existing };
  let pf: PreflightResult;
  try {
    pf = await preflight(db, clusterId, req.targetMemberId, { probe: deps.probe });
  } catch (e) {
    throw new PromotionNotFound((e as Error).message);
  }
  if (req.scope === "site") {
    // The Director half must be possible before the catalog's point of no return is crossed.
    const { directorPreflight } = await import("./director-deploy");
    const targetRow = await db.catalogMember.findUnique({ where: { id: req.targetMemberId }, select: { hostId: true } });
    const dpf = await directorPreflight(db, clusterId, { preferHostId: targetRow?.hostId ?? null });
    pf = { ...pf, checks: [...pf.checks, ...dpf.checks], allowed: pf.allowed && dpf.allowed, forceable: pf.forceable && dpf.allowed };
    pf.plan = [...pf.plan.filter((s) => s.name !== "director_switchover"), { name: "director_switchover", description: "stop the old Director, swap the roles, deploy and start the standby site's Director, verify it answers and reaches the catalog" }];
  }
  if (req.dryRun) return { kind: "dry_run", preflight: pf, plan: pf.plan };
  const blockers = pf.checks.filter((c) => !c.ok && c.severity === "blocker");
  if (blockers.length) {
    const now = await runningFor(db, clusterId);
    if (now !== null) return { kind: "existing", id: now };
    const field = blockers.every((b) => b.code.startsWith("director") || b.code.startsWith("old_director")) ? "scope" : undefined;
    throw new PromotionRefused(`Promotion refused: ${blockers.map((b) => b.message).join("; ")}`, pf, field);
  }
  if (pf.mode !== req.mode) {
    throw new PromotionRefused(`The preflight says ${pf.mode ?? "undecidable"}, the request says ${req.mode}: check again`, pf, "mode");
  }
  if (pf.mode === "failover" && req.confirmClusterName !== pf.clusterName) {
    throw new PromotionRefused(`Failover: type the cluster name "${pf.clusterName}" to confirm`, pf, "confirmClusterName");
  }
  if (pf.forceable && !pf.allowed) {
    if (!req.force) throw new PromotionRefused(`Promotion refused: ${pf.checks.filter((c) => !c.ok).map((c) => c.message).join("; ")}`, pf, "force");
    if (!req.forceReason || req.forceReason.trim().length < 10) {
      throw new PromotionRefused("Forcing needs a typed reason (at least 10 characters)", pf, "forceReason");
    }
  }
  const cluster = (await loadCluster(db, clusterId))!;
  const old = cluster.members.find((m) => m.role === "primary" && m.id !== req.targetMemberId) ?? null;
  const target = cluster.members.find((m) => m.id === req.targetMemberId)!;
  const steps = promotionSteps(pf.mode);
  let id: number;
  try {
    const row = await db.promotion.create({
      data: {
        clusterId,
        kind: "promote",
        mode: pf.mode,
        status: "running",
        activeKey: activeKey(clusterId),
        targetMemberId: target.id,
        targetName: target.name,
        oldPrimaryId: old?.id ?? null,
        oldPrimaryName: old?.name ?? null,
        actor: who.actor,
        forced: !pf.allowed && !!req.force,
        forceReason: !pf.allowed && req.force ? (req.forceReason ?? null) : null,
        preflight: JSON.parse(JSON.stringify(pf)),
        lastKnownLagBytes: pf.lag.bytes,
        state: { requestedAt: Date.now(), scope: req.scope ?? "catalog" },
        owner: OWNER,
        heartbeatAt: new Date(),
        steps: { create: steps.map((s, i) => ({ position: i, name: s.name, status: "pending" })) },
      },
    });
    id = row.id;
  } catch (err) {
    if (isUniqueViolation(err)) {
      const now = await runningFor(db, clusterId);
      if (now !== null) return { kind: "existing", id: now };
    }
    throw err;
  }
  await audit({
    actor: who.actor,
    action: "promotion.requested",
    entityType: "catalog-cluster",
    entityId: clusterId,
    entityName: cluster.name,
    after: { promotionId: id, mode: pf.mode, scope: req.scope ?? "catalog", target: target.name, oldPrimary: old?.name ?? null, forced: !pf.allowed, forceReason: req.forceReason ?? null, lagBytes: pf.lag.bytes },
    ip: who.ip ?? null,
  }, db as unknown as Tx);
  if (opts.background !== false) {
    void runOperation(deps, id).catch((err) => console.error(`promotion ${id} crashed`, err));
  }
  return { kind: "started", id };
}

export { runOperation };

/** At startup: take over operations a dead process left running (roll back or forward). */
export async function resumeInterrupted(deps: FailoverDeps = failoverDeps()): Promise<ResumeResult[]> {
  return resumeOperations(deps);
}

export { probeMember };
