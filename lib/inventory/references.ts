import type { Tx } from "@/lib/db/client";
import type { KindKey } from "./fields";

export interface Reference {
  kind: string;
  id: number;
  name: string;
  via?: string;
}

type Finder = (tx: Tx, id: number) => Promise<Reference[]>;

const named = (kind: string, via?: string) => (rows: { id: number; name: string }[]) =>
  rows.map((r) => ({ kind, id: r.id, name: r.name, via }));

const sel = { select: { id: true, name: true } } as const;

async function groupMembers(tx: Tx, where: { storageId: number }): Promise<Reference[]> {
  const rows = await tx.storageGroupMember.findMany({
    where,
    select: { pool: sel, job: sel, jobDefs: sel },
  });
  return rows.flatMap((r) => {
    if (r.pool) return [{ kind: "Pool", id: r.pool.id, name: r.pool.name, via: "storage group" }];
    if (r.job) return [{ kind: "Job", id: r.job.id, name: r.job.name, via: "storage group" }];
    if (r.jobDefs) return [{ kind: "JobDefs", id: r.jobDefs.id, name: r.jobDefs.name, via: "storage group" }];
    return [];
  });
}

/** What still points at a record: deleting it is refused while this list is not empty. */
const FINDERS: Record<KindKey, Finder[]> = {
  hosts: [
    async (tx, id) => named("Director")(await tx.director.findMany({ where: { hostId: id }, ...sel })),
    async (tx, id) => named("Storage Daemon")(await tx.storageDaemon.findMany({ where: { hostId: id }, ...sel })),
    async (tx, id) => named("Catalog member")(await tx.catalogMember.findMany({ where: { hostId: id }, ...sel })),
    async (tx, id) => named("Client", "File Daemon on")(await tx.client.findMany({ where: { hostId: id }, ...sel })),
  ],
  directors: [
    async (tx, id) => named("Director", "standby of")(await tx.director.findMany({ where: { primaryId: id }, ...sel })),
    async (tx, id) => named("Storage")(await tx.storage.findMany({ where: { directorId: id }, ...sel })),
    async (tx, id) => named("Pool")(await tx.pool.findMany({ where: { directorId: id }, ...sel })),
    async (tx, id) => named("Catalog")(await tx.catalog.findMany({ where: { directorId: id }, ...sel })),
    async (tx, id) => named("Client")(await tx.client.findMany({ where: { directorId: id }, ...sel })),
    async (tx, id) => named("FileSet")(await tx.fileSet.findMany({ where: { directorId: id }, ...sel })),
    async (tx, id) => named("Schedule")(await tx.schedule.findMany({ where: { directorId: id }, ...sel })),
    async (tx, id) => named("Messages")(await tx.messages.findMany({ where: { directorId: id }, ...sel })),
    async (tx, id) => named("JobDefs")(await tx.jobDefs.findMany({ where: { directorId: id }, ...sel })),
    async (tx, id) => named("Job")(await tx.job.findMany({ where: { directorId: id }, ...sel })),
  ],
  "storage-daemons": [
    async (tx, id) => named("Device")(await tx.device.findMany({ where: { storageDaemonId: id }, ...sel })),
    async (tx, id) => named("Storage")(await tx.storage.findMany({ where: { storageDaemonId: id }, ...sel })),
  ],
  devices: [async (tx, id) => named("Storage")(await tx.storage.findMany({ where: { deviceId: id }, ...sel }))],
  storages: [async (tx, id) => groupMembers(tx, { storageId: id })],
  pools: [
    async (tx, id) => named("Pool", "Next Pool")(await tx.pool.findMany({ where: { nextPoolId: id }, ...sel })),
    async (tx, id) => named("Job", "Pool")(await tx.job.findMany({ where: { poolId: id }, ...sel })),
    async (tx, id) => named("Job", "Next Pool")(await tx.job.findMany({ where: { nextPoolId: id }, ...sel })),
    async (tx, id) => named("JobDefs", "Pool")(await tx.jobDefs.findMany({ where: { poolId: id }, ...sel })),
  ],
  catalogs: [async (tx, id) => named("Client")(await tx.client.findMany({ where: { catalogId: id }, ...sel }))],
  "catalog-clusters": [
    async (tx, id) => named("Catalog")(await tx.catalog.findMany({ where: { clusterId: id }, ...sel })),
    async (tx, id) => named("Catalog member")(await tx.catalogMember.findMany({ where: { clusterId: id }, ...sel })),
  ],
  "catalog-members": [],
  clients: [
    async (tx, id) => named("Job")(await tx.job.findMany({ where: { clientId: id }, ...sel })),
    async (tx, id) => named("JobDefs")(await tx.jobDefs.findMany({ where: { clientId: id }, ...sel })),
  ],
  filesets: [
    async (tx, id) => named("Job")(await tx.job.findMany({ where: { fileSetId: id }, ...sel })),
    async (tx, id) => named("JobDefs")(await tx.jobDefs.findMany({ where: { fileSetId: id }, ...sel })),
  ],
  schedules: [
    async (tx, id) => named("Job")(await tx.job.findMany({ where: { scheduleId: id }, ...sel })),
    async (tx, id) => named("JobDefs")(await tx.jobDefs.findMany({ where: { scheduleId: id }, ...sel })),
  ],
  messages: [
    async (tx, id) => named("Job")(await tx.job.findMany({ where: { messagesId: id }, ...sel })),
    async (tx, id) => named("JobDefs")(await tx.jobDefs.findMany({ where: { messagesId: id }, ...sel })),
  ],
  jobdefs: [async (tx, id) => named("Job")(await tx.job.findMany({ where: { jobDefsId: id }, ...sel }))],
  jobs: [],
  resources: [
    // An SD Autochanger is named by Director Storages (Device = <autochanger>).
    async (tx, id) => {
      const r = await tx.configResource.findUnique({ where: { id } });
      if (!r || r.type !== "Autochanger" || r.storageDaemonId === null) return [];
      const storages = await tx.storage.findMany({ where: { storageDaemonId: r.storageDaemonId }, select: { id: true, name: true, deviceNames: true } });
      return storages
        .filter((s) => Array.isArray(s.deviceNames) && (s.deviceNames as unknown[]).includes(r.name))
        .map((s) => ({ kind: "Storage", id: s.id, name: s.name, via: "Device" }));
    },
  ],
};

export async function findReferences(tx: Tx, kind: KindKey, id: number): Promise<Reference[]> {
  const lists = await Promise.all(FINDERS[kind].map((f) => f(tx, id)));
  return lists.flat();
}
