/**
 * The deploy engine against real parts: OpenSSH on loopback (test/support/sshd), a running
 * bacula-dir 15.0.3 with a SQLite catalog reached by bconsole over SSH, a bacula-sd restarted over
 * SSH, and Bacula's own parsers on the remote side. Never skipped: without sshd or Bacula it fails.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync, chmodSync, mkdtempSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderDirector, renderStorageDaemon } from "@/lib/bacula";
import { adminReplicationJob, adminReplicationScript } from "@/lib/bacula/admin-replication";
import type { DirectorConfig } from "@/lib/bacula/model";
import { startSshd, type TestSshd } from "@/test/support/sshd";
import {
  BCONSOLE,
  BDIRJSON,
  BSDJSON,
  startDirector,
  storageDaemonFiles,
  type TestDirector,
  type TestStorageDaemonFiles,
} from "@/test/support/bacula-daemons";
import { runDeploy, type DeployTarget, type HostSpec, type OpenTransport, type TargetResult, type Transport } from "./engine";
import { hostLockKey } from "./lock";
import { connect } from "./ssh";
import { sshTransport } from "./transport";

let sshd: TestSshd;
let dir: TestDirector;
let sd: TestStorageDaemonFiles;
let runNo = 0;
const open = sshTransport({ connectTimeoutMs: 10_000 });

function hostOf(s: TestSshd, over: Partial<HostSpec> = {}): HostSpec {
  return {
    key: hostLockKey(s.host, s.port),
    name: `loopback-${s.port}`,
    address: s.host,
    port: s.port,
    username: s.user,
    privateKey: s.privateKey,
    pinnedFingerprint: s.hostKeyFingerprint,
    ...over,
  };
}

function model(adjust?: (m: DirectorConfig) => void): DirectorConfig {
  const m = structuredClone(dir.model);
  adjust?.(m);
  return m;
}

function directorTarget(content: string, over: Partial<DeployTarget> = {}): DeployTarget {
  return {
    key: "director:1",
    kind: "director",
    daemonId: 1,
    name: dir.name,
    role: "primary",
    host: hostOf(sshd),
    files: [{ path: dir.configPath, content }],
    testArgv: (p) => [BDIRJSON, "-t", "-c", p],
    reload: { kind: "bconsole", bconsole: BCONSOLE, config: dir.bconsoleConfig },
    ...over,
  };
}

function sdTarget(content: string): DeployTarget {
  return {
    key: "storage-daemon:1",
    kind: "storage-daemon",
    daemonId: 1,
    name: "test-sd",
    role: "storage-daemon",
    host: hostOf(sshd),
    files: [{ path: sd.configPath, content }],
    testArgv: (p) => [BSDJSON, "-t", "-c", p],
    reload: { kind: "command", argv: [sd.restartScript] },
  };
}

const deploy = (targets: DeployTarget[], o: { dryRun?: boolean; open?: OpenTransport } = {}) =>
  runDeploy(targets, { runId: `t${Date.now()}-${++runNo}`, dryRun: o.dryRun ?? false, open: o.open ?? open, commandTimeoutMs: 30_000 });

const loaded = (cmd: string) =>
  dir
    .console([cmd])
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^(Connecting|1000 OK|Enter a period|You have messages)/.test(l) && l !== cmd);

const stepsOf = (r: TargetResult) => r.steps.map((s) => `${s.name}:${s.status}`);
const liveText = () => readFileSync(dir.configPath, "utf8");
const stagingLeft = () => {
  const d = join(dir.etc, ".bhd-deploy");
  return existsSync(d) ? readdirSync(d).filter((n) => n.startsWith("staging-")) : [];
};
const tmpLeft = (d: string) => readdirSync(d).filter((n) => n.includes(".bhd-tmp-"));

beforeAll(async () => {
  sshd = await startSshd();
  dir = await startDirector(join(sshd.remoteDir, "dir"), sshd.user, { name: "deploy-test-dir" });
  sd = await storageDaemonFiles(join(sshd.remoteDir, "sd"), sshd.user, dir.name);
  // The SD runs as the SSH user, started the way a deploy restarts it.
  const c = await connect({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.privateKey, pinnedFingerprint: sshd.hostKeyFingerprint, connectTimeoutMs: 10_000 });
  const r = await c.exec([sd.restartScript], { timeoutMs: 30_000 });
  await c.close();
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(sd.pid()).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  sd?.stop();
  await dir?.stop();
  await sshd?.stop();
});

describe("deploy engine over a real sshd to real Bacula daemons", () => {
  it("deploys a changed Director config: diff, test, backup, swap, reload, and verifies the Director loaded it", async () => {
    const before = liveText();
    expect(loaded(".pools")).toEqual(["Default"]);
    const text = renderDirector(
      model((m) => {
        m.pools.push({ name: "Weekly", poolType: "Backup", recycle: true, autoPrune: true, storage: ["File1"] });
        m.jobs.push({ ...m.jobs[0], name: "Housekeeping-2", pool: "Weekly" });
      }),
      { revision: 2 },
    );
    const [r] = await deploy([directorTarget(text)]);
    expect(r.status, r.error ?? "").toBe("succeeded");
    expect(stepsOf(r)).toEqual(["connect:ok", "fetch:ok", "diff:ok", "upload:ok", "test:ok", "backup:ok", "swap:ok", "reload:ok", "verify:ok", "cleanup:ok"]);
    expect(r.files[0].changed).toBe(true);
    expect(r.files[0].diff).toContain('+Pool {');
    expect(r.files[0].diff).toContain('+  Name = "Weekly"');
    // The real Director now has the new resources loaded.
    expect(loaded(".pools").sort()).toEqual(["Default", "Weekly"]);
    expect(loaded(".jobs all").sort()).toEqual(["Housekeeping", "Housekeeping-2"]);
    expect(liveText()).toBe(text);
    // The previous file is kept as a backup; staging is gone; the file kept its owner and mode.
    const backups = readdirSync(join(dir.etc, ".bhd-deploy")).filter((n) => n.startsWith("backup-"));
    expect(backups.length).toBeGreaterThan(0);
    expect(readFileSync(join(dir.etc, ".bhd-deploy", backups.at(-1)!, "bacula-dir.conf"), "utf8")).toBe(before);
    expect(stagingLeft()).toEqual([]);
    const verify = r.steps.find((s) => s.name === "verify")!;
    expect(verify.log).toContain("has loaded every resource of the new configuration");
  });

  it("a second deploy of the same config changes nothing", async () => {
    const [r] = await deploy([directorTarget(liveText())]);
    expect(r.status).toBe("unchanged");
    expect(r.steps.filter((s) => s.status === "skipped").map((s) => s.name)).toEqual(["backup", "swap", "reload", "verify"]);
  });

  it("deploys a Storage Daemon config and restarts it with its restart command (argv, no shell)", async () => {
    const pidBefore = sd.pid();
    const m = structuredClone(sd.model);
    m.devices.push({ ...m.devices[0], name: "FileDev2", maximumConcurrentJobs: 2 });
    const text = renderStorageDaemon(m, { revision: 2 });
    const [r] = await deploy([sdTarget(text)]);
    expect(r.status, r.error ?? "").toBe("succeeded");
    expect(stepsOf(r)).toContain("reload:ok");
    expect(r.steps.find((s) => s.name === "reload")!.log).toMatch(/bacula-sd started, pid \d+/);
    expect(r.steps.find((s) => s.name === "verify")!.log).toContain(`${BSDJSON} -t -c ${sd.configPath}`);
    const pidAfter = sd.pid();
    expect(pidAfter).toBeGreaterThan(0);
    expect(pidAfter).not.toBe(pidBefore);
    expect(readFileSync(sd.configPath, "utf8")).toBe(text);
  });

  it("refuses a host whose key changed (pinned mismatch), before authenticating; nothing is touched", async () => {
    const other = await startSshd();
    try {
      const pinned = other.hostKeyFingerprint;
      const path = join(other.remoteDir, "bacula-dir.conf");
      writeFileSync(path, "unchanged\n");
      await other.rotateHostKey();
      const t = directorTarget("new\n", { host: hostOf(other, { pinnedFingerprint: pinned }), files: [{ path, content: "new\n" }] });
      const [r] = await deploy([t]);
      expect(r.status).toBe("failed");
      expect(r.failedStep).toBe("connect");
      expect(r.errorCode).toBe("HOST_KEY_MISMATCH");
      expect(r.presentedFingerprint).toBe(other.hostKeyFingerprint);
      expect(r.error).toContain("HOST KEY MISMATCH");
      expect(r.error).toContain(pinned);
      expect(readFileSync(path, "utf8")).toBe("unchanged\n");
    } finally {
      await other.stop();
    }
  });

  it("reports an authentication failure (key not authorised) at connect; nothing is touched", async () => {
    const before = liveText();
    const stranger = ssh2.utils.generateKeyPairSync("ed25519").private;
    const [r] = await deploy([directorTarget("x\n", { host: hostOf(sshd, { privateKey: stranger }) })]);
    expect(r.failedStep).toBe("connect");
    expect(r.errorCode).toBe("AUTH_FAILED");
    expect(r.error).toMatch(/Authentication as bhd-deploy@127\.0\.0\.1:\d+ failed/);
    expect(liveText()).toBe(before);
  });

  it("stops when Bacula's remote test rejects the config: live file, Director and staging untouched", async () => {
    const before = liveText();
    const bad = before.replace('Pool {\n  Name = "Weekly"', 'Pool {\n  Name = "Weekly"\n  NoSuchDirective = yes');
    expect(bad).not.toBe(before);
    const [r] = await deploy([directorTarget(bad)]);
    expect(r.status).toBe("failed");
    expect(r.failedStep).toBe("test");
    expect(r.error).toContain("Bacula rejected the configuration");
    expect(r.error).toMatch(/NoSuchDirective/);
    expect(r.error).toContain("Nothing was changed on the host");
    expect(stepsOf(r)).not.toContain("swap:ok");
    expect(liveText()).toBe(before);
    expect(stagingLeft()).toEqual([]);
    expect(loaded(".pools").sort()).toEqual(["Default", "Weekly"]);
  });

  it("rolls back when the Director refuses the reload (bdirjson passed, reload exit 0, old config kept)", async () => {
    const before = liveText();
    // A second catalog whose database does not exist: bdirjson -t does not open catalogs, so the
    // remote test passes; the running Director opens it on reload, fails and keeps its old config.
    const text = renderDirector(
      model((m) => {
        m.pools.push({ name: "Weekly", poolType: "Backup", recycle: true, autoPrune: true, storage: ["File1"] });
        m.jobs.push({ ...m.jobs[0], name: "Housekeeping-2", pool: "Weekly" });
        m.catalogs.push({ name: "Broken", dbName: "no-such-catalog", dbUser: "bacula", dbAddress: "127.0.0.1", dbPort: 5432 });
      }),
      { revision: 3 },
    );
    const [r] = await deploy([directorTarget(text)]);
    expect(r.status, r.error ?? "").toBe("rolled_back");
    expect(r.failedStep).toBe("reload");
    expect(r.error).toMatch(/refused the new configuration/);
    expect(r.error).toMatch(/Resetting previous configuration|Could not open Catalog/);
    expect(r.error).toContain("The previous configuration was put back");
    expect(stepsOf(r)).toEqual(["connect:ok", "fetch:ok", "diff:ok", "upload:ok", "test:ok", "backup:ok", "swap:ok", "reload:failed", "rollback:ok", "cleanup:ok"]);
    expect(r.steps.find((s) => s.name === "rollback")!.log).toContain("restored from");
    expect(liveText()).toBe(before);
    expect(loaded(".catalogs")).toEqual(["MyCatalog"]);
  });

  it("a dry run stops after the remote test: nothing swapped, nothing reloaded", async () => {
    const before = liveText();
    const text = renderDirector(model((m) => m.pools.push({ name: "DryOnly", poolType: "Backup", recycle: true, autoPrune: true, storage: ["File1"] })), { revision: 4 });
    const [r] = await deploy([directorTarget(text)], { dryRun: true });
    expect(r.status).toBe("dry_run_ok");
    expect(r.files[0].diff).toContain('+  Name = "DryOnly"');
    expect(r.steps.filter((s) => s.status === "skipped").map((s) => s.name)).toEqual(["backup", "swap", "reload", "verify"]);
    expect(liveText()).toBe(before);
    expect(loaded(".pools")).not.toContain("DryOnly");
    expect(stagingLeft()).toEqual([]);
  });

  it("a standby Director gets the same config, tested but not reloaded (it stays stopped)", async () => {
    const standbyDir = join(sshd.remoteDir, "standby");
    const c = await connect({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.privateKey, pinnedFingerprint: sshd.hostKeyFingerprint, connectTimeoutMs: 10_000 });
    await c.mkdirp(standbyDir);
    await c.close();
    const text = liveText();
    const [r] = await deploy([
      directorTarget(text, { key: "director:2", daemonId: 2, role: "standby", files: [{ path: join(standbyDir, "bacula-dir.conf"), content: text }], reload: { kind: "none", reason: "standby Director: stays stopped" } }),
    ]);
    expect(r.status, r.error ?? "").toBe("succeeded");
    expect(stepsOf(r)).toContain("reload:skipped");
    expect(r.steps.find((s) => s.name === "verify")!.log).toContain(`${BDIRJSON} -t -c ${join(standbyDir, "bacula-dir.conf")}`);
    expect(readFileSync(join(standbyDir, "bacula-dir.conf"), "utf8")).toBe(text);
  });

  it("a connection cut in the middle of the upload leaves the live file whole and no partial file", async () => {
    const before = liveText();
    // 24 MiB of comments so that the upload is still running when the sessions are killed.
    const big = renderDirector(model((m) => m.pools.push({ name: "Big", poolType: "Backup", recycle: true, autoPrune: true, storage: ["File1"] })), { revision: 5 }) + ("# padding " + "x".repeat(1013) + "\n").repeat(24 * 1024);
    let killed = 0;
    let writes = 0;
    const cutting: OpenTransport = async (h) => {
      const t = await open(h);
      const w: Transport = Object.create(t);
      w.writeFileAtomic = (path, content, mode) => {
        writes++;
        let fired = false;
        return t.writeFileAtomic(path, content, mode, {
          onProgress: (n: number) => {
            if (!fired && n > 0) {
              fired = true;
              // blocking: the upload cannot go on (and finish) before the sessions are gone
              killed = sshd.killSessionsSync();
            }
          },
        } as never);
      };
      return w;
    };
    const [r] = await deploy([directorTarget(big)], { open: cutting });
    expect(killed).toBeGreaterThan(0);
    expect(r.status).toBe("failed");
    expect(r.failedStep).toBe("upload");
    expect(r.errorCode).toBe("CONNECTION_CLOSED");
    expect(r.error).toContain("Nothing was changed on the host");
    expect(liveText()).toBe(before);
    expect(tmpLeft(dir.etc)).toEqual([]);
    // The cleanup reconnected and removed the staging directory with the transport's partial file.
    expect(r.steps.at(-1)!.name).toBe("cleanup");
    expect(stagingLeft()).toEqual([]);
    expect(loaded(".pools")).not.toContain("Big");
    expect(writes).toBeGreaterThan(0);
  });

  it("a connection cut during the reload is rolled back over a new connection", async () => {
    const before = liveText();
    const text = renderDirector(model((m) => m.pools.push({ name: "CutDuringReload", poolType: "Backup", recycle: true, autoPrune: true, storage: ["File1"] })), { revision: 6 });
    let cut = false;
    let opens = 0;
    const cutting: OpenTransport = async (h) => {
      const t = await open(h);
      opens++;
      const w: Transport = Object.create(t);
      w.exec = async (argv, o) => {
        if (!cut && argv[0] === BCONSOLE && o.stdin === "reload\n") {
          cut = true;
          await sshd.killSessions();
        }
        return t.exec(argv, o);
      };
      return w;
    };
    const [r] = await deploy([directorTarget(text)], { open: cutting });
    expect(r.failedStep).toBe("reload");
    expect(r.status, r.error ?? "").toBe("rolled_back");
    expect(opens).toBeGreaterThanOrEqual(2);
    expect(liveText()).toBe(before);
    expect(loaded(".pools")).not.toContain("CutDuringReload");
  });

  it("two deploys to one host run one after the other (the second waits for the host lock)", async () => {
    const dText = renderDirector(model((m) => m.pools.push({ name: "Concurrent", poolType: "Backup", recycle: true, autoPrune: true, storage: ["File1"] })), { revision: 7 });
    const m = structuredClone(sd.model);
    m.devices.push({ ...m.devices[0], name: "FileDev3" });
    const sText = renderStorageDaemon(m, { revision: 3 });
    const [[a], [b]] = await Promise.all([deploy([directorTarget(dText)]), deploy([sdTarget(sText)])]);
    expect(a.status, a.error ?? "").toBe("succeeded");
    expect(b.status, b.error ?? "").toBe("succeeded");
    const span = (r: TargetResult) => [Date.parse(r.steps[0].startedAt), Date.parse(r.steps.at(-1)!.finishedAt!)] as const;
    const [a0, a1] = span(a);
    const [b0, b1] = span(b);
    expect(a1 <= b0 || b1 <= a0, `overlap: A ${a0}-${a1}, B ${b0}-${b1}`).toBe(true);
    const second = a0 < b0 ? b : a;
    expect(second.steps[0].log).toContain("waited for another deploy");
    expect(loaded(".pools")).toContain("Concurrent");
  });
});

describe("standby replication Admin Job (issue item 5), deployed and run on the real Director", () => {
  it("copies the primary's configuration directory to the standby host over SSH", async () => {
    const standby = await startSshd();
    try {
      // The job's key and known_hosts live on the Director host (root-readable, plain paths).
      const keys = mkdtempSync(join(tmpdir(), "bhd-repl-"));
      const key = join(keys, "replicate_ed25519");
      copyFileSync(standby.privateKeyPath, key);
      chmodSync(key, 0o600);
      const hostPub = readFileSync(standby.hostPublicKeyPath, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
      const knownHosts = join(keys, "known_hosts");
      writeFileSync(knownHosts, `[127.0.0.1]:${standby.port} ${hostPub}\n`);
      const remoteDir = join(standby.remoteDir, "primary-config");
      const scriptPath = join(dir.etc, "replicate-config.sh");
      const opts = {
        jobName: "Replicate-Config",
        scriptPath,
        configDir: dir.etc,
        standbyHost: "127.0.0.1",
        standbyUser: standby.user,
        standbyPort: standby.port,
        remoteDir,
        sshKeyPath: key,
        knownHostsPath: knownHosts,
        standbyName: "standby-dir",
        client: "local-fd",
        fileset: "Config",
        pool: "Default",
        messages: "Standard",
      };
      const text = renderDirector(model((m) => m.jobs.push(adminReplicationJob(opts))), { revision: 8 });
      const t = directorTarget(text);
      t.files.push({ path: scriptPath, content: adminReplicationScript(opts), mode: 0o755 });
      const [r] = await deploy([t]);
      expect(r.status, r.error ?? "").toBe("succeeded");
      expect(loaded(".jobs all")).toContain("Replicate-Config");

      const out = dir.console(["run job=Replicate-Config yes"]);
      const jobId = Number(/JobId=(\d+)/.exec(out)?.[1]);
      expect(jobId, out).toBeGreaterThan(0);
      let log = "";
      for (let i = 0; i < 150 && !/Termination:\s+Admin (OK|Error)/.test(log); i++) {
        await new Promise((res) => setTimeout(res, 200));
        log += dir.console(["messages"]);
      }
      expect(log).toMatch(/Termination:\s+Admin OK/);
      expect(log).toContain(`replicate-config: copied ${dir.etc}`);
      // The standby now holds the primary's live configuration, byte for byte.
      expect(readFileSync(join(remoteDir, "bacula-dir.conf"), "utf8")).toBe(text);
      expect(execFileSync("stat", ["-c", "%U", join(remoteDir, "bacula-dir.conf")], { encoding: "utf8" }).trim()).toBe(standby.user);
    } finally {
      await standby.stop();
    }
  });
});
