/**
 * Preflight of a promotion: reads, never writes. It proves every credential and privilege the
 * promotion will use before anything changes, and decides the mode:
 *
 *  - The target must be a reachable standby (in recovery): a primary, an unreachable member, an
 *    authentication failure or a fenced former primary are refused (blockers, not forceable).
 *  - The target's admin role logs in to the target's database, and may run pg_promote and
 *    pg_wal_replay_resume *there* (has_function_privilege: function grants are per database).
 *  - Its timeline must not be behind the primary's (Patroni's rule): a blocker.
 *  - Replay byte lag must be at most the cluster's maxLagBytes (default 1 MiB, Patroni's
 *    maximum_lag_on_failover): forceable by an admin with a typed reason.
 *  - Mode: the old primary answers as a primary -> switchover (it is fenced first, then the target
 *    replays its last WAL, so no committed transaction is lost); it does not answer -> failover
 *    (the operator types the cluster name and is told what may be lost). It answers but is in
 *    recovery, or refuses the monitoring role -> undecidable: a blocker.
 *  - The fence: SSH to the old primary's host (pinned key), the SSH user runs `pg_ctl status` on
 *    that data directory as postgres, and the directory is writable (standby.signal). In a
 *    switchover any failure is a blocker; in a failover it is "unfenced": refused unless an admin
 *    confirms "promote without fencing" with a typed reason.
 *  - pg_rewind prerequisites for the later re-attach (wal_log_hints or data checksums): a warning.
 *
 * Each failed check carries the fix in words, and the result links to the requirements page.
 * The connections it opens go into the given session (an operation reuses them); without one, a
 * one-shot session is closed at the end.
 */
import type { PrismaClient } from "@prisma/client";
import { lsnDiff } from "@/lib/replication/lsn";
import { probeMember } from "@/lib/replication/probes";
import type { ProbeResult } from "@/lib/replication/types";
import { formatBytes } from "@/lib/replication/health";
import { decryptSecret } from "@/lib/secrets";
import { FailoverNotFound } from "./errors";
import { openPg, parseConninfo, sqlState, type PgConn, type PgSession } from "./pg";
import { asDataOwner, describeSshError, hostAccess, parseControlData, pgBin, sessionShell, type ControlData } from "./remote";
import { WRITABLE_SCRIPT } from "./fence";
import { OperationSession } from "./session";
import { PROMOTION_REQUIREMENTS_URL, type PlanStep, type PreflightCheck, type PreflightMember, type PreflightResult, type PromotionMode } from "./types";

export type ProbeFn = typeof probeMember;

export interface PreflightOptions {
  probe?: ProbeFn;
  probeTimeoutMs?: number;
  /** Keep the connections opened here (an operation's session); default: closed at the end. */
  session?: OperationSession;
  /** SSH connect budget of the fence check (default 5000 ms). */
  sshConnectTimeoutMs?: number;
}

type Cluster = NonNullable<Awaited<ReturnType<typeof loadCluster>>>;
type Member = Cluster["members"][number];

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
  const steps: PlanStep[] = [{ name: "preflight", description: `check again that ${names.target} is a standby fit to promote and that every credential and privilege below works` }];
  if (mode === "failover") {
    steps.push({
      name: "fence_old_primary",
      description: `${old} does not answer: over SSH, write standby.signal and a primary_conninfo towards ${names.target} in its data directory, then stop it if it still runs (pg_ctl stop -m fast, -m immediate, SIGKILL, bounded); without SSH it stays NOT FENCED (only with "promote without fencing")`,
    });
  } else {
    steps.push({ name: "fence_old_primary", description: `over SSH: write standby.signal and a primary_conninfo towards ${names.target} in ${old}'s data directory (any restart comes up in recovery), stop it (pg_ctl stop -m fast, escalating, bounded), read its last checkpoint LSN (pg_controldata)` });
    steps.push({ name: "wait_replay", description: `wait until ${names.target} has replayed ${old}'s last WAL record (no committed transaction lost)` });
  }
  steps.push({ name: "promote", description: `SELECT pg_promote(true, 60) on ${names.target} (admin role); if it fails while ${names.target} is still in recovery, ${old} is restarted and nothing changes` });
  steps.push({ name: "verify", description: `${names.target} out of recovery, on a new timeline, assigns transaction ids (writable)` });
  steps.push({
    name: "update_model",
    description: `${names.target} becomes primary, ${old} a fenced standby (or NOT FENCED); Catalogs of the cluster point at ${names.target}`,
  });
  steps.push({ name: "director_switchover", description: "hand the new catalog address to the Director deploy (skipped while no deploy engine is configured)" });
  return steps;
}

/** Admin connection of a member (decrypted password), or why there is none. */
export function adminConnOf(m: Pick<Member, "name" | "address" | "port" | "adminUser" | "adminPasswordEnc" | "dbName">): { ok: true; conn: PgConn } | { ok: false; reason: string } {
  if (!m.adminPasswordEnc) return { ok: false, reason: `no admin password stored for ${m.name} (role ${m.adminUser})` };
  try {
    return { ok: true, conn: { host: m.address, port: m.port, user: m.adminUser, password: decryptSecret(m.adminPasswordEnc), database: m.dbName } };
  } catch (e) {
    return { ok: false, reason: `the admin password of ${m.name} cannot be decrypted (${(e as Error).message})` };
  }
}

/** The operation's admin connection to a member (kept in the session). */
export async function adminSession(session: OperationSession, m: Member, opts: { connectTimeoutMs?: number } = {}): Promise<PgSession> {
  const a = adminConnOf(m);
  if (!a.ok) throw new Error(a.reason);
  return session.get(`pg-admin:${m.id}`, () => openPg(a.conn, { connectTimeoutMs: opts.connectTimeoutMs ?? 5000, statementTimeoutMs: 15_000 }), {
    close: (s) => s.close(),
    alive: (s) => s.alive(),
  });
}

const q = (s: string) => `"${s.replace(/"/g, '""')}"`;

interface AdminFacts {
  ok: boolean;
  error?: string;
  fix?: string;
  superuser?: boolean;
  promote?: boolean;
  resume?: boolean;
  database?: string;
  conninfo?: string | null;
  conninfoError?: string | null;
  walLogHints?: string | null;
  dataChecksums?: string | null;
}

async function adminFacts(session: OperationSession, target: Member, primaryName: string | null): Promise<AdminFacts> {
  const a = adminConnOf(target);
  if (!a.ok) return { ok: false, error: a.reason, fix: `store the password of role ${target.adminUser} for member ${target.name} (Inventory → Catalog members → ${target.name} → admin password)` };
  let s: PgSession;
  try {
    s = await adminSession(session, target, { connectTimeoutMs: 3000 });
  } catch (err) {
    const code = sqlState(err);
    const msg = err instanceof Error ? err.message : String(err);
    const where = `database ${target.dbName} on ${target.name} (${target.address}:${target.port})`;
    if (code === "28P01") return { ok: false, error: `the admin role ${target.adminUser} cannot log in to ${where}: ${msg}`, fix: `store the current password of role ${target.adminUser} for member ${target.name}, or set it on the primary${primaryName ? ` ${primaryName}` : ""}: ALTER ROLE ${q(target.adminUser)} PASSWORD '…';` };
    if (code === "28000") return { ok: false, error: `the admin role ${target.adminUser} is refused by ${where}: ${msg}`, fix: `allow it in ${target.name}'s pg_hba.conf (host ${target.dbName} ${target.adminUser} <the app's address>/32 scram-sha-256) and reload PostgreSQL` };
    if (code === "3D000") return { ok: false, error: `the database ${target.dbName} does not exist on ${target.name}: ${msg}`, fix: `set the member's database to the catalog's database` };
    return { ok: false, error: `the admin role ${target.adminUser} cannot log in to ${where}: ${msg}`, fix: `check that ${target.name} accepts connections from the app on ${target.address}:${target.port}` };
  }
  try {
    const [r] = await s.q(
      `SELECT r.rolsuper AS superuser,
              has_function_privilege(current_user, 'pg_catalog.pg_promote(boolean, integer)', 'EXECUTE') AS promote,
              has_function_privilege(current_user, 'pg_catalog.pg_wal_replay_resume()', 'EXECUTE') AS resume,
              current_database() AS database,
              current_setting('wal_log_hints') AS wal_log_hints,
              current_setting('data_checksums') AS data_checksums,
              (r.rolsuper OR pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')) AS can_read_settings
         FROM pg_roles r WHERE r.rolname = current_user`,
      [],
      { timeoutMs: 3000 },
    );
    let conninfo: string | null = null;
    let conninfoError: string | null = null;
    if (r?.can_read_settings === true) {
      const [c] = await s.q("SELECT current_setting('primary_conninfo') AS c", [], { timeoutMs: 3000 });
      conninfo = typeof c?.c === "string" && c.c.trim() ? c.c : null;
      if (!conninfo) conninfoError = `${target.name} has no primary_conninfo`;
    } else conninfoError = `role ${target.adminUser} may not read primary_conninfo (superuser or pg_read_all_settings only)`;
    return {
      ok: true,
      superuser: r?.superuser === true,
      promote: r?.promote === true,
      resume: r?.resume === true,
      database: String(r?.database ?? target.dbName),
      conninfo,
      conninfoError,
      walLogHints: typeof r?.wal_log_hints === "string" ? r.wal_log_hints : null,
      dataChecksums: typeof r?.data_checksums === "string" ? r.data_checksums : null,
    };
  } catch (err) {
    return { ok: false, error: `checking the privileges of ${target.adminUser} on ${target.name} failed: ${err instanceof Error ? err.message : String(err)}`, fix: "check the role and the database" };
  }
}

interface FenceFacts {
  configured: boolean;
  reason?: string;
  fix?: string;
  host?: string;
  user?: string;
  ssh?: { ok: boolean; message: string; fix?: string };
  pgCtl?: { ok: boolean; running: boolean | null; message: string; fix?: string };
  writable?: { ok: boolean; message: string; fix?: string };
  control?: ControlData | null;
}

function sudoFix(user: string, pgBinDir: string): string {
  return (
    `log in as postgres (authorise the app's key for postgres on the host: recommended), or as root, or give ${user} a sudoers rule to run commands as postgres without a password ` +
    `(${user} ALL=(postgres) NOPASSWD: ${pgBin(pgBinDir, "pg_ctl")}, ${pgBin(pgBinDir, "pg_controldata")}, ${pgBin(pgBinDir, "pg_rewind")}, /bin/sh, /usr/bin/env, /usr/bin/tail — the fence runs small sh scripts as postgres)`
  );
}

async function fenceFacts(session: OperationSession, old: Member, opts: PreflightOptions): Promise<FenceFacts> {
  const a = hostAccess(old);
  if (!a.ok) {
    return {
      configured: false,
      reason: a.reason,
      fix: !old.host
        ? `choose the SSH host of ${old.name} (Inventory → Catalog members → ${old.name} → host)`
        : !old.dataDirectory
          ? `set the data directory of ${old.name}`
          : `store a private key and pin the host key of host ${old.host.name} (Hosts page)`,
    };
  }
  const out: FenceFacts = { configured: true, host: a.access.hostName, user: a.access.username };
  let sh;
  try {
    sh = await sessionShell(session, a.access, { connectTimeoutMs: opts.sshConnectTimeoutMs ?? 5000 });
    out.ssh = { ok: true, message: `SSH to ${a.access.username}@${a.access.address}:${a.access.port} (host ${a.access.hostName}) works` };
  } catch (err) {
    const d = describeSshError(err, a.access);
    out.ssh = { ok: false, message: d.message, fix: d.fix };
    return out;
  }
  const pgctl = pgBin(old.pgBinDir, "pg_ctl");
  const [st, wr] = await Promise.allSettled([
    sh.run([pgctl, "status", "-D", a.dataDir], { timeoutMs: 10_000 }),
    sh.run(["sh", "-c", `${WRITABLE_SCRIPT}\nLC_ALL=C "$2" -D "$1"`, "sh", a.dataDir, pgBin(old.pgBinDir, "pg_controldata")], { timeoutMs: 10_000 }),
  ]);
  const runAs = a.access.username === "postgres" ? "postgres" : `postgres (through ${asDataOwner(a.access.username, ["…"])[0]})`;
  if (st.status === "rejected") {
    out.pgCtl = { ok: false, running: null, message: `running pg_ctl status on ${a.access.hostName} failed: ${(st.reason as Error).message}`, fix: "check the host's SSH server" };
  } else {
    const r = st.value;
    const text = (r.stderr || r.stdout).trim().split("\n").slice(0, 3).join(" ");
    if (r.code === 0 || r.code === 3) {
      out.pgCtl = { ok: true, running: r.code === 0, message: `${a.access.username} runs pg_ctl status -D ${a.dataDir} as ${runAs} on ${a.access.hostName}: ${r.code === 0 ? "a server runs" : "no server runs"}` };
    } else if (r.code === 4) {
      out.pgCtl = { ok: false, running: null, message: `pg_ctl status finds no usable data directory ${a.dataDir} on ${a.access.hostName}: ${text}`, fix: `set the data directory of ${old.name} to the one its postgres runs on (SHOW data_directory)` };
    } else {
      out.pgCtl = {
        ok: false,
        running: null,
        message: `the SSH user ${a.access.username} cannot run pg_ctl status on ${a.dataDir} as postgres on ${a.access.hostName} (exit ${r.code}: ${text || "no output"})`,
        fix: sudoFix(a.access.username, old.pgBinDir),
      };
    }
  }
  if (wr.status === "rejected") {
    out.writable = { ok: false, message: `checking ${a.dataDir} on ${a.access.hostName} failed: ${(wr.reason as Error).message}` };
  } else {
    const r = wr.value;
    if (r.stdout.includes("writable")) {
      out.writable = { ok: true, message: `${a.dataDir} is writable as postgres (standby.signal, primary_conninfo)` };
      out.control = r.code === 0 ? parseControlData(r.stdout) : null;
    } else {
      const text = (r.stderr || r.stdout).trim().split("\n").slice(0, 2).join(" ");
      out.writable = {
        ok: false,
        message: `${a.dataDir} on ${a.access.hostName} cannot be written as postgres by ${a.access.username} (exit ${r.code}: ${text || "no output"})`,
        fix: r.code === 4 || r.code === 5 ? `the data directory must exist and belong to postgres; check the data directory of ${old.name}` : sudoFix(a.access.username, old.pgBinDir),
      };
    }
  }
  return out;
}

/** The full preflight. Throws FailoverNotFound when the cluster or the target does not exist. */
export async function preflight(db: PrismaClient, clusterId: number, targetMemberId: number, opts: PreflightOptions = {}): Promise<PreflightResult> {
  const cluster = await loadCluster(db, clusterId);
  if (!cluster) throw new FailoverNotFound(`catalog cluster ${clusterId} does not exist`);
  const target = cluster.members.find((m) => m.id === targetMemberId);
  if (!target) throw new FailoverNotFound(`member ${targetMemberId} is not in catalog cluster ${cluster.name}`);
  const session = opts.session ?? new OperationSession();
  try {
    return await runPreflight(db, cluster, target, session, opts);
  } finally {
    if (!opts.session) await session.close();
  }
}

async function runPreflight(db: PrismaClient, cluster: Cluster, target: Member, session: OperationSession, opts: PreflightOptions): Promise<PreflightResult> {
  const clusterId = cluster.id;
  const old = cluster.members.find((m) => m.role === "primary" && m.id !== target.id) ?? null;
  const others = cluster.members.filter((m) => m.id !== target.id && m.id !== old?.id && m.role === "standby" && !m.fenced);

  // Everything that goes over the network, and the database reads, at once.
  const samples = Promise.all([
    db.promotion.findFirst({ where: { clusterId, status: "running" }, select: { id: true, kind: true } }),
    old ? db.replicationSample.findFirst({ where: { memberId: old.id, timeline: { not: null } }, orderBy: { atMs: "desc" } }) : Promise.resolve(null),
    db.replicationSample.findFirst({ where: { memberId: target.id, replayLagBytes: { not: null } }, orderBy: { atMs: "desc" } }),
  ]);
  const [tr, pr, af, ff, ...ors] = await Promise.all([
    probe(target, opts),
    old ? probe(old, opts) : Promise.resolve(null),
    adminFacts(session, target, old?.name ?? null),
    old ? fenceFacts(session, old, opts) : Promise.resolve(null),
    ...others.map((m) => probe(m, opts)),
  ]);
  const [running, lastPrimarySample, lastTargetSample] = await samples;
  const checks: PreflightCheck[] = [];
  const add = (code: string, ok: boolean, severity: PreflightCheck["severity"], message: string, fix?: string) => checks.push({ code, ok, severity, message, ...(fix && !ok ? { fix } : {}) });

  if (running) add("operation_running", false, "blocker", `${running.kind === "reattach" ? "re-attach" : running.kind === "fence" ? "fence" : running.kind === "director" ? "Director switch" : "promotion"} #${running.id} is running on this cluster`, "wait for it to finish");

  // --- target ---------------------------------------------------------------------------------
  if (target.role === "primary") add("target_is_primary", false, "blocker", `${target.name} is the cluster's primary in the model`, "choose a standby");
  if (target.fenced) add("target_fenced", false, "blocker", `${target.name} is a fenced former primary`, `re-attach it as a standby first (Re-attach…)`);
  if (tr.kind === "standby") add("target_in_recovery", true, "info", `${target.name} is a standby (in recovery)`);
  else if (tr.kind === "primary") add("target_in_recovery", false, "blocker", `${target.name} is not in recovery (it already runs as a primary): nothing to promote`, "fix the model: it is already writable");
  else if (tr.kind === "unreachable") add("target_reachable", false, "blocker", `${target.name} is unreachable: ${tr.error}`, `start it, or check ${target.address}:${target.port}`);
  else add("target_reachable", false, "blocker", `${target.name} cannot be checked with the monitoring role (${tr.kind}): ${tr.error}`, `store the monitoring role's password for ${target.name}`);

  // --- credentials and privileges on the target ------------------------------------------------
  if (!af.ok) {
    add("target_admin_login", false, "blocker", af.error ?? "admin login failed", af.fix);
  } else {
    add("target_admin_login", true, "info", `admin role ${target.adminUser} logs in to database ${af.database} on ${target.name}${af.superuser ? " (superuser)" : ""}`);
    const grantFix = (fn: string) =>
      `on the primary${old ? ` ${old.name}` : ""}, connected to database ${af.database}: GRANT EXECUTE ON FUNCTION ${fn} TO ${q(target.adminUser)}; — function grants are per database (a grant made in another database does not count); the standby receives it through replication`;
    add(
      "target_promote_privilege",
      af.promote === true,
      "blocker",
      af.promote ? `${target.adminUser} may run pg_promote in database ${af.database} on ${target.name}` : `role ${target.adminUser} may not run pg_promote(boolean, integer) in database ${af.database} on ${target.name}`,
      grantFix("pg_catalog.pg_promote(boolean, integer)"),
    );
    add(
      "target_resume_privilege",
      af.resume === true,
      "blocker",
      af.resume ? `${target.adminUser} may run pg_wal_replay_resume in database ${af.database} on ${target.name}` : `role ${target.adminUser} may not run pg_wal_replay_resume() in database ${af.database} on ${target.name} (needed when replay is paused)`,
      grantFix("pg_catalog.pg_wal_replay_resume()"),
    );
    if (old) {
      if (af.conninfo) {
        const user = parseConninfoSafe(af.conninfo).find(([k]) => k === "user")?.[1];
        add("fence_conninfo", true, "info", `the fenced ${old.name} gets a primary_conninfo towards ${target.name} with the replication role of ${target.name}'s own primary_conninfo${user ? ` (${user})` : ""}`);
      } else {
        add("fence_conninfo", true, "warning", `the fenced ${old.name} gets a primary_conninfo towards ${target.name} without replication credentials: ${af.conninfoError}`, `GRANT pg_read_all_settings TO ${q(target.adminUser)}; (or use a superuser) so they are copied`);
      }
    }
  }

  // --- mode -----------------------------------------------------------------------------------
  let mode: PromotionMode | null = null;
  if (!old) {
    mode = "failover";
    add("old_primary", true, "warning", "the model has no primary in this cluster: failover (nothing to fence)");
  } else if (pr?.kind === "primary") {
    mode = "switchover";
    add("old_primary", true, "info", `${old.name} answers as the primary: switchover (it is fenced and stopped before promoting)`);
  } else if (pr?.kind === "unreachable") {
    mode = "failover";
    add("old_primary", true, "warning", `${old.name} is unreachable (${pr.error}): failover (it is fenced over SSH first where its host answers)`);
  } else if (pr?.kind === "standby") {
    add("old_primary", false, "blocker", `${old.name}, the primary in the model, is in recovery`, "fix the model (or re-attach) before promoting");
  } else if (pr) {
    add("old_primary", false, "blocker", `${old.name} answers but cannot be checked (${pr.kind}: ${"error" in pr ? pr.error : ""}): a primary may still be up`, `store the monitoring role's password for ${old.name}`);
  }

  // --- fence ------------------------------------------------------------------------------------
  const fence: PreflightResult["fence"] = { possible: old === null, host: null, user: null, reason: old ? null : "no old primary in the model", running: null };
  if (old && ff) {
    // A switchover stops a live primary: every fence check is a blocker. A failover can go on
    // without fencing only when an admin confirms it ("unfenced").
    const sev: PreflightCheck["severity"] = mode === "switchover" ? "blocker" : "unfenced";
    fence.host = ff.host ?? null;
    fence.user = ff.user ?? null;
    fence.running = ff.pgCtl?.running ?? null;
    if (!ff.configured) {
      add("fence_access", false, sev, `${old.name} cannot be fenced over SSH: ${ff.reason}`, ff.fix);
      fence.reason = ff.reason ?? "not configured";
    } else if (!ff.ssh?.ok) {
      add("fence_ssh", false, sev, `${old.name} cannot be fenced: ${ff.ssh?.message}`, ff.ssh?.fix);
      fence.reason = ff.ssh?.message ?? "SSH failed";
    } else {
      add("fence_ssh", true, "info", ff.ssh.message);
      if (ff.pgCtl) add("fence_pg_ctl", ff.pgCtl.ok, sev, ff.pgCtl.message, ff.pgCtl.fix);
      if (ff.writable) add("fence_data_dir", ff.writable.ok, sev, ff.writable.message, ff.writable.fix);
      const bad = [ff.pgCtl, ff.writable].find((x) => x && !x.ok);
      if (bad) fence.reason = bad.message;
      else fence.possible = true;
      if (mode === "switchover" && ff.pgCtl?.ok && ff.pgCtl.running === false) {
        add("fence_identity", false, "blocker", `pg_ctl finds no server running in ${old.dataDirectory} on ${ff.host}, yet ${old.name} answers as a primary: the data directory or host of ${old.name} is not the one it runs on`, `set the data directory and host of ${old.name} to the ones its server runs on (SHOW data_directory on it)`);
        fence.possible = false;
        fence.reason = "the data directory is not the running server's";
      }
    }
  }

  // --- pg_rewind prerequisites (the later re-attach) -------------------------------------------
  if (old) {
    const cd = ff?.control ?? null;
    const fromOld = cd && (cd.walLogHints !== null || cd.checksumVersion !== null);
    const hints = fromOld ? cd!.walLogHints === "on" : af.walLogHints === "on";
    const sums = fromOld ? (cd!.checksumVersion ?? 0) > 0 : af.dataChecksums === "on";
    const where = fromOld ? `${old.name} (pg_controldata)` : af.ok ? `${target.name} (checked there: ${old.name}'s own files could not be read)` : null;
    if (where === null) add("rewind_prerequisites", true, "warning", `pg_rewind prerequisites of ${old.name} unknown (neither its pg_controldata nor ${target.name}'s settings could be read)`);
    else if (hints || sums) add("rewind_prerequisites", true, "info", `${where}: ${sums ? "data checksums" : "wal_log_hints = on"}: ${old.name} can be re-attached with pg_rewind later`);
    else
      add(
        "rewind_prerequisites",
        true,
        "warning",
        `${where}: neither wal_log_hints nor data checksums: re-attaching ${old.name} with pg_rewind will be refused; it would need a new base backup`,
        `set wal_log_hints = on in postgresql.conf on every member and restart them (or initialise with data checksums)`,
      );
  }

  // --- timeline and lag -----------------------------------------------------------------------
  const threshold = cluster.maxLagBytes;
  let lag: PreflightResult["lag"] = { bytes: null, thresholdBytes: threshold, source: "unknown", sampledAt: null };

  if (tr.kind === "standby") {
    const primaryTimeline = pr?.kind === "primary" ? pr.timeline : (lastPrimarySample?.timeline ?? null);
    if (primaryTimeline === null || tr.timeline === null) {
      add("timeline", true, "warning", `timeline of ${primaryTimeline === null ? "the primary" : target.name} unknown: not compared`);
    } else if (tr.timeline < primaryTimeline) {
      add("timeline", false, "blocker", `${target.name} is on timeline ${tr.timeline}, behind the primary's ${primaryTimeline}`, `rebuild ${target.name} from the primary (recovery_target_timeline = 'latest', pg_rewind or a new base backup)`);
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
      add("lag", false, "forceable", `${target.name} lags ${formatBytes(lag.bytes)} (${lag.source === "live" ? "now" : `last sample ${lag.sampledAt}`}), over the cluster's limit of ${formatBytes(threshold)}`, "wait for it to catch up, or force with a typed reason");
    } else {
      add("lag", true, "info", `${target.name} lags ${formatBytes(lag.bytes)} (limit ${formatBytes(threshold)})`);
    }
    if (tr.replayPaused) add("replay_paused", true, "warning", `WAL replay is paused on ${target.name}: it will be resumed before promoting`);
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
      `${old ? old.name : "The primary"} does not answer, so it cannot be drained: every transaction it committed ` +
      `that ${target.name} had not received is lost (${lastKnown}; anything written after that sample is lost too). ` +
      (old
        ? fence.possible
          ? `${old.name} is fenced over SSH first (standby.signal, then stopped if it still runs): it can only come back as a standby; re-attach it later.`
          : `${old.name} CANNOT BE FENCED (${fence.reason}): if it comes back it would be writable. Keep it down until it is fenced or re-attached.`
        : "");
  }

  const failed = (sev: PreflightCheck["severity"]) => checks.filter((c) => !c.ok && c.severity === sev);
  const blockers = failed("blocker");
  const forceables = failed("forceable");
  const unfenced = failed("unfenced");
  return {
    clusterId: cluster.id,
    clusterName: cluster.name,
    checkedAt: new Date().toISOString(),
    target: view(target, tr),
    oldPrimary: old && pr ? view(old, pr) : null,
    mode,
    lag,
    checks,
    allowed: blockers.length === 0 && forceables.length === 0 && unfenced.length === 0 && mode !== null,
    forceable: blockers.length === 0 && forceables.length > 0 && mode !== null,
    fence,
    requiresUnfencedConfirmation: blockers.length === 0 && unfenced.length > 0 && mode !== null,
    docs: PROMOTION_REQUIREMENTS_URL,
    requiresClusterName: mode === "failover",
    dataLossWarning,
    plan: promotionPlan(mode, { target: target.name, oldPrimary: old?.name ?? null }),
    runningPromotionId: running?.id ?? null,
  };
}

function parseConninfoSafe(s: string): Array<[string, string]> {
  try {
    return parseConninfo(s);
  } catch {
    return [];
  }
}
