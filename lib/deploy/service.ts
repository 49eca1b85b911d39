/**
 * Deploys from the dashboard's database: plans the targets (every Director, standbys included, with
 * its bconsole.conf; every Storage Daemon and every Client's File Daemon that has a host), renders
 * and validates them, runs the engine, persists the
 * run with every step's log, records what was deployed per daemon (for drift), and audits.
 * Server-side only.
 */
import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { Prisma } from "@prisma/client";
import { audit } from "@/lib/audit";
import { hasErrors, renderConsole, renderDirector, renderFileDaemon, renderStorageDaemon, validateConsole, validateDirector, validateFileDaemon, validateStorageDaemon } from "@/lib/bacula";
import { AdminReplicationError, adminReplicationJob, adminReplicationScript, type AdminReplicationOptions } from "@/lib/bacula/admin-replication";
import type { DirectorConfig } from "@/lib/bacula/model";
import { loadDirectorConfig, loadStorageDaemonConfig, modelRevision } from "@/lib/config/from-db";
import { loadConsoleConfig, loadFileDaemonConfig } from "@/lib/config/fd-from-db";
import { unusedSdMessage, unusedStorageDaemon } from "@/lib/config/unused-sd";
import { HeldLease, readLease, takeOver, tryAcquire } from "@/lib/cluster/lease";
import { INSTANCE_ID, leaseMs, ownerGone } from "@/lib/cluster/instance";
import { prisma } from "@/lib/db/client";
import { currentDialect } from "@/lib/db/dialect";
import { INT32_MAX } from "@/lib/http/numbers";
import { decryptSecret } from "@/lib/secrets";
import {
  configHash,
  expectedLoaded,
  runDeploy,
  splitArgv,
  unifiedDiff,
  type DeployEvent,
  type DeployTarget,
  type HostSpec,
  type OpenTransport,
  type ReloadSpec,
  type StartSpec,
  type TargetResult,
} from "./engine";
import { checkBconsoleConfig, checkBconsolePath, checkCommandPolicy } from "./commands";
import { deployedFileRows } from "./deployed-files";
import { bulkUpdate, bulkUpsert } from "@/lib/db/bulk";
import { driftHash, driftKey, viewHash, viewOfStored } from "./hashes";
import type { HostCheck } from "./host-checks";
import { clusterHostLocks } from "./cluster-lock";
import { hostLockKey, withHostLock } from "./lock";
import { extraPrograms } from "./programs";
import { createRunRecorder } from "./recorder";
import { DEFAULT_COMMANDS, readSettings, type DaemonSettings, type ReplicationSettings } from "./settings";
import { DEFAULT_COMMAND_TIMEOUT_MS, sshTransport } from "./transport";

export type TargetKind = "director" | "storage-daemon" | "client";

export const BACULA_PATHS = {
  bconsole: process.env.DEPLOY_BCONSOLE ?? "/usr/sbin/bconsole",
  bdirjson: process.env.DEPLOY_BDIRJSON ?? "/usr/sbin/bdirjson",
  "bacula-dir": process.env.DEPLOY_BACULA_DIR ?? "/usr/sbin/bacula-dir",
  bsdjson: process.env.DEPLOY_BSDJSON ?? "/usr/sbin/bsdjson",
  "bacula-sd": process.env.DEPLOY_BACULA_SD ?? "/usr/sbin/bacula-sd",
  bfdjson: process.env.DEPLOY_BFDJSON ?? "/usr/sbin/bfdjson",
  "bacula-fd": process.env.DEPLOY_BACULA_FD ?? "/usr/sbin/bacula-fd",
} as const;

export const DIRECTOR_TEST_TOOLS = ["bdirjson", "bacula-dir"] as const;
export const SD_TEST_TOOLS = ["bsdjson", "bacula-sd"] as const;
export const FD_TEST_TOOLS = ["bfdjson", "bacula-fd"] as const;

export interface PlannedTarget {
  target: DeployTarget;
  hostId: number | null;
  hostPinned: boolean;
  problems: string[];
  revision: number;
}

interface StateRow {
  lastHash: string | null;
  lastDeployedAt: Date | null;
  lastDeployedBy: string | null;
  lastRunId: number | null;
  liveHash: string | null;
  liveCheckedAt: Date | null;
  bconsolePath: string | null;
  bconsoleConfig: string | null;
  testTool: string | null;
  settings: unknown;
}

type HostRow = {
  id: number;
  name: string;
  address: string;
  sshPort: number;
  sshUser: string;
  privateKeyEnc: string | null;
  hostKeyFingerprint: string | null;
};

function hostSpec(h: HostRow): { spec: HostSpec; problem: string | null } {
  let privateKey = "";
  let problem: string | null = null;
  if (!h.privateKeyEnc) problem = `Host ${h.name} has no SSH private key: add one on the host's page`;
  else {
    try {
      privateKey = decryptSecret(h.privateKeyEnc);
    } catch {
      problem = `The SSH private key of host ${h.name} cannot be decrypted (wrong APP_SECRET_KEY?)`;
    }
  }
  return {
    spec: {
      key: hostLockKey(h.address, h.sshPort),
      id: h.id,
      name: h.name,
      address: h.address,
      port: h.sshPort,
      username: h.sshUser,
      privateKey,
      pinnedFingerprint: h.hostKeyFingerprint,
    },
    problem,
  };
}

const targetKey = (kind: TargetKind, id: number) => `${kind}:${id}`;

/** `director:<id>` / `storage-daemon:<id>` / `client:<id>`, the id within the database's Int range (else null). */
export function parseTargetKey(key: string): { kind: TargetKind; id: number } | null {
  const m = /^(director|storage-daemon|client):(\d{1,10})$/.exec(key);
  if (!m) return null;
  const id = Number(m[2]);
  return id >= 1 && id <= INT32_MAX ? { kind: m[1] as TargetKind, id } : null;
}

export function runLeaseName(runId: number): string {
  return `deploy-run:${runId}`;
}

/**
 * Whether a deploy left by an instance that is gone is finished by a new run of its unfinished
 * targets (DEPLOY_RESUME=1) or only marked interrupted (0). Default: on PostgreSQL, where other
 * instances share the hosts and an operator may be following the run from any of them; off on the
 * embedded SQLite database (one instance: a restart marks it interrupted, as it always did).
 */
export function deployResumeEnabled(): boolean {
  const v = process.env.DEPLOY_RESUME?.trim();
  if (v === "1") return true;
  if (v === "0") return false;
  return currentDialect() === "postgresql";
}

export interface InterruptedRun {
  runId: number;
  /** Targets that had not finished (they were running or waiting). */
  unfinished: string[];
  /** Of those, the ones whose swap had begun: their live files may be the new ones already. */
  swapped: string[];
  resumedAs: number | null;
  resumeStatus: string | null;
}

/** Runs being resumed by this process (the take-over loop must not start them twice). */
const resuming = ((globalThis as unknown as { __bhdDeployResuming?: Set<number> }).__bhdDeployResuming ??= new Set<number>());

/**
 * Deploys whose instance is gone (its run lease expired, or its process is dead on this machine)
 * are taken over: the run's lease is taken (so one instance only does it), the run and its
 * unfinished targets are marked interrupted, and, with deployResumeEnabled(), a new run (resumedFromId)
 * deploys the unfinished targets again — under the host leases, so never at the same time as
 * anyone else —, reloading even unchanged files where the swap had begun. A deploy is idempotent
 * (fetch, diff, test, back up, swap, reload, verify, roll back on failure): it finishes what was cut.
 */
export async function takeOverInterruptedRuns(o: { resume?: boolean; wait?: boolean } = {}): Promise<InterruptedRun[]> {
  const resume = o.resume ?? deployResumeEnabled();
  const running = await prisma.deployRun.findMany({ where: { status: "running" }, select: { id: true, owner: true, startedAt: true, actor: true, dryRun: true }, orderBy: { id: "asc" } });
  const out: InterruptedRun[] = [];
  for (const run of running) {
    if (resuming.has(run.id)) continue;
    const name = runLeaseName(run.id);
    const lease = await readLease(prisma, name);
    // A run without a lease row (made before leases, or by hand) is taken once its owner is gone or it is older than a lease.
    if (!lease && run.owner && run.owner !== INSTANCE_ID && !ownerGone(run.owner) && Date.now() - run.startedAt.getTime() < leaseMs()) continue;
    if (lease && run.owner === INSTANCE_ID && lease.owner === INSTANCE_ID && lease.live) continue; // ours, running here
    const token = await takeOver(prisma, name, leaseMs());
    if (token === null) continue;
    const held = new HeldLease(prisma, name, token, leaseMs(), performance.now());
    try {
      const now = new Date();
      const marked = await prisma.deployRun.updateMany({ where: { id: run.id, status: "running" }, data: { status: "interrupted", finishedAt: now } });
      if (marked.count !== 1) continue;
      const targets = await prisma.deployTargetRun.findMany({ where: { runId: run.id, status: { in: ["running", "pending"] } }, include: { steps: true } });
      await prisma.deployTargetRun.updateMany({ where: { runId: run.id, status: { in: ["running", "pending"] } }, data: { status: "interrupted", finishedAt: now } });
      const unfinished = targets.map((t) => t.targetKey);
      const swapped = targets.filter((t) => t.steps.some((s) => ["swap", "reload", "verify"].includes(s.name) && s.status !== "skipped")).map((t) => t.targetKey);
      const item: InterruptedRun = { runId: run.id, unfinished, swapped, resumedAs: null, resumeStatus: null };
      out.push(item);
      const willResume = resume && !run.dryRun && unfinished.length > 0;
      await audit({
        actor: "system",
        action: "deploy_interrupted",
        entityType: "deploy-run",
        entityId: run.id,
        entityName: `deploy #${run.id}`,
        after: { previousOwner: run.owner, takenOverBy: INSTANCE_ID, unfinished, swapped, resume: willResume },
      }).catch(() => undefined);
      if (!willResume) {
        await prisma.deployRun.update({ where: { id: run.id }, data: { summary: `interrupted: the instance running it stopped${unfinished.length ? ` (unfinished: ${unfinished.join(", ")})` : ""}` } });
        continue;
      }
      resuming.add(run.id);
      const p = startDeploy({ actor: run.actor, dryRun: false, targets: unfinished, resumedFromId: run.id, reloadEvenIfUnchanged: swapped, ip: null })
        .then(async (r) => {
          item.resumedAs = r.runId;
          item.resumeStatus = r.status;
          await prisma.deployRun.update({ where: { id: run.id }, data: { summary: `interrupted: the instance running it stopped; finished by run #${r.runId} (${r.status})` } });
        })
        .catch((err: unknown) => console.error(`deploy #${run.id}: resuming failed`, err))
        .finally(() => resuming.delete(run.id));
      if (o.wait) await p;
    } finally {
      await held.release();
    }
  }
  return out;
}

/**
 * Deploys a stopped process left "running" are marked interrupted at start-up, so history and the
 * UI do not show them as still going (with DEPLOY_RESUME, they are also finished by a new run).
 */
export async function markInterruptedRuns(): Promise<number> {
  return (await takeOverInterruptedRuns()).length;
}

export async function unknownTargetKeys(keys: readonly string[]): Promise<string[]> {
  const ids = (kind: TargetKind) => keys.map(parseTargetKey).filter((t) => t?.kind === kind).map((t) => t!.id);
  const [dirs, sds, clients] = await Promise.all([
    prisma.director.findMany({ where: { id: { in: ids("director") } }, select: { id: true } }),
    prisma.storageDaemon.findMany({ where: { id: { in: ids("storage-daemon") } }, select: { id: true } }),
    prisma.client.findMany({ where: { id: { in: ids("client") } }, select: { id: true } }),
  ]);
  const known = new Set([
    ...dirs.map((d) => targetKey("director", d.id)),
    ...sds.map((d) => targetKey("storage-daemon", d.id)),
    ...clients.map((c) => targetKey("client", c.id)),
  ]);
  return keys.filter((k) => !known.has(k));
}

async function states(): Promise<Map<string, StateRow>> {
  const rows = await prisma.daemonDeployState.findMany();
  return new Map(rows.map((r) => [targetKey(r.kind as TargetKind, r.daemonId), r]));
}

type DirectorRow = Prisma.DirectorGetPayload<{ include: { host: true } }>;

/**
 * The replication Admin Job options for one standby, from its stored settings, with the same
 * defaults as the builder's preview (lib/builder/service.ts).
 */
export function replicationOptions(
  primary: { configDir: string },
  standby: { name: string; address: string; configDir: string },
  r: ReplicationSettings,
  cfg: DirectorConfig,
): AdminReplicationOptions {
  const backup = cfg.jobs.find((j) => (j.type ?? "Backup") === "Backup" && j.client && j.fileset && j.pool);
  const safeName = standby.name.replace(/[^A-Za-z0-9._-]/g, "-");
  return {
    jobName: `ReplicateConfig-${safeName}`,
    scriptPath: r.scriptPath ?? `${primary.configDir.replace(/\/$/, "")}/scripts/replicate-config-${safeName}.sh`,
    configDir: primary.configDir,
    standbyHost: r.standbyHost ?? standby.address,
    standbyUser: r.standbyUser ?? "bacula",
    standbyPort: r.standbyPort ?? 22,
    remoteDir: r.remoteDir ?? standby.configDir,
    sshKeyPath: r.sshKeyPath,
    knownHostsPath: r.knownHostsPath,
    method: r.method ?? "scp",
    standbyName: standby.name,
    client: backup?.client ?? cfg.clients[0]?.name ?? "",
    fileset: backup?.fileset ?? cfg.filesets[0]?.name ?? "",
    pool: backup?.pool ?? cfg.pools[0]?.name ?? "",
    messages: backup?.messages ?? cfg.messages[0]?.name ?? "",
    schedule: r.schedule,
  };
}

export interface DirectorPlanOptions {
  /** Plan a standby as what it runs once switched over (its own identity, its primary's resources). */
  asPrimary?: boolean;
  /** The standbys to replicate to (default: the Director's standbys in the model). */
  standbys?: DirectorRow[];
  reload?: ReloadSpec;
  /** The admin's extra programs (read once per plan; default: read now). */
  extraPrograms?: readonly string[];
}

/**
 * What one planning pass keeps: the configurations loaded, by the Director whose resources they
 * are, and the checked render a standby gets (every standby of a primary gets the same file: it is
 * validated and rendered once, not once per standby).
 */
export interface ConfigCache {
  configs: Map<string, Promise<DirectorConfig>>;
  standbyFiles: Map<string, { problems: string[]; content: string }>;
}

export const newConfigCache = (): ConfigCache => ({ configs: new Map(), standbyFiles: new Map() });

/**
 * loadDirectorConfig once per primary and planning pass: a primary and its standbys planned as
 * standbys have the same configuration (lib/config/from-db.ts gives a standby its primary's,
 * unchanged), and loading it is most of a plan (~10 ms of queries each; ten standbys were planned in
 * 105 ms). Each target gets its own copy (the planner adds replication Jobs to a primary's).
 */
async function loadConfig(d: DirectorRow, o: DirectorPlanOptions, cache?: ConfigCache): Promise<DirectorConfig> {
  const load = () => loadDirectorConfig(prisma, d.id, { asPrimary: o.asPrimary });
  const owner = o.asPrimary ? null : d.role === "standby" ? d.primaryId : d.id;
  if (!cache || owner === null) return load();
  let p = cache.configs.get(`dir:${owner}`);
  if (!p) {
    p = load();
    cache.configs.set(`dir:${owner}`, p);
  }
  return structuredClone(await p);
}

export async function planDirector(d: DirectorRow, s: StateRow | undefined, rev: number, all: DirectorRow[], settingsOf: (id: number) => DaemonSettings, o: DirectorPlanOptions = {}, cache?: ConfigCache): Promise<PlannedTarget> {
  const key = targetKey("director", d.id);
  const problems: string[] = [];
  let content = "";
  const extraFiles: { path: string; content: string; mode: number }[] = [];
  const actsAsPrimary = o.asPrimary || (d.role !== "standby" && d.active);
  // A standby's file is its primary's configuration as loaded, nothing added: the same for every
  // standby of that primary, so it is loaded, checked and rendered once per planning pass.
  const memo = cache && !actsAsPrimary && d.role === "standby" && d.primaryId !== null ? `dir:${d.primaryId}` : null;
  try {
    let checked = memo ? cache!.standbyFiles.get(memo) : undefined;
    if (!checked) {
      const cfg = await loadConfig(d, o, cache);
      // A standby receives its primary's configuration unchanged (loadDirectorConfig), so it can take over.
      if (actsAsPrimary) {
        // The configuration replication Admin Job for each standby that has it enabled (its settings).
        const standbys = o.standbys ?? all.filter((x) => x.primaryId === d.id && x.role === "standby");
        for (const b of standbys) {
          const r = settingsOf(b.id).replication;
          if (!r?.enabled) continue;
          try {
            const opts = replicationOptions(d, b, r, cfg);
            const job = adminReplicationJob(opts);
            cfg.jobs = [...cfg.jobs.filter((j) => j.name !== job.name), job];
            extraFiles.push({ path: opts.scriptPath, content: adminReplicationScript(opts), mode: 0o750 });
          } catch (err) {
            if (err instanceof AdminReplicationError) problems.push(`replication to ${b.name}: ${err.message}`);
            else throw err;
          }
        }
      }
      const errors = validateDirector(cfg).filter((p) => p.severity === "error");
      checked = hasErrors(errors)
        ? { problems: errors.map((p) => `${p.resource ?? ""} ${p.name ?? ""}: ${p.message}`.trim()), content: "" }
        : { problems: [], content: renderDirector(cfg, { revision: rev }) };
      if (memo) cache!.standbyFiles.set(memo, checked);
    }
    problems.push(...checked.problems);
    content = checked.content;
  } catch (err) {
    problems.push(`render: ${(err as Error).message}`);
  }
  const host = d.host ? hostSpec(d.host) : null;
  if (!host) problems.push("No host: set the Director's host to deploy it");
  else if (host.problem) problems.push(host.problem);
  const standby = !actsAsPrimary;
  const testTool = s?.testTool && (DIRECTOR_TEST_TOOLS as readonly string[]).includes(s.testTool) ? (s.testTool as "bdirjson" | "bacula-dir") : "bdirjson";
  const reload: ReloadSpec =
    o.reload ??
    (standby
      ? { kind: "none", reason: "standby Director: it gets the configuration but stays stopped (not reloaded); verified by test only" }
      : { kind: "bconsole", ...bconsoleOf(d, s) });
  // The dashboard's own bconsole.conf beside bacula-dir.conf, unless an admin pointed bconsole at
  // a config of their own (then that file is theirs and left alone).
  const consolePath = bconsoleOf(d, s).config;
  const ownConsole = !s?.bconsoleConfig;
  if (ownConsole && content) {
    try {
      const ccfg = await loadConsoleConfig(prisma, d.id);
      const cerr = validateConsole(ccfg, d.version).filter((p) => p.severity === "error");
      if (cerr.length) problems.push(...cerr.map((p) => `bconsole.conf ${p.name}: ${p.message}`.trim()));
      else extraFiles.unshift({ path: consolePath, content: renderConsole(ccfg, { revision: rev }), mode: 0o640 });
    } catch (err) {
      problems.push(`bconsole.conf: ${(err as Error).message}`);
    }
  }
  // bconsole runs on the host with its config: plain paths here, regular files there (test step).
  let hostChecks: HostCheck[] | undefined;
  if (reload.kind === "bconsole") {
    const pp = checkBconsolePath(reload.bconsole);
    if (pp) problems.push(`bconsole path: ${pp.message} [${pp.rule}]`);
    const cp = checkBconsoleConfig(reload.config);
    if (cp) problems.push(`bconsole config: ${cp.message} [${cp.rule}]`);
    hostChecks = [{ field: "bconsolePath", path: reload.bconsole, kind: "program" }];
    // A config this deploy writes is not there yet on a first deploy: checked only when it is the admin's.
    if (!ownConsole) hostChecks.push({ field: "bconsoleConfig", path: reload.config, kind: "file" });
  }
  const settings = settingsOf(d.id);
  const start = actsAsPrimary ? startSpecOf("director", settings, d.pidDirectory, d.port, o.extraPrograms ?? (await extraPrograms())) : undefined;
  const path = posix.join(d.configDir, "bacula-dir.conf");
  return {
    hostId: d.hostId,
    hostPinned: !!d.host?.hostKeyFingerprint,
    problems,
    revision: rev,
    target: {
      key,
      kind: "director",
      daemonId: d.id,
      name: d.name,
      role: o.asPrimary ? "primary" : d.role,
      host: host?.spec ?? { key: `none:${key}`, name: "(no host)", address: "", port: 22, username: "", privateKey: "", pinnedFingerprint: null },
      files: [{ path, content, mode: 0o640 }, ...extraFiles],
      testArgv: (p) => [BACULA_PATHS[testTool], "-t", "-c", p],
      reload,
      start,
      expectLoaded: content ? expectedLoaded(content) : undefined,
      refused: problems.length ? problems.join("; ") : undefined,
      hostChecks,
    },
  };
}

const PROGRAMS: Record<TargetKind, string> = { director: "bacula-dir", "storage-daemon": "bacula-sd", client: "bacula-fd" };

/**
 * How a deploy starts a daemon that does not run (and stops it again on a rollback): its start /
 * stop commands (settings, or the defaults), when they pass the command policy (checked again in
 * plannedCommands, which shows the verdict); Bacula's pid file `<pid dir>/<program>.<port>.pid`.
 */
export function startSpecOf(kind: TargetKind, settings: DaemonSettings, pidDirectory: string, port: number, extras: readonly string[]): StartSpec | undefined {
  const argvOf = (text: string) => {
    try {
      const argv = splitArgv(text);
      return checkCommandPolicy(argv, extras) ? undefined : argv;
    } catch {
      return undefined;
    }
  };
  const argv = argvOf(settings.startCommand ?? DEFAULT_COMMANDS[kind].startCommand);
  if (!argv) return undefined;
  const program = PROGRAMS[kind];
  return { argv, stopArgv: argvOf(settings.stopCommand ?? DEFAULT_COMMANDS[kind].stopCommand), pidFile: posix.join(pidDirectory, `${program}.${port}.pid`), program };
}

/** bconsole path and config of a Director (its deploy settings, or the defaults). */
export function bconsoleOf(d: { configDir: string }, s: { bconsolePath: string | null; bconsoleConfig: string | null } | undefined | null): { bconsole: string; config: string } {
  return { bconsole: s?.bconsolePath || BACULA_PATHS.bconsole, config: s?.bconsoleConfig || posix.join(d.configDir, "bconsole.conf") };
}

export async function directorRows(): Promise<DirectorRow[]> {
  return prisma.director.findMany({ include: { host: true }, orderBy: [{ role: "asc" }, { name: "asc" }] });
}

export async function stateOf(kind: TargetKind, id: number): Promise<StateRow | undefined> {
  return (await states()).get(targetKey(kind, id));
}

/** Plan every target (or the selected keys): rendered, validated, with host and settings. */
export async function planTargets(selected?: readonly string[], overrides: Record<string, DirectorPlanOptions> = {}): Promise<PlannedTarget[]> {
  const revision = await modelRevision(prisma);
  const rev = revision || 1;
  const st = await states();
  const want = selected ? new Set(selected) : null;
  const out: PlannedTarget[] = [];
  const directors = await directorRows();
  const settingsOf = (id: number) => readSettings(st.get(targetKey("director", id))?.settings);
  const extras = await extraPrograms();
  const configs = newConfigCache();
  for (const d of directors) {
    const key = targetKey("director", d.id);
    if (want && !want.has(key)) continue;
    out.push(await planDirector(d, st.get(key), rev, directors, settingsOf, { extraPrograms: extras, ...overrides[key] }, configs));
  }
  const sds = await prisma.storageDaemon.findMany({ include: { host: true }, orderBy: { name: "asc" } });
  for (const sd of sds) {
    const key = targetKey("storage-daemon", sd.id);
    if (want && !want.has(key)) continue;
    if (!sd.host && !want) continue; // an SD without a host is not deployed by the dashboard
    const s = st.get(key);
    const problems: string[] = [];
    let content = "";
    try {
      const cfg = await loadStorageDaemonConfig(prisma, sd.id);
      const errors = unusedStorageDaemon(cfg) ? [] : validateStorageDaemon(cfg).filter((p) => p.severity === "error");
      if (unusedStorageDaemon(cfg)) problems.push(unusedSdMessage(sd.name, sd.placeholder));
      else if (errors.length) problems.push(...errors.map((p) => `${p.resource ?? ""} ${p.name ?? ""}: ${p.message}`.trim()));
      else content = renderStorageDaemon(cfg, { revision: rev });
    } catch (err) {
      problems.push(`render: ${(err as Error).message}`);
    }
    const host = sd.host ? hostSpec(sd.host) : null;
    if (!host) problems.push("No host: set the Storage Daemon's host to deploy it");
    else if (host.problem) problems.push(host.problem);
    let reload: ReloadSpec = { kind: "none", reason: "no restart command" };
    try {
      const argv = splitArgv(sd.restartCommand);
      const refused = checkCommandPolicy(argv, extras);
      if (refused) problems.push(`Restart command: ${refused.message} [${refused.rule}]`);
      else reload = { kind: "command", argv };
    } catch (err) {
      problems.push(`Restart command: ${(err as Error).message}`);
    }
    const testTool = s?.testTool && (SD_TEST_TOOLS as readonly string[]).includes(s.testTool) ? (s.testTool as "bsdjson" | "bacula-sd") : "bsdjson";
    const start = startSpecOf("storage-daemon", readSettings(s?.settings), sd.pidDirectory, sd.port, extras);
    out.push({
      hostId: sd.hostId,
      hostPinned: !!sd.host?.hostKeyFingerprint,
      problems,
      revision: rev,
      target: {
        key,
        kind: "storage-daemon",
        daemonId: sd.id,
        name: sd.name,
        role: "storage-daemon",
        host: host?.spec ?? { key: `none:${key}`, name: "(no host)", address: "", port: 22, username: "", privateKey: "", pinnedFingerprint: null },
        files: [{ path: posix.join(sd.configDir, "bacula-sd.conf"), content, mode: 0o640 }],
        testArgv: (p) => [BACULA_PATHS[testTool], "-t", "-c", p],
        reload,
        start,
        refused: problems.length ? problems.join("; ") : undefined,
      },
    });
  }
  const clients = await prisma.client.findMany({ include: { host: true }, orderBy: { name: "asc" } });
  for (const c of clients) {
    const key = targetKey("client", c.id);
    if (want && !want.has(key)) continue;
    if (!c.host && !want) continue; // a Client without a host is not deployed by the dashboard
    out.push(await planClient(c, st.get(key), rev, extras));
  }
  return out;
}

type ClientRow = Prisma.ClientGetPayload<{ include: { host: true } }>;

/** Plan one Client's File Daemon target: bacula-fd.conf rendered, validated, restarted by its restart command. */
export async function planClient(c: ClientRow, s: StateRow | undefined, rev: number, extras: readonly string[]): Promise<PlannedTarget> {
  const key = targetKey("client", c.id);
  const problems: string[] = [];
  let content = "";
  try {
    const cfg = await loadFileDaemonConfig(prisma, c.id);
    const errors = validateFileDaemon(cfg).filter((p) => p.severity === "error");
    if (errors.length) problems.push(...errors.map((p) => `${p.resource ?? ""} ${p.name ?? ""}: ${p.message}`.trim()));
    else content = renderFileDaemon(cfg, { revision: rev });
  } catch (err) {
    problems.push(`render: ${(err as Error).message}`);
  }
  const host = c.host ? hostSpec(c.host) : null;
  if (!host) problems.push("No host: set the Client's host to deploy its File Daemon");
  else if (host.problem) problems.push(host.problem);
  const settings = readSettings(s?.settings);
  let reload: ReloadSpec = { kind: "none", reason: "no restart command" };
  try {
    const argv = splitArgv(settings.restartCommand ?? DEFAULT_COMMANDS.client.restartCommand!);
    const refused = checkCommandPolicy(argv, extras);
    if (refused) problems.push(`restartCommand: ${refused.message} [${refused.rule}]`);
    else reload = { kind: "command", argv };
  } catch (err) {
    problems.push(`restartCommand: ${(err as Error).message}`);
  }
  const testTool = s?.testTool && (FD_TEST_TOOLS as readonly string[]).includes(s.testTool) ? (s.testTool as "bfdjson" | "bacula-fd") : "bfdjson";
  return {
    hostId: c.hostId,
    hostPinned: !!c.host?.hostKeyFingerprint,
    problems,
    revision: rev,
    target: {
      key,
      kind: "client",
      daemonId: c.id,
      name: c.name,
      role: "file-daemon",
      host: host?.spec ?? { key: `none:${key}`, name: "(no host)", address: "", port: 22, username: "", privateKey: "", pinnedFingerprint: null },
      files: [{ path: posix.join(c.fdConfigDir, "bacula-fd.conf"), content, mode: 0o640 }],
      testArgv: (p) => [BACULA_PATHS[testTool], "-t", "-c", p],
      reload,
      start: startSpecOf("client", settings, c.fdPidDirectory, c.port, extras),
      refused: problems.length ? problems.join("; ") : undefined,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Target list with drift (no SSH)

export type DriftState =
  | "in_sync" // live file (last seen) = model
  | "model_changed" // the model differs from what was last deployed / seen live: deploy pending
  | "live_changed" // the live file differs from what was deployed: edited on the host
  | "never_deployed"
  | "unknown";

export interface TargetView {
  key: string;
  kind: TargetKind;
  daemonId: number;
  name: string;
  role: string;
  host: { id: number | null; name: string; address: string; port: number; user: string; pinned: boolean };
  files: string[];
  reload: string;
  modelHash: string | null;
  problems: string[];
  lastDeploy: { hash: string | null; at: string | null; by: string | null; runId: number | null };
  live: { hash: string | null; checkedAt: string | null };
  drift: DriftState;
  settings: { bconsolePath: string | null; bconsoleConfig: string | null; testTool: string | null } & DaemonSettings;
  /** Every command the dashboard runs on the host for this target, as argv, with the policy's verdict. */
  commands: PlannedCommand[];
}

export interface PlannedCommand {
  /** test | reload | start | stop */
  use: string;
  /** The setting it comes from (restartCommand, startCommand, bconsolePath ...), or null for a built-in. */
  field: string | null;
  argv: string[];
  problem: string | null;
}

function commandOfSetting(use: string, field: string, text: string, extras: readonly string[]): PlannedCommand {
  try {
    const argv = splitArgv(text);
    const p = checkCommandPolicy(argv, extras);
    return { use, field, argv, problem: p ? `${p.message} [${p.rule}]` : null };
  } catch (err) {
    return { use, field, argv: [text], problem: (err as Error).message };
  }
}

function plannedCommands(t: DeployTarget, settings: DaemonSettings, extras: readonly string[]): PlannedCommand[] {
  const out: PlannedCommand[] = [{ use: "test", field: "testTool", argv: t.testArgv(t.files[0].path), problem: null }];
  const r = t.reload;
  if (r.kind === "bconsole") {
    const p = checkBconsolePath(r.bconsole) ?? checkBconsoleConfig(r.config);
    out.push({ use: "reload", field: "bconsolePath", argv: [r.bconsole, "-c", r.config], problem: p ? `${p.message} [${p.rule}]` : null });
  } else if (r.kind === "command") out.push({ use: "reload", field: "restartCommand", argv: r.argv, problem: null });
  out.push(commandOfSetting("start", "startCommand", settings.startCommand ?? DEFAULT_COMMANDS[t.kind].startCommand, extras));
  out.push(commandOfSetting("stop", "stopCommand", settings.stopCommand ?? DEFAULT_COMMANDS[t.kind].stopCommand, extras));
  return out;
}

export function driftState(modelHash: string | null, lastHash: string | null, liveHash: string | null): DriftState {
  if (liveHash) {
    if (lastHash && liveHash !== lastHash) return "live_changed";
    return liveHash === modelHash ? "in_sync" : "model_changed";
  }
  if (!lastHash) return "never_deployed";
  if (modelHash && lastHash !== modelHash) return "model_changed";
  return "unknown";
}

function reloadText(r: ReloadSpec): string {
  if (r.kind === "none") return r.reason;
  if (r.kind === "bconsole") return `${r.bconsole} -c ${r.config} <<< reload`;
  return r.argv.join(" ");
}

/** Every target (or the given keys) with drift, last deploy and commands. */
export async function listTargets(keys?: readonly string[]): Promise<TargetView[]> {
  const [plans, st, extras] = await Promise.all([planTargets(keys), states(), extraPrograms()]);
  return plans.map(({ target: t, problems, hostPinned }) => {
    const s = st.get(t.key);
    const internal = t.files[0].content ? driftHash(t.files) : null;
    const model = internal ? { drift: internal, view: viewHash(t.files) } : null;
    const settings = readSettings(s?.settings);
    return {
      key: t.key,
      kind: t.kind,
      daemonId: t.daemonId,
      name: t.name,
      role: t.role,
      host: { id: t.host.id ?? null, name: t.host.name, address: t.host.address, port: t.host.port, user: t.host.username, pinned: hostPinned },
      files: t.files.map((f) => f.path),
      reload: reloadText(t.reload),
      modelHash: model?.view ?? null,
      problems,
      lastDeploy: {
        hash: viewOfStored(s?.lastHash ?? null, model),
        at: s?.lastDeployedAt?.toISOString() ?? null,
        by: s?.lastDeployedBy ?? null,
        runId: s?.lastRunId ?? null,
      },
      live: { hash: viewOfStored(s?.liveHash ?? null, model), checkedAt: s?.liveCheckedAt?.toISOString() ?? null },
      drift: driftState(internal, s?.lastHash ?? null, s?.liveHash ?? null),
      settings: { bconsolePath: s?.bconsolePath ?? null, bconsoleConfig: s?.bconsoleConfig ?? null, testTool: s?.testTool ?? null, ...settings },
      commands: plannedCommands(t, settings, extras),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Live check (SSH, read-only): per-file diff and drift

export interface LiveCheck {
  key: string;
  drift: DriftState;
  liveHash: string | null;
  modelHash: string | null;
  files: { path: string; exists: boolean; changed: boolean; diff: string }[];
  error: string | null;
  errorCode: string | null;
  presentedFingerprint: string | null;
}

export async function checkLive(keys?: readonly string[], open: OpenTransport = sshTransport()): Promise<LiveCheck[]> {
  const plans = await planTargets(keys);
  const st = await states();
  const byHost = new Map<string, PlannedTarget[]>();
  const results: LiveCheck[] = [];
  for (const p of plans) {
    if (!p.target.host.address || !p.target.host.privateKey) {
      results.push({ key: p.target.key, drift: "unknown", liveHash: null, modelHash: null, files: [], error: p.problems.join("; ") || "no host", errorCode: null, presentedFingerprint: null });
      continue;
    }
    byHost.set(p.target.host.key, [...(byHost.get(p.target.host.key) ?? []), p]);
  }
  await Promise.all(
    // Under the host lock: a check never reads a host halfway through a deploy's swap.
    [...byHost.values()].map((list) => withHostLock(list[0].target.host.key, async () => {
      let tr;
      try {
        tr = await open(list[0].target.host);
      } catch (err) {
        const e = err as { message: string; code?: string; presentedFingerprint?: string };
        for (const p of list) {
          results.push({ key: p.target.key, drift: "unknown", liveHash: null, modelHash: null, files: [], error: e.message, errorCode: e.code ?? null, presentedFingerprint: e.presentedFingerprint ?? null });
        }
        return;
      }
      try {
        for (const p of list) {
          const t = p.target;
          try {
            const live = await Promise.all(t.files.map(async (f) => (await tr.readFile(f.path))?.toString("utf8") ?? null));
            const liveHash = driftHash(t.files.map((f, i) => ({ path: f.path, content: live[i] })));
            const modelHash = t.files[0].content ? driftHash(t.files) : null;
            const model = modelHash ? { drift: modelHash, view: viewHash(t.files) } : null;
            await prisma.daemonDeployState.upsert({
              where: { kind_daemonId: { kind: t.kind, daemonId: t.daemonId } },
              create: { kind: t.kind, daemonId: t.daemonId, liveHash, liveCheckedAt: new Date() },
              update: { liveHash, liveCheckedAt: new Date() },
            });
            const s = st.get(t.key);
            results.push({
              key: t.key,
              drift: live.every((l) => l === null) ? (s?.lastHash ? "live_changed" : "never_deployed") : driftState(modelHash, s?.lastHash ?? null, liveHash),
              liveHash: viewOfStored(liveHash, model),
              modelHash: model?.view ?? null,
              files: t.files.map((f, i) => ({
                path: f.path,
                exists: live[i] !== null,
                changed: live[i] === null || configHash(live[i]!) !== configHash(f.content),
                diff: live[i] === f.content ? "" : unifiedDiff(f.path, live[i], f.content),
              })),
              error: p.problems.length ? p.problems.join("; ") : null,
              errorCode: null,
              presentedFingerprint: null,
            });
          } catch (err) {
            results.push({ key: t.key, drift: "unknown", liveHash: null, modelHash: null, files: [], error: (err as Error).message, errorCode: (err as { code?: string }).code ?? null, presentedFingerprint: null });
          }
        }
      } finally {
        await tr.close().catch(() => {});
      }
    })),
  );
  const order = new Map(plans.map((p, i) => [p.target.key, i]));
  return results.sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
}

/** A live check asked for by someone (POST /api/deploy/live): it connects and records what it saw, so it is audited. */
export async function liveCheckBy(keys: readonly string[] | undefined, actor: { login: string; ip: string | null }): Promise<LiveCheck[]> {
  const checks = await checkLive(keys);
  await audit({
    actor: actor.login,
    ip: actor.ip,
    action: "deploy_live_check",
    entityType: "deploy-target",
    entityName: keys?.length ? keys.join(", ") : "all targets",
    after: { targets: checks.map((c) => ({ target: c.key, drift: c.drift, error: c.errorCode ?? (c.error ? "error" : null) })) },
  });
  return checks;
}

// ---------------------------------------------------------------------------------------------
// Running a deploy

export type RunEvent =
  | { type: "run"; runId: number; dryRun: boolean; targets: { key: string; name: string; kind: string; role: string; hostName: string }[] }
  | DeployEvent
  | { type: "done"; runId: number; status: string; summary: string; targets: TargetResult[] };

export interface StartDeployOptions {
  actor: string;
  ip?: string | null;
  dryRun: boolean;
  targets?: readonly string[];
  open?: OpenTransport;
  onEvent?: (e: RunEvent) => void;
  /** Director switchover: plan a target differently (as primary, reload spec). */
  overrides?: Record<string, DirectorPlanOptions>;
  /** The interrupted run this one finishes (takeOverInterruptedRuns). */
  resumedFromId?: number;
  /** Targets reloaded even when their live files already are the model's (an interrupted swap). */
  reloadEvenIfUnchanged?: readonly string[];
}

function runStatus(results: TargetResult[]): string {
  const ok = (r: TargetResult) => ["succeeded", "unchanged", "dry_run_ok"].includes(r.status);
  if (results.length === 0) return "succeeded";
  if (results.every(ok)) return "succeeded";
  if (results.some(ok)) return "partial";
  return "failed";
}

let phases: Record<string, number> = {};
/** Where the last deploy's time went (ms): plan, records before, engine, records after (the bench prints it). */
export function lastDeployPhases(): Record<string, number> {
  return phases;
}

export async function startDeploy(o: StartDeployOptions): Promise<{ runId: number; status: string; results: TargetResult[] }> {
  const t0 = performance.now();
  const plans = await planTargets(o.targets, o.overrides);
  const tPlan = performance.now();
  if (o.targets) {
    const known = new Set(plans.map((p) => p.target.key));
    const unknown = o.targets.filter((k) => !known.has(k));
    if (unknown.length) throw Object.assign(new Error(`Unknown targets: ${unknown.join(", ")}`), { unknownTargets: unknown });
  }
  const revision = plans[0]?.revision ?? (await modelRevision(prisma));
  // The run and its lease in one transaction: no other instance can see it running without an owner that renews it.
  const ttl = leaseMs();
  const sent = performance.now();
  const { run, token } = await prisma.$transaction(async (tx) => {
    const made = await tx.deployRun.create({ data: { actor: o.actor, dryRun: o.dryRun, status: "running", revision, owner: INSTANCE_ID, resumedFromId: o.resumedFromId ?? null } });
    const t = await tryAcquire(tx, runLeaseName(made.id), ttl);
    if (t === null) throw new Error(`deploy run ${made.id}: its lease is taken`);
    return { run: made, token: t };
  });
  const runLease = new HeldLease(prisma, runLeaseName(run.id), token, ttl, sent);
  try {
  const rows = new Map<string, number>();
  // One transaction for every target's row (one commit, not one per target).
  const created = await prisma.$transaction(
    plans.map((p) => {
      const t = p.target;
      return prisma.deployTargetRun.create({
        data: {
          runId: run.id,
          targetKey: t.key,
          kind: t.kind,
          daemonId: t.daemonId,
          daemonName: t.name,
          role: t.role,
          hostName: t.host.name,
          status: "pending",
          modelHash: t.files[0].content ? driftHash(t.files) : null,
          files: [],
        },
        select: { id: true },
      });
    }),
  );
  plans.forEach((p, i) => rows.set(p.target.key, created[i].id));
  const emit = (e: RunEvent) => {
    try {
      o.onEvent?.(e);
    } catch {
      /* the stream may be gone; the deploy goes on */
    }
  };
  emit({
    type: "run",
    runId: run.id,
    dryRun: o.dryRun,
    targets: plans.map((p) => ({ key: p.target.key, name: p.target.name, kind: p.target.kind, role: p.target.role, hostName: p.target.host.name })),
  });

  // Steps and targets recorded as they come, in group commits (recorder.ts).
  const recorder = createRunRecorder(prisma, rows);
  const onEvent = (e: DeployEvent) => {
    emit(e);
    recorder.onEvent(e);
  };

  const tRecords = performance.now();
  // One deploy per host across every instance on the database (host leases), each remote action checking the lease.
  const hosts = clusterHostLocks(prisma, o.open ?? sshTransport());
  const reloadAnyway = new Set(o.reloadEvenIfUnchanged ?? []);
  const results = await runDeploy(
    plans.map((p) => (reloadAnyway.has(p.target.key) ? { ...p.target, reloadEvenIfUnchanged: true } : p.target)),
    { runId: `${run.id}-${randomBytes(3).toString("hex")}`, dryRun: o.dryRun, open: hosts.open, lock: hosts.lock, onEvent, commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS, hashKey: driftKey() },
  );
  const tEngine = performance.now();
  await recorder.flush();
  const tChain = performance.now();

  const now = new Date();
  const status = runStatus(results);
  const summary = results.map((r) => `${r.name}: ${r.status}${r.failedStep ? ` at ${r.failedStep}` : ""}`).join("; ");
  // The deployed files (masked) in the history (the config page diffs the model against them), the
  // drift state of every daemon and the run's outcome: one commit, a statement each.
  const fileRows = o.dryRun ? [] : await deployedFileRows(rows, plans, results);
  const deployedStates: unknown[][] = [];
  const liveStates: unknown[][] = [];
  for (const r of results) {
    if (!o.dryRun && ["succeeded", "unchanged"].includes(r.status)) deployedStates.push([r.kind, r.daemonId, r.modelHash, now, o.actor, run.id, r.modelHash, now]);
    // What the host has now: unchanged by a dry run or a rolled-back deploy.
    else if (r.liveHashBefore) liveStates.push([r.kind, r.daemonId, r.status === "rollback_failed" ? null : r.liveHashBefore, now]);
  }
  await prisma.$transaction(async (tx) => {
    await bulkUpdate(tx, "DeployTargetRun", ["files"], fileRows);
    await bulkUpsert(tx, "DaemonDeployState", ["kind", "daemonId"], ["kind", "daemonId", "lastHash", "lastDeployedAt", "lastDeployedBy", "lastRunId", "liveHash", "liveCheckedAt"], deployedStates);
    await bulkUpsert(tx, "DaemonDeployState", ["kind", "daemonId"], ["kind", "daemonId", "liveHash", "liveCheckedAt"], liveStates);
    // Only while the run is still ours: an instance that took it over (our lease lost) has marked it interrupted.
    await tx.deployRun.updateMany({ where: { id: run.id, owner: INSTANCE_ID, status: "running" }, data: { status, summary, finishedAt: now } });
  });
  await audit({
    actor: o.actor,
    action: o.dryRun ? "deploy_dry_run" : "deploy",
    entityType: "deploy-run",
    entityId: run.id,
    entityName: `deploy #${run.id}`,
    after: {
      status,
      revision,
      targets: results.map((r) => ({ target: r.key, name: r.name, host: r.hostName, status: r.status, failedStep: r.failedStep, error: r.error, modelHash: r.modelHash, liveHashBefore: r.liveHashBefore })),
    },
    ip: o.ip ?? null,
  });
  const r1 = (n: number) => Math.round(n);
  phases = { plan: r1(tPlan - t0), recordsBefore: r1(tRecords - tPlan), engine: r1(tEngine - tRecords), stepWritesPending: r1(tChain - tEngine), recordsAfter: r1(performance.now() - tChain) };
  emit({ type: "done", runId: run.id, status, summary, targets: results });
  return { runId: run.id, status, results };
  } finally {
    await runLease.release();
  }
}

// ---------------------------------------------------------------------------------------------
// History

export async function listRuns(limit = 50) {
  const runs = await prisma.deployRun.findMany({
    orderBy: { id: "desc" },
    take: limit,
    include: { targets: { select: { targetKey: true, daemonName: true, hostName: true, status: true, failedStep: true } } },
  });
  return runs;
}

/** The run that finishes an interrupted one, if any. */
export async function resumedBy(runId: number): Promise<number | null> {
  const r = await prisma.deployRun.findFirst({ where: { resumedFromId: runId }, select: { id: true }, orderBy: { id: "asc" } });
  return r?.id ?? null;
}

export async function getRun(id: number) {
  return prisma.deployRun.findUnique({
    where: { id },
    include: { targets: { orderBy: { id: "asc" }, include: { steps: { orderBy: { position: "asc" } } } } },
  });
}

export async function updateSettings(
  key: string,
  data: {
    bconsolePath?: string | null;
    bconsoleConfig?: string | null;
    testTool?: string | null;
    startCommand?: string | null;
    stopCommand?: string | null;
    restartCommand?: string | null;
    replication?: ReplicationSettings | null;
  },
): Promise<{ before: Record<string, unknown>; after: Record<string, unknown> }> {
  const k = parseTargetKey(key);
  if (!k) throw new Error("bad target key");
  const exists =
    k.kind === "director"
      ? await prisma.director.findUnique({ where: { id: k.id } })
      : k.kind === "client"
        ? await prisma.client.findUnique({ where: { id: k.id } })
        : await prisma.storageDaemon.findUnique({ where: { id: k.id } });
  if (!exists) throw Object.assign(new Error(`${key} does not exist`), { notFound: true });
  const row = await prisma.daemonDeployState.findUnique({ where: { kind_daemonId: { kind: k.kind, daemonId: k.id } } });
  const blob: DaemonSettings = { ...readSettings(row?.settings) };
  for (const f of ["startCommand", "stopCommand", "restartCommand", "replication"] as const) {
    if (data[f] === undefined) continue;
    if (data[f] === null) delete blob[f];
    else (blob as Record<string, unknown>)[f] = data[f];
  }
  const columns: Record<string, string | null> = {};
  for (const f of ["bconsolePath", "bconsoleConfig", "testTool"] as const) if (data[f] !== undefined) columns[f] = data[f] || null;
  const before = { bconsolePath: row?.bconsolePath ?? null, bconsoleConfig: row?.bconsoleConfig ?? null, testTool: row?.testTool ?? null, ...readSettings(row?.settings) };
  const settings = JSON.parse(JSON.stringify(blob)) as Prisma.InputJsonValue;
  const saved = await prisma.daemonDeployState.upsert({
    where: { kind_daemonId: { kind: k.kind, daemonId: k.id } },
    create: { kind: k.kind, daemonId: k.id, ...columns, settings },
    update: { ...columns, settings },
  });
  return { before, after: { bconsolePath: saved.bconsolePath, bconsoleConfig: saved.bconsoleConfig, testTool: saved.testTool, ...readSettings(saved.settings) } };
}
