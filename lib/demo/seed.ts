import crypto from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { audit, bumpModelRevision } from "@/lib/audit";
import { encryptSecret } from "@/lib/secrets";

/** `DEMO_SEED=0` starts with an empty topology: no demo on the first start, nor from `npm run seed`. */
export function demoSeedWanted(env: Record<string, string | undefined> = process.env): boolean {
  return env.DEMO_SEED?.trim() !== "0";
}

const secret = () => encryptSecret(crypto.randomBytes(18).toString("base64url"));

/**
 * The demo topology: a primary and a standby Director on two sites, two Storage Daemons,
 * File4/File5/File6 grouped LeastUsed on a Pool, a copy Pool on the second SD, a nightly backup
 * with its copy job, and a catalog cluster of a primary and one standby.
 * Loaded once: it does nothing when the database already holds a Director.
 */
export async function seedDemo(db: PrismaClient, opts: { actor?: string } = {}): Promise<boolean> {
  if ((await db.director.count()) > 0) return false;
  await db.$transaction(async (tx) => {
    const hostA = await tx.host.create({ data: { name: "bacula-a", address: "bacula-a.example.net", sshUser: "bacula" } });
    const hostB = await tx.host.create({ data: { name: "bacula-b", address: "bacula-b.example.net", sshUser: "bacula" } });
    const primary = await tx.director.create({
      data: { name: "bacula-dir", address: "bacula-a.example.net", passwordEnc: secret(), role: "primary", site: "site-a", hostId: hostA.id },
    });
    await tx.director.create({
      data: { name: "bacula-dir-standby", address: "bacula-b.example.net", passwordEnc: secret(), role: "standby", site: "site-b", hostId: hostB.id, primaryId: primary.id, active: false },
    });
    const sdA = await tx.storageDaemon.create({ data: { name: "sd-site-a", address: "bacula-a.example.net", passwordEnc: secret(), site: "site-a", hostId: hostA.id } });
    const sdB = await tx.storageDaemon.create({ data: { name: "sd-site-b", address: "bacula-b.example.net", passwordEnc: secret(), site: "site-b", hostId: hostB.id } });
    const storageIds: number[] = [];
    for (const n of [4, 5, 6]) {
      const device = await tx.device.create({
        data: { name: `FileDev${n}`, storageDaemonId: sdA.id, mediaType: `File${n}`, archiveDevice: `/srv/bacula/file${n}` },
      });
      const storage = await tx.storage.create({
        data: { name: `File${n}`, directorId: primary.id, storageDaemonId: sdA.id, deviceId: device.id, mediaType: `File${n}` },
      });
      storageIds.push(storage.id);
    }
    const copyDevice = await tx.device.create({ data: { name: "CopyDev", storageDaemonId: sdB.id, mediaType: "CopyFile", archiveDevice: "/srv/bacula/copy" } });
    const copyStorage = await tx.storage.create({
      data: { name: "OffsiteFile", directorId: primary.id, storageDaemonId: sdB.id, deviceId: copyDevice.id, mediaType: "CopyFile" },
    });
    const cluster = await tx.catalogCluster.create({ data: { name: "catalog-main" } });
    await tx.catalogMember.create({ data: { name: "pg-site-a", clusterId: cluster.id, role: "primary", address: "pg-a.example.net", monitorPasswordEnc: secret(), slotName: null } });
    await tx.catalogMember.create({ data: { name: "pg-site-b", clusterId: cluster.id, role: "standby", address: "pg-b.example.net", monitorPasswordEnc: secret(), slotName: "standby_site_b" } });
    const catalog = await tx.catalog.create({
      data: { name: "MyCatalog", directorId: primary.id, dbName: "bacula", dbUser: "bacula", dbPasswordEnc: secret(), dbAddress: "pg-a.example.net", clusterId: cluster.id },
    });
    const standard = await tx.messages.create({
      data: {
        name: "Standard",
        directorId: primary.id,
        destinations: [
          { kind: "console", where: null, types: "all, !skipped, !saved" },
          { kind: "append", where: "/var/log/bacula/bacula.log", types: "all, !skipped" },
          { kind: "catalog", where: null, types: "all" },
        ],
      },
    });
    const client = await tx.client.create({ data: { name: "app-server-fd", directorId: primary.id, address: "app-server.example.net", passwordEnc: secret(), catalogId: catalog.id, fileRetention: "60 days", jobRetention: "6 months" } });
    const fileset = await tx.fileSet.create({ data: { name: "Full Set", directorId: primary.id, includes: ["/etc", "/home", "/srv/app"], excludes: ["/srv/app/tmp"], signature: "SHA256", compression: "GZIP" } });
    const nightlySchedule = await tx.schedule.create({ data: { name: "NightlyCycle", directorId: primary.id, runs: ["Full 1st sun at 23:05", "Differential 2nd-5th sun at 23:05", "Incremental mon-sat at 23:05"] } });
    const copySchedule = await tx.schedule.create({ data: { name: "CopyCycle", directorId: primary.id, runs: ["daily at 06:00"] } });
    const offsite = await tx.pool.create({ data: { name: "Offsite", directorId: primary.id, poolType: "Backup", volumeRetention: "90 days", labelFormat: "Offsite-", maximumVolumeBytes: "50G" } });
    await tx.storageGroupMember.create({ data: { poolId: offsite.id, storageId: copyStorage.id, position: 0 } });
    const nightly = await tx.pool.create({
      data: { name: "Nightly", directorId: primary.id, poolType: "Backup", volumeRetention: "30 days", labelFormat: "Nightly-", maximumVolumeBytes: "50G", nextPoolId: offsite.id, storagePolicy: "LeastUsed" },
    });
    await tx.storageGroupMember.createMany({ data: storageIds.map((storageId, position) => ({ poolId: nightly.id, storageId, position })) });
    await tx.job.create({
      data: {
        name: "NightlyBackup", directorId: primary.id, type: "Backup", level: "Incremental", poolId: nightly.id, clientId: client.id,
        fileSetId: fileset.id, scheduleId: nightlySchedule.id, messagesId: standard.id, runLines: [], runScripts: [],
      },
    });
    await tx.job.create({
      data: {
        name: "CopyToOffsite", directorId: primary.id, type: "Copy", level: "Full", poolId: nightly.id, clientId: client.id,
        fileSetId: fileset.id, scheduleId: copySchedule.id, messagesId: standard.id, selectionType: "PoolUncopiedJobs", runLines: [], runScripts: [],
      },
    });
    await bumpModelRevision(tx);
    await audit({ actor: opts.actor ?? "system", action: "seed", entityType: "topology", entityName: "demo topology" }, tx);
  });
  return true;
}
