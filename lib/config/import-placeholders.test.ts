/**
 * A Director imported alone gets a placeholder SD for its Storages; its bacula-sd.conf imported
 * alone afterwards takes over the Storages it accepts (found by an outside trial: before, both SDs
 * were kept for one daemon). Judged by the rendered files: each Director's renders as before, and
 * Bacula's JSON view of the SD's render is that of its original.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { makeBaculaTempDir, runBsdjson } from "@/lib/bacula/testing/bacula-bin";
import { diffJsonViews } from "@/lib/bacula/testing/json-view";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { importConfigs, parseConfigText } = await import("./import-to-db");
const { loadDirectorConfig, loadStorageDaemonConfig } = await import("./from-db");
const { renderDirector, renderStorageDaemon } = await import("@/lib/bacula");
const { renderTree } = await import("./cli");

const bacula = makeBaculaTempDir("bhd-placeholder-");

/** A Director whose Storages reach `port`, at 127.0.0.1 unless they say, each with its own password and device. */
function director(name: string, port: number, storages: { name: string; password: string; device: string; address?: string }[]): string {
  const storage = (s: (typeof storages)[number]) =>
    `Storage {\n  Name = ${s.name}\n  Address = ${s.address ?? "127.0.0.1"}\n  SDPort = ${port}\n  Password = "${s.password}"\n  Device = ${s.device}\n  Media Type = File1\n}\n`;
  return `Director {\n  Name = ${name}\n  QueryFile = "/etc/bacula/scripts/query.sql"\n  WorkingDirectory = "${bacula.work}"\n  PidDirectory = "${bacula.run}"\n  Password = "console-pw"\n  Messages = Daemon\n}
Catalog {\n  Name = MyCatalog\n  dbname = "bacula"; dbuser = "bacula"; dbpassword = ""\n}
Messages {\n  Name = Daemon\n  console = all\n}
Client {\n  Name = ${name}-fd\n  Address = localhost\n  Catalog = MyCatalog\n  Password = "fd-pw"\n}
${storages.map(storage).join("")}Pool {\n  Name = Default\n  Pool Type = Backup\n}
FileSet {\n  Name = Etc\n  Include {\n    File = /etc\n  }\n}
Job {\n  Name = backup-etc\n  Type = Backup\n  Client = ${name}-fd\n  FileSet = Etc\n  Pool = Default\n  Storage = ${storages[0].name}\n  Messages = Daemon\n}
`;
}

/** An SD listening on `listen` (127.0.0.1) at `port`, accepting each Director with its password, with File devices. */
function storageDaemon(name: string, port: number, directors: Record<string, string>, devices: string[], listen = "127.0.0.1"): string {
  return `Storage {\n  Name = ${name}\n  SDAddress = ${listen}\n  SDPort = ${port}\n  WorkingDirectory = "${bacula.work}"\n  Pid Directory = "${bacula.run}"\n}
${Object.entries(directors).map(([d, pw]) => `Director {\n  Name = ${d}\n  Password = "${pw}"\n}\n`).join("")}${devices.map((d) => `Device {\n  Name = ${d}\n  Media Type = File1\n  Archive Device = "${bacula.work}"\n  Device Type = File\n  LabelMedia = yes\n  Random Access = yes\n}\n`).join("")}Messages {\n  Name = Standard\n  director = ${Object.keys(directors)[0]} = all\n}
`;
}

const renderOf = async (name: string) => {
  const d = await prisma.director.findUniqueOrThrow({ where: { name } });
  return renderDirector(await loadDirectorConfig(prisma, d.id), { revision: 1 });
};
const storagesOn = async (directorName: string) =>
  (await prisma.storage.findMany({ where: { director: { name: directorName } }, include: { storageDaemon: true }, orderBy: { name: "asc" } })).map((s) => `${s.name}@${s.storageDaemon.name}`);

describe("a placeholder SD meets its bacula-sd.conf imported alone", () => {
  it("the Storages it accepts move to it, the Directors render as before, and the SD as its file; a Storage it does not accept stays, said", async () => {
    const port = 9143;
    expect((await importConfigs(prisma, [parseConfigText(director("ph1-dir", port, [
      { name: "Near", password: "pw-one", device: "DiskA" },
      { name: "Lost", password: "pw-one", device: "NoSuchDisk" },
    ]), "/tmp/ph/ph1-dir.conf")])).applied).toBe(true);
    expect((await importConfigs(prisma, [parseConfigText(director("ph2-dir", port, [{ name: "Other", password: "pw-two", device: "DiskA" }]), "/tmp/ph/ph2-dir.conf")])).applied).toBe(true);
    const placeholder = `sd-127.0.0.1-${port}`;
    expect([...await storagesOn("ph1-dir"), ...await storagesOn("ph2-dir")]).toEqual([`Lost@${placeholder}`, `Near@${placeholder}`, `Other@${placeholder}`]);
    const before = [await renderOf("ph1-dir"), await renderOf("ph2-dir")];

    // ph2-dir is accepted with another password than its Storage's: that one stays.
    const sdText = storageDaemon("ph-sd", port, { "ph1-dir": "pw-one", "ph2-dir": "pw-three" }, ["DiskA"]);
    const dry = await importConfigs(prisma, [parseConfigText(sdText, "/tmp/ph/bacula-sd.conf")], { dryRun: true });
    expect(dry.changes.filter((c) => c.kind === "storages").map((c) => `${c.action} ${c.name}`)).toEqual(["update Near"]);
    const report = await importConfigs(prisma, [parseConfigText(sdText, "/tmp/ph/bacula-sd.conf")]);
    expect(report.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(report.issues.filter((i) => /placeholder/.test(i.message))).toEqual([expect.objectContaining({
      file: "/tmp/ph/bacula-sd.conf", line: 1, severity: "warning",
      message: `Storage Daemon "ph-sd" is the daemon of the placeholder Storage Daemon "${placeholder}" (127.0.0.1:${port}), which still serves `
        + `Storage "Lost" of Director "ph1-dir" (this config has no Device or Autochanger "NoSuchDisk"), `
        + `Storage "Other" of Director "ph2-dir" (this config gives that Director another password): correct this file or that Director, and import again`,
    })]);
    expect([...await storagesOn("ph1-dir"), ...await storagesOn("ph2-dir")]).toEqual([`Lost@${placeholder}`, "Near@ph-sd", `Other@${placeholder}`]);
    const near = await prisma.storage.findFirstOrThrow({ where: { name: "Near" }, include: { device: true } });
    expect(near).toMatchObject({ address: null, sdPort: null, passwordEnc: null, device: { name: "DiskA" } });
    expect([await renderOf("ph1-dir"), await renderOf("ph2-dir")]).toEqual(before);
    const sd = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "ph-sd" } });
    const view = runBsdjson(renderStorageDaemon(await loadStorageDaemonConfig(prisma, sd.id), { revision: 1 }));
    expect(view.code).toBe(0);
    expect(diffJsonViews(runBsdjson(sdText).json, view.json)).toMatchObject({ dropped: [], changed: [], added: [] });

    // Again: nothing changes, and the same is said.
    const again = await importConfigs(prisma, [parseConfigText(sdText, "/tmp/ph/bacula-sd.conf")], { dryRun: true });
    expect(again.changes).toEqual([]);
    expect(again.issues.filter((i) => /placeholder/.test(i.message)).map((i) => i.message)).toEqual(report.issues.filter((i) => /placeholder/.test(i.message)).map((i) => i.message));
  });

  it("a placeholder at another address is this SD only when it accepts every Storage; once none is left, it goes with its made-up device", async () => {
    const port = 9153;
    // The Director reaches the SD as "backup-sd.example.net"; the SD listens on 127.0.0.1.
    const dirText = director("ph3-dir", port, [{ name: "Far", password: "pw-far", device: "DiskB" }]).replace("Address = 127.0.0.1", "Address = backup-sd.example.net");
    expect((await importConfigs(prisma, [parseConfigText(dirText, "/tmp/ph/ph3-dir.conf")])).applied).toBe(true);
    const before = await renderOf("ph3-dir");
    // With another password it is not this SD: nothing moves, nothing is said about it.
    const wrong = await importConfigs(prisma, [parseConfigText(storageDaemon("ph3-sd", port, { "ph3-dir": "pw-near" }, ["DiskB"]), "/tmp/ph/wrong-sd.conf")], { dryRun: true });
    expect(wrong.changes.filter((c) => c.kind === "storages")).toEqual([]);
    expect(wrong.issues.filter((i) => /placeholder/.test(i.message))).toEqual([]);

    const report = await importConfigs(prisma, [parseConfigText(storageDaemon("ph3-sd", port, { "ph3-dir": "pw-far" }, ["DiskB"]), "/tmp/ph/ph3-sd.conf")]);
    expect(report.issues.filter((i) => /placeholder/.test(i.message)).map((i) => i.message)).toEqual([
      `Storage Daemon "sd-backup-sd.example.net-${port}" (a placeholder) is used by no Storage any more: the import removes it, with the device made up for it (DiskB)`,
    ]);
    expect(report.changes.filter((c) => c.action === "delete").map((c) => `${c.kind} ${c.name}`)).toEqual(["devices DiskB", `storage-daemons sd-backup-sd.example.net-${port}`]);
    expect(await prisma.storageDaemon.count({ where: { name: `sd-backup-sd.example.net-${port}` } })).toBe(0);
    expect(await prisma.device.count({ where: { name: "DiskB" } })).toBe(1);
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { action: "import-delete", entityType: "storage-daemons" } });
    expect(audit.entityName).toBe(`sd-backup-sd.example.net-${port}`);
    expect(await storagesOn("ph3-dir")).toEqual(["Far@ph3-sd"]);
    // The SD is reached where the placeholder was (it listens on 127.0.0.1: another name of it).
    expect(await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "ph3-sd" } })).toMatchObject({ address: "backup-sd.example.net" });
    expect(await prisma.storage.findFirstOrThrow({ where: { name: "Far" } })).toMatchObject({ address: null, sdPort: null, passwordEnc: null });
    expect(await renderOf("ph3-dir")).toBe(before);
  });

  it("a placeholder edited since the import made it is kept, named to delete; so is an SD made in the dashboard, whose Storages do not move", async () => {
    const port = 9163;
    expect((await importConfigs(prisma, [parseConfigText(director("ph4-dir", port, [{ name: "Kept", password: "pw-kept", device: "DiskC" }]), "/tmp/ph/ph4-dir.conf")])).applied).toBe(true);
    const placeholder = `sd-127.0.0.1-${port}`;
    // The operator gave it a site, as the inventory saves.
    const { getResource, updateResource } = await import("@/lib/inventory/service");
    const { KINDS } = await import("@/lib/inventory/fields");
    const row = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: placeholder } });
    const read = await getResource("storage-daemons", row.id);
    const fields = Object.fromEntries(KINDS["storage-daemons"].fields.filter((f) => f.type !== "secret").map((f) => [f.key, read[f.key]]));
    await updateResource("storage-daemons", row.id, { ...fields, updatedAt: read.updatedAt, site: "site-b" }, { login: "test", role: "admin" });
    const report = await importConfigs(prisma, [parseConfigText(storageDaemon("ph4-sd", port, { "ph4-dir": "pw-kept" }, ["DiskC"]), "/tmp/ph/ph4-sd.conf")]);
    expect(await storagesOn("ph4-dir")).toEqual(["Kept@ph4-sd"]);
    expect(report.issues.filter((i) => /placeholder/.test(i.message)).map((i) => i.message)).toEqual([
      `Storage Daemon "${placeholder}" is used by no Storage any more (a placeholder, edited since an import made it): delete it on the Storage Daemons page`,
    ]);
    expect(await prisma.storageDaemon.findUniqueOrThrow({ where: { name: placeholder } })).toMatchObject({ site: "site-b" });
    // The whole tree still renders: the kept placeholder is left out and said, not an unexplained
    // "at least one Director" error that stopped every file (found by the second outside trial).
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-ph-tree-"));
    const tree = await renderTree(prisma, out);
    expect(tree.problems.filter((p) => p.daemon === placeholder)).toEqual([expect.objectContaining({
      severity: "warning",
      rule: "unused",
      message: `Storage Daemon "${placeholder}" is left out: no Director has a Storage on it, so no Director could connect to it (Bacula needs at least one Director resource in bacula-sd.conf). It is a placeholder an import made for a Director's Storages, which now use another Storage Daemon: delete it on the Storage Daemons page.`,
    })]);
    expect(tree.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(tree.ok).toBe(true);
    expect(fs.existsSync(path.join(out, placeholder))).toBe(false);
    expect(fs.readFileSync(path.join(out, "ph4-sd", "bacula-sd.conf"), "utf8")).toMatch(/Name = "?ph4-dir"?/);

    // An SD made in the dashboard (not by an import) at the same address and port: its Storages stay, said.
    const made = await prisma.storageDaemon.create({ data: { name: "hand-sd", address: "127.0.0.1", port: 9173, passwordEnc: row.passwordEnc } });
    const ph5 = await prisma.director.findUniqueOrThrow({ where: { name: "ph4-dir" } });
    const dev = await prisma.device.create({ data: { storageDaemonId: made.id, name: "DiskD", mediaType: "File1", archiveDevice: "/srv/d" } });
    await prisma.storage.create({ data: { name: "Hand", directorId: ph5.id, storageDaemonId: made.id, deviceId: dev.id, deviceNames: ["DiskD"], mediaType: "File1" } });
    const hand = await importConfigs(prisma, [parseConfigText(storageDaemon("ph5-sd", 9173, { "ph4-dir": "pw-kept" }, ["DiskD"]), "/tmp/ph/ph5-sd.conf")], { dryRun: true });
    expect(hand.changes.filter((c) => c.kind === "storages" || c.action === "delete")).toEqual([]);
    expect(hand.issues.map((i) => i.message)).toContainEqual(expect.stringMatching(/^Storage Daemon "ph5-sd": this config is the daemon of Storage Daemon "hand-sd" \(127\.0\.0\.1:9173\), which still serves Storage "Hand" of Director "ph4-dir": import that Director's bacula-dir\.conf again/));
  });

  it("the Director imported again with its SD moves its Storages off the placeholder itself, and the placeholder goes", async () => {
    const port = 9183;
    const dirText = director("ph6-dir", port, [{ name: "Six", password: "pw-six", device: "DiskF" }]);
    expect((await importConfigs(prisma, [parseConfigText(dirText, "/tmp/ph/ph6-dir.conf")])).applied).toBe(true);
    const before = await renderOf("ph6-dir");
    const report = await importConfigs(prisma, [
      parseConfigText(dirText, "/tmp/ph/ph6-dir.conf"),
      parseConfigText(storageDaemon("ph6-sd", port, { "ph6-dir": "pw-six" }, ["DiskF"]), "/tmp/ph/ph6-sd.conf"),
    ]);
    // Said at the Storage resource that left it (it was said at line 0, found by the second outside trial).
    const storageLine = dirText.split("\n").indexOf("Storage {") + 1;
    expect(storageLine).toBeGreaterThan(1);
    expect(report.issues.filter((i) => /placeholder/.test(i.message)).map((i) => `${i.file}:${i.line}: ${i.message}`)).toEqual([
      `/tmp/ph/ph6-dir.conf:${storageLine}: Storage Daemon "sd-127.0.0.1-${port}" (a placeholder) is used by no Storage any more: the import removes it, with the device made up for it (DiskF)`,
    ]);
    expect(report.changes.filter((c) => c.action === "delete").map((c) => `${c.kind} ${c.name}`)).toEqual(["devices DiskF", `storage-daemons sd-127.0.0.1-${port}`]);
    expect(await storagesOn("ph6-dir")).toEqual(["Six@ph6-sd"]);
    expect(await renderOf("ph6-dir")).toBe(before);
  });

  // Found by a second outside trial: SDs shared by several Directors, imported one file at a time.
  it("several Directors on one SD listening on every address: each one it accepts moves, and each Director imported again alone finds it by its own Director resource", async () => {
    const port = 9193;
    const at = "sd9.example.net";
    for (const [d, pw, dev] of [["ph7a-dir", "pw-a", "Dev1"], ["ph7b-dir", "pw-b", "Dev2"], ["ph7c-dir", "pw-c", "Dev1"]])
      expect((await importConfigs(prisma, [parseConfigText(director(d, port, [{ name: `St-${d}`, password: pw, device: dev, address: at }]), `/tmp/ph/${d}.conf`)])).applied).toBe(true);
    const before = await Promise.all(["ph7a-dir", "ph7b-dir", "ph7c-dir"].map(renderOf));
    // It accepts two of the three Directors.
    const sdText = storageDaemon("ph7-sd", port, { "ph7a-dir": "pw-a", "ph7b-dir": "pw-b" }, ["Dev1", "Dev2"], "0.0.0.0");
    const report = await importConfigs(prisma, [parseConfigText(sdText, "/tmp/ph/ph7-sd.conf")]);
    expect(report.issues.map((i) => i.message)).toEqual([
      `Storage Daemon "ph7-sd" is the daemon of the placeholder Storage Daemon "sd-${at}-${port}" (${at}:${port}), which still serves Storage "St-ph7c-dir" of Director "ph7c-dir" (this config has no Director resource for that Director): correct this file or that Director, and import again`,
    ]);
    expect(await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "ph7-sd" } })).toMatchObject({ address: at });
    expect((await Promise.all(["ph7a-dir", "ph7b-dir", "ph7c-dir"].map(storagesOn))).flat()).toEqual(["St-ph7a-dir@ph7-sd", "St-ph7b-dir@ph7-sd", `St-ph7c-dir@sd-${at}-${port}`]);
    expect(await Promise.all(["ph7a-dir", "ph7b-dir", "ph7c-dir"].map(renderOf))).toEqual(before);
    // Each Director again alone: nothing changes (before, the second was matched against the SD's own password only, and went to a new placeholder).
    for (const [d, pw, dev] of [["ph7a-dir", "pw-a", "Dev1"], ["ph7b-dir", "pw-b", "Dev2"]]) {
      const again = await importConfigs(prisma, [parseConfigText(director(d, port, [{ name: `St-${d}`, password: pw, device: dev, address: at }]), `/tmp/ph/${d}.conf`)], { dryRun: true });
      expect(again.changes, d).toEqual([]);
    }
    // The third one alone, once the SD is known: not moved onto an SD whose config does not let it
    // in (its render would), it stays on the placeholder; another such Director joins it there, said.
    const cText = director("ph7c-dir", port, [{ name: "St-ph7c-dir", password: "pw-c", device: "Dev1", address: at }]);
    const c = await importConfigs(prisma, [parseConfigText(cText, "/tmp/ph/ph7c-dir.conf")], { dryRun: true });
    expect(c.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(c.changes).toEqual([]);
    const fresh = await importConfigs(prisma, [parseConfigText(cText.replace(/ph7c-dir/g, "ph7d-dir"), "/tmp/ph/ph7d-dir.conf")], { dryRun: true });
    expect(fresh.issues.map((i) => i.message)).toContainEqual(`Storage "St-ph7d-dir": Storage Daemon "ph7-sd" at ${at}:${port} has no Director resource for Director "ph7d-dir" in its config (it would refuse the Director); it goes to the placeholder Storage Daemon "sd-${at}-${port}" (add that Director to its bacula-sd.conf and import both again, or edit them)`);

    // All together, with the SD's config: the Director it does not accept is refused with its line.
    const together = await importConfigs(prisma, [
      parseConfigText(director("ph7c-dir", port, [{ name: "St-ph7c-dir", password: "pw-c", device: "Dev1", address: at }]), "/tmp/ph/ph7c-dir.conf"),
      parseConfigText(sdText, "/tmp/ph/ph7-sd.conf"),
    ], { dryRun: true });
    expect(together.issues.filter((i) => i.severity === "error")).toEqual([expect.objectContaining({
      file: "/tmp/ph/ph7c-dir.conf",
      message: 'Storage "St-ph7c-dir": Storage Daemon "ph7-sd" has no Director resource for Director "ph7c-dir" in its config: the Storage Daemon would refuse the Director; add one with this Storage\'s password to its bacula-sd.conf, or point the Storage at another Storage Daemon',
    })]);
  });

  it("two SDs that give one Director the same password and have the same device: neither takes a placeholder by password alone, in either kind of import, said", async () => {
    const port = 9203;
    const dirText = director("ph8-dir", port, [
      { name: "X1", password: "pw-x", device: "FileStorage", address: "sdx1.example.net" },
      { name: "X2", password: "pw-x", device: "FileStorage", address: "sdx2.example.net" },
    ]);
    expect((await importConfigs(prisma, [parseConfigText(dirText, "/tmp/ph/ph8-dir.conf")])).applied).toBe(true);
    const sd = (n: string) => parseConfigText(storageDaemon(n, port, { "ph8-dir": "pw-x" }, ["FileStorage"], "0.0.0.0"), `/tmp/ph/${n}.conf`);
    const alone = await importConfigs(prisma, [sd("ph8x1-sd")], { dryRun: true });
    expect(alone.changes.filter((c) => c.kind === "storages" || c.action === "delete")).toEqual([]);
    expect(alone.issues.map((i) => i.message)).toContainEqual(`Storage Daemon "ph8x1-sd": Director "ph8-dir" reaches Storage Daemons at sdx1.example.net and sdx2.example.net with the password this config gives it: this config may be the daemon of either, so neither placeholder is taken: give it the SDAddress its Directors use, or set its address on the Storage Daemons page and import it again`);
    // Together with the Director: neither SD is given the other's address.
    const together = await importConfigs(prisma, [parseConfigText(dirText, "/tmp/ph/ph8-dir.conf"), sd("ph8x1-sd"), sd("ph8x2-sd")]);
    expect(together.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(together.issues.map((i) => i.message)).toContainEqual(expect.stringMatching(/^Storage Daemon "ph8x2-sd": Director Storages at sdx1\.example\.net and sdx2\.example\.net all match it/));
    const addresses = await prisma.storageDaemon.findMany({ where: { name: { in: ["ph8x1-sd", "ph8x2-sd"] } }, select: { address: true } });
    expect(addresses.map((a) => a.address)).not.toContain("sdx1.example.net");
    expect((await storagesOn("ph8-dir")).every((s) => !/@ph8x[12]-sd$/.test(s))).toBe(true);
  });
  // Found by the second outside trial: the SD's port changed in the dashboard, then the Director's
  // file (which still says the old port) imported again made a new placeholder, and did not name the SD.
  it("a Director imported again after its SD's port was changed in the dashboard keeps its Storage on that SD, as written, said; a new Storage at the old port names the SD", async () => {
    const port = 9213;
    const dirText = director("ph9-dir", port, [{ name: "Nine", password: "pw-nine", device: "DiskN" }]);
    const sdText = storageDaemon("ph9-sd", port, { "ph9-dir": "pw-nine" }, ["DiskN", "DiskO"]);
    expect((await importConfigs(prisma, [parseConfigText(dirText, "/tmp/ph/ph9-dir.conf"), parseConfigText(sdText, "/tmp/ph/ph9-sd.conf")])).applied).toBe(true);
    const original = await renderOf("ph9-dir");
    expect(original).toMatch(new RegExp(`SdPort = ${port}\\b`));
    // The operator moves the SD to another port, as the Storage Daemons page saves.
    const { getResource, updateResource } = await import("@/lib/inventory/service");
    const { KINDS } = await import("@/lib/inventory/fields");
    const row = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "ph9-sd" } });
    const read = await getResource("storage-daemons", row.id);
    const fields = Object.fromEntries(KINDS["storage-daemons"].fields.filter((f) => f.type !== "secret").map((f) => [f.key, read[f.key]]));
    await updateResource("storage-daemons", row.id, { ...fields, updatedAt: read.updatedAt, port: port + 1 }, { login: "test", role: "admin" });
    expect(await renderOf("ph9-dir")).toMatch(new RegExp(`SdPort = ${port + 1}\\b`));
    const sdsBefore = await prisma.storageDaemon.count();

    const again = await importConfigs(prisma, [parseConfigText(dirText, "/tmp/ph/ph9-dir.conf")]);
    expect(again.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(await prisma.storageDaemon.count()).toBe(sdsBefore);
    expect(await storagesOn("ph9-dir")).toEqual(["Nine@ph9-sd"]);
    expect(again.issues.map((i) => i.message)).toContainEqual(`Storage "Nine": its Storage Daemon "ph9-sd" is at 127.0.0.1:${port + 1} in the dashboard, not at 127.0.0.1:${port} as this file says; it has Device "DiskN" and accepts Director "ph9-dir" with this password, so the Storage stays on it, with 127.0.0.1:${port} as its own: make the two agree before deploying (the Storage's Address and SDPort, or the daemon's address and port)`);
    // The Director's file renders as written; the SD keeps the dashboard's port.
    expect(await renderOf("ph9-dir")).toBe(original);
    expect((await prisma.storageDaemon.findUniqueOrThrow({ where: { name: "ph9-sd" } })).port).toBe(port + 1);

    // A Storage new to the dashboard at the old port: a placeholder, and the SD that may be it is named.
    const more = director("ph9-dir", port, [{ name: "Nine", password: "pw-nine", device: "DiskN" }, { name: "Other", password: "pw-nine", device: "DiskO" }]);
    const dry = await importConfigs(prisma, [parseConfigText(more, "/tmp/ph/ph9-dir.conf")], { dryRun: true });
    expect(dry.issues.map((i) => i.message)).toContainEqual(`Storage "Other": no Storage Daemon of this import matches it; created the placeholder Storage Daemon "sd-127.0.0.1-${port}" at 127.0.0.1:${port} (import its bacula-sd.conf, or edit it, before deploying); Storage Daemon "ph9-sd" at 127.0.0.1:${port + 1} has Device "DiskO" and accepts this Director with this password: if the Storage means it, set its Address and SDPort to its and import again`);
  });

  it("an SD imported alone, then its Director alone, then both: the SD takes the address the Director's Storage reaches it at, and the third import changes nothing", async () => {
    const port = 9223;
    // The SD listens on every address: alone, nothing tells where Directors reach it.
    const sdText = storageDaemon("ph10-sd", port, { "ph10-dir": "pw-ten" }, ["DiskT"], "0.0.0.0");
    const dirText = director("ph10-dir", port, [{ name: "Ten", password: "pw-ten", device: "DiskT", address: "sd10.example.org" }]);
    const sd = parseConfigText(sdText, "/tmp/ph/ph10-sd.conf");
    const dir = parseConfigText(dirText, "/tmp/ph/ph10-dir.conf");
    const first = await importConfigs(prisma, [sd]);
    expect(first.issues.map((i) => i.message)).toContainEqual(expect.stringContaining(`Storage Daemon "ph10-sd": no Director Storage of this import reaches it and it listens on 0.0.0.0; the address Directors use is set to "localhost"`));
    const second = await importConfigs(prisma, [dir]);
    expect(second.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(second.changes.filter((c) => c.action === "update")).toEqual([expect.objectContaining({ kind: "storage-daemons", name: "ph10-sd" })]);
    expect(second.issues.map((i) => i.message)).toContainEqual(`Storage "Ten": Storage Daemon "ph10-sd" had the address localhost, which no Director used yet; it takes sd10.example.org, the one this Storage reaches it at (it has Device "DiskT" and accepts Director "ph10-dir" with this password)`);
    expect(await storagesOn("ph10-dir")).toEqual(["Ten@ph10-sd"]);
    const storage = await prisma.storage.findFirstOrThrow({ where: { name: "Ten", director: { name: "ph10-dir" } } });
    expect({ address: storage.address, sdPort: storage.sdPort }).toEqual({ address: null, sdPort: null });
    const renderBefore = await renderOf("ph10-dir");
    const revision = second.revision;
    const events = await prisma.auditEvent.count();

    const both = await importConfigs(prisma, [parseConfigText(sdText, "/tmp/ph/ph10-sd.conf"), parseConfigText(dirText, "/tmp/ph/ph10-dir.conf")]);
    expect(both.changes).toEqual([]);
    expect(both.revision).toBeUndefined();
    expect(await prisma.auditEvent.count()).toBe(events);
    expect(await renderOf("ph10-dir")).toBe(renderBefore);
    expect(revision).toBeDefined();
    // A second Storage of the Director at yet another name of the SD keeps that name as its own:
    // the SD's address is now the one a Director uses.
    const more = director("ph10-dir", port, [{ name: "Ten", password: "pw-ten", device: "DiskT", address: "sd10.example.org" }, { name: "TenToo", password: "pw-ten", device: "DiskT", address: "10.0.0.10" }]);
    const dry = await importConfigs(prisma, [parseConfigText(more, "/tmp/ph/ph10-dir.conf")], { dryRun: true });
    expect(dry.changes.filter((c) => c.kind === "storage-daemons")).toEqual([]);
  });
});
