/**
 * bacula-fd.conf: the File Daemon's resources (filed/filed_conf.c, filed/runres_conf.c,
 * lib/parse_conf.c), Release-13.0.3 and Branch-15.0, checked against Debian's 15.0.3 bfdjson.
 *
 * Not listed: `#if BEEF` rows (FipsRequire, DedupIndexDirectory, EnableClientRehydration). The
 * `#ifdef DATA_ENCRYPTION` rows (Pki*) are in Debian's build.
 */
import { d, DESCRIPTION, NAME, SCHEDULE_TIME_KEYWORDS, type ScheduleOverride, STATISTICS_RESOURCE, tls, TLS_BASE, TLS_FULL } from "./common";
import { MESSAGES_RESOURCE } from "./messages";
import type { DaemonTable, ResourceDef } from "./types";

const V15 = "15.0";

/**
 * Keywords a Schedule `Connect =` line may set before its time part (ConnectFields of
 * filed/runres_conf.c): `MaxConnectTime="<time>"`.
 */
export const SCHEDULE_CONNECT_OVERRIDE_DEFS: readonly ScheduleOverride[] = [{ name: "MaxConnectTime", value: "duration" }];
export const SCHEDULE_CONNECT_OVERRIDES: readonly string[] = SCHEDULE_CONNECT_OVERRIDE_DEFS.map((o) => o.name);
export { SCHEDULE_TIME_KEYWORDS };

const FILEDAEMON: ResourceDef = {
  name: "FileDaemon",
  aliases: ["Client"],
  single: true,
  required: true,
  directives: [
    NAME,
    DESCRIPTION,
    d("FdPort", "addresses_port", { default: 9102 }),
    d("FdAddress", "addresses_address"),
    // The JSON view shows only the block's first address, as FdAddress and FdPort.
    d("FdAddresses", "addresses", { jsonKey: "FdAddress", excludes: ["FdAddress", "FdPort"] }),
    d("FdSourceAddress", "addresses_address"),
    d("WorkingDirectory", "dir", { required: true }),
    d("PidDirectory", "dir", { required: true }),
    d("SubsysDirectory", "dir"),
    d("PluginDirectory", "dir"),
    d("PluginOptions", "alist_str", { repeatable: true, since: V15 }),
    d("SnapshotCommand", "str"),
    d("ScriptsDirectory", "dir"),
    d("MaximumConcurrentJobs", "pint32", { default: 20 }),
    d("Messages", "res", { ref: "Messages" }),
    d("SdConnectTimeout", "time", { default: 30 * 60 }),
    d("HeartbeatInterval", "time", { default: 5 * 60 }),
    d("MaximumNetworkBufferSize", "pint32"),
    // Signing or encrypting needs PkiKeyPair (checked when the daemon starts).
    d("PkiSignatures", "bool", { default: false }),
    d("PkiEncryption", "bool", { default: false }),
    d("PkiKeyPair", "dir"),
    d("PkiSigner", "alist_str", { repeatable: true }),
    d("PkiMasterKey", "alist_str", { repeatable: true }),
    d("PkiCipher", "cipher_type", { values: ["aes128", "aes192", "aes256", "blowfish"] }),
    d("PkiDigest", "digest_type", {
      values: ["md5", "sha1", "sha256", "xxhash64", "xxh3_128"],
      valueSince: { xxhash64: V15, xxh3_128: V15 },
    }),
    ...tls(...TLS_BASE),
    d("VerId", "str"),
    d("MaximumBandwidthPerJob", "speed"),
    d("CommCompression", "bool", { default: true }),
    d("DisableCommand", "alist_str", { repeatable: true }),
    d("MaximumJobErrorCount", "pint32", { default: 1000 }),
    d("SdPacketCheck", "pint32", { default: 0 }),
  ],
};

const DIRECTOR: ResourceDef = {
  name: "Director",
  required: true,
  directives: [
    NAME,
    DESCRIPTION,
    d("Password", "password", { required: true }),
    d("Address", "str"),
    d("DirPort", "pint32", { default: 9101 }),
    d("Monitor", "bool", { default: false }),
    d("Remote", "bool", { default: false }),
    ...tls(...TLS_FULL),
    d("MaximumBandwidthPerJob", "speed"),
    d("DisableCommand", "alist_str", { repeatable: true }),
    d("Console", "res", { ref: "Console" }),
    d("ConnectToDirector", "bool"),
    d("Schedule", "res", { ref: "Schedule" }),
    d("ReconnectionTime", "time", { default: 45 * 60 }),
    d("AllowedBackupDirectories", "alist_str", { repeatable: true, since: V15 }),
    d("ExcludedBackupDirectories", "alist_str", { repeatable: true, since: V15 }),
    d("AllowedScriptDirectories", "alist_str", { repeatable: true, since: V15 }),
    d("AllowedRestoreDirectories", "alist_str", { repeatable: true, since: V15 }),
    d("BackupJobUser", "str", { since: V15 }),
    d("RestoreJobUser", "str", { since: V15 }),
  ],
};

const CONSOLE: ResourceDef = {
  name: "Console",
  directives: [
    NAME,
    DESCRIPTION,
    d("Password", "password", { required: true }),
    d("Address", "str"),
    d("DirPort", "pint32", { default: 9101 }),
    ...tls(...TLS_FULL.filter((n) => n !== "TlsAllowedCn")),
    // Parsed, then dropped (save_resource keeps no list for an FD Console). bfdjson 15.0.3 then
    // prints nothing for it and leaves a trailing comma: invalid JSON (measured).
    d("TlsAllowedCn", "alist_str", { repeatable: true, deprecated: true, jsonKey: null }),
  ],
};

const SCHEDULE: ResourceDef = {
  name: "Schedule",
  directives: [
    NAME,
    DESCRIPTION,
    d("Enabled", "bool", { default: true }),
    d("Connect", "runres", { repeatable: true }),
  ],
};

export const FD_TABLE: DaemonTable = {
  daemon: "fd",
  file: "bacula-fd.conf",
  resources: [FILEDAEMON, DIRECTOR, { ...MESSAGES_RESOURCE, required: true }, CONSOLE, SCHEDULE, STATISTICS_RESOURCE],
};
