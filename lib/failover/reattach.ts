/**
 * Re-attach a former primary (fenced after a promotion) as a standby of the current primary,
 * with pg_rewind. A separate, guarded action (the operator types the member's name: pg_rewind
 * throws away whatever the old primary wrote after the timelines forked).
 *
 * Steps (persisted like a promotion, ./runner.ts; point of no return: pg_rewind):
 *   preflight     the member is not the primary; the primary answers as a primary; SSH and the
 *                 primary's admin role are configured
 *   stop_member   pg_ctl stop -m fast when it runs (a split-brain primary is stopped here)
 *   checkpoint    CHECKPOINT on the primary (pg_rewind reads the source's control file)
 *   save_config   postgresql.conf, pg_hba.conf, pg_ident.conf, postgresql.auto.conf of the member,
 *                 kept encrypted in the operation's state (pg_rewind overwrites them with the source's)
 *   pg_rewind     --target-pgdata <dataDir> --source-server '<primary, admin role>'; the password
 *                 goes through stdin into PGPASSWORD, never into argv
 *   configure     the member's own config files back; postgresql.auto.conf without old
 *                 primary_conninfo/primary_slot_name plus new ones (replication credentials taken
 *                 from the source's primary_conninfo that pg_rewind copied, host/port = the primary);
 *                 a physical slot on the primary; standby.signal
 *   start         pg_ctl start
 *   verify        the member streams from the primary on the primary's timeline
 *   update_model  fenced = false, role standby
 */
import { audit, bumpModelRevision } from "@/lib/audit";
import type { Tx } from "@/lib/db/client";
import { probeMember } from "@/lib/replication/probes";
import { decryptSecret, encryptSecret } from "@/lib/secrets";
import { confQuote, dropConfKeys, formatConninfo, parseConninfo, readConfString, withPg } from "./pg";
import { loadCluster, type ProbeFn } from "./preflight";
import { hostAccess, pgBin, pgCtlStart, pgCtlStatus, pgCtlStop, withSsh } from "./remote";
import { FailoverNotFound, RequestRefused, StepRefused } from "./errors";
import { assertNoOperation, registerOperation, startOperation, type RunnerDeps, type StepContext, type StepDef } from "./runner";
import type { PlanStep, PreflightCheck, ReattachRequest } from "./types";
import { posix } from "node:path";

interface ReattachDeps extends RunnerDeps {
  probe?: ProbeFn;
}
type Ctx = StepContext<ReattachDeps>;
type Cluster = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;
type Member = Cluster["members"][number];

const CONFIG_FILES = ["postgresql.conf", "pg_hba.conf", "pg_ident.conf", "postgresql.auto.conf"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function defaultSlotName(memberName: string): string {
  return `bhd_${memberName.toLowerCase().replace(/[^a-z0-9_]/g, "_")}`.slice(0, 63);
}

function adminConn(m: Member) {
  if (!m.adminPasswordEnc) throw new Error(`no admin password stored for ${m.name}`);
  return { host: m.address, port: m.port, user: m.adminUser, password: decryptSecret(m.adminPasswordEnc), database: m.dbName };
}

function monitorEndpoint(m: Member) {
  return { host: m.address, port: m.port, user: m.monitorUser, password: m.monitorPasswordEnc ? decryptSecret(m.monitorPasswordEnc) : "", database: m.dbName };
}

async function members(ctx: Ctx): Promise<{ cluster: Cluster; member: Member; primary: Member }> {
  const cluster = await loadCluster(ctx.deps.db, ctx.promotion.clusterId);
  if (!cluster) throw new Error("the cluster no longer exists");
  const member = cluster.members.find((m) => m.id === ctx.promotion.targetMemberId);
  const primary = cluster.members.find((m) => m.id === ctx.promotion.oldPrimaryId);
  if (!member || !primary) throw new Error("a member of this re-attach no longer exists");
  return { cluster, member, primary };
}

export interface ReattachPreflight {
  clusterId: number;
  clusterName: string;
  member: { id: number; name: string } | null;
  primary: { id: number; name: string; timeline: number | null } | null;
  checks: PreflightCheck[];
  allowed: boolean;
  plan: PlanStep[];
}

export function reattachPlan(member: string, primary: string): PlanStep[] {
  return [
    { name: "preflight", description: `check ${primary} is the primary and ${member} can be reached over SSH` },
    { name: "stop_member", description: `stop ${member} if it runs (pg_ctl stop -m fast)` },
    { name: "checkpoint", description: `CHECKPOINT on ${primary}` },
    { name: "save_config", description: `keep ${member}'s configuration files (pg_rewind overwrites them)` },
    { name: "pg_rewind", description: `pg_rewind ${member} from ${primary}: discards what ${member} wrote after the fork` },
    { name: "configure", description: `restore ${member}'s configuration; primary_conninfo and slot towards ${primary}; standby.signal` },
    { name: "start", description: `start ${member} (pg_ctl start)` },
    { name: "verify", description: `${member} streams from ${primary}` },
    { name: "update_model", description: `${member} is a standby again (no longer fenced)` },
  ];
}

export async function reattachPreflight(deps: ReattachDeps, clusterId: number, memberId: number): Promise<ReattachPreflight> {
  const cluster = await loadCluster(deps.db, clusterId);
  if (!cluster) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  const member = cluster.members.find((m) => m.id === memberId) ?? null;
  const primary = cluster.members.find((m) => m.role === "primary" && m.id !== memberId) ?? null;
  const checks: PreflightCheck[] = [];
  const add = (code: string, ok: boolean, severity: PreflightCheck["severity"], message: string) => checks.push({ code, ok, severity, message });
  let tli: number | null = null;
  if (!member) add("member", false, "blocker", `member ${memberId} is not in cluster ${cluster.name}`);
  else if (member.role === "primary") add("member", false, "blocker", `${member.name} is the primary`);
  else add("member", true, member.fenced ? "info" : "warning", member.fenced ? `${member.name} is a fenced former primary` : `${member.name} is not fenced: it will be rewound anyway`);
  if (!primary) add("primary", false, "blocker", "the model has no primary in this cluster");
  else {
    const r = await (deps.probe ?? probeMember)(monitorEndpoint(primary), { timeoutMs: 3000 });
    if (r.kind === "primary") {
      tli = r.timeline;
      add("primary", true, "info", `${primary.name} answers as the primary on timeline ${r.timeline}`);
    } else add("primary", false, "blocker", `${primary.name} does not answer as a primary (${r.kind}${"error" in r ? `: ${r.error}` : ""})`);
    if (!primary.adminPasswordEnc) add("primary_admin", false, "blocker", `no admin password stored for ${primary.name} (CHECKPOINT and pg_rewind need it)`);
  }
  if (member) {
    const a = hostAccess(member);
    if (a.ok) add("ssh", true, "info", `${member.name} is reached over SSH as ${a.access.username}@${a.access.hostName}`);
    else add("ssh", false, "blocker", a.reason);
  }
  const running = await deps.db.promotion.findFirst({ where: { clusterId, status: "running" } });
  if (running) add("operation_running", false, "blocker", `operation #${running.id} is running on this cluster`);
  return {
    clusterId,
    clusterName: cluster.name,
    member: member ? { id: member.id, name: member.name } : null,
    primary: primary ? { id: primary.id, name: primary.name, timeline: tli } : null,
    checks,
    allowed: checks.every((c) => c.ok || c.severity !== "blocker"),
    plan: reattachPlan(member?.name ?? "the member", primary?.name ?? "the primary"),
  };
}

const steps: StepDef<ReattachDeps>[] = [
  {
    name: "preflight",
    async run(ctx) {
      const pf = await reattachPreflight(ctx.deps, ctx.promotion.clusterId, ctx.promotion.targetMemberId);
      for (const c of pf.checks) await ctx.log(`${c.ok ? "ok" : "REFUSED"}: ${c.message}`);
      const blockers = pf.checks.filter((c) => !c.ok && c.severity === "blocker" && c.code !== "operation_running");
      if (blockers.length) throw new StepRefused(blockers.map((b) => b.message).join("; "), blockers);
      ctx.state.primaryTimeline = pf.primary?.timeline ?? null;
    },
  },
  {
    name: "stop_member",
    async run(ctx) {
      const { member } = await members(ctx);
      const a = hostAccess(member);
      if (!a.ok) throw new Error(a.reason);
      // A fenced former primary restarted in recovery may already follow the new primary (after a
      // clean switchover its WAL ends where the new timeline begins): then there is nothing to rewind.
      const { primary } = await members(ctx);
      const [m, p] = await Promise.all([
        (ctx.deps.probe ?? probeMember)(monitorEndpoint(member), { timeoutMs: 3000 }),
        (ctx.deps.probe ?? probeMember)(monitorEndpoint(primary), { timeoutMs: 3000 }),
      ]);
      ctx.state.alreadyFollowing =
        m.kind === "standby" && p.kind === "primary" && m.walReceiver?.status === "streaming" && m.timeline === p.timeline && m.walReceiver.senderPort === primary.port;
      if (ctx.state.alreadyFollowing) await ctx.log(`${member.name} already streams from ${primary.name} on timeline ${p.kind === "primary" ? p.timeline : "?"}: no rewind needed`);
      await withSsh(a.access, async (sh) => {
        if ((await pgCtlStatus(sh, member.pgBinDir, a.dataDir)) === "running") {
          await pgCtlStop(sh, member.pgBinDir, a.dataDir, "fast");
          await ctx.log(`${member.name} was running: stopped (pg_ctl stop -m fast)`);
        } else await ctx.log(`${member.name} is stopped`);
      });
    },
  },
  {
    name: "checkpoint",
    async run(ctx) {
      const { primary } = await members(ctx);
      await withPg(adminConn(primary), (q) => q("CHECKPOINT"), { statementTimeoutMs: 120_000 });
      await ctx.log(`CHECKPOINT on ${primary.name} done`);
    },
  },
  {
    name: "save_config",
    async run(ctx) {
      if (ctx.state.savedConfigEnc) {
        await ctx.log("configuration already saved by an earlier run of this step");
        return;
      }
      const { member } = await members(ctx);
      const a = hostAccess(member);
      if (!a.ok) throw new Error(a.reason);
      const files: Record<string, string | null> = {};
      await withSsh(a.access, async (sh) => {
        for (const f of CONFIG_FILES) files[f] = await sh.readFile(posix.join(a.dataDir, f));
      });
      ctx.state.savedConfigEnc = encryptSecret(JSON.stringify(files));
      ctx.state.savedConfigFiles = Object.keys(files).filter((k) => files[k] !== null);
      await ctx.log(`kept ${(ctx.state.savedConfigFiles as string[]).join(", ")} (encrypted in this operation's state)`);
    },
  },
  {
    name: "pg_rewind",
    async run(ctx) {
      const { member, primary } = await members(ctx);
      const a = hostAccess(member);
      if (!a.ok) throw new Error(a.reason);
      const admin = adminConn(primary);
      const source = formatConninfo([
        ["host", primary.address],
        ["port", String(primary.port)],
        ["user", admin.user],
        ["dbname", admin.database],
        ["connect_timeout", "10"],
      ]);
      if (ctx.state.alreadyFollowing) {
        await ctx.log(`${member.name} already followed ${primary.name}'s timeline: pg_rewind not needed`);
        return "skipped";
      }
      const t0 = Date.now();
      // pg_rewind recovers a crashed target in single-user mode first, which refuses standby.signal:
      // it is set aside for the run of pg_rewind only (the member is stopped meanwhile) and put back.
      const r = await withSsh(a.access, (sh) =>
        sh.run(
          [
            "sh",
            "-c",
            'IFS= read -r PGPASSWORD; export PGPASSWORD; d=$3; s="$d/standby.signal"; k=; if [ -f "$s" ]; then mv -f "$s" "$s.bhd-rewind" && k=1; fi; "$@"; rc=$?; if [ -n "$k" ]; then mv -f "$s.bhd-rewind" "$s"; fi; exit $rc',
            "sh",
            pgBin(member.pgBinDir, "pg_rewind"),
            "--target-pgdata",
            a.dataDir,
            "--source-server",
            source,
          ],
          { timeoutMs: 30 * 60_000, stdin: `${admin.password}\n` },
        ),
      );
      const out = `${r.stdout}${r.stderr}`.trim();
      for (const line of out.split("\n").slice(-12)) if (line.trim()) await ctx.log(line);
      if (r.code !== 0) throw new Error(`pg_rewind exited ${r.code}`);
      ctx.state.pgRewindMs = Date.now() - t0;
      await ctx.log(`pg_rewind done in ${ctx.state.pgRewindMs} ms`);
    },
  },
  {
    name: "configure",
    async run(ctx) {
      const { member, primary } = await members(ctx);
      const a = hostAccess(member);
      if (!a.ok) throw new Error(a.reason);
      const saved = JSON.parse(decryptSecret(String(ctx.state.savedConfigEnc))) as Record<string, string | null>;
      const slot = member.slotName ?? defaultSlotName(member.name);
      // Replication credentials: the primary's own primary_conninfo (kept from its standby days;
      // superuser-only setting), else the copy pg_rewind made, else the member's own.
      const fromPrimary = await withPg(adminConn(primary), async (q) => {
        const [r] = await q("SELECT current_setting('primary_conninfo', true) AS c");
        return typeof r?.c === "string" && r.c.trim() ? r.c : null;
      });
      await withSsh(a.access, async (sh) => {
        const copiedAuto = (await sh.readFile(posix.join(a.dataDir, "postgresql.auto.conf"))) ?? "";
        const conninfo = fromPrimary ?? readConfString(copiedAuto, "primary_conninfo") ?? readConfString(saved["postgresql.auto.conf"] ?? "", "primary_conninfo");
        if (!conninfo) {
          throw new Error(`no primary_conninfo found (not on ${primary.name}, not copied by pg_rewind, not in ${member.name}'s own postgresql.auto.conf): replication credentials unknown`);
        }
        await ctx.log(`replication credentials from ${fromPrimary ? `${primary.name}'s primary_conninfo` : "a postgresql.auto.conf"}`);
        const pairs = parseConninfo(conninfo).filter(([k]) => !["host", "hostaddr", "port", "application_name"].includes(k));
        pairs.push(["host", primary.address], ["port", String(primary.port)], ["application_name", member.name.replace(/[^A-Za-z0-9_.-]/g, "_")]);
        for (const f of ["postgresql.conf", "pg_hba.conf", "pg_ident.conf"]) {
          const text = saved[f];
          if (text !== null && text !== undefined) await sh.writeFile(posix.join(a.dataDir, f), text);
        }
        const base = dropConfKeys(saved["postgresql.auto.conf"] ?? "# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n", ["primary_conninfo", "primary_slot_name"]).replace(/\n*$/, "\n");
        const auto = `${base}# re-attached by bacula-ha dashboard (operation ${ctx.promotion.id})\nprimary_conninfo = ${confQuote(formatConninfo(pairs))}\nprimary_slot_name = ${confQuote(slot)}\n`;
        await sh.writeFile(posix.join(a.dataDir, "postgresql.auto.conf"), auto);
        await sh.writeFile(posix.join(a.dataDir, "standby.signal"), "");
        await ctx.log(`restored ${["postgresql.conf", "pg_hba.conf", "pg_ident.conf"].filter((f) => saved[f] != null).join(", ")}; primary_conninfo -> ${primary.address}:${primary.port}; slot ${slot}; standby.signal written`);
      });
      await withPg(adminConn(primary), async (q) => {
        const rows = await q("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slot]);
        if (rows.length === 0) {
          await q("SELECT pg_create_physical_replication_slot($1, true)", [slot]);
          await ctx.log(`physical slot ${slot} created on ${primary.name}`);
        } else await ctx.log(`slot ${slot} exists on ${primary.name}`);
      });
      ctx.state.slotName = slot;
    },
  },
  {
    name: "start",
    async run(ctx) {
      const { member } = await members(ctx);
      const a = hostAccess(member);
      if (!a.ok) throw new Error(a.reason);
      await withSsh(a.access, async (sh) => {
        if ((await pgCtlStatus(sh, member.pgBinDir, a.dataDir)) === "running") return ctx.log(`${member.name} already runs`);
        await pgCtlStart(sh, member.pgBinDir, a.dataDir);
        await ctx.log(`${member.name} started`);
      });
    },
  },
  {
    name: "verify",
    async run(ctx) {
      const { member, primary } = await members(ctx);
      const deadline = Date.now() + 90_000;
      let last = "";
      for (;;) {
        const [m, p] = await Promise.all([
          (ctx.deps.probe ?? probeMember)(monitorEndpoint(member), { timeoutMs: 3000 }),
          (ctx.deps.probe ?? probeMember)(monitorEndpoint(primary), { timeoutMs: 3000 }),
        ]);
        if (m.kind === "standby" && p.kind === "primary") {
          const row = p.replication.find((r) => r.state === "streaming" && p.slots.some((s) => s.slotName === ctx.state.slotName && s.activePid === r.pid));
          if (m.walReceiver?.status === "streaming" && row && m.timeline === p.timeline) {
            await ctx.log(`${member.name} streams from ${primary.name} on timeline ${p.timeline} (slot ${String(ctx.state.slotName)}, replay lag ${row.replayLagBytes ?? "?"} bytes)`);
            return;
          }
          last = `receiver ${m.walReceiver?.status ?? "none"}, timeline ${m.timeline} vs ${p.timeline}, slot row ${row ? "found" : "missing"}`;
        } else last = `${member.name}: ${m.kind}, ${primary.name}: ${p.kind}`;
        if (Date.now() > deadline) throw new Error(`${member.name} does not stream within 90 s (${last})`);
        await sleep(250);
      }
    },
  },
  {
    name: "update_model",
    async run(ctx) {
      const { member } = await members(ctx);
      await ctx.deps.db.$transaction(async (tx) => {
        await tx.catalogMember.update({
          where: { id: member.id },
          data: { fenced: false, fenceState: "none", fencedAt: null, fenceNote: null, fenceOperationId: null, role: "standby", slotName: String(ctx.state.slotName ?? member.slotName ?? "") || null },
        });
        await audit({ actor: ctx.promotion.actor, action: "update", entityType: "catalog-members", entityId: member.id, entityName: member.name, before: { fenced: member.fenced, fenceState: member.fenceState, role: member.role }, after: { fenced: false, fenceState: "none", role: "standby" } }, tx);
        await bumpModelRevision(tx);
      });
      await ctx.log(`${member.name} is a standby in the model again`);
    },
  },
];

registerOperation<ReattachDeps>("reattach", {
  steps: () => steps,
  pointOfNoReturn: "pg_rewind",
  async rollback(ctx) {
    return `nothing to undo: ${ctx.promotion.targetName} stays stopped (fenced) until a re-attach succeeds`;
  },
});

export type ReattachStart = { kind: "dry_run"; preflight: ReattachPreflight } | { kind: "started"; id: number };

/**
 * Validate (fresh preflight, typed member name), persist and start a re-attach. Throws
 * RequestRefused (nothing created), FailoverNotFound or OperationRunning.
 */
export async function startReattach(
  deps: ReattachDeps,
  clusterId: number,
  req: ReattachRequest,
  who: { actor: string; ip?: string | null },
  opts: { background?: boolean } = {},
): Promise<ReattachStart> {
  if (!req.dryRun) await assertNoOperation(deps.db, clusterId);
  const pf = await reattachPreflight(deps, clusterId, req.memberId);
  if (req.dryRun) return { kind: "dry_run", preflight: pf };
  const blockers = pf.checks.filter((c) => !c.ok && c.severity === "blocker" && c.code !== "operation_running");
  if (blockers.length) throw new RequestRefused(`Re-attach refused: ${blockers.map((c) => c.message).join("; ")}`, "memberId", { preflight: pf });
  if (req.confirmMemberName !== pf.member?.name) throw new RequestRefused(`Type the member's name "${pf.member?.name}" to confirm`, "confirmMemberName", { preflight: pf });
  const id = await startOperation(
    deps,
    {
      clusterId,
      kind: "reattach",
      mode: "reattach",
      targetMemberId: pf.member!.id,
      targetName: pf.member!.name,
      oldPrimaryId: pf.primary!.id,
      oldPrimaryName: pf.primary!.name,
      actor: who.actor,
      preflight: pf,
      state: { requestedAt: Date.now() },
      steps: steps.map((s) => s.name),
      audit: { entityName: pf.clusterName, after: { member: pf.member?.name, primary: pf.primary?.name }, ip: who.ip ?? null },
    },
    opts,
  );
  return { kind: "started", id };
}
