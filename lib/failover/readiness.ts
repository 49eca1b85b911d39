/**
 * Standby-site readiness: could site B take over now? One score per site pair (a primary
 * Director and its standby), with the reasons that make it:
 *
 *   standby_director   a standby exists, at another site than the primary
 *   standby_config     its deployed configuration is the model's (deploy drift in_sync)
 *   catalog_lag        the newest replication sample of the catalog's standby members: byte and
 *                      time lag under the cluster's thresholds, and recent
 *   sd_reachable       each Storage Daemon at site B answers a TCP connection on its port
 *   sd_accepts         its deployed bacula-sd.conf names the standby Director (in step with the model)
 *   fd_reachable       each Client's File Daemon answers on its port
 *   fd_accepts         its deployed bacula-fd.conf names the standby Director; a Client whose FD the
 *                      dashboard does not deploy (no host) cannot be vouched for
 *   copies             for every Backup job, its newest copy in a site B Pool, read in the catalog
 *                      on the standby member (what site B would restore from): the age of the
 *                      copied backup is the job's RPO
 *   last_drill         the last DR drill's result and age
 *
 * A failed "critical" reason takes 30 points and caps the score at 50 (not ready), a warning 10.
 * Reads only: the model, deploy records, replication samples, the catalog (read-only queries) and
 * TCP connects that are closed at once. Cached for CACHE_MS (unless an operation finished, a
 * deploy ran or the model changed meanwhile) so that pages polling it do not probe the daemons more than that.
 */
import net from "node:net";
import type { PrismaClient } from "@prisma/client";
import { listTargets, type TargetView } from "@/lib/deploy/service";
import { loadFileDaemonConfig } from "@/lib/config/fd-from-db";
import { loadStorageDaemonConfig } from "@/lib/config/from-db";
import { isExampleAddress } from "@/lib/replication/example-address";
import { catalogAccess, newestCopies, withCatalog } from "./catalog-jobs";
import { drillReportOf } from "./drill";
import { sitePairs, type SitePair } from "./site-pairs";

export type ReasonSeverity = "critical" | "warning" | "info";

export interface ReadinessReason {
  code: string;
  ok: boolean;
  severity: ReasonSeverity;
  message: string;
}

export interface JobRpo {
  job: string;
  copyJobId: number | null;
  /** When the newest copied backup ended (what site B can restore). */
  backupEndedAt: string | null;
  ageSeconds: number | null;
}

export interface SiteReadiness {
  primary: { id: number; name: string; site: string };
  standby: { id: number; name: string; site: string } | null;
  cluster: { id: number; name: string } | null;
  score: number;
  grade: "ready" | "degraded" | "not_ready";
  reasons: ReadinessReason[];
  rpo: JobRpo[];
  lastDrill: { id: number; status: string; finishedAt: string | null; rtoMs: number | null } | null;
  checkedAt: string;
}

const CACHE_MS = 15_000;
const PROBE_MS = 1500;
const RPO_WARN_S = 36 * 3600;
const DRILL_WARN_DAYS = 30;
const SAMPLE_STALE_MS = 5 * 60_000;

/** A TCP connection to the daemon's port, closed at once (null: an example address, not probed). */
function tcpAnswers(host: string, port: number, timeoutMs = PROBE_MS): Promise<boolean | null> {
  if (isExampleAddress(host)) return Promise.resolve(null);
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

export function scoreOf(reasons: readonly ReadinessReason[]): { score: number; grade: SiteReadiness["grade"] } {
  let score = 100;
  let critical = false;
  for (const r of reasons) {
    if (r.ok) continue;
    if (r.severity === "critical") {
      score -= 30;
      critical = true;
    } else if (r.severity === "warning") score -= 10;
  }
  score = Math.max(0, critical ? Math.min(score, 50) : score);
  return { score, grade: critical ? "not_ready" : score >= 90 ? "ready" : "degraded" };
}

const fmtBytes = (b: number) => (b < 1024 ? `${b} B` : b < 1048576 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / 1048576).toFixed(1)} MiB`);
const fmtAge = (s: number) => (s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : s < 172800 ? `${(s / 3600).toFixed(1)} h` : `${(s / 86400).toFixed(1)} days`);

async function onePair(db: PrismaClient, p: SitePair, targets: Map<string, TargetView>): Promise<SiteReadiness> {
  const reasons: ReadinessReason[] = [];
  const add = (code: string, ok: boolean, severity: ReasonSeverity, message: string) => reasons.push({ code, ok, severity, message });
  const standby = p.standby;
  const out: SiteReadiness = {
    primary: { id: p.primary.id, name: p.primary.name, site: p.primary.site },
    standby: standby ? { id: standby.id, name: standby.name, site: standby.site } : null,
    cluster: p.cluster,
    score: 0,
    grade: "not_ready",
    reasons,
    rpo: [],
    lastDrill: null,
    checkedAt: new Date().toISOString(),
  };
  if (!standby) {
    add("standby_director", false, "critical", `${p.primary.name} has no standby Director: nothing can take over`);
    Object.assign(out, scoreOf(reasons));
    return out;
  }
  add(
    "standby_director",
    !!standby.site && standby.site !== p.primary.site,
    "warning",
    standby.site && standby.site !== p.primary.site ? `${standby.name} stands by at ${standby.site} for ${p.primary.name} at ${p.primary.site || "(no site)"}` : `${standby.name} is at the same site as ${p.primary.name} (${standby.site || "no site set"}): it does not survive the loss of that site`,
  );

  // The standby's configuration in step.
  const st = targets.get(`director:${standby.id}`);
  const drift = st?.drift ?? "unknown";
  add(
    "standby_config",
    drift === "in_sync",
    drift === "live_changed" || drift === "unknown" ? "warning" : "critical",
    drift === "in_sync"
      ? `${standby.name}'s configuration is the model's (deployed ${st?.lastDeploy.at ?? "?"})`
      : drift === "never_deployed"
        ? `${standby.name} has never been deployed: it has no configuration to take over with`
        : drift === "model_changed"
          ? `${standby.name}'s configuration is behind the model: deploy it`
          : drift === "live_changed"
            ? `${standby.name}'s live configuration was edited on its host`
            : `${standby.name}'s configuration state is unknown (${st?.problems.join("; ") || "no deploy record"})`,
  );

  // Catalog lag (newest samples of its standby members).
  if (!p.cluster) add("catalog_lag", false, "critical", `no Catalog of ${p.primary.name} is in a replicated catalog cluster`);
  else {
    const cluster = await db.catalogCluster.findUnique({ where: { id: p.cluster.id }, include: { members: true } });
    const standbys = (cluster?.members ?? []).filter((m) => m.role === "standby" && !m.fenced);
    const atSite = standbys.filter((m) => !standby.site || !m.site || m.site === standby.site);
    if (atSite.length === 0) add("catalog_lag", false, "critical", `catalog cluster ${p.cluster.name} has no standby member${standby.site ? ` at ${standby.site}` : ""} (a fenced one must be re-attached first)`);
    for (const m of atSite) {
      const s = await db.replicationSample.findFirst({ where: { memberId: m.id, bucketMs: 0 }, orderBy: { atMs: "desc" } });
      if (!s) {
        add("catalog_lag", false, "warning", `no replication sample of ${m.name} yet`);
        continue;
      }
      const age = Date.now() - Number(s.atMs);
      const bytes = s.replayLagBytes;
      const secs = s.replayLagSeconds;
      const over = (bytes !== null && bytes > cluster!.maxLagBytes) || (secs !== null && secs > cluster!.maxLagSeconds);
      if (s.probeKind !== "standby") add("catalog_lag", false, "critical", `${m.name} was ${s.probeKind} at the last poll (${new Date(Number(s.atMs)).toISOString()})`);
      else if (over) add("catalog_lag", false, "critical", `${m.name} lags ${bytes === null ? "?" : fmtBytes(bytes)}${secs !== null ? `, ${secs.toFixed(1)} s` : ""} (thresholds ${fmtBytes(cluster!.maxLagBytes)}, ${cluster!.maxLagSeconds} s)`);
      else if (age > SAMPLE_STALE_MS) add("catalog_lag", false, "warning", `${m.name}'s last replication sample is ${fmtAge(age / 1000)} old`);
      else add("catalog_lag", true, "info", `${m.name} lags ${bytes === null ? "?" : fmtBytes(bytes)}${secs !== null ? `, ${secs.toFixed(1)} s` : ""} (sampled ${fmtAge(age / 1000)} ago)`);
    }
  }

  // Storage Daemons at site B.
  if (p.standbySds.length === 0) add("sd_reachable", false, "critical", `no Storage Daemon at ${standby.site || "the standby's site"}: site B has nowhere to back up to or restore from`);
  for (const sd of p.standbySds) {
    const up = await tcpAnswers(sd.address, sd.port);
    if (up === null) add("sd_reachable", false, "warning", `${sd.name} is at an example address (${sd.address}): demo endpoint, not probed`);
    else add("sd_reachable", up, "critical", up ? `${sd.name} answers on ${sd.address}:${sd.port}` : `${sd.name} does not answer on ${sd.address}:${sd.port}`);
    const names = (await loadStorageDaemonConfig(db, sd.id).catch(() => null))?.directors.map((d) => d.name) ?? [];
    const t = targets.get(`storage-daemon:${sd.id}`);
    if (!names.includes(standby.name)) add("sd_accepts", false, "critical", `${sd.name}'s configuration does not name ${standby.name}: it would refuse it`);
    else if (!t) add("sd_accepts", false, "warning", `${sd.name} is not deployed by the dashboard (no host): check by hand that it accepts ${standby.name}`);
    else add("sd_accepts", t.drift === "in_sync", "critical", t.drift === "in_sync" ? `${sd.name} accepts ${standby.name} (deployed configuration names it)` : `${sd.name}'s deployed configuration is not the model's (${t.drift}): it may not accept ${standby.name}`);
  }

  // File Daemons.
  for (const c of p.clients) {
    const up = await tcpAnswers(c.address, c.port);
    if (up === null) add("fd_reachable", false, "warning", `${c.name} is at an example address (${c.address}): demo endpoint, not probed`);
    else add("fd_reachable", up, "critical", up ? `${c.name} answers on ${c.address}:${c.port}` : `${c.name} does not answer on ${c.address}:${c.port}`);
    const t = targets.get(`client:${c.id}`);
    if (!t) {
      add("fd_accepts", false, "warning", `${c.name}'s File Daemon is not deployed by the dashboard (no host): check by hand that it accepts ${standby.name}`);
      continue;
    }
    const names = (await loadFileDaemonConfig(db, c.id).catch(() => null))?.directors.map((d) => d.name) ?? [];
    const named = names.includes(standby.name);
    add("fd_accepts", named && t.drift === "in_sync", "critical", !named ? `${c.name}'s configuration does not name ${standby.name}` : t.drift === "in_sync" ? `${c.name} accepts ${standby.name} (deployed configuration names it)` : `${c.name}'s deployed configuration is not the model's (${t.drift}): deploy it`);
  }

  // Copies at site B, in the replicated catalog (read on the standby member: what site B has).
  if (p.cluster && p.backupJobs.length) {
    const cluster = await db.catalogCluster.findUnique({ where: { id: p.cluster.id }, include: { members: true } });
    const replica = cluster?.members.find((m) => m.role === "standby" && !m.fenced && (!standby.site || m.site === standby.site)) ?? null;
    const access = await catalogAccess(db, p.cluster.id, replica ? { address: replica.address, port: replica.port, name: replica.name } : null);
    if ("problem" in access) add("copies", false, "warning", access.problem);
    else if (isExampleAddress(access.conn.host)) add("copies", false, "warning", `the catalog is at an example address (${access.conn.host}): demo endpoint, its copies cannot be read`);
    else {
      try {
        const copies = await withCatalog(access, (q) => newestCopies(q, p.backupJobs.map((j) => j.name), p.standbyPools));
        for (const j of p.backupJobs) {
          const c = copies.get(j.name);
          const age = c?.originalEnd ? (Date.now() - Date.parse(c.originalEnd)) / 1000 : null;
          out.rpo.push({ job: j.name, copyJobId: c?.copyJobId ?? null, backupEndedAt: c?.originalEnd ?? null, ageSeconds: age });
          if (!c) add("copies", false, "critical", `${j.name} has no copy at site B (${p.standbyPools.join(", ") || "no site B Pool"}): losing site A loses its backups`);
          else add("copies", age === null || age <= RPO_WARN_S, "warning", `${j.name}: newest copy at site B is JobId ${c.copyJobId} of a backup that ended ${age === null ? "?" : `${fmtAge(age)} ago`} (RPO)`);
        }
      } catch (err) {
        add("copies", false, "warning", `Catalog ${access.catalog} cannot be read at ${access.where}: ${(err as Error).message}`);
      }
    }
  }

  // The last drill.
  if (p.cluster) {
    const d = await db.promotion.findFirst({ where: { clusterId: p.cluster.id, kind: "drill", status: { not: "running" } }, orderBy: { id: "desc" } });
    if (!d) add("last_drill", false, "warning", "no DR drill has been run: run one to prove site B takes over");
    else {
      const report = drillReportOf(d.state);
      out.lastDrill = { id: d.id, status: d.status, finishedAt: d.finishedAt?.toISOString() ?? null, rtoMs: report?.rtoMs ?? null };
      const days = d.finishedAt ? (Date.now() - d.finishedAt.getTime()) / 86_400_000 : 0;
      if (d.status !== "succeeded") add("last_drill", false, "warning", `the last DR drill (#${d.id}) ${d.status}: ${d.error ?? ""}`.trim());
      else if (days > DRILL_WARN_DAYS) add("last_drill", false, "warning", `the last DR drill (#${d.id}) passed ${Math.round(days)} days ago`);
      else add("last_drill", true, "info", `the last DR drill (#${d.id}) passed${report?.rtoMs ? `, RTO ${(report.rtoMs / 1000).toFixed(1)} s` : ""}`);
    }
  }
  Object.assign(out, scoreOf(reasons));
  return out;
}

let cache: { at: number; stamp: string; value: Promise<SiteReadiness[]> } | null = null;

/** What invalidates the cache at once: a finished operation (drill, switch), a deploy, a model change. */
async function stampOf(db: PrismaClient): Promise<string> {
  const [op, run, rev] = await Promise.all([
    db.promotion.findFirst({ where: { status: { not: "running" } }, orderBy: { finishedAt: "desc" }, select: { id: true, status: true } }),
    db.deployRun.findFirst({ orderBy: { id: "desc" }, select: { id: true, status: true } }),
    db.setting.findUnique({ where: { key: "modelRevision" } }),
  ]);
  return `${op?.id}:${op?.status}|${run?.id}:${run?.status}|${rev?.value}`;
}

export async function readiness(db: PrismaClient, o: { fresh?: boolean } = {}): Promise<SiteReadiness[]> {
  const stamp = await stampOf(db);
  if (!o.fresh && cache && cache.stamp === stamp && Date.now() - cache.at < CACHE_MS) return cache.value;
  const value = (async () => {
    const pairs = await sitePairs(db);
    const targets = new Map((await listTargets()).map((t) => [t.key, t]));
    return Promise.all(pairs.map((p) => onePair(db, p, targets)));
  })();
  cache = { at: Date.now(), stamp, value };
  value.catch(() => {
    cache = null;
  });
  return value;
}
