/**
 * The importer warmed at server start, as the topology map is (lib/topology/service.ts): a few dry
 * runs of a generated Director + Storage Daemon + File Daemon upload, through the whole import
 * (upload checks, parse, Bacula's checks, the database transaction, the render checks), rolled
 * back at the end as every dry run is. The operator's first import then runs on compiled code and
 * cached query plans instead of paying the JIT's and the query compiler's first pass (about three
 * quarters of a cold import's time on the bench config).
 *
 * Each round also writes what an import writes after its checks (the audit events, the model
 * revision bump: ImportOptions.rehearse), so the write path is warm too. Nothing stays: the
 * transaction is rolled back (PostgreSQL's sequences may move on, as they do for any rolled-back
 * insert). The names are random, so two instances warming on one database never meet.
 * IMPORT_WARM_UP=0 turns it off.
 */
import { randomBytes } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { importUpload, type UploadImportResult } from "./import-upload";
import type { UploadedFile } from "./upload-files";

/**
 * Measured in-process on the bench config (bench/import.ts; medians of 5 starts): with 6 rounds the
 * first dry run took 178 ms and its import 132 ms, with 12 rounds 119-138 and 94-104 ms (later
 * imports 85-96 ms; with no warm-up 288 and 193 ms). More rounds of the small config gave nothing
 * more that this machine's noise would show.
 *
 * The last LARGE_ROUNDS are of a large site's size (LARGE, not the bench's): a first import of
 * 1,550 records after twelve small rounds still ran partly unoptimised, its profile showing the
 * importer's own loops and Prisma's query compiler as it had not run them on that many rows. In
 * five paired in-process starts (bench config, a machine loaded by other work) the first import
 * was faster with two large rounds every time: median 150 ms against 317 ms without. The
 * start-up's warm-up grows by ~0.3 s, in the background.
 */
export const ROUNDS = 12;
const LARGE_ROUNDS = 2;
type Size = { jobs: number; pools: number; storages: number; clients: number; sds: number };
const SMALL: Size = { jobs: 200, pools: 24, storages: 12, clients: 12, sds: 2 };
const LARGE: Size = { jobs: 600, pools: 120, storages: 60, clients: 60, sds: 6 };

/**
 * The files a generated upload imports as daemon configs; `fd: false` leaves its File Daemon's
 * config unread (an import of a bacula-fd.conf goes partly through Prisma, so its dry run records no
 * plan to replay: those rounds warm the replay, lib/config/import-to-db.ts applyPlan).
 */
export function warmUpMain(size: Size = SMALL, o: { fd?: boolean } = {}): string[] {
  return ["bacula-dir.conf", ...Array.from({ length: size.sds }, (_, i) => `sd${i + 1}/bacula-sd.conf`), ...(o.fd === false ? [] : ["fd1/bacula-fd.conf"])];
}

/** A generated upload: bacula-dir.conf with a conf.d include, the SD configs its Storages reach and one FD config. */
export function warmUpFiles(tag: string, SIZE: Size = SMALL): UploadedFile[] {
  const p = `warm-${tag}`;
  const D: string[] = [];
  D.push(`Director {\n  Name = ${p}-dir\n  DIRport = 9101\n  QueryFile = "/etc/bacula/scripts/query.sql"\n  WorkingDirectory = "/var/lib/bacula"\n  PidDirectory = "/run/bacula"\n  Maximum Concurrent Jobs = 20\n  Password = "${randomBytes(12).toString("hex")}"\n  Messages = Daemon\n}`);
  D.push(`Catalog {\n  Name = ${p}-cat\n  dbname = "bacula"; dbuser = "bacula"; dbpassword = ""\n}`);
  D.push(`Messages {\n  Name = Daemon\n  mailcommand = "/usr/sbin/bsmtp -h localhost -f \\"\\(Bacula\\) \\<%r\\>\\" -s \\"Bacula: %t %e of %c %l\\" %r"\n  mail = root = all, !skipped\n  console = all, !skipped, !saved\n  append = "/var/log/bacula/bacula.log" = all, !skipped\n  catalog = all\n}`);
  D.push(`Schedule {\n  Name = ${p}-cycle\n  Run = Full 1st sun at 23:05\n  Run = Differential 2nd-5th sun at 23:05\n  Run = Incremental mon-sat at 23:05\n}`);
  D.push(`FileSet {\n  Name = ${p}-set\n  Include {\n    Options {\n      signature = MD5\n      compression = GZIP\n    }\n    File = /etc\n  }\n  Exclude {\n    File = /tmp\n  }\n}`);
  for (let i = 1; i <= SIZE.clients; i++)
    D.push(`Client {\n  Name = ${p}-fd${i}\n  Address = fd${i}.warm.invalid\n  FDPort = 9102\n  Catalog = ${p}-cat\n  Password = "fd-${i}-${tag}"\n  File Retention = 60 days\n  Job Retention = 6 months\n  AutoPrune = yes\n}`);
  for (let i = 1; i <= SIZE.storages; i++)
    D.push(`Storage {\n  Name = ${p}-st${i}\n  Address = sd${(i % SIZE.sds) + 1}.warm.invalid\n  SDPort = 9103\n  Password = "sd-${(i % SIZE.sds) + 1}-${tag}"\n  Device = ${p}-dev${i}\n  Media Type = ${p}-File${i}\n  Maximum Concurrent Jobs = 10\n}`);
  const half = SIZE.pools / 2;
  for (let i = 1; i <= SIZE.pools; i++) {
    const group = [0, 1, 2].map((k) => `"${p}-st${((i + k) % SIZE.storages) + 1}"`).join(", ");
    D.push(`Pool {\n  Name = ${p}-pool${i}\n  Pool Type = Backup\n  Recycle = yes\n  AutoPrune = yes\n  Volume Retention = 30 days\n  Maximum Volume Bytes = 50G\n  Label Format = "${p}-${i}-"\n  Storage = ${group}\n  StorageGroupPolicy = ${i % 2 ? "LeastUsed" : "ListedOrder"}${i <= half ? `\n  Next Pool = ${p}-pool${i + half}` : ""}\n}`);
  }
  D.push(`JobDefs {\n  Name = ${p}-defs\n  Type = Backup\n  Level = Incremental\n  Messages = Daemon\n  Priority = 10\n  WriteBootstrap = "/var/lib/bacula/%c.bsr"\n}`);
  D.push(`@|"sh -c 'for f in /warm/${p}/conf.d/*.conf ; do echo @\${f} ; done'"`);
  const J: string[] = [];
  for (let i = 1; i <= SIZE.jobs; i++) {
    const copy = i % 10 === 0;
    J.push(
      `Job {\n  Name = "${p}-job${i}"\n  JobDefs = ${p}-defs\n  Client = ${p}-fd${((i - 1) % SIZE.clients) + 1}\n  FileSet = ${p}-set\n  Schedule = ${p}-cycle\n  Pool = ${p}-pool${((i - 1) % half) + 1}` +
        (copy ? `\n  Type = Copy\n  Selection Type = PoolUncopiedJobs` : `\n  RunScript {\n    RunsWhen = Before\n    RunsOnClient = no\n    Command = "/etc/bacula/scripts/prepare %c"\n  }\n  Max Run Time = 4 hours\n  Accurate = yes`) +
        `\n}`,
    );
  }
  const files: { path: string; text: string }[] = [
    { path: "bacula-dir.conf", text: D.join("\n\n") + "\n" },
    { path: "conf.d/jobs.conf", text: J.join("\n\n") + "\n" },
  ];
  for (let sd = 1; sd <= SIZE.sds; sd++) {
    const S = [
      `Storage {\n  Name = ${p}-sd${sd}\n  SDPort = 9103\n  WorkingDirectory = "/var/lib/bacula"\n  Pid Directory = "/run/bacula"\n  SDAddress = 0.0.0.0\n}`,
      `Director {\n  Name = ${p}-dir\n  Password = "sd-${sd}-${tag}"\n}`,
      `Messages {\n  Name = Standard\n  director = ${p}-dir = all\n}`,
    ];
    for (let i = 1; i <= SIZE.storages; i++)
      if ((i % SIZE.sds) + 1 === sd)
        S.push(`Device {\n  Name = ${p}-dev${i}\n  Media Type = ${p}-File${i}\n  Archive Device = /srv/bacula/dev${i}\n  LabelMedia = yes\n  Random Access = yes\n  AutomaticMount = yes\n  RemovableMedia = no\n  AlwaysOpen = no\n}`);
    files.push({ path: `sd${sd}/bacula-sd.conf`, text: S.join("\n\n") + "\n" });
  }
  files.push({
    path: "fd1/bacula-fd.conf",
    text: `FileDaemon {\n  Name = ${p}-fd1\n  FDport = 9102\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n  Maximum Concurrent Jobs = 20\n}\n\nDirector {\n  Name = ${p}-dir\n  Password = "fd-1-${tag}"\n}\n\nMessages {\n  Name = Standard\n  director = ${p}-dir = all, !skipped, !restored\n}\n`,
  });
  const enc = new TextEncoder();
  return files.map((f) => ({ path: f.path, bytes: enc.encode(f.text) }));
}

/**
 * The route's own reading of an upload and writing of its answer, run on each round's files and
 * report (lib/config/import-http.ts warmImportRoute); nothing is imported there.
 */
export type RouteWarmUp = (files: UploadedFile[], main: string[], report: UploadImportResult) => Promise<void>;

/** Runs the warm-up dry runs; resolves with their times (ms), or null when turned off. */
export async function warmImporter(db: PrismaClient, route?: RouteWarmUp): Promise<number[] | null> {
  if (process.env.IMPORT_WARM_UP === "0") return null;
  const times: number[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    const tag = randomBytes(6).toString("hex");
    const size = k >= ROUNDS - LARGE_ROUNDS ? LARGE : SMALL;
    const files = warmUpFiles(tag, size);
    // Every other small round and the large ones without the File Daemon: their import is replayed too.
    const main = warmUpMain(size, { fd: k % 2 === 0 && size === SMALL });
    const t0 = performance.now();
    const r = await importUpload(db, {
      root: `/warm/warm-${tag}`,
      files,
      main,
      dryRun: true,
      rehearse: true,
      actor: "import warm-up",
    });
    if (route) await route(files, main, r);
    times.push(Math.round(performance.now() - t0));
    // The generated configs are meant to import cleanly: an error here is the importer's, worth a line.
    const errors = r.issues.filter((i) => i.severity === "error");
    if (errors.length) throw new Error(`import warm-up: ${errors.length} errors, first ${errors[0].file}:${errors[0].line} ${errors[0].message}`);
    if (r.applied || r.changes.length === 0) throw new Error(`import warm-up: expected a dry run with changes (applied ${r.applied}, ${r.changes.length} changes)`);
    // Let requests in between rounds.
    await new Promise((res) => setImmediate(res));
  }
  return times;
}
