import type { Catalog, Client, ConfigResource, Device, Director, FileSet, Job, JobDefs, Messages, Pool, PrismaClient, Schedule, Storage, StorageDaemon, StorageGroupMember } from "@prisma/client";
import type { DirectorConfig, Item, JobLike, MessageDestination, ResourceNode, RunScript, StorageDaemonConfig } from "@/lib/bacula/model";
import { excludedKeys, nodeToTyped, resourceDefOf, kindOfNode, tablePort, type ResourceKind } from "@/lib/bacula/typed";
import { findResource } from "@/lib/bacula/tables";
import { decryptSecret } from "@/lib/secrets";
import type { Tx } from "@/lib/db/client";
import { rawQuery } from "@/lib/db/direct";
import { rawFindMany } from "@/lib/db/raw-rows";
import { param, readSetting } from "@/lib/db/sql";
import { openItems } from "./items";

type Db = PrismaClient | Tx;

/** The model revision that rendered configs cite in their header (in a transaction, read on its own connection). */
export async function modelRevision(db: Db): Promise<number> {
  return Number((await readSetting(db, "modelRevision")) ?? 0);
}

const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
const secret = (v: string | null | undefined): string | undefined => (v ? decryptSecret(v) : undefined);
/**
 * A port that the file writes: always when it is not Bacula's default (the table's), and at the
 * default only when written (an imported file that left it out keeps it out).
 */
const portLine = (kind: ResourceKind, directive: string, port: number, written: boolean): number | undefined =>
  written || port !== tablePort(kind, directive) ? port : undefined;
const extraOf = (kind: ResourceKind, json: unknown): Item[] | undefined => {
  const items = openItems(json, resourceDefOf(kind));
  return items.length > 0 ? items : undefined;
};

/**
 * A typed resource without the keys its own directives exclude: the port column is always filled
 * (it is where the dashboard reaches the daemon), but a Director or SD that listens through a
 * DirAddresses / SdAddresses block must not get a DirPort / SdPort line beside it (Bacula refuses both).
 */
function withoutExcluded<T extends { extra?: Item[] }>(kind: ResourceKind, obj: T): T {
  const drop = excludedKeys(kind, obj.extra);
  if (drop.size === 0) return obj;
  return Object.fromEntries(Object.entries(obj).filter(([key]) => !drop.has(key))) as T;
}

function destinations(raw: unknown): MessageDestination[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((d: { kind: string; where?: string | null; types: string | string[] }) => ({
    kind: d.kind,
    where: d.where ? d.where : undefined,
    types: (Array.isArray(d.types) ? d.types : String(d.types).split(",")).map((t) => t.trim()).filter(Boolean),
  }));
}

function strings(raw: unknown): string[] {
  return Array.isArray(raw) ? raw.map(String) : [];
}

/** Stored resources of types without a typed page, as tree nodes in their stored order. */
export function configResources(rows: readonly { type: string; items: unknown; position: number; id: number }[], daemon: "dir" | "sd"): ResourceNode[] {
  return [...rows]
    .sort((a, b) => a.position - b.position || a.id - b.id)
    .map((r) => ({ type: findResource(daemon, r.type)?.name ?? r.type, items: openItems(r.items, findResource(daemon, r.type)) }));
}

/** A row by its id, read raw; one that is not stored throws as Prisma's findUniqueOrThrow does (its own not-found error). */
async function rowById<T>(db: Db, model: "Director" | "StorageDaemon", id: number): Promise<T> {
  const [row] = await rawFindMany<T>(db, model, { id });
  if (row) return row;
  const delegate = model === "Director" ? db.director : db.storageDaemon;
  return (await (delegate as unknown as { findUniqueOrThrow(a: unknown): Promise<T> }).findUniqueOrThrow({ where: { id } }));
}

/** The row type of each model directorRows reads. */
interface Rows {
  Catalog: Catalog;
  Storage: Storage;
  Pool: Pool;
  Client: Client;
  FileSet: FileSet;
  Schedule: Schedule;
  Messages: Messages;
  JobDefs: JobDefs;
  Job: Job;
  StorageDaemon: StorageDaemon;
  Device: Device;
}
type Row<M extends keyof Rows> = Rows[M];

/** The storage group members of a Director's pools, JobDefs and Jobs, by position (one statement). */
export async function storageGroupMembers(db: Db, directorId: number): Promise<Pick<StorageGroupMember, "storageId" | "position" | "poolId" | "jobDefsId" | "jobId">[]> {
  const owned = (table: string, i: number) => `SELECT "id" FROM "${table}" WHERE "directorId" = ${param(i)}`;
  return rawQuery(
    db,
    `SELECT "storageId", "position", "poolId", "jobDefsId", "jobId" FROM "StorageGroupMember" WHERE "poolId" IN (${owned("Pool", 1)}) OR "jobDefsId" IN (${owned("JobDefs", 2)}) OR "jobId" IN (${owned("Job", 3)}) ORDER BY "position" ASC, "id" ASC`,
    [directorId, directorId, directorId],
  );
}

/**
 * A Director's rows with the rows they refer to, as the Prisma includes that loadDirectorConfig
 * asked for gave them, read raw (lib/db/raw-rows.ts): a 1,000-Job Director's includes cost ~50 ms
 * through Prisma (its query interpreter and row mapping), most of a re-import's checks. A
 * referenced row outside the Director's own (another Director's, by a foreign key the dashboard
 * never writes) is read by its id.
 */
async function directorRows(db: Db, directorId: number) {
  const where = { directorId };
  const own = <M extends "Catalog" | "Storage" | "Pool" | "Client" | "FileSet" | "Schedule" | "Messages" | "JobDefs" | "Job">(model: M) =>
    rawFindMany<Row<M>>(db, model, where, { orderBy: "name" });
  const catalogs = await own("Catalog");
  const storages = await own("Storage");
  const pools = await own("Pool");
  const clients = await own("Client");
  const filesets = await own("FileSet");
  const schedules = await own("Schedule");
  const messages = await own("Messages");
  const jobDefs = await own("JobDefs");
  const jobs = await own("Job");
  const others = await rawFindMany<ConfigResource>(db, "ConfigResource", where);
  /** Rows by id: the Director's own, then any other one referred to, read once. */
  const index = async <M extends Exclude<keyof Rows, "Job">>(model: M, rows: Row<M>[], ids: Iterable<number | null>): Promise<Map<number, Row<M>>> => {
    const by = new Map<number, Row<M>>(rows.map((r) => [r.id, r]));
    const missing = [...new Set([...ids].filter((id): id is number => id !== null && !by.has(id)))];
    if (missing.length) for (const r of await rawFindMany<Row<M>>(db, model, { id: missing })) by.set(r.id, r);
    return by;
  };
  const need = <K extends string>(rows: readonly Record<K, unknown>[], key: K): (number | null)[] => rows.map((r) => (r[key] as number | null | undefined) ?? null);
  const sdOf = await index("StorageDaemon", [], need(storages, "storageDaemonId"));
  const deviceOf = await index("Device", [], need(storages, "deviceId"));
  const poolOf = await index("Pool", pools, [...need(pools, "nextPoolId"), ...need(jobDefs, "poolId"), ...need(jobs, "poolId"), ...need(jobs, "nextPoolId")]);
  const clientOf = await index("Client", clients, [...need(jobDefs, "clientId"), ...need(jobs, "clientId")]);
  const catalogOf = await index("Catalog", catalogs, need(clients, "catalogId"));
  const fileSetOf = await index("FileSet", filesets, [...need(jobDefs, "fileSetId"), ...need(jobs, "fileSetId")]);
  const scheduleOf = await index("Schedule", schedules, [...need(jobDefs, "scheduleId"), ...need(jobs, "scheduleId")]);
  const messagesOf = await index("Messages", messages, [...need(jobDefs, "messagesId"), ...need(jobs, "messagesId")]);
  const jobDefsOf = await index("JobDefs", jobDefs, need(jobs, "jobDefsId"));
  // Storage group members of the pools, JobDefs and Jobs, by position, with their Storage.
  const members = await storageGroupMembers(db, directorId);
  const storageOf = await index("Storage", storages, members.map((m) => Number(m.storageId)));
  const groupOf = (owner: "poolId" | "jobDefsId" | "jobId") => {
    const by = new Map<number, { storage: Storage }[]>();
    for (const m of members) {
      const id = m[owner];
      if (id === null || id === undefined) continue;
      (by.get(Number(id)) ?? by.set(Number(id), []).get(Number(id))!).push({ storage: storageOf.get(Number(m.storageId))! });
    }
    return (id: number) => by.get(id) ?? [];
  };
  const poolGroup = groupOf("poolId");
  const jobDefsGroup = groupOf("jobDefsId");
  const jobGroup = groupOf("jobId");
  const ref = <T>(by: Map<number, T>, id: number | null) => (id === null ? null : (by.get(id) ?? null));
  const refs = (j: JobDefs | Job) => ({ pool: ref(poolOf, j.poolId), client: ref(clientOf, j.clientId), fileSet: ref(fileSetOf, j.fileSetId), schedule: ref(scheduleOf, j.scheduleId), messages: ref(messagesOf, j.messagesId) });
  return {
    catalogs,
    storages: storages.map((s) => ({ ...s, storageDaemon: sdOf.get(s.storageDaemonId)!, device: ref(deviceOf, s.deviceId) })),
    pools: pools.map((p) => ({ ...p, nextPool: ref(poolOf, p.nextPoolId), storages: poolGroup(p.id) })),
    clients: clients.map((c) => ({ ...c, catalog: catalogOf.get(c.catalogId)! })),
    filesets,
    schedules,
    messages,
    jobDefs: jobDefs.map((j) => ({ ...j, ...refs(j), storages: jobDefsGroup(j.id) })),
    jobs: jobs.map((j) => ({ ...j, ...refs(j), jobDefs: ref(jobDefsOf, j.jobDefsId), nextPool: ref(poolOf, j.nextPoolId), storages: jobGroup(j.id) })),
    others,
  };
}

/**
 * The Bacula model of one Director, from the dashboard's database. A standby Director receives its
 * primary's configuration unchanged (that is what lets it take over), so it loads the primary's.
 */
export async function loadDirectorConfig(db: Db, directorId: number, opts: { asPrimary?: boolean } = {}): Promise<DirectorConfig> {
  let director = await rowById<Director>(db, "Director", directorId);
  let owner = director;
  if (director.role === "standby" && director.primaryId) {
    owner = await rowById<Director>(db, "Director", director.primaryId);
    // asPrimary: what this standby runs once it has taken over (Director switchover): its own
    // Director resource (name, port, password, directories) with its primary's resources.
    if (!opts.asPrimary) director = owner;
  }
  const { catalogs, storages, pools, clients, filesets, schedules, messages, jobDefs, jobs, others } = await directorRows(db, owner.id);
  const directorExtra = extraOf("Director", director.extra);
  // The Director's own Messages: as imported (in extra), else the "Daemon" resource or the first.
  const daemonMessages = (directorExtra ?? []).some((i) => i.name === "Messages")
    ? undefined
    : (messages.find((m) => m.name === "Daemon") ?? messages[0])?.name;
  const jobLike = (j: (typeof jobs)[number] | (typeof jobDefs)[number], isJob: boolean): JobLike => {
    const job = j as (typeof jobs)[number];
    const kind = isJob ? "Job" : "JobDefs";
    return {
      name: j.name,
      type: opt(j.type),
      level: opt(j.level),
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
      selectionType: isJob ? opt(job.selectionType) : undefined,
      selectionPattern: isJob ? opt(job.selectionPattern) : undefined,
      run: isJob ? strings(job.runLines) : undefined,
      runScripts: isJob && Array.isArray(job.runScripts) && job.runScripts.length > 0 ? (job.runScripts as unknown as RunScript[]) : undefined,
      priority: opt(j.priority),
      maxConcurrentJobs: isJob ? opt(job.maxConcurrentJobs) : undefined,
      enabled: isJob ? opt(job.enabled) : undefined,
      extra: extraOf(kind, j.extra),
    };
  };
  return {
    director: withoutExcluded("Director", {
      name: director.name,
      // No DirAddress unless set as a directive (extra): the Director then listens on every
      // address; `address` in the model is how the dashboard and the daemons reach it.
      port: director.port,
      password: secret(director.passwordEnc),
      version: director.version,
      queryFile: director.queryFile,
      workingDirectory: director.workingDirectory,
      pidDirectory: director.pidDirectory,
      maxConcurrentJobs: opt(director.maxConcurrentJobs),
      messages: daemonMessages,
      extra: directorExtra,
    }),
    catalogs: catalogs.map((c) => ({
      name: c.name,
      dbName: c.dbName,
      dbUser: opt(c.dbUser),
      dbPassword: secret(c.dbPasswordEnc),
      dbAddress: opt(c.dbAddress),
      dbPort: opt(c.dbPort),
      extra: extraOf("Catalog", c.extra),
    })),
    storages: storages.map((s) => {
      const names = strings(s.deviceNames);
      const devices = names.length > 0 ? names : s.device ? [s.device.name] : [];
      const extra = extraOf("Storage", s.extra) ?? [];
      // Several device names stay one `Device = a, b` line.
      const deviceExtra: Item[] = devices.length > 1 ? [{ kind: "directive", name: "Device", value: devices }] : [];
      const all = [...deviceExtra, ...extra];
      return {
        name: s.name,
        address: s.address ?? s.storageDaemon.address,
        sdPort: portLine("Storage", "SdPort", s.sdPort ?? s.storageDaemon.port, s.sdPortWritten),
        password: secret(s.passwordEnc ?? s.storageDaemon.passwordEnc),
        device: devices.length === 1 ? devices[0] : undefined,
        mediaType: s.mediaType,
        maxConcurrentJobs: opt(s.maxConcurrentJobs),
        autochanger: opt(s.autochanger),
        extra: all.length > 0 ? all : undefined,
      };
    }),
    pools: pools.map((p) => ({
      name: p.name,
      poolType: p.poolType,
      volumeRetention: opt(p.volumeRetention),
      labelFormat: opt(p.labelFormat),
      maximumVolumeBytes: opt(p.maximumVolumeBytes),
      maximumVolumes: opt(p.maximumVolumes),
      recycle: opt(p.recycle),
      autoPrune: opt(p.autoPrune),
      nextPool: p.nextPool?.name,
      storage: p.storages.map((m) => m.storage.name),
      storageGroupPolicy: opt(p.storagePolicy),
      storageGroupPolicyThreshold: opt(p.storagePolicyThreshold),
      extra: extraOf("Pool", p.extra),
    })),
    clients: clients.map((c) => ({
      name: c.name,
      address: c.address,
      fdPort: portLine("Client", "FdPort", c.port, c.portWritten),
      password: secret(c.passwordEnc),
      catalog: c.catalog.name,
      fileRetention: opt(c.fileRetention),
      jobRetention: opt(c.jobRetention),
      autoPrune: opt(c.autoPrune),
      extra: extraOf("Client", c.extra),
    })),
    // A FileSet's blocks are either in its simple shape (the typed columns) or all in extra.
    filesets: filesets.map((f) => ({
      name: f.name,
      include: strings(f.includes),
      exclude: strings(f.excludes),
      signature: opt(f.signature),
      compression: opt(f.compression),
      extra: extraOf("FileSet", f.extra),
    })),
    schedules: schedules.map((s) => ({ name: s.name, run: strings(s.runs), enabled: opt(s.enabled), extra: extraOf("Schedule", s.extra) })),
    // Destinations are typed only while nothing else is stored (columns.ts folds them into extra otherwise).
    messages: messages.map((m) => ({ name: m.name, destinations: destinations(m.destinations), extra: extraOf("Messages", m.extra) })),
    jobDefs: jobDefs.map((j) => jobLike(j, false)),
    jobs: jobs.map((j) => jobLike(j, true)),
    others: configResources(others, "dir"),
  };
}

/**
 * A Storage Daemon's row with its devices (by name), the Storages on it with their Director and the
 * names of that Director's standbys, and its stored resources: what the Prisma include gave, read
 * raw (lib/db/raw-rows.ts). Throws Prisma's not-found error for an id that is not stored.
 */
async function storageDaemonRows(db: Db, sdId: number) {
  const sd = await rowById<StorageDaemon>(db, "StorageDaemon", sdId);
  const devices = await rawFindMany<Device>(db, "Device", { storageDaemonId: sdId }, { orderBy: "name" });
  const storages = await rawFindMany<Storage>(db, "Storage", { storageDaemonId: sdId });
  const directorIds = [...new Set(storages.map((s) => s.directorId))];
  const directors = new Map((await rawFindMany<Director>(db, "Director", { id: directorIds })).map((d) => [d.id, d]));
  const standbys = await rawFindMany<Director>(db, "Director", { primaryId: directorIds });
  const standbysOf = (id: number) => standbys.filter((b) => b.primaryId === id).sort((a, b) => a.id - b.id).map((b) => ({ name: b.name }));
  const resources = await rawFindMany<ConfigResource>(db, "ConfigResource", { storageDaemonId: sdId });
  return { ...sd, devices, storages: storages.map((s) => ({ ...s, director: { ...directors.get(s.directorId)!, standbys: standbysOf(s.directorId) } })), resources };
}

/**
 * The Bacula model of one Storage Daemon: its devices, and a Director resource for every Director
 * that has a Storage on it and for each of their standbys (with the password those Storage
 * resources carry). Resources stored whole for this SD (imported Director and Messages resources,
 * Autochangers, Cloud, Statistics) are rendered as they are; a stored Director resource named like
 * a derived one adds its other directives (TLS…) to it.
 */
export async function loadStorageDaemonConfig(db: Db, sdId: number): Promise<StorageDaemonConfig> {
  const sd = await storageDaemonRows(db, sdId);
  // The standbys of those Directors too: after a Director switchover the standby, with its own
  // name, uses the same Storages (and the old primary becomes its standby): the SD accepts both.
  const passwordOf = new Map<string, string | undefined>();
  for (const s of [...sd.storages].sort((a, b) => a.id - b.id)) {
    const pw = secret(s.passwordEnc ?? sd.passwordEnc);
    for (const name of [s.director.name, ...s.director.standbys.map((b) => b.name)]) if (!passwordOf.has(name)) passwordOf.set(name, pw);
  }
  const derivedNames = [...passwordOf.keys()].sort();
  const stored = configResources(sd.resources, "sd");
  const typedStored = (kind: ResourceKind) => stored.filter((n) => kindOfNode("sd", n) === kind).map((n) => nodeToTyped(kind, n));
  const storedDirectors = typedStored("SdDirector") as unknown as StorageDaemonConfig["directors"];
  const directors: StorageDaemonConfig["directors"] = derivedNames.map((name) => {
    const overlay = storedDirectors.find((d) => d.name === name);
    return {
      name,
      password: passwordOf.get(name),
      monitor: overlay?.monitor,
      extra: overlay?.extra,
    };
  });
  for (const d of storedDirectors) if (!passwordOf.has(d.name)) directors.push(d);
  const storedMessages = typedStored("SdMessages") as unknown as StorageDaemonConfig["messages"];
  const messages: StorageDaemonConfig["messages"] = storedMessages.length > 0
    ? storedMessages
    : derivedNames.length
      ? [{ name: "Standard", destinations: [{ kind: "director", where: derivedNames[0], types: ["all"] }] }]
      : [];
  return {
    storage: withoutExcluded("SdStorage", {
      name: sd.name,
      sdPort: sd.port,
      workingDirectory: sd.workingDirectory,
      pidDirectory: sd.pidDirectory,
      maxConcurrentJobs: opt(sd.maxConcurrentJobs),
      extra: extraOf("SdStorage", sd.extra),
    }),
    directors,
    devices: sd.devices.map((d) => ({
      name: d.name,
      mediaType: d.mediaType,
      archiveDevice: d.archiveDevice,
      deviceType: opt(d.deviceType),
      labelMedia: opt(d.labelMedia),
      randomAccess: opt(d.randomAccess),
      automaticMount: opt(d.automaticMount),
      removableMedia: opt(d.removableMedia),
      alwaysOpen: opt(d.alwaysOpen),
      autochanger: opt(d.autochanger),
      maximumConcurrentJobs: opt(d.maxConcurrentJobs),
      extra: extraOf("Device", d.extra),
    })),
    autochangers: typedStored("Autochanger") as unknown as StorageDaemonConfig["autochangers"],
    messages,
    others: stored.filter((n) => kindOfNode("sd", n) === undefined),
  };
}
