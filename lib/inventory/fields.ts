/**
 * The inventory's resource kinds and their form fields. A field is either an app fact (a host, a
 * site, a role, how the dashboard reaches a daemon) or a Bacula directive: directive fields name
 * their table row (lib/bacula/tables) and take their label, input, values, default and value check
 * from it; this file only says which directives a form shows first and where each is stored (a
 * column, or the record's generic items). Every other directive is edited in the record's
 * "Other directives" editor, which the tables drive too.
 */
import { findDirective, STORES, type DirectiveDef } from "@/lib/bacula";
import { resourceDefOf, type ResourceKind } from "@/lib/bacula/typed";
import { JOB_LEVELS, JOB_TYPES, POOL_TYPES, SELECTION_TYPES } from "@/lib/bacula/model";

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
  | "jobs"
  | "resources";

export type FieldType =
  | "name"
  | "text"
  | "int"
  | "bool"
  /** yes / no / (absent: Bacula's default) */
  | "tribool"
  | "enum"
  | "ref"
  | "storageList"
  | "secret"
  | "stringList"
  | "destinations"
  | "runScripts"
  /** The record's other directives, as generic items (edited in Bacula syntax). */
  | "directives"
  /** A whole resource body (ConfigResource), as generic items. */
  | "items"
  /** A Device or Autochanger name of the chosen Storage Daemon. */
  | "deviceName";

/** Checks of app fields (directive fields are checked by their store function). */
export type AppRule = "path" | "address" | "version" | "command" | "fingerprint";

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
  /** A Bacula directive: the resource kind and the table's row. */
  directive?: { kind: ResourceKind; def: DirectiveDef };
  /** Where a directive field lives: its column (default) or the record's generic items. */
  store?: "column" | "extra";
  /** The typed model key (lib/bacula/typed.ts) behind the field, for mapping validator problems. */
  modelKey?: string;
  rule?: AppRule;
  /** Admin only (commands that run on hosts). */
  adminOnly?: boolean;
}

export const DIRECTOR_ROLES = ["primary", "standby", "independent"] as const;
export const MEMBER_ROLES = ["primary", "standby"] as const;

/** "MaximumConcurrentJobs" -> "Maximum concurrent jobs". */
export function labelOf(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2").split(" ");
  return words.map((w, i) => (i === 0 ? w : /^[A-Z]{2,}$/.test(w) ? w : w.toLowerCase())).join(" ");
}

function defaultText(def: DirectiveDef): string | undefined {
  if (def.default === undefined) return undefined;
  if (typeof def.default === "boolean") return def.default ? "yes" : "no";
  return String(def.default);
}

/** A form field for a directive, from its table row. */
function dir(kind: ResourceKind, name: string, o: Partial<FieldDef> & { key?: string } = {}): FieldDef {
  const def = findDirective(resourceDefOf(kind), name);
  if (!def) throw new Error(`directive tables: ${kind} has no ${name}`);
  const shape = STORES[def.store].shape;
  let type: FieldType;
  switch (shape) {
    case "int":
    case "port":
      type = "int";
      break;
    case "bool":
      type = "tribool";
      break;
    case "password":
      type = "secret";
      break;
    case "string":
      // a secret kept in a plain string store (Catalog Password, Cloud SecretKey): never sent back
      type = def.secret ? "secret" : "text";
      break;
    case "keyword":
      type = def.values && def.values.length > 0 ? "enum" : "text";
      break;
    case "run":
      type = "stringList";
      break;
    default:
      type = "text";
  }
  const dflt = defaultText(def);
  return {
    key: o.key ?? def.name,
    label: o.label ?? labelOf(def.name),
    type,
    required: def.required,
    help: def.help,
    enumValues: type === "enum" ? def.values : undefined,
    placeholder: dflt !== undefined ? `default: ${dflt}` : undefined,
    directive: { kind, def },
    store: o.key ? "column" : "extra",
    ...o,
  };
}

const name = (kind: ResourceKind, listed = true): FieldDef => ({ ...dir(kind, "Name", { key: "name", label: "Name", listed }), type: "name", store: "column" });
const director = (): FieldDef => ({ key: "directorId", label: "Director", type: "ref", ref: "directors", relation: "director", required: true, listed: true });
const sameDirRef = (key: string, label: string, ref: KindKey, relation: string, modelKey: string, required = false, listed = false): FieldDef => ({
  key, label, type: "ref", ref, relation, sameDirector: true, required, listed, modelKey,
});
const directives = (help = "Every other directive of this resource, in Bacula's own syntax (one per line; blocks as in bacula-dir.conf)."): FieldDef => ({
  key: "directives", label: "Other directives", type: "directives", help,
});

export interface KindMeta {
  kind: KindKey;
  label: string;
  plural: string;
  /** Bacula resources are unique per resource type within a Director. */
  directorScoped: boolean;
  /** The Bacula resource kind the record renders as (none for hosts, clusters, members). */
  resourceKind?: ResourceKind;
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
      { key: "name", label: "Name", type: "name", required: true, listed: true },
      { key: "address", label: "Address", type: "text", required: true, listed: true, rule: "address", placeholder: "10.0.0.5 or bacula1.example.org" },
      { key: "sshPort", label: "SSH port", type: "int", defaultValue: 22, listed: true },
      { key: "sshUser", label: "SSH user", type: "text", defaultValue: "bacula", listed: true, help: "For promotion hosts: the user that runs pg_ctl as postgres (see README, What promotion needs)." },
      { key: "privateKey", label: "SSH private key", type: "secret", column: "privateKeyEnc", help: "OpenSSH or PEM private key. Stored encrypted; never shown again." },
      { key: "hostKeyFingerprint", label: "Pinned host key", type: "text", readOnly: true, listed: true, help: "Pinned after you confirm the fingerprint the host presents (Hosts page or Deploy page)." },
    ],
  },
  directors: {
    kind: "directors",
    label: "Director",
    plural: "Directors",
    directorScoped: false,
    resourceKind: "Director",
    group: "Daemons",
    description: "Bacula Directors: the primary, its standbys, and independent ones.",
    searchFields: ["name", "address", "site"],
    sortFields: ["name", "role", "site", "version", "updatedAt"],
    fields: [
      name("Director"),
      { key: "role", label: "Role", type: "enum", enumValues: DIRECTOR_ROLES, required: true, defaultValue: "independent", listed: true, help: "Changing it (or creating a primary or a standby) needs an admin: it decides which Director runs." },
      { key: "primaryId", label: "Standby of", type: "ref", ref: "directors", relation: "primary", help: "Required for a standby: the primary whose configuration it receives." },
      { key: "site", label: "Site", type: "text", listed: true, placeholder: "site-a", defaultValue: "" },
      { key: "address", label: "Address", type: "text", required: true, listed: true, rule: "address", help: "How the dashboard and the daemons reach this Director." },
      dir("Director", "DirAddress", { label: "Listen address (DirAddress)", help: "The address the Director listens on; empty: every address." }),
      dir("Director", "DirPort", { key: "port", label: "DIR port", modelKey: "port", defaultValue: 9101, required: false }),
      dir("Director", "Password", { key: "password", label: "Console password", column: "passwordEnc", modelKey: "password" }),
      { key: "version", label: "Bacula version", type: "text", defaultValue: "15.0.3", required: true, listed: true, rule: "version", help: "Decides which directives and policies are offered (storage groups need 13.0)." },
      { key: "hostId", label: "SSH host", type: "ref", ref: "hosts", relation: "host" },
      { key: "configDir", label: "Config directory", type: "text", defaultValue: "/etc/bacula", rule: "path" },
      dir("Director", "WorkingDirectory", { key: "workingDirectory", modelKey: "workingDirectory", defaultValue: "/var/lib/bacula" }),
      dir("Director", "PidDirectory", { key: "pidDirectory", modelKey: "pidDirectory", defaultValue: "/run/bacula" }),
      dir("Director", "QueryFile", { key: "queryFile", modelKey: "queryFile", defaultValue: "/etc/bacula/scripts/query.sql" }),
      dir("Director", "MaximumConcurrentJobs", { key: "maxConcurrentJobs", modelKey: "maxConcurrentJobs" }),
      directives(),
    ],
  },
  "storage-daemons": {
    kind: "storage-daemons",
    label: "Storage Daemon",
    plural: "Storage Daemons",
    directorScoped: false,
    resourceKind: "SdStorage",
    group: "Daemons",
    description: "Bacula Storage Daemons and where they run.",
    searchFields: ["name", "address", "site"],
    sortFields: ["name", "site", "version", "updatedAt"],
    fields: [
      name("SdStorage"),
      { key: "site", label: "Site", type: "text", listed: true, defaultValue: "" },
      { key: "address", label: "Address", type: "text", required: true, listed: true, rule: "address", help: "How Directors reach this SD (their Storage Address)." },
      dir("SdStorage", "SdAddress", { label: "Listen address (SDAddress)", help: "The address the SD listens on; empty: every address." }),
      dir("SdStorage", "SdPort", { key: "port", label: "SD port", modelKey: "sdPort", defaultValue: 9103, listed: true }),
      { key: "password", label: "Director password", type: "secret", column: "passwordEnc", required: true, help: "The password Directors use to reach this SD." },
      { key: "version", label: "Bacula version", type: "text", defaultValue: "15.0.3", required: true, listed: true, rule: "version" },
      { key: "hostId", label: "SSH host", type: "ref", ref: "hosts", relation: "host" },
      { key: "configDir", label: "Config directory", type: "text", defaultValue: "/etc/bacula", rule: "path" },
      dir("SdStorage", "WorkingDirectory", { key: "workingDirectory", modelKey: "workingDirectory", defaultValue: "/var/lib/bacula" }),
      dir("SdStorage", "PidDirectory", { key: "pidDirectory", modelKey: "pidDirectory", defaultValue: "/run/bacula" }),
      dir("SdStorage", "MaximumConcurrentJobs", { key: "maxConcurrentJobs", modelKey: "maxConcurrentJobs" }),
      { key: "restartCommand", label: "Restart command", type: "text", defaultValue: "systemctl restart bacula-sd", rule: "command", adminOnly: true, help: "Run after a deploy; split into words, no shell. Admin only." },
      directives(),
    ],
  },
  devices: {
    kind: "devices",
    label: "Device",
    plural: "Devices",
    directorScoped: false,
    resourceKind: "Device",
    group: "Daemons",
    description: "Devices of a Storage Daemon (disk directories, tape drives).",
    searchFields: ["name", "mediaType", "archiveDevice"],
    sortFields: ["name", "mediaType", "deviceType", "updatedAt"],
    fields: [
      name("Device"),
      { key: "storageDaemonId", label: "Storage Daemon", type: "ref", ref: "storage-daemons", relation: "storageDaemon", required: true, listed: true },
      dir("Device", "MediaType", { key: "mediaType", modelKey: "mediaType", listed: true }),
      dir("Device", "ArchiveDevice", { key: "archiveDevice", modelKey: "archiveDevice", listed: true, placeholder: "/srv/bacula/file4" }),
      dir("Device", "DeviceType", { key: "deviceType", modelKey: "deviceType", listed: true, help: "Empty: Bacula tells from the Archive Device (a tape drive is a character device)." }),
      dir("Device", "MaximumConcurrentJobs", { key: "maxConcurrentJobs", modelKey: "maximumConcurrentJobs" }),
      dir("Device", "Autochanger", { key: "autochanger", modelKey: "autochanger" }),
      dir("Device", "LabelMedia", { key: "labelMedia", modelKey: "labelMedia" }),
      dir("Device", "RandomAccess", { key: "randomAccess", modelKey: "randomAccess" }),
      dir("Device", "AutomaticMount", { key: "automaticMount", modelKey: "automaticMount" }),
      dir("Device", "RemovableMedia", { key: "removableMedia", modelKey: "removableMedia" }),
      dir("Device", "AlwaysOpen", { key: "alwaysOpen", modelKey: "alwaysOpen" }),
      directives(),
    ],
  },
  storages: {
    kind: "storages",
    label: "Storage",
    plural: "Storages",
    directorScoped: true,
    resourceKind: "Storage",
    group: "Director resources",
    description: "The Director's Storage resources: which Storage Daemon and device each one reaches.",
    searchFields: ["name", "mediaType"],
    sortFields: ["name", "mediaType", "updatedAt"],
    fields: [
      name("Storage"),
      director(),
      { key: "storageDaemonId", label: "Storage Daemon", type: "ref", ref: "storage-daemons", relation: "storageDaemon", required: true, listed: true },
      { ...dir("Storage", "Device", { key: "deviceName", label: "Device", modelKey: "device", listed: true, help: "A Device or an Autochanger of the chosen Storage Daemon." }), type: "deviceName" },
      dir("Storage", "MediaType", { key: "mediaType", modelKey: "mediaType", listed: true, help: "Must match the device's media type." }),
      dir("Storage", "MaximumConcurrentJobs", { key: "maxConcurrentJobs", modelKey: "maxConcurrentJobs" }),
      { ...dir("Storage", "Autochanger", { key: "autochanger", modelKey: "autochanger" }), type: "tribool" },
      { key: "address", label: "Address override", type: "text", rule: "address", modelKey: "address", help: "Empty: the Storage Daemon's address." },
      { key: "sdPort", label: "SD port override", type: "int", modelKey: "sdPort", help: "Empty: the Storage Daemon's port." },
      { key: "password", label: "Password override", type: "secret", column: "passwordEnc", modelKey: "password", help: "Empty: the Storage Daemon's Director password." },
      directives(),
    ],
  },
  pools: {
    kind: "pools",
    label: "Pool",
    plural: "Pools",
    directorScoped: true,
    resourceKind: "Pool",
    group: "Director resources",
    description: "Pools of volumes, their Next Pool (copy target) and their storage group.",
    searchFields: ["name", "poolType", "labelFormat"],
    sortFields: ["name", "poolType", "updatedAt"],
    fields: [
      name("Pool"),
      director(),
      { ...dir("Pool", "PoolType", { key: "poolType", modelKey: "poolType", listed: true, defaultValue: "Backup" }), type: "enum", enumValues: POOL_TYPES },
      { key: "storageIds", label: "Storage group (in order)", type: "storageList", ref: "storages", sameDirector: true, modelKey: "storage", help: "Several storages make a storage group (Bacula 13.0+)." },
      dir("Pool", "StorageGroupPolicy", { key: "storagePolicy", label: "Storage group policy", modelKey: "storageGroupPolicy", listed: true, help: "Empty means ListedOrder." }),
      dir("Pool", "StorageGroupPolicyThreshold", { key: "storagePolicyThreshold", label: "Policy threshold", modelKey: "storageGroupPolicyThreshold", help: "For FreeSpace policies (15.0+), a size such as 100G." }),
      sameDirRef("nextPoolId", "Next Pool", "pools", "nextPool", "nextPool", false, true),
      dir("Pool", "VolumeRetention", { key: "volumeRetention", modelKey: "volumeRetention", placeholder: "default: 365 days" }),
      dir("Pool", "LabelFormat", { key: "labelFormat", modelKey: "labelFormat", placeholder: "Vol-" }),
      dir("Pool", "MaximumVolumeBytes", { key: "maximumVolumeBytes", modelKey: "maximumVolumeBytes", placeholder: "50G" }),
      dir("Pool", "MaximumVolumes", { key: "maximumVolumes", modelKey: "maximumVolumes" }),
      dir("Pool", "Recycle", { key: "recycle", modelKey: "recycle" }),
      dir("Pool", "AutoPrune", { key: "autoPrune", modelKey: "autoPrune" }),
      directives(),
    ],
  },
  catalogs: {
    kind: "catalogs",
    label: "Catalog",
    plural: "Catalogs",
    directorScoped: true,
    resourceKind: "Catalog",
    group: "Catalog",
    description: "The Director's Catalog resources: the database each Director writes to.",
    searchFields: ["name", "dbName", "dbAddress"],
    sortFields: ["name", "dbName", "updatedAt"],
    fields: [
      name("Catalog"),
      director(),
      dir("Catalog", "DbName", { key: "dbName", modelKey: "dbName", listed: true }),
      dir("Catalog", "DbUser", { key: "dbUser", modelKey: "dbUser", placeholder: "bacula" }),
      dir("Catalog", "DbPassword", { key: "dbPassword", label: "Database password", column: "dbPasswordEnc", modelKey: "dbPassword" }),
      dir("Catalog", "DbAddress", { key: "dbAddress", modelKey: "dbAddress", listed: true, help: "Empty: the database's local socket.", placeholder: "localhost" }),
      dir("Catalog", "DbPort", { key: "dbPort", modelKey: "dbPort", placeholder: "5432" }),
      { key: "clusterId", label: "Replication cluster", type: "ref", ref: "catalog-clusters", relation: "cluster", listed: true },
      directives(),
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
      { key: "name", label: "Name", type: "name", required: true, listed: true },
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
      { key: "name", label: "Name", type: "name", required: true, listed: true },
      { key: "clusterId", label: "Cluster", type: "ref", ref: "catalog-clusters", relation: "cluster", required: true, listed: true },
      { key: "role", label: "Role", type: "enum", enumValues: MEMBER_ROLES, required: true, defaultValue: "standby", listed: true, help: "Creating, deleting or changing a primary member needs an admin (or the promotion flow)." },
      { key: "site", label: "Site", type: "text", listed: true, defaultValue: "", placeholder: "site-a", help: "The site it runs at, as the Directors' site: a site promotion and a switch back pair it with that site's Director." },
      { key: "address", label: "Address", type: "text", required: true, listed: true, rule: "address" },
      { key: "port", label: "Port", type: "int", defaultValue: 5432, listed: true },
      { key: "dbName", label: "Database", type: "text", defaultValue: "bacula" },
      { key: "monitorUser", label: "Monitoring role", type: "text", defaultValue: "bacula_monitor", help: "A member of pg_monitor." },
      { key: "monitorPassword", label: "Monitoring password", type: "secret", column: "monitorPasswordEnc" },
      { key: "adminUser", label: "Admin role", type: "text", defaultValue: "postgres", help: "Used to promote (pg_promote, pg_wal_replay_resume: EXECUTE granted in this database) and to re-attach (CHECKPOINT, pg_rewind source): a superuser or those grants." },
      { key: "adminPassword", label: "Admin password", type: "secret", column: "adminPasswordEnc" },
      { key: "slotName", label: "Replication slot", type: "text" },
      { key: "dataDirectory", label: "Data directory", type: "text", rule: "path", help: "Where fencing writes standby.signal and primary_conninfo." },
      { key: "pgBinDir", label: "PostgreSQL bin directory", type: "text", defaultValue: "/usr/lib/postgresql/15/bin", rule: "path" },
      { key: "hostId", label: "SSH host", type: "ref", ref: "hosts", relation: "host", help: "Used to fence this server: its SSH user must run pg_ctl on the data directory as postgres (sudo -u postgres, or be postgres), with its host key pinned. See README, What promotion needs." },
    ],
  },
  clients: {
    kind: "clients",
    label: "Client",
    plural: "Clients",
    directorScoped: true,
    resourceKind: "Client",
    group: "Director resources",
    description: "File Daemons the Director backs up.",
    searchFields: ["name", "address"],
    sortFields: ["name", "address", "updatedAt"],
    fields: [
      name("Client"),
      director(),
      { ...dir("Client", "Address", { key: "address", modelKey: "address", listed: true }), rule: "address", required: true },
      dir("Client", "FdPort", { key: "port", label: "FD port", modelKey: "fdPort", defaultValue: 9102 }),
      dir("Client", "Password", { key: "password", column: "passwordEnc", modelKey: "password" }),
      sameDirRef("catalogId", "Catalog", "catalogs", "catalog", "catalog", true, true),
      dir("Client", "FileRetention", { key: "fileRetention", modelKey: "fileRetention" }),
      dir("Client", "JobRetention", { key: "jobRetention", modelKey: "jobRetention" }),
      dir("Client", "AutoPrune", { key: "autoPrune", modelKey: "autoPrune" }),
      directives(),
      // The File Daemon's side (its bacula-fd.conf, deployed to this host; lib/config/fd-from-db.ts).
      { key: "hostId", label: "SSH host (File Daemon)", type: "ref", ref: "hosts", relation: "host", help: "Where the dashboard deploys this Client's bacula-fd.conf over SSH; without one its File Daemon is not deployed." },
      dir("FdFileDaemon", "FdAddress", { key: "fdAddress", label: "FD listen address (FDAddress)", help: "The address the File Daemon listens on; empty: every address." }),
      { key: "fdVersion", label: "File Daemon version", type: "text", defaultValue: "15.0.3", rule: "version" },
      { key: "fdConfigDir", label: "FD config directory", type: "text", defaultValue: "/etc/bacula", rule: "path" },
      dir("FdFileDaemon", "WorkingDirectory", { key: "fdWorkingDirectory", label: "FD working directory", defaultValue: "/var/lib/bacula" }),
      dir("FdFileDaemon", "PidDirectory", { key: "fdPidDirectory", label: "FD pid directory", defaultValue: "/run/bacula" }),
    ],
  },
  filesets: {
    kind: "filesets",
    label: "FileSet",
    plural: "FileSets",
    directorScoped: true,
    resourceKind: "FileSet",
    group: "Director resources",
    description: "What to back up.",
    searchFields: ["name"],
    sortFields: ["name", "updatedAt"],
    fields: [
      name("FileSet"),
      director(),
      { key: "includes", label: "Include files", type: "stringList", modelKey: "include", help: "One path per line (one Include block). For several Include blocks, Options, Plugin or wildcards, write Include { … } blocks under Other directives instead." },
      { key: "excludes", label: "Exclude files", type: "stringList", modelKey: "exclude", help: "One path per line." },
      { key: "signature", label: "Signature", type: "enum", modelKey: "signature", enumValues: optionValues("Signature") },
      { key: "compression", label: "Compression", type: "enum", modelKey: "compression", enumValues: optionValues("Compression") },
      directives(),
    ],
  },
  schedules: {
    kind: "schedules",
    label: "Schedule",
    plural: "Schedules",
    directorScoped: true,
    resourceKind: "Schedule",
    group: "Director resources",
    description: "When jobs run.",
    searchFields: ["name"],
    sortFields: ["name", "updatedAt"],
    fields: [
      name("Schedule"),
      director(),
      dir("Schedule", "Run", { key: "runs", label: "Run lines", modelKey: "run", help: 'One per line, e.g. "Full 1st sun at 23:05" or "Level=Incremental mon-sat at 23:05".' }),
      { ...dir("Schedule", "Enabled", { key: "enabled", modelKey: "enabled", listed: true }) },
      directives(),
    ],
  },
  messages: {
    kind: "messages",
    label: "Messages",
    plural: "Messages",
    directorScoped: true,
    resourceKind: "Messages",
    group: "Director resources",
    description: "Where the Director sends job messages.",
    searchFields: ["name"],
    sortFields: ["name", "updatedAt"],
    fields: [
      name("Messages"),
      director(),
      { key: "destinations", label: "Destinations", type: "destinations", modelKey: "destinations", help: "With a MailCommand or other directives (below), the destinations are kept there with them, in order." },
      directives(),
    ],
  },
  jobdefs: {
    kind: "jobdefs",
    label: "JobDefs",
    plural: "JobDefs",
    directorScoped: true,
    resourceKind: "JobDefs",
    group: "Director resources",
    description: "Defaults that Jobs inherit.",
    searchFields: ["name"],
    sortFields: ["name", "updatedAt"],
    fields: [
      name("JobDefs"),
      director(),
      { ...dir("JobDefs", "Type", { key: "type", modelKey: "type", listed: true }), enumValues: JOB_TYPES },
      { ...dir("JobDefs", "Level", { key: "level", modelKey: "level" }), enumValues: JOB_LEVELS },
      sameDirRef("poolId", "Pool", "pools", "pool", "pool", false, true),
      sameDirRef("clientId", "Client", "clients", "client", "client"),
      sameDirRef("fileSetId", "FileSet", "filesets", "fileSet", "fileset"),
      sameDirRef("scheduleId", "Schedule", "schedules", "schedule", "schedule"),
      sameDirRef("messagesId", "Messages", "messages", "messages", "messages"),
      { key: "storageIds", label: "Storage group (in order)", type: "storageList", ref: "storages", sameDirector: true, modelKey: "storage" },
      dir("JobDefs", "StorageGroupPolicy", { key: "storagePolicy", label: "Storage group policy", modelKey: "storageGroupPolicy" }),
      dir("JobDefs", "Priority", { key: "priority", modelKey: "priority" }),
      directives(),
    ],
  },
  jobs: {
    kind: "jobs",
    label: "Job",
    plural: "Jobs",
    directorScoped: true,
    resourceKind: "Job",
    group: "Director resources",
    description: "Backup, Copy, Admin and other jobs.",
    searchFields: ["name", "type"],
    sortFields: ["name", "type", "updatedAt"],
    fields: [
      name("Job"),
      director(),
      { ...dir("Job", "Type", { key: "type", modelKey: "type", listed: true, defaultValue: "Backup" }), enumValues: JOB_TYPES, required: true },
      { ...dir("Job", "Level", { key: "level", modelKey: "level" }), enumValues: JOB_LEVELS, required: false },
      dir("Job", "Enabled", { key: "enabled", modelKey: "enabled" }),
      sameDirRef("jobDefsId", "JobDefs", "jobdefs", "jobDefs", "jobDefs"),
      sameDirRef("poolId", "Pool", "pools", "pool", "pool", false, true),
      sameDirRef("nextPoolId", "Next Pool", "pools", "nextPool", "nextPool"),
      sameDirRef("clientId", "Client", "clients", "client", "client", false, true),
      sameDirRef("fileSetId", "FileSet", "filesets", "fileSet", "fileset"),
      sameDirRef("scheduleId", "Schedule", "schedules", "schedule", "schedule"),
      sameDirRef("messagesId", "Messages", "messages", "messages", "messages"),
      { key: "storageIds", label: "Storage group (in order)", type: "storageList", ref: "storages", sameDirector: true, modelKey: "storage" },
      dir("Job", "StorageGroupPolicy", { key: "storagePolicy", label: "Storage group policy", modelKey: "storageGroupPolicy" }),
      dir("Job", "StorageGroupPolicyThreshold", { key: "storagePolicyThreshold", label: "Policy threshold", modelKey: "storageGroupPolicyThreshold" }),
      { ...dir("Job", "SelectionType", { key: "selectionType", modelKey: "selectionType", help: "Copy and Migrate jobs: which jobs to copy." }), enumValues: SELECTION_TYPES },
      dir("Job", "SelectionPattern", { key: "selectionPattern", modelKey: "selectionPattern", help: "POSIX extended regex (Client, Volume, Job) or SQL (SqlQuery)." }),
      { key: "runLines", label: "Run lines (clones)", type: "stringList", modelKey: "run", help: 'e.g. CloneJob level=%l since="%s"' },
      { key: "runScripts", label: "RunScripts", type: "runScripts", modelKey: "runScripts", help: "Simple RunScripts; RunScripts with several commands or Console lines are kept under Other directives." },
      dir("Job", "Priority", { key: "priority", modelKey: "priority" }),
      dir("Job", "MaximumConcurrentJobs", { key: "maxConcurrentJobs", modelKey: "maxConcurrentJobs" }),
      directives(),
    ],
  },
  resources: {
    kind: "resources",
    label: "Other resource",
    plural: "Other resources",
    directorScoped: false,
    group: "Director resources",
    description: "Resources without a page of their own (Console, Counter, Statistics, Tenant on a Director; Autochanger, Cloud, Statistics, Director and Messages on a Storage Daemon), edited as directives.",
    searchFields: ["name", "type"],
    sortFields: ["name", "type", "updatedAt"],
    fields: [
      { key: "type", label: "Resource type", type: "enum", required: true, listed: true, enumValues: [] },
      { key: "directorId", label: "Director", type: "ref", ref: "directors", relation: "director", listed: true, help: "A Director's resource (Console, Counter, Statistics, Tenant)." },
      { key: "storageDaemonId", label: "Storage Daemon", type: "ref", ref: "storage-daemons", relation: "storageDaemon", listed: true, help: "Or a Storage Daemon's (Autochanger, Cloud, Statistics, Director, Messages)." },
      { key: "name", label: "Name", type: "name", readOnly: true, listed: true, help: "From the Name directive below." },
      { key: "items", label: "Directives", type: "items", required: true, help: "The whole resource body in Bacula's syntax, Name included." },
    ],
  },
};

function optionValues(name: string): readonly string[] {
  const inc = findDirective(resourceDefOf("FileSet"), "Include");
  const opts = inc?.block ? findDirective(inc.block, "Options") : undefined;
  const d = opts?.block ? findDirective(opts.block, name) : undefined;
  return d?.values ?? [];
}

/** Resource types a ConfigResource may have, per daemon (those without a typed page). */
export const OTHER_RESOURCE_TYPES = {
  dir: ["Console", "Counter", "Statistics", "Tenant"],
  sd: ["Autochanger", "Cloud", "Statistics", "Director", "Messages"],
} as const;
KINDS.resources.fields[0].enumValues = [...new Set([...OTHER_RESOURCE_TYPES.dir, ...OTHER_RESOURCE_TYPES.sd])];

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
  "resources",
];

export function isKind(value: string): value is KindKey {
  return Object.prototype.hasOwnProperty.call(KINDS, value);
}

/** The field of a kind behind a typed model key or a directive (for mapping validator problems). */
export function fieldForModelKey(kind: KindKey, modelKey: string): FieldDef | undefined {
  const fields = KINDS[kind].fields;
  return fields.find((f) => (f.modelKey ?? f.key) === modelKey) ?? fields.find((f) => f.directive && f.directive.def.name === modelKey);
}

/** The label of a field key, for error messages ("Storage group policy", not "storagePolicy"). */
export function labelOfField(kind: KindKey, key: string): string {
  const top = key.split(".")[0].replace(/\[\d+\]$/, "");
  return KINDS[kind].fields.find((f) => f.key === top)?.label ?? labelOf(top);
}

/** Message destination kinds (the Messages table's destination keywords, lower-cased) and whether each takes an address. */
export const MESSAGE_KINDS: readonly string[] = resourceDefOf("Messages")
  .directives.filter((d) => d.store === "msgs")
  .map((d) => d.name.toLowerCase());

export { RUNS_WHEN } from "@/lib/bacula/model";
