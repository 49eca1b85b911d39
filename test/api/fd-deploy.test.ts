/**
 * File Daemon configs end to end: a Client of a master-standby Director pair, its bacula-fd.conf
 * rendered from the model (both Directors of the pair, with the Client's password), previewed
 * through GET /api/config/clients/{id} (and the Director's bconsole.conf through
 * /api/config/consoles/{id}), deployed over a real sshd by the deploy engine to a File Daemon that
 * does not run yet (so it is started, not restarted), then restarted on the next change. Judged by
 * the real parts: bfdjson on the live file, the FD's pid, and real Directors asking the FD for its
 * status: the standby's name is accepted, a name outside the pair is refused.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call } from "../support/api";
import { startSshd, type TestSshd } from "../support/sshd";
import { fileDaemonFiles, startDirector, type TestDirector, type TestFileDaemonFiles } from "../support/bacula-daemons";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { encryptSecret } = await import("@/lib/secrets");
const { bumpModelRevision } = await import("@/lib/audit");
const { makeUser } = await import("./fixtures");
const clientConfigRoute = (await import("@/app/api/config/clients/[id]/route")).GET as never;
const consoleConfigRoute = (await import("@/app/api/config/consoles/[id]/route")).GET as never;
const targetsRoute = await import("@/app/api/deploy/targets/route");
const runsRoute = (await import("@/app/api/deploy/runs/route")).POST as never;

type Ev = Record<string, any>;
const CLIENT_PASSWORD = "fd-client-secret-1";
let sshd: TestSshd;
let fd: TestFileDaemonFiles;
let viewer = "";
let operator = "";
let clientId = 0;
let primaryId = 0;
const directors: TestDirector[] = [];

async function deploy(targets: string[]): Promise<Ev> {
  const r = await call(runsRoute, "/api/deploy/runs", { method: "POST", cookie: operator, body: { dryRun: false, targets } });
  expect(r.status).toBe(200);
  const events = String(r.json).trim().split("\n").map((l) => JSON.parse(l) as Ev);
  const done = events.find((e) => e.type === "done")!;
  return (done.targets as Ev[])[0];
}

/** A real Director named `name` that knows the Client, asking the FD for its status. */
async function statusFrom(name: string): Promise<string> {
  const d = await startDirector(join(sshd.remoteDir, `asker-${name}`), sshd.user, {
    name,
    adjust: (m) => {
      m.clients = [{ name: "fd1-fd", address: "127.0.0.1", fdPort: fd.port, password: CLIENT_PASSWORD, catalog: "MyCatalog" }];
      for (const j of m.jobs) j.client = "fd1-fd";
    },
  });
  directors.push(d);
  try {
    return d.console(["status client=fd1-fd"]);
  } finally {
    await d.stop();
  }
}

beforeAll(async () => {
  sshd = await startSshd();
  fd = await fileDaemonFiles(join(sshd.remoteDir, "fd"), sshd.user, { name: "fd1-fd" });
  viewer = await makeUser("vw", "viewer");
  operator = await makeUser("op", "operator");
  const host = await prisma.host.create({
    data: { name: "client-host", address: sshd.host, sshPort: sshd.port, sshUser: sshd.user, privateKeyEnc: encryptSecret(sshd.privateKey), hostKeyFingerprint: sshd.hostKeyFingerprint },
  });
  const p = await prisma.director.create({ data: { name: "fd-dir", address: "127.0.0.1", port: 19301, passwordEnc: encryptSecret("console-a"), role: "primary", site: "site-a" } });
  primaryId = p.id;
  await prisma.director.create({ data: { name: "fd-dir-standby", address: "127.0.0.1", port: 19302, passwordEnc: encryptSecret("console-b"), role: "standby", active: false, primaryId: p.id, site: "site-b" } });
  const cat = await prisma.catalog.create({ data: { name: "MyCatalog", directorId: p.id, dbName: "bacula" } });
  const c = await prisma.client.create({
    data: {
      name: "fd1-fd", directorId: p.id, address: "127.0.0.1", port: fd.port, passwordEnc: encryptSecret(CLIENT_PASSWORD), catalogId: cat.id, hostId: host.id,
      fdConfigDir: fd.etc, fdWorkingDirectory: fd.work, fdPidDirectory: fd.run, fdAddress: "127.0.0.1",
    },
  });
  clientId = c.id;
  // Not systemd here: the FD's start / stop / restart are the rig's scripts, programs an admin allowed.
  await prisma.daemonDeployState.create({ data: { kind: "client", daemonId: c.id, settings: { startCommand: fd.startScript, stopCommand: fd.stopScript, restartCommand: fd.restartScript } } });
  await prisma.setting.create({ data: { key: "deploy.extraPrograms", value: JSON.stringify([fd.startScript, fd.stopScript, fd.restartScript]) } });
  await bumpModelRevision();
}, 120_000);

afterAll(async () => {
  for (const d of directors) await d.stop().catch(() => undefined);
  fd?.kill();
  await sshd?.stop();
  await prisma.$disconnect();
});

describe("File Daemon configs (real bacula-fd over real sshd)", () => {
  it("previews bacula-fd.conf with both Directors of the pair and the Client's password masked; bconsole.conf likewise", async () => {
    const r = await call(clientConfigRoute, "/x", { cookie: viewer, params: { id: String(clientId) } });
    expect(r.status).toBe(200);
    expect(r.json.problems).toEqual([]);
    expect(r.json).toMatchObject({ kind: "clients", file: "bacula-fd.conf", rendered: true, record: { kind: "clients", id: clientId, name: "fd1-fd" }, path: join(fd.etc, "bacula-fd.conf") });
    const text = r.json.text as string;
    expect(text).toContain('Name = "fd-dir"');
    expect(text).toContain('Name = "fd-dir-standby"');
    expect(text).toMatch(/^\s*FdAddress = 127\.0\.0\.1$/m);
    expect(text).toContain('Password = "••••••••"');
    expect(JSON.stringify(r.json)).not.toContain(CLIENT_PASSWORD);
    expect(r.json.deployed).toBeNull();
    expect(r.json.deployProblems).toEqual([]);

    const b = await call(consoleConfigRoute, "/x", { cookie: viewer, params: { id: String(primaryId) } });
    expect(b.status).toBe(200);
    expect(b.json.text).toContain('Name = "fd-dir"');
    expect(b.json.text).toMatch(/^\s*DirPort = 19301$/m);
    expect(JSON.stringify(b.json)).not.toContain("console-a");
    expect((await call(clientConfigRoute, "/x", { cookie: viewer, params: { id: "99999" } })).status).toBe(404);
    expect((await call(clientConfigRoute, "/x", { params: { id: String(clientId) } })).status).toBe(401);
  });

  it("lists the File Daemon as a deploy target with the commands it runs on its host", async () => {
    const r = await call(targetsRoute.GET as never, "/x", { cookie: viewer });
    const t = (r.json.targets as Ev[]).find((x) => x.key === `client:${clientId}`)!;
    expect(t).toMatchObject({ kind: "client", name: "fd1-fd", role: "file-daemon", files: [join(fd.etc, "bacula-fd.conf")], problems: [] });
    expect(t.commands.map((c: Ev) => `${c.use}:${c.argv.join(" ")}:${c.problem}`)).toEqual([
      `test:/usr/sbin/bfdjson -t -c ${join(fd.etc, "bacula-fd.conf")}:null`,
      `reload:${fd.restartScript}:null`,
      `start:${fd.startScript}:null`,
      `stop:${fd.stopScript}:null`,
    ]);
  });

  it("a first deploy starts the File Daemon that does not run yet, and the standby Director is accepted by it", async () => {
    expect(fd.pid()).toBeNull();
    const t = await deploy([`client:${clientId}`]);
    expect(t.status, t.error).toBe("succeeded");
    const reload = (t.steps as Ev[]).find((s) => s.name === "reload")!;
    expect(reload.log).toContain("starting it instead of reloading");
    expect(reload.log).toContain(fd.startScript);
    expect((t.steps as Ev[]).find((s) => s.name === "verify")!.log).toContain("bacula-fd runs");
    expect(fd.pid()).not.toBeNull();
    // Bacula's own parser on the live file: both Directors, the Client's password.
    const json = JSON.parse(execFileSync("/usr/sbin/bfdjson", ["-c", fd.configPath], { encoding: "utf8" })) as Ev[];
    const dirs = json.filter((r) => r.Director).map((r) => [r.Director.Name, r.Director.Password]);
    expect(dirs).toEqual([["fd-dir", CLIENT_PASSWORD], ["fd-dir-standby", CLIENT_PASSWORD]]);
    expect(readFileSync(fd.configPath, "utf8")).not.toContain("console-a");

    // The real FD answers the standby Director (as it will after a switchover) and refuses a stranger.
    expect(await statusFrom("fd-dir-standby")).toContain("fd1-fd Version:");
    // (The FD answers a failed authentication after a delay of about 10 s: measured.)
    const stranger = await statusFrom("not-in-the-pair");
    expect(stranger).not.toContain("fd1-fd Version:");
    expect(stranger).toMatch(/Director unable to authenticate with File Daemon/);

    const after = await call(clientConfigRoute, "/x", { cookie: viewer, params: { id: String(clientId) } });
    expect(after.json.deployed).toMatchObject({ by: "op", path: join(fd.etc, "bacula-fd.conf") });
    expect(after.json.diff).toBe("");
    expect(JSON.stringify(after.json)).not.toContain(CLIENT_PASSWORD);
  }, 120_000);

  it("a later change restarts the running File Daemon with its restart command", async () => {
    const pid = fd.pid();
    await prisma.client.update({ where: { id: clientId }, data: { fdExtra: [{ kind: "directive", name: "MaximumConcurrentJobs", value: 3 }] } });
    await bumpModelRevision();
    const t = await deploy([`client:${clientId}`]);
    expect(t.status, t.error).toBe("succeeded");
    const reload = (t.steps as Ev[]).find((s) => s.name === "reload")!;
    expect(reload.log).not.toContain("starting it instead");
    expect(reload.log).toContain(fd.restartScript);
    expect(fd.pid()).not.toBeNull();
    expect(fd.pid()).not.toBe(pid);
    expect(readFileSync(fd.configPath, "utf8")).toMatch(/^\s*MaximumConcurrentJobs = 3$/m);
  }, 60_000);
});
