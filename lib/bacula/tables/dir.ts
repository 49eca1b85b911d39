/**
 * bacula-dir.conf: the Director's resources (dird/dird_conf.c, dird/inc_conf.c, dird/run_conf.c,
 * lib/parse_conf.c), Release-13.0.3 and Branch-15.0, checked against Debian's 15.0.3 bdirjson.
 *
 * Enterprise rows (`#if BEEF`: Director FipsRequire, Pool MaximumPoolBytes) are not listed. The
 * `#ifdef COMMUNITY` rows (VirtualFullBackupPool, MaxVirtualFullInterval) are in community builds.
 */
import {
  d,
  DESCRIPTION,
  LABEL_TYPES,
  NAME,
  SCHEDULE_TIME_KEYWORDS,
  type ScheduleOverride,
  STATISTICS_RESOURCE,
  tls,
  TLS_BASE,
  TLS_FULL,
} from "./common";
import { MESSAGES_RESOURCE } from "./messages";
import type { BlockDef, DaemonTable, DirectiveDef, ResourceDef } from "./types";

const V15 = "15.0";
const HOUR = 3600;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// Value keywords

/** jobtypes */
export const JOB_TYPES = ["Backup", "Admin", "Verify", "Restore", "Migrate", "Copy"] as const;

/**
 * joblevels (names only; Admin and Restore jobs have no level). The parser accepts any of them
 * for any job type; Full/Incremental/Differential also apply to Copy and Migrate.
 */
export const JOB_LEVELS = [
  "Full",
  "Base",
  "Incremental",
  "Differential",
  "Since",
  "VirtualFull",
  "Catalog",
  "InitCatalog",
  "VolumeToCatalog",
  "DiskToCatalog",
  "Data",
] as const;

/** migtypes: Selection Type of Copy and Migrate jobs */
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

/** ReplaceOptions (Job Replace) */
export const REPLACE_OPTIONS = ["Always", "IfNewer", "IfOlder", "Never"] as const;

/**
 * StorageGroupPolicy (storage_mngmt_policy of lib/parse_conf.c). The parser compares
 * case-insensitively, the runtime case-sensitively: write the canonical spelling.
 * Branch-15.0 (15.0.0) lists "LastBackupedTo"; Debian's 15.0.3 accepts "LastBackedUpTo" and
 * refuses "LastBackupedTo" (measured): the binary wins, so only LastBackedUpTo is listed.
 */
const STORAGE_GROUP_POLICY = {
  values: ["ListedOrder", "LeastUsed", "FreeSpace", "FreeSpaceLeastUsed", "LastBackedUpTo"],
  valueSince: { FreeSpace: V15, FreeSpaceLeastUsed: V15, LastBackedUpTo: V15 },
  caseSensitiveValues: true,
} as const;

/** RunsWhen of a RunScript block */
const RUNS_WHEN = {
  values: ["Before", "After", "AfterVSS", "AfterSnapshot", "AtJobCompletion", "Always", "Queued"],
  valueSince: { AtJobCompletion: V15, Queued: V15 },
} as const;

/**
 * Keywords a Schedule `Run =` line may set before its time part (RunFields of dird/run_conf.c),
 * each as `Keyword=value`; a bare job level (`Run = Full sun at 2:05`) is the old form of Level.
 * Pool, Storage and Messages values must name resources of the Director; MaxRunSchedTime is a
 * duration (quoted when it has spaces); Priority a positive number.
 */
export const SCHEDULE_RUN_OVERRIDE_DEFS: readonly ScheduleOverride[] = [
  { name: "Pool", value: "pool" },
  { name: "FullPool", value: "pool" },
  { name: "IncrementalPool", value: "pool" },
  { name: "DifferentialPool", value: "pool" },
  { name: "Level", value: "level" },
  { name: "Storage", value: "storage" },
  { name: "Messages", value: "messages" },
  { name: "Priority", value: "priority" },
  { name: "SpoolData", value: "yesno" },
  { name: "WritePartAfterJob", value: "yesno" },
  { name: "MaxRunSchedTime", value: "duration" },
  { name: "Accurate", value: "yesno" },
  { name: "NextPool", value: "pool" },
];

export const SCHEDULE_RUN_OVERRIDES: readonly string[] = SCHEDULE_RUN_OVERRIDE_DEFS.map((o) => o.name);

export { LABEL_TYPES, SCHEDULE_TIME_KEYWORDS };

// ---------------------------------------------------------------------------------------------
// FileSet sub-blocks (dird/inc_conf.c)

const yesNo = ["Yes", "No"] as const;
const yn = (name: string): DirectiveDef => d(name, "opts", { values: yesNo });

/** The Options { } block of an Include (options_items; values from FS_options). */
export const OPTIONS_BLOCK: BlockDef = {
  directives: [
    d("Compression", "opts", {
      // Gzip is Gzip6 and zstd is zstd3 (same option letters): the JSON view shows the first spelling.
      values: [
        "Gzip", "Gzip1", "Gzip2", "Gzip3", "Gzip4", "Gzip5", "Gzip6", "Gzip7", "Gzip8", "Gzip9",
        "Lzo", "zstd", "zstd3", "zstd1", "zstd10", "zstd19",
      ],
      valueSince: { zstd: V15, zstd3: V15, zstd1: V15, zstd10: V15, zstd19: V15 },
    }),
    d("Dedup", "opts", { values: ["Storage", "BothSides", "None"] }),
    d("Signature", "opts", {
      values: ["Md5", "Sha256", "Sha512", "Sha1", "Xxhash64", "Xxh3_64", "Xxh3_128"],
      valueSince: { Xxhash64: V15, Xxh3_64: V15, Xxh3_128: V15 },
    }),
    yn("OneFs"),
    yn("Recurse"),
    yn("Sparse"),
    yn("HardLinks"),
    d("Replace", "opts", { values: ["Always", "IfNewer", "Never"] }),
    yn("Portable"),
    yn("MtimeOnly"),
    yn("KeepAtime"),
    yn("Exclude"),
    yn("AclSupport"),
    yn("IgnoreCase"),
    yn("HfsPlusSupport"),
    yn("NoAtime"),
    yn("EnhancedWild"),
    yn("CheckFileChanges"),
    yn("HonorNoDumpFlag"),
    yn("XattrSupport"),
    yn("ReadFifo"),
    d("BaseJob", "lopts", { letters: "oipnugsamMcdA5123:JC" }),
    d("Accurate", "lopts", { letters: "oipnugsamMcdA5123:JC" }),
    d("Verify", "lopts", { letters: "ipnugsamcd5123:V" }),
    d("StripPath", "lopts", { help: "Number of leading path components to strip." }),
    d("Regex", "regex", { repeatable: true }),
    d("RegexDir", "regex", { repeatable: true }),
    d("RegexFile", "regex", { repeatable: true }),
    d("Base", "base", { repeatable: true }),
    d("Wild", "wild", { repeatable: true }),
    d("WildDir", "wild", { repeatable: true }),
    d("WildFile", "wild", { repeatable: true }),
    d("Plugin", "plugin"),
    d("FsType", "fstype", { repeatable: true }),
    d("DriveType", "drivetype", { repeatable: true }),
  ],
};

/** Include { } (newinc_items). */
export const INCLUDE_BLOCK: BlockDef = {
  directives: [
    d("File", "fname", { repeatable: true }),
    d("Plugin", "plugin_name", { repeatable: true }),
    d("ExcludeDirContaining", "excludedir"),
    d("Options", "options_res", { repeatable: true, block: OPTIONS_BLOCK }),
  ],
};

/**
 * Exclude { }: the same table as Include, but Plugin, ExcludeDirContaining and Options are
 * refused inside an Exclude, so only File is listed. The JSON view shows only the first Exclude.
 */
export const EXCLUDE_BLOCK: BlockDef = {
  directives: [d("File", "fname", { repeatable: true })],
};

/** RunScript { } of a Job (runscript_items; the source spells them in lowercase). */
export const RUNSCRIPT_BLOCK: BlockDef = {
  directives: [
    d("Command", "runscript_cmd", { repeatable: true }),
    d("Console", "runscript_cmd", { repeatable: true }),
    // Target and RunsOnClient share one store: yes/no, %c or the name of a Client (default: the Job's client).
    // Defaults below are the block's own (RUNSCRIPT::reset_default), not ITEM_DEFAULT rows.
    d("RunsOnClient", "runscript_target", { aliases: ["Target"], ref: "Client", default: true }),
    d("RunsOnSuccess", "runscript_bool", { default: true }),
    d("RunsOnFailure", "runscript_bool", { default: false }),
    d("FailJobOnError", "runscript_bool", { aliases: ["AbortJobOnError"], default: true }),
    d("RunsWhen", "runscript_when", RUNS_WHEN),
    d("Timeout", "runscript_int", { since: V15, jsonKey: null }),
  ],
};

// ---------------------------------------------------------------------------------------------
// Resources

const DIRECTOR: ResourceDef = {
  name: "Director",
  single: true,
  required: true,
  directives: [
    NAME,
    DESCRIPTION,
    d("EventsRetention", "time", { default: 30 * DAY }),
    d("Messages", "res", { ref: "Messages" }),
    d("Catalog", "res", { ref: "Catalog" }),
    d("DirPort", "addresses_port", { default: 9101 }),
    d("DirAddress", "addresses_address"),
    // The JSON view shows only the block's first address, as DirAddress and DirPort.
    d("DirAddresses", "addresses", { jsonKey: "DirAddress", excludes: ["DirAddress", "DirPort"] }),
    d("DirSourceAddress", "addresses_address"),
    d("QueryFile", "dir", { required: true }),
    d("WorkingDirectory", "dir", { required: true }),
    d("PluginDirectory", "dir"),
    d("ScriptsDirectory", "dir"),
    d("PidDirectory", "dir", { required: true }),
    d("SubsysDirectory", "dir"),
    d("MaximumConcurrentJobs", "pint32", { default: 20 }),
    d("MaximumReloadRequests", "pint32", { default: 32 }),
    d("MaximumConsoleConnections", "pint32", { default: 20 }),
    d("MalwareDatabaseCommand", "str", { since: V15 }),
    d("Password", "password", { required: true }),
    d("FdConnectTimeout", "time", { default: 3 * 60 }),
    d("SdConnectTimeout", "time", { default: 30 * 60 }),
    d("HeartbeatInterval", "time", { default: 5 * 60 }),
    d("AutoPrune", "bool", { default: true }),
    ...tls(...TLS_FULL),
    d("StatisticsRetention", "time", { default: 5 * 12 * 31 * DAY }),
    d("VerId", "str"),
    d("CustomerId", "str", { since: V15 }),
    d("CommCompression", "bool", { default: true }),
  ],
};

const ACLS = [
  "JobAcl",
  "ClientAcl",
  "StorageAcl",
  "ScheduleAcl",
  "RunAcl",
  "PoolAcl",
  "CommandAcl",
  "FilesetAcl",
  "CatalogAcl",
  "WhereAcl",
  "RestoreClientAcl",
  "BackupClientAcl",
  "PluginOptionsAcl",
  "UserIdAcl",
  "DirectoryAcl",
] as const;

const CONSOLE: ResourceDef = {
  name: "Console",
  directives: [
    NAME,
    DESCRIPTION,
    d("Password", "password", { required: true }),
    ...ACLS.map((n) => d(n, "acl", { repeatable: true })),
    ...tls(...TLS_FULL),
    d("AuthenticationPlugin", "str"),
    d("AuthorizationPlugin", "str"),
  ],
};

const CLIENT: ResourceDef = {
  name: "Client",
  directives: [
    NAME,
    DESCRIPTION,
    d("Address", "str", { aliases: ["FdAddress"], requiredUnless: "AllowFDConnections" }),
    d("FdPort", "pint32", { default: 9102 }),
    // Only the Password row is ITEM_REQUIRED: a Client with FdPassword alone is refused.
    d("Password", "password", { aliases: ["FdPassword"], required: true }),
    d("FdStorageAddress", "str"),
    d("Catalog", "res", { ref: "Catalog", required: true }),
    d("FileRetention", "time", { default: 60 * DAY }),
    d("JobRetention", "time", { default: 180 * DAY }),
    d("HeartbeatInterval", "time", { default: 5 * 60 }),
    d("AutoPrune", "bool", { default: true }),
    d("SDCallsClient", "bool", { default: false }),
    d("AllowFDConnections", "bool", { default: false }),
    d("SnapshotRetention", "time", { default: 0 }),
    d("MaximumConcurrentJobs", "pint32", { default: 1 }),
    ...tls(...TLS_BASE, "TlsAllowedCn", "TlsVerifyPeer"),
    d("MaximumBandwidthPerJob", "speed"),
    d("Enabled", "bool", { default: true }),
  ],
};

const STORAGE: ResourceDef = {
  name: "Storage",
  aliases: ["Autochanger"],
  directives: [
    NAME,
    DESCRIPTION,
    d("SdPort", "pint32", { default: 9103 }),
    d("Address", "str", { aliases: ["SdAddress"], required: true }),
    d("FdStorageAddress", "str"),
    d("Password", "password", { aliases: ["SdPassword"], required: true }),
    d("Device", "device", { ref: "Device", required: true, repeatable: true }),
    d("MediaType", "strname", { required: true }),
    // Two rows in the source (the Storage name, or yes/no for this Storage itself), one keyword.
    d("Autochanger", "ac_res", { ref: "Storage", default: false }),
    d("SharedStorage", "ac_res", { ref: "Storage" }),
    d("Enabled", "bool", { default: true }),
    d("AllowCompression", "bool", { default: true }),
    d("HeartbeatInterval", "time", { default: 5 * 60 }),
    d("MaximumConcurrentJobs", "pint32", { default: 1 }),
    d("MaximumConcurrentReadjobs", "pint32", { default: 0 }),
    d("SddPort", "pint32", { deprecated: true, jsonKey: null }),
    ...tls(...TLS_BASE),
  ],
};

const CATALOG: ResourceDef = {
  name: "Catalog",
  directives: [
    NAME,
    DESCRIPTION,
    d("Address", "str", { aliases: ["DbAddress"] }),
    d("DbPort", "pint32"),
    // Kept as a plain string (not hashed like other passwords).
    d("Password", "str", { aliases: ["DbPassword"], secret: true }),
    d("User", "str", { aliases: ["DbUser"] }),
    d("DbName", "str", { required: true }),
    d("DbDriver", "str", { jsonKey: null }),
    // The source has a second, lowercase "dbsocket" row for the same field; DbSocket matches first.
    d("DbSocket", "str"),
    d("DbSslMode", "str", { jsonKey: null }),
    d("DbSslKey", "str", { jsonKey: null }),
    d("DbSslCert", "str", { jsonKey: null }),
    d("DbSslCa", "str", { jsonKey: null }),
    d("DbSslCaPath", "str", { jsonKey: null }),
    d("MultipleConnections", "bit"),
    d("DisableBatchInsert", "bool", { default: false }),
  ],
};

const shortRunscript = (name: string): DirectiveDef =>
  d(name, "short_runscript", { repeatable: true, jsonKey: "Runscript" });

/** job_items: Job and JobDefs. */
const JOB_DIRECTIVES: readonly DirectiveDef[] = [
  NAME,
  DESCRIPTION,
  d("Type", "jobtype", { required: true, values: JOB_TYPES }),
  d("Level", "level", { values: JOB_LEVELS }),
  d("Messages", "res", { ref: "Messages", required: true }),
  d("CheckMalware", "bool", { since: V15 }),
  d("Storage", "alist_res", { ref: "Storage", repeatable: true }),
  d("StorageGroupPolicy", "storage_mngr", STORAGE_GROUP_POLICY),
  d("StorageGroupPolicyThreshold", "size64", { since: V15 }),
  d("Pool", "res", { ref: "Pool", required: true }),
  d("NextPool", "res", { ref: "Pool" }),
  d("FullBackupPool", "res", { ref: "Pool" }),
  d("VirtualFullBackupPool", "res", { ref: "Pool" }),
  d("IncrementalBackupPool", "res", { ref: "Pool" }),
  d("DifferentialBackupPool", "res", { ref: "Pool" }),
  d("Client", "res", { ref: "Client", required: true }),
  d("Fileset", "res", { ref: "Fileset", required: true }),
  d("Schedule", "res", { ref: "Schedule" }),
  // Both spellings are uppercase rows: the JSON view shows the one the config used.
  d("VerifyJob", "res", { ref: "Job", aliases: ["JobToVerify"] }),
  d("JobDefs", "res", { ref: "JobDefs" }),
  d("Run", "alist_str", { repeatable: true, help: "A job to start with this one (clone), as a run command." }),
  d("Where", "dir"),
  d("RegexWhere", "str"),
  d("StripPrefix", "str"),
  d("AddPrefix", "str"),
  d("AddSuffix", "str"),
  d("Bootstrap", "dir"),
  d("RestoreClient", "str"),
  // One field (a C union) in both versions: a second of the two lines is refused as a redefinition.
  // Verify jobs write the list of changed files there.
  d("WriteBootstrap", "dir", { aliases: ["WriteVerifyList"] }),
  d("Replace", "replace", { values: REPLACE_OPTIONS, default: "Always" }),
  d("MaximumBandwidth", "speed"),
  d("MaxRunSchedTime", "time"),
  d("MaxRunTime", "time"),
  // The *MaxWaitTime spellings are deprecated lowercase rows storing into the *MaxRunTime fields.
  d("FullMaxRunTime", "time", { aliases: ["FullMaxWaitTime"], jsonHiddenAliases: ["FullMaxWaitTime"] }),
  d("IncrementalMaxRunTime", "time", {
    aliases: ["IncrementalMaxWaitTime"],
    jsonHiddenAliases: ["IncrementalMaxWaitTime"],
  }),
  d("DifferentialMaxRunTime", "time", {
    aliases: ["DifferentialMaxWaitTime"],
    jsonHiddenAliases: ["DifferentialMaxWaitTime"],
  }),
  d("MaxWaitTime", "time"),
  d("MaxStartDelay", "time"),
  d("MaxFullInterval", "time"),
  d("MaxVirtualFullInterval", "time"),
  d("MaxDiffInterval", "time"),
  d("PrefixLinks", "bool", { default: false }),
  d("PruneJobs", "bool", { default: false }),
  d("PruneFiles", "bool", { default: false }),
  d("PruneVolumes", "bool", { default: false }),
  d("PurgeMigrationJob", "bool", { default: false }),
  d("Enabled", "bool", { default: true }),
  d("SnapshotRetention", "time", { default: 0 }),
  d("SpoolAttributes", "bool", { default: true }),
  d("SpoolData", "bool", { default: false }),
  d("SpoolSize", "size64"),
  d("ReRunFailedLevels", "bool", { default: false }),
  d("PreferMountedVolumes", "bool", { default: true }),
  shortRunscript("RunBeforeJob"),
  shortRunscript("RunAfterJob"),
  shortRunscript("RunAfterFailedJob"),
  shortRunscript("ClientRunBeforeJob"),
  shortRunscript("ClientRunAfterJob"),
  shortRunscript("ConsoleRunBeforeJob"),
  shortRunscript("ConsoleRunAfterJob"),
  d("Runscript", "runscript", { repeatable: true, block: RUNSCRIPT_BLOCK }),
  d("MaximumConcurrentJobs", "pint32", { default: 1 }),
  d("MaximumSpawnedJobs", "pint32", { default: 600 }),
  d("RescheduleOnError", "bool", { default: false }),
  d("RescheduleIncompleteJobs", "bool", { default: true }),
  d("RescheduleInterval", "time", { default: 30 * 60 }),
  d("RescheduleTimes", "pint32"),
  d("Priority", "pint32", { default: 10 }),
  d("BackupsToKeep", "pint32", { default: 0 }),
  d("AllowMixedPriority", "bool", { default: false }),
  d("AllowIncompleteJobs", "bool", { default: true }),
  d("WritePartAfterJob", "bool", { default: true }),
  d("SelectionPattern", "str"),
  d("SelectionType", "migtype", { values: SELECTION_TYPES }),
  d("Accurate", "bool"),
  d("AllowDuplicateJobs", "bool", { default: true }),
  d("AllowHigherDuplicates", "bool", { default: true, jsonKey: null }),
  d("CancelLowerLevelDuplicates", "bool", { default: false }),
  d("CancelQueuedDuplicates", "bool", { default: false }),
  d("CancelRunningDuplicates", "bool", { default: false }),
  d("DeleteConsolidatedJobs", "bool", { default: false }),
  d("PluginOptions", "str"),
  d("Base", "alist_res", { ref: "Job", repeatable: true }),
  d("Tag", "alist_str", { repeatable: true }),
];

const JOB: ResourceDef = { name: "Job", required: true, directives: JOB_DIRECTIVES };

function optional({ required: _required, ...rest }: DirectiveDef): DirectiveDef {
  return rest;
}

/** The same rows; a JobDefs needs only its Name (the Job's required rows are checked after inheritance). */
const JOBDEFS: ResourceDef = {
  name: "JobDefs",
  directives: JOB_DIRECTIVES.map((x) => (x.required && x.name !== "Name" ? optional(x) : x)),
};

const FILESET: ResourceDef = {
  name: "Fileset",
  directives: [
    NAME,
    DESCRIPTION,
    d("IgnoreFilesetChanges", "bool", { default: false }),
    d("EnableVss", "bool", { default: true }),
    d("EnableSnapshot", "bool", { default: false }),
    d("Include", "inc", { repeatable: true, block: INCLUDE_BLOCK }),
    d("Exclude", "inc", { repeatable: true, block: EXCLUDE_BLOCK }),
  ],
};

const SCHEDULE: ResourceDef = {
  name: "Schedule",
  directives: [
    NAME,
    DESCRIPTION,
    d("Run", "run", { repeatable: true }),
    d("Enabled", "bool", { default: true }),
  ],
};

const POOL: ResourceDef = {
  name: "Pool",
  directives: [
    NAME,
    DESCRIPTION,
    d("PoolType", "strname", { required: true, help: "Backup, Copy, Migration, Archive...; not checked by the parser." }),
    d("LabelFormat", "strname"),
    d("LabelType", "label", { values: LABEL_TYPES }),
    d("CleaningPrefix", "strname"),
    d("UseCatalog", "bool", { default: true }),
    d("UseVolumeOnce", "bool"),
    d("PurgeOldestVolume", "bool"),
    d("ActionOnPurge", "actiononpurge", { values: ["Truncate"] }),
    d("RecycleOldestVolume", "bool"),
    d("RecycleCurrentVolume", "bool"),
    d("MaximumVolumes", "pint32"),
    d("MaximumVolumeJobs", "pint32"),
    d("MaximumVolumeFiles", "pint32"),
    d("MaximumVolumeBytes", "size64"),
    d("CatalogFiles", "bool", { default: true }),
    d("CacheRetention", "time"),
    d("VolumeRetention", "time", { default: 365 * DAY }),
    d("VolumeUseDuration", "time"),
    d("MigrationTime", "time"),
    d("MigrationHighBytes", "size64"),
    d("MigrationLowBytes", "size64"),
    d("NextPool", "res", { ref: "Pool" }),
    d("Storage", "alist_res", { ref: "Storage", repeatable: true }),
    d("StorageGroupPolicy", "storage_mngr", STORAGE_GROUP_POLICY),
    d("StorageGroupPolicyThreshold", "size64", { since: V15 }),
    d("AutoPrune", "bool", { default: true }),
    d("Recycle", "bool", { default: true }),
    d("RecyclePool", "res", { ref: "Pool" }),
    d("ScratchPool", "res", { ref: "Pool" }),
    // Parsed, then dropped: the Pool keeps no CopyPool list (save_resource does not copy it).
    d("CopyPool", "alist_res", { ref: "Pool", repeatable: true, deprecated: true, jsonKey: null }),
    d("Catalog", "res", { ref: "Catalog" }),
    d("FileRetention", "time"),
    d("JobRetention", "time"),
  ],
};

const COUNTER: ResourceDef = {
  name: "Counter",
  directives: [
    NAME,
    DESCRIPTION,
    d("Minimum", "int32", { default: 0 }),
    d("Maximum", "pint32", { default: 2147483647 }),
    d("WrapCounter", "res", { ref: "Counter" }),
    d("Catalog", "res", { ref: "Catalog" }),
  ],
};

const TENANT: ResourceDef = {
  name: "Tenant",
  since: V15,
  directives: [
    NAME,
    DESCRIPTION,
    d("MaximumVolumeBytes", "size64"),
    d("MaximumClients", "int32"),
    d("WarningVolumeBytes", "size64"),
    d("MaximumJobs", "int32"),
    d("MaximumStorages", "int32"),
    d("Isolated", "bool"),
    d("Enabled", "bool", { default: true }),
  ],
};

export const DIR_TABLE: DaemonTable = {
  daemon: "dir",
  file: "bacula-dir.conf",
  // Required: a Director, Messages and a Job, and what every Job needs (Pool, Client with its
  // Catalog, Fileset, a Storage in the Job or its Pool).
  resources: [
    DIRECTOR,
    { ...CATALOG, required: true },
    { ...MESSAGES_RESOURCE, required: true },
    CONSOLE,
    { ...STORAGE, required: true },
    { ...POOL, required: true },
    { ...CLIENT, required: true },
    { ...FILESET, required: true },
    SCHEDULE,
    JOBDEFS,
    JOB,
    COUNTER,
    STATISTICS_RESOURCE,
    TENANT,
  ],
};
