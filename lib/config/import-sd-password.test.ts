/**
 * A Storage Daemon accepts one password from a Director; the dashboard renders the SD's Director
 * resource from that Director's Storages. A Storage whose password is not the one the SD's config
 * accepts (in the same import, or stored from an earlier one), or not that of the Director's other
 * Storages on the SD, is refused with its line: before, the import rewrote one of the two passwords
 * without a word (a deploy would then have locked out the Storage that worked). Judged by Bacula's
 * own JSON view of the rendered SD.
 */
import { describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { makeBaculaTempDir, resourcesOf, runBsdjson } from "@/lib/bacula/testing/bacula-bin";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { importConfigs, parseConfigText } = await import("./import-to-db");
const { loadStorageDaemonConfig } = await import("./from-db");
const { renderStorageDaemon } = await import("@/lib/bacula");

const bacula = makeBaculaTempDir("bhd-sdpw-");
/** Each case's SD on a port of its own (one address and port is one daemon): pw1-… on 9113, pw2-… on 9123… */
const portOf = (name: string) => 9103 + 10 * Number(/^pw(\d)/.exec(name)![1]);

const dirConf = (name: string, storages: { name: string; password: string }[], port = portOf(name)) => `Director {
  Name = ${name}
  QueryFile = "/etc/bacula/scripts/query.sql"
  WorkingDirectory = "${bacula.work}"
  PidDirectory = "${bacula.run}"
  Password = "console-pw"
  Messages = Daemon
}
Catalog {
  Name = MyCatalog
  dbname = "bacula"; dbuser = "bacula"; dbpassword = ""
}
Messages {
  Name = Daemon
  console = all
}
Client {
  Name = ${name}-fd
  Address = localhost
  Catalog = MyCatalog
  Password = "fd-pw"
}
${storages.map((s) => `Storage {\n  Name = ${s.name}\n  Address = 127.0.0.1\n  SDPort = ${port}\n  Password = "${s.password}"\n  Device = Disk1\n  Media Type = File1\n}`).join("\n")}
Pool {
  Name = Default
  Pool Type = Backup
}
FileSet {
  Name = Etc
  Include {
    File = /etc
  }
}
Job {
  Name = backup-etc
  Type = Backup
  Client = ${name}-fd
  FileSet = Etc
  Pool = Default
  Storage = ${storages[0].name}
  Messages = Daemon
}
`;

const sdConf = (name: string, director: string, password: string, port = portOf(name)) => `Storage {
  Name = ${name}
  SDAddress = 127.0.0.1
  SDPort = ${port}
  WorkingDirectory = "${bacula.work}"
  Pid Directory = "${bacula.run}"
}
Director {
  Name = ${director}
  Password = "${password}"
}
Device {
  Name = Disk1
  Media Type = File1
  Archive Device = /srv/bacula
  Random Access = yes
}
Messages {
  Name = Standard
  director = ${director} = all
}
`;

/** The line of the resource that holds `marker`. */
const lineOf = (text: string, marker: string) => text.split("\n").findIndex((l) => l.includes(marker));

const errors = (r: { issues: { severity: string; file: string; line: number; message: string }[] }) => r.issues.filter((i) => i.severity === "error");

/** The Director resources of the SD as rendered, as bsdjson reads them: name -> password. */
async function renderedSdDirectors(sdName: string): Promise<Record<string, unknown>> {
  const sd = await prisma.storageDaemon.findUniqueOrThrow({ where: { name: sdName } });
  const out = runBsdjson(renderStorageDaemon(await loadStorageDaemonConfig(prisma, sd.id), { revision: 1 }));
  expect(out.code, out.stdout).toBe(0);
  return Object.fromEntries(resourcesOf(out.json, "Director").map((d) => [d.Name, d.Password]));
}

describe("a Storage's password against the Storage Daemon's", () => {
  it("in one import: a Storage with another password than the SD's config accepts from its Director is refused with its line, nothing written", async () => {
    const text = dirConf("pw1-dir", [{ name: "File1", password: "sd-pass" }]);
    const r = await importConfigs(prisma, [
      parseConfigText(text, "/etc/pw1/bacula-dir.conf"),
      parseConfigText(sdConf("pw1-sd", "pw1-dir", "other-pass"), "/etc/pw1/bacula-sd.conf"),
    ]);
    expect(r.applied).toBe(false);
    expect(errors(r)).toEqual([
      expect.objectContaining({
        file: "/etc/pw1/bacula-dir.conf",
        line: lineOf(text, "Name = File1"),
        message: expect.stringMatching(/^Storage "File1": its Password is not the one Storage Daemon "pw1-sd" accepts from Director "pw1-dir"/),
      }),
    ]);
    expect(await prisma.director.findUnique({ where: { name: "pw1-dir" } })).toBeNull();
    expect(await prisma.storageDaemon.findUnique({ where: { name: "pw1-sd" } })).toBeNull();
    // The same files with equal passwords import, and the SD renders the password both say.
    const ok = await importConfigs(prisma, [
      parseConfigText(dirConf("pw1-dir", [{ name: "File1", password: "sd-pass" }]), "/etc/pw1/bacula-dir.conf"),
      parseConfigText(sdConf("pw1-sd", "pw1-dir", "sd-pass"), "/etc/pw1/bacula-sd.conf"),
    ]);
    expect(errors(ok)).toEqual([]);
    expect(await renderedSdDirectors("pw1-sd")).toEqual({ "pw1-dir": "sd-pass" });
  });

  it("two Storages of one Director on one SD with two passwords: the second is refused (the SD accepts one)", async () => {
    const text = dirConf("pw2-dir", [{ name: "File1", password: "sd-pass" }, { name: "File2", password: "stale-pass" }]);
    const r = await importConfigs(prisma, [parseConfigText(text, "/etc/pw2/bacula-dir.conf"), parseConfigText(sdConf("pw2-sd", "pw2-dir", "sd-pass"), "/etc/pw2/bacula-sd.conf")]);
    expect(errors(r).map((i) => [i.line, i.message.replace(/:.*/, "")])).toEqual([[lineOf(text, "Name = File2"), `Storage "File2"`]]);
    expect(r.applied).toBe(false);
    // Without the SD's config (a placeholder SD), the same: the first Storage's password is the one.
    const alone = await importConfigs(prisma, [parseConfigText(dirConf("pw2-dir", [{ name: "File1", password: "sd-pass" }, { name: "File2", password: "stale-pass" }]), "/etc/pw2/bacula-dir.conf")]);
    expect(errors(alone).map((i) => i.message)).toEqual([expect.stringMatching(/^Storage "File2": its Password is not that of Storage "File1", which reaches the same Storage Daemon/)]);
    // With --force the rest goes in, and the SD keeps the password that works.
    const forced = await importConfigs(prisma, [
      parseConfigText(dirConf("pw2-dir", [{ name: "File1", password: "sd-pass" }, { name: "File2", password: "stale-pass" }]), "/etc/pw2/bacula-dir.conf"),
      parseConfigText(sdConf("pw2-sd", "pw2-dir", "sd-pass"), "/etc/pw2/bacula-sd.conf"),
    ], { allowErrors: true });
    expect(forced.applied).toBe(true);
    expect(await prisma.storage.findMany({ where: { director: { name: "pw2-dir" } }, select: { name: true } })).toEqual([{ name: "File1" }]);
    expect(await renderedSdDirectors("pw2-sd")).toEqual({ "pw2-dir": "sd-pass" });
  });

  it("an SD imported earlier from its config: a Director whose Storage has another password is refused, and the SD still renders its own", async () => {
    const sdAlone = await importConfigs(prisma, [parseConfigText(sdConf("pw3-sd", "pw3-dir", "its-own-pass"), "/etc/pw3/bacula-sd.conf")]);
    expect(errors(sdAlone)).toEqual([]);
    const wrong = await importConfigs(prisma, [parseConfigText(dirConf("pw3-dir", [{ name: "File1", password: "another-pass" }]), "/etc/pw3/bacula-dir.conf")]);
    expect(wrong.applied).toBe(false);
    expect(errors(wrong).map((i) => i.message)).toEqual([expect.stringMatching(/^Storage "File1": its Password is not the one Storage Daemon "pw3-sd" accepts from Director "pw3-dir"/)]);
    expect(await renderedSdDirectors("pw3-sd")).toEqual({ "pw3-dir": "its-own-pass" });
    // The matching Director goes in, reaches that SD, and importing it again changes nothing.
    const right = await importConfigs(prisma, [parseConfigText(dirConf("pw3-dir", [{ name: "File1", password: "its-own-pass" }]), "/etc/pw3/bacula-dir.conf")]);
    expect(errors(right)).toEqual([]);
    const st = await prisma.storage.findFirstOrThrow({ where: { name: "File1", director: { name: "pw3-dir" } }, include: { storageDaemon: true } });
    expect(st.storageDaemon.name).toBe("pw3-sd");
    expect(await renderedSdDirectors("pw3-sd")).toEqual({ "pw3-dir": "its-own-pass" });
    const again = await importConfigs(prisma, [parseConfigText(dirConf("pw3-dir", [{ name: "File1", password: "its-own-pass" }]), "/etc/pw3/bacula-dir.conf")]);
    expect(again.changes).toEqual([]);
  });
});
