/**
 * Directive tables: one per Bacula resource type. These tables drive the
 * renderer, the parser/importer, the validator and form generators alike.
 *
 * Spellings and accepted values were checked against Bacula 15.0.3
 * (bdirjson / bsdjson) on Debian 12.
 */
import {
  COMPRESSIONS,
  DEVICE_TYPES,
  JOB_LEVELS,
  JOB_TYPES,
  POOL_TYPES,
  RUNS_WHEN,
  SELECTION_TYPES,
  SIGNATURES,
  STORAGE_GROUP_POLICIES,
  type MessageDestination,
} from "./model";
type MessageDestinationKind = MessageDestination["kind"];

/**
 * How a value is written and read:
 * - name: the resource's own name (quoted; letters, digits, `:.-_` and space, 1-127 chars)
 * - ref: the name of another resource (quoted)
 * - ref-list: several names on one line, comma separated, order kept (`Storage = "A", "B"`)
 * - string / path / password: quoted, with `\` and `"` escaped; no control characters
 * - address: host name or IP address, written unquoted (Bacula rejects a quoted DirAddress/SDAddress)
 * - int / port: non-negative integer / 1..65535
 * - bool: yes / no
 * - size: "50G", "10 GB", digits; unquoted
 * - time: "365 days", "6 months"; unquoted
 * - enum: one of `values`, canonical spelling, unquoted
 * - bool-or-ref: yes / no, or the name of a resource
 * - run-line: a repeated `Run = "..."` line (quoted; a clone job command)
 * - schedule-run: a repeated Schedule `Run = Full 1st sun at 23:05` line (unquoted, restricted characters)
 * - path-list: a repeated `File = "..."` line
 * - msg-destination: a Messages destination (`Mail = "root" = all, !skipped`)
 */
export type ValueType =
  | "name"
  | "ref"
  | "ref-list"
  | "string"
  | "path"
  | "password"
  | "address"
  | "int"
  | "port"
  | "bool"
  | "size"
  | "time"
  | "enum"
  | "bool-or-ref"
  | "run-line"
  | "schedule-run"
  | "path-list"
  | "msg-destination";

export type DirectorResourceKind =
  | "Director"
  | "Catalog"
  | "Storage"
  | "Pool"
  | "Client"
  | "FileSet"
  | "Schedule"
  | "Messages"
  | "JobDefs"
  | "Job";
export type SdResourceKind = "SdStorage" | "SdDirector" | "Device" | "Autochanger" | "SdMessages";
export type ResourceKind = DirectorResourceKind | SdResourceKind;

export interface DirectiveSpec {
  /** Canonical Bacula keyword, as documented (rendered as is). */
  name: string;
  /** Other keywords Bacula accepts for the same directive. */
  aliases?: readonly string[];
  /** Model key (property of the resource / sub-block object). */
  key: string;
  /** Form label. */
  label: string;
  type: ValueType;
  /** Allowed values (enum), canonical spelling. */
  values?: readonly string[];
  /** Version that introduced an enum value, when later than the directive itself. */
  valueVersions?: Readonly<Record<string, string>>;
  /** The runtime compares this enum case-sensitively: the parser keeps the spelling as written. */
  caseSensitiveValues?: boolean;
  /** Referenced resource kind (ref, ref-list, bool-or-ref). */
  ref?: ResourceKind;
  /** Bacula refuses the resource without it. For Job this is checked after JobDefs inheritance. */
  required?: boolean;
  /** Longest accepted value in characters, when shorter than MAX_STRING_BYTES (Bacula's 127-character "name" tokens). */
  maxLength?: number;
  /** An empty string is a meaningful value (Changer Command = ""). */
  allowEmpty?: boolean;
  /** Bacula's default when the directive is absent (documentation only; never rendered). */
  default?: string | number | boolean;
  /** First Bacula version that accepts the directive. */
  firstVersion?: string;
  /** For msg-destination: which destination kind this keyword writes. */
  destKind?: MessageDestinationKind;
  help?: string;
}

export interface BlockSpec {
  /** Keyword of the block (`Include`, `Options`, `RunScript`) or of the resource. */
  name: string;
  /**
   * For sub-blocks: the model key of an array of objects, one per block (RunScript).
   * Without a key the block's directives are stored on the enclosing object (FileSet Include/Exclude/Options).
   */
  key?: string;
  label: string;
  directives: readonly DirectiveSpec[];
  blocks?: readonly BlockSpec[];
  /** Render sub-blocks before the block's own directives (Include: Options first, then File lines). */
  blocksFirst?: boolean;
}

export interface ResourceSpec extends BlockSpec {
  kind: ResourceKind;
  daemon: "dir" | "sd";
  /** Other resource keywords mapped onto this one (Director side `Autochanger` is a Storage). */
  keywordAliases?: readonly string[];
  /** Key in DirectorConfig / StorageDaemonConfig. */
  configKey: string;
  /** Exactly one resource of this kind (Director, SD Storage). */
  single?: boolean;
}

type Opts = Partial<Omit<DirectiveSpec, "name" | "key" | "type">>;
function d(name: string, key: string, type: ValueType, opts: Opts = {}): DirectiveSpec {
  return { name, key, type, label: opts.label ?? name, ...opts };
}

export const MESSAGE_TYPES = [
  "all",
  "info",
  "warning",
  "error",
  "fatal",
  "terminate",
  "saved",
  "notsaved",
  "skipped",
  "mount",
  "restored",
  "security",
  "alert",
  "volmgmt",
  "events",
  "debug",
] as const;

export interface MessageKindSpec {
  kind: MessageDestinationKind;
  keyword: string;
  where: "required" | "optional" | "none";
  whereLabel?: string;
}

export const MESSAGE_KINDS: readonly MessageKindSpec[] = [
  { kind: "mail", keyword: "Mail", where: "required", whereLabel: "Addresses" },
  { kind: "mailonerror", keyword: "MailOnError", where: "required", whereLabel: "Addresses" },
  { kind: "mailonsuccess", keyword: "MailOnSuccess", where: "required", whereLabel: "Addresses" },
  { kind: "operator", keyword: "Operator", where: "required", whereLabel: "Addresses" },
  { kind: "file", keyword: "File", where: "required", whereLabel: "File" },
  { kind: "append", keyword: "Append", where: "required", whereLabel: "File" },
  { kind: "director", keyword: "Director", where: "required", whereLabel: "Director name" },
  { kind: "console", keyword: "Console", where: "none" },
  { kind: "stdout", keyword: "Stdout", where: "none" },
  { kind: "stderr", keyword: "Stderr", where: "none" },
  { kind: "syslog", keyword: "Syslog", where: "optional", whereLabel: "Facility" },
  { kind: "catalog", keyword: "Catalog", where: "none" },
];

const NAME = (label = "Name") => d("Name", "name", "name", { label, required: true });

const MESSAGES_DIRECTIVES: DirectiveSpec[] = [
  NAME(),
  d("MailCommand", "mailCommand", "string", { label: "Mail command" }),
  d("OperatorCommand", "operatorCommand", "string", { label: "Operator command" }),
  ...MESSAGE_KINDS.map((k) =>
    d(k.keyword, "destinations", "msg-destination", { label: `${k.keyword} destination`, destKind: k.kind }),
  ),
];

const POLICY_VERSIONS = { FreeSpace: "15.0", FreeSpaceLeastUsed: "15.0", LastBackedUpTo: "15.0" } as const;

function storageGroupDirectives(): DirectiveSpec[] {
  return [
    d("Storage", "storage", "ref-list", {
      ref: "Storage",
      label: "Storage (group, in order)",
      help: "Several storages form a storage group (Bacula 13.0 and later; 9.6 uses only the first).",
    }),
    d("StorageGroupPolicy", "storageGroupPolicy", "enum", {
      label: "Storage group policy",
      values: STORAGE_GROUP_POLICIES,
      valueVersions: POLICY_VERSIONS,
      caseSensitiveValues: true,
      default: "ListedOrder",
      firstVersion: "13.0",
    }),
    d("StorageGroupPolicyThreshold", "storageGroupPolicyThreshold", "size", {
      label: "Storage group policy threshold",
      firstVersion: "15.0",
      help: "Free-space threshold used by the FreeSpace and FreeSpaceLeastUsed policies.",
    }),
  ];
}

const DIRECTOR: ResourceSpec = {
  kind: "Director",
  daemon: "dir",
  name: "Director",
  label: "Director",
  configKey: "director",
  single: true,
  directives: [
    NAME(),
    d("Description", "description", "string"),
    d("DirAddress", "address", "address", { label: "Listen address" }),
    d("DirPort", "port", "port", { label: "Port", default: 9101 }),
    d("Password", "password", "password", { required: true, label: "Console password" }),
    d("QueryFile", "queryFile", "path", { required: true, label: "Query file" }),
    d("WorkingDirectory", "workingDirectory", "path", { required: true, label: "Working directory" }),
    d("PidDirectory", "pidDirectory", "path", { required: true, label: "PID directory" }),
    d("Maximum Concurrent Jobs", "maxConcurrentJobs", "int", { label: "Maximum concurrent jobs" }),
    d("Messages", "messages", "ref", { ref: "Messages" }),
  ],
};

const CATALOG: ResourceSpec = {
  kind: "Catalog",
  daemon: "dir",
  name: "Catalog",
  label: "Catalog",
  configKey: "catalogs",
  directives: [
    NAME(),
    d("DbName", "dbName", "string", { required: true, label: "Database name" }),
    d("DbUser", "dbUser", "string", { aliases: ["User"], label: "Database user" }),
    d("DbPassword", "dbPassword", "password", { aliases: ["Password"], label: "Database password" }),
    d("DbAddress", "dbAddress", "address", { aliases: ["Address"], label: "Database address" }),
    d("DbPort", "dbPort", "port", { label: "Database port" }),
  ],
};

const STORAGE: ResourceSpec = {
  kind: "Storage",
  daemon: "dir",
  name: "Storage",
  keywordAliases: ["Autochanger"],
  label: "Storage",
  configKey: "storages",
  directives: [
    NAME(),
    d("Address", "address", "address", { required: true, aliases: ["SDAddress"] }),
    d("SDPort", "sdPort", "port", { label: "SD port", default: 9103 }),
    d("Password", "password", "password", { required: true }),
    d("Device", "device", "string", { required: true, maxLength: 127, help: "Device or Autochanger name in the Storage Daemon." }),
    d("Media Type", "mediaType", "string", { required: true, maxLength: 127 }),
    d("Maximum Concurrent Jobs", "maxConcurrentJobs", "int", { default: 1 }),
    d("Autochanger", "autochanger", "bool-or-ref", { ref: "Storage" }),
  ],
};

const POOL: ResourceSpec = {
  kind: "Pool",
  daemon: "dir",
  name: "Pool",
  label: "Pool",
  configKey: "pools",
  directives: [
    NAME(),
    d("Pool Type", "poolType", "enum", { required: true, values: POOL_TYPES, default: "Backup" }),
    d("Volume Retention", "volumeRetention", "time", { default: "365 days" }),
    d("Label Format", "labelFormat", "string", { maxLength: 127 }),
    d("Maximum Volume Bytes", "maximumVolumeBytes", "size"),
    d("Maximum Volumes", "maximumVolumes", "int"),
    d("Recycle", "recycle", "bool", { default: true }),
    d("AutoPrune", "autoPrune", "bool", { default: true }),
    d("Next Pool", "nextPool", "ref", { ref: "Pool", help: "Destination of Copy and Migrate jobs reading this pool." }),
    ...storageGroupDirectives(),
  ],
};

const CLIENT: ResourceSpec = {
  kind: "Client",
  daemon: "dir",
  name: "Client",
  label: "Client",
  configKey: "clients",
  directives: [
    NAME(),
    d("Description", "description", "string"),
    d("Address", "address", "address", { required: true }),
    d("FDPort", "fdPort", "port", { label: "FD port", default: 9102 }),
    d("Password", "password", "password", { required: true }),
    d("Catalog", "catalog", "ref", { ref: "Catalog", required: true }),
    d("File Retention", "fileRetention", "time", { default: "60 days" }),
    d("Job Retention", "jobRetention", "time", { default: "180 days" }),
    d("AutoPrune", "autoPrune", "bool", { default: true }),
  ],
};

const FILESET: ResourceSpec = {
  kind: "FileSet",
  daemon: "dir",
  name: "FileSet",
  label: "FileSet",
  configKey: "filesets",
  directives: [NAME()],
  blocks: [
    {
      name: "Include",
      label: "Include",
      blocksFirst: true,
      directives: [d("File", "include", "path-list", { label: "Included files" })],
      blocks: [
        {
          name: "Options",
          label: "Options",
          directives: [
            d("Signature", "signature", "enum", { values: SIGNATURES }),
            d("Compression", "compression", "enum", { values: COMPRESSIONS }),
          ],
        },
      ],
    },
    {
      name: "Exclude",
      label: "Exclude",
      directives: [d("File", "exclude", "path-list", { label: "Excluded files" })],
    },
  ],
};

const SCHEDULE: ResourceSpec = {
  kind: "Schedule",
  daemon: "dir",
  name: "Schedule",
  label: "Schedule",
  configKey: "schedules",
  directives: [NAME(), d("Run", "run", "schedule-run", { label: "Run (e.g. Full 1st sun at 23:05)" })],
};

const MESSAGES: ResourceSpec = {
  kind: "Messages",
  daemon: "dir",
  name: "Messages",
  label: "Messages",
  configKey: "messages",
  directives: MESSAGES_DIRECTIVES,
};

const RUNSCRIPT: BlockSpec = {
  name: "RunScript",
  key: "runScripts",
  label: "RunScript",
  directives: [
    d("RunsWhen", "runsWhen", "enum", { values: RUNS_WHEN, label: "Runs when" }),
    d("RunsOnClient", "runsOnClient", "bool", { default: true, label: "Runs on client" }),
    d("RunsOnSuccess", "runsOnSuccess", "bool", { default: true, label: "Runs on success" }),
    d("RunsOnFailure", "runsOnFailure", "bool", { default: false, label: "Runs on failure" }),
    d("FailJobOnError", "failJobOnError", "bool", { default: true, label: "Fail job on error" }),
    d("Command", "command", "string", {
      required: true,
      help: "Split into words without a shell: no &&, |, redirections or $(...). Call a script instead.",
    }),
  ],
};

function jobDirectives(required: boolean): DirectiveSpec[] {
  const r = required ? { required: true } : {};
  return [
    NAME(),
    d("Description", "description", "string"),
    d("Type", "type", "enum", { values: JOB_TYPES, ...r }),
    d("Level", "level", "enum", { values: JOB_LEVELS }),
    ...(required ? [d("JobDefs", "jobDefs", "ref", { ref: "JobDefs" })] : []),
    d("Client", "client", "ref", { ref: "Client", ...r }),
    d("FileSet", "fileset", "ref", { ref: "FileSet", ...r }),
    d("Schedule", "schedule", "ref", { ref: "Schedule" }),
    d("Messages", "messages", "ref", { ref: "Messages", ...r }),
    d("Pool", "pool", "ref", { ref: "Pool", ...r }),
    d("Next Pool", "nextPool", "ref", { ref: "Pool", help: "Overrides the Pool's Next Pool for Copy/Migrate." }),
    ...storageGroupDirectives(),
    d("Selection Type", "selectionType", "enum", { values: SELECTION_TYPES }),
    d("Selection Pattern", "selectionPattern", "string", {
      help: "POSIX extended regex (Client, Volume, Job) or SQL (SqlQuery).",
    }),
    d("Priority", "priority", "int", { default: 10 }),
    d("Maximum Concurrent Jobs", "maxConcurrentJobs", "int", { default: 1 }),
    d("Enabled", "enabled", "bool", { default: true }),
    d("Run", "run", "run-line", { label: "Run (clone job)", help: 'e.g. CloneJob level=%l since="%s"' }),
  ];
}

const JOBDEFS: ResourceSpec = {
  kind: "JobDefs",
  daemon: "dir",
  name: "JobDefs",
  label: "JobDefs",
  configKey: "jobDefs",
  directives: jobDirectives(false),
  blocks: [RUNSCRIPT],
};

const JOB: ResourceSpec = {
  kind: "Job",
  daemon: "dir",
  name: "Job",
  label: "Job",
  configKey: "jobs",
  directives: jobDirectives(true),
  blocks: [RUNSCRIPT],
};

/** Director resources in rendering order. */
export const DIRECTOR_RESOURCES: readonly ResourceSpec[] = [
  DIRECTOR,
  CATALOG,
  STORAGE,
  POOL,
  CLIENT,
  FILESET,
  SCHEDULE,
  MESSAGES,
  JOBDEFS,
  JOB,
];

const SD_STORAGE: ResourceSpec = {
  kind: "SdStorage",
  daemon: "sd",
  name: "Storage",
  label: "Storage Daemon",
  configKey: "storage",
  single: true,
  directives: [
    NAME(),
    d("SDAddress", "address", "address", { label: "Listen address" }),
    d("SDPort", "sdPort", "port", { label: "SD port", default: 9103 }),
    d("WorkingDirectory", "workingDirectory", "path", { required: true, label: "Working directory" }),
    d("Pid Directory", "pidDirectory", "path", { required: true, label: "PID directory" }),
    d("Maximum Concurrent Jobs", "maxConcurrentJobs", "int"),
  ],
};

const SD_DIRECTOR: ResourceSpec = {
  kind: "SdDirector",
  daemon: "sd",
  name: "Director",
  label: "Allowed Director",
  configKey: "directors",
  directives: [
    NAME(),
    d("Password", "password", "password", { required: true }),
    d("Monitor", "monitor", "bool", { default: false }),
  ],
};

const DEVICE: ResourceSpec = {
  kind: "Device",
  daemon: "sd",
  name: "Device",
  label: "Device",
  configKey: "devices",
  directives: [
    NAME(),
    d("Media Type", "mediaType", "string", { required: true, maxLength: 127 }),
    d("Archive Device", "archiveDevice", "path", { required: true, maxLength: 127 }),
    d("Device Type", "deviceType", "enum", { values: DEVICE_TYPES }),
    d("LabelMedia", "labelMedia", "bool", { label: "Label media" }),
    d("Random Access", "randomAccess", "bool"),
    d("AutomaticMount", "automaticMount", "bool", { label: "Automatic mount" }),
    d("RemovableMedia", "removableMedia", "bool", { label: "Removable media" }),
    d("AlwaysOpen", "alwaysOpen", "bool", { label: "Always open" }),
    d("Maximum Concurrent Jobs", "maximumConcurrentJobs", "int"),
  ],
};

const SD_AUTOCHANGER: ResourceSpec = {
  kind: "Autochanger",
  daemon: "sd",
  name: "Autochanger",
  label: "Autochanger",
  configKey: "autochangers",
  directives: [
    NAME(),
    d("Device", "devices", "ref-list", { ref: "Device", required: true, label: "Devices" }),
    d("Changer Device", "changerDevice", "path", { required: true, maxLength: 127 }),
    d("Changer Command", "changerCommand", "string", { required: true, allowEmpty: true, maxLength: 127 }),
  ],
};

const SD_MESSAGES: ResourceSpec = {
  kind: "SdMessages",
  daemon: "sd",
  name: "Messages",
  label: "Messages",
  configKey: "messages",
  directives: MESSAGES_DIRECTIVES,
};

/** Storage Daemon resources in rendering order. */
export const SD_RESOURCES: readonly ResourceSpec[] = [SD_STORAGE, SD_DIRECTOR, SD_AUTOCHANGER, DEVICE, SD_MESSAGES];

export const RESOURCE_SPECS: Readonly<Record<ResourceKind, ResourceSpec>> = Object.fromEntries(
  [...DIRECTOR_RESOURCES, ...SD_RESOURCES].map((r) => [r.kind, r]),
) as Record<ResourceKind, ResourceSpec>;

/** Bacula matches keywords case-insensitively and ignoring spaces. */
export function normalizeKeyword(keyword: string): string {
  return keyword.replace(/\s+/g, "").toLowerCase();
}

const lookupCache = new WeakMap<BlockSpec, Map<string, DirectiveSpec[]>>();

/** Directive specs of a block matching a keyword (several for Messages destinations never happen: one per keyword). */
export function findDirective(block: BlockSpec, keyword: string): DirectiveSpec | undefined {
  let map = lookupCache.get(block);
  if (!map) {
    map = new Map();
    for (const dir of block.directives) {
      for (const kw of [dir.name, ...(dir.aliases ?? [])]) {
        const n = normalizeKeyword(kw);
        const list = map.get(n) ?? [];
        list.push(dir);
        map.set(n, list);
      }
    }
    lookupCache.set(block, map);
  }
  return map.get(normalizeKeyword(keyword))?.[0];
}

export function findBlock(block: BlockSpec, keyword: string): BlockSpec | undefined {
  const n = normalizeKeyword(keyword);
  return block.blocks?.find((b) => normalizeKeyword(b.name) === n);
}

export function findResource(daemon: "dir" | "sd", keyword: string): ResourceSpec | undefined {
  const n = normalizeKeyword(keyword);
  const list = daemon === "dir" ? DIRECTOR_RESOURCES : SD_RESOURCES;
  return list.find(
    (r) => normalizeKeyword(r.name) === n || (r.keywordAliases ?? []).some((a) => normalizeKeyword(a) === n),
  );
}

/** Compare dotted versions numerically ("9.6.7" < "13.0" < "15.0.3"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

export function isVersionString(v: string): boolean {
  return /^\d+(\.\d+){0,3}$/.test(v);
}

/** True when `version` has the directive (and, when given, the enum value). */
export function versionSupports(version: string, spec: DirectiveSpec, value?: string): boolean {
  if (spec.firstVersion && compareVersions(version, spec.firstVersion) < 0) return false;
  const vv = value !== undefined ? spec.valueVersions?.[value] : undefined;
  if (vv && compareVersions(version, vv) < 0) return false;
  return true;
}

/** A form field description derived from the tables. */
export interface FormField {
  /** Path of model keys from the resource, e.g. ["runScripts", "command"]. */
  path: string[];
  directive: string;
  label: string;
  type: ValueType;
  values?: readonly string[];
  valueVersions?: Readonly<Record<string, string>>;
  required: boolean;
  default?: string | number | boolean;
  firstVersion?: string;
  ref?: ResourceKind;
  repeated: boolean;
  help?: string;
}

export const REPEATED_TYPES: ReadonlySet<ValueType> = new Set(["ref-list", "run-line", "schedule-run", "path-list"]);

/**
 * Flat list of form fields of a resource kind. Fields of repeated sub-blocks
 * (RunScript) have the sub-block key first in their path. When `version` is
 * given, fields the version lacks are left out and enum values it lacks are dropped.
 */
export function formFields(kind: ResourceKind, version?: string): FormField[] {
  const out: FormField[] = [];
  const seenDest = new Set<string>();
  const walk = (block: BlockSpec, prefix: string[]) => {
    for (const dir of block.directives) {
      if (version && !versionSupports(version, dir)) continue;
      if (dir.type === "msg-destination") {
        if (seenDest.has(dir.key)) continue;
        seenDest.add(dir.key);
        out.push({
          path: [...prefix, dir.key],
          directive: "Destinations",
          label: "Destinations",
          type: dir.type,
          values: MESSAGE_KINDS.map((k) => k.kind),
          required: false,
          repeated: true,
        });
        continue;
      }
      const values =
        dir.values && version ? dir.values.filter((v) => versionSupports(version, dir, v)) : dir.values;
      out.push({
        path: [...prefix, dir.key],
        directive: dir.name,
        label: dir.label,
        type: dir.type,
        values,
        valueVersions: dir.valueVersions,
        required: !!dir.required,
        default: dir.default,
        firstVersion: dir.firstVersion,
        ref: dir.ref,
        repeated: REPEATED_TYPES.has(dir.type),
        help: dir.help,
      });
    }
    for (const b of block.blocks ?? []) walk(b, b.key ? [...prefix, b.key] : prefix);
  };
  walk(RESOURCE_SPECS[kind], []);
  return out;
}
