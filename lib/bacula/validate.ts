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
  versionSupports,
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
import { checkName, formatDestination, formatValue, ValueError } from "./values";

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
export function effectiveJob(cfg: DirectorConfig, job: JobLike): JobLike {
  if (!job.jobDefs) return job;
  const jd = cfg.jobDefs.find((j) => j.name === job.jobDefs);
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
  return new Set(list.map((x) => x.name));
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

/** Value, version and reference checks of one block, driven by the table. */
function checkBlock(
  c: Collector,
  spec: ResourceSpec,
  block: BlockSpec,
  obj: Obj,
  resName: string,
  prefix: string,
  version: string | undefined,
  refNames: (kind: ResourceKind) => Set<string> | undefined,
  checkRequired: boolean,
) {
  const kind = spec.kind;
  const label = `${spec.name} ${JSON.stringify(resName)}`;
  let destDone = false;
  for (const dir of block.directives) {
    const field = prefix + dir.key;
    const v = obj[dir.key];
    if (!isSet(v) && !(dir.allowEmpty && v === "")) {
      if (checkRequired && dir.required)
        c.add(kind, resName, field, "required", `${label}: ${dir.name} is required`);
      continue;
    }
    // Values the renderer would refuse.
    if (dir.type === "msg-destination") {
      if (destDone) continue;
      destDone = true;
      (v as unknown[]).forEach((dest, i) => {
        try {
          formatDestination(dest as never);
        } catch (e) {
          if (e instanceof ValueError) c.add(kind, resName, `${field}[${i}]`, "value", `${label}: destination ${i + 1}: ${e.message}`);
        }
      });
      continue;
    }
    const repeated = REPEATED_TYPES.has(dir.type) && dir.type !== "ref-list";
    if (repeated && !Array.isArray(v)) {
      c.add(kind, resName, field, "value", `${label}: ${dir.name} must be a list`);
      continue;
    }
    const items = repeated ? (v as unknown[]) : [v];
    items.forEach((item, i) => {
      try {
        formatValue(dir, item);
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        if (dir.type === "enum" && dir.caseSensitiveValues) return; // reported by the policy rules
        c.add(kind, resName, repeated ? `${field}[${i}]` : field, "value", `${label}: ${dir.name} ${e.message}`);
      }
    });
    // Version.
    if (version && dir.firstVersion && !versionSupports(version, dir)) {
      const extra = dir.key === "storageGroupPolicy" && compareVersions(version, "13.0") < 0
        ? ` (Bacula ${version} has no StorageGroupPolicy at all: "Keyword \\"StorageGroupPolicy\\" not permitted in this resource")`
        : "";
      c.add(kind, resName, field, "version", `${label}: ${dir.name} needs Bacula ${dir.firstVersion} or later; the Director runs ${version}${extra}`);
    } else if (version && dir.type === "enum" && typeof v === "string" && !versionSupports(version, dir, v)) {
      c.add(kind, resName, field, "version", `${label}: ${dir.name} = ${v} needs Bacula ${dir.valueVersions?.[v]} or later; the Director runs ${version}`);
    }
    // Time values written with a bare "m" mean months.
    if (dir.type === "time" && typeof v === "string" && timeUsesMonthM(v))
      c.add(kind, resName, field, "time-months", `${label}: ${dir.name} = ${v}: Bacula reads "m" as months; write "min" for minutes`, "warning");
    // References.
    if (dir.ref && (dir.type === "ref" || dir.type === "ref-list" || (dir.type === "bool-or-ref" && typeof v === "string"))) {
      const known = refNames(dir.ref);
      if (known) {
        const refs = Array.isArray(v) ? (v as string[]) : [v as string];
        for (const r of refs)
          if (typeof r === "string" && !known.has(r))
            c.add(kind, resName, field, "dangling-reference", `${label}: ${dir.name} refers to ${RESOURCE_SPECS[dir.ref].name} ${JSON.stringify(r)}, which does not exist`);
      }
    }
  }
  for (const sub of block.blocks ?? []) {
    if (sub.key) {
      const arr = obj[sub.key];
      if (!Array.isArray(arr)) continue;
      arr.forEach((el, i) =>
        checkBlock(c, spec, sub, el as Obj, resName, `${prefix}${sub.key}[${i}].`, version, refNames, true),
      );
    } else {
      checkBlock(c, spec, sub, obj, resName, prefix, version, refNames, checkRequired);
    }
  }
}

function checkResources(
  c: Collector,
  specs: readonly ResourceSpec[],
  cfg: Obj,
  version: string | undefined,
  refNames: (kind: ResourceKind) => Set<string> | undefined,
  requiredAfterInheritance: Set<ResourceKind>,
) {
  for (const spec of specs) {
    const raw = cfg[spec.configKey];
    const list = (spec.single ? (raw ? [raw] : []) : ((raw as Obj[] | undefined) ?? [])) as Obj[];
    const seen = new Map<string, number>();
    list.forEach((res) => {
      const name = typeof res.name === "string" ? res.name : "";
      const p = checkName(res.name);
      if (p) c.add(spec.kind, name, "name", "name-syntax", `${spec.name} name ${JSON.stringify(name)} ${p}`);
      seen.set(name, (seen.get(name) ?? 0) + 1);
      checkBlock(c, spec, spec, res, name, "", version, refNames, !requiredAfterInheritance.has(spec.kind));
    });
    for (const [name, n] of seen)
      if (n > 1) c.add(spec.kind, name, "name", "duplicate-name", `${n} ${spec.name} resources are named ${JSON.stringify(name)}`);
  }
}

function canonicalPolicy(v: string): string | undefined {
  return STORAGE_GROUP_POLICIES.find((p) => p.toLowerCase() === v.toLowerCase());
}

function checkPolicy(c: Collector, kind: "Pool" | "Job" | "JobDefs", res: PoolResource | JobLike, version: string) {
  const label = `${kind} ${JSON.stringify(res.name)}`;
  const v = res.storageGroupPolicy;
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
  if (res.storage && res.storage.length > 1 && compareVersions(version, "13.0") < 0)
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
    const key = REF_LISTS[kind];
    if (!key) return undefined;
    if (!nameSets.has(kind)) nameSets.set(kind, names(cfg[key] as { name: string }[]));
    return nameSets.get(kind);
  };

  checkResources(c, DIRECTOR_RESOURCES, cfg as unknown as Obj, v, refNames, new Set(["Job"]));

  if (cfg.messages.length === 0) c.add("Config", "", "messages", "min-count", "at least one Messages resource is required");
  if (cfg.jobs.length === 0) c.add("Config", "", "jobs", "min-count", "at least one Job is required");

  const pools = new Map(cfg.pools.map((p) => [p.name, p]));
  const storages = new Map(cfg.storages.map((s) => [s.name, s]));

  // Every Job with its JobDefs applied, computed once (the rules below are linear in the jobs).
  const effective = new Map(cfg.jobs.map((j) => [j, effectiveJob(cfg, j)]));

  // Required directives of Jobs, after JobDefs inheritance.
  const jobSpec = RESOURCE_SPECS.Job;
  for (const job of cfg.jobs) {
    const eff = effective.get(job) as unknown as Obj;
    for (const dir of jobSpec.directives) {
      if (dir.required && !isSet(eff[dir.key]))
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
  for (const p of cfg.pools) checkPolicy(c, "Pool", p, version);
  for (const j of cfg.jobDefs) checkPolicy(c, "JobDefs", j, version);
  for (const j of cfg.jobs) checkPolicy(c, "Job", j, version);

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
  for (const h of hops) if (h.target) feeders.set(h.target, [...(feeders.get(h.target) ?? []), h]);
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
    if ((j.type ?? "Backup") === "Backup" && j.pool && isSet(j.run)) clonersByPool.set(j.pool, [...(clonersByPool.get(j.pool) ?? []), j]);
  for (const hop of hops) {
    if (!hop.source) continue;
    const cloners = clonersByPool.get(hop.source) ?? [];
    if (cloners.length > 0)
      c.add("Job", hop.job, "pool", "copy-restarts-clone",
        `Job ${JSON.stringify(hop.job)} copies from pool ${JSON.stringify(hop.source)}, written by ${cloners.map((j) => JSON.stringify(j.name)).join(", ")} with Run = lines: a copy of such a job starts the clone again`, "warning");
  }

  // Storage groups whose members share a Media Type on different devices.
  const groups: Array<{ kind: "Pool" | "Job" | "JobDefs"; name: string; list: string[] }> = [
    ...cfg.pools.map((p) => ({ kind: "Pool" as const, name: p.name, list: p.storage ?? [] })),
    ...cfg.jobDefs.map((j) => ({ kind: "JobDefs" as const, name: j.name, list: j.storage ?? [] })),
    ...cfg.jobs.map((j) => ({ kind: "Job" as const, name: j.name, list: j.storage ?? [] })),
  ];
  for (const g of groups) {
    if (g.list.length < 2) continue;
    const byMedia = new Map<string, StorageResource[]>();
    for (const s of g.list.map((n) => storages.get(n)).filter((s): s is StorageResource => !!s && !!s.mediaType)) {
      const l = byMedia.get(s.mediaType!) ?? [];
      l.push(s);
      byMedia.set(s.mediaType!, l);
    }
    for (const [media, members] of byMedia) {
      const devices = new Set(members.map((s) => `${s.address ?? ""}\u0000${s.sdPort ?? 9103}\u0000${s.device ?? ""}`));
      if (members.length > 1 && devices.size > 1)
        c.add(g.kind, g.name, "storage", "media-type-shared",
          `${g.kind} ${JSON.stringify(g.name)}: storages ${members.map((s) => s.name).join(", ")} share Media Type ${JSON.stringify(media)} but use different devices; a restore may look for a volume on the wrong device. Give each device its own Media Type.`, "warning");
    }
  }

  // RunScript commands that need a shell.
  const scripts: Array<{ kind: "Job" | "JobDefs"; job: JobLike }> = [
    ...cfg.jobDefs.map((job) => ({ kind: "JobDefs" as const, job })),
    ...cfg.jobs.map((job) => ({ kind: "Job" as const, job })),
  ];
  for (const { kind, job } of scripts) {
    const type = kind === "Job" ? effectiveJob(cfg, job).type : job.type;
    (job.runScripts ?? []).forEach((rs, i) => {
      if (typeof rs.command !== "string") return;
      const op = commandNeedsShell(rs.command);
      if (op)
        c.add(kind, job.name, `runScripts[${i}].command`, "runscript-shell",
          `${kind} ${JSON.stringify(job.name)}: RunScript command uses ${JSON.stringify(op)}, which needs a shell; Bacula splits the command into words without one${type === "Admin" ? " (generate a script and call it)" : ""}`,
          type === "Admin" ? "error" : "warning");
    });
  }

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
  checkResources(c, SD_RESOURCES, cfg as unknown as Obj, undefined, (k) => sets[k], new Set());
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
