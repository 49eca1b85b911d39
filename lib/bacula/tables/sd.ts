/**
 * bacula-sd.conf: the Storage Daemon's resources (stored/stored_conf.c, lib/parse_conf.c),
 * Release-13.0.3 and Branch-15.0, checked against Debian's 15.0.3 bsdjson.
 *
 * Not listed: `#if BEEF` rows (Storage SsdDirectory, FipsRequire; the enterprise cloud drivers)
 * and the `#ifdef SD_DEDUP_SUPPORT` rows (Storage DedupDirectory, DedupIndexDirectory,
 * DedupCheckHash, DedupScrubMaximumBandwidth, MaximumContainerSize; Device Dedupengine; the
 * Dedupengine resource; Device Type Dedup): Debian's 15.0.3 refuses them.
 */
import { d, DESCRIPTION, LABEL_TYPES, NAME, STATISTICS_RESOURCE, tls, TLS_FULL } from "./common";
import { MESSAGES_RESOURCE } from "./messages";
import type { DaemonTable, DirectiveDef, ResourceDef } from "./types";

const V15 = "15.0";
const DAY = 24 * 3600;

/** dev_types */
export const DEVICE_TYPES = ["File", "Tape", "Fifo", "VTape", "Vtl", "Aligned", "Null", "Cloud"] as const;

/** A capability bit of a Device (store_bit into cap_bits). */
const bit = (name: string, on: boolean): DirectiveDef => d(name, "bit", { default: on });

const STORAGE: ResourceDef = {
  name: "Storage",
  single: true,
  required: true,
  directives: [
    NAME,
    DESCRIPTION,
    d("SdAddress", "addresses_address"),
    // The JSON view shows only the block's first address, as SdAddress and SdPort.
    d("SdAddresses", "addresses", { jsonKey: "SdAddress", excludes: ["SdAddress", "SdPort"] }),
    d("Messages", "res", { ref: "Messages" }),
    d("SdPort", "addresses_port", { default: 9103 }),
    d("WorkingDirectory", "dir", { required: true }),
    d("PidDirectory", "dir", { required: true }),
    d("SubsysDirectory", "dir"),
    d("PluginDirectory", "dir"),
    d("ScriptsDirectory", "dir"),
    d("MaximumConcurrentJobs", "pint32", { default: 20 }),
    d("ClientConnectTimeout", "time", { default: 30 * 60 }),
    d("HeartbeatInterval", "time", { default: 5 * 60 }),
    ...tls(...TLS_FULL),
    d("ClientConnectWait", "time", { default: 30 * 60 }),
    d("VerId", "str"),
    d("CommCompression", "bool", { default: true }),
    d("EncryptionCommand", "strname", { since: V15 }),
  ],
};

const DIRECTOR: ResourceDef = {
  name: "Director",
  required: true,
  directives: [
    NAME,
    DESCRIPTION,
    d("Password", "password", { required: true }),
    d("Monitor", "bool"),
    ...tls(...TLS_FULL),
  ],
};

const DEVICE: ResourceDef = {
  name: "Device",
  required: true,
  directives: [
    NAME,
    DESCRIPTION,
    d("MediaType", "strname", { required: true }),
    d("DeviceType", "devtype", { values: DEVICE_TYPES }),
    d("ArchiveDevice", "strname", { required: true }),
    d("AlignedDevice", "strname"),
    bit("HardwareEndOfFile", true),
    bit("HardwareEndOfMedium", true),
    bit("BackwardSpaceRecord", true),
    bit("BackwardSpaceFile", true),
    bit("BsfAtEom", false),
    bit("TwoEof", false),
    bit("ForwardSpaceRecord", true),
    bit("ForwardSpaceFile", true),
    bit("FastForwardSpaceFile", true),
    bit("RemovableMedia", true),
    d("RandomAccess", "bit"),
    bit("AutomaticMount", false),
    bit("LabelMedia", false),
    bit("AlwaysOpen", true),
    bit("Autochanger", false),
    bit("CloseOnPoll", false),
    bit("BlockPositioning", true),
    bit("UseMtiocGet", true),
    bit("CheckLabels", false),
    bit("RequiresMount", false),
    bit("OfflineOnUnmount", false),
    bit("BlockChecksum", true),
    bit("UseLintape", false),
    d("Enabled", "bool", { default: true }),
    d("AutoSelect", "bool", { default: true }),
    d("ReadOnly", "bool", { default: false }),
    d("SetVolumeAppendOnly", "bool", { default: false, since: V15 }),
    d("SetVolumeImmutable", "bool", { default: false, since: V15 }),
    d("SetVolumeReadOnly", "bool", { default: false, since: V15 }),
    d("MinimumVolumeProtectionTime", "time", { default: 30 * DAY, since: V15 }),
    d("ChangerDevice", "strname"),
    d("ControlDevice", "strname"),
    d("ChangerCommand", "strname"),
    d("AlertCommand", "strname"),
    d("LockCommand", "strname"),
    d("WormCommand", "strname"),
    d("MaximumChangerWait", "time", { default: 5 * 60 }),
    d("MaximumOpenWait", "time", { default: 5 * 60 }),
    d("MaximumNetworkBufferSize", "pint32"),
    d("VolumePollInterval", "time", { default: 5 * 60 }),
    d("MaximumRewindWait", "time", { default: 5 * 60 }),
    d("MinimumBlockSize", "size32"),
    d("MaximumBlockSize", "maxblocksize", { help: "At most 20,000,000 bytes." }),
    d("PaddingSize", "size32", { default: 4096 }),
    d("FileAlignment", "size32", { default: 4096 }),
    d("MinimumAlignedSize", "size32", { default: 4096 }),
    d("MaximumVolumeSize", "size64"),
    d("MaximumFileSize", "size64", { default: 1000000000 }),
    d("MaximumFileIndex", "size64", { default: 100000000 }),
    d("VolumeCapacity", "size64"),
    // Spelled so in the source (sic): "Fee", not "Free".
    d("MinimumFeeSpace", "size64", { default: 5000000 }),
    d("MaximumConcurrentJobs", "pint32"),
    d("SpoolDirectory", "dir"),
    d("MaximumSpoolSize", "size64"),
    d("MaximumJobSpoolSize", "size64"),
    d("DriveIndex", "pint32"),
    d("MaximumPartSize", "size64", { default: 0 }),
    d("MaximumVolumeParts", "pint32", { default: 0, since: V15 }),
    d("MountPoint", "strname"),
    d("MountCommand", "strname"),
    d("UnmountCommand", "strname"),
    d("WritePartCommand", "strname"),
    d("FreeSpaceCommand", "strname"),
    d("LabelType", "label", { values: LABEL_TYPES }),
    d("Cloud", "res", { ref: "Cloud" }),
    bit("SyncOnClose", false),
    d("VolumeEncryption", "enctype", { values: ["No", "Yes", "Strong"], default: "No", since: V15 }),
  ],
};

const AUTOCHANGER: ResourceDef = {
  name: "Autochanger",
  directives: [
    NAME,
    DESCRIPTION,
    d("Device", "alist_res", { ref: "Device", required: true, repeatable: true }),
    d("ChangerDevice", "strname", { required: true }),
    d("ChangerCommand", "strname", { required: true }),
    d("LockCommand", "strname"),
  ],
};

const CLOUD: ResourceDef = {
  name: "Cloud",
  directives: [
    NAME,
    DESCRIPTION,
    // Branch-15.0 lists Amazon among the enterprise (#if BEEF) drivers with Azure, Google, Oracle,
    // Generic and Swift; Debian's 15.0.3 accepts Amazon (measured) and refuses the others: the
    // binary wins for 15.0. 13.0.3 has S3 and File only.
    d("Driver", "cloud_driver", { required: true, values: ["S3", "File", "Amazon"], valueSince: { Amazon: V15 } }),
    // Not ITEM_REQUIRED (the source puts the flag in the default column); the SD needs it to start.
    d("HostName", "strname"),
    d("BucketName", "strname", { required: true }),
    d("Region", "strname"),
    d("AccessKey", "strname"),
    d("SecretKey", "strname", { secret: true }),
    d("Protocol", "protocol", { values: ["HTTPS", "HTTP"], default: "HTTPS" }),
    d("BlobEndpoint", "strname"),
    d("FileEndpoint", "strname"),
    d("QueueEndpoint", "strname"),
    d("TableEndpoint", "strname"),
    d("EndpointSuffix", "strname"),
    d("UriStyle", "uri_style", { values: ["VirtualHost", "Path"], default: "VirtualHost" }),
    // ConfDefault is meant as a command parameter, but the parser accepts it here too.
    d("TruncateCache", "truncate", { values: ["No", "AfterUpload", "AtEndOfJob", "ConfDefault"], default: "No" }),
    // Manual is the same as No.
    d("Upload", "upload", { values: ["No", "Manual", "EachPart", "AtEndOfJob"], default: "No" }),
    d("MaximumConcurrentUploads", "pint32", { default: 3 }),
    d("MaximumConcurrentDownloads", "pint32", { default: 3 }),
    d("MaximumUploadBandwidth", "speed"),
    d("MaximumDownloadBandwidth", "speed"),
    d("DriverCommand", "strname"),
    d("TransferPriority", "transfer_priority", { values: ["High", "Medium", "Low"], default: "High" }),
    d("TransferRetention", "time", { default: 5 * DAY }),
    d("StorageClass", "objects_default_tier", {
      since: V15,
      default: "S3Standard",
      values: [
        "S3Standard",
        "S3StandardIA",
        "S3IntelligentTiering",
        "S3OneZoneIA",
        "S3GlacierInstantRetrieval",
        "S3GlacierFlexibleRetrieval",
        "S3GlacierDeepArchive",
        "S3Rrs",
      ],
    }),
  ],
};

export const SD_TABLE: DaemonTable = {
  daemon: "sd",
  file: "bacula-sd.conf",
  resources: [
    STORAGE,
    DIRECTOR,
    { ...MESSAGES_RESOURCE, required: true },
    DEVICE,
    AUTOCHANGER,
    CLOUD,
    STATISTICS_RESOURCE,
  ],
};
