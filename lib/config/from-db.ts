import type { PrismaClient } from "@prisma/client";
import type {
  DirectorConfig,
  JobLike,
  MessageDestination,
  MessageDestinationKind,
  RunScript,
  StorageDaemonConfig,
} from "@/lib/bacula/model";
import { decryptSecret } from "@/lib/secrets";
import type { Tx } from "@/lib/db/client";

type Db = PrismaClient | Tx;

/** The model revision that rendered configs cite in their header. */
export async function modelRevision(db: Db): Promise<number> {
  const row = await db.setting.findUnique({ where: { key: "modelRevision" } });
  return row ? Number(row.value) : 0;
}

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
const secret = (v: string | null | undefined): string | undefined => (v ? decryptSecret(v) : undefined);

function destinations(raw: unknown): MessageDestination[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((d: { kind: string; where?: string | null; types: string }) => ({
    kind: d.kind as MessageDestinationKind,
    where: d.where ? d.where : undefined,
    types: String(d.types)
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean),
  }));
}

function runScripts(raw: unknown): RunScript[] {
  if (!Array.isArray(raw)) return [];
  return raw as RunScript[];
}

function strings(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.map(String) : [];
}

/**
 * The Bacula model of one Director, from the dashboard's database. A standby Director receives its
 * primary's configuration unchanged (that is what lets it take over), so it loads the primary's.
 */
export async function loadDirectorConfig(db: Db, directorId: number, opts: { asPrimary?: boolean } = {}): Promise<DirectorConfig> {
  let director = await db.director.findUniqueOrThrow({ where: { id: directorId } });
  let owner = director;
  if (director.role === "standby" && director.primaryId) {
    owner = await db.director.findUniqueOrThrow({ where: { id: director.primaryId } });
    // asPrimary: what this standby runs once it has taken over (Director switchover): its own
    // Director resource (name, port, password, directories) with its primary's resources.
    if (!opts.asPrimary) director = owner;
  }
  const where = { directorId: owner.id };
  const byName = { orderBy: { name: "asc" as const } };
  const [catalogs, storages, pools, clients, filesets, schedules, messages, jobDefs, jobs] = await Promise.all([
    db.catalog.findMany({ where, ...byName }),
    db.storage.findMany({ where, ...byName, include: { storageDaemon: true, device: true } }),
    db.pool.findMany({ where, ...byName, include: { nextPool: true, storages: { orderBy: { position: "asc" }, include: { storage: true } } } }),
    db.client.findMany({ where, ...byName, include: { catalog: true } }),
    db.fileSet.findMany({ where, ...byName }),
    db.schedule.findMany({ where, ...byName }),
    db.messages.findMany({ where, ...byName }),
    db.jobDefs.findMany({
      where,
      ...byName,
      include: { pool: true, client: true, fileSet: true, schedule: true, messages: true, storages: { orderBy: { position: "asc" }, include: { storage: true } } },
    }),
    db.job.findMany({
      where,
      ...byName,
      include: {
        jobDefs: true, pool: true, nextPool: true, client: true, fileSet: true, schedule: true, messages: true,
        storages: { orderBy: { position: "asc" }, include: { storage: true } },
      },
    }),
  ]);
  const daemonMessages = messages.find((m) => m.name === "Daemon") ?? messages[0];
  const jobLike = (j: (typeof jobs)[number] | (typeof jobDefs)[number], isJob: boolean): JobLike => {
    const job = j as (typeof jobs)[number];
    return {
      name: j.name,
      type: opt(j.type) as JobLike["type"],
      level: opt(j.level) as JobLike["level"],
      jobDefs: isJob ? job.jobDefs?.name : undefined,
      pool: j.pool?.name,
      nextPool: isJob ? job.nextPool?.name : undefined,
      client: j.client?.name,
      fileset: j.fileSet?.name,
      schedule: j.schedule?.name,
      messages: j.messages?.name,
      storage: j.storages.map((m) => m.storage.name),
      storageGroupPolicy: opt(j.storagePolicy),
      storageGroupPolicyThreshold: isJob ? opt(job.storagePolicyThreshold) : undefined,
      selectionType: isJob ? (opt(job.selectionType) as JobLike["selectionType"]) : undefined,
      selectionPattern: isJob ? opt(job.selectionPattern) : undefined,
      run: isJob ? strings(job.runLines) : undefined,
      runScripts: isJob ? runScripts(job.runScripts) : undefined,
      priority: opt(j.priority),
      maxConcurrentJobs: isJob ? opt(job.maxConcurrentJobs) : undefined,
      enabled: isJob ? (job.enabled ? undefined : false) : undefined,
    };
  };
  return {
    director: {
      name: director.name,
      // No DirAddress: Bacula resolves it at start-up and the Director listens on every address
      // without it; `address` in the model is how the dashboard and the daemons reach it.
      port: director.port,
      password: secret(director.passwordEnc),
      version: director.version,
      queryFile: director.queryFile,
      workingDirectory: director.workingDirectory,
      pidDirectory: director.pidDirectory,
      maxConcurrentJobs: director.maxConcurrentJobs,
      messages: daemonMessages?.name,
    },
    catalogs: catalogs.map((c) => ({
      name: c.name,
      dbName: c.dbName,
      dbUser: c.dbUser,
      dbPassword: secret(c.dbPasswordEnc),
      dbAddress: c.dbAddress,
      dbPort: c.dbPort,
    })),
    storages: storages.map((s) => ({
      name: s.name,
      address: s.storageDaemon.address,
      sdPort: s.storageDaemon.port,
      password: secret(s.storageDaemon.passwordEnc),
      device: s.device.name,
      mediaType: s.mediaType,
      maxConcurrentJobs: s.maxConcurrentJobs,
      autochanger: s.autochanger || undefined,
    })),
    pools: pools.map((p) => ({
      name: p.name,
      poolType: p.poolType as DirectorConfig["pools"][number]["poolType"],
      volumeRetention: opt(p.volumeRetention),
      labelFormat: opt(p.labelFormat),
      maximumVolumeBytes: opt(p.maximumVolumeBytes),
      maximumVolumes: opt(p.maximumVolumes),
      recycle: p.recycle,
      autoPrune: p.autoPrune,
      nextPool: p.nextPool?.name,
      storage: p.storages.map((m) => m.storage.name),
      storageGroupPolicy: opt(p.storagePolicy),
      storageGroupPolicyThreshold: opt(p.storagePolicyThreshold),
    })),
    clients: clients.map((c) => ({
      name: c.name,
      address: c.address,
      fdPort: c.port,
      password: secret(c.passwordEnc),
      catalog: c.catalog.name,
      fileRetention: opt(c.fileRetention),
      jobRetention: opt(c.jobRetention),
      autoPrune: c.autoPrune,
    })),
    filesets: filesets.map((f) => ({
      name: f.name,
      include: strings(f.includes),
      exclude: strings(f.excludes),
      signature: opt(f.signature) as DirectorConfig["filesets"][number]["signature"],
      compression: opt(f.compression) as DirectorConfig["filesets"][number]["compression"],
    })),
    schedules: schedules.map((s) => ({ name: s.name, run: strings(s.runs) })),
    messages: messages.map((m) => ({ name: m.name, destinations: destinations(m.destinations) })),
    jobDefs: jobDefs.map((j) => jobLike(j, false)),
    jobs: jobs.map((j) => jobLike(j, true)),
  };
}

/**
 * The Bacula model of one Storage Daemon: its devices, and a Director resource for every Director
 * that has a Storage on it and for each of their standbys (with the SD's password, which those
 * Storage resources carry).
 */
export async function loadStorageDaemonConfig(db: Db, sdId: number): Promise<StorageDaemonConfig> {
  const sd = await db.storageDaemon.findUniqueOrThrow({
    where: { id: sdId },
    include: { devices: { orderBy: { name: "asc" } }, storages: { include: { director: { include: { standbys: { select: { name: true } } } } } } },
  });
  // The standbys of those Directors too: after a Director switchover the standby, with its own
  // name, uses the same Storages (and the old primary becomes its standby): the SD accepts both.
  const directorNames = [...new Set(sd.storages.flatMap((s) => [s.director.name, ...s.director.standbys.map((b) => b.name)]))].sort();
  const password = secret(sd.passwordEnc);
  return {
    storage: {
      name: sd.name,
      sdPort: sd.port,
      workingDirectory: sd.workingDirectory,
      pidDirectory: sd.pidDirectory,
      maxConcurrentJobs: sd.maxConcurrentJobs,
    },
    directors: directorNames.map((name) => ({ name, password })),
    devices: sd.devices.map((d) => ({
      name: d.name,
      mediaType: d.mediaType,
      archiveDevice: d.archiveDevice,
      deviceType: d.deviceType as StorageDaemonConfig["devices"][number]["deviceType"],
      labelMedia: d.labelMedia,
      randomAccess: d.randomAccess,
      automaticMount: d.automaticMount,
      removableMedia: d.removableMedia,
      alwaysOpen: d.alwaysOpen,
      maximumConcurrentJobs: d.maxConcurrentJobs,
    })),
    autochangers: [],
    messages: directorNames.length
      ? [{ name: "Standard", destinations: [{ kind: "director", where: directorNames[0], types: ["all"] }] }]
      : [],
  };
}
