/**
 * End to end with real Bacula 15 daemons: the topology is built in the dashboard's database,
 * loaded with loadDirectorConfig / loadStorageDaemonConfig and rendered by lib/bacula; bacula-sd,
 * bacula-fd and bacula-dir run in the foreground on free loopback ports with a SQLite catalog made
 * by Bacula's own script. It proves that
 *  - a backup into a Pool whose storage group File4, File5, File6 has StorageGroupPolicy = LeastUsed
 *    goes to File4 when all are idle and to File5 while a job holds File4 (the Director's own log
 *    line names the choice and the policy);
 *  - a Copy job of that Pool writes the copies (Type 'C') into the Pool's Next Pool, on its storage.
 * Fails (never skips) when Bacula is not installed.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import {
  bconsole,
  bconsoleConf,
  freePort,
  makeSqliteCatalog,
  requireBaculaDaemons,
  sqliteQuery,
  startDaemon,
  waitFor,
  type Daemon,
} from "./daemons";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { encryptSecret } = await import("@/lib/secrets");
const { loadDirectorConfig, loadStorageDaemonConfig, modelRevision } = await import("@/lib/config/from-db");
const { renderDirector, renderStorageDaemon, validateDirector, validateStorageDaemon, hasErrors } = await import("@/lib/bacula");

const DIR_PASSWORD = "dir-console-secret";
const SD_PASSWORD = "sd-secret";
const FD_PASSWORD = "fd-secret";

let root = "";
let consoleConf = "";
let catalogDb = "";
const daemons: Daemon[] = [];

function joblog(jobId: number): string {
  return bconsole(consoleConf, [`list joblog jobid=${jobId}`]);
}

function lastJobId(name: string): number {
  const rows = sqliteQuery(catalogDb, `SELECT JobId FROM Job WHERE Name = '${name}' ORDER BY JobId DESC LIMIT 1`);
  return rows.length ? Number(rows[0][0]) : 0;
}

function jobStatus(jobId: number): string | undefined {
  const rows = sqliteQuery(catalogDb, `SELECT JobStatus FROM Job WHERE JobId = ${jobId}`);
  return rows[0]?.[0];
}

/** Starts a job through bconsole and returns its JobId ("Job queued. JobId=N"). */
function run(cmd: string): number {
  const out = bconsole(consoleConf, [cmd]);
  const m = /JobId=(\d+)/.exec(out);
  if (!m) throw new Error(`no JobId in bconsole output:\n${out}`);
  return Number(m[1]);
}

async function waitDone(jobId: number, timeoutMs = 40_000): Promise<string> {
  return waitFor(`job ${jobId} to finish`, () => {
    const s = jobStatus(jobId);
    return s && !["C", "R", "B", "F", "S", "m", "M", "s", "j", "c", "d", "t", "p", "i", "a", "l", "L", "q"].includes(s) ? s : undefined;
  }, timeoutMs);
}

beforeAll(async () => {
  requireBaculaDaemons();
  root = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-bacula-e2e-"));
  const d = (...p: string[]) => {
    const x = path.join(root, ...p);
    fs.mkdirSync(x, { recursive: true });
    return x;
  };
  const [dirPort, sdPort, fdPort] = [await freePort(), await freePort(), await freePort()];
  const dirWork = d("dir", "work");
  const sdWork = d("sd", "work");
  const fdWork = d("fd", "work");
  const data = d("data");
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(data, `file-${i}.txt`), `payload ${i}\n`.repeat(200));

  // --- the topology, in the dashboard's database ---
  const director = await prisma.director.create({
    data: {
      name: "e2e-dir", address: "127.0.0.1", port: dirPort, passwordEnc: encryptSecret(DIR_PASSWORD), role: "primary",
      workingDirectory: dirWork, pidDirectory: dirWork, queryFile: "/etc/bacula/scripts/query.sql", maxConcurrentJobs: 20,
    },
  });
  const sd = await prisma.storageDaemon.create({
    data: { name: "e2e-sd", address: "127.0.0.1", port: sdPort, passwordEnc: encryptSecret(SD_PASSWORD), workingDirectory: sdWork, pidDirectory: sdWork, maxConcurrentJobs: 20 },
  });
  const storages: Record<string, number> = {};
  for (const name of ["File4", "File5", "File6", "CopyFile"]) {
    const device = await prisma.device.create({
      data: { name: `${name}Dev`, storageDaemonId: sd.id, mediaType: name, archiveDevice: d("volumes", name), maxConcurrentJobs: 5, labelMedia: true },
    });
    const s = await prisma.storage.create({
      data: { name, directorId: director.id, storageDaemonId: sd.id, deviceId: device.id, mediaType: name, maxConcurrentJobs: 10 },
    });
    storages[name] = s.id;
  }
  const catalog = await prisma.catalog.create({ data: { name: "MyCatalog", directorId: director.id, dbDriver: "sqlite3", dbName: "bacula" } });
  const logFile = path.join(root, "dir", "bacula.log");
  const standard = await prisma.messages.create({
    data: {
      name: "Standard", directorId: director.id,
      destinations: [
        { kind: "append", where: logFile, types: "all, !skipped" },
        { kind: "catalog", where: null, types: "all, !skipped" },
      ],
    },
  });
  await prisma.messages.create({
    data: { name: "Daemon", directorId: director.id, destinations: [{ kind: "append", where: logFile, types: "all, !skipped" }] },
  });
  const client = async (name: string) =>
    prisma.client.create({ data: { name, directorId: director.id, address: "127.0.0.1", port: fdPort, passwordEnc: encryptSecret(FD_PASSWORD), catalogId: catalog.id } });
  const appFd = await client("app-fd");
  const holdFd = await client("hold-fd");
  const fileset = await prisma.fileSet.create({ data: { name: "Data", directorId: director.id, includes: [data], excludes: [], signature: "MD5" } });
  const offsite = await prisma.pool.create({ data: { name: "Offsite", directorId: director.id, labelFormat: "Offsite-", maximumVolumes: 10 } });
  await prisma.storageGroupMember.create({ data: { poolId: offsite.id, storageId: storages.CopyFile, position: 0 } });
  const nightly = await prisma.pool.create({
    data: { name: "Nightly", directorId: director.id, labelFormat: "Nightly-", maximumVolumes: 10, nextPoolId: offsite.id, storagePolicy: "LeastUsed" },
  });
  await prisma.storageGroupMember.createMany({
    data: ["File4", "File5", "File6"].map((n, position) => ({ poolId: nightly.id, storageId: storages[n], position })),
  });
  const hold = await prisma.pool.create({ data: { name: "Hold", directorId: director.id, labelFormat: "Hold-", maximumVolumes: 10 } });
  await prisma.storageGroupMember.create({ data: { poolId: hold.id, storageId: storages.File4, position: 0 } });
  const job = (name: string, extra: Record<string, unknown>) =>
    prisma.job.create({
      data: { name, directorId: director.id, type: "Backup", level: "Full", clientId: appFd.id, fileSetId: fileset.id, messagesId: standard.id, runLines: [], runScripts: [], ...extra },
    });
  await job("NightlyBackup", { poolId: nightly.id });
  // Holds File4 busy: its client runs a sleep before the backup starts, after the storage is reserved.
  await job("HoldFile4", {
    poolId: hold.id, clientId: holdFd.id,
    runScripts: [{ runsWhen: "Before", runsOnClient: true, failJobOnError: true, command: "/bin/sleep 12" }],
  });
  await job("CopyToOffsite", { type: "Copy", poolId: nightly.id, selectionType: "PoolUncopiedJobs" });

  // --- render with lib/bacula from the database ---
  const revision = await modelRevision(prisma);
  const dirCfg = await loadDirectorConfig(prisma, director.id);
  const dirProblems = validateDirector(dirCfg);
  expect(hasErrors(dirProblems), JSON.stringify(dirProblems, null, 2)).toBe(false);
  const sdCfg = await loadStorageDaemonConfig(prisma, sd.id);
  expect(hasErrors(validateStorageDaemon(sdCfg))).toBe(false);
  const dirConf = path.join(root, "dir", "bacula-dir.conf");
  const sdConf = path.join(root, "sd", "bacula-sd.conf");
  fs.writeFileSync(dirConf, renderDirector(dirCfg, { revision: revision || 1 }));
  fs.writeFileSync(sdConf, renderStorageDaemon(sdCfg, { revision: revision || 1 }));
  // No FD model in lib/bacula: the File Daemon's short config is written here.
  const fdConf = path.join(root, "fd", "bacula-fd.conf");
  fs.writeFileSync(fdConf, [
    "FileDaemon {", "  Name = e2e-fd", `  FDport = ${fdPort}`, "  FDAddress = 127.0.0.1", `  WorkingDirectory = "${fdWork}"`, `  Pid Directory = "${fdWork}"`,
    "  Maximum Concurrent Jobs = 20", "}",
    "Director {", "  Name = e2e-dir", `  Password = "${FD_PASSWORD}"`, "}",
    "Messages {", "  Name = Standard", "  director = e2e-dir = all, !skipped, !restored", "}", "",
  ].join("\n"));
  consoleConf = path.join(root, "bconsole.conf");
  fs.writeFileSync(consoleConf, bconsoleConf("e2e-dir", dirPort, DIR_PASSWORD));

  catalogDb = makeSqliteCatalog(path.join(dirWork, "bacula"));

  daemons.push(await startDaemon("sd", sdConf, sdPort, path.join(root, "sd")));
  daemons.push(await startDaemon("fd", fdConf, fdPort, path.join(root, "fd")));
  daemons.push(await startDaemon("dir", dirConf, dirPort, path.join(root, "dir")));
}, 60_000);

afterAll(async () => {
  for (const dmn of daemons.reverse()) await dmn.stop();
  await prisma.$disconnect();
  if (root && !process.env.KEEP_BACULA_E2E) fs.rmSync(root, { recursive: true, force: true });
});

const SELECTED = /Storage "([^"]+)" was selected out of group of (\d+) available storages\. StorageGroupPolicy "([^"]+)" used/;

describe("real Bacula daemons on configs rendered from the database", () => {
  const seen: string[] = [];
  let firstBackup = 0;
  let secondBackup = 0;

  it("LeastUsed picks the first member when the group is idle", async () => {
    firstBackup = run("run job=NightlyBackup level=Full yes");
    expect(await waitDone(firstBackup)).toBe("T");
    const log = joblog(firstBackup);
    const m = SELECTED.exec(log);
    expect(m, log).not.toBeNull();
    seen.push(m![0]);
    expect(m!.slice(1)).toEqual(["File4", "3", "LeastUsed"]);
  });

  it("LeastUsed avoids the member that is busy", async () => {
    const holdId = run("run job=HoldFile4 level=Full yes");
    await waitFor("HoldFile4 to run", () => (jobStatus(holdId) === "R" ? true : undefined), 15_000);
    secondBackup = run("run job=NightlyBackup level=Full yes");
    expect(await waitDone(secondBackup)).toBe("T");
    expect(jobStatus(holdId), "the hold job was still running while the second backup chose its storage").toBe("R");
    const log = joblog(secondBackup);
    const m = SELECTED.exec(log);
    expect(m, log).not.toBeNull();
    seen.push(m![0]);
    expect(m!.slice(1)).toEqual(["File5", "3", "LeastUsed"]);
    expect(await waitDone(holdId)).toBe("T");
    expect(joblog(holdId)).toMatch(/Using Device "File4Dev"/);
    console.log(`Director log lines seen:\n  ${seen.join("\n  ")}`);
  });

  it("a Copy job writes the backups of the Pool into its Next Pool", async () => {
    const copyId = run("run job=CopyToOffsite yes");
    expect(await waitDone(copyId)).toBe("T");
    // The copies: Type 'C' jobs whose PoolId is the Next Pool's.
    const copies = await waitFor("the copy jobs", () => {
      const rows = sqliteQuery(catalogDb,
        "SELECT j.JobId, j.PriorJobId, p.Name, j.JobStatus FROM Job j JOIN Pool p ON p.PoolId = j.PoolId WHERE j.Type = 'C' ORDER BY j.JobId");
      return rows.length >= 2 && rows.every((r) => r[3] === "T") ? rows : undefined;
    });
    expect(copies.map((r) => r[2])).toEqual(["Offsite", "Offsite"]);
    expect(copies.map((r) => Number(r[1])).sort()).toEqual([firstBackup, secondBackup].sort());
    const volumes = bconsole(consoleConf, ["list volumes pool=Offsite"]);
    expect(volumes).toMatch(/Offsite-\d+/);
    expect(volumes).toMatch(/CopyFile/);
  });
});
