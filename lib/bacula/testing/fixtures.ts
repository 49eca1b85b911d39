/**
 * Demo-like topologies for tests: a primary Director with a storage group
 * File4/File5/File6 (LeastUsed) on one SD, a copy pool on a second SD, a nightly
 * backup job with a clone, a copy job and a catalog.
 */
import { adminReplicationJob } from "../admin-replication";
import { FILE_DEVICE, type DirectorConfig, type StorageDaemonConfig } from "../model";

export interface FixtureDirs {
  /** Existing working directory (Bacula refuses a missing one). */
  work: string;
  run: string;
}

export function demoDirector(dirs: FixtureDirs, version = "15.0.3"): DirectorConfig {
  return {
    director: {
      name: "primary-dir",
      description: "Primary Director",
      address: "127.0.0.1",
      port: 9101,
      password: "console-secret",
      version,
      queryFile: "/usr/share/bacula-director/query.sql",
      workingDirectory: dirs.work,
      pidDirectory: dirs.run,
      maxConcurrentJobs: 20,
      messages: "Daemon",
    },
    catalogs: [
      { name: "MyCatalog", dbName: "bacula", dbUser: "bacula", dbPassword: "db-secret", dbAddress: "127.0.0.1", dbPort: 5432 },
    ],
    storages: [
      { name: "File4", address: "sd1.example.net", sdPort: 9103, password: "sd1-secret", device: "Dev4", mediaType: "File4", maxConcurrentJobs: 10 },
      { name: "File5", address: "sd1.example.net", sdPort: 9103, password: "sd1-secret", device: "Dev5", mediaType: "File5", maxConcurrentJobs: 10 },
      { name: "File6", address: "sd1.example.net", sdPort: 9103, password: "sd1-secret", device: "Dev6", mediaType: "File6", maxConcurrentJobs: 10 },
      { name: "CopyFile", address: "sd2.example.net", sdPort: 9203, password: "sd2-secret", device: "CopyChanger", mediaType: "CopyFile", maxConcurrentJobs: 5, autochanger: true },
    ],
    pools: [
      {
        name: "Full",
        poolType: "Backup",
        volumeRetention: "365 days",
        labelFormat: "Full-",
        maximumVolumeBytes: "50G",
        maximumVolumes: 100,
        recycle: true,
        autoPrune: true,
        nextPool: "Copy",
        storage: ["File4", "File5", "File6"],
        storageGroupPolicy: "LeastUsed",
      },
      {
        name: "Copy",
        poolType: "Backup",
        volumeRetention: "6 months",
        labelFormat: "Copy-",
        maximumVolumeBytes: "10 GB",
        recycle: true,
        autoPrune: true,
        storage: ["CopyFile"],
      },
    ],
    clients: [
      {
        name: "client1-fd",
        address: "client1.example.net",
        fdPort: 9102,
        password: "fd-secret",
        catalog: "MyCatalog",
        fileRetention: "60 days",
        jobRetention: "6 months",
        autoPrune: true,
      },
    ],
    filesets: [
      { name: "Full Set", include: ["/etc", "/home"], exclude: ["/proc", "/tmp"], signature: "Sha256", compression: "Gzip6" },
    ],
    schedules: [
      { name: "Nightly", run: ["Full 1st sun at 23:05", "Differential 2nd-5th sun at 23:05", "Incremental mon-sat at 23:05"] },
      { name: "AfterNightly", run: ["Full sun-sat at 23:55"] },
    ],
    messages: [
      {
        name: "Standard",
        mailCommand: '/usr/sbin/bsmtp -h localhost -f "(Bacula) <%r>" -s "Bacula: %t %e of %c %l" %r',
        destinations: [
          { kind: "mail", where: "root@localhost", types: ["all", "!skipped"] },
          { kind: "console", types: ["all", "!skipped", "!saved"] },
          { kind: "append", where: "/var/log/bacula/bacula.log", types: ["all", "!skipped"] },
          { kind: "catalog", types: ["all"] },
        ],
      },
      {
        name: "Daemon",
        destinations: [
          { kind: "console", types: ["all", "!skipped", "!saved"] },
          { kind: "append", where: "/var/log/bacula/bacula.log", types: ["all", "!skipped"] },
        ],
      },
    ],
    jobDefs: [
      {
        name: "DefaultJob",
        type: "Backup",
        level: "Incremental",
        client: "client1-fd",
        fileset: "Full Set",
        messages: "Standard",
        pool: "Full",
        priority: 10,
      },
    ],
    jobs: [
      {
        name: "Nightly-client1",
        jobDefs: "DefaultJob",
        schedule: "Nightly",
        run: ['CloneJob level=%l since="%s"'],
      },
      {
        name: "CloneJob",
        jobDefs: "DefaultJob",
        pool: "Copy",
        enabled: true,
      },
      {
        name: "Copy-to-SD2",
        type: "Copy",
        level: "Full",
        client: "client1-fd",
        fileset: "Full Set",
        messages: "Standard",
        pool: "Full",
        schedule: "AfterNightly",
        selectionType: "PoolUncopiedJobs",
        priority: 12,
        maxConcurrentJobs: 2,
      },
      adminReplicationJob({
        jobName: "Replicate-Config",
        scriptPath: "/etc/bacula/scripts/replicate-config.sh",
        configDir: "/etc/bacula",
        standbyHost: "standby.example.net",
        standbyUser: "bacula",
        remoteDir: "/var/lib/bacula/primary-config",
        sshKeyPath: "/etc/bacula/ssh/replicate_ed25519",
        knownHostsPath: "/etc/bacula/ssh/known_hosts",
        client: "client1-fd",
        fileset: "Full Set",
        pool: "Full",
        messages: "Standard",
        schedule: "AfterNightly",
      }),
    ],
  };
}

export function demoSd1(dirs: FixtureDirs): StorageDaemonConfig {
  return {
    storage: {
      name: "sd1",
      address: "0.0.0.0",
      sdPort: 9103,
      workingDirectory: dirs.work,
      pidDirectory: dirs.run,
      maxConcurrentJobs: 20,
    },
    directors: [{ name: "primary-dir", password: "sd1-secret" }],
    devices: ["Dev4", "Dev5", "Dev6"].map((name, i) => ({
      name,
      mediaType: `File${i + 4}`,
      archiveDevice: `/srv/bacula/file${i + 4}`,
      ...FILE_DEVICE,
      maximumConcurrentJobs: 5,
    })),
    autochangers: [],
    messages: [{ name: "Standard", destinations: [{ kind: "director", where: "primary-dir", types: ["all"] }] }],
  };
}

export function demoSd2(dirs: FixtureDirs): StorageDaemonConfig {
  return {
    storage: { name: "sd2", sdPort: 9203, workingDirectory: dirs.work, pidDirectory: dirs.run },
    directors: [
      { name: "primary-dir", password: "sd2-secret" },
      { name: "standby-dir", password: "sd2-standby-secret" },
    ],
    devices: ["CopyDev1", "CopyDev2"].map((name) => ({
      name,
      mediaType: "CopyFile",
      archiveDevice: "/srv/bacula/copy",
      ...FILE_DEVICE,
      maximumConcurrentJobs: 5,
    })),
    autochangers: [{ name: "CopyChanger", devices: ["CopyDev1", "CopyDev2"], changerDevice: "/dev/null", changerCommand: "" }],
    messages: [{ name: "Standard", destinations: [{ kind: "director", where: "primary-dir", types: ["all"] }] }],
  };
}
