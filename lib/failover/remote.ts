/**
 * What promotion needs from a catalog member's host over SSH (lib/deploy/ssh.ts): pg_ctl
 * status/stop/start, pg_controldata, pg_rewind and small file reads/writes in the data directory,
 * always as the data directory's owner (`postgres`) and always as argv (never a shell string made
 * of our inputs).
 *
 * Running as postgres, by the Host's SSH user:
 *   postgres  the command itself (recommended: a key authorised for postgres on the catalog host);
 *   root      `runuser -u postgres -- <argv>`;
 *   other     `sudo -n -u postgres -- <argv>` (needs a NOPASSWD sudoers rule for those commands).
 */
import { posix } from "node:path";
import { connect, SshError, type SshConnection } from "@/lib/deploy/ssh";
import { decryptSecret } from "@/lib/secrets";
import type { OperationSession } from "./session";

export const DATA_OWNER = "postgres";

export interface HostAccess {
  hostId: number;
  hostName: string;
  address: string;
  port: number;
  username: string;
  privateKey: string;
  fingerprint: string;
}

interface HostRow {
  id: number;
  name: string;
  address: string;
  sshPort: number;
  sshUser: string;
  privateKeyEnc: string | null;
  hostKeyFingerprint: string | null;
}

interface MemberRow {
  name: string;
  dataDirectory: string | null;
  pgBinDir: string;
  host: HostRow | null;
}

/** SSH access to a member's host, or why there is none. Decrypts the key. */
export function hostAccess(member: MemberRow): { ok: true; access: HostAccess; dataDir: string } | { ok: false; reason: string } {
  const h = member.host;
  if (!h) return { ok: false, reason: `member ${member.name} has no SSH host` };
  if (!member.dataDirectory) return { ok: false, reason: `member ${member.name} has no data directory` };
  if (!h.privateKeyEnc) return { ok: false, reason: `host ${h.name} has no SSH private key stored` };
  if (!h.hostKeyFingerprint) return { ok: false, reason: `host ${h.name} has no pinned host key fingerprint` };
  let privateKey: string;
  try {
    privateKey = decryptSecret(h.privateKeyEnc);
  } catch (err) {
    return { ok: false, reason: `the SSH key of host ${h.name} cannot be decrypted (${(err as Error).message})` };
  }
  return {
    ok: true,
    dataDir: member.dataDirectory,
    access: { hostId: h.id, hostName: h.name, address: h.address, port: h.sshPort, username: h.sshUser, privateKey, fingerprint: h.hostKeyFingerprint },
  };
}

export function asDataOwner(username: string, argv: string[]): string[] {
  if (username === DATA_OWNER) return argv;
  if (username === "root") return ["runuser", "-u", DATA_OWNER, "--", ...argv];
  return ["sudo", "-n", "-u", DATA_OWNER, "--", ...argv];
}

export async function withSsh<T>(a: HostAccess, fn: (s: RemoteShell) => Promise<T>, opts: { connectTimeoutMs?: number } = {}): Promise<T> {
  const conn = await connect({
    host: a.address,
    port: a.port,
    username: a.username,
    privateKey: a.privateKey,
    pinnedFingerprint: a.fingerprint,
    connectTimeoutMs: opts.connectTimeoutMs ?? 15_000,
  });
  try {
    return await fn(new RemoteShell(conn, a.username));
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/**
 * A shell on the host kept in the operation's session (opened once, reused by the next steps; a
 * closed connection is opened again).
 */
export async function sessionShell(session: OperationSession, a: HostAccess, opts: { connectTimeoutMs?: number } = {}): Promise<RemoteShell> {
  const conn = await session.get(
    `ssh:${a.hostId}:${a.username}@${a.address}:${a.port}`,
    () =>
      connect({
        host: a.address,
        port: a.port,
        username: a.username,
        privateKey: a.privateKey,
        pinnedFingerprint: a.fingerprint,
        connectTimeoutMs: opts.connectTimeoutMs ?? 15_000,
      }),
    { close: (c) => c.close().catch(() => undefined), alive: (c) => !c.isClosed },
  );
  return new RemoteShell(conn, a.username);
}

/** Words for an SSH failure: what did not work (connect, host key, login) — never a secret. */
export function describeSshError(err: unknown, a: Pick<HostAccess, "hostName" | "address" | "port" | "username">): { code: string; message: string; fix: string } {
  const code = err instanceof SshError ? err.code : "UNKNOWN";
  const where = `${a.username}@${a.address}:${a.port} (host ${a.hostName})`;
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case "CONNECT_TIMEOUT":
    case "CONNECT_FAILED":
      return { code, message: `SSH to ${where} does not work: ${detail}`, fix: `check that the host is up and its sshd listens on port ${a.port}, reachable from the app` };
    case "HOST_KEY_MISMATCH":
      return { code, message: `SSH to ${where} refused: ${detail}`, fix: "verify the host's new key out of band and pin it again on the Hosts page" };
    case "HOST_KEY_UNKNOWN":
      return { code, message: `SSH to ${where}: the host key is not pinned`, fix: "confirm and pin the host key on the Hosts page" };
    case "AUTH_FAILED":
      return { code, message: `SSH login ${where} refused the app's key`, fix: `authorise the app's public key for ${a.username} on the host (~${a.username}/.ssh/authorized_keys)` };
    case "PRIVATE_KEY_INVALID":
      return { code, message: `the SSH key stored for host ${a.hostName} is unusable: ${detail}`, fix: "store a valid private key for the host" };
    default:
      return { code, message: `SSH to ${where} failed: ${detail}`, fix: "check the host's SSH settings" };
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  argv: string[];
}

/** Commands as the data owner on one connection. */
export class RemoteShell {
  constructor(
    readonly conn: SshConnection,
    readonly username: string,
  ) {}

  async run(argv: string[], opts: { timeoutMs?: number; stdin?: string } = {}): Promise<RunResult> {
    const full = asDataOwner(this.username, argv);
    const r = await this.conn.exec(full, { timeoutMs: opts.timeoutMs ?? 60_000, stdin: opts.stdin });
    return { code: r.code, stdout: r.stdout, stderr: r.stderr, argv: full };
  }

  async readFile(path: string): Promise<string | null> {
    const r = await this.run(["sh", "-c", 'if [ -f "$1" ]; then cat -- "$1"; else exit 3; fi', "sh", path], { timeoutMs: 30_000 });
    if (r.code === 3) return null;
    if (r.code !== 0) throw new Error(`cannot read ${path}: ${r.stderr.trim() || `exit ${r.code}`}`);
    return r.stdout;
  }

  /** Write through a temporary file and rename (same directory), mode 0600. */
  async writeFile(path: string, content: string): Promise<void> {
    const r = await this.run(
      ["sh", "-c", 'umask 077 && cat > "$1.bhd-tmp" && mv -f -- "$1.bhd-tmp" "$1"', "sh", path],
      { timeoutMs: 30_000, stdin: content },
    );
    if (r.code !== 0) throw new Error(`cannot write ${path}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }
}

export function pgBin(pgBinDir: string, tool: string): string {
  return posix.join(pgBinDir, tool);
}

/** pg_ctl status: 0 running, 3 not running, 4 no usable data directory. */
export async function pgCtlStatus(sh: RemoteShell, pgBinDir: string, dataDir: string): Promise<"running" | "stopped"> {
  const r = await sh.run([pgBin(pgBinDir, "pg_ctl"), "status", "-D", dataDir], { timeoutMs: 30_000 });
  if (r.code === 0) return "running";
  if (r.code === 3) return "stopped";
  throw new Error(`pg_ctl status -D ${dataDir} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
}

export async function pgCtlStop(sh: RemoteShell, pgBinDir: string, dataDir: string, mode: "fast" | "immediate" = "fast"): Promise<RunResult> {
  const r = await sh.run([pgBin(pgBinDir, "pg_ctl"), "stop", "-D", dataDir, "-m", mode, "-w", "-t", "60"], { timeoutMs: 90_000 });
  if (r.code !== 0) throw new Error(`pg_ctl stop failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  return r;
}

export function startLogPath(dataDir: string): string {
  return posix.join(dataDir, "bhd-pg_ctl-start.log");
}

export async function pgCtlStart(sh: RemoteShell, pgBinDir: string, dataDir: string): Promise<RunResult> {
  const r = await sh.run([pgBin(pgBinDir, "pg_ctl"), "start", "-D", dataDir, "-l", startLogPath(dataDir), "-w", "-t", "60"], { timeoutMs: 90_000 });
  if (r.code !== 0) {
    const tail = await sh.run(["tail", "-n", "20", startLogPath(dataDir)], { timeoutMs: 10_000 }).catch(() => null);
    throw new Error(`pg_ctl start failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}${tail ? `\n${tail.stdout}` : ""}`);
  }
  return r;
}

export interface ControlData {
  state: string | null;
  checkpointLsn: string | null;
  checkpointTimeline: number | null;
  /** "on" / "off" as of the last checkpoint (pg_rewind needs it on, or data checksums). */
  walLogHints: string | null;
  /** 0: no data checksums. */
  checksumVersion: number | null;
}

export function parseControlData(text: string): ControlData {
  const get = (label: string) => {
    const m = new RegExp(`^${label.replace(/[()'.]/g, (c) => `\\${c}`)}:\\s*(.+)$`, "m").exec(text);
    return m ? m[1].trim() : null;
  };
  const tli = get("Latest checkpoint's TimeLineID");
  const sums = get("Data page checksum version");
  return {
    state: get("Database cluster state"),
    checkpointLsn: get("Latest checkpoint location"),
    checkpointTimeline: tli === null ? null : Number(tli),
    walLogHints: get("wal_log_hints setting"),
    checksumVersion: sums === null ? null : Number(sums),
  };
}

export async function pgControlData(sh: RemoteShell, pgBinDir: string, dataDir: string): Promise<ControlData> {
  const r = await sh.run(["env", "LC_ALL=C", pgBin(pgBinDir, "pg_controldata"), "-D", dataDir], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`pg_controldata failed (exit ${r.code}): ${r.stderr.trim()}`);
  return parseControlData(r.stdout);
}
