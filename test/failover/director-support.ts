/**
 * A master-standby Director pair in the model, backed by real bacula-dir files on the test sshd's
 * host (test/support/bacula-daemons.ts directorFiles): the old primary `a` (started, as the sshd
 * user) and the standby `b` (stopped), with the resources a Director needs, the Catalog on a
 * catalog cluster, and start/stop commands in the deploy settings.
 */
import { join } from "node:path";
import type { PrismaClient } from "@prisma/client";
import { directorFiles, mkdirOwned, writeOwned, type TestDirectorFiles } from "../support/bacula-daemons";
import type { TestSshd } from "../support/sshd";

export interface DirectorPairRig {
  a: TestDirectorFiles;
  b: TestDirectorFiles;
  aId: number;
  bId: number;
  catalogId: number;
  hostId: number;
  kill(): void;
}

export async function seedDirectorPair(
  db: PrismaClient,
  sshd: TestSshd,
  o: {
    clusterId: number;
    hostId?: number;
    /** Reuse an existing Director row as the old primary (its Catalog becomes the pair's). */
    directorId?: number;
    catalog: { dbName: string; dbAddress: string; dbPort: number; dbUser?: string; dbPassword?: string };
    names?: [string, string];
  },
): Promise<DirectorPairRig> {
  const { encryptSecret } = await import("@/lib/secrets");
  const { loadDirectorConfig } = await import("@/lib/config/from-db");
  const { renderDirector } = await import("@/lib/bacula");
  const { bumpModelRevision } = await import("@/lib/audit");
  const n = Math.random().toString(36).slice(2, 7);
  const existing = o.directorId ? await db.director.findUniqueOrThrow({ where: { id: o.directorId } }) : null;
  const [nameA, nameB] = o.names ?? [existing?.name ?? `dir-a-${n}`, `${existing?.name ?? `dir-${n}`}-standby`];
  const base = join(sshd.remoteDir, `pair-${n}`);
  mkdirOwned(base, sshd.user);
  const logs = join(base, "logs");
  mkdirOwned(logs, sshd.user);
  const a = await directorFiles(join(base, "a"), sshd.user, { name: nameA, password: `pw-a-${n}`, dbName: o.catalog.dbName });
  const b = await directorFiles(join(base, "b"), sshd.user, { name: nameB, password: `pw-b-${n}`, dbName: o.catalog.dbName });
  const hostId =
    o.hostId ??
    (
      await db.host.create({
        data: { name: `dir-host-${n}`, address: sshd.host, sshPort: sshd.port, sshUser: sshd.user, privateKeyEnc: encryptSecret(sshd.privateKey), hostKeyFingerprint: sshd.hostKeyFingerprint },
      })
    ).id;
  const rowA = {
    address: "127.0.0.1", port: a.port, passwordEnc: encryptSecret(a.password), role: "primary", active: true, site: "site-a", hostId,
    configDir: a.etc, workingDirectory: a.work, pidDirectory: a.run, queryFile: "/etc/bacula/scripts/query.sql",
  };
  const aId = existing
    ? (await db.director.update({ where: { id: existing.id }, data: rowA })).id
    : (await db.director.create({ data: { name: nameA, ...rowA } })).id;
  const bId = (
    await db.director.create({
      data: {
        name: nameB, address: "127.0.0.1", port: b.port, passwordEnc: encryptSecret(b.password), role: "standby", active: false, site: "site-b", primaryId: aId, hostId,
        configDir: b.etc, workingDirectory: b.work, pidDirectory: b.run, queryFile: "/etc/bacula/scripts/query.sql",
      },
    })
  ).id;
  const cat = o.catalog;
  const catalogData = {
    dbName: cat.dbName, dbAddress: cat.dbAddress, dbPort: cat.dbPort, dbUser: cat.dbUser ?? "bacula",
    dbPasswordEnc: cat.dbPassword ? encryptSecret(cat.dbPassword) : null, clusterId: o.clusterId,
  };
  const existingCatalog = await db.catalog.findFirst({ where: { directorId: aId } });
  const catalog = existingCatalog
    ? await db.catalog.update({ where: { id: existingCatalog.id }, data: catalogData })
    : await db.catalog.create({ data: { name: "MyCatalog", directorId: aId, ...catalogData } });
  const sd = await db.storageDaemon.create({ data: { name: `sd-${n}`, address: "127.0.0.1", port: 1, passwordEnc: encryptSecret("sd-secret") } });
  const dev = await db.device.create({ data: { name: "FileDev1", storageDaemonId: sd.id, mediaType: "File1", archiveDevice: join(base, "archive") } });
  const storage = await db.storage.create({ data: { name: "File1", directorId: aId, storageDaemonId: sd.id, deviceId: dev.id, mediaType: "File1" } });
  const destinations = [{ kind: "append", where: join(logs, "log"), types: "all, !skipped" }];
  const msgs = await db.messages.create({ data: { name: "Standard", directorId: aId, destinations } });
  await db.messages.create({ data: { name: "Daemon", directorId: aId, destinations } });
  const client = await db.client.create({ data: { name: "local-fd", directorId: aId, address: "127.0.0.1", port: 1, passwordEnc: encryptSecret("fd"), catalogId: catalog.id } });
  const fs = await db.fileSet.create({ data: { name: "Config", directorId: aId, includes: [a.etc], excludes: [] } });
  const pool = await db.pool.create({ data: { name: "Default", directorId: aId } });
  await db.storageGroupMember.create({ data: { poolId: pool.id, storageId: storage.id, position: 0 } });
  await db.job.create({
    data: {
      name: "Housekeeping", directorId: aId, type: "Admin", clientId: client.id, fileSetId: fs.id, poolId: pool.id, messagesId: msgs.id, runLines: [],
      runScripts: [{ runsWhen: "Before", runsOnClient: false, failJobOnError: true, command: "/bin/true" }],
    },
  });
  for (const [id, f] of [[aId, a], [bId, b]] as const) {
    await db.daemonDeployState.upsert({
      where: { kind_daemonId: { kind: "director", daemonId: id } },
      create: { kind: "director", daemonId: id, settings: { startCommand: f.startScript, stopCommand: f.stopScript } },
      update: { settings: { startCommand: f.startScript, stopCommand: f.stopScript } },
    });
  }
  // The rig's start / stop scripts (and /bin/false, a start that fails) are programs an admin allowed.
  await db.setting.upsert({
    where: { key: "deploy.extraPrograms" },
    create: { key: "deploy.extraPrograms", value: JSON.stringify([a.startScript, a.stopScript, b.startScript, b.stopScript, "/bin/false"]) },
    update: { value: JSON.stringify([a.startScript, a.stopScript, b.startScript, b.stopScript, "/bin/false"]) },
  });
  await bumpModelRevision();
  // The old primary runs the model's configuration; the standby has it too (as a regular deploy
  // would have put it there) and stays stopped.
  const text = renderDirector(await loadDirectorConfig(db, aId), { revision: 1 });
  writeOwned(a.configPath, text, sshd.user);
  writeOwned(b.configPath, text, sshd.user);
  a.start();
  // The start script returns once the pid file is written; the console port follows (slower under load).
  const deadline = Date.now() + 20_000;
  while (!a.answers()) {
    if (Date.now() > deadline) {
      // Nobody gets the rig to clean up after a throw: do not leave the Director running.
      a.kill();
      throw new Error(`${nameA} does not answer 20 s after its start script`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    a,
    b,
    aId,
    bId,
    catalogId: catalog.id,
    hostId,
    kill() {
      a.kill();
      b.kill();
    },
  };
}
