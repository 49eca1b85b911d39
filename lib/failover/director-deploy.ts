/**
 * The Director half of a site promotion, over the deploy machinery (lib/deploy).
 *
 * Master-standby: the active Director's resources belong to the primary Director row; a standby
 * row (primaryId -> primary) receives that configuration. Switching a pair (old primary P ->
 * standby S), for each Director that owns a Catalog of the cluster:
 *
 *   1. stop P        P's stop command over SSH (argv, no shell; default `systemctl stop
 *                    bacula-director`), then bconsole must no longer reach it. Best effort when
 *                    P's host does not answer over SSH (a lost site): logged, P is inactive in
 *                    the model either way -- keep it down.
 *   2. swap roles    one transaction: P's resources (Catalogs, Pools, Jobs ...) move to S; S becomes
 *                    primary + active, P standby of S + inactive, P's other standbys follow S;
 *                    audited, model revision bumped. S now renders its own Director resource
 *                    (name, port, password) with those resources; Storage Daemons list both
 *                    Directors of a pair (lib/config/from-db.ts), so they need no redeploy.
 *   3. deploy S      a real deploy run (persisted, audited): test, back up, swap; reloaded through
 *                    bconsole when S already runs, otherwise it stays stopped for step 4.
 *   4. start S       S's start command (default `systemctl start bacula-director`) when bconsole
 *                    does not reach it, then wait until it answers (30 s).
 *   5. verify        bconsole on S's host: `status director` names S, `.catalogs` lists the
 *                    Catalogs, and `.sql catalog=<C> query="SELECT 1"` answers 1 for each (the
 *                    Director reaches its catalog); the model's Catalogs point at the new
 *                    PostgreSQL primary, and with stored catalog credentials the dashboard
 *                    connects to it as the Catalog's DB user (SELECT 1, not in recovery).
 *   6. redeploy P    P is now S's standby: it gets S's configuration (a deploy run; a standby is
 *                    not reloaded and stays stopped), so switching back is one operation too.
 *                    Best effort: when P's host did not answer (a lost site) it is skipped and
 *                    logged; the standby-site readiness shows P's config out of step until a
 *                    deploy (or a re-run of the switch) reaches it.
 *
 * Every step is idempotent and checks before it acts; the pairs are decided once and kept in the
 * operation's state, so a re-run after an interruption does not swap back. A Director that owns a
 * Catalog but has no standby is simply redeployed (bconsole reload + verify of loaded resources).
 */
import type { PrismaClient } from "@prisma/client";
import { randomBytes } from "node:crypto";
import { audit, bumpModelRevision } from "@/lib/audit";
import type { Tx } from "@/lib/db/client";
import { daemonState, runDeploy, splitArgv, type ReloadSpec, type Transport } from "@/lib/deploy/engine";
import { posix } from "node:path";
import { bconsoleOf, directorRows, planDirector, planTargets, startDeploy, stateOf } from "@/lib/deploy/service";
import { DEFAULT_START_COMMAND, DEFAULT_STOP_COMMAND, readSettings } from "@/lib/deploy/settings";
import { sshTransport } from "@/lib/deploy/transport";
import type { OpenTransport } from "@/lib/deploy/engine";
import { decryptSecret } from "@/lib/secrets";
import { registerDirectorSwitchover, type DirectorSwitchoverContext, type DirectorSwitchoverResult } from "./director";
import { withPg } from "./pg";
import type { PreflightCheck } from "./types";
import { checkBconsoleConfig, checkBconsolePath, checkCommandPolicy } from "@/lib/deploy/commands";
import { extraPrograms } from "@/lib/deploy/programs";

export interface DirectorPair {
  oldId: number;
  oldName: string;
  newId: number;
  newName: string;
  catalogs: string[];
}

export interface DirectorPlan {
  pairs: DirectorPair[];
  /** Directors owning a Catalog of the cluster without a standby: redeployed in place. */
  inPlace: { id: number; name: string; catalogs: string[] }[];
  problems: string[];
}

type Db = PrismaClient;

/**
 * Which Director pairs switch for the Catalogs of a cluster (read only). With several standbys,
 * the one preferred takes over: by id (a switch back to the former primary), by site (the site of
 * the catalog member promoted), then by host.
 */
export async function planDirectorSwitch(db: Db, clusterId: number, prefer: { hostId?: number | null; site?: string | null; directorId?: number | null } = {}): Promise<DirectorPlan> {
  const catalogs = await db.catalog.findMany({ where: { clusterId }, include: { director: true }, orderBy: { name: "asc" } });
  const all = await db.director.findMany({ orderBy: { name: "asc" } });
  const byOwner = new Map<number, string[]>();
  for (const c of catalogs) byOwner.set(c.directorId, [...(byOwner.get(c.directorId) ?? []), c.name]);
  const plan: DirectorPlan = { pairs: [], inPlace: [], problems: [] };
  for (const [ownerId, names] of byOwner) {
    const d = all.find((x) => x.id === ownerId)!;
    if (d.role === "standby") {
      plan.problems.push(`Director ${d.name} owns Catalog ${names.join(", ")} but is a standby: fix the model`);
      continue;
    }
    const standbys = all.filter((x) => x.primaryId === d.id && x.role === "standby");
    if (standbys.length === 0) {
      plan.inPlace.push({ id: d.id, name: d.name, catalogs: names });
      continue;
    }
    let chosen = standbys.length === 1 ? standbys[0] : null;
    if (!chosen && prefer.directorId) chosen = standbys.find((s) => s.id === prefer.directorId) ?? null;
    if (!chosen && prefer.site) chosen = standbys.find((s) => s.site === prefer.site) ?? null;
    if (!chosen && prefer.hostId) chosen = standbys.find((s) => s.hostId === prefer.hostId) ?? null;
    if (!chosen) {
      plan.problems.push(`Director ${d.name} has several standbys (${standbys.map((s) => s.name).join(", ")}) and none is on the new catalog primary's host: which one takes over is undecided`);
      continue;
    }
    plan.pairs.push({ oldId: d.id, oldName: d.name, newId: chosen.id, newName: chosen.name, catalogs: names });
  }
  if (catalogs.length === 0) plan.problems.push("no Catalog uses this cluster: there is no Director to switch");
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Remote helpers

export async function hostTransport(directorId: number, open: OpenTransport): Promise<{ tr: Transport; hostName: string }> {
  const [p] = await planTargets([`director:${directorId}`]);
  if (!p) throw new Error(`Director ${directorId} does not exist`);
  const h = p.target.host;
  if (!h.address) throw new Error(`Director ${p.target.name} has no host`);
  if (!h.privateKey) throw new Error(p.problems.join("; ") || `host ${h.name} has no usable SSH key`);
  return { tr: await open(h), hostName: h.name };
}

export async function bconsoleArgv(directorId: number): Promise<string[]> {
  const d = await directorRows().then((r) => r.find((x) => x.id === directorId)!);
  const b = bconsoleOf(d, await stateOf("director", directorId));
  const refused = checkBconsolePath(b.bconsole) ?? checkBconsoleConfig(b.config);
  if (refused) throw new Error(`bconsole of ${d.name}: ${refused.message} [${refused.rule}]`);
  return [b.bconsole, "-c", b.config];
}

/**
 * Does the Director answer bconsole on its host (as itself)? bconsole retries a refused connection
 * for 15 s before it gives up (measured, 15.0.3): coreutils `timeout` cuts that to ANSWER_TIMEOUT_S
 * (a running Director answers `status director` within milliseconds).
 */
const ANSWER_TIMEOUT_S = "5";
async function answers(tr: Transport, argv: string[], name: string): Promise<{ ok: boolean; output: string }> {
  const r = await tr.exec(["timeout", "-k", "2", ANSWER_TIMEOUT_S, ...argv], { timeoutMs: 20_000, stdin: "status director\n" }).catch((e: Error) => ({ code: null, signal: null, stdout: "", stderr: e.message }));
  const output = `${r.stdout}${r.stderr ? `\n[stderr] ${r.stderr}` : ""}`.trim();
  return { ok: r.code === 0 && r.stdout.includes(`${name} Version:`), output };
}

/**
 * Whether a Director runs on its host, from Bacula's pid file (`<PidDirectory>/bacula-dir.<port>.pid`
 * naming a live bacula-dir) — milliseconds, where bconsole needs its 5 s timeout to say "no".
 * "unknown" when the SSH user cannot read the pid file: then ask bconsole.
 */
async function runState(tr: Transport, directorId: number): Promise<"running" | "stopped" | "unknown"> {
  const { prisma } = await import("@/lib/db/client");
  const d = await prisma.director.findUnique({ where: { id: directorId }, select: { pidDirectory: true, port: true } });
  if (!d) return "unknown";
  return daemonState(tr, { argv: [], pidFile: posix.join(d.pidDirectory, `bacula-dir.${d.port}.pid`), program: "bacula-dir" });
}

/** Runs, as the pid file says (or bconsole, when the pid file cannot be read). */
async function runsNow(tr: Transport, directorId: number, name: string): Promise<boolean> {
  const st = await runState(tr, directorId);
  if (st !== "unknown") return st === "running";
  return (await answers(tr, await bconsoleArgv(directorId), name)).ok;
}

/** A Director's start / stop command as argv, refused unless it passes the command policy (checked again at use: it may predate the rule). */
async function commandOf(directorId: number, which: "startCommand" | "stopCommand"): Promise<string[]> {
  const s = readSettings((await stateOf("director", directorId))?.settings);
  const argv = splitArgv(s[which] ?? (which === "startCommand" ? DEFAULT_START_COMMAND : DEFAULT_STOP_COMMAND));
  const refused = checkCommandPolicy(argv, await extraPrograms());
  if (refused) throw new Error(`${which}: ${refused.message} [${refused.rule}]`);
  return argv;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Preflight (reads only; the config test runs on staged files that are removed)

export interface DirectorPreflight {
  plan: DirectorPlan;
  checks: PreflightCheck[];
  allowed: boolean;
}

export async function directorPreflight(
  db: Db,
  clusterId: number,
  o: { open?: OpenTransport; preferHostId?: number | null; preferSite?: string | null; preferDirectorId?: number | null } = {},
): Promise<DirectorPreflight> {
  const open = o.open ?? sshTransport({ connectTimeoutMs: 8000 });
  const plan = await planDirectorSwitch(db, clusterId, { hostId: o.preferHostId, site: o.preferSite, directorId: o.preferDirectorId });
  const checks: PreflightCheck[] = [];
  const add = (code: string, ok: boolean, severity: PreflightCheck["severity"], message: string) => checks.push({ code, ok, severity, message });
  for (const p of plan.problems) add("director_plan", false, "blocker", p);
  const directors = await directorRows();
  const settingsOf = async (id: number) => readSettings((await stateOf("director", id))?.settings);
  for (const pair of plan.pairs) {
    add("director_pair", true, "info", `${pair.newName} takes over from ${pair.oldName} (Catalog ${pair.catalogs.join(", ")})`);
    const s = directors.find((d) => d.id === pair.newId)!;
    const others = directors.filter((d) => d.primaryId === pair.oldId && d.role === "standby" && d.id !== pair.newId);
    const old = directors.find((d) => d.id === pair.oldId)!;
    for (const [id, which] of [[pair.newId, "startCommand"], [pair.oldId, "stopCommand"]] as const) {
      try {
        await commandOf(id, which);
      } catch (err) {
        add(`director_${which}`, false, "blocker", `${which === "startCommand" ? "start" : "stop"} command of ${id === pair.newId ? pair.newName : pair.oldName}: ${(err as Error).message}`);
      }
    }
    // The configuration it will run: its own Director resource, the primary's resources.
    const stateRows = new Map<number, Awaited<ReturnType<typeof stateOf>>>();
    for (const d of [s, old, ...others]) stateRows.set(d.id, await stateOf("director", d.id));
    const settingsCache = new Map<number, ReturnType<typeof readSettings>>();
    for (const d of directors) settingsCache.set(d.id, await settingsOf(d.id));
    const planned = await planDirector(s, stateRows.get(s.id), 1, directors, (id) => settingsCache.get(id) ?? {}, {
      asPrimary: true,
      standbys: [...others, { ...old, role: "standby", primaryId: s.id }],
    });
    if (planned.problems.length) {
      add("director_config", false, "blocker", `${pair.newName}: ${planned.problems.join("; ")}`);
      continue;
    }
    const [res] = await runDeploy([planned.target], { runId: `preflight-${randomBytes(3).toString("hex")}`, dryRun: true, open });
    if (res.status === "dry_run_ok") {
      add("director_ssh", true, "info", `${pair.newName}'s host ${res.hostName} answers over SSH`);
      add("director_config", true, "info", `${pair.newName}'s configuration as the primary passes ${planned.target.testArgv("…")[0]} -t on its host`);
    } else if (res.failedStep === "connect") {
      add("director_ssh", false, "blocker", `${pair.newName}'s host ${res.hostName} is not reachable over SSH: ${res.error}`);
    } else {
      add("director_config", false, "blocker", `${pair.newName}: ${res.error}`);
    }
    try {
      const { tr, hostName } = await hostTransport(pair.oldId, sshTransport({ connectTimeoutMs: 5000 }));
      await tr.close().catch(() => undefined);
      add("old_director_ssh", true, "info", `${pair.oldName}'s host ${hostName} answers over SSH: it is stopped first`);
    } catch (err) {
      add("old_director_ssh", true, "warning", `${pair.oldName}'s host does not answer over SSH (${(err as Error).message}): it cannot be stopped; keep it down`);
    }
  }
  for (const d of plan.inPlace) {
    const [p] = await planTargets([`director:${d.id}`]);
    if (p?.problems.length) add("director_in_place", false, "blocker", `${d.name} has no standby and cannot be redeployed in place: ${p.problems.join("; ")}`);
    else add("director_in_place", true, "info", `${d.name} has no standby: it is redeployed in place with the new Catalog address`);
  }
  return { plan, checks, allowed: checks.every((c) => c.ok || c.severity !== "blocker") };
}

// ---------------------------------------------------------------------------------------------
// The switch

export interface SwitchContext {
  db: Db;
  clusterId: number;
  actor: string;
  newPrimary: { name: string; address: string; port: number; hostId?: number | null; site?: string | null };
  /** Which standby takes over when a Director has several (a switch back names the former primary). */
  preferDirectorId?: number | null;
  log(line: string): Promise<void>;
  /** Persisted across re-runs (the operation's state). */
  state: Record<string, unknown>;
  saveState(): Promise<void>;
  open?: OpenTransport;
}

interface SwitchState {
  plan: DirectorPlan;
  done: Record<string, boolean>;
  timings: Record<string, number>;
  /** Former primaries whose host did not answer when they were to be stopped (a lost site). */
  unreachable?: Record<string, boolean>;
  /** Former primaries redeployed as the new primary's standby (false: not reached, redeploy later). */
  redeployed?: Record<string, boolean>;
}

async function stopOld(c: SwitchContext, pair: DirectorPair, open: OpenTransport, st: SwitchState): Promise<void> {
  let conn;
  try {
    conn = await hostTransport(pair.oldId, open);
  } catch (err) {
    await c.log(`${pair.oldName}: its host does not answer over SSH (${(err as Error).message}): not stopped (best effort); it is inactive in the model: keep it down`);
    (st.unreachable ??= {})[String(pair.oldId)] = true;
    return;
  }
  const { tr, hostName } = conn;
  try {
    const argv = await commandOf(pair.oldId, "stopCommand");
    await c.log(`${pair.oldName} on ${hostName}: $ ${argv.join(" ")}`);
    const r = await tr.exec(argv, { timeoutMs: 60_000 });
    const out = `${r.stdout}${r.stderr}`.trim();
    if (out) await c.log(out);
    if (r.code !== 0) throw new Error(`stopping ${pair.oldName} failed (exit ${r.code ?? r.signal}): ${out || "(no output)"}`);
    if (await runsNow(tr, pair.oldId, pair.oldName)) throw new Error(`${pair.oldName} still runs after its stop command`);
    await c.log(`${pair.oldName} is stopped (no bacula-dir behind its pid file)`);
  } finally {
    await tr.close().catch(() => undefined);
  }
}

/** Swap the roles of a pair in the model (idempotent), with audit and a model revision bump. */
export async function swapRoles(db: Db, pair: DirectorPair, actor: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const [p, s] = await Promise.all([tx.director.findUniqueOrThrow({ where: { id: pair.oldId } }), tx.director.findUniqueOrThrow({ where: { id: pair.newId } })]);
    if (s.role === "primary" && s.active && p.role === "standby" && !p.active && p.primaryId === s.id) return false;
    const where = { directorId: p.id };
    const data = { directorId: s.id };
    const moved: Record<string, number> = {};
    moved.catalogs = (await tx.catalog.updateMany({ where, data })).count;
    moved.storages = (await tx.storage.updateMany({ where, data })).count;
    moved.pools = (await tx.pool.updateMany({ where, data })).count;
    moved.clients = (await tx.client.updateMany({ where, data })).count;
    moved.fileSets = (await tx.fileSet.updateMany({ where, data })).count;
    moved.schedules = (await tx.schedule.updateMany({ where, data })).count;
    moved.messages = (await tx.messages.updateMany({ where, data })).count;
    moved.jobDefs = (await tx.jobDefs.updateMany({ where, data })).count;
    moved.jobs = (await tx.job.updateMany({ where, data })).count;
    const others = await tx.director.updateMany({ where: { primaryId: p.id, id: { not: s.id } }, data: { primaryId: s.id } });
    await tx.director.update({ where: { id: s.id }, data: { role: "primary", active: true, primaryId: null } });
    await tx.director.update({ where: { id: p.id }, data: { role: "standby", active: false, primaryId: s.id } });
    const t = tx as unknown as Tx;
    await audit({ actor, action: "update", entityType: "directors", entityId: s.id, entityName: s.name, before: { role: s.role, active: s.active, primaryId: s.primaryId }, after: { role: "primary", active: true, primaryId: null, resourcesMovedFrom: p.name, moved } }, t);
    await audit({ actor, action: "update", entityType: "directors", entityId: p.id, entityName: p.name, before: { role: p.role, active: p.active, primaryId: p.primaryId }, after: { role: "standby", active: false, primaryId: s.id, otherStandbysFollowing: others.count } }, t);
    await bumpModelRevision(t);
    return true;
  });
}

async function deployNew(c: SwitchContext, pair: DirectorPair, running: boolean): Promise<void> {
  const key = `director:${pair.newId}`;
  const overrides: Record<string, { reload?: ReloadSpec }> = running ? {} : { [key]: { reload: { kind: "none", reason: "the Director is not running yet: it is started after the deploy" } } };
  const r = await startDeploy({ actor: c.actor, dryRun: false, targets: [key], overrides, open: c.open });
  const t = r.results[0];
  await c.log(`deploy run #${r.runId} to ${pair.newName} on ${t?.hostName}: ${t?.status}${t?.failedStep ? ` at ${t.failedStep}` : ""}`);
  for (const s of t?.steps ?? []) await c.log(`  ${s.name}: ${s.status}${s.status === "failed" ? ` ${s.log.split("\n").slice(-2).join(" ")}` : ""}`);
  if (!t || !["succeeded", "unchanged"].includes(t.status)) throw new Error(`deploying ${pair.newName}'s configuration failed: ${t?.error ?? r.status} (deploy run #${r.runId})`);
}

/**
 * The former primary, now the new primary's standby, gets the new primary's configuration (and its
 * own bconsole.conf): a standby is not reloaded and stays stopped. Never throws: a host that does
 * not answer is logged and left for a later deploy.
 */
async function redeployOld(c: SwitchContext, pair: DirectorPair, st: SwitchState): Promise<void> {
  const redeployed = (st.redeployed ??= {});
  if (st.unreachable?.[String(pair.oldId)]) {
    redeployed[String(pair.oldId)] = false;
    await c.log(`${pair.oldName} did not answer over SSH: not redeployed as the standby of ${pair.newName}; deploy it once its host is back (Deploy page), then switching back is one operation`);
    return;
  }
  try {
    const r = await startDeploy({ actor: c.actor, dryRun: false, targets: [`director:${pair.oldId}`], open: c.open });
    const t = r.results[0];
    const ok = !!t && ["succeeded", "unchanged"].includes(t.status);
    redeployed[String(pair.oldId)] = ok;
    await c.log(
      ok
        ? `${pair.oldName} redeployed as the standby of ${pair.newName} (deploy run #${r.runId}: ${t.status}): it has ${pair.newName}'s configuration and stays stopped, so switching back is one operation`
        : `${pair.oldName} could not be redeployed as the standby of ${pair.newName} (deploy run #${r.runId}: ${t?.error ?? r.status}); deploy it from the Deploy page before switching back`,
    );
  } catch (err) {
    redeployed[String(pair.oldId)] = false;
    await c.log(`${pair.oldName} could not be redeployed as the standby of ${pair.newName}: ${(err as Error).message}`);
  }
}

async function startAndVerify(c: SwitchContext, pair: DirectorPair, open: OpenTransport, st: SwitchState): Promise<void> {
  const { tr, hostName } = await hostTransport(pair.newId, open);
  try {
    const bc = await bconsoleArgv(pair.newId);
    let a = { ok: await runsNow(tr, pair.newId, pair.newName), output: "" };
    if (!a.ok) {
      const argv = await commandOf(pair.newId, "startCommand");
      await c.log(`${pair.newName} on ${hostName}: $ ${argv.join(" ")}`);
      const t0 = Date.now();
      const r = await tr.exec(argv, { timeoutMs: 60_000 });
      const out = `${r.stdout}${r.stderr}`.trim();
      if (out) await c.log(out);
      if (r.code !== 0) throw new Error(`starting ${pair.newName} failed (exit ${r.code ?? r.signal}): ${out || "(no output)"}`);
      const deadline = Date.now() + 30_000;
      for (;;) {
        a = await answers(tr, bc, pair.newName);
        if (a.ok) break;
        if (Date.now() > deadline) throw new Error(`${pair.newName} does not answer bconsole 30 s after its start command: ${a.output.slice(-400)}`);
        await sleep(250);
      }
      st.timings[`start:${pair.newName}`] = Date.now() - t0;
      await c.log(`${pair.newName} answers bconsole (${Date.now() - t0} ms after the start command)`);
    } else {
      await c.log(`${pair.newName} already runs`);
    }
    // Verify: it is itself, it has the Catalogs, and it reaches each one.
    const cmds = ["status director", ".catalogs", ...pair.catalogs.map((n) => `.sql catalog="${n.replace(/["\\]/g, "")}" query="SELECT 1"`)];
    const r = await tr.exec(bc, { timeoutMs: 60_000, stdin: cmds.join("\n") + "\n" });
    await c.log(`$ ${bc.join(" ")} <<< ${cmds.join("; ")}`);
    await c.log(r.stdout.trim());
    if (r.code !== 0) throw new Error(`bconsole on ${hostName} failed (exit ${r.code})`);
    const sections = splitSections(r.stdout, cmds);
    if (!(sections["status director"] ?? []).some((l) => l.startsWith(`${pair.newName} Version:`))) throw new Error(`the Director answering on ${hostName} is not ${pair.newName}`);
    const cats = (sections[".catalogs"] ?? []).sort();
    const missing = pair.catalogs.filter((n) => !cats.includes(n));
    if (missing.length) throw new Error(`${pair.newName} has not loaded Catalog ${missing.join(", ")} (it lists ${cats.join(", ") || "none"})`);
    for (let i = 0; i < pair.catalogs.length; i++) {
      const lines = sections[cmds[2 + i]] ?? [];
      if (!lines.some((l) => /^1\s*$/.test(l)) || lines.some((l) => /ERR|Could not open|error/i.test(l))) {
        throw new Error(`${pair.newName} does not reach Catalog ${pair.catalogs[i]}: ${lines.join(" | ") || "(no answer)"}`);
      }
    }
    await c.log(`${pair.newName} verified: answers as itself, lists Catalog ${pair.catalogs.join(", ")} and runs SELECT 1 on each through its catalog connection`);
  } finally {
    await tr.close().catch(() => undefined);
  }
}

function splitSections(output: string, commands: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let cur: string | null = null;
  for (const raw of output.split("\n")) {
    const line = raw.replace(/\r$/, "").trim();
    if (commands.includes(line)) {
      cur = line;
      out[cur] = [];
      continue;
    }
    if (cur && line && !/^You have (no )?messages\.$/.test(line)) out[cur].push(line);
  }
  return out;
}

/** The catalogs point at the new primary in the model; with credentials, the catalog DB answers there. */
async function verifyCatalogs(c: SwitchContext): Promise<void> {
  const catalogs = await c.db.catalog.findMany({ where: { clusterId: c.clusterId } });
  for (const cat of catalogs) {
    if ((cat.dbAddress ?? "localhost") !== c.newPrimary.address || (cat.dbPort ?? 5432) !== c.newPrimary.port) {
      throw new Error(`Catalog ${cat.name} points at ${cat.dbAddress}:${cat.dbPort}, not at ${c.newPrimary.name} (${c.newPrimary.address}:${c.newPrimary.port})`);
    }
    if (cat.dbDriver !== "postgresql" || !cat.dbPasswordEnc) {
      await c.log(`Catalog ${cat.name}: DB Address ${cat.dbAddress}:${cat.dbPort} (no stored DB password: the database itself was not checked as ${cat.dbUser})`);
      continue;
    }
    const r = await withPg({ host: cat.dbAddress ?? "localhost", port: cat.dbPort ?? 5432, user: cat.dbUser ?? "bacula", password: decryptSecret(cat.dbPasswordEnc), database: cat.dbName }, async (q) => {
      const [row] = await q("SELECT 1 AS one, pg_is_in_recovery() AS rec");
      return row;
    });
    if (r.rec !== false) throw new Error(`Catalog ${cat.name}: ${cat.dbAddress}:${cat.dbPort} is in recovery`);
    await c.log(`Catalog ${cat.name}: ${cat.dbUser}@${cat.dbAddress}:${cat.dbPort}/${cat.dbName} answers SELECT 1 and is writable (not in recovery)`);
  }
}

/** Run (or resume) the Director switch for a cluster. Throws on failure. */
export async function switchDirectors(c: SwitchContext): Promise<DirectorSwitchoverResult> {
  const open = c.open ?? sshTransport();
  let st = c.state.directorSwitch as SwitchState | undefined;
  if (!st) {
    st = { plan: await planDirectorSwitch(c.db, c.clusterId, { hostId: c.newPrimary.hostId, site: c.newPrimary.site, directorId: c.preferDirectorId }), done: {}, timings: {} };
    c.state.directorSwitch = st;
    await c.saveState();
  } else {
    await c.log("resuming with the Director pairs decided before");
  }
  const { plan } = st;
  if (plan.problems.length) throw new Error(plan.problems.join("; "));
  const t0 = Date.now();
  const step = async (key: string, fn: () => Promise<void>) => {
    if (st!.done[key]) return;
    await fn();
    st!.done[key] = true;
    await c.saveState();
  };
  for (const pair of plan.pairs) {
    await c.log(`${pair.newName} takes over from ${pair.oldName} (Catalog ${pair.catalogs.join(", ")})`);
    await step(`stop:${pair.oldId}`, () => stopOld(c, pair, open, st!));
    await step(`swap:${pair.newId}`, async () => {
      const changed = await swapRoles(c.db, pair, c.actor);
      await c.log(changed ? `model: ${pair.newName} is the primary (active), ${pair.oldName} its standby (inactive); resources moved to ${pair.newName}` : "model: roles already swapped");
    });
    const running = await (async () => {
      const { tr } = await hostTransport(pair.newId, open);
      try {
        return await runsNow(tr, pair.newId, pair.newName);
      } finally {
        await tr.close().catch(() => undefined);
      }
    })();
    await deployNew(c, pair, running);
    await startAndVerify(c, pair, open, st);
    st.timings[`verified:${pair.newName}`] = Date.now() - t0;
    c.state.directorVerifiedAt = Date.now();
    await c.saveState();
    // Done only once it reached the host: a re-run of the switch retries it.
    if (!st.redeployed?.[String(pair.oldId)]) {
      await redeployOld(c, pair, st);
      await c.saveState();
    }
  }
  for (const d of plan.inPlace) {
    await c.log(`${d.name} has no standby: redeploying it in place`);
    const r = await startDeploy({ actor: c.actor, dryRun: false, targets: [`director:${d.id}`], open: c.open });
    const t = r.results[0];
    await c.log(`deploy run #${r.runId} to ${d.name}: ${t?.status}`);
    if (!t || !["succeeded", "unchanged"].includes(t.status)) throw new Error(`deploying ${d.name} failed: ${t?.error ?? r.status} (deploy run #${r.runId})`);
  }
  await verifyCatalogs(c);
  st.timings.totalMs = Date.now() - t0;
  c.state.directorSwitchMs = st.timings.totalMs;
  await c.saveState();
  const names = [...plan.pairs.map((p) => p.newName), ...plan.inPlace.map((d) => d.name)];
  return {
    status: "ok",
    message: `Director${names.length > 1 ? "s" : ""} ${names.join(", ")} run${names.length > 1 ? "" : "s"} on ${c.newPrimary.address}:${c.newPrimary.port}`,
    detail: { pairs: plan.pairs, inPlace: plan.inPlace, timings: st.timings },
  };
}

/** The hook the promotion machine calls (director_switchover) when the site is promoted. */
export async function directorSwitchoverHook(ctx: DirectorSwitchoverContext, db: Db, open?: OpenTransport): Promise<DirectorSwitchoverResult> {
  const member = await db.catalogMember.findUnique({ where: { id: ctx.newPrimary.memberId }, select: { hostId: true, site: true } });
  const state = ctx.state ?? {};
  return switchDirectors({
    db,
    clusterId: ctx.clusterId,
    actor: ctx.actor,
    newPrimary: { ...ctx.newPrimary, hostId: member?.hostId ?? null, site: member?.site || null },
    preferDirectorId: typeof state.preferDirectorId === "number" ? state.preferDirectorId : null,
    log: ctx.log,
    state,
    saveState: ctx.saveState ?? (async () => undefined),
    open,
  });
}

/** Register the hook (startup, and the routes that start operations). Idempotent. */
export async function registerDirectorDeploy(): Promise<void> {
  const { prisma } = await import("@/lib/db/client");
  registerDirectorSwitchover((ctx) => directorSwitchoverHook(ctx, prisma as PrismaClient));
}
