/**
 * Lossless import, judged by Bacula: configs this project did not write (Debian's stock
 * /etc/bacula files, the device examples Bacula ships under /usr/share/doc/bacula-common/examples)
 * and the layouts Bacula reads (BOM, includes with comments, piped directory includes, quoted
 * strings over several lines, keyword aliases, order-sensitive directives) are imported into a
 * fresh database, rendered back from it, and the JSON view of Bacula's own parser (bdirjson -c /
 * bsdjson -c, Debian's 15.0.3) of the original is compared with that of the render, directive by
 * directive: nothing dropped, nothing changed. No mocks: real files, real binaries.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { deepFreeze } from "@/test/support/freeze";
import { makeBaculaTempDir, runBaculaJsonFile, runBdirjson, runBsdjson, type BaculaBinResult } from "@/lib/bacula/testing/bacula-bin";
import { diffJsonViews, type JsonViewDiff } from "@/lib/bacula/testing/json-view";
import { parseTree } from "@/lib/bacula/parser";
import { findDirective, findResource } from "@/lib/bacula/tables";
import type { BlockDef } from "@/lib/bacula/tables/types";
import { withoutPos, type ConfigTree, type Item, type ResourceNode } from "@/lib/bacula/tree";
import { viewItems } from "./items";

const { dir: tmpRoot } = freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { importConfigs, parseConfigFile } = await import("./import-to-db");
const { loadDirectorConfig, loadStorageDaemonConfig, modelRevision } = await import("./from-db");
const { renderDirector, renderStorageDaemon } = await import("@/lib/bacula");

const EXAMPLES = "/usr/share/doc/bacula-common/examples/devices";
let bacula: ReturnType<typeof makeBaculaTempDir>;
let caseNo = 0;

beforeAll(() => {
  bacula = makeBaculaTempDir("bhd-fidelity-");
});
afterAll(() => bacula?.cleanup());

/** bdirjson/bsdjson -c on a file as it is on disk (includes resolved by Bacula itself, shell included). */
function baculaView(tool: "bdirjson" | "bsdjson", file: string, test = false): BaculaBinResult {
  return runBaculaJsonFile(tool, file, { test });
}

interface RoundTrip {
  rendered: string;
  diff: JsonViewDiff;
  original: BaculaBinResult;
  again: BaculaBinResult;
}

/** Imports the files, renders the daemon named `name` from the database, compares Bacula's views. */
async function roundTrip(mains: string[], daemon: "dir" | "sd", name: string): Promise<RoundTrip> {
  // Frozen: the import leaves the parse as it was (the Import page's import reuses its dry run's).
  const sources = mains.map((f) => deepFreeze(parseConfigFile(f)));
  for (const s of sources) expect(s.result.issues.filter((i) => i.severity === "error"), s.file).toEqual([]);
  expect((await importConfigs(prisma, sources, { actor: "fidelity", dryRun: true })).applied).toBe(false);
  const report = await importConfigs(prisma, sources, { actor: "fidelity" });
  expect(report.issues.filter((i) => i.severity === "error")).toEqual([]);
  expect(report.applied).toBe(true);
  const revision = await modelRevision(prisma);
  let rendered: string;
  if (daemon === "dir") {
    const d = await prisma.director.findUniqueOrThrow({ where: { name } });
    rendered = renderDirector(await loadDirectorConfig(prisma, d.id), { revision });
  } else {
    const sd = await prisma.storageDaemon.findUniqueOrThrow({ where: { name } });
    rendered = renderStorageDaemon(await loadStorageDaemonConfig(prisma, sd.id), { revision });
  }
  const main = mains.find((f) => sources.find((s) => s.file === path.resolve(f))?.daemon === daemon)!;
  const tool = daemon === "dir" ? "bdirjson" : "bsdjson";
  const original = baculaView(tool, path.resolve(main));
  const again = (daemon === "dir" ? runBdirjson : runBsdjson)(rendered);
  expect(original.code, original.stdout.slice(0, 400)).toBe(0);
  expect(again.code, again.stdout.slice(0, 400)).toBe(0);
  return { rendered, diff: diffJsonViews(original.json, again.json), original, again };
}

/** Nothing dropped, changed or added: a directive the original left out (a default port...) stays out. */
function expectLossless(d: JsonViewDiff, minimum: number) {
  expect({ dropped: d.dropped, changed: d.changed, added: d.added }).toEqual({ dropped: [], changed: [], added: [] });
  expect(d.kept).toBe(d.total);
  expect(d.total).toBeGreaterThanOrEqual(minimum);
}

/** A directory of config files for one case. */
function caseDir(files: Record<string, string>): string {
  const dir = path.join(tmpRoot, `case-${++caseNo}`);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** A complete Director config around `body` (which holds the Job and whatever the case needs). */
function director(name: string, body: string, messages = `Messages {\n  Name = Standard\n  Console = all, !skipped\n}\n`): string {
  return `Director {
  Name = ${name}
  Password = "dir-pw"
  QueryFile = "/etc/bacula/scripts/query.sql"
  WorkingDirectory = "${bacula.work}"
  PidDirectory = "${bacula.run}"
  Messages = Standard
}
Catalog {
  Name = MyCatalog
  DbName = bacula
}
Storage {
  Name = File1
  Address = sd.example.net
  Password = "sd-pw"
  Device = FileChgr1
  MediaType = File1
}
Pool {
  Name = Default
  PoolType = Backup
  Storage = File1
}
Client {
  Name = app-fd
  Address = app.example.net
  Password = "fd-pw"
  Catalog = MyCatalog
}
${messages}${body}`;
}

/** A Storage Daemon config listening as `listen` says, for Director `dir` (its password), with one File device. */
function sdConfig(name: string, listen: string, dir: string, password: string, device: string, mediaType: string): string {
  return `Storage {
  Name = ${name}
  ${listen}
  WorkingDirectory = "${bacula.work}"
  PidDirectory = "${bacula.run}"
}
Director {
  Name = ${dir}
  Password = "${password}"
}
Device {
  Name = ${device}
  MediaType = ${mediaType}
  ArchiveDevice = "${bacula.work}"
  DeviceType = File
}
Messages {
  Name = Standard
  Director = ${dir} = all
}
`;
}

const JOB = `Job {
  Name = Backup
  Type = Backup
  Client = app-fd
  FileSet = "Full Set"
  Messages = Standard
  Pool = Default
}
Fileset {
  Name = "Full Set"
  Include {
    File = /etc
  }
}
`;

/** The values of every secret directive of a tree (password stores and rows the tables mark secret). */
function secretValues(tree: ConfigTree): string[] {
  const out: string[] = [];
  const walk = (items: readonly Item[], container: BlockDef | undefined) => {
    for (const it of items) {
      const d = container ? findDirective(container, it.name) : undefined;
      if (it.kind === "block") walk(it.items, d?.block);
      else if ((d?.store === "password" || d?.secret) && typeof it.value === "string" && it.value.length >= 8) out.push(it.value);
    }
  };
  for (const r of tree.resources) walk(r.items, findResource(tree.daemon, r.type));
  return out;
}

function nodeOf(tree: ConfigTree, type: string, name: string): ResourceNode {
  const n = tree.resources.find((r) => r.type === type && r.items.some((i) => i.kind === "directive" && i.name === "Name" && i.value === name));
  expect(n, `${type} ${name}`).toBeDefined();
  return withoutPos(n!);
}

describe("Debian's stock configs (/etc/bacula)", () => {
  it("bacula-dir.conf and bacula-sd.conf round-trip with every directive kept, and a re-import changes nothing", async () => {
    const dirSrc = parseConfigFile("/etc/bacula/bacula-dir.conf");
    const sdSrc = parseConfigFile("/etc/bacula/bacula-sd.conf");
    if (dirSrc.daemon !== "dir" || sdSrc.daemon !== "sd") throw new Error("Debian's configs were not recognised");
    const dirName = dirSrc.result.config.director.name;
    const dir = await roundTrip(["/etc/bacula/bacula-dir.conf", "/etc/bacula/bacula-sd.conf"], "dir", dirName);
    expectLossless(dir.diff, 90);
    expect(runBdirjson(dir.rendered, { test: true }).code).toBe(0);

    const sdName = sdSrc.result.config.storage.name;
    // (Imported again with the same files: the SD is rendered from what the first import wrote.)
    const sd = await roundTrip(["/etc/bacula/bacula-dir.conf", "/etc/bacula/bacula-sd.conf"], "sd", sdName);
    expectLossless(sd.diff, 40);

    // Every secret of both files (table-driven: password stores and rows marked secret) is
    // encrypted wherever the database keeps it - typed columns and generic items alike, e.g. the
    // monitor Console's password in ConfigResource - and no item view shows one.
    const secrets = [...secretValues(dirSrc.result.tree), ...secretValues(sdSrc.result.tree)];
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    const dump = JSON.stringify(await Promise.all([
      prisma.director.findMany(), prisma.storageDaemon.findMany(), prisma.storage.findMany(), prisma.client.findMany(),
      prisma.catalog.findMany(), prisma.configResource.findMany(), prisma.device.findMany(), prisma.job.findMany(), prisma.auditEvent.findMany(),
    ]));
    for (const v of secrets) expect(dump.includes(v), "a secret is stored in clear").toBe(false);
    const stored = await prisma.configResource.findMany();
    expect(stored.map((r) => r.type).sort()).toEqual(expect.arrayContaining(["Console", "Director", "Messages"]));
    for (const r of stored) {
      const view = JSON.stringify(viewItems(r.items, findResource(r.storageDaemonId ? "sd" : "dir", r.type)));
      for (const v of secrets) expect(view.includes(v)).toBe(false);
    }

    // The same files again: no update, no audit event, no revision bump.
    const revision = await modelRevision(prisma);
    const audits = await prisma.auditEvent.count();
    const again = await importConfigs(prisma, [parseConfigFile("/etc/bacula/bacula-dir.conf"), parseConfigFile("/etc/bacula/bacula-sd.conf")]);
    expect(again.changes).toEqual([]);
    expect(await modelRevision(prisma)).toBe(revision);
    expect(await prisma.auditEvent.count()).toBe(audits);

    // The files a deploy writes, read back from the hosts and imported: nothing changes either.
    const deployed = caseDir({ "bacula-dir.conf": dir.rendered, "bacula-sd.conf": sd.rendered });
    const back = await importConfigs(prisma, [parseConfigFile(path.join(deployed, "bacula-dir.conf")), parseConfigFile(path.join(deployed, "bacula-sd.conf"))]);
    expect(back.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(back.changes).toEqual([]);
    expect(await modelRevision(prisma)).toBe(revision);
  });
});

describe("Bacula's device examples (/usr/share/doc/bacula-common/examples/devices), each in a minimal SD config", () => {
  const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith(".conf")).sort();

  it("ships examples to test", () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  for (const f of files) {
    it(`${f}: kept exactly when Bacula takes it, refused (with its file and line) when Bacula refuses it`, async () => {
      const name = `ex-${path.basename(f, ".conf").replace(/[^A-Za-z0-9-]/g, "-")}-sd`;
      const dir = caseDir({
        "bacula-sd.conf": `Storage {\n  Name = ${name}\n  WorkingDirectory = "${bacula.work}"\n  PidDirectory = "${bacula.run}"\n}\nDirector {\n  Name = ex-dir\n  Password = "pw"\n}\nMessages {\n  Name = Standard\n  director = ex-dir = all\n}\n@${path.join(EXAMPLES, f)}\n`,
      });
      const main = path.join(dir, "bacula-sd.conf");
      const accepted = baculaView("bsdjson", main, true).code === 0;
      if (!accepted) {
        // Several examples hold prose without a comment sign; Bacula refuses them, so must we.
        const src = parseConfigFile(main, "sd");
        const errors = src.result.issues.filter((i) => i.severity === "error");
        expect(errors.length).toBeGreaterThan(0);
        expect(errors[0].file).toBe(path.join(EXAMPLES, f));
        expect(errors[0].line).toBeGreaterThan(0);
        const report = await importConfigs(prisma, [src]);
        expect(report.applied).toBe(false);
        return;
      }
      const r = await roundTrip([main], "sd", name);
      expectLossless(r.diff, 5);
    });
  }
});

describe("what Bacula reads, kept through import and render", () => {
  it("a UTF-8 BOM, `@file # trailing comment`, and a quoted string continued on the next line", async () => {
    const dir = caseDir({
      "bacula-dir.conf": `\ufeff${director("bom-dir", "@jobs.conf # the jobs, with a comment after the include\n")}`,
      "jobs.conf": `\ufeff${JOB.replace("  Pool = Default\n", '  Pool = Default\n  Description = "first line\n   second line, \\"quoted\\""\n')}`,
    });
    const r = await roundTrip([path.join(dir, "bacula-dir.conf")], "dir", "bom-dir");
    expectLossless(r.diff, 20);
    const job = (r.again.json as Record<string, Record<string, unknown>>[]).find((e) => e.Job?.Name === "Backup")!.Job;
    expect(job.Description).toBe('first line\n   second line, "quoted"');
  });

  it("a Director-side `Autochanger {` keeps its meaning (a Storage that is its own autochanger) without saying so", async () => {
    const dir = caseDir({
      "bacula-dir.conf": director(
        "alias-dir",
        `${JOB}Autochanger {\n  Name = Changer1\n  Address = sd.example.net\n  Password = "sd-pw"\n  Device = FileChgr1\n  MediaType = File1\n}\n`,
      ),
    });
    const r = await roundTrip([path.join(dir, "bacula-dir.conf")], "dir", "alias-dir");
    expectLossless(r.diff, 20);
    const storage = (json: unknown) => (json as Record<string, Record<string, unknown>>[]).find((e) => e.Storage?.Name === "Changer1")!.Storage;
    expect(storage(r.original.json).Autochanger).toBe("Changer1");
    expect(storage(r.again.json).Autochanger).toBe("Changer1");
    // A plain Storage is no autochanger: the keyword alone made the difference.
    expect(storage(r.again.json).Name).toBe("Changer1");
    expect((r.again.json as Record<string, Record<string, unknown>>[]).find((e) => e.Storage?.Name === "File1")!.Storage.Autochanger).toBeUndefined();
  });

  it("Messages where MailCommand comes after a Mail line keep that order (the command applies to the lines after it)", async () => {
    const messages = `Messages {
  Name = Standard
  Mail = root@localhost = all, !skipped
  MailCommand = "/usr/sbin/bsmtp -h localhost -f \\"\\(Bacula\\) \\<%r\\>\\" -s \\"Bacula: %t %e of %c %l\\" %r"
  Mail = ops@example.net = error
  Console = all, !skipped
}
`;
    const dir = caseDir({ "bacula-dir.conf": director("mail-dir", JOB, messages) });
    const r = await roundTrip([path.join(dir, "bacula-dir.conf")], "dir", "mail-dir");
    expectLossless(r.diff, 20);
    const m = nodeOf(parseTree(r.rendered, "dir").tree, "Messages", "Standard");
    expect(m.items.map((i) => i.name)).toEqual(["Name", "Mail", "MailCommand", "Mail", "Console"]);
    const dests = (r.again.json as Record<string, Record<string, unknown>>[]).find((e) => e.Messages?.Name === "Standard")!.Messages.Destinations as Record<string, unknown>[];
    expect(dests.filter((d) => d.Type === "Mail").map((d) => [d.Where, d.Command === null])).toEqual([
      [["ops@example.net"], false],
      [["root@localhost"], true],
    ]);
  });

  it("Messages with a MailCommand for each group of Mail lines keep each one (a later one replaces an earlier one only for the lines after it)", async () => {
    const messages = `Messages {
  Name = Standard
  MailCommand = "/usr/sbin/bsmtp -h localhost -s \\"ok %j\\" %r"
  MailOnSuccess = ops@example.net = all, !skipped
  MailCommand = "/usr/sbin/bsmtp -h localhost -s \\"error %j\\" %r"
  MailOnError = root@localhost = all, !skipped
  OperatorCommand = "/usr/sbin/bsmtp -h localhost -s \\"mount %j\\" %r"
  OperatorCommand = "/usr/sbin/bsmtp -h localhost -s \\"mount now %j\\" %r"
  Operator = root@localhost = mount
}
`;
    const dir = caseDir({ "bacula-dir.conf": director("mail2-dir", JOB, messages) });
    const main = path.join(dir, "bacula-dir.conf");
    // Two OperatorCommands with no line between: the last counts, as Bacula keeps it, said.
    expect(parseConfigFile(main).result.issues).toEqual([expect.objectContaining({ severity: "warning", message: expect.stringMatching(/OperatorCommand is given more than once; the last one counts/) })]);
    const r = await roundTrip([main], "dir", "mail2-dir");
    expectLossless(r.diff, 20);
    const m = nodeOf(parseTree(r.rendered, "dir").tree, "Messages", "Standard");
    expect(m.items.map((i) => i.name)).toEqual(["Name", "MailCommand", "MailOnSuccess", "MailCommand", "MailOnError", "OperatorCommand", "Operator"]);
    const dests = (r.again.json as Record<string, Record<string, unknown>>[]).find((e) => e.Messages?.Name === "Standard")!.Messages.Destinations as Record<string, unknown>[];
    expect(Object.fromEntries(dests.map((d) => [d.Type, String(d.Command)]))).toMatchObject({ MailOnSuccess: expect.stringContaining("ok %j"), MailOnError: expect.stringContaining("error %j"), Operator: expect.stringContaining("mount now %j") });
  });

  it("a Director that names no Messages gets the one Bacula uses, the first Messages of its file (not the dashboard's derived one), said", async () => {
    const messages = `Messages {\n  Name = Standard\n  Console = all\n}\nMessages {\n  Name = Daemon\n  Console = all, !skipped\n}\n`;
    const text = director("nomsg-dir", JOB, messages).replace("  Messages = Standard\n}", "}");
    expect(text).not.toMatch(/Director \{[^}]*Messages =/);
    const main = path.join(caseDir({ "bacula-dir.conf": text }), "bacula-dir.conf");
    const report = await importConfigs(prisma, [parseConfigFile(main)], { actor: "fidelity", dryRun: true });
    expect(report.issues).toContainEqual(expect.objectContaining({ severity: "warning", message: expect.stringMatching(/Director "nomsg-dir" names no Messages: Bacula uses the first Messages resource, "Standard"/) }));
    const r = await roundTrip([main], "dir", "nomsg-dir");
    expect({ dropped: r.diff.dropped, changed: r.diff.changed }).toEqual({ dropped: [], changed: [] });
    expect(r.diff.added.filter((a) => a.startsWith("Director/"))).toEqual(["Director/nomsg-dir/Messages"]);
    expect(nodeOf(parseTree(r.rendered, "dir").tree, "Director", "nomsg-dir").items).toContainEqual(expect.objectContaining({ name: "Messages", value: "Standard" }));
  });

  it("a FileSet with an empty Exclude block (templates write one for an empty list) keeps it, as Bacula's view lists it", async () => {
    const body = JOB.replace('FileSet = "Full Set"', "FileSet = EmptyEx") + `FileSet {\n  Name = EmptyEx\n  Include {\n    File = /etc\n  }\n  Exclude {\n  }\n}\n`;
    const dir = caseDir({ "bacula-dir.conf": director("emptyex-dir", body) });
    const r = await roundTrip([path.join(dir, "bacula-dir.conf")], "dir", "emptyex-dir");
    expectLossless(r.diff, 20);
    expect(r.rendered).toMatch(/Exclude \{\s*\}/);
  });

  it("a FileSet with two Include blocks, each with its own Options, round-trips exactly", async () => {
    const fileset = `Fileset {
  Name = "Two Includes"
  Include {
    Options {
      Signature = Md5
      Compression = Gzip9
      Wild = "*.log"
      Exclude = yes
    }
    File = /var/www
    File = "/srv/app data"
  }
  Include {
    Options {
      Signature = Sha256
      OneFs = no
    }
    File = /home
  }
  Exclude {
    File = /home/tmp
  }
}
`;
    const dir = caseDir({ "bacula-dir.conf": director("fs-dir", `${JOB}${fileset}`) });
    const r = await roundTrip([path.join(dir, "bacula-dir.conf")], "dir", "fs-dir");
    expectLossless(r.diff, 20);
    const before = nodeOf(parseTree(fileset, "dir").tree, "Fileset", "Two Includes");
    const after = nodeOf(parseTree(r.rendered, "dir").tree, "Fileset", "Two Includes");
    expect(after).toEqual(before);
  });

  it("a Job with RunBeforeJob, a RunScript with two Commands and ClientRunAfterJob keeps their order", async () => {
    const job = JOB.replace(
      "  Pool = Default\n",
      `  Pool = Default
  RunBeforeJob = "/usr/local/bin/before %n"
  RunScript {
    RunsWhen = After
    RunsOnClient = no
    Command = "/usr/local/bin/after-1"
    Command = "/usr/local/bin/after-2"
  }
  ClientRunAfterJob = "/usr/local/bin/client-after"
`,
    );
    const dir = caseDir({ "bacula-dir.conf": director("rs-dir", job) });
    const r = await roundTrip([path.join(dir, "bacula-dir.conf")], "dir", "rs-dir");
    expectLossless(r.diff, 20);
    const after = nodeOf(parseTree(r.rendered, "dir").tree, "Job", "Backup");
    expect(after.items.filter((i) => i.name !== "Name" && /Run/.test(i.name)).map((i) => i.name)).toEqual(["RunBeforeJob", "Runscript", "ClientRunAfterJob"]);
    const scripts = (r.again.json as Record<string, Record<string, unknown>>[]).find((e) => e.Job?.Name === "Backup")!.Job.Runscript as Record<string, unknown>[];
    expect(scripts.map((s) => s.Command)).toEqual(["/usr/local/bin/before %n", "/usr/local/bin/after-1", "/usr/local/bin/after-2", "/usr/local/bin/client-after"]);
  });

  it("a Director listening through DirAddresses and an SD through SdAddresses: no DirPort / SdPort beside the block, reached at its first entry", async () => {
    // Regression: the port columns (always filled) were rendered as DirPort / SdPort beside the
    // block, which Bacula refuses ("Old style addresses cannot be mixed with new style").
    const dirText = director(
      "addrs-dir",
      `${JOB}Storage {\n  Name = File7\n  Address = sd7.example.net\n  SdPort = 9203\n  Password = "sd7-pw"\n  Device = Dev7\n  MediaType = File7\n}\n`,
    ).replace("  Messages = Standard\n}", "  Messages = Standard\n  DirAddresses = { ipv4 = { addr = 192.0.2.10; port = 9199; } ipv6 = { addr = ::1; port = 9199; } }\n}");
    const sdText = sdConfig("addrs-sd", "SdAddresses = { ipv4 = { addr = 0.0.0.0; port = 9203; } ipv6 = { addr = ::; port = 9203; } }", "addrs-dir", "sd7-pw", "Dev7", "File7");
    const dir = caseDir({ "bacula-dir.conf": dirText, "bacula-sd.conf": sdText });
    const files = [path.join(dir, "bacula-dir.conf"), path.join(dir, "bacula-sd.conf")];
    const d = await roundTrip(files, "dir", "addrs-dir");
    expectLossless(d.diff, 20);
    expect(d.rendered).not.toMatch(/^\s*DirPort\b/m);
    expect(runBdirjson(d.rendered, { test: true }).code).toBe(0);
    const sd = await roundTrip(files, "sd", "addrs-sd");
    expectLossless(sd.diff, 5);
    expect(sd.rendered).not.toMatch(/^\s*SdPort\b/m);
    expect(runBsdjson(sd.rendered, { test: true }).code).toBe(0);
    // Where the dashboard reaches them: the block's first entry (the SD's wildcard gives way to the
    // address its Director's Storage uses, found by the block's port).
    expect(await prisma.director.findUniqueOrThrow({ where: { name: "addrs-dir" } })).toMatchObject({ address: "192.0.2.10", port: 9199 });
    const sdRow = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "addrs-sd" } });
    expect(sdRow).toMatchObject({ address: "sd7.example.net", port: 9203 });
    expect((await prisma.storage.findFirstOrThrow({ where: { name: "File7", director: { name: "addrs-dir" } } })).storageDaemonId).toBe(sdRow.id);
  });

  it("a Storage without SDPort and a Client without FDPort stay without; written at the default they stay written; moved off it, they are written", async () => {
    // Found by an outside trial: the port columns are always filled, and were always rendered.
    const body = `${JOB}Storage {\n  Name = File2\n  Address = sd.example.net\n  SDPort = 9103\n  Password = "sd-pw"\n  Device = FileChgr1\n  MediaType = File1\n}\n`
      + `Client {\n  Name = db-fd\n  Address = db.example.net\n  FDPort = 9102\n  Password = "fd2-pw"\n  Catalog = MyCatalog\n}\n`;
    const dir = caseDir({ "bacula-dir.conf": director("ports-dir", body), "bacula-sd.conf": sdConfig("ports-sd", "SDAddress = 0.0.0.0", "ports-dir", "sd-pw", "FileChgr1", "File1") });
    const files = [path.join(dir, "bacula-dir.conf"), path.join(dir, "bacula-sd.conf")];
    const r = await roundTrip(files, "dir", "ports-dir");
    expectLossless(r.diff, 20);
    const tree = parseTree(r.rendered, "dir").tree;
    const port = (type: string, name: string, directive: string) => nodeOf(tree, type, name).items.flatMap((i) => (i.kind === "directive" && i.name === directive ? [i.value] : []))[0];
    expect([port("Storage", "File1", "SdPort"), port("Storage", "File2", "SdPort"), port("Client", "app-fd", "FdPort"), port("Client", "db-fd", "FdPort")]).toEqual([undefined, 9103, undefined, 9102]);
    // Both Storages reach the one SD, at the port Bacula uses for both.
    const sdRow = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "ports-sd" } });
    const storages = await prisma.storage.findMany({ where: { director: { name: "ports-dir" } }, orderBy: { name: "asc" } });
    expect(storages.map((s) => [s.name, s.storageDaemonId, s.sdPort, s.sdPortWritten])).toEqual([["File1", sdRow.id, null, false], ["File2", sdRow.id, null, true]]);
    // The same files again change nothing.
    const revision = await modelRevision(prisma);
    const again = await importConfigs(prisma, files.map((f) => parseConfigFile(f)), { actor: "fidelity" });
    expect(again.changes).toEqual([]);
    expect(await modelRevision(prisma)).toBe(revision);

    // Moved off the default through the inventory (as the forms save): written, so Bacula uses it.
    const { getResource, updateResource } = await import("@/lib/inventory/service");
    const { KINDS } = await import("@/lib/inventory/fields");
    const save = async (kind: "clients" | "storage-daemons", id: number, change: Record<string, unknown>) => {
      // The form's body: every field as read (secrets left empty keep theirs) and the version read.
      const read = await getResource(kind, id);
      const fields = Object.fromEntries(KINDS[kind].fields.filter((f) => f.type !== "secret").map((f) => [f.key, read[f.key]]));
      await updateResource(kind, id, { ...fields, updatedAt: read.updatedAt, ...change }, { login: "fidelity", role: "admin" });
    };
    const app = await prisma.client.findFirstOrThrow({ where: { name: "app-fd", director: { name: "ports-dir" } } });
    await save("clients", app.id, { port: 9302 });
    await save("storage-daemons", sdRow.id, { port: 9203 });
    const d = await prisma.director.findUniqueOrThrow({ where: { name: "ports-dir" } });
    const moved = runBdirjson(renderDirector(await loadDirectorConfig(prisma, d.id), { revision: await modelRevision(prisma) }));
    expect(moved.code).toBe(0);
    const view = (type: string, name: string) => (moved.json as Record<string, Record<string, unknown>>[]).find((e) => e[type]?.Name === name)![type];
    expect([view("Storage", "File1").SdPort, view("Storage", "File2").SdPort, view("Client", "app-fd").FdPort, view("Client", "db-fd").FdPort]).toEqual([9203, 9203, 9302, 9102]);
  });

  it("listen ports given as Bacula service names (DIRport = bacula-dir, port = bacula-sd in a block) are read as Bacula resolves them", async () => {
    const dirText = director("svc-dir", JOB).replace("  Messages = Standard\n}", "  Messages = Standard\n  DIRport = bacula-dir\n}");
    const sdText = sdConfig("svc-sd", "SdAddresses = { ipv4 = { addr = 0.0.0.0; port = bacula-sd; } }", "svc-dir", "sd-pw", "FileChgr1", "File1");
    const dir = caseDir({ "bacula-dir.conf": dirText, "bacula-sd.conf": sdText });
    const files = [path.join(dir, "bacula-dir.conf"), path.join(dir, "bacula-sd.conf")];
    expectLossless((await roundTrip(files, "dir", "svc-dir")).diff, 20);
    expectLossless((await roundTrip(files, "sd", "svc-sd")).diff, 5);
    expect(await prisma.director.findUniqueOrThrow({ where: { name: "svc-dir" } })).toMatchObject({ port: 9101 });
    expect(await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "svc-sd" } })).toMatchObject({ address: "sd.example.net", port: 9103 });
    // A name the dashboard cannot resolve is refused with its line (the host's /etc/services is not the dashboard's).
    const bad = caseDir({ "bacula-dir.conf": director("svc2-dir", JOB).replace("  Messages = Standard\n}", "  Messages = Standard\n  DIRport = my-director\n}") });
    const report = await importConfigs(prisma, [parseConfigFile(path.join(bad, "bacula-dir.conf"))], { actor: "fidelity" });
    expect(report.applied).toBe(false);
    const errors = report.issues.filter((i) => i.severity === "error");
    expect(errors.map((e) => e.message).join("\n")).toMatch(/DirPort must be a port number between 1 and 65534 or a service name the dashboard knows/);
    expect(errors[0].line).toBe(8);
  });

  it("a main file made only of the usual piped include reads the directory's files, as Bacula's shell does", async () => {
    const dir = caseDir({
      "conf.d/director.conf": director("pipe-dir", ""),
      "conf.d/jobs.conf": JOB,
      "conf.d/notes.txt": "this is no config\n",
    });
    const main = path.join(dir, "bacula-dir.conf");
    fs.writeFileSync(main, `@|"sh -c 'for f in ${path.join(dir, "conf.d")}/*.conf ; do echo @\${f} ; done'"\n`);
    const r = await roundTrip([main], "dir", "pipe-dir");
    expectLossless(r.diff, 20);
    expect(parseConfigFile(main).result.tree.resources.map((n) => n.pos?.file)).toContain(path.join(dir, "conf.d", "jobs.conf"));
  });

  it("a whole number given quoted where Bacula scans any token for it (pint32: DbPort, FDPort, Maximum Concurrent Jobs) is read as the number", async () => {
    const text = director("quoted-dir", JOB)
      .replace("  DbName = bacula\n", '  DbName = bacula\n  DbPort = "5432"\n')
      .replace('  Password = "fd-pw"\n', '  Password = "fd-pw"\n  FDPort = "9102"\n  Maximum Concurrent Jobs = "10"\n');
    expect(text).toContain('DbPort = "5432"');
    const main = path.join(caseDir({ "bacula-dir.conf": text }), "bacula-dir.conf");
    const r = await roundTrip([main], "dir", "quoted-dir");
    expectLossless(r.diff, 20);
    expect(r.rendered).toMatch(/DbPort = 5432/);
    // Where Bacula takes only a number token (int32: a Counter's Minimum), quoted is refused by both.
    const bad = path.join(caseDir({ "bacula-dir.conf": director("quoted2-dir", `${JOB}Counter {\n  Name = C1\n  Minimum = "5"\n  Maximum = 100\n}\n`) }), "bacula-dir.conf");
    expect(baculaView("bdirjson", bad, true).code).not.toBe(0);
    expect(parseConfigFile(bad).result.issues).toContainEqual(expect.objectContaining({ severity: "error", message: expect.stringMatching(/Minimum expected a whole number, found quoted string/) }));
  });

  it("the other usual piped include, cat of a directory's files, reads those files in order, as Bacula reads the command's output", async () => {
    const dir = caseDir({
      "bacula-dir.conf": director("cat-dir", ""),
      "clients/b.conf": JOB,
      "clients/a.conf": `Client {\n  Name = cat-fd\n  Address = cat.example.net\n  Password = "cat-pw"\n  Catalog = MyCatalog\n}\n`,
      "clients/notes.txt": "this is no config\n",
    });
    const main = path.join(dir, "bacula-dir.conf");
    fs.appendFileSync(main, `@|"sh -c 'cat ${path.join(dir, "clients")}/*.conf'"\n`);
    const r = await roundTrip([main], "dir", "cat-dir");
    expectLossless(r.diff, 20);
    expect(r.rendered).toContain("cat-fd");
    expect(parseConfigFile(main).result.tree.resources.map((n) => n.pos?.file)).toEqual(expect.arrayContaining([path.join(dir, "clients", "a.conf"), path.join(dir, "clients", "b.conf")]));
  });

  it("any other piped include is refused with its file and line, and nothing is imported", async () => {
    const dir = caseDir({ "bacula-dir.conf": director("refused-dir", `${JOB}\n@|"sh -c 'ls /etc/bacula'"\n`) });
    const main = path.join(dir, "bacula-dir.conf");
    const line = fs.readFileSync(main, "utf8").split("\n").findIndex((l) => l.startsWith("@|")) + 1;
    const src = parseConfigFile(main);
    expect(src.result.issues).toEqual([expect.objectContaining({ file: main, line, severity: "error", message: expect.stringMatching(/piped include/) })]);
    const report = await importConfigs(prisma, [src]);
    expect(report.applied).toBe(false);
    expect(await prisma.director.findUnique({ where: { name: "refused-dir" } })).toBeNull();
  });
});
