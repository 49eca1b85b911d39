/**
 * Validation of a Director (and Storage Daemon) model: what Bacula would refuse
 * (required directives, dangling references, versions) and what it would accept
 * but run badly (policy spellings, copy chains, storage groups, shell commands).
 */
import {
  compareVersions,
  DIRECTOR_RESOURCES,
  isVersionString,
  MESSAGE_KINDS,
  REPEATED_TYPES,
  RESOURCE_SPECS,
  SD_RESOURCES,
  type BlockSpec,
  type DirectiveSpec,
  type ResourceKind,
  type ResourceSpec,
} from "./directives";
import {
  STORAGE_GROUP_POLICIES,
  type DirectorConfig,
  type JobLike,
  type PoolResource,
  type StorageDaemonConfig,
  type StorageResource,
} from "./model";
import { timeUsesMonthM } from "./units";
import { checkName, formatDestination, ValueError, valueProblem } from "./values";

export type Severity = "error" | "warning";

export interface Problem {
  /** Resource kind, e.g. "Job", "Pool", or "Config" for whole-config rules. */
  resource: ResourceKind | "Config";
  /** Resource name ("" for whole-config rules). */
  name: string;
  /** Model key (path) of the field, e.g. "storageGroupPolicy" or "runScripts[0].command". */
  field: string;
  rule: string;
  message: string;
  severity: Severity;
}

type Obj = Record<string, unknown>;

const REF_LISTS: Partial<Record<ResourceKind, keyof DirectorConfig>> = {
  Catalog: "catalogs",
  Storage: "storages",
  Pool: "pools",
  Client: "clients",
  FileSet: "filesets",
  Schedule: "schedules",
  Messages: "messages",
  JobDefs: "jobDefs",
  Job: "jobs",
};

/** The Job with its JobDefs applied (the Job's own values win). */
export function effectiveJob(cfg: DirectorConfig, job: JobLike, jobDefsByName?: ReadonlyMap<string, JobLike>): JobLike {
  if (!job.jobDefs) return job;
  const jd = jobDefsByName ? jobDefsByName.get(job.jobDefs) : cfg.jobDefs.find((j) => j.name === job.jobDefs);
  if (!jd) return job;
  const out: Obj = { ...(jd as unknown as Obj) };
  // An empty list means "not set" (see model.ts): it does not hide the JobDefs' list.
  for (const [k, v] of Object.entries(job)) if (v !== undefined && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  out.name = job.name;
  return out as unknown as JobLike;
}

function isSet(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === "string") return v !== "";
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function names<T extends { name: string }>(list: readonly T[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < list.length; i++) out.add(list[i].name);
  return out;
}

/** Commands that need a shell: RunScript splits the command into words itself. */
const SHELL_RE = /&&|\|\||[|;<>`&]|\$\(|\$\{|\$[A-Za-z_]|(^|\s)~/;

export function commandNeedsShell(command: string): string | undefined {
  const m = SHELL_RE.exec(command);
  return m ? m[0].trim() || m[0] : undefined;
}

class Collector {
  problems: Problem[] = [];
  add(resource: Problem["resource"], name: string, field: string, rule: string, message: string, severity: Severity = "error") {
    this.problems.push({ resource, name, field, rule, message, severity });
  }
}

/** What stays the same during one validation run. */
interface Run {
  c: Collector;
  version: string | undefined;
  refNames: (kind: ResourceKind) => Set<string> | undefined;
  /** compareVersions(version, x) < 0, cached per x (the tables name few versions). */
  older: Map<string, boolean>;
}

function olderThan(run: Run, x: string): boolean {
  let r = run.older.get(x);
  if (r === undefined) {
    r = compareVersions(run.version!, x) < 0;
    run.older.set(x, r);
  }
  return r;
}

function labelOf(spec: ResourceSpec, resName: string): string {
  return `${spec.name} ${JSON.stringify(resName)}`;
}

/** Value, version and reference checks of one block, driven by the table. */
function checkBlock(
  run: Run,
  spec: ResourceSpec,
  block: BlockSpec,
  obj: Obj,
  resName: string,
  prefix: string,
  checkRequired: boolean,
) {
  const c = run.c;
  const version = run.version;
  const kind = spec.kind;
  let destDone = false;
  const directives = block.directives;
  for (let d = 0; d < directives.length; d++) {
    const dir = directives[d];
    const v = obj[dir.key];
    if (!isSet(v) && !(dir.allowEmpty && v === "")) {
      if (checkRequired && dir.required)
        c.add(kind, resName, prefix + dir.key, "required", `${labelOf(spec, resName)}: ${dir.name} is required`);
      continue;
    }
    // Values the renderer would refuse.
    if (dir.type === "msg-destination") {
      if (destDone) continue;
      destDone = true;
      const field = prefix + dir.key;
      (v as unknown[]).forEach((dest, i) => {
        try {
          formatDestination(dest as never);
        } catch (e) {
          if (e instanceof ValueError) c.add(kind, resName, `${field}[${i}]`, "value", `${labelOf(spec, resName)}: destination ${i + 1}: ${e.message}`);
        }
      });
      continue;
    }
    const repeated = dir.type !== "ref-list" && REPEATED_TYPES.has(dir.type);
    if (repeated) {
      if (!Array.isArray(v)) {
        c.add(kind, resName, prefix + dir.key, "value", `${labelOf(spec, resName)}: ${dir.name} must be a list`);
        continue;
      }
      for (let i = 0; i < v.length; i++) {
        const p = valueProblem(dir, v[i]);
        if (p !== null) c.add(kind, resName, `${prefix + dir.key}[${i}]`, "value", `${labelOf(spec, resName)}: ${dir.name} ${p}`);
      }
    } else {
      const p = valueProblem(dir, v);
      // Case-sensitive enums are reported by the policy rules.
      if (p !== null && !(dir.type === "enum" && dir.caseSensitiveValues))
        c.add(kind, resName, prefix + dir.key, "value", `${labelOf(spec, resName)}: ${dir.name} ${p}`);
    }
    // Version.
    if (version) {
      if (dir.firstVersion && olderThan(run, dir.firstVersion)) {
        const extra = dir.key === "storageGroupPolicy" && olderThan(run, "13.0")
          ? ` (Bacula ${version} has no StorageGroupPolicy at all: "Keyword \\"StorageGroupPolicy\\" not permitted in this resource")`
          : "";
        c.add(kind, resName, prefix + dir.key, "version", `${labelOf(spec, resName)}: ${dir.name} needs Bacula ${dir.firstVersion} or later; the Director runs ${version}${extra}`);
      } else if (dir.type === "enum" && typeof v === "string" && dir.valueVersions) {
        const vv = dir.valueVersions[v];
        if (vv && olderThan(run, vv))
          c.add(kind, resName, prefix + dir.key, "version", `${labelOf(spec, resName)}: ${dir.name} = ${v} needs Bacula ${dir.valueVersions?.[v]} or later; the Director runs ${version}`);
      }
    }
    // Time values written with a bare "m" mean months.
    if (dir.type === "time" && typeof v === "string" && timeUsesMonthM(v))
      c.add(kind, resName, prefix + dir.key, "time-months", `${labelOf(spec, resName)}: ${dir.name} = ${v}: Bacula reads "m" as months; write "min" for minutes`, "warning");
    // References.
    if (dir.ref && (dir.type === "ref" || dir.type === "ref-list" || (dir.type === "bool-or-ref" && typeof v === "string"))) {
      const known = run.refNames(dir.ref);
      if (known) {
        if (Array.isArray(v)) {
          for (const r of v as unknown[]) if (typeof r === "string" && !known.has(r)) danglingRef(run, spec, resName, prefix + dir.key, dir, r);
        } else if (typeof v === "string" && !known.has(v)) danglingRef(run, spec, resName, prefix + dir.key, dir, v);
      }
    }
  }
  const blocks = block.blocks;
  if (blocks === undefined) return;
  for (const sub of blocks) {
    if (sub.key) {
      const arr = obj[sub.key];
      if (!Array.isArray(arr)) continue;
      for (let i = 0; i < arr.length; i++) checkBlock(run, spec, sub, arr[i] as Obj, resName, `${prefix}${sub.key}[${i}].`, true);
    } else {
      checkBlock(run, spec, sub, obj, resName, prefix, checkRequired);
    }
  }
}

function danglingRef(run: Run, spec: ResourceSpec, resName: string, field: string, dir: DirectiveSpec, r: string) {
  run.c.add(spec.kind, resName, field, "dangling-reference", `${labelOf(spec, resName)}: ${dir.name} refers to ${RESOURCE_SPECS[dir.ref!].name} ${JSON.stringify(r)}, which does not exist`);
}

function checkResources(
  run: Run,
  specs: readonly ResourceSpec[],
  cfg: Obj,
  requiredAfterInheritance: Set<ResourceKind>,
) {
  const c = run.c;
  for (const spec of specs) {
    const raw = cfg[spec.configKey];
    const list = (spec.single ? (raw ? [raw] : []) : ((raw as Obj[] | undefined) ?? [])) as Obj[];
    const seen = new Map<string, number>();
    const checkRequired = !requiredAfterInheritance.has(spec.kind);
    for (let i = 0; i < list.length; i++) {
      const res = list[i];
      const name = typeof res.name === "string" ? res.name : "";
      const p = checkName(res.name);
      if (p) c.add(spec.kind, name, "name", "name-syntax", `${spec.name} name ${JSON.stringify(name)} ${p}`);
      seen.set(name, (seen.get(name) ?? 0) + 1);
      checkBlock(run, spec, spec, res, name, "", checkRequired);
    }
    for (const [name, n] of seen)
      if (n > 1) c.add(spec.kind, name, "name", "duplicate-name", `${n} ${spec.name} resources are named ${JSON.stringify(name)}`);
  }
}

function canonicalPolicy(v: string): string | undefined {
  return STORAGE_GROUP_POLICIES.find((p) => p.toLowerCase() === v.toLowerCase());
}

function checkPolicy(c: Collector, kind: "Pool" | "Job" | "JobDefs", res: PoolResource | JobLike, version: string, before13: boolean) {
  const v = res.storageGroupPolicy;
  if (v === undefined && res.storageGroupPolicyThreshold === undefined && !(res.storage && res.storage.length > 1 && before13)) return;
  const label = `${kind} ${JSON.stringify(res.name)}`;
  if (v !== undefined) {
    const canon = canonicalPolicy(v);
    if (v === "LastBackupedTo" || v.toLowerCase() === "lastbackupedto") {
      c.add(kind, res.name, "storageGroupPolicy", "policy-spelling",
        `${label}: StorageGroupPolicy ${v} is refused by Bacula 15.0.3's parser ("Invalid storage policy!"); write LastBackedUpTo`);
    } else if (!canon) {
      c.add(kind, res.name, "storageGroupPolicy", "policy-spelling",
        `${label}: unknown StorageGroupPolicy ${JSON.stringify(v)}; use one of ${STORAGE_GROUP_POLICIES.join(", ")}`);
    } else if (canon !== v) {
      c.add(kind, res.name, "storageGroupPolicy", "policy-spelling",
        `${label}: StorageGroupPolicy must be written ${canon}: the parser accepts ${JSON.stringify(v)} but the Director compares case-sensitively and silently falls back to ListedOrder`);
    }
  }
  if (res.storageGroupPolicyThreshold !== undefined) {
    const canon = v ? canonicalPolicy(v) : undefined;
    if (canon !== "FreeSpace" && canon !== "FreeSpaceLeastUsed")
      c.add(kind, res.name, "storageGroupPolicyThreshold", "policy-threshold",
        `${label}: StorageGroupPolicyThreshold is only used by the FreeSpace and FreeSpaceLeastUsed policies`, "warning");
  }
  if (res.storage && res.storage.length > 1 && before13)
    c.add(kind, res.name, "storage", "storage-group-version",
      `${label}: Bacula ${version} accepts a list of storages but uses only the first (${res.storage[0]}); storage groups need 13.0 or later`, "warning");
}

export function validateDirector(cfg: DirectorConfig): Problem[] {
  const c = new Collector();
  const version = cfg.director?.version ?? "";
  const versionOk = isVersionString(version);
  if (!versionOk)
    c.add("Director", cfg.director?.name ?? "", "version", "version-format", `Director version ${JSON.stringify(version)} is not a version such as 15.0.3`);
  const v = versionOk ? version : undefined;

  const nameSets = new Map<ResourceKind, Set<string>>();
  const refNames = (kind: ResourceKind) => {
    let set = nameSets.get(kind);
    if (set === undefined) {
      const key = REF_LISTS[kind];
      if (!key) return undefined;
      set = names(cfg[key] as { name: string }[]);
      nameSets.set(kind, set);
    }
    return set;
  };

  checkResources({ c, version: v, refNames, older: new Map() }, DIRECTOR_RESOURCES, cfg as unknown as Obj, new Set(["Job"]));

  if (cfg.messages.length === 0) c.add("Config", "", "messages", "min-count", "at least one Messages resource is required");
  if (cfg.jobs.length === 0) c.add("Config", "", "jobs", "min-count", "at least one Job is required");

  const pools = new Map(cfg.pools.map((p) => [p.name, p]));
  const storages = new Map(cfg.storages.map((s) => [s.name, s]));

  // Every Job with its JobDefs applied, computed once (the rules below are linear in the jobs).
  // (The first JobDefs of a name wins, as in effectiveJob.)
  const jobDefsByName = new Map<string, JobLike>();
  for (const jd of cfg.jobDefs) if (!jobDefsByName.has(jd.name)) jobDefsByName.set(jd.name, jd);
  const effective = new Map<JobLike, JobLike>();
  for (const j of cfg.jobs) effective.set(j, effectiveJob(cfg, j, jobDefsByName));

  // Required directives of Jobs, after JobDefs inheritance.
  const requiredJobDirectives = RESOURCE_SPECS.Job.directives.filter((dir) => dir.required);
  for (const job of cfg.jobs) {
    const eff = effective.get(job) as unknown as Obj;
    for (const dir of requiredJobDirectives) {
      if (!isSet(eff[dir.key]))
        c.add("Job", job.name, dir.key, "required",
          `Job ${JSON.stringify(job.name)}: ${dir.name} is required${job.jobDefs ? ` (neither the Job nor JobDefs ${JSON.stringify(job.jobDefs)} sets it)` : ""}`);
    }
    const e = eff as unknown as JobLike;
    const pool = e.pool ? pools.get(e.pool) : undefined;
    if (!isSet(e.storage) && !isSet(pool?.storage))
      c.add("Job", job.name, "storage", "required",
        `Job ${JSON.stringify(job.name)}: no Storage in the Job${job.jobDefs ? ", its JobDefs" : ""} nor in its Pool${e.pool ? ` ${JSON.stringify(e.pool)}` : ""}`);
  }

  // Storage group policies.
  const before13 = compareVersions(version, "13.0") < 0;
  for (const p of cfg.pools) checkPolicy(c, "Pool", p, version, before13);
  for (const j of cfg.jobDefs) checkPolicy(c, "JobDefs", j, version, before13);
  for (const j of cfg.jobs) checkPolicy(c, "Job", j, version, before13);

  // Schedule times of day that Bacula refuses ("Config error: Bad time specification").
  for (const s of cfg.schedules)
    (s.run ?? []).forEach((r, i) => {
      if (typeof r !== "string") return;
      for (const m of r.matchAll(/\bat\s+(\d{1,2}):(\d{1,2})\b/gi))
        if (Number(m[1]) > 23 || Number(m[2]) > 59)
          c.add("Schedule", s.name, `run[${i}]`, "schedule-time",
            `Schedule ${JSON.stringify(s.name)}: Run = ${r}: ${m[1]}:${m[2]} is not a time of day (Bacula refuses it: "Bad time specification")`);
    });

  // Next Pool cycles.
  const reported = new Set<string>();
  for (const start of cfg.pools) {
    const path: string[] = [];
    let cur: PoolResource | undefined = start;
    while (cur && !path.includes(cur.name)) {
      path.push(cur.name);
      cur = cur.nextPool ? pools.get(cur.nextPool) : undefined;
    }
    if (cur && cur.name === start.name) {
      const key = [...path].sort().join("\u0000");
      if (!reported.has(key)) {
        reported.add(key);
        c.add("Pool", start.name, "nextPool", "next-pool-cycle", `Next Pool cycle: ${[...path, start.name].join(" -> ")}`);
      }
    }
  }

  // Copy / Migrate jobs.
  interface Hop { job: string; source?: string; target?: string; selection?: string }
  const hops: Hop[] = [];
  for (const job of cfg.jobs) {
    const e = effective.get(job)!;
    if (e.type !== "Copy" && e.type !== "Migrate") continue;
    const label = `${e.type} job ${JSON.stringify(job.name)}`;
    const source = e.pool ? pools.get(e.pool) : undefined;
    const targetName = e.nextPool ?? source?.nextPool;
    hops.push({ job: job.name, source: e.pool, target: targetName, selection: e.selectionType });
    if (!targetName) {
      if (source)
        c.add("Job", job.name, "nextPool", "copy-next-pool",
          `${label}: neither the Job nor its Pool ${JSON.stringify(source.name)} has a Next Pool to write to`);
    } else {
      const target = pools.get(targetName);
      if (target && !isSet(target.storage))
        c.add("Job", job.name, "nextPool", "copy-next-pool-storage",
          `${label}: its Next Pool ${JSON.stringify(targetName)} has no Storage, so the ${e.type === "Copy" ? "copy" : "migration"} cannot be written`);
      if (targetName === e.pool)
        c.add("Job", job.name, "nextPool", "copy-same-pool", `${label}: Next Pool ${JSON.stringify(targetName)} is the source pool itself`);
    }
    if (!e.selectionType)
      c.add("Job", job.name, "selectionType", "copy-selection", `${label}: no Selection Type; the job will select nothing`, "warning");
    else if (["Client", "Volume", "Job", "SqlQuery"].includes(e.selectionType) && !e.selectionPattern)
      c.add("Job", job.name, "selectionPattern", "copy-selection",
        `${label}: Selection Type ${e.selectionType} needs a Selection Pattern (${e.selectionType === "SqlQuery" ? "an SQL query" : "a POSIX extended regex"})`);
  }
  const feeders = new Map<string, Hop[]>();
  for (const h of hops) {
    if (!h.target) continue;
    const l = feeders.get(h.target);
    if (l) l.push(h);
    else feeders.set(h.target, [h]);
  }
  for (const hop of hops) {
    if (hop.selection !== "PoolUncopiedJobs" || !hop.source) continue;
    const feeder = (feeders.get(hop.source) ?? []).find((h) => h !== hop);
    if (feeder)
      c.add("Job", hop.job, "selectionType", "uncopied-second-hop",
        `Job ${JSON.stringify(hop.job)}: PoolUncopiedJobs on pool ${JSON.stringify(hop.source)}, which is itself the Next Pool of copy job ${JSON.stringify(feeder.job)}: ` +
          "copies are catalogued as type 'C' and PoolUncopiedJobs selects only original backups ('B'), so this hop copies nothing. Use Job, Client, Volume, PoolTime or SqlQuery.");
  }
  // A Copy of a job that has Run = lines starts the clone again.
  const clonersByPool = new Map<string, JobLike[]>();
  for (const j of effective.values())
    if ((j.type ?? "Backup") === "Backup" && j.pool && isSet(j.run)) {
      const l = clonersByPool.get(j.pool);
      if (l) l.push(j);
      else clonersByPool.set(j.pool, [j]);
    }
  for (const hop of hops) {
    if (!hop.source) continue;
    const cloners = clonersByPool.get(hop.source) ?? [];
    if (cloners.length > 0)
      c.add("Job", hop.job, "pool", "copy-restarts-clone",
        `Job ${JSON.stringify(hop.job)} copies from pool ${JSON.stringify(hop.source)}, written by ${cloners.map((j) => JSON.stringify(j.name)).join(", ")} with Run = lines: a copy of such a job starts the clone again`, "warning");
  }

  // Storage groups whose members share a Media Type on different devices.
  const group = (kind: "Pool" | "Job" | "JobDefs", name: string, list: readonly string[] | undefined) => {
    if (!list || list.length < 2) return;
    const byMedia = new Map<string, StorageResource[]>();
    for (const n of list) {
      const s = storages.get(n);
      if (!s || !s.mediaType) continue;
      const l = byMedia.get(s.mediaType);
      if (l) l.push(s);
      else byMedia.set(s.mediaType, [s]);
    }
    for (const [media, members] of byMedia) {
      if (members.length < 2) continue;
      const devices = new Set(members.map((s) => `${s.address ?? ""}\u0000${s.sdPort ?? 9103}\u0000${s.device ?? ""}`));
      if (devices.size > 1)
        c.add(kind, name, "storage", "media-type-shared",
          `${kind} ${JSON.stringify(name)}: storages ${members.map((s) => s.name).join(", ")} share Media Type ${JSON.stringify(media)} but use different devices; a restore may look for a volume on the wrong device. Give each device its own Media Type.`, "warning");
    }
  };
  for (const p of cfg.pools) group("Pool", p.name, p.storage);
  for (const j of cfg.jobDefs) group("JobDefs", j.name, j.storage);
  for (const j of cfg.jobs) group("Job", j.name, j.storage);

  // RunScript commands that need a shell.
  const scripts = (kind: "Job" | "JobDefs", job: JobLike) => {
    const runScripts = job.runScripts;
    if (!runScripts || runScripts.length === 0) return;
    const type = kind === "Job" ? (effective.get(job) ?? effectiveJob(cfg, job, jobDefsByName)).type : job.type;
    runScripts.forEach((rs, i) => {
      if (typeof rs.command !== "string") return;
      const op = commandNeedsShell(rs.command);
      if (op)
        c.add(kind, job.name, `runScripts[${i}].command`, "runscript-shell",
          `${kind} ${JSON.stringify(job.name)}: RunScript command uses ${JSON.stringify(op)}, which needs a shell; Bacula splits the command into words without one${type === "Admin" ? " (generate a script and call it)" : ""}`,
          type === "Admin" ? "error" : "warning");
    });
  };
  for (const job of cfg.jobDefs) scripts("JobDefs", job);
  for (const job of cfg.jobs) scripts("Job", job);

  // Messages "director" destinations should name this Director.
  for (const m of cfg.messages)
    (m.destinations ?? []).forEach((d, i) => {
      if (d.kind === "director" && d.where && cfg.director && d.where !== cfg.director.name)
        c.add("Messages", m.name, `destinations[${i}]`, "director-destination",
          `Messages ${JSON.stringify(m.name)}: Director destination ${JSON.stringify(d.where)} is not this Director (${cfg.director.name})`, "warning");
    });

  return c.problems;
}

export function validateStorageDaemon(cfg: StorageDaemonConfig): Problem[] {
  const c = new Collector();
  const sets: Partial<Record<ResourceKind, Set<string>>> = {
    Device: names(cfg.devices),
  };
  checkResources({ c, version: undefined, refNames: (k) => sets[k], older: new Map() }, SD_RESOURCES, cfg as unknown as Obj, new Set());
  if (cfg.directors.length === 0) c.add("Config", "", "directors", "min-count", "at least one Director must be allowed to connect");
  if (cfg.devices.length === 0) c.add("Config", "", "devices", "min-count", "at least one Device is required");
  return c.problems;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === "error");
}

/** Used by form code: the message kinds and whether they take an address. */
export { MESSAGE_KINDS };
export type { DirectiveSpec };
