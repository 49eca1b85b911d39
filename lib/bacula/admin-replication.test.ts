import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AdminReplicationError,
  adminReplicationJob,
  adminReplicationScript,
  renderAdminReplicationJob,
  shQuote,
  type AdminReplicationOptions,
} from "./admin-replication";
import { parseTree } from "./parser";
import { getBlocks } from "./tree";
import { validateDirector } from "./validate";
import { demoDirector } from "./testing/fixtures";

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "admin-repl-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function options(over: Partial<AdminReplicationOptions> = {}): AdminReplicationOptions {
  return {
    jobName: "Replicate-Config",
    scriptPath: "/etc/bacula/scripts/replicate-config.sh",
    configDir: "/etc/bacula",
    standbyHost: "standby.example.net",
    standbyUser: "bacula",
    remoteDir: "/var/lib/bacula/primary-config",
    sshKeyPath: "/etc/bacula/ssh/id_ed25519",
    knownHostsPath: "/etc/bacula/ssh/known_hosts",
    client: "client1-fd",
    fileset: "Full Set",
    pool: "Full",
    messages: "Standard",
    ...over,
  };
}

describe("Admin Job", () => {
  it("is an Admin job whose RunScript runs the script on the Director, failing the job on error", () => {
    const job = adminReplicationJob(options({ standbyName: "standby-dir", schedule: "Nightly" }));
    expect(job).toMatchObject({ type: "Admin", schedule: "Nightly" });
    expect(job.runScripts).toEqual([{ runsWhen: "Before", runsOnClient: false, failJobOnError: true, command: "/etc/bacula/scripts/replicate-config.sh" }]);
    const text = renderAdminReplicationJob(options());
    expect(text).toMatch(/^Job \{\n  Name = "Replicate-Config"\n/);
    // Read back as Bacula reads it: one Runscript block, run on the Director before the job, failing it on error.
    const { tree, issues } = parseTree(text, "dir");
    expect(issues).toEqual([]);
    expect(tree.resources.map((r) => r.type)).toEqual(["Job"]);
    const blocks = getBlocks(tree.resources[0], "Runscript");
    expect(blocks).toHaveLength(1);
    expect(blocks[0].items.map((i) => (i.kind === "directive" ? `${i.name}=${String(i.value)}` : i.name))).toEqual([
      "RunsWhen=Before",
      "RunsOnClient=false",
      "FailJobOnError=true",
      "Command=/etc/bacula/scripts/replicate-config.sh",
    ]);
    expect(text).toMatch(/^ {2}Runscript \{\n( {4}\w+ = .+\n){4} {2}\}\n\}\n$/m);
    // The demo topology embeds it; no shell is needed by its command.
    expect(validateDirector(demoDirector({ work: "/w", run: "/r" })).filter((p) => p.rule === "runscript-shell")).toEqual([]);
  });

  it("refuses values that could inject options, words or shell syntax", () => {
    const bad: Array<[keyof AdminReplicationOptions, unknown]> = [
      ["standbyHost", "-oProxyCommand=touch /tmp/x"],
      ["standbyHost", "host name"],
      ["standbyUser", "root;id"],
      ["scriptPath", "/etc/bacula/my script.sh"],
      ["scriptPath", "relative.sh"],
      ["sshKeyPath", "/etc/bacula/%h_key"],
      ["knownHostsPath", "~/.ssh/known_hosts"],
      ["remoteDir", "/tmp/../etc"],
      ["configDir", "/etc/bacula\n"],
      ["standbyPort", 0],
      ["jobName", 'Bad"Name'],
    ];
    for (const [field, value] of bad) {
      const o = options({ [field]: value } as Partial<AdminReplicationOptions>);
      let err: unknown;
      try {
        adminReplicationScript(o);
      } catch (e) {
        err = e;
      }
      expect(err, `${field}=${String(value)}`).toBeInstanceOf(AdminReplicationError);
      expect((err as AdminReplicationError).field).toBe(field);
    }
  });
});

describe("replication script", () => {
  it("single-quotes values for sh", () => {
    expect(shQuote("a'b")).toBe("'a'\\''b'");
    const r = spawnSync("sh", ["-c", `printf %s ${shQuote("it's $(id) `x` \\ \"q\"")}`]);
    expect(r.stdout.toString()).toBe("it's $(id) `x` \\ \"q\"");
  });

  it("is valid POSIX sh and passes hostile values to scp as single arguments", () => {
    const src = path.join(tmp, "conf dir 'with' $(quotes); rm -rf x `y`");
    mkdirSync(src, { recursive: true });
    const key = path.join(tmp, "id_key");
    const kh = path.join(tmp, "known_hosts");
    writeFileSync(key, "k");
    writeFileSync(kh, "h");
    const bin = path.join(tmp, "bin");
    mkdirSync(bin, { recursive: true });
    const argsFile = path.join(tmp, "args");
    writeFileSync(path.join(bin, "scp"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done > '${argsFile}'\n`);
    chmodSync(path.join(bin, "scp"), 0o755);
    const script = adminReplicationScript(options({ configDir: src, sshKeyPath: key, knownHostsPath: kh, standbyPort: 2222 }));
    const file = path.join(tmp, "replicate.sh");
    writeFileSync(file, script, { mode: 0o750 });
    expect(spawnSync("sh", ["-n", file]).status).toBe(0);
    const r = spawnSync("sh", [file], { env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` } });
    expect(r.stderr.toString()).toBe("");
    expect(r.status).toBe(0);
    const argv = readFileSync(argsFile, "utf8").split("\0").slice(0, -1);
    expect(argv).toEqual([
      "-s", "-r", "-p", "-q", "-P", "2222", "-i", key,
      "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes",
      "-o", `UserKnownHostsFile=${kh}`, "-o", "ConnectTimeout=30",
      "--", `${src}/.`, "bacula@standby.example.net:/var/lib/bacula/primary-config",
    ]);
  });

  it("fails with a message when the key is missing", () => {
    const script = adminReplicationScript(options({ configDir: tmp, sshKeyPath: path.join(tmp, "nokey") }));
    const r = spawnSync("sh", ["-c", script]);
    expect(r.status).toBe(1);
    expect(r.stderr.toString()).toMatch(/SSH key .*nokey not readable/);
  });

  it("the rsync variant pins the host key too", () => {
    const s = adminReplicationScript(options({ method: "rsync" }));
    expect(s).toMatch(/rsync -a --delete/);
    expect(s).toMatch(/StrictHostKeyChecking=yes -o UserKnownHostsFile=\$KNOWN_HOSTS/);
  });

  // (The suite installs OpenSSH: scripts/testenv/install-debian-deps.sh. A missing sshd fails here, it is not skipped.)
  it("copies a config directory to a real sshd on loopback with a pinned host key", async () => {
    const d = path.join(tmp, "sshd");
    mkdirSync(d);
    const keygen = (f: string) => expect(spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", f]).status).toBe(0);
    keygen(path.join(d, "host"));
    keygen(path.join(d, "id"));
    writeFileSync(path.join(d, "authorized_keys"), readFileSync(path.join(d, "id.pub")));
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    writeFileSync(
      path.join(d, "sshd_config"),
      [`Port ${port}`, "ListenAddress 127.0.0.1", `HostKey ${d}/host`, `AuthorizedKeysFile ${d}/authorized_keys`, "StrictModes no",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "Subsystem sftp internal-sftp", `PidFile ${d}/sshd.pid`].join("\n") + "\n",
    );
    writeFileSync(path.join(d, "known_hosts"), `[127.0.0.1]:${port} ${readFileSync(path.join(d, "host.pub"), "utf8")}`);
    // sshd refuses to start without its privilege separation directory, which only a started
    // service (or scripts/testenv/sshd.sh) creates: this test ran only after another had made it.
    mkdirSync("/run/sshd", { recursive: true });
    const sshd = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", path.join(d, "sshd_config")], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 400));
      const src = path.join(tmp, "etc-bacula");
      mkdirSync(path.join(src, "conf.d"), { recursive: true });
      writeFileSync(path.join(src, "bacula-dir.conf"), "Director {\n}\n");
      writeFileSync(path.join(src, "conf.d", "pools.conf"), "Pool {\n}\n");
      const dest = path.join(tmp, "standby-copy");
      const script = adminReplicationScript(
        options({ configDir: src, standbyHost: "127.0.0.1", standbyPort: port, standbyUser: os.userInfo().username, remoteDir: dest, sshKeyPath: `${d}/id`, knownHostsPath: `${d}/known_hosts` }),
      );
      const r = spawnSync("sh", ["-c", script], { timeout: 20_000 });
      expect(r.stderr.toString()).toBe("");
      expect(r.status).toBe(0);
      expect(readFileSync(path.join(dest, "conf.d", "pools.conf"), "utf8")).toBe("Pool {\n}\n");
      // A wrong pinned host key is refused.
      writeFileSync(path.join(d, "known_hosts"), `[127.0.0.1]:${port} ${readFileSync(path.join(d, "id.pub"), "utf8")}`);
      const bad = spawnSync("sh", ["-c", script], { timeout: 20_000 });
      expect(bad.status).not.toBe(0);
    } finally {
      sshd.kill();
    }
  });
});
