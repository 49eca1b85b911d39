/**
 * Guarded standby promotion: the state machine (steps persisted through ./runner.ts).
 *
 * The request answers at once (202): startPromotion() checks only what the request itself must
 * carry (the typed cluster name of a failover, the reasons of a force or of "promote without
 * fencing"), creates the operation and runs it in the background. Its first step is the full
 * preflight (./preflight.ts): a failing check ends the operation "refused", nothing changed.
 *
 * switchover: preflight -> fence_old_primary (./fence.ts over SSH: standby.signal + primary_conninfo
 *   towards the target written in the old primary's data directory, then pg_ctl stop -m fast,
 *   escalating, bounded; pg_controldata: the shutdown checkpoint's LSN is the last WAL record the
 *   old primary wrote) -> wait_replay (the target's replay LSN passes that record: every committed
 *   transaction is on the target) -> promote (pg_promote(true, 60)) -> verify (out of recovery,
 *   timeline up, assigns transaction ids) -> update_model -> director_switchover.
 * failover: the same without the drain; the fence is the same (a frozen primary is SIGKILLed);
 *   where it cannot be fenced the failover is refused unless the admin confirmed "promote without
 *   fencing" with a typed reason, and the old primary is then NOT FENCED in the model.
 *
 * Point of no return: pg_promote — where PostgreSQL says it is. When pg_promote was never sent,
 * or raised an error while the target is still in recovery, the rollback runs: the old primary's
 * fence files are removed and it is started again; the model is unchanged.
 *
 * Credentials: probes use the member's monitoring role; pg_promote, pg_wal_replay_resume and the
 * verification use the target's admin role (CatalogMember.adminUser / adminPasswordEnc): a
 * superuser, or a role granted EXECUTE on pg_promote and pg_wal_replay_resume in that database.
 */
import type { PrismaClient } from "@prisma/client";
import { audit, bumpModelRevision } from "@/lib/audit";
import { prisma as defaultPrisma } from "@/lib/db/client";
import { probeMember } from "@/lib/replication/probes";
import { CATALOG_ONLY_MESSAGE, directorSwitchoverHook, NO_DEPLOY_ENGINE_MESSAGE, type DirectorSwitchoverHook } from "./director";
import { FailoverNotFound, RequestRefused, StepRefused } from "./errors";
import { fence, fenceNote, unmark, type FenceReport } from "./fence";
import { openPg, parseConninfo, sqlState } from "./pg";
import { adminConnOf, adminSession, loadCluster, preflight, type ProbeFn } from "./preflight";
import { hostAccess, pgCtlStart, pgCtlStatus, sessionShell } from "./remote";
import type { OperationSession } from "./session";
import { registerOperation, resumeOperations, runOperation, startOperation, type ResumeResult, type RunnerDeps, type StepContext, type StepDef } from "./runner";
import type { PlanStep, PreflightResult, PromoteRequest, PromotionMode } from "./types";
import "./reattach";
import "./director-op";
import "./drill";
import "./fence-op";

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const INSERT_TLI = "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int";

// ---------------------------------------------------------------------------------------------
// steps

const stepPreflight: StepDef<FailoverDeps> = {
  name: "preflight",
  async run(ctx) {
    const p = ctx.promotion;
    let pf = await preflight(ctx.deps.db, p.clusterId, p.targetMemberId, { probe: ctx.deps.probe, session: ctx.session });
    if (ctx.state.scope === "site") {
      // The Director half must be possible before the catalog's point of no return is crossed.
      const { directorPreflight } = await import("./director-deploy");
      const target = await ctx.deps.db.catalogMember.findUnique({ where: { id: p.targetMemberId }, select: { hostId: true } });
      const dpf = await directorPreflight(ctx.deps.db, p.clusterId, { preferHostId: target?.hostId ?? null });
      pf = { ...pf, checks: [...pf.checks, ...dpf.checks], allowed: pf.allowed && dpf.allowed };
    }
    ctx.setColumns({ preflight: pf, lastKnownLagBytes: pf.lag.bytes });
    for (const c of pf.checks) {
      const tag = c.ok ? (c.severity === "warning" ? "note" : "ok") : c.severity === "forceable" ? "over limit" : c.severity === "unfenced" ? "CANNOT FENCE" : "REFUSED";
      await ctx.log(`${tag}: ${c.message}${!c.ok && c.fix ? ` — fix: ${c.fix}` : ""}`);
    }
    const failed = (sev: string) => pf.checks.filter((c) => !c.ok && c.severity === sev && c.code !== "operation_running");
    const blockers = failed("blocker");
    if (blockers.length) throw new StepRefused(`${blockers.map((b) => b.message).join("; ")} (what promotion needs: ${pf.docs})`, blockers);
    if (pf.mode !== p.mode) throw new StepRefused(`the preflight says ${pf.mode ?? "undecidable"}, the request says ${p.mode}: check again`);
    const forceables = failed("forceable");
    if (forceables.length && !p.forced) throw new StepRefused(`${forceables.map((b) => b.message).join("; ")}: force with a typed reason to go on`, forceables);
    if (forceables.length) await ctx.log(`forced by ${p.actor}: ${p.forceReason}`);
    const unfenced = failed("unfenced");
    if (unfenced.length && !p.unfenced) {
      throw new StepRefused(`${pf.oldPrimary?.name ?? "the old primary"} cannot be fenced (${unfenced.map((c) => c.message).join("; ")}): refused; to fail over anyway, confirm "promote without fencing" with a typed reason`, unfenced);
    }
    if (unfenced.length) await ctx.log(`PROMOTE WITHOUT FENCING confirmed by ${p.actor}: ${p.unfencedReason}`);
    ctx.state.targetTimelineBefore = pf.target?.timeline ?? null;
    ctx.state.primaryTimeline = pf.oldPrimary?.timeline ?? null;
    ctx.state.lagBytesAtStart = pf.lag.bytes;
    ctx.state.fencePossible = pf.fence.possible;
    // Whether a server ran in the old primary's data directory (pg_ctl status): a rollback starts it again.
    ctx.state.oldPrimaryRunningAtPreflight = pf.fence.running;
    ctx.state.preflightDoneAt = Date.now();
  },
};

/** Replication credentials of the target's own primary_conninfo (kept in memory only: they hold a password). */
async function targetConninfoPairs(ctx: Ctx, target: Member): Promise<Array<[string, string]> | null> {
  try {
    const s = await adminSession(ctx.session, target);
    const [r] = await s.q("SELECT CASE WHEN r.rolsuper OR pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') THEN current_setting('primary_conninfo') END AS c FROM pg_roles r WHERE r.rolname = current_user", [], { timeoutMs: 3000 });
    const c = typeof r?.c === "string" ? r.c.trim() : "";
    return c ? parseConninfo(c) : null;
  } catch {
    return null;
  }
}

async function runFence(ctx: Ctx, old: Member, target: Member, cluster: Cluster, mode: PromotionMode): Promise<FenceReport | { notConfigured: string }> {
  const a = hostAccess(old);
  if (!a.ok) return { notConfigured: a.reason };
  const pairs = await targetConninfoPairs(ctx, target);
  ctx.state.fenceBackupTag = String(ctx.promotion.id);
  const report = await fence(
    { memberName: old.name, access: a.access, dataDir: a.dataDir, pgBinDir: old.pgBinDir },
    {
      session: ctx.session,
      budgetMs: cluster.fenceTimeoutMs,
      newPrimary: { host: target.address, port: target.port },
      conninfoPairs: pairs,
      applicationName: old.name,
      backupTag: String(ctx.promotion.id),
      requireMarkBeforeStop: mode === "switchover",
      readControlData: mode === "switchover",
      note: `fenced by bacula-ha dashboard, operation #${ctx.promotion.id} (${mode} to ${target.name}), ${new Date().toISOString()}: comes back only as a standby of ${target.name}`,
      log: (l) => ctx.log(l),
      beforeChange: async () => {
        // From here on a rollback must undo the fence on that host (even after an app crash).
        ctx.state.fenceStarted = true;
        await ctx.saveState();
      },
    },
  );
  ctx.state.fence = { ...report, controlData: report.controlData };
  ctx.state.fenceMarked = report.marked;
  ctx.state.oldPrimaryWasRunning = report.wasRunning;
  ctx.state.fencedByUs = report.stopped && report.wasRunning === true;
  ctx.state.fenceStopMs = report.steps.filter((s) => s.step === "fast" || s.step === "immediate" || s.step === "kill").reduce((n, s) => n + s.ms, 0);
  ctx.state.fenceMs = report.totalMs;
  ctx.state.fenced = report.fenced;
  return report;
}

const stepFenceSwitchover: StepDef<FailoverDeps> = {
  name: "fence_old_primary",
  async run(ctx) {
    const { cluster, target, old } = await members(ctx);
    if (!old) throw new Error("switchover without an old primary");
    const r = await runFence(ctx, old, target, cluster, "switchover");
    if ("notConfigured" in r) throw new Error(`${old.name} cannot be fenced: ${r.notConfigured}`);
    if (!r.fenced) throw new Error(`${old.name} could not be fenced: ${r.error}`);
    const cd = r.controlData;
    if (!cd) throw new Error(`pg_controldata of ${old.name} could not be read: its last WAL position is unknown`);
    if (cd.state !== "shut down") {
      throw new Error(`${old.name} was stopped by ${r.stoppedBy === "kill" ? "SIGKILL" : `pg_ctl stop -m ${r.stoppedBy}`}, not cleanly (cluster state "${cd.state}"): its last WAL record is unknown, a switchover cannot prove nothing is lost`);
    }
    if (!cd.checkpointLsn) throw new Error("pg_controldata shows no checkpoint location");
    ctx.state.fencedLsn = cd.checkpointLsn;
    ctx.state.fencedTimeline = cd.checkpointTimeline;
    await ctx.log(`last record of ${old.name}: shutdown checkpoint at ${cd.checkpointLsn} on timeline ${cd.checkpointTimeline}`);
  },
};

const stepFenceFailover: StepDef<FailoverDeps> = {
  name: "fence_old_primary",
  async run(ctx) {
    const { cluster, target, old } = await members(ctx);
    if (!old) {
      await ctx.log("no old primary in the model: nothing to fence");
      return "skipped";
    }
    const r = await runFence(ctx, old, target, cluster, "failover");
    if (!("notConfigured" in r) && r.fenced) return;
    const why = "notConfigured" in r ? `no SSH access: ${r.notConfigured}` : (r.error ?? "not fenced");
    ctx.state.fenced = false;
    ctx.state.notFencedReason = why;
    if (!ctx.promotion.unfenced) {
      // The preflight said it could be fenced, but it could not: refused, rolled back.
      throw new Error(`${old.name} could not be fenced (${why}); a failover without fencing needs an admin's confirmation ("promote without fencing") with a typed reason`);
    }
    await ctx.log(`${old.name} is NOT FENCED (${why}); going on: "promote without fencing" confirmed by ${ctx.promotion.actor}: ${ctx.promotion.unfencedReason}`);
    return "skipped";
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
    const s = await adminSession(ctx.session, target);
    const [st] = await s.q("SELECT pg_is_in_recovery() AS rec, pg_is_wal_replay_paused() AS paused");
    if (st.rec !== true) throw new Error(`${target.name} left recovery on its own: refusing to continue`);
    if (st.paused === true) {
      await s.q("SELECT pg_wal_replay_resume()");
      await ctx.log("WAL replay was paused: resumed");
    }
    let lastHb = Date.now();
    for (;;) {
      const [r] = await s.q(
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
      await sleep(5);
    }
  },
};

const stepPromote: StepDef<FailoverDeps> = {
  name: "promote",
  async run(ctx) {
    const { target } = await members(ctx);
    const s = await adminSession(ctx.session, target);
    const [st] = await s.q("SELECT pg_is_in_recovery() AS rec");
    if (st.rec !== true) {
      await ctx.log(`${target.name} is already out of recovery (promoted before an interruption)`);
      return;
    }
    ctx.state.promoteStartedAt = Date.now();
    ctx.state.promoteCalled = true;
    await ctx.saveState();
    await ctx.log(`SELECT pg_promote(true, 60) on ${target.name} as ${target.adminUser}`);
    const t0 = performance.now();
    let ok: unknown;
    try {
      [{ ok }] = await s.q("SELECT pg_promote(true, 60) AS ok", [], { timeoutMs: 75_000 });
    } catch (err) {
      ctx.state.promoteOutcome = sqlState(err) ? "error" : "unknown";
      ctx.state.promoteError = err instanceof Error ? err.message : String(err);
      throw err;
    }
    const ms = performance.now() - t0;
    ctx.state.pgPromoteReturnedAt = Date.now();
    if (ok !== true) {
      ctx.state.promoteOutcome = "false";
      throw new Error("pg_promote returned false: not promoted within 60 s (the promotion may still complete)");
    }
    ctx.state.promoteOutcome = "ok";
    ctx.state.pgPromoteMs = Math.round(ms * 10) / 10;
    await ctx.log(`pg_promote returned true in ${ctx.state.pgPromoteMs} ms`);
  },
};

const stepVerify: StepDef<FailoverDeps> = {
  name: "verify",
  async run(ctx) {
    const { target } = await members(ctx);
    const before = ctx.state.targetTimelineBefore as number | null | undefined;
    const s = await adminSession(ctx.session, target);
    const [row] = await s.q(`SELECT pg_is_in_recovery() AS rec, ${INSERT_TLI} AS tli, pg_current_wal_lsn()::text AS lsn`);
    if (row.rec !== false) throw new Error(`${target.name} is still in recovery`);
    const [x] = await s.q("SELECT pg_current_xact_id()::text AS xid");
    const r = { tli: Number(row.tli), lsn: String(row.lsn), xid: String(x.xid) };
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
    const report = (ctx.state.fence ?? null) as FenceReport | null;
    const fenced = ctx.state.fenced === true;
    const note = report ? fenceNote(report, ctx.promotion.id) : `NOT FENCED (operation #${ctx.promotion.id}): ${String(ctx.state.notFencedReason ?? "no SSH access to its host")}`;
    const changed = await ctx.deps.db.$transaction(async (tx) => {
      const others = cluster.members.filter((m) => m.role === "primary" && m.id !== target.id);
      for (const m of others) {
        const isOld = m.id === old?.id;
        const data = {
          role: "standby",
          fenced: true,
          fenceState: isOld && fenced ? "fenced" : "not_fenced",
          fencedAt: isOld && fenced ? new Date(report?.at ?? Date.now()) : null,
          fenceNote: isOld ? note : `NOT FENCED: demoted by operation #${ctx.promotion.id} without SSH fencing (not the primary this operation replaced)`,
          fenceOperationId: ctx.promotion.id,
        };
        await tx.catalogMember.update({ where: { id: m.id }, data });
        await audit({ actor, action: "update", entityType: "catalog-members", entityId: m.id, entityName: m.name, before: { role: m.role, fenced: m.fenced, fenceState: m.fenceState }, after: { role: data.role, fenced: true, fenceState: data.fenceState, fenceNote: data.fenceNote } }, tx);
      }
      if (old && !others.some((m) => m.id === old.id) && !old.fenced) {
        await tx.catalogMember.update({ where: { id: old.id }, data: { fenced: true, fenceState: fenced ? "fenced" : "not_fenced", fenceNote: note, fencedAt: fenced ? new Date() : null, fenceOperationId: ctx.promotion.id } });
      }
      await tx.catalogMember.update({ where: { id: target.id }, data: { role: "primary", fenced: false, fenceState: "none", fenceNote: null, fencedAt: null } });
      await audit({ actor, action: "update", entityType: "catalog-members", entityId: target.id, entityName: target.name, before: { role: target.role }, after: { role: "primary" } }, tx);
      const catalogs = cluster.catalogs.filter((c) => c.dbAddress !== target.address || c.dbPort !== target.port);
      for (const c of catalogs) {
        await tx.catalog.update({ where: { id: c.id }, data: { dbAddress: target.address, dbPort: target.port } });
        await audit({ actor, action: "update", entityType: "catalogs", entityId: c.id, entityName: c.name, before: { dbAddress: c.dbAddress, dbPort: c.dbPort }, after: { dbAddress: target.address, dbPort: target.port } }, tx);
      }
      await bumpModelRevision(tx);
      return { catalogs: catalogs.map((c) => c.name) };
    });
    ctx.state.catalogsRepointed = cluster.catalogs.map((c) => c.id);
    await ctx.log(`${target.name} is the primary in the model; ${old ? `${old.name} is a ${fenced ? "fenced standby" : "standby, NOT FENCED"}` : "no old primary"}`);
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

/** Undo the fence: remove standby.signal, restore postgresql.auto.conf, start the old primary again if we stopped it. */
async function rollbackPromotion(ctx: Ctx): Promise<string> {
  if (!ctx.state.fenceStarted) return "nothing to undo: nothing was changed";
  const { old } = await members(ctx);
  if (!old) return "nothing to undo";
  const a = hostAccess(old);
  if (!a.ok) throw new Error(`cannot restore ${old.name}: ${a.reason}`);
  const sh = await sessionShell(ctx.session, a.access, { connectTimeoutMs: 10_000 });
  const done: string[] = [];
  // Unmark whether or not the fence got to record it (an app crash right after the fence): idempotent.
  await unmark(sh, a.dataDir, String(ctx.state.fenceBackupTag ?? ctx.promotion.id));
  ctx.state.fenceMarked = false;
  done.push(`standby.signal removed and postgresql.auto.conf restored on ${old.name}`);
  const st = await pgCtlStatus(sh, old.pgBinDir, a.dataDir);
  const wasRunning = ctx.state.oldPrimaryWasRunning ?? ctx.state.oldPrimaryRunningAtPreflight ?? ctx.promotion.mode === "switchover";
  if (st === "running") {
    done.push(`${old.name} runs: it stays the primary`);
  } else if (wasRunning === true) {
    await pgCtlStart(sh, old.pgBinDir, a.dataDir);
    ctx.state.oldPrimaryRestarted = true;
    done.push(`${old.name} started again (pg_ctl start)`);
  } else {
    done.push(`${old.name} was not running before the fence: left stopped`);
  }
  if (ctx.state.oldPrimaryRestarted) {
    const conn = adminConnOf(old);
    if (conn.ok) {
      const s = await openPg(conn.conn, { connectTimeoutMs: 5000 }).catch(() => null);
      if (s) {
        try {
          const [r] = await s.q("SELECT pg_is_in_recovery() AS rec");
          done.push(r.rec === false ? `${old.name} is writable again (out of recovery)` : `WARNING: ${old.name} came back in recovery`);
        } finally {
          await s.close();
        }
      }
    }
  }
  return `${done.join("; ")}; the target was not promoted, the model is unchanged`;
}

/** pg_promote failed: PostgreSQL says whether anything happened. */
async function canRollBackPromote(ctx: Ctx): Promise<boolean> {
  if (!ctx.state.promoteCalled) {
    await ctx.log("pg_promote was never sent: the promotion did not happen, rolling back");
    return true;
  }
  if (ctx.state.promoteOutcome !== "error") {
    await ctx.log(`pg_promote ${ctx.state.promoteOutcome === "false" ? "returned false (it may still complete)" : "gave no answer"}: not rolled back`);
    return false;
  }
  const { target } = await members(ctx);
  const conn = adminConnOf(target);
  if (!conn.ok) return false;
  const s = await openPg(conn.conn, { connectTimeoutMs: 5000 });
  try {
    const [r] = await s.q("SELECT pg_is_in_recovery() AS rec");
    if (r.rec === true) {
      await ctx.log(`pg_promote raised an error and ${target.name} is still in recovery (PostgreSQL says it was not promoted): rolling back`);
      return true;
    }
    await ctx.log(`${target.name} is out of recovery: past the point of no return`);
    return false;
  } finally {
    await s.close();
  }
}

registerOperation<FailoverDeps>("promote", {
  steps: (p) => promotionSteps(p.mode),
  pointOfNoReturn: "promote",
  rollback: rollbackPromotion,
  canRollBackFailedPointOfNoReturn: canRollBackPromote,
});

// ---------------------------------------------------------------------------------------------
// entry points

export type StartResult = { kind: "dry_run"; preflight: PreflightResult; plan: PlanStep[] } | { kind: "started"; id: number };

/** A dry run: the preflight (and, for a site promotion, the Director's), nothing written. */
async function dryRun(deps: FailoverDeps, clusterId: number, req: PromoteRequest): Promise<StartResult> {
  let pf = await preflight(deps.db, clusterId, req.targetMemberId, { probe: deps.probe });
  if (req.scope === "site") {
    const { directorPreflight } = await import("./director-deploy");
    const targetRow = await deps.db.catalogMember.findUnique({ where: { id: req.targetMemberId }, select: { hostId: true, site: true } });
    const dpf = await directorPreflight(deps.db, clusterId, { preferHostId: targetRow?.hostId ?? null, preferSite: targetRow?.site || null });
    pf = { ...pf, checks: [...pf.checks, ...dpf.checks], allowed: pf.allowed && dpf.allowed, forceable: pf.forceable && dpf.allowed };
    pf.plan = [...pf.plan.filter((s) => s.name !== "director_switchover"), { name: "director_switchover", description: "stop the old Director, swap the roles, deploy and start the standby site's Director, verify it answers and reaches the catalog" }];
  }
  return { kind: "dry_run", preflight: pf, plan: pf.plan };
}

/**
 * Starts a promotion: checks what the request must carry, persists the operation and its steps
 * (one per cluster, enforced by the database) and runs it in the background — the preflight is
 * its first step. Throws RequestRefused (nothing created), FailoverNotFound, or OperationRunning
 * (another operation runs on the cluster; its id).
 */
export async function startPromotion(
  deps: FailoverDeps,
  clusterId: number,
  req: PromoteRequest,
  who: { actor: string; ip?: string | null },
  opts: { background?: boolean; /** Facts the operation starts with (a switch back: which Director takes over). */ state?: Record<string, unknown> } = {},
): Promise<StartResult> {
  const db = deps.db;
  const cluster = await db.catalogCluster.findUnique({ where: { id: clusterId }, include: { members: { select: { id: true, name: true, role: true } } } });
  if (!cluster) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  const target = cluster.members.find((m) => m.id === req.targetMemberId);
  if (!target) throw new FailoverNotFound(`member ${req.targetMemberId} is not in catalog cluster ${cluster.name}`);
  if (req.dryRun) return dryRun(deps, clusterId, req);
  if (req.mode === "failover" && req.confirmClusterName !== cluster.name) {
    throw new RequestRefused(`Failover: type the cluster name "${cluster.name}" to confirm`, "confirmClusterName");
  }
  if (req.force && (!req.forceReason || req.forceReason.trim().length < 10)) {
    throw new RequestRefused("Forcing needs a typed reason (at least 10 characters)", "forceReason");
  }
  if (req.promoteWithoutFencing) {
    if (req.mode !== "failover") throw new RequestRefused("Only a failover can go on without fencing the old primary: a switchover always fences it", "promoteWithoutFencing");
    if (!req.unfencedReason || req.unfencedReason.trim().length < 10) {
      throw new RequestRefused("Promoting without fencing needs a typed reason (at least 10 characters)", "unfencedReason");
    }
  }
  const old = cluster.members.find((m) => m.role === "primary" && m.id !== target.id) ?? null;
  const full = await loadCluster(db, clusterId);
  const warm = (session: OperationSession) => {
    // The SSH handshake to the old primary's host (~80 ms) and the admin login on the target run
    // while the operation is created; the preflight then finds them open (or fails on its own).
    const t = full?.members.find((m) => m.id === target.id);
    const o = old ? full?.members.find((m) => m.id === old.id) : undefined;
    if (t && adminConnOf(t).ok) void adminSession(session, t).catch(() => undefined);
    if (o) {
      const a = hostAccess(o);
      if (a.ok) void sessionShell(session, a.access, { connectTimeoutMs: 5000 }).catch(() => undefined);
    }
  };
  const id = await startOperation(
    deps,
    {
      clusterId,
      kind: "promote",
      mode: req.mode,
      targetMemberId: target.id,
      targetName: target.name,
      oldPrimaryId: old?.id ?? null,
      oldPrimaryName: old?.name ?? null,
      actor: who.actor,
      forced: !!req.force,
      forceReason: req.force ? (req.forceReason ?? null) : null,
      unfenced: !!req.promoteWithoutFencing,
      unfencedReason: req.promoteWithoutFencing ? (req.unfencedReason ?? null) : null,
      state: { ...(opts.state ?? {}), requestedAt: Date.now(), scope: req.scope ?? "catalog" },
      steps: promotionSteps(req.mode).map((s) => s.name),
      audit: {
        entityName: cluster.name,
        after: { mode: req.mode, scope: req.scope ?? "catalog", target: target.name, oldPrimary: old?.name ?? null, force: !!req.force, forceReason: req.forceReason ?? null, promoteWithoutFencing: !!req.promoteWithoutFencing, unfencedReason: req.unfencedReason ?? null },
        ip: who.ip ?? null,
      },
    },
    { background: opts.background, warm },
  );
  return { kind: "started", id };
}

export { runOperation };

/** At startup: take over operations a dead process left running (roll back or forward). */
export async function resumeInterrupted(deps: FailoverDeps = failoverDeps()): Promise<ResumeResult[]> {
  return resumeOperations(deps);
}

export { probeMember };
