/**
 * Two Bacula sites on loopback, every part real, for the site-loss drill (test/failover/site-loss.test.ts)
 * and the DR drill page's browser test (e2e/drill.spec.ts):
 *
 *   site A   Director A (primary)  + SD-A (devices FileDevA1, FileDevA2: the storage group of Pool
 *            Nightly, LeastUsed)   + PostgreSQL primary (the catalog, built with Bacula's scripts)
 *   site B   Director B (standby)  + SD-B (device FileDevB1: Pool Offsite, Nightly's Next Pool)
 *            + PostgreSQL hot standby
 *   client   one File Daemon, backing up a data directory
 *
 * Both Directors run on Bacula's PostgreSQL catalog backend (test/support/bacula-pgsql.ts). Every
 * daemon runs as `postgres`, the user the test sshd logs in as (it also owns the data directories,
 * so the fence and pg_rewind run as in production), and every config comes from the model through
 * the deploy engine: Directors (with their bconsole.conf), Storage Daemons and the File Daemon are
 * deployed over SSH and started by the deploy itself (they do not run yet), with the rig's start /
 * stop / restart scripts as their commands (no systemd here).
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PrismaClient } from "@prisma/client";
import { FILE_DEVICE } from "@/lib/bacula/model";
import { directorFiles, fileDaemonFiles, mkdirOwned, storageDaemonFiles, writeOwned, type TestDirectorFiles, type TestFileDaemonFiles, type TestStorageDaemonFiles } from "../support/bacula-daemons";
import { createCatalog, pgsqlLibDir } from "../support/bacula-pgsql";
import { startRig, type Rig } from "./support";

export interface SiteRig {
  pg: Rig;
  a: TestDirectorFiles;
  b: TestDirectorFiles;
  sdA: TestStorageDaemonFiles;
  sdB: TestStorageDaemonFiles;
  fd: TestFileDaemonFiles;
  ids: { dirA: number; dirB: number; sdA: number; sdB: number; client: number; catalog: number; memberA: number; memberB: number };
  /** What the client backs up (files with random bytes), and where restores go. */
  dataDir: string;
  restoreDir: string;
  catalogDb: { name: string; user: string; password: string; tables: number; ms: number };
  /** Every target key, for a deploy of the whole rig. */
  targets: string[];
  names: { sdA: string; sdB: string; siteA: string; siteB: string };
  /** SIGKILL of site A's Director, Storage Daemon and PostgreSQL primary (postmaster and its children). */
  loseSiteA(): void;
  stop(): Promise<void>;
  /** Delete every row the rig added to the model (a shared database: the e2e server's). */
  remove(): Promise<void>;
}

const secret = () => randomBytes(9).toString("hex");

/** `suffix` makes every name and site of the rig unique beside another topology (the e2e server's demo). */
export async function startSiteRig(db: PrismaClient, o: { suffix?: string } = {}): Promise<SiteRig> {
  const sfx = o.suffix ?? "";
  const names = { sdA: `sd-site-a${sfx}`, sdB: `sd-site-b${sfx}`, siteA: `site-a${sfx}`, siteB: `site-b${sfx}` };
  const { encryptSecret } = await import("@/lib/secrets");
  const { bumpModelRevision } = await import("@/lib/audit");
  const pg = await startRig(db);
  const user = pg.sshd.user;
  const base = join(pg.sshd.remoteDir, `sites-${randomBytes(3).toString("hex")}`);
  mkdirOwned(base, user);
  const lib = pgsqlLibDir();

  // The catalog on site A's PostgreSQL, built by Bacula's own scripts; the standby receives it.
  const catalogDb = { name: "bacula_catalog", user: "bacula", password: secret() };
  const made = await createCatalog(
    { host: pg.pair.primary.host, port: pg.pair.primary.port, user: pg.pair.superuser.user, password: pg.pair.superuser.password },
    { dbName: catalogDb.name, dbUser: catalogDb.user, dbPassword: catalogDb.password },
  );

  const [a, b, sdA, sdB, fd] = await Promise.all([
    directorFiles(join(base, "dir-a"), user, { name: `bacula-dir-a${sfx}`, password: secret(), pgsqlLibDir: lib }),
    directorFiles(join(base, "dir-b"), user, { name: `bacula-dir-b${sfx}`, password: secret(), pgsqlLibDir: lib }),
    storageDaemonFiles(join(base, "sd-a"), user, `bacula-dir-a${sfx}`),
    storageDaemonFiles(join(base, "sd-b"), user, `bacula-dir-a${sfx}`),
    fileDaemonFiles(join(base, "fd"), user, { name: `site-fd${sfx}` }),
  ]);
  const archive = (sd: TestStorageDaemonFiles, name: string) => {
    const p = join(sd.etc, "..", name);
    mkdirOwned(p, user);
    return p;
  };
  const dataDir = join(base, "data");
  const restoreDir = join(base, "restore");
  mkdirOwned(dataDir, user);
  mkdirOwned(restoreDir, user);
  writeOwned(join(dataDir, "catalog-export.bin"), randomBytes(300_000).toString("base64"), user, 0o644);
  writeOwned(join(dataDir, "notes.txt"), `site-loss drill data ${new Date().toISOString()}\n`, user, 0o644);

  const host = (await db.catalogMember.findUniqueOrThrow({ where: { id: pg.primaryId } })).hostId!;
  await db.catalogMember.update({ where: { id: pg.primaryId }, data: { site: names.siteA } });
  await db.catalogMember.update({ where: { id: pg.standbyId }, data: { site: names.siteB } });

  // Director A is the rig's Director row (it owns the cluster's Catalog); B is its standby.
  const dirRow = (f: TestDirectorFiles, site: string) => ({
    address: "127.0.0.1", port: f.port, passwordEnc: encryptSecret(f.password), site, hostId: host,
    configDir: f.etc, workingDirectory: f.work, pidDirectory: f.run, queryFile: "/etc/bacula/scripts/query.sql",
  });
  const catalogRow = await db.catalog.findUniqueOrThrow({ where: { id: pg.catalogId } });
  const dirA = (await db.director.update({ where: { id: catalogRow.directorId }, data: { name: a.name, role: "primary", active: true, ...dirRow(a, names.siteA) } })).id;
  const dirB = (await db.director.create({ data: { name: b.name, role: "standby", active: false, primaryId: dirA, ...dirRow(b, names.siteB) } })).id;
  await db.catalog.update({
    where: { id: pg.catalogId },
    data: { dbName: catalogDb.name, dbUser: catalogDb.user, dbPasswordEnc: encryptSecret(catalogDb.password), dbAddress: pg.pair.primary.host, dbPort: pg.pair.primary.port },
  });

  const sdRow = async (name: string, site: string, f: TestStorageDaemonFiles, devices: { name: string; archive: string; media: string }[]) => {
    const sd = await db.storageDaemon.create({
      data: {
        name, site, address: "127.0.0.1", port: f.port, passwordEnc: encryptSecret(secret()), hostId: host, configDir: f.etc,
        workingDirectory: f.work, pidDirectory: f.run, restartCommand: f.restartScript,
      },
    });
    const devs = [];
    for (const d of devices) devs.push(await db.device.create({ data: { name: d.name, storageDaemonId: sd.id, mediaType: d.media, archiveDevice: d.archive, ...FILE_DEVICE } }));
    return { sd, devs };
  };
  const A = await sdRow(names.sdA, names.siteA, sdA, [
    { name: "FileDevA1", archive: archive(sdA, "a1"), media: "FileA" },
    { name: "FileDevA2", archive: archive(sdA, "a2"), media: "FileA" },
  ]);
  const B = await sdRow(names.sdB, names.siteB, sdB, [{ name: "FileDevB1", archive: archive(sdB, "b1"), media: "FileB" }]);
  const storage = (name: string, sd: typeof A, i: number) =>
    db.storage.create({ data: { name, directorId: dirA, storageDaemonId: sd.sd.id, deviceId: sd.devs[i].id, mediaType: sd.devs[i].mediaType } });
  const [fa1, fa2, fb1] = [await storage("FileA1", A, 0), await storage("FileA2", A, 1), await storage("FileB1", B, 0)];
  const offsite = await db.pool.create({ data: { name: "Offsite", directorId: dirA, poolType: "Backup", labelFormat: "Offsite-" } });
  await db.storageGroupMember.create({ data: { poolId: offsite.id, storageId: fb1.id, position: 0 } });
  const nightly = await db.pool.create({ data: { name: "Nightly", directorId: dirA, poolType: "Backup", labelFormat: "Nightly-", nextPoolId: offsite.id, storagePolicy: "LeastUsed" } });
  await db.storageGroupMember.create({ data: { poolId: nightly.id, storageId: fa1.id, position: 0 } });
  await db.storageGroupMember.create({ data: { poolId: nightly.id, storageId: fa2.id, position: 1 } });

  const client = await db.client.create({
    data: {
      name: fd.name, directorId: dirA, address: "127.0.0.1", port: fd.port, passwordEnc: encryptSecret(secret()), catalogId: pg.catalogId, hostId: host,
      fdConfigDir: fd.etc, fdWorkingDirectory: fd.work, fdPidDirectory: fd.run, fdAddress: "127.0.0.1",
    },
  });
  const log = join(base, "bacula.log");
  writeOwned(log, "", user, 0o666);
  const dest = (types: string) => [{ kind: "append", where: log, types }];
  const standard = await db.messages.create({ data: { name: "Standard", directorId: dirA, destinations: [...dest("all, !skipped"), { kind: "catalog", types: "all, !skipped, !saved" }] } });
  await db.messages.create({ data: { name: "Daemon", directorId: dirA, destinations: dest("all, !skipped") } });
  const fs = await db.fileSet.create({ data: { name: "Data", directorId: dirA, includes: [dataDir], excludes: [], signature: "MD5" } });
  const common = { directorId: dirA, clientId: client.id, fileSetId: fs.id, messagesId: standard.id, runLines: [], runScripts: [] };
  await db.job.create({ data: { ...common, name: "NightlyBackup", type: "Backup", level: "Full", poolId: nightly.id } });
  await db.job.create({ data: { ...common, name: "CopyToOffsite", type: "Copy", level: "Full", poolId: nightly.id, selectionType: "PoolUncopiedJobs" } });
  await db.job.create({ data: { ...common, name: "RestoreFiles", type: "Restore", poolId: offsite.id, extra: [{ kind: "directive", name: "Where", value: restoreDir }] } });

  // What runs on the hosts: the rig's scripts (an admin allowed them), as `systemctl …` would.
  const settings = (kind: string, daemonId: number, s: Record<string, string>) =>
    db.daemonDeployState.upsert({ where: { kind_daemonId: { kind, daemonId } }, create: { kind, daemonId, settings: s }, update: { settings: s } });
  await settings("director", dirA, { startCommand: a.startScript, stopCommand: a.stopScript });
  await settings("director", dirB, { startCommand: b.startScript, stopCommand: b.stopScript });
  await settings("storage-daemon", A.sd.id, { startCommand: sdA.restartScript });
  await settings("storage-daemon", B.sd.id, { startCommand: sdB.restartScript });
  await settings("client", client.id, { startCommand: fd.startScript, stopCommand: fd.stopScript, restartCommand: fd.restartScript });
  const programs = [a.startScript, a.stopScript, b.startScript, b.stopScript, sdA.restartScript, sdB.restartScript, fd.startScript, fd.stopScript, fd.restartScript];
  const before = await db.setting.findUnique({ where: { key: "deploy.extraPrograms" } });
  const allowed = [...new Set([...(before ? (JSON.parse(before.value) as string[]) : []), ...programs])];
  await db.setting.upsert({ where: { key: "deploy.extraPrograms" }, create: { key: "deploy.extraPrograms", value: JSON.stringify(allowed) }, update: { value: JSON.stringify(allowed) } });
  await bumpModelRevision();

  const killPid = (pid: number | null) => {
    if (!pid) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* gone */
    }
  };
  return {
    pg,
    a,
    b,
    sdA,
    sdB,
    fd,
    ids: { dirA, dirB, sdA: A.sd.id, sdB: B.sd.id, client: client.id, catalog: pg.catalogId, memberA: pg.primaryId, memberB: pg.standbyId },
    dataDir,
    restoreDir,
    catalogDb: { ...catalogDb, tables: made.tables, ms: made.ms },
    targets: [`director:${dirA}`, `director:${dirB}`, `storage-daemon:${A.sd.id}`, `storage-daemon:${B.sd.id}`, `client:${client.id}`],
    names,
    loseSiteA() {
      killPid(a.pid());
      killPid(sdA.pid());
      const pidFile = join(pg.pair.primary.dataDir, "postmaster.pid");
      const postmaster = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
      killPid(postmaster);
    },
    async stop() {
      for (const p of [a.pid(), b.pid(), sdA.pid(), sdB.pid(), fd.pid()]) killPid(p);
      await pg.stop();
    },
    async remove() {
      const dirs = [dirA, dirB];
      const where = { directorId: { in: dirs } };
      await db.$transaction(async (tx) => {
        await tx.storageGroupMember.deleteMany({ where: { OR: [{ pool: where }, { job: where }, { jobDefs: where }] } });
        await tx.job.deleteMany({ where });
        await tx.jobDefs.deleteMany({ where });
        await tx.pool.updateMany({ where, data: { nextPoolId: null } });
        await tx.pool.deleteMany({ where });
        await tx.storage.deleteMany({ where });
        await tx.client.deleteMany({ where });
        await tx.fileSet.deleteMany({ where });
        await tx.schedule.deleteMany({ where });
        await tx.messages.deleteMany({ where });
        await tx.catalog.deleteMany({ where });
        await tx.device.deleteMany({ where: { storageDaemonId: { in: [A.sd.id, B.sd.id] } } });
        await tx.storageDaemon.deleteMany({ where: { id: { in: [A.sd.id, B.sd.id] } } });
        await tx.director.updateMany({ where: { id: { in: dirs } }, data: { primaryId: null } });
        await tx.director.deleteMany({ where: { id: { in: dirs } } });
        await tx.daemonDeployState.deleteMany({ where: { OR: [{ kind: "director", daemonId: { in: dirs } }, { kind: "storage-daemon", daemonId: { in: [A.sd.id, B.sd.id] } }, { kind: "client", daemonId: client.id }] } });
        await tx.catalogCluster.delete({ where: { id: pg.clusterId } });
        await tx.host.delete({ where: { id: host } });
        const now = await tx.setting.findUnique({ where: { key: "deploy.extraPrograms" } });
        if (now) await tx.setting.update({ where: { key: "deploy.extraPrograms" }, data: { value: JSON.stringify((JSON.parse(now.value) as string[]).filter((p) => !programs.includes(p))) } });
      });
      await bumpModelRevision();
    },
  };
}

/** bconsole output lines of `list jobs`-style tables: [{jobid, name, type, level, jobstatus …}]. */
export function parseJobTable(out: string): Record<string, string>[] {
  const lines = out.split("\n").filter((l) => l.startsWith("|"));
  if (lines.length < 2) return [];
  const cells = (l: string) => l.split("|").slice(1, -1).map((c) => c.trim());
  const head = cells(lines[0]);
  return lines.slice(1).map((l) => Object.fromEntries(cells(l).map((c, i) => [head[i], c.replace(/,/g, "")])));
}
