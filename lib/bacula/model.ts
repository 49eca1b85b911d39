/**
 * Plain TypeScript model of a Bacula topology, independent of the database.
 *
 * Every resource field except `name` is optional: a model imported from an
 * existing configuration may be incomplete, and `validate.ts` reports what is
 * missing.  Sizes and durations are kept as Bacula writes them ("50G",
 * "365 days"); `units.ts` converts them to bytes / seconds.
 *
 * An empty list and an absent list mean the same thing (nothing is rendered);
 * `normalizeDirector` / `normalizeStorageDaemon` drop both.
 */

export const STORAGE_GROUP_POLICIES = [
  "ListedOrder",
  "LeastUsed",
  "FreeSpace",
  "FreeSpaceLeastUsed",
  "LastBackedUpTo",
] as const;
export type StorageGroupPolicy = (typeof STORAGE_GROUP_POLICIES)[number];

export const JOB_TYPES = ["Backup", "Restore", "Verify", "Admin", "Copy", "Migrate"] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_LEVELS = [
  "Full",
  "Incremental",
  "Differential",
  "VirtualFull",
  "Base",
  "InitCatalog",
  "Catalog",
  "VolumeToCatalog",
  "DiskToCatalog",
  "Data",
] as const;
export type JobLevel = (typeof JOB_LEVELS)[number];

export const SELECTION_TYPES = [
  "SmallestVolume",
  "OldestVolume",
  "PoolOccupancy",
  "PoolTime",
  "PoolUncopiedJobs",
  "Client",
  "Volume",
  "Job",
  "SqlQuery",
] as const;
export type SelectionType = (typeof SELECTION_TYPES)[number];

export const POOL_TYPES = ["Backup", "Copy", "Cloned", "Archive", "Migration", "Save"] as const;
export type PoolType = (typeof POOL_TYPES)[number];

export const RUNS_WHEN = ["Before", "After", "Always", "AfterVSS", "Queued", "AtJobCompletion"] as const;
export type RunsWhen = (typeof RUNS_WHEN)[number];

export const SIGNATURES = ["MD5", "SHA1", "SHA256", "SHA512", "XXHASH64"] as const;
export type Signature = (typeof SIGNATURES)[number];

export const COMPRESSIONS = [
  "GZIP",
  "GZIP1",
  "GZIP2",
  "GZIP3",
  "GZIP4",
  "GZIP5",
  "GZIP6",
  "GZIP7",
  "GZIP8",
  "GZIP9",
  "LZO",
  "ZSTD",
] as const;
export type Compression = (typeof COMPRESSIONS)[number];

export const DEVICE_TYPES = ["File", "Tape", "Fifo", "VTape", "Aligned", "Cloud", "Null"] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

/** Message destinations, lower-case ids; `MESSAGE_KINDS` in directives.ts gives the keywords. */
export type MessageDestinationKind =
  | "mail"
  | "mailonerror"
  | "mailonsuccess"
  | "operator"
  | "file"
  | "append"
  | "director"
  | "console"
  | "stdout"
  | "stderr"
  | "syslog"
  | "catalog";

export interface MessageDestination {
  kind: MessageDestinationKind;
  /** Address list, file path or Director name, as the kind needs; absent for console, catalog... */
  where?: string;
  /** Message types, e.g. ["all", "!skipped"]. */
  types: string[];
}

export interface MessagesResource {
  name: string;
  mailCommand?: string;
  operatorCommand?: string;
  destinations?: MessageDestination[];
}

export interface DirectorResource {
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

export interface CatalogResource {
  name: string;
  dbName?: string;
  dbUser?: string;
  dbPassword?: string;
  dbAddress?: string;
  dbPort?: number;
}

export interface StorageResource {
  name: string;
  address?: string;
  sdPort?: number;
  password?: string;
  device?: string;
  mediaType?: string;
  maxConcurrentJobs?: number;
  /** `true`: this Storage is an autochanger; a string names the Storage resource of the shared changer. */
  autochanger?: boolean | string;
}

export interface PoolResource {
  name: string;
  poolType?: PoolType;
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
  storageGroupPolicy?: StorageGroupPolicy | (string & {});
  storageGroupPolicyThreshold?: string;
}

export interface ClientResource {
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

export interface FileSetResource {
  name: string;
  include?: string[];
  exclude?: string[];
  signature?: Signature;
  compression?: Compression;
}

export interface ScheduleResource {
  name: string;
  /** Schedule specifications, e.g. "Full 1st sun at 23:05" (written unquoted). */
  run?: string[];
}

export interface RunScript {
  runsWhen?: RunsWhen;
  runsOnClient?: boolean;
  runsOnSuccess?: boolean;
  runsOnFailure?: boolean;
  failJobOnError?: boolean;
  command?: string;
}

/** Directives shared by Job and JobDefs. */
export interface JobLike {
  name: string;
  description?: string;
  type?: JobType;
  level?: JobLevel;
  jobDefs?: string;
  pool?: string;
  nextPool?: string;
  client?: string;
  fileset?: string;
  schedule?: string;
  messages?: string;
  storage?: string[];
  storageGroupPolicy?: StorageGroupPolicy | (string & {});
  storageGroupPolicyThreshold?: string;
  selectionType?: SelectionType;
  selectionPattern?: string;
  /** `Run = "..."` lines (clone jobs), e.g. `CloneJob level=%l since="%s"`. */
  run?: string[];
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
}

export interface SdStorageResource {
  name: string;
  sdPort?: number;
  /** SDAddress (host name or IP, written unquoted). */
  address?: string;
  workingDirectory?: string;
  pidDirectory?: string;
  maxConcurrentJobs?: number;
}

export interface SdDirectorResource {
  name: string;
  password?: string;
  monitor?: boolean;
}

export interface DeviceResource {
  name: string;
  mediaType?: string;
  archiveDevice?: string;
  deviceType?: DeviceType;
  labelMedia?: boolean;
  randomAccess?: boolean;
  automaticMount?: boolean;
  removableMedia?: boolean;
  alwaysOpen?: boolean;
  maximumConcurrentJobs?: number;
}

export interface SdAutochangerResource {
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
}

export function emptyDirectorConfig(director: DirectorResource): DirectorConfig {
  return {
    director,
    catalogs: [],
    storages: [],
    pools: [],
    clients: [],
    filesets: [],
    schedules: [],
    messages: [],
    jobDefs: [],
    jobs: [],
  };
}

export function emptyStorageDaemonConfig(storage: SdStorageResource): StorageDaemonConfig {
  return { storage, directors: [], devices: [], autochangers: [], messages: [] };
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
  };
}

export function normalizeStorageDaemon(cfg: StorageDaemonConfig): StorageDaemonConfig {
  return {
    storage: normalizeValue(cfg.storage),
    directors: cfg.directors.map(normalizeValue),
    devices: cfg.devices.map(normalizeValue),
    autochangers: cfg.autochangers.map(normalizeValue),
    messages: cfg.messages.map(normalizeValue),
  };
}
