/**
 * Fencing one member as an operation of its own (Promotion kind "fence", persisted and streamed
 * like a promotion, one operation per cluster at a time):
 *
 *  - mode "guard": started by the split-brain guard (./guard.ts) when the poller sees a member out
 *    of recovery that the model says is fenced or is not the primary, while the model's primary
 *    answers as a writable primary (a stale primary came back);
 *  - mode "manual": an admin's "Fence now" (typed member name), e.g. for a former primary a
 *    failover left NOT FENCED once its host answers again.
 *
 * Steps: preflight (never the model's current primary; SSH access; the guard re-checks both
 * probes live) -> fence (./fence.ts: standby.signal + primary_conninfo towards the model's primary,
 * stop escalating within the cluster's bound) -> update_model (fenced, fenceState, note; audited).
 * The point of no return is the fence itself: a partial fence of a stale primary is only safer,
 * so nothing is rolled back.
 */
import { audit, bumpModelRevision } from "@/lib/audit";
import { probeMember } from "@/lib/replication/probes";
import { decryptSecret } from "@/lib/secrets";
import { FailoverNotFound, RequestRefused, StepRefused } from "./errors";
import { fence, fenceNote, type FenceReport } from "./fence";
import { parseConninfo } from "./pg";
import { adminSession, loadCluster, type ProbeFn } from "./preflight";
import { hostAccess } from "./remote";
import { registerOperation, startOperation, type RunnerDeps, type StepContext, type StepDef } from "./runner";
import type { PreflightCheck } from "./types";

export interface FenceOpDeps extends RunnerDeps {
  probe?: ProbeFn;
}

type Ctx = StepContext<FenceOpDeps>;
type Cluster = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;
type Member = Cluster["members"][number];

export type FenceSource = "guard" | "manual";

async function load(ctx: Ctx): Promise<{ cluster: Cluster; member: Member; primary: Member | null }> {
  const cluster = await loadCluster(ctx.deps.db, ctx.promotion.clusterId);
  if (!cluster) throw new Error("the cluster no longer exists");
  const member = cluster.members.find((m) => m.id === ctx.promotion.targetMemberId);
  if (!member) throw new Error(`member ${ctx.promotion.targetName} no longer exists`);
  const primary = cluster.members.find((m) => m.role === "primary" && m.id !== member.id) ?? null;
  return { cluster, member, primary };
}

function monitor(m: Member) {
  return { host: m.address, port: m.port, user: m.monitorUser, password: m.monitorPasswordEnc ? decryptSecret(m.monitorPasswordEnc) : "", database: m.dbName };
}

export interface FencePreflight {
  checks: PreflightCheck[];
  allowed: boolean;
}

export async function fencePreflight(deps: FenceOpDeps, clusterId: number, memberId: number, source: FenceSource): Promise<FencePreflight & { memberName: string | null; clusterName: string }> {
  const cluster = await loadCluster(deps.db, clusterId);
  if (!cluster) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  const member = cluster.members.find((m) => m.id === memberId) ?? null;
  if (!member) throw new FailoverNotFound(`member ${memberId} is not in catalog cluster ${cluster.name}`);
  const checks: PreflightCheck[] = [];
  const add = (code: string, ok: boolean, severity: PreflightCheck["severity"], message: string, fix?: string) => checks.push({ code, ok, severity, message, ...(fix && !ok ? { fix } : {}) });
  const primary = cluster.members.find((m) => m.role === "primary" && m.id !== member.id) ?? null;
  if (member.role === "primary") add("current_primary", false, "blocker", `${member.name} is the cluster's primary in the model: the current primary is never fenced`, "promote a standby instead (a switchover fences the old primary)");
  else add("current_primary", true, "info", `${member.name} is not the primary in the model${primary ? ` (${primary.name} is)` : ""}`);
  const a = hostAccess(member);
  if (a.ok) add("fence_access", true, "info", `${member.name} is fenced over SSH as ${a.access.username}@${a.access.hostName}`);
  else add("fence_access", false, "blocker", `${member.name} cannot be fenced over SSH: ${a.reason}`, `configure the SSH host and data directory of ${member.name}`);
  const probe = deps.probe ?? probeMember;
  const [mr, pr] = await Promise.all([
    member.monitorPasswordEnc ? probe(monitor(member), { timeoutMs: 3000 }) : Promise.resolve(null),
    primary?.monitorPasswordEnc ? probe(monitor(primary), { timeoutMs: 3000 }) : Promise.resolve(null),
  ]);
  const memberWritable = mr?.kind === "primary";
  const primaryWritable = pr?.kind === "primary";
  if (source === "guard") {
    if (!memberWritable) add("member_writable", false, "blocker", `${member.name} is no longer out of recovery (${mr?.kind ?? "not probed"}): nothing to fence automatically`);
    else add("member_writable", true, "info", `${member.name} is writable (out of recovery) although the model says it is ${member.fenced ? "fenced" : "a standby"}`);
    if (!primaryWritable) add("primary_writable", false, "blocker", `the model's primary ${primary?.name ?? "(none)"} does not answer as a primary: ${member.name} may be the only writable member, it is not fenced automatically`, "promote a member or fence by hand");
    else add("primary_writable", true, "info", `the model's primary ${primary!.name} answers as a writable primary: ${member.name} is a stale duplicate`);
  } else if (memberWritable && !primaryWritable) {
    add("only_writable", false, "blocker", `${member.name} is the only writable member (the model's primary ${primary?.name ?? "(none)"} does not answer): fencing it would leave no writable node`, `promote ${member.name} instead, or bring ${primary?.name ?? "the primary"} back first`);
  } else {
    add("member_state", true, "info", `${member.name}: ${mr?.kind ?? "not probed"}${primary ? `; ${primary.name}: ${pr?.kind ?? "not probed"}` : ""}`);
  }
  return { clusterName: cluster.name, memberName: member.name, checks, allowed: checks.every((c) => c.ok || c.severity !== "blocker") };
}

const stepPreflight: StepDef<FenceOpDeps> = {
  name: "preflight",
  async run(ctx) {
    const pf = await fencePreflight(ctx.deps, ctx.promotion.clusterId, ctx.promotion.targetMemberId, ctx.promotion.mode as FenceSource);
    for (const c of pf.checks) await ctx.log(`${c.ok ? "ok" : "REFUSED"}: ${c.message}${!c.ok && c.fix ? ` — fix: ${c.fix}` : ""}`);
    const blockers = pf.checks.filter((c) => !c.ok && c.severity === "blocker");
    if (blockers.length) throw new StepRefused(blockers.map((b) => b.message).join("; "), blockers);
  },
};

const stepFence: StepDef<FenceOpDeps> = {
  name: "fence",
  async run(ctx) {
    const { cluster, member, primary } = await load(ctx);
    const a = hostAccess(member);
    if (!a.ok) throw new Error(a.reason);
    // Replication credentials for the restarted member, where the primary still has a primary_conninfo of its own.
    let pairs: Array<[string, string]> | null = null;
    if (primary) {
      try {
        const s = await adminSession(ctx.session, primary, { connectTimeoutMs: 2000 });
        const [r] = await s.q("SELECT CASE WHEN r.rolsuper OR pg_has_role(current_user, 'pg_read_all_settings', 'USAGE') THEN current_setting('primary_conninfo') END AS c FROM pg_roles r WHERE r.rolname = current_user", [], { timeoutMs: 2000 });
        if (typeof r?.c === "string" && r.c.trim()) pairs = parseConninfo(r.c);
      } catch {
        pairs = null;
      }
    }
    const report = await fence(
      { memberName: member.name, access: a.access, dataDir: a.dataDir, pgBinDir: member.pgBinDir },
      {
        session: ctx.session,
        budgetMs: cluster.fenceTimeoutMs,
        newPrimary: primary ? { host: primary.address, port: primary.port } : null,
        conninfoPairs: pairs,
        applicationName: member.name,
        backupTag: null,
        requireMarkBeforeStop: false,
        readControlData: false,
        note: `fenced by bacula-ha dashboard, operation #${ctx.promotion.id} (${ctx.promotion.mode === "guard" ? "split-brain guard" : `by ${ctx.promotion.actor}`}), ${new Date().toISOString()}`,
        log: (l) => ctx.log(l),
      },
    );
    ctx.state.fence = report;
    ctx.state.fenced = report.fenced;
    ctx.state.fenceMs = report.totalMs;
    await ctx.saveState();
    if (!report.fenced && !report.stopped) throw new Error(`${member.name} could not be fenced: ${report.error}`);
  },
};

const stepUpdateModel: StepDef<FenceOpDeps> = {
  name: "update_model",
  async run(ctx) {
    const { member, primary } = await load(ctx);
    const report = ctx.state.fence as FenceReport;
    const note = fenceNote(report, ctx.promotion.id);
    const fenceState = report.fenced ? "fenced" : "not_fenced";
    await ctx.deps.db.$transaction(async (tx) => {
      await tx.catalogMember.update({ where: { id: member.id }, data: { fenced: true, role: "standby", fenceState, fencedAt: new Date(report.at), fenceNote: note, fenceOperationId: ctx.promotion.id } });
      await audit(
        {
          actor: ctx.promotion.actor,
          action: "catalog-member.fenced",
          entityType: "catalog-members",
          entityId: member.id,
          entityName: member.name,
          before: { role: member.role, fenced: member.fenced, fenceState: member.fenceState },
          after: { role: "standby", fenced: true, fenceState, note, reason: String(ctx.state.reason ?? ""), primary: primary?.name ?? null },
        },
        tx,
      );
      await bumpModelRevision(tx);
    });
    await ctx.log(`${member.name}: ${note}`);
  },
};

registerOperation<FenceOpDeps>("fence", {
  steps: () => [stepPreflight, stepFence, stepUpdateModel],
  pointOfNoReturn: "fence",
  rollback: async () => "nothing to undo: the preflight changes nothing",
});

export interface FenceStartRequest {
  memberId: number;
  source: FenceSource;
  /** Manual: must equal the member's name. */
  confirmMemberName?: string;
  /** Why (the guard's finding, or the admin's words): audited. */
  reason: string;
}

/** Persist and start a fence operation. Throws RequestRefused, FailoverNotFound or OperationRunning. */
export async function startFence(deps: FenceOpDeps, clusterId: number, req: FenceStartRequest, who: { actor: string; ip?: string | null }, opts: { background?: boolean } = {}): Promise<{ id: number }> {
  const cluster = await deps.db.catalogCluster.findUnique({ where: { id: clusterId }, include: { members: { select: { id: true, name: true, role: true } } } });
  if (!cluster) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  const member = cluster.members.find((m) => m.id === req.memberId);
  if (!member) throw new FailoverNotFound(`member ${req.memberId} is not in catalog cluster ${cluster.name}`);
  if (req.source === "manual" && req.confirmMemberName !== member.name) throw new RequestRefused(`Type the member's name "${member.name}" to confirm`, "confirmMemberName");
  if (member.role === "primary") throw new RequestRefused(`${member.name} is the cluster's primary in the model: the current primary is never fenced`, "memberId");
  const primary = cluster.members.find((m) => m.role === "primary") ?? null;
  const id = await startOperation(
    deps,
    {
      clusterId,
      kind: "fence",
      mode: req.source,
      targetMemberId: member.id,
      targetName: member.name,
      oldPrimaryId: primary?.id ?? null,
      oldPrimaryName: primary?.name ?? null,
      actor: who.actor,
      state: { requestedAt: Date.now(), reason: req.reason },
      steps: ["preflight", "fence", "update_model"],
      audit: { entityName: cluster.name, after: { member: member.name, source: req.source, reason: req.reason }, ip: who.ip ?? null },
    },
    opts,
  );
  return { id };
}
