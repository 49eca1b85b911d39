/** Field descriptions shared by the API schemas, the list pages and the generated forms. */

export type KindKey =
  | "hosts"
  | "directors"
  | "storage-daemons"
  | "devices"
  | "storages"
  | "pools"
  | "catalogs"
  | "catalog-clusters"
  | "catalog-members"
  | "clients"
  | "filesets"
  | "schedules"
  | "messages"
  | "jobdefs"
  | "jobs";

export type FieldType =
  | "name"
  | "text"
  | "textarea"
  | "int"
  | "bool"
  | "enum"
  | "ref"
  | "storageList"
  | "secret"
  | "stringList"
  | "destinations"
  | "runScripts";

export interface FieldDef {
  key: string;
  label: string;
  type: FieldType;
  required?: boolean;
  help?: string;
  enumValues?: readonly string[];
  /** For ref fields: which kind it points at and the Prisma relation that carries it. */
  ref?: KindKey;
  relation?: string;
  /** Options restricted to the same Director as the edited record. */
  sameDirector?: boolean;
  /** For secrets: the encrypted column. */
  column?: string;
  defaultValue?: string | number | boolean | null;
  /** Shown as a column on the list page. */
  listed?: boolean;
  readOnly?: boolean;
  placeholder?: string;
}

import { MESSAGE_KINDS as BACULA_MESSAGE_KINDS } from "@/lib/bacula/directives";
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
} from "@/lib/bacula/model";

// The Bacula vocabularies come from the directive tables, so forms, API and renderer agree.
export { COMPRESSIONS, DEVICE_TYPES, JOB_LEVELS, JOB_TYPES, POOL_TYPES, RUNS_WHEN, SELECTION_TYPES, SIGNATURES };
export const STORAGE_GROUP_POLICY_CHOICES = STORAGE_GROUP_POLICIES;
export const MESSAGE_KINDS = BACULA_MESSAGE_KINDS.map((k) => k.kind) as unknown as readonly [string, ...string[]];
export const DIRECTOR_ROLES = ["primary", "standby", "independent"] as const;
export const MEMBER_ROLES = ["primary", "standby"] as const;

const name = (listed = true): FieldDef => ({ key: "name", label: "Name", type: "name", required: true, listed });
const director = (): FieldDef => ({
  key: "directorId",
  label: "Director",
  type: "ref",
  ref: "directors",
  relation: "director",
  required: true,
  listed: true,
});
const sameDirRef = (key: string, label: string, ref: KindKey, relation: string, required = false, listed = false): FieldDef => ({
  key,
  label,
  type: "ref",
  ref,
  relation,
  sameDirector: true,
  required,
  listed,
});

export interface KindMeta {
  kind: KindKey;
  label: string;
  plural: string;
  /** Bacula resources are unique per resource type within a Director. */
  directorScoped: boolean;
  fields: FieldDef[];
  searchFields: string[];
  sortFields: string[];
  group: "Daemons" | "Director resources" | "Catalog" | "Access";
  description: string;
}

export const KINDS: Record<KindKey, KindMeta> = {
  hosts: {
    kind: "hosts",
    label: "Host",
    plural: "Hosts",
    directorScoped: false,
    group: "Daemons",
    description: "Machines the dashboard reaches over SSH to deploy configs and fence databases.",
    searchFields: ["name", "address"],
    sortFields: ["name", "address", "updatedAt"],
    fields: [
      name(),
      { key: "address", label: "Address", type: "text", required: true, listed: true, placeholder: "10.0.0.5 or bacula1.example.org" },
      { key: "sshPort", label: "SSH port", type: "int", defaultValue: 22, listed: true },
      { key: "sshUser", label: "SSH user", type: "text", defaultValue: "bacula", listed: true },
      { key: "privateKey", label: "SSH private key", type: "secret", column: "privateKeyEnc", help: "OpenSSH or PEM private key. Stored encrypted; never shown again." },
      { key: "hostKeyFingerprint", label: "Pinned host key", type: "text", readOnly: true, listed: true, help: "Pinned on first contact after you confirm the fingerprint on the Deploy page." },
    ],
  },
  directors: {
    kind: "directors",
    label: "Director",
    plural: "Directors",
    directorScoped: false,
    group: "Daemons",
    description: "Bacula Directors: the primary, its standbys, and independent ones.",
    searchFields: ["name", "address", "site"],
    sortFields: ["name", "role", "site", "version", "updatedAt"],
    fields: [
      name(),
      { key: "role", label: "Role", type: "enum", enumValues: DIRECTOR_ROLES, required: true, defaultValue: "independent", listed: true },
      { key: "primaryId", label: "Standby of", type: "ref", ref: "directors", relation: "primary", help: "Required for a standby: the primary whose configuration it receives." },
      { key: "site", label: "Site", type: "text", listed: true, placeholder: "site-a", defaultValue: "" },
      { key: "address", label: "Address", type: "text", required: true, listed: true },
      { key: "port", label: "DIR port", type: "int", defaultValue: 9101 },
      { key: "password", label: "Console password", type: "secret", column: "passwordEnc", required: true },
      { key: "version", label: "Bacula version", type: "text", defaultValue: "15.0.3", required: true, listed: true, help: "Decides which directives and policies are offered (storage groups need 13.0)." },
      { key: "hostId", label: "SSH host", type: "ref", ref: "hosts", relation: "host" },
      { key: "configDir", label: "Config directory", type: "text", defaultValue: "/etc/bacula" },
      { key: "workingDirectory", label: "Working directory", type: "text", defaultValue: "/var/lib/bacula" },
      { key: "pidDirectory", label: "PID directory", type: "text", defaultValue: "/run/bacula" },
      { key: "queryFile", label: "Query file", type: "text", defaultValue: "/etc/bacula/scripts/query.sql" },
      { key: "maxConcurrentJobs", label: "Maximum concurrent jobs", type: "int", defaultValue: 20 },
    ],
  },
  "storage-daemons": {
    kind: "storage-daemons",
    label: "Storage Daemon",
    plural: "Storage Daemons",
    directorScoped: false,
    group: "Daemons",
    description: "Bacula Storage Daemons and where they run.",
    searchFields: ["name", "address", "site"],
    sortFields: ["name", "site", "version", "updatedAt"],
    fields: [
      name(),
      { key: "site", label: "Site", type: "text", listed: true, defaultValue: "" },
      { key: "address", label: "Address", type: "text", required: true, listed: true },
      { key: "port", label: "SD port", type: "int", defaultValue: 9103, listed: true },
      { key: "password", label: "Director password", type: "secret", column: "passwordEnc", required: true, help: "The password Directors use to reach this SD." },
      { key: "version", label: "Bacula version", type: "text", defaultValue: "15.0.3", required: true, listed: true },
      { key: "hostId", label: "SSH host", type: "ref", ref: "hosts", relation: "host" },
      { key: "configDir", label: "Config directory", type: "text", defaultValue: "/etc/bacula" },
      { key: "workingDirectory", label: "Working directory", type: "text", defaultValue: "/var/lib/bacula" },
      { key: "pidDirectory", label: "PID directory", type: "text", defaultValue: "/run/bacula" },
      { key: "maxConcurrentJobs", label: "Maximum concurrent jobs", type: "int", defaultValue: 20 },
      { key: "restartCommand", label: "Restart command", type: "text", defaultValue: "systemctl restart bacula-sd", help: "Run after a deploy; split into words, no shell." },
    ],
  },
  devices: {
    kind: "devices",
    label: "Device",
    plural: "Devices",
    directorScoped: false,
    group: "Daemons",
    description: "Devices of a Storage Daemon (disk directories, tape drives).",
    searchFields: ["name", "mediaType", "archiveDevice"],
    sortFields: ["name", "mediaType", "deviceType", "updatedAt"],
    fields: [
      name(),
      { key: "storageDaemonId", label: "Storage Daemon", type: "ref", ref: "storage-daemons", relation: "storageDaemon", required: true, listed: true },
      { key: "mediaType", label: "Media type", type: "name", required: true, listed: true },
      { key: "archiveDevice", label: "Archive device", type: "text", required: true, listed: true, placeholder: "/srv/bacula/file4" },
      { key: "deviceType", label: "Device type", type: "enum", enumValues: DEVICE_TYPES, defaultValue: "File", listed: true },
      { key: "maxConcurrentJobs", label: "Maximum concurrent jobs", type: "int", defaultValue: 5 },
      { key: "autochanger", label: "Autochanger", type: "bool", defaultValue: false },
      { key: "labelMedia", label: "Label media", type: "bool", defaultValue: true },
      { key: "randomAccess", label: "Random access", type: "bool", defaultValue: true },
      { key: "automaticMount", label: "Automatic mount", type: "bool", defaultValue: true },
      { key: "removableMedia", label: "Removable media", type: "bool", defaultValue: false },
      { key: "alwaysOpen", label: "Always open", type: "bool", defaultValue: false },
    ],
  },
  storages: {
    kind: "storages",
    label: "Storage",
    plural: "Storages",
    directorScoped: true,
    group: "Director resources",
    description: "The Director's Storage resources: which Storage Daemon and device each one reaches.",
    searchFields: ["name", "mediaType"],
    sortFields: ["name", "mediaType", "updatedAt"],
    fields: [
      name(),
      director(),
      { key: "storageDaemonId", label: "Storage Daemon", type: "ref", ref: "storage-daemons", relation: "storageDaemon", required: true, listed: true },
      { key: "deviceId", label: "Device", type: "ref", ref: "devices", relation: "device", required: true, listed: true, help: "A device of the chosen Storage Daemon." },
      { key: "mediaType", label: "Media type", type: "name", required: true, listed: true, help: "Must match the device's media type." },
      { key: "maxConcurrentJobs", label: "Maximum concurrent jobs", type: "int", defaultValue: 10 },
      { key: "autochanger", label: "Autochanger", type: "bool", defaultValue: false },
    ],
  },
  pools: {
    kind: "pools",
    label: "Pool",
    plural: "Pools",
    directorScoped: true,
    group: "Director resources",
    description: "Pools of volumes, their Next Pool (copy target) and their storage group.",
    searchFields: ["name", "poolType", "labelFormat"],
    sortFields: ["name", "poolType", "updatedAt"],
    fields: [
      name(),
      director(),
      { key: "poolType", label: "Pool type", type: "enum", enumValues: POOL_TYPES, defaultValue: "Backup", required: true, listed: true },
      { key: "storageIds", label: "Storage group (in order)", type: "storageList", ref: "storages", sameDirector: true, help: "Several storages make a storage group (Bacula 13.0+)." },
      { key: "storagePolicy", label: "Storage group policy", type: "enum", enumValues: STORAGE_GROUP_POLICY_CHOICES, listed: true, help: "Empty means ListedOrder." },
      { key: "storagePolicyThreshold", label: "Policy threshold", type: "text", help: "For FreeSpace policies (15.0+), a size such as 100G." },
      sameDirRef("nextPoolId", "Next Pool", "pools", "nextPool", false, true),
      { key: "volumeRetention", label: "Volume retention", type: "text", placeholder: "30 days" },
      { key: "labelFormat", label: "Label format", type: "text", placeholder: "Vol-" },
      { key: "maximumVolumeBytes", label: "Maximum volume bytes", type: "text", placeholder: "50G" },
      { key: "maximumVolumes", label: "Maximum volumes", type: "int" },
      { key: "recycle", label: "Recycle", type: "bool", defaultValue: true },
      { key: "autoPrune", label: "Auto prune", type: "bool", defaultValue: true },
    ],
  },
  catalogs: {
    kind: "catalogs",
    label: "Catalog",
    plural: "Catalogs",
    directorScoped: true,
    group: "Catalog",
    description: "The Director's Catalog resources: the database each Director writes to.",
    searchFields: ["name", "dbName", "dbAddress"],
    sortFields: ["name", "dbName", "updatedAt"],
    fields: [
      name(),
      director(),
      { key: "dbName", label: "Database name", type: "text", required: true, listed: true },
      { key: "dbUser", label: "Database user", type: "text", defaultValue: "bacula" },
      { key: "dbPassword", label: "Database password", type: "secret", column: "dbPasswordEnc" },
      { key: "dbAddress", label: "Database address", type: "text", defaultValue: "localhost", listed: true },
      { key: "dbPort", label: "Database port", type: "int", defaultValue: 5432 },
      { key: "clusterId", label: "Replication cluster", type: "ref", ref: "catalog-clusters", relation: "cluster", listed: true },
    ],
  },
  "catalog-clusters": {
    kind: "catalog-clusters",
    label: "Catalog cluster",
    plural: "Catalog clusters",
    directorScoped: false,
    group: "Catalog",
    description: "A PostgreSQL primary and its streaming standbys.",
    searchFields: ["name"],
    sortFields: ["name", "updatedAt"],
    fields: [
      name(),
      { key: "maxLagBytes", label: "Maximum lag (bytes)", type: "int", defaultValue: 1048576, listed: true, help: "Promotion refuses a standby behind by more (Patroni's default: 1 MiB)." },
      { key: "maxLagSeconds", label: "Maximum lag (seconds)", type: "int", defaultValue: 60, listed: true },
    ],
  },
  "catalog-members": {
    kind: "catalog-members",
    label: "Catalog member",
    plural: "Catalog members",
    directorScoped: false,
    group: "Catalog",
    description: "PostgreSQL servers of a catalog cluster and the monitoring role used to watch them.",
    searchFields: ["name", "address"],
    sortFields: ["name", "role", "updatedAt"],
    fields: [
      name(),
      { key: "clusterId", label: "Cluster", type: "ref", ref: "catalog-clusters", relation: "cluster", required: true, listed: true },
      { key: "role", label: "Role", type: "enum", enumValues: MEMBER_ROLES, required: true, defaultValue: "standby", listed: true },
      { key: "address", label: "Address", type: "text", required: true, listed: true },
      { key: "port", label: "Port", type: "int", defaultValue: 5432, listed: true },
      { key: "dbName", label: "Database", type: "text", defaultValue: "bacula" },
      { key: "monitorUser", label: "Monitoring role", type: "text", defaultValue: "bacula_monitor", help: "A member of pg_monitor." },
      { key: "monitorPassword", label: "Monitoring password", type: "secret", column: "monitorPasswordEnc" },
      { key: "adminUser", label: "Admin role", type: "text", defaultValue: "postgres", help: "Used only to promote (pg_promote) and re-attach (CHECKPOINT, pg_rewind source): a superuser." },
      { key: "adminPassword", label: "Admin password", type: "secret", column: "adminPasswordEnc" },
      { key: "slotName", label: "Replication slot", type: "text" },
      { key: "dataDirectory", label: "Data directory", type: "text" },
      { key: "pgBinDir", label: "PostgreSQL bin directory", type: "text", defaultValue: "/usr/lib/postgresql/15/bin" },
      { key: "hostId", label: "SSH host", type: "ref", ref: "hosts", relation: "host", help: "Used to fence (stop) this server during a switchover." },
    ],
  },
  clients: {
    kind: "clients",
    label: "Client",
    plural: "Clients",
    directorScoped: true,
    group: "Director resources",
    description: "File Daemons the Director backs up.",
    searchFields: ["name", "address"],
    sortFields: ["name", "address", "updatedAt"],
    fields: [
      name(),
      director(),
      { key: "address", label: "Address", type: "text", required: true, listed: true },
      { key: "port", label: "FD port", type: "int", defaultValue: 9102 },
      { key: "password", label: "Password", type: "secret", column: "passwordEnc", required: true },
      sameDirRef("catalogId", "Catalog", "catalogs", "catalog", true, true),
      { key: "fileRetention", label: "File retention", type: "text", placeholder: "60 days" },
      { key: "jobRetention", label: "Job retention", type: "text", placeholder: "6 months" },
      { key: "autoPrune", label: "Auto prune", type: "bool", defaultValue: true },
    ],
  },
  filesets: {
    kind: "filesets",
    label: "FileSet",
    plural: "FileSets",
    directorScoped: true,
    group: "Director resources",
    description: "What to back up.",
    searchFields: ["name"],
    sortFields: ["name", "updatedAt"],
    fields: [
      name(),
      director(),
      { key: "includes", label: "Include files", type: "stringList", required: true, help: "One path per line." },
      { key: "excludes", label: "Exclude files", type: "stringList", help: "One path per line." },
      { key: "signature", label: "Signature", type: "enum", enumValues: SIGNATURES },
      { key: "compression", label: "Compression", type: "enum", enumValues: COMPRESSIONS },
    ],
  },
  schedules: {
    kind: "schedules",
    label: "Schedule",
    plural: "Schedules",
    directorScoped: true,
    group: "Director resources",
    description: "When jobs run.",
    searchFields: ["name"],
    sortFields: ["name", "updatedAt"],
    fields: [
      name(),
      director(),
      { key: "runs", label: "Run lines", type: "stringList", required: true, help: 'One per line, e.g. "Full 1st sun at 23:05".' },
      { key: "enabled", label: "Enabled", type: "bool", defaultValue: true, listed: true },
    ],
  },
  messages: {
    kind: "messages",
    label: "Messages",
    plural: "Messages",
    directorScoped: true,
    group: "Director resources",
    description: "Where the Director sends job messages.",
    searchFields: ["name"],
    sortFields: ["name", "updatedAt"],
    fields: [name(), director(), { key: "destinations", label: "Destinations", type: "destinations", required: true }],
  },
  jobdefs: {
    kind: "jobdefs",
    label: "JobDefs",
    plural: "JobDefs",
    directorScoped: true,
    group: "Director resources",
    description: "Defaults that Jobs inherit.",
    searchFields: ["name"],
    sortFields: ["name", "updatedAt"],
    fields: [
      name(),
      director(),
      { key: "type", label: "Type", type: "enum", enumValues: JOB_TYPES, listed: true },
      { key: "level", label: "Level", type: "enum", enumValues: JOB_LEVELS },
      sameDirRef("poolId", "Pool", "pools", "pool", false, true),
      sameDirRef("clientId", "Client", "clients", "client"),
      sameDirRef("fileSetId", "FileSet", "filesets", "fileSet"),
      sameDirRef("scheduleId", "Schedule", "schedules", "schedule"),
      sameDirRef("messagesId", "Messages", "messages", "messages"),
      { key: "storageIds", label: "Storage group (in order)", type: "storageList", ref: "storages", sameDirector: true },
      { key: "storagePolicy", label: "Storage group policy", type: "enum", enumValues: STORAGE_GROUP_POLICY_CHOICES },
      { key: "priority", label: "Priority", type: "int" },
    ],
  },
  jobs: {
    kind: "jobs",
    label: "Job",
    plural: "Jobs",
    directorScoped: true,
    group: "Director resources",
    description: "Backup, Copy, Admin and other jobs.",
    searchFields: ["name", "type"],
    sortFields: ["name", "type", "updatedAt"],
    fields: [
      name(),
      director(),
      { key: "type", label: "Type", type: "enum", enumValues: JOB_TYPES, required: true, defaultValue: "Backup", listed: true },
      { key: "level", label: "Level", type: "enum", enumValues: JOB_LEVELS },
      { key: "enabled", label: "Enabled", type: "bool", defaultValue: true },
      sameDirRef("jobDefsId", "JobDefs", "jobdefs", "jobDefs"),
      sameDirRef("poolId", "Pool", "pools", "pool", false, true),
      sameDirRef("nextPoolId", "Next Pool", "pools", "nextPool"),
      sameDirRef("clientId", "Client", "clients", "client", false, true),
      sameDirRef("fileSetId", "FileSet", "filesets", "fileSet"),
      sameDirRef("scheduleId", "Schedule", "schedules", "schedule"),
      sameDirRef("messagesId", "Messages", "messages", "messages"),
      { key: "storageIds", label: "Storage group (in order)", type: "storageList", ref: "storages", sameDirector: true },
      { key: "storagePolicy", label: "Storage group policy", type: "enum", enumValues: STORAGE_GROUP_POLICY_CHOICES },
      { key: "storagePolicyThreshold", label: "Policy threshold", type: "text" },
      { key: "selectionType", label: "Selection type", type: "enum", enumValues: SELECTION_TYPES, help: "Copy and Migrate jobs: which jobs to copy." },
      { key: "selectionPattern", label: "Selection pattern", type: "text", help: "POSIX extended regex (Client, Volume, Job) or SQL (SqlQuery)." },
      { key: "runLines", label: "Run lines (clones)", type: "stringList", help: 'e.g. CloneJob level=%l since="%s"' },
      { key: "runScripts", label: "RunScripts", type: "runScripts" },
      { key: "priority", label: "Priority", type: "int" },
      { key: "maxConcurrentJobs", label: "Maximum concurrent jobs", type: "int" },
    ],
  },
};

export const KIND_ORDER: KindKey[] = [
  "directors",
  "storage-daemons",
  "devices",
  "hosts",
  "storages",
  "pools",
  "jobs",
  "jobdefs",
  "clients",
  "filesets",
  "schedules",
  "messages",
  "catalogs",
  "catalog-clusters",
  "catalog-members",
];

export function isKind(value: string): value is KindKey {
  return Object.prototype.hasOwnProperty.call(KINDS, value);
}
