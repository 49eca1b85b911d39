import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { makeBaculaTempDir, runBdirjson, runBsdjson } from "@/lib/bacula/testing/bacula-bin";
import { diffJsonViews } from "@/lib/bacula/testing/json-view";

const { dir: tmpRoot } = freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { importConfigs, parseConfigFile, parseConfigText, detectDaemon } = await import("./import-to-db");
const { loadDirectorConfig, loadStorageDaemonConfig, modelRevision } = await import("./from-db");
const { renderDirector, renderStorageDaemon, validateDirector, hasErrors } = await import("@/lib/bacula");

const bacula = makeBaculaTempDir("bhd-import-");
const confDir = path.join(tmpRoot, "etc");
fs.mkdirSync(path.join(confDir, "conf.d"), { recursive: true });

/** A hand-written Director config: includes, comments, semicolons, nested blocks, escapes. */
const DIR_CONF = `# bacula-dir.conf written by hand
Director {                     # the Director itself
  Name = main-dir
  DIRport = 9101
  QueryFile = "/etc/bacula/scripts/query.sql"
  WorkingDirectory = "${bacula.work}"
  PidDirectory = "${bacula.run}"
  Maximum Concurrent Jobs = 20
  Password = "dir \\"quoted\\" pass"
  Messages = Daemon
}
Catalog {
  Name = MyCatalog
  dbname = "bacula"; dbuser = "bacula"; dbpassword = "db-pw"
  DB Address = db.example.net; DB Port = 5432
}
@conf.d/storages.conf
@"conf.d/pools.conf"
Client {
  Name = app-fd
  Address = app.example.net
  FDPort = 9102
  Catalog = MyCatalog
  Password = "fd-pw"          # password for FileDaemon
  File Retention = 60 days
  Job Retention = 6 months
  AutoPrune = yes
}
FileSet {
  Name = "Full Set"
  Include {
    Options {
      signature = SHA256
      compression = GZIP6
    }
    File = /etc
    File = "/srv/app data"
  }
  Exclude {
    File = /proc
  }
}
Schedule {
  Name = "WeeklyCycle"
  Run = Full 1st sun at 23:05
  Run = Incremental mon-sat at 23:05
}
Messages {
  Name = Standard
  console = all, !skipped, !saved
  append = "/var/log/bacula/bacula.log" = all, !skipped
  catalog = all
}
Messages {
  Name = Daemon
  console = all, !skipped, !saved
}
JobDefs {
  Name = "DefaultJob"
  Type = Backup
  Level = Incremental
  Client = app-fd
  FileSet = "Full Set"
  Schedule = "WeeklyCycle"
  Messages = Standard
  Pool = Nightly
  Priority = 10
}
Job {
  Name = "NightlyBackup"
  JobDefs = "DefaultJob"
  Run = "CloneJob level=%l since=\\"%s\\""
  RunScript {
    RunsWhen = Before
    RunsOnClient = no
    FailJobOnError = yes
    Command = "/etc/bacula/scripts/prepare.sh %n"
  }
}
Job {
  Name = CloneJob
  JobDefs = DefaultJob
  Pool = Offsite
}
Job {
  Name = "CopyToOffsite"
  Type = Copy
  Level = Full
  Client = app-fd
  FileSet = "Full Set"
  Messages = Standard
  Pool = Nightly
  Selection Type = PoolUncopiedJobs
  Priority = 12
  Maximum Concurrent Jobs = 2
}
`;

const STORAGES_CONF = `# included
Storage {
  Name = File4; Address = sd-a.example.net; SDPort = 9103; Password = "sd-a-pw"
  Device = FileDev4; Media Type = File4; Maximum Concurrent Jobs = 10
}
Storage {
  Name = File5
  Address = sd-a.example.net
  SDPort = 9103
  Password = "sd-a-pw"
  Device = FileDev5
  Media Type = File5
  Maximum Concurrent Jobs = 10
}
Storage {
  Name = File6
  Address = sd-a.example.net
  SDPort = 9103
  Password = "sd-a-pw"
  Device = FileDev6
  Media Type = File6
  Maximum Concurrent Jobs = 10
}
Autochanger {
  Name = OffsiteFile
  Address = sd-b.example.net
  SDPort = 9203
  Password = "sd-b-pw"
  Device = CopyDev
  Media Type = CopyFile
  Maximum Concurrent Jobs = 5
  Autochanger = OffsiteFile
}
`;

const POOLS_CONF = `Pool {
  Name = Nightly
  Pool Type = Backup
  Recycle = yes
  AutoPrune = yes
  Volume Retention = 30 days
  Maximum Volume Bytes = 50G
  Maximum Volumes = 100
  Label Format = "Nightly-"
  Storage = File4, File5, "File6"
  StorageGroupPolicy = LeastUsed
  Next Pool = Offsite
}
Pool {
  Name = Offsite
  Pool Type = Backup
  Recycle = yes
  AutoPrune = yes
  Volume Retention = 90 days
  Label Format = "Offsite-"
  Storage = OffsiteFile
}
`;

const SD_CONF = (work: string, run: string) => `Storage {
  Name = sd-site-a
  SDPort = 9103
  WorkingDirectory = "${work}"
  Pid Directory = "${run}"
  Maximum Concurrent Jobs = 20
}
Director {
  Name = main-dir
  Password = "sd-a-pw"
}
Director {
  Name = main-mon
  Password = "mon-pw"
  Monitor = yes
}
Device {
  Name = FileDev4; Media Type = File4; Archive Device = /srv/bacula/file4
  LabelMedia = yes; Random Access = yes; AutomaticMount = yes; RemovableMedia = no; AlwaysOpen = no
  Maximum Concurrent Jobs = 5
}
Device {
  Name = FileDev5
  Media Type = File5
  Archive Device = /srv/bacula/file5
  Device Type = File
  LabelMedia = yes
  Random Access = yes
  AutomaticMount = yes
  RemovableMedia = no
  AlwaysOpen = no
  Maximum Concurrent Jobs = 5
}
Device {
  Name = FileDev6
  Media Type = File6
  Archive Device = /srv/bacula/file6
  Device Type = File
  LabelMedia = yes
  Random Access = yes
  AutomaticMount = yes
  RemovableMedia = no
  AlwaysOpen = no
  Maximum Concurrent Jobs = 5
}
Messages {
  Name = Standard
  director = main-dir = all
}
`;

type J = Record<string, unknown>;

/** bdirjson/bsdjson output as a map "Type/Name" -> body, with Bacula's defaults filled in where the dashboard writes them explicitly. */
function canonical(json: unknown): Map<string, J> {
  const defaults: Record<string, J> = {
    Director: { DirPort: 9101, MaximumConcurrentJobs: 20 },
    Storage: { SdPort: 9103, MaximumConcurrentJobs: 1 },
    Client: { FdPort: 9102, AutoPrune: true },
    Pool: { AutoPrune: true, Recycle: true },
  };
  const out = new Map<string, J>();
  for (const r of json as J[]) {
    const [type, body] = Object.entries(r)[0] as [string, J];
    const b: J = { ...(defaults[type] ?? {}), ...body };
    // `Autochanger = <its own name>` and `Autochanger = yes` mean the same.
    if (type === "Storage" && b.Autochanger === b.Name) b.Autochanger = true;
    out.set(`${type}/${String(b.Name)}`, b);
  }
  return out;
}

let sdWork: ReturnType<typeof makeBaculaTempDir>;

beforeAll(() => {
  sdWork = makeBaculaTempDir("bhd-import-sd-");
  fs.writeFileSync(path.join(confDir, "bacula-dir.conf"), DIR_CONF);
  fs.writeFileSync(path.join(confDir, "conf.d", "storages.conf"), STORAGES_CONF);
  fs.writeFileSync(path.join(confDir, "conf.d", "pools.conf"), POOLS_CONF);
  fs.writeFileSync(path.join(confDir, "bacula-sd.conf"), SD_CONF(sdWork.work, sdWork.run));
});

describe("importing existing Bacula configs into the database", () => {
  it("detects Director and Storage Daemon configs", () => {
    expect(detectDaemon(DIR_CONF)).toBe("dir");
    expect(detectDaemon(SD_CONF("/a", "/b"))).toBe("sd");
    expect(detectDaemon(STORAGES_CONF + POOLS_CONF)).toBe("dir");
  });

  it("imports a Director and its SD in one go and renders a config Bacula parses to the same values", async () => {
    const dirSrc = parseConfigFile(path.join(confDir, "bacula-dir.conf"));
    const sdSrc = parseConfigFile(path.join(confDir, "bacula-sd.conf"));
    expect(dirSrc.daemon).toBe("dir");
    expect(sdSrc.daemon).toBe("sd");
    expect(dirSrc.result.issues).toEqual([]);
    const revBefore = await modelRevision(prisma);
    const report = await importConfigs(prisma, [dirSrc, sdSrc], { actor: "tester" });
    expect(report.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(report.applied).toBe(true);
    expect(report.revision).toBe(revBefore + 1);

    // Mapping notes name the file and line.
    expect(report.issues).toContainEqual(expect.objectContaining({ file: path.join(confDir, "bacula-dir.conf"), line: 2, severity: "warning", message: expect.stringContaining("no DirAddress") }));
    // The Director Storage OffsiteFile (sd-b) has no SD config here: placeholder SD and device, reported at the include's line.
    const storagesFile = path.join(confDir, "conf.d", "storages.conf");
    expect(report.issues).toContainEqual(expect.objectContaining({ file: storagesFile, line: 24, message: expect.stringContaining("placeholder Storage Daemon") }));
    expect(report.changes.filter((c) => c.placeholder).map((c) => `${c.kind}:${c.name}`).sort()).toEqual(["devices:CopyDev", "storage-daemons:sd-sd-b.example.net-9203"]);

    // Records: the SD from its own config, matched to the Director's Storages by address/port and device name.
    const sd = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "sd-site-a" }, include: { devices: true, storages: true } });
    expect(sd.address).toBe("sd-a.example.net");
    expect(sd.devices.map((d) => d.name).sort()).toEqual(["FileDev4", "FileDev5", "FileDev6"]);
    expect(sd.storages.map((s) => s.name).sort()).toEqual(["File4", "File5", "File6"]);
    expect(sd.passwordEnc).not.toContain("sd-a-pw");
    const nightly = await prisma.pool.findFirstOrThrow({ where: { name: "Nightly" }, include: { nextPool: true, storages: { orderBy: { position: "asc" }, include: { storage: true } } } });
    expect(nightly.storages.map((m) => m.storage.name)).toEqual(["File4", "File5", "File6"]);
    expect(nightly.storagePolicy).toBe("LeastUsed");
    expect(nightly.nextPool?.name).toBe("Offsite");
    const director = await prisma.director.findUniqueOrThrow({ where: { name: "main-dir" } });
    expect(director.passwordEnc).not.toContain("quoted");
    const audits = await prisma.auditEvent.findMany({ where: { actor: "tester" } });
    expect(audits.find((a) => a.action === "import")).toBeDefined();
    expect(audits.filter((a) => a.action === "import-create").length).toBe(report.changes.filter((c) => c.action === "create").length);
    expect(JSON.stringify(audits)).not.toContain("fd-pw");

    // Render from the database and compare what Bacula's parser makes of both.
    const cfg = await loadDirectorConfig(prisma, director.id);
    expect(hasErrors(validateDirector(cfg))).toBe(false);
    const rendered = renderDirector(cfg, { revision: await modelRevision(prisma) });
    const original = runBdirjson(fs.readFileSync(path.join(confDir, "bacula-dir.conf"), "utf8").replace(/^@(\S+)$/gm, (_, p) => `@${path.resolve(confDir, p.replace(/"/g, ""))}`));
    const again = runBdirjson(rendered);
    expect(original.code, original.stdout).toBe(0);
    expect(again.code, again.stdout).toBe(0);
    // Every directive as Bacula's JSON view shows it: none dropped, changed or added.
    expect(diffJsonViews(original.json, again.json)).toEqual({ total: 101, kept: 101, dropped: [], changed: [], added: [] });
    const a = canonical(original.json);
    const b = canonical(again.json);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());

    // The Storage Daemon too (bsdjson), with its monitor Director and its own Messages, kept as written.
    const sdCfg = await loadStorageDaemonConfig(prisma, sd.id);
    const sdOriginal = runBsdjson(SD_CONF(sdWork.work, sdWork.run));
    const sdAgain = runBsdjson(renderStorageDaemon(sdCfg, { revision: 1 }));
    expect(sdAgain.code, sdAgain.stdout).toBe(0);
    expect(diffJsonViews(sdOriginal.json, sdAgain.json)).toEqual({ total: 33, kept: 33, dropped: [], changed: [], added: [] });
    expect(canonical(sdAgain.json).get("Director/main-mon")).toMatchObject({ Password: "mon-pw", Monitor: true });
  });

  it("importing the same files again changes nothing: no update, no audit event, no revision bump", async () => {
    const before = await prisma.pool.count();
    const revision = await modelRevision(prisma);
    const audits = await prisma.auditEvent.count();
    const rows = async () => JSON.stringify(await Promise.all([
      prisma.director.findMany({ orderBy: { id: "asc" } }),
      prisma.storage.findMany({ orderBy: { id: "asc" } }),
      prisma.pool.findMany({ orderBy: { id: "asc" } }),
      prisma.job.findMany({ orderBy: { id: "asc" } }),
      prisma.device.findMany({ orderBy: { id: "asc" } }),
      prisma.configResource.findMany({ orderBy: { id: "asc" } }),
      prisma.storageGroupMember.findMany({ orderBy: { id: "asc" } }),
    ]));
    const snapshot = await rows();
    const report = await importConfigs(prisma, [parseConfigFile(path.join(confDir, "bacula-dir.conf")), parseConfigFile(path.join(confDir, "bacula-sd.conf"))]);
    expect(report.applied).toBe(true);
    expect(report.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(report.changes).toEqual([]);
    expect(report.revision).toBeUndefined();
    expect(await modelRevision(prisma)).toBe(revision);
    expect(await prisma.auditEvent.count()).toBe(audits);
    expect(await rows()).toBe(snapshot);
    expect(await prisma.pool.count()).toBe(before);
    expect(await prisma.storageDaemon.count()).toBe(2);
  });

  it("a changed directive is one update of that record, audited, with one revision bump", async () => {
    const revision = await modelRevision(prisma);
    const text = fs.readFileSync(path.join(confDir, "conf.d", "pools.conf"), "utf8");
    fs.writeFileSync(path.join(confDir, "conf.d", "pools.conf"), text.replace("Volume Retention = 90 days", "Volume Retention = 91 days"));
    try {
      const report = await importConfigs(prisma, [parseConfigFile(path.join(confDir, "bacula-dir.conf")), parseConfigFile(path.join(confDir, "bacula-sd.conf"))], { actor: "re-import" });
      expect(report.changes.map((c) => `${c.action}:${c.kind}:${c.name}`)).toEqual(["update:pools:Offsite"]);
      expect(report.revision).toBe(revision + 1);
      const audit = await prisma.auditEvent.findMany({ where: { actor: "re-import" } });
      expect(audit.map((a) => a.action).sort()).toEqual(["import", "import-update"]);
      expect((await prisma.pool.findFirstOrThrow({ where: { name: "Offsite" } })).volumeRetention).toBe("91 days");
    } finally {
      fs.writeFileSync(path.join(confDir, "conf.d", "pools.conf"), text);
    }
  });

  it("writes nothing when something cannot be mapped, and reports it with file and line", async () => {
    const text = `Director {
  Name = broken-dir
  Password = "x"
  QueryFile = "/q"
  WorkingDirectory = "/w"
  PidDirectory = "/p"
}
Client {
  Name = lost-fd
  Address = lost.example.net
  Password = "x"
  Catalog = NoSuchCatalog
}
Pool {
  Name = P
  Pool Type = Backup
  Spool Data = yes
}
Messages {
  Name = M
  console = all
}
Job {
  Name = J
  Type = Backup
  Client = lost-fd
  Pool = P
  Messages = M
  FileSet = NoSuchSet
}
`;
    const directors = await prisma.director.count();
    const revision = await modelRevision(prisma);
    const src = parseConfigText(text, "/tmp/broken-dir.conf");
    const report = await importConfigs(prisma, [src]);
    expect(report.applied).toBe(false);
    expect(await prisma.director.count()).toBe(directors);
    expect(await modelRevision(prisma)).toBe(revision);
    // What Bacula would refuse, each with its file and line: a Pool has no Spool Data (Bacula:
    // 'Keyword "SpoolData" not permitted in this resource'), dangling references (at the line of
    // the directive that names them), and the resource types a Director needs.
    expect(report.issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: "/tmp/broken-dir.conf", line: 17, severity: "error", stage: "parse", message: 'Pool: unknown directive "SpoolData"' }),
      expect.objectContaining({ file: "/tmp/broken-dir.conf", line: 12, severity: "error", stage: "check", message: expect.stringContaining('Catalog "NoSuchCatalog"') }),
      expect.objectContaining({ file: "/tmp/broken-dir.conf", line: 29, severity: "error", stage: "check", message: expect.stringContaining('Fileset "NoSuchSet"') }),
      expect.objectContaining({ file: "/tmp/broken-dir.conf", severity: "error", stage: "check", message: "bacula-dir.conf needs at least one Catalog resource" }),
    ]));
    expect(report.issues.every((i) => i.file === "/tmp/broken-dir.conf" && i.line >= 0)).toBe(true);
    // With allowErrors, what could be mapped is written.
    const forced = await importConfigs(prisma, [src], { allowErrors: true });
    expect(forced.applied).toBe(true);
    expect(await prisma.director.count()).toBe(directors + 1);
    expect(await prisma.client.findFirst({ where: { name: "lost-fd" } })).toBeNull();
  });

  it("rolls back a dry run", async () => {
    const text = DIR_CONF.replace("Name = main-dir", "Name = dry-dir").replace(/^@.*$/gm, "");
    const report = await importConfigs(prisma, [parseConfigText(text, "/tmp/dry.conf")], { dryRun: true, allowErrors: true });
    expect(report.applied).toBe(false);
    expect(report.changes.length).toBeGreaterThan(5);
    expect(await prisma.director.findUnique({ where: { name: "dry-dir" } })).toBeNull();
  });

  it("Debian's stock files imported one daemon at a time, in any order, then together, converge: each file again alone changes nothing", async () => {
    const stock = (d: string) => parseConfigFile(`/etc/bacula/bacula-${d}.conf`);
    const names = (r: { changes: { action: string; kind: string; name: string }[] }) => r.changes.map((c) => `${c.action} ${c.kind} ${c.name}`);
    // The Director first (its SD only known from its Storages: a placeholder), then the SD, then all.
    await importConfigs(prisma, [stock("dir")]);
    const dirName = (stock("dir") as { result: { config: { director: { name: string } } } }).result.config.director.name;
    const sdName = (stock("sd") as { result: { config: { storage: { name: string } } } }).result.config.storage.name;
    const director = await prisma.director.findUniqueOrThrow({ where: { name: dirName } });
    const renderDir = async () => renderDirector(await loadDirectorConfig(prisma, director.id), { revision: 1 });
    const dirBefore = await renderDir();
    const sdAlone = await importConfigs(prisma, [stock("sd")]);
    expect(sdAlone.issues.filter((i) => i.severity === "error")).toEqual([]);
    // The SD alone is the daemon of the placeholder at "localhost" (it listens on 127.0.0.1 and
    // accepts the Director with the Storages' password): the Storages move to it, and the
    // placeholder, used by nothing and not edited, goes with the devices made up for it.
    expect(sdAlone.issues.filter((i) => /placeholder/.test(i.message)).map((i) => i.message)).toEqual([
      'Storage Daemon "sd-localhost-9103" (a placeholder) is used by no Storage any more: the import removes it, with the devices made up for it (FileChgr1, FileChgr2)',
    ]);
    expect(names(sdAlone)).toEqual(expect.arrayContaining(["update storages File1", "update storages File2", "delete devices FileChgr1", "delete devices FileChgr2", "delete storage-daemons sd-localhost-9103"]));
    expect(await prisma.storageDaemon.findUnique({ where: { name: "sd-localhost-9103" } })).toBeNull();
    const moved = await prisma.storage.findMany({ where: { name: { in: ["File1", "File2"] } }, include: { storageDaemon: true }, orderBy: { name: "asc" } });
    // The SD is reached where the placeholder was (the SD listens on 127.0.0.1, the Storages say "localhost").
    expect(moved.map((s) => [s.storageDaemon.name, s.storageDaemon.address, s.address])).toEqual([[sdName, "localhost", null], [sdName, "localhost", null]]);
    // The Director's file renders as before, and the SD's own as Bacula reads its original.
    expect(await renderDir()).toBe(dirBefore);
    const sdRow = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: sdName } });
    const sdView = runBsdjson(renderStorageDaemon(await loadStorageDaemonConfig(prisma, sdRow.id), { revision: 1 }));
    const sdOriginal = runBsdjson(fs.readFileSync("/etc/bacula/bacula-sd.conf", "utf8"));
    expect(diffJsonViews(sdOriginal.json, sdView.json)).toMatchObject({ dropped: [], changed: [], added: [] });
    const all = await importConfigs(prisma, [stock("dir"), stock("sd"), stock("fd")]);
    expect(all.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(all.issues.filter((i) => /placeholder/.test(i.message))).toEqual([]);
    for (const d of ["dir", "sd", "fd", "dir"]) {
      const again = await importConfigs(prisma, [stock(d)], { dryRun: true });
      // The SD alone keeps the address the Directors use; the Director alone finds the real SD and its Autochangers.
      expect(names(again), d).toEqual([]);
      expect(again.issues.filter((i) => /placeholder/.test(i.message)), d).toEqual([]);
    }
    const storages = await prisma.storage.findMany({ where: { name: { in: ["File1", "File2"] } }, include: { storageDaemon: true } });
    expect(storages.map((s) => s.storageDaemon.name)).toEqual([sdName, sdName]);
  });
});

describe("warnings of the imported model", () => {
  it("sit at the resource's line, on the first import and on a re-import of a changed file (not at line 0 of no file)", async () => {
    const { minimalDirectorText } = await import("@/lib/bacula/testing/minimal-config");
    const pools = "Pool {\n  Name = P\n  PoolType = Backup\n  NextPool = Q\n}\nPool {\n  Name = Q\n  PoolType = Backup\n  NextPool = P\n}";
    const text = minimalDirectorText({ pools, after: "" }).replace("Name = d\n", "Name = cycle-dir\n");
    const file = "/tmp/cycle/bacula-dir.conf";
    const line = text.split("\n").findIndex((l) => l === "Pool {") + 1;
    const first = await importConfigs(prisma, [parseConfigText(text, file)]);
    expect(first.applied).toBe(true);
    expect(first.issues.filter((i) => /Next Pool cycle/.test(i.message)).map((i) => `${i.file}:${i.line}`)).toEqual([`${file}:${line}`]);
    // The stored Director validated again after a change: the warning still names the file and line.
    const again = await importConfigs(prisma, [parseConfigText(text.replace("Console = all", "Console = all, !skipped"), file)]);
    expect(again.changes.length).toBeGreaterThan(0);
    expect(again.issues.filter((i) => /Next Pool cycle/.test(i.message)).map((i) => `${i.file}:${i.line}`)).toEqual([`${file}:${line}`]);
  });

  it("a problem of a stored resource that this file does not define names the file's line the message names, and says it is stored", async () => {
    const { minimalDirectorText } = await import("@/lib/bacula/testing/minimal-config");
    // A first file: a Job that takes its Client from its JobDefs.
    const defs = (client: string) => `JobDefs {\n  Name = Defs\n  Type = Backup\n  FileSet = F\n  Pool = P\n  Storage = S\n  Messages = M\n${client}}\n`;
    const base = minimalDirectorText({ after: "" }).replace("Name = d\n", "Name = merged-dir\n");
    const first = `${base}${defs("  Client = c\n")}Job {\n  Name = FromDefs\n  JobDefs = Defs\n}\n`;
    const a = await importConfigs(prisma, [parseConfigText(first, "/tmp/merged/a/bacula-dir.conf")]);
    expect(a.issues.filter((i) => i.severity === "error"), JSON.stringify(a.issues)).toEqual([]);
    expect(a.applied).toBe(true);
    // Another file of the same Director redefines the JobDefs without a Client (and has no Job FromDefs).
    const second = `${base}${defs("")}`;
    const file = "/tmp/merged/b/bacula-dir.conf";
    const line = second.split("\n").findIndex((l) => l === "JobDefs {") + 1;
    const b = await importConfigs(prisma, [parseConfigText(second, file)]);
    const err = b.issues.find((i) => i.severity === "error" && /FromDefs/.test(i.message));
    expect(err, JSON.stringify(b.issues)).toMatchObject({ file, line });
    expect(err!.message).toMatch(/JobDefs "Defs"/);
    expect(err!.message).toMatch(/Job "FromDefs" is not in this upload: it is stored, from an earlier import or the dashboard/);
    expect(b.applied).toBe(false);
  });

  it("an import of unchanged files still says what the stored daemon cannot render (a Job added outside the import)", async () => {
    const { minimalDirectorText } = await import("@/lib/bacula/testing/minimal-config");
    const text = minimalDirectorText({ after: "" }).replace("Name = d\n", "Name = unchanged-dir\n");
    const file = "/tmp/unchanged/bacula-dir.conf";
    const a = await importConfigs(prisma, [parseConfigText(text, file)]);
    expect(a.issues.filter((i) => i.severity === "error"), JSON.stringify(a.issues)).toEqual([]);
    const dir = await prisma.director.findUniqueOrThrow({ where: { name: "unchanged-dir" } });
    // Stored without its Client, FileSet, Pool and Messages (as no dashboard form would let it be).
    await prisma.job.create({ data: { name: "stored-broken", type: "Backup", directorId: dir.id, runLines: [], runScripts: [] } });
    const again = await importConfigs(prisma, [parseConfigText(text, file)], { dryRun: true });
    expect(again.changes).toEqual([]);
    expect(again.issues.filter((i) => i.severity === "error").map((i) => i.message)).toContainEqual(expect.stringMatching(/Job "stored-broken".*it is stored, from an earlier import or the dashboard/));
    await prisma.job.deleteMany({ where: { name: "stored-broken" } });
  });
});
