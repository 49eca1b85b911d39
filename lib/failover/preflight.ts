/**
 * Preflight of a promotion: reads, never writes. Probes the target and the model's primary with
 * the monitoring role and decides the mode and what refuses the promotion.
 *
 *  - The target must be a reachable standby (in recovery): a primary, an unreachable member, an
 *    authentication failure or a fenced former primary are refused (blockers, not forceable).
 *  - Its timeline must not be behind the primary's (Patroni's rule): a blocker.
 *  - Replay byte lag must be at most the cluster's maxLagBytes (default 1 MiB, Patroni's
 *    maximum_lag_on_failover): forceable by an admin with a typed reason.
 *  - Mode: the old primary answers as a primary -> switchover (it is fenced by stopping it first,
 *    then the target must replay its last WAL, so no committed transaction is lost); it does not
 *    answer -> failover (promote without fencing; the operator types the cluster name and is told
 *    what may be lost, with the last known lag). It answers but is in recovery, or refuses the
 *    monitoring role -> undecidable: a blocker (repmgr likewise refuses while a primary may be up).
 */
import type { PrismaClient } from "@prisma/client";
import { lsnDiff } from "@/lib/replication/lsn";
import { probeMember } from "@/lib/replication/probes";
import type { ProbeResult } from "@/lib/replication/types";
import { formatBytes } from "@/lib/replication/health";
import { decryptSecret } from "@/lib/secrets";
import { hostAccess } from "./remote";
import type { PlanStep, PreflightCheck, PreflightMember, PreflightResult, PromotionMode } from "./types";

export type ProbeFn = typeof probeMember;

export interface PreflightOptions {
  probe?: ProbeFn;
  probeTimeoutMs?: number;
}

export class PreflightNotFound extends Error {}

type Member = NonNullable<Awaited<ReturnType<typeof loadCluster>>>["members"][number];

export async function loadCluster(db: PrismaClient, clusterId: number) {
  return db.catalogCluster.findUnique({
    where: { id: clusterId },
    include: { members: { include: { host: true }, orderBy: { name: "asc" } }, catalogs: { include: { director: true } } },
  });
}

function monitorEndpoint(m: Member) {
  let password = "";
  let error: string | null = null;
  if (!m.monitorPasswordEnc) error = `no monitoring password stored for ${m.name}`;
  else {
    try {
      password = decryptSecret(m.monitorPasswordEnc);
    } catch (e) {
      error = `the monitoring password of ${m.name} cannot be decrypted (${(e as Error).message})`;
    }
  }
  return { endpoint: { host: m.address, port: m.port, user: m.monitorUser, password, database: m.dbName }, error };
}

async function probe(m: Member, opts: PreflightOptions): Promise<ProbeResult | { kind: "not_configured"; error: string }> {
  const { endpoint, error } = monitorEndpoint(m);
  if (error) return { kind: "not_configured", error };
  return (opts.probe ?? probeMember)(endpoint, { timeoutMs: opts.probeTimeoutMs ?? 3000, applicationName: "bacula-ha-preflight" });
}

function view(m: Member, r: ProbeResult | { kind: "not_configured"; error: string }): PreflightMember {
  const base: PreflightMember = { id: m.id, name: m.name, address: m.address, port: m.port, probe: r.kind, timeline: null };
  if (r.kind === "primary") return { ...base, timeline: r.timeline, currentLsn: r.currentLsn };
  if (r.kind === "standby") {
    return {
      ...base,
      timeline: r.timeline,
      receiveLsn: r.receiveLsn,
      replayLsn: r.replayLsn,
      replayPaused: r.replayPaused,
      walReceiverStatus: r.walReceiver?.status ?? null,
    };
  }
  return { ...base, error: r.error };
}

export function promotionPlan(mode: PromotionMode | null, names: { target: string; oldPrimary: string | null }): PlanStep[] {
  const old = names.oldPrimary ?? "the old primary";
  const steps: PlanStep[] = [{ name: "preflight", description: `check again that ${names.target} is a standby fit to promote` }];
  if (mode === "failover") {
    steps.push({
      name: "fence_old_primary",
      description: `${old} does not answer: not fenced by stopping; if its host still answers over SSH, stop PostgreSQL there (best effort). It is marked fenced in the model either way`,
    });
  } else {
    steps.push({ name: "fence_old_primary", description: `stop ${old} over SSH (pg_ctl stop -m fast), then read its last checkpoint LSN (pg_controldata)` });
    steps.push({ name: "wait_replay", description: `wait until ${names.target} has replayed ${old}'s last WAL record (no committed transaction lost)` });
  }
  steps.push({ name: "promote", description: `SELECT pg_promote(true, 60) on ${names.target} (admin role)` });
  steps.push({ name: "verify", description: `${names.target} out of recovery, on a new timeline, assigns transaction ids (writable)` });
  steps.push({
    name: "update_model",
    description: `${names.target} becomes primary, ${old} standby and fenced; Catalogs of the cluster point at ${names.target}`,
  });
  steps.push({ name: "director_switchover", description: "hand the new catalog address to the Director deploy (skipped while no deploy engine is configured)" });
  return steps;
}

/** The full preflight. Throws PreflightNotFound when the cluster or the target does not exist. */
export async function preflight(db: PrismaClient, clusterId: number, targetMemberId: number, opts: PreflightOptions = {}): Promise<PreflightResult> {
  const cluster = await loadCluster(db, clusterId);
  if (!cluster) throw new PreflightNotFound(`catalog cluster ${clusterId} does not exist`);
  const target = cluster.members.find((m) => m.id === targetMemberId);
  if (!target) throw new PreflightNotFound(`member ${targetMemberId} is not in catalog cluster ${cluster.name}`);
  const old = cluster.members.find((m) => m.role === "primary" && m.id !== target.id) ?? null;
  const others = cluster.members.filter((m) => m.id !== target.id && m.id !== old?.id && m.role === "standby" && !m.fenced);

  const [tr, pr, ...ors] = await Promise.all([probe(target, opts), old ? probe(old, opts) : Promise.resolve(null), ...others.map((m) => probe(m, opts))]);
  const checks: PreflightCheck[] = [];
  const add = (code: string, ok: boolean, severity: PreflightCheck["severity"], message: string) => checks.push({ code, ok, severity, message });

  const running = await db.promotion.findFirst({ where: { clusterId, status: "running" }, select: { id: true, kind: true } });
  if (running) add("operation_running", false, "blocker", `${running.kind === "reattach" ? "re-attach" : "promotion"} #${running.id} is running on this cluster`);

  // --- target ---------------------------------------------------------------------------------
  if (target.role === "primary") add("target_is_primary", false, "blocker", `${target.name} is the cluster's primary in the model`);
  if (target.fenced) add("target_fenced", false, "blocker", `${target.name} is a fenced former primary: re-attach it as a standby first`);
  if (tr.kind === "standby") add("target_in_recovery", true, "info", `${target.name} is a standby (in recovery)`);
  else if (tr.kind === "primary") add("target_in_recovery", false, "blocker", `${target.name} is not in recovery (it already runs as a primary): nothing to promote`);
  else if (tr.kind === "unreachable") add("target_reachable", false, "blocker", `${target.name} is unreachable: ${tr.error}`);
  else add("target_reachable", false, "blocker", `${target.name} cannot be checked (${tr.kind}): ${tr.error}`);
  if (!target.adminPasswordEnc) {
    add("target_admin_credentials", false, "blocker", `no admin password stored for ${target.name} (role ${target.adminUser}): pg_promote needs it`);
  } else {
    try {
      decryptSecret(target.adminPasswordEnc);
      add("target_admin_credentials", true, "info", `admin role ${target.adminUser} stored for ${target.name}`);
    } catch (e) {
      add("target_admin_credentials", false, "blocker", `the admin password of ${target.name} cannot be decrypted (${(e as Error).message})`);
    }
  }

  // --- mode -----------------------------------------------------------------------------------
  let mode: PromotionMode | null = null;
  if (!old) {
    mode = "failover";
    add("old_primary", true, "warning", "the model has no primary in this cluster: failover (nothing to fence)");
  } else if (pr?.kind === "primary") {
    mode = "switchover";
    add("old_primary", true, "info", `${old.name} answers as the primary: switchover (it is stopped before promoting)`);
  } else if (pr?.kind === "unreachable") {
    mode = "failover";
    add("old_primary", true, "warning", `${old.name} is unreachable (${pr.error}): failover without fencing it first`);
  } else if (pr?.kind === "standby") {
    add("old_primary", false, "blocker", `${old.name}, the primary in the model, is in recovery: fix the model (or re-attach) before promoting`);
  } else if (pr) {
    add("old_primary", false, "blocker", `${old.name} answers but cannot be checked (${pr.kind}: ${"error" in pr ? pr.error : ""}): a primary may still be up`);
  }

  if (mode === "switchover" && old) {
    const a = hostAccess(old);
    if (a.ok) add("fence_access", true, "info", `${old.name} can be stopped over SSH as ${a.access.username}@${a.access.hostName}`);
    else add("fence_access", false, "blocker", `switchover needs to stop ${old.name} over SSH: ${a.reason}`);
  }

  // --- timeline and lag -----------------------------------------------------------------------
  const threshold = cluster.maxLagBytes;
  let lag: PreflightResult["lag"] = { bytes: null, thresholdBytes: threshold, source: "unknown", sampledAt: null };
  const lastPrimarySample = old
    ? await db.replicationSample.findFirst({ where: { memberId: old.id, timeline: { not: null } }, orderBy: { atMs: "desc" } })
    : null;
  const lastTargetSample = await db.replicationSample.findFirst({ where: { memberId: target.id, replayLagBytes: { not: null } }, orderBy: { atMs: "desc" } });

  if (tr.kind === "standby") {
    const primaryTimeline = pr?.kind === "primary" ? pr.timeline : (lastPrimarySample?.timeline ?? null);
    if (primaryTimeline === null || tr.timeline === null) {
      add("timeline", true, "warning", `timeline of ${primaryTimeline === null ? "the primary" : target.name} unknown: not compared`);
    } else if (tr.timeline < primaryTimeline) {
      add("timeline", false, "blocker", `${target.name} is on timeline ${tr.timeline}, behind the primary's ${primaryTimeline}`);
    } else {
      add("timeline", true, "info", `${target.name} follows timeline ${tr.timeline} (primary: ${primaryTimeline})`);
    }

    if (pr?.kind === "primary") {
      const bytes = lsnDiff(pr.currentLsn, tr.replayLsn);
      lag = { bytes: bytes === null ? null : Math.max(0, bytes), thresholdBytes: threshold, source: bytes === null ? "unknown" : "live", sampledAt: new Date().toISOString() };
    } else if (lastTargetSample) {
      lag = { bytes: lastTargetSample.replayLagBytes, thresholdBytes: threshold, source: "last_sample", sampledAt: new Date(Number(lastTargetSample.atMs)).toISOString() };
    }
    if (lag.bytes === null) {
      add("lag", true, "warning", `replay lag of ${target.name} unknown (no live primary and no replication sample)`);
    } else if (lag.bytes > threshold) {
      add("lag", false, "forceable", `${target.name} lags ${formatBytes(lag.bytes)} (${lag.source === "live" ? "now" : `last sample ${lag.sampledAt}`}), over the cluster's limit of ${formatBytes(threshold)}`);
    } else {
      add("lag", true, "info", `${target.name} lags ${formatBytes(lag.bytes)} (limit ${formatBytes(threshold)})`);
    }
    if (tr.replayPaused) add("replay_paused", true, "warning", `WAL replay is paused on ${target.name}: it will be resumed before promoting`);
    // A better candidate?
    for (let i = 0; i < others.length; i++) {
      const o = ors[i];
      if (o && o.kind === "standby") {
        const ahead = lsnDiff(o.replayLsn, tr.replayLsn);
        if (ahead !== null && ahead > 0) add("better_candidate", true, "warning", `${others[i].name} has replayed ${formatBytes(ahead)} more than ${target.name}`);
      }
    }
  }

  let dataLossWarning: string | null = null;
  if (mode === "failover") {
    const lastKnown =
      lastTargetSample && lastTargetSample.replayLagBytes !== null
        ? `last known lag of ${target.name}: ${formatBytes(lastTargetSample.replayLagBytes)} at ${new Date(Number(lastTargetSample.atMs)).toISOString()}`
        : `last known lag of ${target.name}: unknown (no replication sample)`;
    dataLossWarning =
      `${old ? old.name : "The primary"} does not answer, so it cannot be fenced nor drained: every transaction it committed ` +
      `that ${target.name} had not received is lost (${lastKnown}; anything written after that sample is lost too). ` +
      `If ${old ? old.name : "it"} comes back it must not run as a primary: it is marked fenced, re-attach it as a standby.`;
  }

  const blockers = checks.filter((c) => !c.ok && c.severity === "blocker");
  const forceables = checks.filter((c) => !c.ok && c.severity === "forceable");
  return {
    clusterId: cluster.id,
    clusterName: cluster.name,
    checkedAt: new Date().toISOString(),
    target: view(target, tr),
    oldPrimary: old && pr ? view(old, pr) : null,
    mode,
    lag,
    checks,
    allowed: blockers.length === 0 && forceables.length === 0 && mode !== null,
    forceable: blockers.length === 0 && forceables.length > 0 && mode !== null,
    requiresClusterName: mode === "failover",
    dataLossWarning,
    plan: promotionPlan(mode, { target: target.name, oldPrimary: old?.name ?? null }),
    runningPromotionId: running?.id ?? null,
  };
}
