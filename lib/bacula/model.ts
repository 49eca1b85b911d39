/**
 * Plain TypeScript model of a Bacula topology, independent of the database: the typed view of the
 * generic tree (typed.ts maps one to the other). Each resource has typed keys for what the app
 * reasons about and `extra`: every other directive and sub-block it holds, in order, as generic
 * items. Each config has `others`: resources of types the app has no typed view of (Console,
 * Counter, Statistics, Cloud…), kept whole.
 *
 * Every field except `name` is optional: an absent field is an absent directive (Bacula's default
 * applies). Sizes and durations are kept as Bacula writes them ("50G", "365 days").
 */
import { JOB_LEVELS, JOB_TYPES, SELECTION_TYPES, DEVICE_TYPES, findDirective, findResource } from "./tables";
import type { Item, ResourceNode } from "./tree";
import type { MessageDestination, RunScript } from "./typed";

export type { MessageDestination, RunScript } from "./typed";
export type { Item, ResourceNode } from "./tree";
export { JOB_LEVELS, JOB_TYPES, SELECTION_TYPES, DEVICE_TYPES };

function valuesOf(resource: string, directive: string, daemon: "dir" | "sd" = "dir"): readonly string[] {
  const r = findResource(daemon, resource);
  const d = r ? findDirective(r, directive) : undefined;
  return d?.values ?? [];
}

/** StorageGroupPolicy values in their canonical spelling (the table's). */
export const STORAGE_GROUP_POLICIES = valuesOf("Pool", "StorageGroupPolicy") as readonly string[];
export type StorageGroupPolicy = string;

export type JobType = (typeof JOB_TYPES)[number];
export type JobLevel = (typeof JOB_LEVELS)[number];
export type SelectionType = (typeof SELECTION_TYPES)[number];
export type DeviceType = (typeof DEVICE_TYPES)[number];

/**
 * Pool types the Director understands. The parser takes any name (PoolType is a string in
 * Bacula's table); the Director acts on these.
 */
export const POOL_TYPES = ["Backup", "Copy", "Cloned", "Archive", "Migration", "Save"] as const;

/** The settings of a disk (File) device as the dashboard makes one: labels its own volumes, random access. */
export const FILE_DEVICE = {
  deviceType: "File",
  labelMedia: true,
  randomAccess: true,
  automaticMount: true,
  removableMedia: false,
  alwaysOpen: false,
} as const;
export type PoolType = (typeof POOL_TYPES)[number];

/** RunsWhen of a RunScript, canonical spelling. */
export const RUNS_WHEN = (() => {
  const job = findResource("dir", "Job");
  const rs = job ? findDirective(job, "RunScript") : undefined;
  const when = rs?.block ? findDirective(rs.block, "RunsWhen") : undefined;
  return (when?.values ?? []) as readonly string[];
})();

/** FileSet Options Signature and Compression keywords, canonical spelling. */
export const SIGNATURES = optionValues("Signature");
export const COMPRESSIONS = optionValues("Compression");

function optionValues(name: string): readonly string[] {
  const fs = findResource("dir", "FileSet");
  const inc = fs ? findDirective(fs, "Include") : undefined;
  const opts = inc?.block ? findDirective(inc.block, "Options") : undefined;
  const d = opts?.block ? findDirective(opts.block, name) : undefined;
  return d?.values ?? [];
}

interface WithExtra {
  /** Every other directive and sub-block of the resource, in order. */
  extra?: Item[];
}

export interface MessagesResource extends WithExtra {
  name: string;
  mailCommand?: string;
  operatorCommand?: string;
  /** Destinations, when the resource holds nothing else (else they are in `extra`, in order). */
  destinations?: MessageDestination[];
}

export interface DirectorResource extends WithExtra {
  name: string;
  description?: string;
  /** DirAddress: the address the Director listens on (host name or IP, written unquoted). */
  address?: string;
  port?: number;
  password?: string;
  /** Target Bacula version, e.g. "15.0.3". Not a directive: drives version checks. */
  version: string;
  queryFile?: string;
  workingDirectory?: string;
  pidDirectory?: string;
  maxConcurrentJobs?: number;
  /** Name of the Messages resource for daemon messages. */
  messages?: string;
}

export interface CatalogResource extends WithExtra {
  name: string;
  dbName?: string;
  dbUser?: string;
  dbPassword?: string;
  dbAddress?: string;
  dbPort?: number;
}

export interface StorageResource extends WithExtra {
  name: string;
  address?: string;
  sdPort?: number;
  password?: string;
  /** Device or Autochanger name in the Storage Daemon. */
  device?: string;
  mediaType?: string;
  maxConcurrentJobs?: number;
  /** `true`: this Storage is an autochanger; a string names the Storage resource of the shared changer. */
  autochanger?: boolean | string;
  /** Declared as `Autochanger { }` (a Storage that is its own autochanger). */
  keyword?: "Autochanger";
}

export interface PoolResource extends WithExtra {
  name: string;
  poolType?: string;
  volumeRetention?: string;
  labelFormat?: string;
  maximumVolumeBytes?: string;
  maximumVolumes?: number;
  recycle?: boolean;
  autoPrune?: boolean;
  nextPool?: string;
  /** Storage group, in order. */
  storage?: string[];
  /** Kept as written when imported: the runtime compares case-sensitively. */
  storageGroupPolicy?: string;
  storageGroupPolicyThreshold?: string;
}

export interface ClientResource extends WithExtra {
  name: string;
  description?: string;
  address?: string;
  fdPort?: number;
  password?: string;
  catalog?: string;
  fileRetention?: string;
  jobRetention?: string;
  autoPrune?: boolean;
}

/** A FileSet: in its simple shape typed (include/exclude/signature/compression), else all in `extra`. */
export interface FileSetResource extends WithExtra {
  name: string;
  description?: string;
  include?: string[];
  exclude?: string[];
  signature?: string;
  compression?: string;
}

export interface ScheduleResource extends WithExtra {
  name: string;
  /** Schedule specifications, e.g. "Full 1st sun at 23:05" (written unquoted). */
  run?: string[];
  enabled?: boolean;
}

/** Directives shared by Job and JobDefs. */
export interface JobLike extends WithExtra {
  name: string;
  description?: string;
  type?: string;
  level?: string;
  jobDefs?: string;
  pool?: string;
  nextPool?: string;
  client?: string;
  fileset?: string;
  schedule?: string;
  messages?: string;
  storage?: string[];
  storageGroupPolicy?: string;
  storageGroupPolicyThreshold?: string;
  selectionType?: string;
  selectionPattern?: string;
  /** `Run = "..."` lines (clone jobs), e.g. `CloneJob level=%l since="%s"`. */
  run?: string[];
  /** RunScripts in their simple shape; others are blocks in `extra`. */
  runScripts?: RunScript[];
  priority?: number;
  maxConcurrentJobs?: number;
  enabled?: boolean;
}

export type JobResource = JobLike;
export type JobDefsResource = JobLike;

export interface DirectorConfig {
  director: DirectorResource;
  catalogs: CatalogResource[];
  storages: StorageResource[];
  pools: PoolResource[];
  clients: ClientResource[];
  filesets: FileSetResource[];
  schedules: ScheduleResource[];
  messages: MessagesResource[];
  jobDefs: JobDefsResource[];
  jobs: JobResource[];
  /** Resources of types without a typed view (Console, Counter, Statistics, Tenant…), whole. */
  others?: ResourceNode[];
}

export interface SdStorageResource extends WithExtra {
  name: string;
  sdPort?: number;
  /** SDAddress (host name or IP, written unquoted). */
  address?: string;
  workingDirectory?: string;
  pidDirectory?: string;
  maxConcurrentJobs?: number;
}

export interface SdDirectorResource extends WithExtra {
  name: string;
  password?: string;
  monitor?: boolean;
}

export interface DeviceResource extends WithExtra {
  name: string;
  mediaType?: string;
  archiveDevice?: string;
  deviceType?: string;
  labelMedia?: boolean;
  randomAccess?: boolean;
  automaticMount?: boolean;
  removableMedia?: boolean;
  alwaysOpen?: boolean;
  autochanger?: boolean;
  maximumConcurrentJobs?: number;
}

export interface SdAutochangerResource extends WithExtra {
  name: string;
  devices?: string[];
  changerDevice?: string;
  changerCommand?: string;
}

export interface StorageDaemonConfig {
  storage: SdStorageResource;
  directors: SdDirectorResource[];
  devices: DeviceResource[];
  autochangers: SdAutochangerResource[];
  messages: MessagesResource[];
  /** Cloud, Statistics… resources, whole. */
  others?: ResourceNode[];
}

export function emptyDirectorConfig(director: DirectorResource): DirectorConfig {
  return { director, catalogs: [], storages: [], pools: [], clients: [], filesets: [], schedules: [], messages: [], jobDefs: [], jobs: [], others: [] };
}

export function emptyStorageDaemonConfig(storage: SdStorageResource): StorageDaemonConfig {
  return { storage, directors: [], devices: [], autochangers: [], messages: [], others: [] };
}

/** Drop undefined fields and empty lists (which render to nothing) recursively. */
export function normalizeValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => normalizeValue(v)) as unknown as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      if (Array.isArray(v) && v.length === 0) continue;
      out[k] = normalizeValue(v);
    }
    return out as T;
  }
  return value;
}

/** The config with every resource normalized (top-level lists are kept, even when empty). */
export function normalizeDirector(cfg: DirectorConfig): DirectorConfig {
  return {
    director: normalizeValue(cfg.director),
    catalogs: cfg.catalogs.map(normalizeValue),
    storages: cfg.storages.map(normalizeValue),
    pools: cfg.pools.map(normalizeValue),
    clients: cfg.clients.map(normalizeValue),
    filesets: cfg.filesets.map(normalizeValue),
    schedules: cfg.schedules.map(normalizeValue),
    messages: cfg.messages.map(normalizeValue),
    jobDefs: cfg.jobDefs.map(normalizeValue),
    jobs: cfg.jobs.map(normalizeValue),
    others: (cfg.others ?? []).map(normalizeValue),
  };
}

export function normalizeStorageDaemon(cfg: StorageDaemonConfig): StorageDaemonConfig {
  return {
    storage: normalizeValue(cfg.storage),
    directors: cfg.directors.map(normalizeValue),
    devices: cfg.devices.map(normalizeValue),
    autochangers: cfg.autochangers.map(normalizeValue),
    messages: cfg.messages.map(normalizeValue),
    others: (cfg.others ?? []).map(normalizeValue),
  };
}
