/**
 * The engine's orchestration with an in-memory transport (the real one is covered by
 * engine.real.test.ts against sshd and Bacula), and its pure helpers.
 */
import { describe, expect, it } from "vitest";
import {
  configHash,
  expectedLoaded,
  findFailureMarkers,
  parseBconsoleSections,
  resourceNames,
  runDeploy,
  splitArgv,
  type DeployTarget,
  type ExecResultLike,
  type Transport,
} from "./engine";
import { driftState } from "./service";

class FakeHost {
  files = new Map<string, { content: string; mode: number }>();
  dirs = new Set<string>(["/etc/bacula"]);
  log: string[] = [];
  onExec: (argv: readonly string[], stdin?: string) => ExecResultLike = () => ({ code: 0, signal: null, stdout: "", stderr: "" });
  opens = 0;
  transport(): Transport {
    this.opens++;
    let closed = false;
    return {
      get isClosed() {
        return closed;
      },
      readFile: async (p) => (this.files.has(p) ? Buffer.from(this.files.get(p)!.content) : null),
      stat: async (p) => (this.files.has(p) ? { type: "file", mode: this.files.get(p)!.mode } : this.dirs.has(p) ? { type: "directory", mode: 0o755 } : null),
      writeFileAtomic: async (p, c, mode) => {
        this.log.push(`write ${p}`);
        this.files.set(p, { content: c.toString(), mode });
      },
      rename: async (a, b) => {
        this.log.push(`rename ${a} ${b}`);
        const f = this.files.get(a);
        if (!f) throw new Error(`no ${a}`);
        this.files.delete(a);
        this.files.set(b, f);
      },
      mkdirp: async (p) => void this.dirs.add(p),
      remove: async (p) => this.files.delete(p) || this.dirs.delete(p),
      exec: async (argv, o) => {
        this.log.push(`exec ${argv.join(" ")}${o.stdin ? ` <<< ${o.stdin.trim().replace(/\n/g, ",")}` : ""}`);
        return this.onExec(argv, o.stdin);
      },
      close: async () => {
        closed = true;
      },
    };
  }
}

const OLD = "# bacula-dir.conf\n# Model revision: 1\nDirector {\n  Name = d\n}\nPool {\n  Name = A\n}\n";
const NEW = "# bacula-dir.conf\n# Model revision: 2\nDirector {\n  Name = d\n}\nPool {\n  Name = A\n}\nPool {\n  Name = \"B b\"\n}\n";

function target(over: Partial<DeployTarget> = {}): DeployTarget {
  return {
    key: "director:1",
    kind: "director",
    daemonId: 1,
    name: "d",
    role: "primary",
    host: { key: "h:22", name: "h", address: "h", port: 22, username: "u", privateKey: "k", pinnedFingerprint: "SHA256:x" },
    files: [{ path: "/etc/bacula/bacula-dir.conf", content: NEW }],
    testArgv: (p) => ["/usr/sbin/bdirjson", "-t", "-c", p],
    reload: { kind: "bconsole", bconsole: "/usr/sbin/bconsole", config: "/etc/bacula/bconsole.conf" },
    ...over,
  };
}

/** A Director that answers bconsole like 15.0.3: `loaded` is what it has loaded. */
function director(host: FakeHost, opts: { refuseReload?: boolean } = {}) {
  let loaded = resourceNames(OLD);
  host.onExec = (argv, stdin) => {
    if (argv[0] !== "/usr/sbin/bconsole") return { code: 0, signal: null, stdout: "", stderr: "" };
    let out = "Connecting to Director\n1000 OK\nEnter a period to cancel a command.\n";
    for (const cmd of (stdin ?? "").split("\n").filter(Boolean)) {
      out += cmd + "\n";
      if (cmd === "reload") {
        if (opts.refuseReload && host.files.get("/etc/bacula/bacula-dir.conf")!.content === NEW) out += "Please correct configuration file: /etc/bacula/bacula-dir.conf\nResetting previous configuration.\nYou have messages.\n";
        else loaded = resourceNames(host.files.get("/etc/bacula/bacula-dir.conf")!.content);
      } else if (cmd.startsWith(".")) {
        const type = Object.entries({ ".pools": "Pool", ".catalogs": "Catalog" }).find(([c]) => c === cmd)?.[1];
        out += (type ? loaded[type] ?? [] : []).join("\n") + "\n";
      } else if (cmd === "messages") out += opts.refuseReload && host.files.get("/etc/bacula/bacula-dir.conf")!.content === NEW ? "Config error: expected resource name\n" : "You have no messages.\n";
    }
    return { code: 0, signal: null, stdout: out, stderr: "" };
  };
}

const run = (t: DeployTarget[], host: FakeHost, dryRun = false) =>
  runDeploy(t, { runId: "r1", dryRun, open: async () => host.transport(), lock: (_k, fn) => fn() });

describe("engine orchestration (fake transport)", () => {
  it("runs every step in order and verifies the reloaded resources", async () => {
    const host = new FakeHost();
    host.files.set("/etc/bacula/bacula-dir.conf", { content: OLD, mode: 0o640 });
    director(host);
    const [r] = await run([target()], host);
    expect(r.status).toBe("succeeded");
    expect(r.steps.map((s) => s.name)).toEqual(["connect", "fetch", "diff", "upload", "test", "backup", "swap", "reload", "verify", "cleanup"]);
    expect(host.files.get("/etc/bacula/bacula-dir.conf")!.content).toBe(NEW);
    expect(host.files.get("/etc/bacula/.bhd-deploy/backup-r1/bacula-dir.conf")!.content).toBe(OLD);
    expect(host.log).toContain("exec /usr/sbin/bdirjson -t -c /etc/bacula/.bhd-deploy/staging-r1/bacula-dir.conf");
    expect(r.files[0].diff).toContain('+  Name = "B b"');
  });

  it("a reload the Director refused (exit 0) is a failure: the old file goes back and is reloaded", async () => {
    const host = new FakeHost();
    host.files.set("/etc/bacula/bacula-dir.conf", { content: OLD, mode: 0o600 });
    director(host, { refuseReload: true });
    const [r] = await run([target()], host);
    expect(r.status).toBe("rolled_back");
    expect(r.failedStep).toBe("reload");
    expect(r.error).toContain("Resetting previous configuration");
    expect(host.files.get("/etc/bacula/bacula-dir.conf")).toEqual({ content: OLD, mode: 0o600 });
    expect(host.log.filter((l) => l.includes("<<< reload")).length).toBe(2); // the deploy's and the rollback's
  });

  it("a verify that finds the old resources loaded rolls back", async () => {
    const host = new FakeHost();
    host.files.set("/etc/bacula/bacula-dir.conf", { content: OLD, mode: 0o640 });
    director(host);
    const base = host.onExec;
    host.onExec = (argv, stdin) => (stdin === "reload\n" ? { code: 0, signal: null, stdout: "reload\n", stderr: "" } : base(argv, stdin));
    const [r] = await run([target()], host);
    expect(r.failedStep).toBe("verify");
    expect(r.error).toContain('.pools: missing ["B b"]');
    expect(r.status).toBe("rolled_back");
  });

  it("a failing rollback is reported as such", async () => {
    const host = new FakeHost();
    host.files.set("/etc/bacula/bacula-dir.conf", { content: OLD, mode: 0o640 });
    host.onExec = (argv) => (argv[0] === "/usr/sbin/bconsole" ? { code: 1, signal: null, stdout: "", stderr: "Director unreachable" } : { code: 0, signal: null, stdout: "", stderr: "" });
    const [r] = await run([target()], host);
    expect(r.status).toBe("rollback_failed");
    expect(r.error).toContain("ROLLBACK FAILED");
  });

  it("a refused target never connects; a new file is removed again on rollback", async () => {
    const host = new FakeHost();
    const [a] = await run([target({ refused: "Job x: Client is required" })], host);
    expect(a.failedStep).toBe("render");
    expect(host.opens).toBe(0);
    host.onExec = (argv) => (argv[0] === "/bin/restart" && host.files.has("/etc/bacula/bacula-dir.conf") ? { code: 3, signal: null, stdout: "failed to start", stderr: "" } : { code: 0, signal: null, stdout: "", stderr: "" });
    const [b] = await run([target({ kind: "storage-daemon", reload: { kind: "command", argv: ["/bin/restart"] } })], host);
    expect(b.status).toBe("rolled_back");
    expect(b.error).toContain("failed to start");
    expect(host.files.has("/etc/bacula/bacula-dir.conf")).toBe(false);
  });

  it("dry run: tested, nothing swapped", async () => {
    const host = new FakeHost();
    host.files.set("/etc/bacula/bacula-dir.conf", { content: OLD, mode: 0o640 });
    const [r] = await run([target()], host, true);
    expect(r.status).toBe("dry_run_ok");
    expect(host.files.get("/etc/bacula/bacula-dir.conf")!.content).toBe(OLD);
    expect(host.log.some((l) => l.startsWith("rename"))).toBe(false);
  });

  it("a test failure reports what Bacula printed", async () => {
    const host = new FakeHost();
    host.onExec = () => ({ code: 1, signal: null, stdout: 'Config error: Keyword "Bogus" not permitted in this resource.', stderr: "" });
    const [r] = await run([target()], host);
    expect(r.failedStep).toBe("test");
    expect(r.error).toContain('Keyword "Bogus" not permitted');
    expect(r.status).toBe("failed");
  });
});

describe("helpers", () => {
  it("splits a restart command into argv without a shell, refusing shell syntax", () => {
    expect(splitArgv("/bin/systemctl restart bacula-sd")).toEqual(["/bin/systemctl", "restart", "bacula-sd"]);
    expect(splitArgv(`/usr/bin/sudo -n '/opt/my sd/restart' "a \\"b\\""`)).toEqual(["/usr/bin/sudo", "-n", "/opt/my sd/restart", 'a "b"']);
    for (const bad of ["/bin/a; rm -rf /", "/bin/a && b", "/bin/a $(id)", "/bin/a `id`", "/bin/a | b", "/bin/a > f", "", "  ", "/bin/a 'x", "/bin/a\n/bin/b"]) {
      expect(() => splitArgv(bad), bad).toThrow();
    }
    // The schema's default: the program is looked up in the login's PATH, each word still quoted.
    expect(splitArgv("systemctl restart bacula-sd")).toEqual(["systemctl", "restart", "bacula-sd"]);
  });

  it("hashes ignore the model revision header only", () => {
    expect(configHash(OLD)).toBe(configHash(OLD.replace("revision: 1", "revision: 9")));
    expect(configHash(OLD)).not.toBe(configHash(NEW));
  });

  it("reads resource names and bconsole sections", () => {
    expect(resourceNames(NEW)).toEqual({ Director: ["d"], Pool: ["A", "B b"] });
    expect(expectedLoaded(NEW)[".pools"]).toEqual(["A", "B b"]);
    const out = "Connecting\n.pools\nA\nB b\n.catalogs\nMyCatalog\nmessages\nYou have no messages.\n";
    expect(parseBconsoleSections(out, [".pools", ".catalogs", "messages"])).toEqual({ ".pools": ["A", "B b"], ".catalogs": ["MyCatalog"], messages: [] });
    expect(findFailureMarkers("ok\nPlease correct configuration file: /x\nResetting previous configuration.\n")).toHaveLength(2);
  });

  it("drift states", () => {
    expect(driftState("m", "m", "m")).toBe("in_sync");
    expect(driftState("m2", "m", "m")).toBe("model_changed");
    expect(driftState("m", "m", "x")).toBe("live_changed");
    expect(driftState("m", null, null)).toBe("never_deployed");
    expect(driftState("m", "m", null)).toBe("unknown");
  });
});
