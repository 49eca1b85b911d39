/**
 * Deploy API end to end: the topology in the database, a real sshd on loopback as the host, a real
 * bacula-dir (reloaded through bconsole over SSH) and a real bacula-sd (restarted over SSH).
 * Host key pinning, streamed progress, persistence with logs, drift, roles and audit.
 */
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";
import { call } from "../support/api";
import { startSshd, type TestSshd } from "../support/sshd";
import { mkdirOwned, startDirector, storageDaemonFiles, type TestDirector, type TestStorageDaemonFiles } from "../support/bacula-daemons";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { encryptSecret } = await import("@/lib/secrets");
const { bumpModelRevision } = await import("@/lib/audit");
const { makeUser } = await import("./fixtures");
const targetsRoute = await import("@/app/api/deploy/targets/route");
const liveRoute = await import("@/app/api/deploy/live/route");
const runsRoute = await import("@/app/api/deploy/runs/route");
const runRoute = await import("@/app/api/deploy/runs/[id]/route");
const hostKeyRoute = await import("@/app/api/deploy/hosts/[id]/host-key/route");
const hostKeyScanRoute = await import("@/app/api/deploy/hosts/[id]/host-key/scan/route");
const programsRoute = await import("@/app/api/deploy/programs/route");
const configRoute = await import("@/app/api/config/[daemon]/[id]/route");
const revealRoute = await import("@/app/api/config/[daemon]/[id]/reveal/route");

let sshd: TestSshd;
let dir: TestDirector;
let sd: TestStorageDaemonFiles;
let operator = "";
let viewer = "";
let admin = "";
let hostId = 0;
let directorId = 0;
let standbyId = 0;
let sdId = 0;
let standbyEtc = "";

type Ev = Record<string, any>;

/** POST a deploy and read the NDJSON stream as it comes, chunk by chunk. */
async function deploy(cookie: string, body: unknown): Promise<{ status: number; events: Ev[]; chunks: number; json?: Ev }> {
  const req = new Request("http://dashboard.test/api/deploy/runs", {
    method: "POST",
    headers: { host: "dashboard.test", origin: "http://dashboard.test", cookie, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const res = await (runsRoute.POST as unknown as (r: Request) => Promise<Response>)(req);
  if (res.headers.get("content-type")?.startsWith("application/json")) return { status: res.status, events: [], chunks: 0, json: await res.json() };
  expect(res.headers.get("content-type")).toContain("application/x-ndjson");
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  let chunks = 0;
  const events: Ev[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (value) {
      chunks++;
      buf += dec.decode(value, { stream: true });
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    }
    if (done) break;
  }
  return { status: res.status, events, chunks };
}

const finalTargets = (events: Ev[]) => {
  const done = events.find((e) => e.type === "done");
  expect(done, JSON.stringify(events.filter((e) => e.type === "error"))).toBeTruthy();
  return Object.fromEntries((done!.targets as Ev[]).map((t) => [t.name, t]));
};

beforeAll(async () => {
  sshd = await startSshd();
  dir = await startDirector(join(sshd.remoteDir, "dir"), sshd.user, { name: "api-dir" });
  sd = await storageDaemonFiles(join(sshd.remoteDir, "sd"), sshd.user, dir.name);
  standbyEtc = join(sshd.remoteDir, "standby", "etc");
  mkdirOwned(join(sshd.remoteDir, "standby"), sshd.user);
  mkdirOwned(standbyEtc, sshd.user);
  operator = await makeUser("op", "operator");
  viewer = await makeUser("vw", "viewer");
  admin = await makeUser("adm", "admin");
  // The test SD's restart script is not one of the built-in programs: an admin allows it.
  const allowed = await call(programsRoute.PUT as never, "/api/deploy/programs", { method: "PUT", cookie: admin, body: { programs: [sd.restartScript] } });
  expect(allowed.status, JSON.stringify(allowed.json)).toBe(200);

  const host = await prisma.host.create({
    data: { name: "loopback", address: sshd.host, sshPort: sshd.port, sshUser: sshd.user, privateKeyEnc: encryptSecret(sshd.privateKey) },
  });
  hostId = host.id;
  const d = await prisma.director.create({
    data: {
      name: dir.name, address: "127.0.0.1", port: dir.port, passwordEnc: encryptSecret(dir.password), role: "primary", hostId,
      configDir: dir.etc, workingDirectory: dir.work, pidDirectory: dir.run, queryFile: "/etc/bacula/scripts/query.sql",
    },
  });
  directorId = d.id;
  standbyId = (
    await prisma.director.create({
      data: {
        name: "api-dir-standby", address: "127.0.0.1", port: dir.port + 1, passwordEnc: encryptSecret("standby"), role: "standby", active: false,
        primaryId: d.id, hostId, configDir: standbyEtc, workingDirectory: dir.work, pidDirectory: dir.run,
      },
    })
  ).id;
  const s = await prisma.storageDaemon.create({
    data: {
      name: "test-sd", address: "127.0.0.1", port: sd.port, passwordEnc: encryptSecret("sd-secret"), hostId, configDir: sd.etc,
      workingDirectory: sd.work, pidDirectory: sd.run, restartCommand: sd.restartScript,
    },
  });
  sdId = s.id;
  // The SD does not run yet: its first deploy starts it with its start command (no systemd here: the restart script).
  await prisma.daemonDeployState.create({ data: { kind: "storage-daemon", daemonId: s.id, settings: { startCommand: sd.restartScript } } });
  const dev = await prisma.device.create({ data: { name: "FileDev1", storageDaemonId: s.id, mediaType: "File1", archiveDevice: join(sd.etc, "..", "archive") } });
  const storage = await prisma.storage.create({ data: { name: "File1", directorId: d.id, storageDaemonId: s.id, deviceId: dev.id, mediaType: "File1" } });
  const catalog = await prisma.catalog.create({ data: { name: "MyCatalog", directorId: d.id, dbName: "bacula", dbAddress: "127.0.0.1" } });
  const log = join(dir.work, "log");
  const msgs = await prisma.messages.create({ data: { name: "Standard", directorId: d.id, destinations: [{ kind: "append", where: log, types: "all, !skipped" }] } });
  await prisma.messages.create({ data: { name: "Daemon", directorId: d.id, destinations: [{ kind: "append", where: log, types: "all, !skipped" }] } });
  const client = await prisma.client.create({ data: { name: "local-fd", directorId: d.id, address: "127.0.0.1", passwordEnc: encryptSecret("fd"), catalogId: catalog.id } });
  const fs = await prisma.fileSet.create({ data: { name: "Config", directorId: d.id, includes: [dir.etc], excludes: [] } });
  const pool = await prisma.pool.create({ data: { name: "Nightly", directorId: d.id } });
  await prisma.storageGroupMember.create({ data: { poolId: pool.id, storageId: storage.id, position: 0 } });
  await prisma.job.create({
    data: {
      name: "FromTheModel", directorId: d.id, type: "Admin", clientId: client.id, fileSetId: fs.id, poolId: pool.id, messagesId: msgs.id, runLines: [],
      runScripts: [{ runsWhen: "Before", runsOnClient: false, failJobOnError: true, command: "/bin/true" }],
    },
  });
  await bumpModelRevision();
}, 120_000);

afterAll(async () => {
  sd?.stop();
  await dir?.stop();
  await sshd?.stop();
  await prisma.$disconnect();
});

const loaded = (cmd: string) => dir.console([cmd]).split("\n").map((l) => l.trim()).filter((l) => l && !/^(Connecting|1000 OK|Enter a period|You have)/.test(l) && l !== cmd);

describe("deploy API (real sshd, bacula-dir, bacula-sd)", () => {
  it("lists every Director (standby included) and Storage Daemon with drift and host-key state", async () => {
    const res = await call(targetsRoute.GET as never, "/api/deploy/targets", { cookie: viewer });
    expect(res.status).toBe(200);
    const t = Object.fromEntries((res.json.targets as Ev[]).map((x) => [x.name, x]));
    expect(Object.keys(t).sort()).toEqual(["api-dir", "api-dir-standby", "test-sd"]);
    expect(t["api-dir"]).toMatchObject({ drift: "never_deployed", problems: [], host: { pinned: false }, lastDeploy: { at: null } });
    expect(t["api-dir-standby"].reload).toContain("stays stopped");
    expect(t["test-sd"].reload).toBe(sd.restartScript);
    // The standby renders its primary's bacula-dir.conf; its bconsole.conf is its own (what it runs as once it took over).
    const { planTargets: plan } = await import("@/lib/deploy/service");
    const [pa, pb] = await plan([`director:${directorId}`, `director:${standbyId}`]);
    expect(pb.target.files[0].content).toBe(pa.target.files[0].content);
    expect(t["api-dir"].files).toEqual([dir.configPath, join(dir.etc, "bconsole.conf")]);
    expect(pb.target.files[1].content).toContain('Name = "api-dir-standby"');
    expect(t["api-dir-standby"].modelHash).not.toBe(t["api-dir"].modelHash);
    // The plan shows every command that runs on the host, with the policy's verdict.
    expect(t["test-sd"].commands).toContainEqual({ use: "reload", field: "restartCommand", argv: [sd.restartScript], problem: null });
    expect(t["api-dir"].commands).toContainEqual({ use: "start", field: "startCommand", argv: ["systemctl", "start", "bacula-director"], problem: null });
    expect(t["api-dir"].commands.find((c: Ev) => c.use === "reload").argv).toEqual(["/usr/sbin/bconsole", "-c", join(dir.etc, "bconsole.conf")]);
    // What a viewer sees of the config is a keyed hash of the masked text, never the SHA-256 of the file.
    expect(t["api-dir"].modelHash).toMatch(/^view:[0-9a-f]{64}$/);
    const { planTargets } = await import("@/lib/deploy/service");
    const text = (await planTargets([`director:${directorId}`]))[0].target.files[0].content;
    const plain = createHash("sha256").update(text.replace(/^# Model revision: .*\n/m, "")).digest("hex");
    expect(JSON.stringify(res.json)).not.toContain(plain);
  });

  it("viewers may not deploy or pin (403); a cross-site POST is refused", async () => {
    expect((await deploy(viewer, { dryRun: true })).status).toBe(403);
    const pin = await call(hostKeyRoute.POST as never, "/api/deploy/hosts/1/host-key", { method: "POST", cookie: viewer, params: { id: String(hostId) }, body: { fingerprint: sshd.hostKeyFingerprint } });
    expect(pin.status).toBe(403);
    const cross = await call(runsRoute.POST as never, "/api/deploy/runs", { method: "POST", cookie: operator, origin: "http://evil.test", body: { dryRun: true } });
    expect(cross.status).toBe(403);
    // An unknown target is refused before any stream or run row exists.
    const runsBefore = await prisma.deployRun.count();
    const unknown = await call(runsRoute.POST as never, "/api/deploy/runs", { method: "POST", cookie: operator, body: { dryRun: true, targets: ["director:99999"] } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.fields[0]).toMatchObject({ field: "targets", rule: "exists" });
    expect(await prisma.deployRun.count()).toBe(runsBefore);
  });

  it("refuses malformed live-check targets and settings for unknown targets or the wrong test tool, naming the field", async () => {
    // A live check connects to hosts and records what it saw: a POST, for operators; GET does not exist.
    expect("GET" in liveRoute).toBe(false);
    expect((await call(liveRoute.POST as never, "/api/deploy/live", { method: "POST", cookie: viewer, body: {} })).status).toBe(403);
    const live = await call(liveRoute.POST as never, "/api/deploy/live", { method: "POST", cookie: operator, body: { targets: ["director:x"] } });
    expect(live.status).toBe(400);
    expect(live.json.fields[0]).toMatchObject({ field: "targets.0" });
    const huge = await call(liveRoute.POST as never, "/api/deploy/live", { method: "POST", cookie: operator, body: { targets: ["director:99999999999999999999"] } });
    expect(huge.status).toBe(400);
    const put = (body: unknown) => call(targetsRoute.PUT as never, "/api/deploy/targets", { method: "PUT", cookie: operator, body });
    const unknown = await put({ target: "director:99999", testTool: "bdirjson" });
    expect(unknown.status).toBe(404);
    expect(unknown.json.fields[0]).toMatchObject({ field: "target", rule: "exists" });
    expect(await prisma.daemonDeployState.count({ where: { daemonId: 99999 } })).toBe(0);
    const tool = await put({ target: `storage-daemon:${sdId}`, testTool: "bdirjson" });
    expect(tool.status).toBe(400);
    expect(tool.json.fields[0]).toMatchObject({ field: "testTool" });
  });

  it("an unpinned host is refused before authenticating; the presented fingerprint is offered for confirmation", async () => {
    const before = readFileSync(dir.configPath, "utf8");
    const r = await deploy(operator, { dryRun: false });
    const t = finalTargets(r.events);
    for (const name of ["api-dir", "api-dir-standby", "test-sd"]) {
      expect(t[name]).toMatchObject({ status: "failed", failedStep: "connect", errorCode: "HOST_KEY_UNKNOWN", presentedFingerprint: sshd.hostKeyFingerprint });
    }
    expect(t["api-dir"].error).toContain("not pinned yet");
    expect(readFileSync(dir.configPath, "utf8")).toBe(before);

    // GET shows what is pinned without connecting; reading the presented key is a POST for operators.
    const connectsBefore = (readFileSync(sshd.logPath, "utf8").match(/Connection from|connection from/g) ?? []).length;
    const pinned = await call(hostKeyRoute.GET as never, "/api/deploy/hosts/x/host-key", { cookie: viewer, params: { id: String(hostId) } });
    expect(pinned.json).toEqual({ hostId, hostName: "loopback", address: sshd.host, port: sshd.port, pinned: null, pinnedAt: null });
    expect((readFileSync(sshd.logPath, "utf8").match(/Connection from|connection from/g) ?? []).length).toBe(connectsBefore);
    expect((await call(hostKeyScanRoute.POST as never, "/x", { method: "POST", cookie: viewer, params: { id: String(hostId) } })).status).toBe(403);
    const seen = await call(hostKeyScanRoute.POST as never, "/x", { method: "POST", cookie: operator, params: { id: String(hostId) } });
    expect(seen.json).toMatchObject({ presented: sshd.hostKeyFingerprint, keyType: "ssh-ed25519", pinned: null, matches: null });
  });

  it("pins only the fingerprint the host presents, and audits the pin", async () => {
    const wrong = "SHA256:" + "A".repeat(43);
    const bad = await call(hostKeyRoute.POST as never, "/x", { method: "POST", cookie: operator, params: { id: String(hostId) }, body: { fingerprint: wrong } });
    expect(bad.status).toBe(409);
    expect(bad.json.error).toContain("not the fingerprint you confirmed");
    expect((await prisma.host.findUniqueOrThrow({ where: { id: hostId } })).hostKeyFingerprint).toBeNull();
    const malformed = await call(hostKeyRoute.POST as never, "/x", { method: "POST", cookie: operator, params: { id: String(hostId) }, body: { fingerprint: "MD5:aa" } });
    expect(malformed.status).toBe(400);

    const ok = await call(hostKeyRoute.POST as never, "/x", { method: "POST", cookie: operator, params: { id: String(hostId) }, body: { fingerprint: sshd.hostKeyFingerprint } });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ pinned: sshd.hostKeyFingerprint, previous: null });
    const ev = await prisma.auditEvent.findFirstOrThrow({ where: { action: "host_key_pin" } });
    expect(ev).toMatchObject({ actor: "op", entityType: "host", entityName: "loopback" });
    expect(ev.after).toMatchObject({ hostKeyFingerprint: sshd.hostKeyFingerprint });
  });

  it("a dry run tests every target on the host and changes nothing", async () => {
    const before = readFileSync(dir.configPath, "utf8");
    const r = await deploy(operator, { dryRun: true });
    const t = finalTargets(r.events);
    for (const name of ["api-dir", "api-dir-standby", "test-sd"]) expect(t[name].status, t[name].error).toBe("dry_run_ok");
    expect(t["api-dir"].files[0].diff).toContain('+  Name = "FromTheModel"');
    // The stream carries diffs and logs of files that hold the daemons' passwords: masked.
    expect(t["api-dir"].files[0].diff).toContain('Password = "••••••••"');
    for (const secret of [dir.password, "sd-secret"]) expect(JSON.stringify(r.events)).not.toContain(secret);
    expect(readFileSync(dir.configPath, "utf8")).toBe(before);
    expect(loaded(".jobs all")).not.toContain("FromTheModel");
  });

  it("deploys, streaming each step as it happens, and records the run, its logs and what was deployed", async () => {
    const sdPid = sd.pid();
    const r = await deploy(operator, { dryRun: false, targets: [`director:${directorId}`, `director:${standbyId}`, `storage-daemon:${sdId}`] });
    expect(r.status).toBe(200);
    // Streamed: many lines over many chunks, step events before the final one.
    const steps = r.events.filter((e) => e.type === "step");
    expect(steps.length).toBeGreaterThan(40);
    expect(r.chunks).toBeGreaterThan(10);
    expect(r.events[0].type).toBe("run");
    expect(r.events.at(-1)!.type).toBe("done");
    const dirSteps = steps.filter((e) => e.targetKey === `director:${directorId}` && e.step.status !== "running").map((e) => `${e.step.name}:${e.step.status}`);
    expect(dirSteps).toEqual(["connect:ok", "fetch:ok", "diff:ok", "upload:ok", "test:ok", "backup:ok", "swap:ok", "reload:ok", "verify:ok", "cleanup:ok"]);
    const t = finalTargets(r.events);
    for (const name of ["api-dir", "api-dir-standby", "test-sd"]) expect(t[name].status, t[name].error).toBe("succeeded");
    expect(t["api-dir-standby"].steps.find((s: Ev) => s.name === "reload").status).toBe("skipped");

    // The real daemons run the new configuration.
    expect(loaded(".jobs all")).toContain("FromTheModel");
    expect(loaded(".pools")).toEqual(["Nightly"]);
    expect(sdPid).toBeNull();
    expect(sd.pid()).not.toBeNull();
    const sdReload = t["test-sd"].steps.find((s: Ev) => s.name === "reload").log as string;
    expect(sdReload).toContain("does not run");
    expect(sdReload).toContain("starting it instead of reloading");
    expect(t["test-sd"].steps.find((s: Ev) => s.name === "verify").log).toContain("bacula-sd runs");
    expect(readFileSync(join(standbyEtc, "bacula-dir.conf"), "utf8")).toBe(readFileSync(dir.configPath, "utf8"));
    // The dashboard's own bconsole.conf beside each Director's config: the one the reload and verify used.
    const consoleConf = readFileSync(join(dir.etc, "bconsole.conf"), "utf8");
    expect(consoleConf).toContain("# bconsole.conf generated by the Bacula HA dashboard.");
    expect(consoleConf).toMatch(new RegExp(`^\\s*DirPort = ${dir.port}$`, "m"));
    expect(readFileSync(join(standbyEtc, "bconsole.conf"), "utf8")).toContain('Name = "api-dir-standby"');

    const runId = r.events[0].runId as number;
    const detail = await call(runRoute.GET as never, "/x", { cookie: viewer, params: { id: String(runId) } });
    expect(detail.status).toBe(200);
    expect(detail.json.run).toMatchObject({ actor: "op", dryRun: false, status: "succeeded" });
    const dirRun = (detail.json.run.targets as Ev[]).find((x) => x.daemonName === "api-dir")!;
    expect(dirRun.steps.map((s: Ev) => s.name)).toEqual(["connect", "fetch", "diff", "upload", "test", "backup", "swap", "reload", "verify", "cleanup"]);
    expect(dirRun.steps.find((s: Ev) => s.name === "verify").log).toContain(".jobs all");
    expect(dirRun.files[0].diff).toContain("FromTheModel");
    expect(dirRun.files[0].diff).toContain('Password = "••••••••"');
    // Nor at rest: the stored step logs and per-file diffs hold no password in clear.
    const stored = JSON.stringify([await prisma.deployStep.findMany(), await prisma.deployTargetRun.findMany()]);
    expect(stored).toContain("••••••••");
    for (const secret of [dir.password, "sd-secret"]) {
      expect(JSON.stringify(detail.json)).not.toContain(secret);
      expect(JSON.stringify(r.events)).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
    const list = await call(runsRoute.GET as never, "/api/deploy/runs", { cookie: viewer });
    expect((list.json.runs as Ev[]).map((x) => x.dryRun)).toEqual([false, true, false]);

    const targets = await call(targetsRoute.GET as never, "/api/deploy/targets", { cookie: viewer });
    for (const x of targets.json.targets as Ev[]) {
      expect(x.drift, x.name).toBe("in_sync");
      expect(x.lastDeploy).toMatchObject({ by: "op", runId });
    }
    const audits = await prisma.auditEvent.findMany({ where: { action: { in: ["deploy", "deploy_dry_run"] } }, orderBy: { id: "asc" } });
    expect(audits.map((a) => a.action)).toEqual(["deploy", "deploy_dry_run", "deploy"]);
    expect(JSON.stringify(audits.at(-1)!.after)).toContain("succeeded");
  });

  it("shows drift when the live file was edited on the host, and when the model changed", async () => {
    appendFileSync(dir.configPath, "# edited by hand\n");
    const live = await call(liveRoute.POST as never, "/api/deploy/live", { method: "POST", cookie: operator, body: {} });
    expect(live.status).toBe(200);
    const c = Object.fromEntries((live.json.checks as Ev[]).map((x) => [x.key, x]));
    expect(c[`director:${directorId}`].drift).toBe("live_changed");
    expect(c[`director:${directorId}`].files[0].diff).toContain("-# edited by hand");
    expect(JSON.stringify(live.json)).not.toContain(dir.password);
    expect(c[`director:${standbyId}`].drift).toBe("in_sync");
    expect(c[`storage-daemon:${sdId}`].drift).toBe("in_sync");
    expect(await prisma.auditEvent.count({ where: { action: "deploy_live_check", actor: "op" } })).toBe(1);
    const t = await call(targetsRoute.GET as never, "/api/deploy/targets", { cookie: viewer });
    expect((t.json.targets as Ev[]).find((x) => x.name === "api-dir")!.drift).toBe("live_changed");

    // Put the file back as deployed, then change the model: the deploy is pending.
    writeFileSync(dir.configPath, readFileSync(join(standbyEtc, "bacula-dir.conf"), "utf8"));
    await prisma.pool.updateMany({ where: { name: "Nightly" }, data: { maximumVolumes: 7 } });
    await bumpModelRevision();
    const after = await call(liveRoute.POST as never, "/api/deploy/live", { method: "POST", cookie: operator, body: { targets: [`director:${directorId}`] } });
    expect(after.json.checks).toHaveLength(1);
    expect(after.json.checks[0].drift).toBe("model_changed");
    expect(after.json.checks[0].files[0].diff).toContain("+  MaximumVolumes = 7");
  });

  it("the config page's API shows the last deployed file and the model's diff against it, masked; the admin's reveal is audited", async () => {
    const view = (daemon: string, id: number, cookie = viewer) => call(configRoute.GET as never, `/api/config/${daemon}/${id}`, { cookie, params: { daemon, id: String(id) } });
    const deployedRun = (await prisma.deployRun.findFirstOrThrow({ where: { dryRun: false, status: "succeeded" }, orderBy: { id: "desc" } })).id;
    // The Director: deployed by the run above, the model changed since (MaximumVolumes = 7).
    const d = await view("directors", directorId);
    expect(d.status).toBe(200);
    expect(d.headers.get("cache-control")).toContain("no-store");
    expect(d.json).toMatchObject({ kind: "directors", file: "bacula-dir.conf", rendered: true, path: dir.configPath, record: { kind: "directors", id: directorId, name: "api-dir" } });
    expect(d.json.deployed).toMatchObject({ runId: deployedRun, by: "op", path: dir.configPath });
    expect(d.json.deployed.text).toContain('Name = "FromTheModel"');
    expect(d.json.deployed.text).not.toContain("MaximumVolumes = 7");
    expect(d.json.text).toContain("MaximumVolumes = 7");
    expect(d.json.diff).toContain("+  MaximumVolumes = 7");
    expect(d.json.diff).toContain(`deployed (run #${deployedRun})`);
    // Passwords masked in the file, the deployed file and the diff, and in the history at rest.
    expect(d.json.text).toContain('Password = "••••••••"');
    expect(d.json.deployed.text).toContain('Password = "••••••••"');
    const stored = JSON.stringify(await prisma.deployTargetRun.findMany({ select: { files: true } }));
    for (const secret of [dir.password, "sd-secret", "fd"]) {
      expect(JSON.stringify(d.json)).not.toContain(`Password = "${secret}"`);
      expect(stored).not.toContain(`Password = \\"${secret}\\"`);
    }
    expect(JSON.stringify(d.json)).not.toContain(dir.password);
    expect(stored).not.toContain(dir.password);
    expect(stored).toContain('Name = \\"FromTheModel\\"');
    // The Storage Daemon renders the same file as deployed but for the model revision line.
    const s = await view("storage-daemons", sdId);
    expect(s.json).toMatchObject({ rendered: true, diff: "", onlyRevisionDiffers: true });
    expect(s.json.deployed.runId).toBe(deployedRun);
    // A dry run is no deploy: it does not replace the deployed file.
    const dry = await deploy(operator, { dryRun: true, targets: [`director:${directorId}`] });
    expect(finalTargets(dry.events)["api-dir"].status).toBe("dry_run_ok");
    expect((await view("directors", directorId)).json.deployed.runId).toBe(deployedRun);
    // A Client's File Daemon config and the Director's console config, on the same page and API.
    const client = await prisma.client.findFirstOrThrow({ where: { directorId } });
    const fd = await view("clients", client.id);
    expect(fd.status).toBe(200);
    expect(fd.json).toMatchObject({ kind: "clients", file: "bacula-fd.conf", rendered: true, record: { name: "local-fd" } });
    expect(fd.json.text).toMatch(/^FileDaemon \{$/m);
    expect(fd.json.text).toContain('Password = "••••••••"');
    const cons = await view("consoles", directorId);
    expect(cons.json).toMatchObject({ rendered: true, file: "bconsole.conf" });
    expect(cons.json.text).toMatch(/^Director \{$/m);
    expect(cons.json.text).toContain('Password = "••••••••"');
    expect((await view("clients", 99999)).status).toBe(404);
    expect((await view("volumes", 1)).status).toBe(404);
    expect((await call(configRoute.GET as never, "/x", { params: { daemon: "directors", id: String(directorId) } })).status).toBe(401);

    // Reveal: admins only, by POST, audited, never cached.
    const reveal = (cookie: string) => call(revealRoute.POST as never, `/api/config/directors/${directorId}/reveal`, { method: "POST", cookie, params: { daemon: "directors", id: String(directorId) } });
    expect((await reveal(viewer)).status).toBe(403);
    expect((await reveal(operator)).status).toBe(403);
    const before = await prisma.auditEvent.count({ where: { action: "config_reveal" } });
    const r = await reveal(admin);
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toContain("no-store");
    expect(r.json.text).toContain(`Password = "${dir.password}"`);
    expect(r.json.text).toContain("MaximumVolumes = 7");
    const ev = await prisma.auditEvent.findFirstOrThrow({ where: { action: "config_reveal" }, orderBy: { id: "desc" } });
    expect(await prisma.auditEvent.count({ where: { action: "config_reveal" } })).toBe(before + 1);
    expect(ev).toMatchObject({ actor: "adm", entityType: "directors", entityId: String(directorId), entityName: "api-dir" });
    expect(JSON.stringify(ev)).not.toContain(dir.password);
    const cross = await call(revealRoute.POST as never, `/api/config/directors/${directorId}/reveal`, { method: "POST", cookie: admin, origin: "http://evil.test", params: { daemon: "directors", id: String(directorId) } });
    expect(cross.status).toBe(403);
  });

  it("refuses a restart command with shell syntax before connecting", async () => {
    await prisma.storageDaemon.update({ where: { id: sdId }, data: { restartCommand: `${sd.restartScript}; rm -rf /` } });
    const r = await deploy(operator, { dryRun: true, targets: [`storage-daemon:${sdId}`] });
    const t = finalTargets(r.events);
    expect(t["test-sd"]).toMatchObject({ status: "failed", failedStep: "render" });
    expect(t["test-sd"].error).toContain("runs without a shell");
    await prisma.storageDaemon.update({ where: { id: sdId }, data: { restartCommand: sd.restartScript } });
  });

  it("refuses a host whose key changed since it was pinned, with a clear error", async () => {
    const pinned = sshd.hostKeyFingerprint;
    const rotated = await sshd.rotateHostKey();
    const before = readFileSync(dir.configPath, "utf8");
    const r = await deploy(operator, { dryRun: false, targets: [`director:${directorId}`] });
    const t = finalTargets(r.events);
    expect(t["api-dir"]).toMatchObject({ status: "failed", failedStep: "connect", errorCode: "HOST_KEY_MISMATCH", presentedFingerprint: rotated });
    expect(t["api-dir"].error).toContain(`expected ${pinned}`);
    expect(readFileSync(dir.configPath, "utf8")).toBe(before);
    const k = await call(hostKeyScanRoute.POST as never, "/x", { method: "POST", cookie: operator, params: { id: String(hostId) } });
    expect(k.json).toMatchObject({ pinned, presented: rotated, matches: false });
    const runs = await prisma.deployRun.findMany({ orderBy: { id: "desc" }, take: 1, include: { targets: { include: { steps: true } } } });
    expect(runs[0].status).toBe("failed");
    expect(runs[0].targets[0].steps[0]).toMatchObject({ name: "connect", status: "failed" });
    expect(runs[0].targets[0].steps[0].log).toContain("HOST KEY MISMATCH");
    // Recorded in batches by one raw statement (lib/deploy/recorder.ts): the dates read back as dates.
    const s0 = runs[0].targets[0].steps[0];
    expect(s0.startedAt).toBeInstanceOf(Date);
    expect(Math.abs(s0.startedAt.getTime() - Date.now())).toBeLessThan(120_000);
    expect(s0.finishedAt!.getTime()).toBeGreaterThanOrEqual(s0.startedAt.getTime());

    // Replacing the pinned key: an operator is refused, an admin may after comparing it.
    const byOperator = await call(hostKeyRoute.POST as never, "/x", { method: "POST", cookie: operator, params: { id: String(hostId) }, body: { fingerprint: rotated } });
    expect(byOperator.status).toBe(403);
    expect(byOperator.json.error).toContain("needs an admin");
    expect((await prisma.host.findUniqueOrThrow({ where: { id: hostId } })).hostKeyFingerprint).toBe(pinned);
    const byAdmin = await call(hostKeyRoute.POST as never, "/x", { method: "POST", cookie: admin, params: { id: String(hostId) }, body: { fingerprint: rotated } });
    expect(byAdmin.json).toEqual({ pinned: rotated, previous: pinned });
    expect(await prisma.auditEvent.count({ where: { action: "host_key_repin", actor: "adm" } })).toBe(1);
  });

  it("deploy settings: commands and bconsole are admin-only, checked by the policy and on the host; null clears; audited", async () => {
    const put = (cookie: string, body: unknown) => call(targetsRoute.PUT as never, "/api/deploy/targets", { method: "PUT", cookie, body });
    expect((await put(viewer, { target: `director:${directorId}`, startCommand: "/bin/true" })).status).toBe(403);
    // What runs on the host is an admin's decision: an operator is refused, naming each field.
    // (Sending the command in force, here the default start command, changes nothing and is allowed.)
    const byOp = await put(operator, { target: `director:${directorId}`, startCommand: "systemctl start bacula-director", stopCommand: "systemctl stop x", bconsolePath: "/bin/sh" });
    expect(byOp.status).toBe(403);
    expect((byOp.json.fields as Ev[]).map((f) => `${f.field}:${f.rule}`).sort()).toEqual(["bconsolePath:admin-only", "stopCommand:admin-only"]);
    const bad = await put(admin, {
      target: `director:${standbyId}`,
      startCommand: "systemctl start bacula-director; rm -rf /",
      stopCommand: "",
      replication: { enabled: true, sshKeyPath: "~/.ssh/id", knownHostsPath: "/etc/k", standbyPort: 70000 },
    });
    expect(bad.status).toBe(400);
    const fields = (bad.json.fields as Ev[]).map((f) => f.field).sort();
    expect(fields).toEqual(["replication.sshKeyPath", "replication.standbyPort", "startCommand", "stopCommand"]);
    expect((bad.json.fields as Ev[]).find((f) => f.field === "startCommand")!.message).toContain("without a shell");
    const sdBad = await put(operator, { target: `storage-daemon:${sdId}`, bconsolePath: "/usr/sbin/bconsole", testTool: "bdirjson" });
    expect(sdBad.status).toBe(400);
    expect((sdBad.json.fields as Ev[]).map((f) => f.field).sort()).toEqual(["bconsolePath", "testTool"]);
    expect((await put(admin, { target: "director:99999", startCommand: "/bin/true" })).status).toBe(404);
    expect((await put(operator, { target: `director:${directorId}`, unknownKey: 1 })).status).toBe(400);

    // The command policy: no shell as argv, no program off the list (unless an admin allowed it).
    const policy = await put(admin, { target: `director:${directorId}`, startCommand: "/bin/sh -c 'systemctl start bacula-director'", stopCommand: "/usr/local/bin/stop-dir now" });
    expect(policy.status).toBe(400);
    expect((policy.json.fields as Ev[]).map((f) => `${f.field}:${f.rule}`).sort()).toEqual(["startCommand:interpreter", "stopCommand:program-allowed"]);

    // bconsole and its config: plain paths, then regular files on the host that are not a shell.
    const remote = join(sshd.remoteDir, "bconsole-check");
    mkdirSync(join(remote, "dir.conf"), { recursive: true });
    symlinkSync("/bin/sh", join(remote, "bconsole"));
    const shellish = await put(admin, { target: `director:${directorId}`, bconsolePath: "/usr/bin/env", bconsoleConfig: "/etc/passwd" });
    expect((shellish.json.fields as Ev[]).map((f) => `${f.field}:${f.rule}`).sort()).toEqual(["bconsoleConfig:conf-file", "bconsolePath:interpreter"]);
    const onHost = await put(admin, { target: `director:${directorId}`, bconsolePath: join(remote, "bconsole"), bconsoleConfig: join(remote, "dir.conf") });
    expect(onHost.status).toBe(400);
    expect((onHost.json.fields as Ev[]).map((f) => `${f.field}:${f.rule}`).sort()).toEqual(["bconsoleConfig:regular-file", "bconsolePath:interpreter"]);
    expect(onHost.json.error).toContain("is dash on loopback");
    const missing = await put(admin, { target: `director:${directorId}`, bconsolePath: join(remote, "nothing-here") });
    expect(missing.json.fields[0]).toMatchObject({ field: "bconsolePath", rule: "regular-file" });
    expect(await prisma.auditEvent.count({ where: { action: "deploy_settings" } })).toBe(0);

    const ok = await put(admin, { target: `director:${directorId}`, startCommand: "systemctl start bacula-director@site-b", stopCommand: "systemctl stop bacula-director", bconsolePath: "/usr/sbin/bconsole", bconsoleConfig: dir.bconsoleConfig });
    expect(ok.status, JSON.stringify(ok.json)).toBe(200);
    expect(ok.json.settings).toMatchObject({ startCommand: "systemctl start bacula-director@site-b", stopCommand: "systemctl stop bacula-director", bconsoleConfig: dir.bconsoleConfig });
    // Unchanged admin fields sent back by an operator's form are fine; the operator's own fields save.
    const opSame = await put(operator, { target: `director:${directorId}`, startCommand: "systemctl start bacula-director@site-b", testTool: "bdirjson" });
    expect(opSame.status, JSON.stringify(opSame.json)).toBe(200);
    const cleared = await put(admin, { target: `director:${directorId}`, startCommand: null, bconsolePath: null, bconsoleConfig: null });
    expect(cleared.json.settings.startCommand).toBeUndefined();
    expect(cleared.json.settings.stopCommand).toBe("systemctl stop bacula-director");
    const ev = await prisma.auditEvent.findFirstOrThrow({ where: { action: "deploy_settings" }, orderBy: { id: "desc" } });
    expect(ev).toMatchObject({ actor: "adm", entityId: `director:${directorId}` });
    expect(ev.before).toMatchObject({ startCommand: "systemctl start bacula-director@site-b", bconsolePath: "/usr/sbin/bconsole" });
    expect(ev.after).toMatchObject({ bconsolePath: null });
    const t = await call(targetsRoute.GET as never, "/api/deploy/targets", { cookie: viewer });
    const planned = (t.json.targets as Ev[]).find((x) => x.name === "api-dir")!;
    expect(planned.settings).toMatchObject({ stopCommand: "systemctl stop bacula-director" });
    expect(planned.commands).toContainEqual({ use: "stop", field: "stopCommand", argv: ["systemctl", "stop", "bacula-director"], problem: null });

    // A bconsole path stored around the API (written before these rules) is refused by the deploy's test step.
    await prisma.daemonDeployState.update({ where: { kind_daemonId: { kind: "director", daemonId: directorId } }, data: { bconsolePath: join(remote, "bconsole") } });
    const r = await deploy(operator, { dryRun: true, targets: [`director:${directorId}`] });
    const res = finalTargets(r.events)["api-dir"];
    expect(res).toMatchObject({ status: "failed", failedStep: "test" });
    expect(res.error).toContain("bconsole path: ");
    expect(res.error).toContain("[interpreter]");
    await prisma.daemonDeployState.update({ where: { kind_daemonId: { kind: "director", daemonId: directorId } }, data: { bconsolePath: null } });
  });

  it("adds the standby replication Admin Job and its script to the primary's deploy when configured; Bacula accepts it", async () => {
    const sshDir = join(standbyEtc, "..");
    // The test before rotated the host key: pin the current one (as an operator would after checking it).
    await prisma.host.update({ where: { id: hostId }, data: { hostKeyFingerprint: sshd.hostKeyFingerprint } });
    const put = await call(targetsRoute.PUT as never, "/x", {
      method: "PUT",
      cookie: operator,
      body: {
        target: `director:${standbyId}`,
        replication: { enabled: true, sshKeyPath: `${sshDir}/id_replicate`, knownHostsPath: `${sshDir}/known_hosts`, standbyHost: "127.0.0.1", standbyUser: "bacula", scriptPath: `${dir.etc}/scripts/replicate.sh` },
      },
    });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    const t = Object.fromEntries(((await call(targetsRoute.GET as never, "/x", { cookie: viewer })).json.targets as Ev[]).map((x) => [x.name, x]));
    expect(t["api-dir"].files).toEqual([dir.configPath, join(dir.etc, "bconsole.conf"), `${dir.etc}/scripts/replicate.sh`]);
    expect(t["api-dir"].problems).toEqual([]);
    // Only the primary gets it: the standby's render is the primary's configuration without the job.
    expect(t["api-dir-standby"].files).toEqual([join(standbyEtc, "bacula-dir.conf"), join(standbyEtc, "bconsole.conf")]);

    const r = await deploy(operator, { dryRun: false, targets: [`director:${directorId}`] });
    const res = finalTargets(r.events)["api-dir"];
    expect(res.status, res.error).toBe("succeeded");
    expect(res.steps.find((s: Ev) => s.name === "test").log).toContain("bdirjson -t -c");
    const script = readFileSync(`${dir.etc}/scripts/replicate.sh`, "utf8");
    expect(script).toContain(`KNOWN_HOSTS='${sshDir}/known_hosts'`);
    const { statSync } = await import("node:fs");
    expect(statSync(`${dir.etc}/scripts/replicate.sh`).mode & 0o777).toBe(0o750);
    expect(readFileSync(dir.configPath, "utf8")).toContain('Name = "ReplicateConfig-api-dir-standby"');
    // The reloaded Director has loaded the Admin Job.
    expect(loaded(".jobs all")).toContain("ReplicateConfig-api-dir-standby");

    // A bad stored path (written before validation existed) is a planning problem naming the job's field.
    await prisma.daemonDeployState.update({
      where: { kind_daemonId: { kind: "director", daemonId: standbyId } },
      data: { settings: { replication: { enabled: false, sshKeyPath: "/k", knownHostsPath: "/h" } } },
    });
    const off = Object.fromEntries(((await call(targetsRoute.GET as never, "/x", { cookie: viewer })).json.targets as Ev[]).map((x) => [x.name, x]));
    expect(off["api-dir"].files).toEqual([dir.configPath, join(dir.etc, "bconsole.conf")]);
  });
});
