/**
 * The planned DR drill: prove that site B can take over, then come back. A guarded admin
 * operation on a catalog cluster (Promotion kind "drill"), persisted, streamed and resumable like a
 * promotion (runner.ts), one at a time per cluster:
 *
 *   drill_preflight     the Director pair, the Director switch's own checks (SSH to the standby,
 *                       its configuration as the primary passes Bacula's test there), the chosen
 *                       Backup job, a Pool at site B for the test backup, a Restore job, the job's
 *                       newest copy at site B in the catalog, and the catalog lag before (last
 *                       replication sample). A failed check refuses the drill: nothing changed.
 *   drill_switchover    the Director switches to site B (director-deploy.ts switchDirectors; the
 *                       catalog stays on its primary: a drill never risks the catalog -- the
 *                       promotion itself is proven by test/failover/site-loss.test.ts).
 *   drill_test_backup   on site B's Director: `run job=<job> pool=<site B pool> level=Incremental`,
 *                       then its Job record in the catalog must be OK. RTO = request -> that.
 *   drill_test_restore  the job's newest copy at site B, restored to `restoreWhere` on its client
 *                       from site B's storage; the restore's Job record must be OK with files.
 *   drill_switch_back   the Director back to the site it came from (always run, also when a test
 *                       failed: a drill ends where it started).
 *   drill_report        RTO, the catalog lag before, each step's time; fails the drill when a test
 *                       failed (the sites are back either way).
 *
 * The point of no return is drill_switchover. The admin types the cluster's name to confirm.
 * Nothing typed reaches a shell: job and pool names are Bacula names from the model, the restore
 * directory is a plain absolute path, and bconsole runs as argv over SSH with them on stdin.
 */
import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import type { OpenTransport, Transport } from "@/lib/deploy/engine";
import { sshTransport } from "@/lib/deploy/transport";
import { catalogAccess, jobRecord, newestCopies, withCatalog, type CatalogAccess, type NewestCopy } from "./catalog-jobs";
import { bconsoleArgv, directorPreflight, hostTransport, switchDirectors } from "./director-deploy";
import { FailoverNotFound, RequestRefused, StepRefused } from "./errors";
import { loadCluster } from "./preflight";
import { assertNoOperation, registerOperation, startOperation, type RunnerDeps, type StepContext, type StepDef } from "./runner";
import { sitePairs, type SitePair } from "./site-pairs";
import type { PreflightCheck } from "./types";

export interface DrillDeps extends RunnerDeps {
  open?: OpenTransport;
}

export const drillRequestSchema = z
  .object({
    /** The Backup job to back up at site B and restore from its copy there. */
    jobName: z.string().trim().min(1).max(127).regex(/^[A-Za-z0-9:.\-_ ]+$/, "must be a Bacula name"),
    /** Where the test restore writes on the job's client (default /tmp/bhd-drill-restore-<id>). */
    restoreWhere: z
      .string()
      .trim()
      .max(1024)
      .regex(/^\/[A-Za-z0-9._/+-]*$/, "must be an absolute path of letters, digits and . _ / + - only")
      .refine((v) => !v.includes("..") && v !== "/", "must not contain .. nor be /")
      .optional(),
    /** Must equal the cluster's name: the active Director changes site (and comes back). */
    confirmClusterName: z.string().max(200).optional(),
    dryRun: z.boolean().optional().default(false),
  })
  .strict();
export type DrillRequest = z.infer<typeof drillRequestSchema>;

export interface DrillPlan {
  clusterId: number;
  clusterName: string;
  primary: { id: number; name: string; site: string };
  standby: { id: number; name: string; site: string } | null;
  job: { name: string; client: string | null; pool: string | null } | null;
  /** The Pool the test backup writes to (at site B). */
  testPool: string | null;
  restoreJob: string | null;
  standbyPools: string[];
  standbyStorages: string[];
  /** Every Storage of the primary (to tell which ones a restore read from). */
  allStorages: string[];
  copy: NewestCopy | null;
  lagBefore: { bytes: number | null; seconds: number | null; at: string | null; member: string | null };
}

export interface DrillPreflight {
  plan: DrillPlan;
  checks: PreflightCheck[];
  allowed: boolean;
}

type Db = PrismaClient;

async function pairOf(db: Db, clusterId: number): Promise<SitePair | null> {
  return (await sitePairs(db)).find((p) => p.cluster?.id === clusterId) ?? null;
}

/** The standby members' newest replication sample: the lag the catalog had just before. */
async function lagBefore(db: Db, clusterId: number): Promise<DrillPlan["lagBefore"]> {
  const s = await db.replicationSample.findFirst({ where: { clusterId, bucketMs: 0, role: "standby" }, orderBy: { atMs: "desc" }, include: { member: { select: { name: true } } } });
  if (!s) return { bytes: null, seconds: null, at: null, member: null };
  return { bytes: s.replayLagBytes, seconds: s.replayLagSeconds, at: new Date(Number(s.atMs)).toISOString(), member: s.member.name };
}

/** Every check of a drill, reading only (the Director switch's test runs on staged files that are removed). */
export async function drillPreflight(db: Db, clusterId: number, jobName: string, o: { open?: OpenTransport } = {}): Promise<DrillPreflight> {
  const cluster = await loadCluster(db, clusterId);
  if (!cluster) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  const checks: PreflightCheck[] = [];
  const add = (code: string, ok: boolean, severity: PreflightCheck["severity"], message: string, fix?: string) => checks.push({ code, ok, severity, message, ...(fix && !ok ? { fix } : {}) });
  const pair = await pairOf(db, clusterId);
  const plan: DrillPlan = {
    clusterId,
    clusterName: cluster.name,
    primary: pair ? { id: pair.primary.id, name: pair.primary.name, site: pair.primary.site } : { id: 0, name: "(none)", site: "" },
    standby: pair?.standby ? { id: pair.standby.id, name: pair.standby.name, site: pair.standby.site } : null,
    job: null,
    testPool: null,
    restoreJob: null,
    standbyPools: pair?.standbyPools ?? [],
    standbyStorages: pair?.standbyStorages ?? [],
    allStorages: pair?.allStorages ?? [],
    copy: null,
    lagBefore: await lagBefore(db, clusterId),
  };
  if (!pair) {
    add("drill_pair", false, "blocker", `no primary Director owns a Catalog of ${cluster.name}`);
    return { plan, checks, allowed: false };
  }
  if (!pair.standby) add("drill_pair", false, "blocker", `${pair.primary.name} has no standby Director: there is no site B to drill`, "create a Director with role standby of it (at the other site) and deploy it");
  else add("drill_pair", true, "info", `${pair.standby.name} (${pair.standby.site || "no site"}) takes over from ${pair.primary.name} (${pair.primary.site || "no site"}) for the drill, then hands back`);
  const job = pair.backupJobs.find((j) => j.name === jobName);
  if (!job) add("drill_job", false, "blocker", `${pair.primary.name} has no Backup job named ${JSON.stringify(jobName)}`);
  else {
    plan.job = { name: job.name, client: job.client, pool: job.pool };
    add("drill_job", !!job.client, "blocker", job.client ? `test job ${job.name} backs up client ${job.client}` : `job ${job.name} has no Client of its own (set through JobDefs?): name it on the job`);
  }
  plan.testPool = job?.nextPool && pair.standbyPools.includes(job.nextPool) ? job.nextPool : (pair.standbyPools[0] ?? null);
  add(
    "drill_site_b_pool",
    !!plan.testPool,
    "blocker",
    plan.testPool ? `the test backup writes to Pool ${plan.testPool} (storage at ${pair.standby?.site || "site B"}: ${pair.standbyStorages.join(", ")})` : `no Pool has all its Storages on a Storage Daemon at ${pair.standby?.site || "the standby's site"}`,
    "give the Storage Daemons of site B the standby's site, and a Pool (the copies' Next Pool) their Storages",
  );
  plan.restoreJob = pair.restoreJobs[0] ?? null;
  add("drill_restore_job", !!plan.restoreJob, "blocker", plan.restoreJob ? `restores run through Restore job ${plan.restoreJob}` : `${pair.primary.name} has no Restore job (bconsole's restore needs one)`, "add a Job of Type Restore");
  // The copy at site B, read in the catalog itself.
  const access = await catalogAccess(db, clusterId);
  if ("problem" in access) add("drill_catalog", false, "blocker", access.problem);
  else if (job) {
    try {
      const copies = await withCatalog(access, (q) => newestCopies(q, [job.name], pair.standbyPools));
      plan.copy = copies.get(job.name) ?? null;
      add(
        "drill_copy",
        !!plan.copy,
        "blocker",
        plan.copy
          ? `newest copy of ${job.name} at site B: JobId ${plan.copy.copyJobId} in Pool ${plan.copy.pool} (of JobId ${plan.copy.originalJobId}, ended ${plan.copy.originalEnd ?? "?"}, ${plan.copy.files} files)`
          : `no copy of ${job.name} in a site B Pool (${pair.standbyPools.join(", ") || "none"}) in Catalog ${access.catalog}`,
        "run the job's Copy job (its Next Pool at site B) first",
      );
    } catch (err) {
      add("drill_catalog", false, "blocker", `Catalog ${access.catalog} at ${access.where} cannot be read: ${(err as Error).message}`);
    }
  }
  const lb = plan.lagBefore;
  add("drill_lag", true, lb.bytes === null ? "warning" : "info", lb.bytes === null ? "catalog lag before: no replication sample yet" : `catalog lag before: ${lb.bytes} B${lb.seconds !== null ? `, ${lb.seconds} s` : ""} (${lb.member}, ${lb.at})`);
  if (pair.standby) {
    const primary = cluster.members.find((m) => m.role === "primary" && !m.fenced) ?? null;
    const dpf = await directorPreflight(db, clusterId, { open: o.open, preferHostId: primary?.hostId ?? null, preferDirectorId: pair.standby.id });
    checks.push(...dpf.checks);
  }
  return { plan, checks, allowed: checks.every((c) => c.ok || c.severity !== "blocker") };
}

// ---------------------------------------------------------------------------------------------
// Steps

interface DrillState {
  plan: DrillPlan;
  restoreWhere: string;
  failures: string[];
  to?: Record<string, unknown>;
  back?: Record<string, unknown>;
  testBackup?: { jobId: number | null; status: string | null; files?: number; bytes?: number; pool: string; ms: number };
  testRestore?: { jobId: number | null; status: string | null; files?: number; fromCopy: number; storages: string[]; where: string; ms: number };
  rtoMs?: number;
  switchMs?: number;
  switchBackMs?: number;
  report?: DrillReport;
}

export interface DrillReport {
  status: "passed" | "failed";
  rtoMs: number | null;
  switchMs: number | null;
  switchBackMs: number | null;
  lagBefore: DrillPlan["lagBefore"];
  job: string | null;
  testBackup: DrillState["testBackup"] | null;
  testRestore: DrillState["testRestore"] | null;
  failures: string[];
}

const st = (ctx: StepContext<DrillDeps>) => ctx.state.drill as DrillState;

async function currentPrimaryMember(db: Db, clusterId: number) {
  const cluster = await loadCluster(db, clusterId);
  const m = cluster?.members.find((x) => x.role === "primary" && !x.fenced);
  if (!m) throw new Error("the cluster has no unfenced primary member");
  return m;
}

/** bconsole on a Director's host over SSH, commands on stdin. */
async function bconsoleOn(directorId: number, open: OpenTransport, commands: string[], timeoutMs: number): Promise<{ out: string; hostName: string }> {
  const { tr, hostName } = await hostTransport(directorId, open);
  try {
    const argv = await bconsoleArgv(directorId);
    const r = await tr.exec(argv, { timeoutMs, stdin: commands.join("\n") + "\n" });
    if (r.code !== 0) throw new Error(`bconsole on ${hostName} failed (exit ${r.code ?? r.signal}): ${(r.stdout + r.stderr).trim().slice(-400)}`);
    return { out: r.stdout, hostName };
  } finally {
    await (tr as Transport).close().catch(() => undefined);
  }
}

const quoted = (v: string) => `"${v.replace(/["\\]/g, "")}"`;
const JOB_TIMEOUT_MS = Number(process.env.DRILL_JOB_TIMEOUT_MS ?? 15 * 60_000);

async function catalogOf(ctx: StepContext<DrillDeps>): Promise<CatalogAccess> {
  const a = await catalogAccess(ctx.deps.db, ctx.promotion.clusterId);
  if ("problem" in a) throw new Error(a.problem);
  return a;
}

/** Run a job on the Director, wait for it, read its Job record. */
async function runAndWait(ctx: StepContext<DrillDeps>, directorId: number, command: string): Promise<{ jobId: number | null; record: Awaited<ReturnType<typeof jobRecord>>; out: string }> {
  const open = ctx.deps.open ?? sshTransport();
  await ctx.log(`$ bconsole <<< ${command}`);
  const started = await bconsoleOn(directorId, open, [command], 120_000);
  await ctx.log(started.out.trim().split("\n").slice(-12).join("\n"));
  const m = /Job queued\. JobId=(\d+)/.exec(started.out);
  if (!m) return { jobId: null, record: null, out: started.out };
  const jobId = Number(m[1]);
  await ctx.log(`JobId ${jobId} queued on ${started.hostName}; waiting for it (wait jobid=${jobId})`);
  const waited = await bconsoleOn(directorId, open, [`wait jobid=${jobId}`, `messages`], JOB_TIMEOUT_MS);
  const msgs = waited.out.split("\n").filter((l) => /JobId \d+:|Termination|Error|error/.test(l)).slice(-15);
  if (msgs.length) await ctx.log(msgs.join("\n"));
  const record = await withCatalog(await catalogOf(ctx), (q) => jobRecord(q, jobId));
  return { jobId, record, out: started.out };
}

const stepPreflight: StepDef<DrillDeps> = {
  name: "drill_preflight",
  async run(ctx) {
    const s = st(ctx);
    const pf = await drillPreflight(ctx.deps.db, ctx.promotion.clusterId, s.plan.job?.name ?? ctx.promotion.targetName, { open: ctx.deps.open });
    for (const c of pf.checks) await ctx.log(`${c.ok ? "ok" : c.severity === "blocker" ? "REFUSED" : "note"}: ${c.message}`);
    s.plan = pf.plan;
    ctx.setColumns({ preflight: pf, lastKnownLagBytes: pf.plan.lagBefore.bytes });
    const blockers = pf.checks.filter((c) => !c.ok && c.severity === "blocker");
    if (blockers.length) throw new StepRefused(blockers.map((b) => b.message).join("; "), blockers);
  },
};

/** Switches the Director to the given side (the catalog's primary stays where it is), timed. */
async function switchTo(ctx: Parameters<StepDef<DrillDeps>["run"]>[0], state: NonNullable<ReturnType<typeof st>["to"]>, preferDirectorId: number | null) {
  const m = await currentPrimaryMember(ctx.deps.db, ctx.promotion.clusterId);
  const t0 = Date.now();
  const res = await switchDirectors({
    db: ctx.deps.db,
    clusterId: ctx.promotion.clusterId,
    actor: ctx.promotion.actor,
    newPrimary: { name: m.name, address: m.address, port: m.port, hostId: m.hostId },
    preferDirectorId,
    log: (l) => ctx.log(l),
    state,
    saveState: () => ctx.saveState(),
    open: ctx.deps.open,
  });
  return { message: res.message, ms: Date.now() - t0 };
}

const stepSwitchover: StepDef<DrillDeps> = {
  name: "drill_switchover",
  async run(ctx) {
    const s = st(ctx);
    const r = await switchTo(ctx, (s.to ??= {}), s.plan.standby?.id ?? null);
    s.switchMs = r.ms;
    await ctx.log(`${r.message} (${s.switchMs} ms)`);
  },
};

const stepTestBackup: StepDef<DrillDeps> = {
  name: "drill_test_backup",
  async run(ctx) {
    const s = st(ctx);
    const t0 = Date.now();
    const pool = s.plan.testPool!;
    try {
      const r = await runAndWait(ctx, s.plan.standby!.id, `run job=${quoted(s.plan.job!.name)} pool=${quoted(pool)} level=Incremental yes`);
      s.testBackup = { jobId: r.jobId, status: r.record?.status ?? null, files: r.record?.files, bytes: r.record?.bytes, pool, ms: Date.now() - t0 };
      if (r.record && ["T", "W"].includes(r.record.status)) {
        s.rtoMs = Date.now() - Number(ctx.state.requestedAt);
        await ctx.log(`test backup JobId ${r.jobId} OK on ${s.plan.standby!.name} into Pool ${pool}: ${r.record.files} files, ${r.record.bytes} bytes; RTO (request -> site B ran a job) ${s.rtoMs} ms`);
      } else {
        s.failures.push(`test backup ${r.jobId === null ? "was not queued" : `JobId ${r.jobId} ended with status ${r.record?.status ?? "unknown"}`}`);
        await ctx.log(`FAILED: ${s.failures.at(-1)}`);
      }
    } catch (err) {
      s.testBackup = { jobId: null, status: null, pool, ms: Date.now() - t0 };
      s.failures.push(`test backup: ${(err as Error).message}`);
      await ctx.log(`FAILED: ${s.failures.at(-1)}`);
    }
  },
};

const stepTestRestore: StepDef<DrillDeps> = {
  name: "drill_test_restore",
  async run(ctx) {
    const s = st(ctx);
    const t0 = Date.now();
    const copy = s.plan.copy!;
    const where = s.restoreWhere;
    try {
      const cmd = `restore jobid=${copy.copyJobId} client=${quoted(s.plan.job!.client!)} restorejob=${quoted(s.plan.restoreJob!)} where=${quoted(where)} all done yes`;
      const r = await runAndWait(ctx, s.plan.standby!.id, cmd);
      // The volumes table bconsole prints before queueing names the Storages the restore reads from.
      const used = s.plan.allStorages.filter((n) => new RegExp(`\\s${n.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s`).test(r.out));
      s.testRestore = { jobId: r.jobId, status: r.record?.status ?? null, files: r.record?.files, fromCopy: copy.copyJobId, storages: used, where, ms: Date.now() - t0 };
      const fromB = used.length > 0 && used.every((n) => s.plan.standbyStorages.includes(n));
      if (r.record && ["T", "W"].includes(r.record.status) && r.record.files > 0 && fromB) {
        await ctx.log(`test restore JobId ${r.jobId} OK: ${r.record.files} files of copy JobId ${copy.copyJobId} read from ${used.join(", ")} (site B) to ${where} on ${s.plan.job!.client}`);
      } else {
        const why = !r.record ? "was not queued" : !["T", "W"].includes(r.record.status) ? `ended with status ${r.record.status}` : r.record.files === 0 ? "restored no file" : `read from ${used.join(", ") || "no storage named"} instead of site B's storage`;
        s.failures.push(`test restore of copy JobId ${copy.copyJobId} ${r.jobId ? `(JobId ${r.jobId}) ` : ""}${why}`);
        await ctx.log(`FAILED: ${s.failures.at(-1)}`);
      }
    } catch (err) {
      s.testRestore = { jobId: null, status: null, fromCopy: copy.copyJobId, storages: [], where, ms: Date.now() - t0 };
      s.failures.push(`test restore: ${(err as Error).message}`);
      await ctx.log(`FAILED: ${s.failures.at(-1)}`);
    }
  },
};

const stepSwitchBack: StepDef<DrillDeps> = {
  name: "drill_switch_back",
  async run(ctx) {
    const s = st(ctx);
    const r = await switchTo(ctx, (s.back ??= {}), s.plan.primary.id);
    s.switchBackMs = r.ms;
    await ctx.log(`${r.message}: back at ${s.plan.primary.site || s.plan.primary.name} (${s.switchBackMs} ms)`);
  },
};

const stepReport: StepDef<DrillDeps> = {
  name: "drill_report",
  async run(ctx) {
    const s = st(ctx);
    s.report = {
      status: s.failures.length ? "failed" : "passed",
      rtoMs: s.rtoMs ?? null,
      switchMs: s.switchMs ?? null,
      switchBackMs: s.switchBackMs ?? null,
      lagBefore: s.plan.lagBefore,
      job: s.plan.job?.name ?? null,
      testBackup: s.testBackup ?? null,
      testRestore: s.testRestore ?? null,
      failures: s.failures,
    };
    ctx.state.rtoMs = s.rtoMs ?? null;
    await ctx.log(`RTO ${s.rtoMs ?? "not reached"} ms; switch to site B ${s.switchMs} ms, back ${s.switchBackMs} ms; catalog lag before ${s.plan.lagBefore.bytes ?? "unknown"} B`);
    if (s.failures.length) throw new Error(`the drill failed: ${s.failures.join("; ")} (the Director is back at its site)`);
    await ctx.log("the drill passed: site B ran a backup and restored the job from its copy, and the Director is back");
  },
};

export const DRILL_STEPS = [stepPreflight, stepSwitchover, stepTestBackup, stepTestRestore, stepSwitchBack, stepReport];

registerOperation<DrillDeps>("drill", {
  steps: () => DRILL_STEPS,
  pointOfNoReturn: "drill_switchover",
  rollback: async () => "nothing to undo: the preflight changes nothing",
});

export type DrillStart = { kind: "dry_run"; preflight: DrillPreflight } | { kind: "started"; id: number };

/** Validate (fresh preflight, typed cluster name), persist and start a drill. Throws RequestRefused, FailoverNotFound or OperationRunning. */
export async function startDrill(deps: DrillDeps, clusterId: number, req: DrillRequest, who: { actor: string; ip?: string | null }, opts: { background?: boolean } = {}): Promise<DrillStart> {
  const db = deps.db;
  if (!req.dryRun) await assertNoOperation(db, clusterId);
  const pf = await drillPreflight(db, clusterId, req.jobName, { open: deps.open });
  if (req.dryRun) return { kind: "dry_run", preflight: pf };
  if (!pf.allowed) throw new RequestRefused(`DR drill refused: ${pf.checks.filter((c) => !c.ok && c.severity === "blocker").map((c) => c.message).join("; ")}`, "jobName", { preflight: pf });
  if (req.confirmClusterName !== pf.plan.clusterName) throw new RequestRefused(`type the cluster name "${pf.plan.clusterName}" to confirm`, "confirmClusterName", { preflight: pf });
  const members = await loadCluster(db, clusterId);
  const primary = members!.members.find((m) => m.role === "primary" && !m.fenced)!;
  // A directory of its own per drill: two drills never restore into one another.
  const state: DrillState = { plan: pf.plan, restoreWhere: req.restoreWhere ?? `/tmp/bhd-drill-restore-${Date.now()}`, failures: [] };
  const id = await startOperation(
    deps,
    {
      clusterId,
      kind: "drill",
      mode: "drill",
      targetMemberId: primary.id,
      targetName: req.jobName,
      oldPrimaryId: null,
      oldPrimaryName: pf.plan.primary.name,
      actor: who.actor,
      preflight: pf,
      lastKnownLagBytes: pf.plan.lagBefore.bytes,
      state: { requestedAt: Date.now(), scope: "drill", drill: state },
      steps: DRILL_STEPS.map((s) => s.name),
      audit: { entityName: pf.plan.clusterName, after: { job: req.jobName, from: pf.plan.primary.name, to: pf.plan.standby?.name ?? null, copy: pf.plan.copy?.copyJobId ?? null, lagBeforeBytes: pf.plan.lagBefore.bytes }, ip: who.ip ?? null },
    },
    opts,
  );
  return { kind: "started", id };
}

/** The stored report of a finished drill (null while it runs or when it was refused before it began). */
export function drillReportOf(state: unknown): DrillReport | null {
  const d = (state as { drill?: DrillState } | null)?.drill;
  return d?.report ?? null;
}
