/**
 * bacula-fd.conf import, judged by Bacula: Debian's stock /etc/bacula files (all four at once, as an
 * operator points the import at /etc/bacula) and a File Daemon config with the directives a real
 * site adds (listen blocks, PKI, TLS off, a tray monitor, a Console, a Schedule with Connect lines,
 * a second Messages, the old "Client" keyword) go onto the Client; the File Daemon config rendered
 * from the database is compared with the original by bfdjson's JSON view, directive by directive.
 * What the model cannot hold is refused with the file's line, and nothing is written.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { deepFreeze } from "@/test/support/freeze";
import { makeBaculaTempDir, runBaculaJsonFile, type BaculaBinResult } from "@/lib/bacula/testing/bacula-bin";
import { diffJsonViews } from "@/lib/bacula/testing/json-view";

const { dir: tmpRoot } = freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { importConfigs, parseConfigFile, detectDaemon } = await import("./import-to-db");
const { loadFileDaemonConfig } = await import("./fd-from-db");
const { renderFileDaemon } = await import("@/lib/bacula/fd-console");
const { renderTree } = await import("./cli");

let bacula: ReturnType<typeof makeBaculaTempDir>;
beforeAll(() => {
  bacula = makeBaculaTempDir("bhd-fd-import-");
});
afterAll(async () => {
  bacula?.cleanup();
  await prisma.$disconnect();
});

const STOCK = "/etc/bacula";
let n = 0;
function write(name: string, text: string): string {
  const dir = path.join(tmpRoot, `case-${++n}`);
  fs.mkdirSync(dir, { recursive: true });
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

function json(r: BaculaBinResult): unknown {
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return r.json;
}

/** bfdjson's view of the original and of the render of Client `name` from the database. */
async function views(original: string, name: string) {
  const c = await prisma.client.findFirstOrThrow({ where: { name } });
  const text = renderFileDaemon(await loadFileDaemonConfig(prisma, c.id), { revision: 1 });
  const rendered = write("bacula-fd.conf", text);
  const test = runBaculaJsonFile("bfdjson", rendered, { test: true });
  expect(test.code, test.stdout + text).toBe(0);
  return { diff: diffJsonViews(json(runBaculaJsonFile("bfdjson", original)), json(runBaculaJsonFile("bfdjson", rendered))), text };
}

const stockDirector = fs.readFileSync(path.join(STOCK, "bacula-dir.conf"), "utf8");
const stockFd = fs.readFileSync(path.join(STOCK, "bacula-fd.conf"), "utf8");
/** The stock File Daemon's name and its Director's password, as Debian wrote them. */
const fdName = /FileDaemon\s*\{[^}]*?Name\s*=\s*"?([^"\s]+)/.exec(stockFd)![1];
const dirPassword = /Director\s*\{[^}]*?Password\s*=\s*"([^"]+)"/.exec(stockFd)![1];

describe("bacula-fd.conf import", () => {
  it("tells the four stock files apart and imports them together: the File Daemon's file comes back as Bacula read it", async () => {
    const files = ["bacula-dir.conf", "bacula-sd.conf", "bacula-fd.conf", "bconsole.conf"].map((f) => path.join(STOCK, f));
    // Frozen: the import leaves the parse as it was (the Import page's import reuses its dry run's).
    const sources = files.map((f) => deepFreeze(parseConfigFile(f)));
    expect(sources.map((s) => s.daemon)).toEqual(["dir", "sd", "fd", "console"]);
    const report = await importConfigs(prisma, sources, { actor: "test" });
    expect(report.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(report.issues.map((i) => [path.basename(i.file), i.severity])).toEqual([["bconsole.conf", "warning"]]);
    expect(report.applied).toBe(true);
    const { diff } = await views(path.join(STOCK, "bacula-fd.conf"), fdName);
    expect({ dropped: diff.dropped, changed: diff.changed, added: diff.added }).toEqual({ dropped: [], changed: [], added: [] });
    expect(diff.kept).toBe(diff.total);
    expect(diff.total).toBeGreaterThanOrEqual(9);
    // The same files again change nothing.
    const again = await importConfigs(prisma, files.map((f) => parseConfigFile(f)), { actor: "test" });
    expect(again.changes).toEqual([]);
    expect(again.revision).toBeUndefined();
  });

  it("keeps what a site adds to a File Daemon: listen blocks, PKI, limits, a tray monitor, a Console, a Schedule, two Messages", async () => {
    const rich = write(
      "bacula-fd.conf",
      `# a Console and a Schedule before the File Daemon, the FileDaemon under its old name
Console {
  Name = fd-console
  Password = "console-secret"
  Address = 192.0.2.10
  DirPort = 9101
}
Schedule {
  Name = nightly-connect
  Connect = MaxConnectTime=2h at 21:30
  Enabled = yes
}
Client {
  Name = ${fdName}
  FDAddresses = {
    ip = { addr = 127.0.0.1; port = 9102 }
    ipv4 = { addr = 127.0.0.2; port = 9102 }
  }
  FD Source Address = 127.0.0.1
  WorkingDirectory = "/var/lib/bacula"
  Pid Directory = /run/bacula
  Plugin Directory = /usr/lib/bacula
  Maximum Concurrent Jobs = 7
  Heartbeat Interval = 2 min
  Maximum Network Buffer Size = 65536
  PKI Signatures = no
  Maximum Bandwidth Per Job = 10 mb/s
  Disable Command = "estimate", "restore"
  Messages = Extra
}
Director {
  Name = vm-dir
  Password = "${dirPassword}"
  Maximum Bandwidth Per Job = 5 mb/s
  TLS Enable = no
}
Director {
  Name = tray-mon
  Password = "tray-secret"
  Monitor = yes
  Address = 192.0.2.20
}
Messages {
  Name = Standard
  director = vm-dir = all, !skipped, !restored
}
Messages {
  Name = Extra
  director = vm-dir = all
  append = "/var/log/bacula/fd-extra.log" = all, !skipped
}
`,
    );
    expect(detectDaemon(fs.readFileSync(rich, "utf8"))).toBe("fd");
    const report = await importConfigs(prisma, [deepFreeze(parseConfigFile(rich))], { actor: "test" });
    expect(report.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(report.applied).toBe(true);
    const { diff, text } = await views(rich, fdName);
    expect({ dropped: diff.dropped, changed: diff.changed, added: diff.added }).toEqual({ dropped: [], changed: [], added: [] });
    expect(diff.kept).toBe(diff.total);
    // Secrets of stored resources are encrypted at rest and come back in the file only.
    const stored = await prisma.configResource.findMany({ where: { client: { name: fdName } } });
    expect(JSON.stringify(stored)).not.toContain("tray-secret");
    expect(JSON.stringify(stored)).not.toContain("console-secret");
    expect(text).toContain('Password = "tray-secret"');
    // Re-importing it changes nothing.
    const again = await importConfigs(prisma, [parseConfigFile(rich)], { actor: "test" });
    expect(again.changes).toEqual([]);
    // A standby of the Client's Director is accepted the way the file accepts its primary (after a
    // switchover it is the one that connects): same password, same directives.
    const primary = await prisma.director.findUniqueOrThrow({ where: { name: "vm-dir" } });
    const { encryptSecret } = await import("@/lib/secrets");
    await prisma.director.create({ data: { name: "vm-dir-standby", address: "192.0.2.30", passwordEnc: encryptSecret("standby-console"), role: "standby", active: false, primaryId: primary.id } });
    const c = await prisma.client.findFirstOrThrow({ where: { name: fdName } });
    const withStandby = await loadFileDaemonConfig(prisma, c.id);
    const standby = withStandby.directors.find((d) => d.name === "vm-dir-standby")!;
    const main = withStandby.directors.find((d) => d.name === "vm-dir")!;
    expect(standby.password).toBe(dirPassword);
    expect(main.extra?.length).toBe(2); // Maximum Bandwidth Per Job, TLS Enable
    expect(standby.extra).toEqual(main.extra);
    const f = write("bacula-fd.conf", renderFileDaemon(withStandby, { revision: 1 }));
    expect(runBaculaJsonFile("bfdjson", f, { test: true }).code).toBe(0);
    await prisma.director.delete({ where: { name: "vm-dir-standby" } });
  });

  it("refuses what the model cannot hold, with the file's line, and writes nothing", async () => {
    const before = await prisma.client.findFirstOrThrow({ where: { name: fdName } });
    const auditsBefore = await prisma.auditEvent.count();
    const cases: [string, RegExp][] = [
      [`FileDaemon {\n  Name = nobody-fd\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\nDirector {\n  Name = vm-dir\n  Password = "x"\n}\nMessages {\n  Name = Standard\n  director = vm-dir = all\n}\n`, /no Client named "nobody-fd"/],
      [`FileDaemon {\n  Name = ${fdName}\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\nDirector {\n  Name = vm-dir\n  Password = "not-the-client-password"\n}\nMessages {\n  Name = Standard\n  director = vm-dir = all\n}\n`, /Director "vm-dir" has another password than Client/],
      [`FileDaemon {\n  Name = ${fdName}\n  FDport = 19102\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\nDirector {\n  Name = vm-dir\n  Password = "${dirPassword}"\n}\nMessages {\n  Name = Standard\n  director = vm-dir = all\n}\n`, /listens on port 19102, and Client "vm-fd" has FDPort 9102, the port its Director dials: the dashboard keeps one port/],
      [`FileDaemon {\n  Name = ${fdName}\n  FDAddresses = {\n    ipv4 = { addr = 0.0.0.0; port = 9200 }\n  }\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\nDirector {\n  Name = vm-dir\n  Password = "${dirPassword}"\n}\nMessages {\n  Name = Standard\n  director = vm-dir = all\n}\n`, /listens on port 9200, and Client "vm-fd" has FDPort 9102, the port its Director dials/],
    ];
    for (const [text, message] of cases) {
      const f = write("bacula-fd.conf", text);
      const report = await importConfigs(prisma, [parseConfigFile(f)], { actor: "test" });
      expect(report.applied).toBe(false);
      const errors = report.issues.filter((i) => i.severity === "error");
      expect(errors.map((e) => e.message).join("\n")).toMatch(message);
      expect(errors.every((e) => e.file === f && e.line > 0)).toBe(true);
    }
    expect(await prisma.client.findFirstOrThrow({ where: { name: fdName } })).toEqual(before);
    expect(await prisma.auditEvent.count()).toBe(auditsBefore);
  });

  // Found by the second outside trial: the message said "FDPort 9102 in its Director's configuration" of a Client whose file has none.
  it("says each side's port as it is written: a port left out is Bacula's default, not a line of a file", async () => {
    const before = await prisma.client.findFirstOrThrow({ where: { name: fdName } });
    const fdFile = (listen: string) =>
      `FileDaemon {\n  Name = ${fdName}\n${listen}  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\nDirector {\n  Name = vm-dir\n  Password = "${dirPassword}"\n}\nMessages {\n  Name = Standard\n  director = vm-dir = all\n}\n`;
    const errorsOf = async (text: string) =>
      (await importConfigs(prisma, [parseConfigFile(write("bacula-fd.conf", text))], { actor: "test", dryRun: true })).issues.filter((i) => i.severity === "error").map((e) => e.message);
    try {
      await prisma.client.update({ where: { id: before.id }, data: { port: 9102, portWritten: false } });
      expect(await errorsOf(fdFile("  FDport = 19102\n"))).toEqual([`the File Daemon listens on port 19102, and Client "${fdName}" has no FDPort, so its Director dials Bacula's default port 9102: the dashboard keeps one port for both sides; make them equal`]);
      await prisma.client.update({ where: { id: before.id }, data: { port: 9112, portWritten: true } });
      expect(await errorsOf(fdFile(""))).toEqual([`the File Daemon has no FDport, so it listens on Bacula's default port 9102, and Client "${fdName}" has FDPort 9112, the port its Director dials: the dashboard keeps one port for both sides; make them equal`]);
    } finally {
      await prisma.client.update({ where: { id: before.id }, data: { port: before.port, portWritten: before.portWritten, updatedAt: before.updatedAt } });
    }
  });

  it("takes a listen port given as a Bacula service name, as Bacula resolves it, and refuses one it cannot know", async () => {
    const fdFile = (listen: string) =>
      `FileDaemon {\n  Name = ${fdName}\n${listen}\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\nDirector {\n  Name = vm-dir\n  Password = "${dirPassword}"\n}\nMessages {\n  Name = Standard\n  director = vm-dir = all\n}\n`;
    for (const listen of ["  FDport = bacula-fd", "  FDAddresses = {\n    ipv4 = { addr = 0.0.0.0; port = bacula-fd }\n  }"]) {
      const f = write("bacula-fd.conf", fdFile(listen));
      // Bacula itself reads the name (from this machine's /etc/services).
      expect(runBaculaJsonFile("bfdjson", f, { test: true }).code).toBe(0);
      const report = await importConfigs(prisma, [parseConfigFile(f)], { actor: "test" });
      expect(report.issues.filter((i) => i.severity === "error")).toEqual([]);
      expect(report.applied).toBe(true);
      expect((await views(f, fdName)).diff).toMatchObject({ dropped: [], changed: [], added: [] });
    }
    const refused: [string, RegExp][] = [
      ["  FDport = no-such-service", /FdPort must be a port number between 1 and 65534 or a service name the dashboard knows \(bacula-dir, bacula-fd, bacula-sd\)/],
      ["  FDAddresses = {\n    ipv4 = { addr = 0.0.0.0; port = no-such-service }\n  }", /port must be a number or a service name the dashboard knows/],
      // bacula-dir is 9101: not the Client's FDPort
      ["  FDport = bacula-dir", /listens on port 9101, and Client "vm-fd" has FDPort 9102, the port its Director dials/],
    ];
    for (const [listen, message] of refused) {
      const report = await importConfigs(prisma, [parseConfigFile(write("bacula-fd.conf", fdFile(listen)))], { actor: "test" });
      expect(report.applied).toBe(false);
      expect(report.issues.filter((i) => i.severity === "error").map((e) => e.message).join("\n")).toMatch(message);
    }
  });

  it("with --force, keeps the stored version of a resource it leaves out, and removes one the file no longer has", async () => {
    const base = (console: string, monitor: boolean) =>
      `FileDaemon {\n  Name = ${fdName}\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\nDirector {\n  Name = vm-dir\n  Password = "${dirPassword}"\n}\n${monitor ? `Director {\n  Name = mon\n  Password = "m"\n  Monitor = yes\n}\n` : ""}Console {\n  Name = fd-console\n  Password = "c"\n${console}}\nMessages {\n  Name = Standard\n  director = vm-dir = all\n}\n`;
    const stored = () => prisma.configResource.findMany({ where: { client: { name: fdName } }, orderBy: { id: "asc" } });
    expect((await importConfigs(prisma, [parseConfigFile(write("bacula-fd.conf", base("", true)))], { actor: "test" })).applied).toBe(true);
    const before = await stored();
    expect(before.map((r) => `${r.type} ${r.name}`).sort()).toEqual(["Console fd-console", "Director mon", "Messages Standard"]);
    // The Console gets a directive Bacula refuses: left out, its stored version kept; the monitor is gone from the file: removed.
    const forced = await importConfigs(prisma, [parseConfigFile(write("bacula-fd.conf", base("  Frobnicate = 3\n", false)))], { actor: "test", allowErrors: true });
    expect(forced.applied).toBe(true);
    expect(forced.leftOut.map((l) => `${l.resource} ${l.name}`)).toEqual(["Console fd-console"]);
    expect(forced.changes.filter((c) => c.action === "delete").map((c) => c.name)).toEqual(["Director mon"]);
    const after = await stored();
    expect(after.map((r) => `${r.type} ${r.name}`).sort()).toEqual(["Console fd-console", "Messages Standard"]);
    expect(after.find((r) => r.type === "Console")).toEqual(before.find((r) => r.type === "Console"));
  });

  it("says in the audit log what a re-import changed: the directives, never a password", async () => {
    const text = (jobs: number, dirTls: boolean) =>
      `FileDaemon {\n  Name = ${fdName}\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n  Maximum Concurrent Jobs = ${jobs}\n}\nDirector {\n  Name = vm-dir\n  Password = "${dirPassword}"\n${dirTls ? "  TLS Enable = no\n" : ""}}\nMessages {\n  Name = Standard\n  director = vm-dir = all\n}\n`;
    await importConfigs(prisma, [parseConfigFile(write("bacula-fd.conf", text(7, false)))], { actor: "audit-test" });
    const since = new Date();
    const r = await importConfigs(prisma, [parseConfigFile(write("bacula-fd.conf", text(12, true)))], { actor: "audit-test" });
    expect(r.changes.map((c) => [c.action, c.kind])).toEqual([["update", "clients"]]);
    const ev = await prisma.auditEvent.findFirstOrThrow({ where: { actor: "audit-test", action: "import-update", at: { gte: since } } });
    expect(ev.after).toEqual({
      changed: ["fdExtra", "fdDirectorExtra"],
      detail: { fdExtra: { added: [], removed: [], changed: ["MaximumConcurrentJobs"] }, fdDirectorExtra: { added: ["TlsEnable"], removed: [], changed: [] } },
    });
    expect(JSON.stringify(await prisma.auditEvent.findMany({ where: { actor: "audit-test" } }))).not.toContain(dirPassword);
  });

  it("tells the daemon from what Bacula reads: a FileDaemon in an included file, a tray monitor's config", async () => {
    const inc = write("fdres.inc", `FileDaemon {\n  Name = ${fdName}\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n}\n`);
    const main = path.join(path.dirname(inc), "bacula-fd.conf");
    fs.writeFileSync(main, `Director {\n  Name = vm-dir\n  Password = "${dirPassword}"\n}\n@${inc}\nMessages {\n  Name = Standard\n  director = vm-dir = all\n}\n`);
    expect(parseConfigFile(main).daemon).toBe("fd");
    const tray = write("bacula-tray-monitor.conf", `Monitor {\n  Name = tray\n}\nClient {\n  Name = ${fdName}\n  Address = localhost\n  Port = 9102\n  Password = "t"\n}\nDirector {\n  Name = vm-dir\n  Address = localhost\n  Port = 9101\n}\n`);
    const src = parseConfigFile(tray);
    expect(src.daemon).toBe("monitor");
    const report = await importConfigs(prisma, [src], { actor: "test" });
    expect(report.issues.map((i) => [i.severity, i.message])).toEqual([["warning", expect.stringMatching(/tray monitor's config: not imported/)]]);
  });

  it("refuses what the File Daemon refuses when it starts (TLS and PKI), as bfdjson -t does, with the line", async () => {
    const dir = path.join(tmpRoot, `tls-${++n}`);
    fs.mkdirSync(dir, { recursive: true });
    const cert = path.join(dir, "cert.pem");
    const key = path.join(dir, "key.pem");
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=fd-test"], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const ca = "/etc/ssl/certs/ca-certificates.crt";
    const tls = `  TLS Certificate = ${cert}\n  TLS Key = ${key}\n`;
    const cfg = (fdExtra: string, dirExtra: string, more = "") =>
      `FileDaemon {\n  Name = ${fdName}\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n${fdExtra}}\nDirector {\n  Name = vm-dir\n  Password = "${dirPassword}"\n${dirExtra}}\n${more}Messages {\n  Name = Standard\n  director = vm-dir = all\n}\n`;
    const cases: [string, string][] = [
      ["FileDaemon TLS without a CA", cfg(`  TLS Enable = yes\n${tls}`, "")],
      ["FileDaemon TLS with a CA", cfg(`  TLS Enable = yes\n  TLS CA Certificate File = ${ca}\n${tls}`, "")],
      ["PKI Signatures without a key pair", cfg("  PKI Signatures = yes\n", "")],
      ["Director TLS, peer verified, no CA", cfg("", `  TLS Enable = yes\n${tls}`)],
      ["Director TLS, peer not verified", cfg("", `  TLS Enable = yes\n  TLS Verify Peer = no\n${tls}`)],
      ["Director TLS without a certificate", cfg("", `  TLS Enable = yes\n  TLS CA Certificate File = ${ca}\n  TLS Key = ${key}\n`)],
      ["Console TLS without a CA", cfg("", "", `Console {\n  Name = c\n  Password = "p"\n  TLS Enable = yes\n${tls}}\n`)],
      ["Console TLS with a CA", cfg("", "", `Console {\n  Name = c\n  Password = "p"\n  TLS Enable = yes\n  TLS CA Certificate File = ${ca}\n${tls}}\n`)],
      ["TLS Require alone on a Director", cfg("", "  TLS Require = yes\n")],
      ["TLS Require alone on the FileDaemon", cfg("  TLS Require = yes\n", "")],
      ["an unknown message type", cfg("", "").replace("director = vm-dir = all", "director = vm-dir = all, !frobnicate")],
    ];
    const verdicts: [string, boolean, boolean][] = [];
    for (const [label, text] of cases) {
      const f = write("bacula-fd.conf", text);
      const bacula = runBaculaJsonFile("bfdjson", f, { test: true }).code === 0;
      const report = await importConfigs(prisma, [parseConfigFile(f)], { actor: "test", dryRun: true });
      const errors = report.issues.filter((i) => i.severity === "error");
      verdicts.push([label, bacula, errors.length === 0]);
      if (errors.length) expect(errors.every((e) => e.file === f && e.line > 1), JSON.stringify(errors)).toBe(true);
    }
    // Every verdict as Bacula's, and both kinds among them.
    expect(verdicts.filter(([, bacula, ours]) => bacula !== ours)).toEqual([]);
    expect(new Set(verdicts.map(([, b]) => b))).toEqual(new Set([true, false]));
  });

  it("tells a bconsole.conf and a File Daemon config from a Director's", () => {
    expect(detectDaemon(stockDirector)).toBe("dir");
    expect(detectDaemon(`Director {\n  Name = d\n  DIRport = 9101\n  address = localhost\n  Password = "p"\n}\n`)).toBe("console");
    expect(detectDaemon(`Console {\n  Name = c\n  Password = "p"\n}\nDirector {\n  Name = d\n  Address = h\n  Password = "p"\n}\n`)).toBe("console");
    expect(detectDaemon(`Director {\n  Name = d\n  Password = "p"\n}\nClient {\n  Name = x-fd\n  WorkingDirectory = /w\n  Pid Directory = /p\n}\n`)).toBe("fd");
    expect(detectDaemon(`Console {\n  Name = c\n  Password = "p"\n}\nFileDaemon {\n  Name = x-fd\n}\n`)).toBe("fd");
    // A Director config with only its Director and Console resources so far (its own directories say which).
    expect(detectDaemon(`Director {\n  Name = d\n  QueryFile = "/q"\n  WorkingDirectory = /w\n  Password = "p"\n}\nConsole {\n  Name = c\n  Password = "p"\n}\n`)).toBe("dir");
    // In time linear in the file: long runs of blanks (a hostile file within the 16 MiB cap) took minutes.
    const t = performance.now();
    for (const text of ["\n".repeat(5_000_000) + "Director {\n Name = x\n}\n", "Director {\nName" + " ".repeat(1_000_000) + "x\n", "Director {\n" + "a ".repeat(500_000) + "\n"]) detectDaemon(text);
    expect(performance.now() - t).toBeLessThan(2000);
  });

  // (Last: it leaves a second Director with a Client of the stock File Daemon's name.)
  it("a File Daemon that two Directors define a Client for accepts each with its own Client's password, renders once, and a pair shares one", async () => {
    // Director "vm-dir-b" with the same Clients (its own config, or a standby's imported before it
    // became one); its Client of the File Daemon gets a password of its own.
    const bText = stockDirector.replace(/(Director\s*\{[^}]*?Name\s*=\s*)vm-dir/, "$1vm-dir-b");
    const bReport = await importConfigs(prisma, [parseConfigFile(write("bacula-dir.conf", bText))], { actor: "test" });
    expect(bReport.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(await prisma.client.count({ where: { name: fdName } })).toBe(2);
    const primaryClient = await prisma.client.findFirstOrThrow({ where: { name: fdName, director: { name: "vm-dir" } } });
    const otherClient = await prisma.client.findFirstOrThrow({ where: { name: fdName, director: { name: "vm-dir-b" } } });
    const { encryptSecret } = await import("@/lib/secrets");
    await prisma.client.update({ where: { id: otherClient.id }, data: { passwordEnc: encryptSecret("pw-of-b") } });
    const fdText = (directors: [string, string][], jobs = 7) =>
      `FileDaemon {\n  Name = ${fdName}\n  FDport = 9102\n  WorkingDirectory = /var/lib/bacula\n  Pid Directory = /run/bacula\n  Maximum Concurrent Jobs = ${jobs}\n}\n` +
      directors.map(([d, pw]) => `Director {\n  Name = ${d}\n  Password = "${pw}"\n}\n`).join("") +
      `Messages {\n  Name = Standard\n  director = vm-dir = all\n}\n`;
    const imported = async (directors: [string, string][], jobs?: number) => {
      const f = write("bacula-fd.conf", fdText(directors, jobs));
      const report = await importConfigs(prisma, [parseConfigFile(f)], { actor: "test" });
      return { f, report, errors: report.issues.filter((i) => i.severity === "error").map((e) => e.message), warnings: report.issues.filter((i) => i.severity === "warning").map((e) => e.message) };
    };
    const A: [string, string] = ["vm-dir", dirPassword];
    const B: [string, string] = ["vm-dir-b", "pw-of-b"];
    // The file accepts both, each with its Client's password (Bacula's usual two-Director set-up):
    // one File Daemon, kept on the Client that holds it, and its render is the file.
    let r = await imported([A, B]);
    expect(r.errors).toEqual([]);
    expect(r.report.applied).toBe(true);
    expect(r.report.changes.filter((c) => c.kind === "clients").map((c) => c.id)).toEqual([primaryClient.id]);
    expect((await views(r.f, fdName)).diff).toMatchObject({ dropped: [], changed: [], added: [] });
    // Every Client of the name renders that same file, and the command line writes it once.
    const fromB = renderFileDaemon(await loadFileDaemonConfig(prisma, otherClient.id), { revision: 1 });
    expect(fromB).toBe(renderFileDaemon(await loadFileDaemonConfig(prisma, primaryClient.id), { revision: 1 }));
    expect(fromB).toContain('Password = "pw-of-b"');
    const out = path.join(tmpRoot, `render-${++n}`);
    const tree = await renderTree(prisma, out);
    expect(tree.written.filter((w) => w.endsWith(`${fdName}/bacula-fd.conf`))).toHaveLength(1);
    expect(fs.readFileSync(path.join(out, fdName, "bacula-fd.conf"), "utf8")).toContain('Password = "pw-of-b"');
    // A file that accepts one of them: the render accepts the other too, said.
    r = await imported([A], 8);
    expect(r.errors).toEqual([]);
    expect(r.warnings.join("\n")).toMatch(/the rendered bacula-fd.conf also accepts Director "vm-dir-b"/);
    // A Director of those with another password than its Client's is refused, with its line.
    r = await imported([A, ["vm-dir-b", "not-b"]]);
    expect(r.report.applied).toBe(false);
    expect(r.errors.join("\n")).toMatch(/Director "vm-dir-b" has another password than Client "vm-fd"/);
    // Made a pair (vm-dir-b the standby of vm-dir): the standby is accepted as the primary is.
    await prisma.director.update({ where: { name: "vm-dir-b" }, data: { role: "standby", active: false, primaryId: (await prisma.director.findUniqueOrThrow({ where: { name: "vm-dir" } })).id } });
    r = await imported([A, ["vm-dir-b", dirPassword]], 9);
    expect(r.errors).toEqual([]);
    expect(r.report.changes.filter((c) => c.kind === "clients").map((c) => c.id)).toEqual([primaryClient.id]);
    const cfg = await loadFileDaemonConfig(prisma, otherClient.id);
    expect(cfg.directors.map((d) => [d.name, d.password])).toEqual([["vm-dir", dirPassword], ["vm-dir-b", dirPassword]]);
    expect(await prisma.configResource.count({ where: { clientId: otherClient.id } })).toBe(0);
    expect((await views(r.f, fdName)).diff).toMatchObject({ dropped: [], changed: [], added: [] });
  });
});
