/**
 * A real OpenSSH server for tests, started by scripts/testenv/sshd.sh.
 *
 *   const sshd = await startSshd();
 *   const conn = await connect({
 *     host: sshd.host, port: sshd.port, username: sshd.user, privateKey: sshd.privateKey,
 *     pinnedFingerprint: sshd.hostKeyFingerprint, connectTimeoutMs: 5000,
 *   });
 *   ...
 *   await sshd.stop();
 *
 * Each call gets a free loopback port and its own directory under /tmp (bhd-sshd-*), holding the
 * config, an ed25519 host key, an ed25519 client key pair authorised for the test user, the log
 * and `remoteDir`, a directory owned by the test user where tests may write. The test user
 * (default `bhd-deploy`, shell /bin/bash) is created on first use; pass `user` to log in as an
 * existing account instead (for example Debian's `bacula`, whose nologin shell allows SFTP only).
 *
 * Needs root and /usr/sbin/sshd: without them startSshd throws a clear error (tests fail, they
 * are never skipped). Servers still running when the process exits are stopped.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./net";

export const SSHD_SCRIPT = fileURLToPath(new URL("../../scripts/testenv/sshd.sh", import.meta.url));
const SSHD_BIN = process.env.SSHD_BIN ?? "/usr/sbin/sshd";

export interface StartSshdOptions {
  /** OS user to log in as (created if missing, with /bin/bash). Default `bhd-deploy`. */
  user?: string;
  /** Fixed port; default: a free one. */
  port?: number;
  /** Keep the directory after stop() (for debugging). Also: env KEEP_SSHD_DIR=1. */
  keepDir?: boolean;
}

export interface TestSshd {
  host: string;
  port: number;
  user: string;
  /** The client private key (OpenSSH format), authorised for `user`. */
  privateKey: string;
  privateKeyPath: string;
  publicKey: string;
  /** `SHA256:...` of the current host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  hostPublicKeyPath: string;
  /** Everything of this server lives here. */
  dir: string;
  /** A directory owned by `user`, writable over SSH. */
  remoteDir: string;
  logPath: string;
  /** Stop the server and the sessions it forked; removes `dir` unless kept. Idempotent. */
  stop(): Promise<void>;
  /** Generate a new host key and restart on the same port; returns (and stores) the new fingerprint. */
  rotateHostKey(): Promise<string>;
  /** SIGKILL every open SSH session (simulates a connection cut on the server side); returns how many processes. */
  killSessions(): Promise<number>;
  /** The same, blocking: nothing else of this process runs until the sessions are gone (a cut at an exact moment). */
  killSessionsSync(): number;
  /** The server log so far. */
  log(): string;
}

const running = new Set<string>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const dir of running) {
      try {
        execFileSync("bash", [SSHD_SCRIPT, "stop", dir], { stdio: "ignore", timeout: 10_000 });
      } catch {
        /* best effort */
      }
    }
  });
}

function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "bash",
      [SSHD_SCRIPT, ...args],
      { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`sshd.sh ${args.join(" ")} failed: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
  });
}

function parseFacts(stdout: string): Record<string, string> {
  const facts: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) facts[m[1]] = m[2];
  }
  return facts;
}

export { freePort };

function checkPrerequisites() {
  if (!existsSync(SSHD_BIN)) {
    throw new Error(
      `OpenSSH server not found at ${SSHD_BIN}: these tests need a real sshd. Install it with ` +
        `\`apt-get install openssh-server\` (or set SSHD_BIN).`,
    );
  }
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new Error("startSshd needs root: sshd must switch to the test user.");
  }
}

export async function startSshd(opts: StartSshdOptions = {}): Promise<TestSshd> {
  checkPrerequisites();
  installExitHook();
  const env: Record<string, string> = opts.user ? { SSHD_USER: opts.user } : {};
  const keep = opts.keepDir ?? process.env.KEEP_SSHD_DIR === "1";

  let facts: Record<string, string> | null = null;
  let dir = "";
  let lastErr: unknown;
  // The free port may be taken between probing and binding: retry with another.
  for (let attempt = 0; attempt < 3 && !facts; attempt++) {
    dir = mkdtempSync(join(tmpdir(), "bhd-sshd-"));
    const port = opts.port ?? (await freePort());
    try {
      running.add(dir);
      facts = parseFacts(await run(["start", dir, String(port)], env));
    } catch (err) {
      lastErr = err;
      await run(["stop", dir]).catch(() => {});
      running.delete(dir);
      rmSync(dir, { recursive: true, force: true });
      if (opts.port) break;
    }
  }
  if (!facts) throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));

  const f = facts;
  const need = (k: string) => {
    const v = f[k];
    if (!v) throw new Error(`sshd.sh did not print ${k}`);
    return v;
  };
  const stopped = { value: false };
  const sshd: TestSshd = {
    host: need("HOST"),
    port: Number(need("PORT")),
    user: need("USER"),
    privateKeyPath: need("PRIVATE_KEY"),
    privateKey: readFileSync(need("PRIVATE_KEY"), "utf8"),
    publicKey: readFileSync(need("PUBLIC_KEY"), "utf8"),
    hostKeyFingerprint: need("HOST_KEY_FINGERPRINT"),
    hostPublicKeyPath: need("HOST_PUBLIC_KEY"),
    dir: need("DIR"),
    remoteDir: need("REMOTE_DIR"),
    logPath: need("LOG"),
    async stop() {
      if (stopped.value) return;
      stopped.value = true;
      await run(["stop", dir]);
      running.delete(dir);
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
    async rotateHostKey() {
      if (stopped.value) throw new Error("sshd already stopped");
      const rotated = parseFacts(await run(["rotate", dir], env));
      const fp = rotated.HOST_KEY_FINGERPRINT;
      if (!fp) throw new Error("sshd.sh rotate did not print HOST_KEY_FINGERPRINT");
      sshd.hostKeyFingerprint = fp;
      return fp;
    },
    async killSessions() {
      const out = parseFacts(await run(["kill-sessions", dir]));
      return Number(out.KILLED ?? 0);
    },
    killSessionsSync() {
      const out = parseFacts(execFileSync("bash", [SSHD_SCRIPT, "kill-sessions", dir], { encoding: "utf8", timeout: 60_000 }));
      return Number(out.KILLED ?? 0);
    },
    log() {
      try {
        return readFileSync(join(dir, "sshd.log"), "utf8");
      } catch {
        return "";
      }
    },
  };
  return sshd;
}
