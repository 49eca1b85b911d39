/**
 * SSH transport for deploys, over ssh2.
 *
 * Host keys are pinned by SHA-256 fingerprint, in the format `ssh-keygen -lf` prints
 * (`SHA256:` + unpadded base64 of the SHA-256 of the raw public key blob). ssh2 prefers the
 * host's ed25519 key, so on a stock OpenSSH host the fingerprint to pin is the one of
 * /etc/ssh/ssh_host_ed25519_key.pub.
 *
 * - No pin (null): the handshake is aborted inside the host verifier, before any authentication,
 *   and HostKeyUnknownError carries the presented fingerprint, for an operator to confirm.
 * - Wrong pin: HostKeyMismatchError (expected vs presented).
 * - Commands are argv arrays, quoted argument by argument (see quote.ts); never strings.
 * - Every operation has a timeout; ssh2's 'error' events are always handled.
 *
 * Server-side only (Node): do not import from client components.
 */
import { createHash, randomBytes } from "node:crypto";
import { posix } from "node:path";
// ssh2 is CommonJS: the default import works the same under Node ESM, vitest and Next.js.
import ssh2 from "ssh2";
import type { Client as SshClient, ClientChannel, SFTPWrapper, Stats } from "ssh2";
import {
  AuthFailedError,
  ChannelError,
  CommandTimeoutError,
  ConnectFailedError,
  ConnectTimeoutError,
  ConnectionClosedError,
  HostKeyMismatchError,
  HostKeyUnknownError,
  OperationTimeoutError,
  PrivateKeyInvalidError,
  SFTP_STATUS,
  SftpError,
  SshError,
} from "./errors";
import { buildCommand } from "./quote";

const { Client } = ssh2;

export * from "./errors";
export { buildCommand, shQuote } from "./quote";

// ---------------------------------------------------------------------------------------------
// Fingerprints

const FINGERPRINT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** `SHA256:<base64, no padding>` of a raw SSH public key blob (what ssh-keygen -lf prints). */
export function fingerprintOfKeyBlob(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/** Fingerprint of an OpenSSH public key line (`ssh-ed25519 AAAA... comment`). */
export function fingerprintOfPublicKeyLine(line: string): string {
  const parts = line.trim().split(/\s+/);
  const b64 = parts.find((p, i) => i > 0 && /^AAAA[A-Za-z0-9+/]+=*$/.test(p)) ?? parts[1];
  if (!b64) throw new SshError("INVALID_ARGUMENT", "not an OpenSSH public key line");
  return fingerprintOfKeyBlob(Buffer.from(b64, "base64"));
}

/**
 * Normalise an operator-supplied fingerprint: trims, strips base64 padding, adds a missing
 * `SHA256:` prefix. Returns null when it is not a SHA-256 fingerprint (MD5 ones are refused).
 */
export function normalizeFingerprint(fp: string): string | null {
  let s = fp.trim().replace(/=+$/, "");
  if (!s.startsWith("SHA256:")) s = "SHA256:" + s;
  return FINGERPRINT_RE.test(s) ? s : null;
}

function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const len = blob.readUInt32BE(0);
  if (len <= 0 || len > 64 || 4 + len > blob.length) return "unknown";
  return blob.subarray(4, 4 + len).toString("latin1");
}

// ---------------------------------------------------------------------------------------------
// Connecting

export interface ConnectOptions {
  host: string;
  port: number;
  username: string;
  /** OpenSSH or PEM private key text (or Buffer). */
  privateKey: string | Buffer;
  passphrase?: string;
  /** Pinned host key fingerprint (`SHA256:...`), or null when none is pinned yet. */
  pinnedFingerprint: string | null;
  /** Budget for TCP connect + handshake + authentication. */
  connectTimeoutMs: number;
  /** Default timeout of each SFTP operation on the resulting connection (default 30 s). */
  operationTimeoutMs?: number;
  /** SSH keepalive interval (default 10 s); 3 unanswered keepalives close the connection. */
  keepaliveIntervalMs?: number;
}

export interface HostKeySeen {
  fingerprint: string;
  keyType: string;
}

/**
 * Open an authenticated SSH connection. Throws HostKeyUnknownError (no pin; nothing authenticated),
 * HostKeyMismatchError, AuthFailedError, PrivateKeyInvalidError, ConnectTimeoutError or
 * ConnectFailedError.
 */
export function connect(opts: ConnectOptions): Promise<SshConnection> {
  const { host, port, username, connectTimeoutMs } = opts;
  checkPort(port);
  if (!(connectTimeoutMs > 0)) throw new SshError("INVALID_ARGUMENT", "connectTimeoutMs must be > 0");
  let expected: string | null = null;
  if (opts.pinnedFingerprint !== null) {
    expected = normalizeFingerprint(opts.pinnedFingerprint);
    if (!expected) {
      return Promise.reject(
        new SshError("INVALID_ARGUMENT", `pinned fingerprint is not a SHA256:... fingerprint: ${opts.pinnedFingerprint}`),
      );
    }
  }

  return new Promise<SshConnection>((resolve, reject) => {
    const client = new Client();
    let seen: HostKeySeen | null = null;
    let hostKeyError: SshError | null = null;
    let settled = false;

    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new ConnectTimeoutError(host, port, connectTimeoutMs)), connectTimeoutMs);

    client.on("error", (err: Error & { level?: string; code?: string }) => {
      if (settled) return; // after 'ready' the SshConnection's own handler takes over
      if (hostKeyError) return fail(hostKeyError);
      fail(classifyConnectError(err, opts));
    });
    client.on("close", () => {
      if (hostKeyError) return fail(hostKeyError);
      fail(new ConnectFailedError(host, port, "connection closed during handshake"));
    });
    client.on("ready", () => {
      if (settled) {
        client.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      // seen is always set here: ssh2 calls the verifier before authentication.
      resolve(
        new SshConnection(client, {
          host,
          port,
          username,
          hostKeyFingerprint: seen!.fingerprint,
          hostKeyType: seen!.keyType,
          operationTimeoutMs: opts.operationTimeoutMs ?? 30_000,
        }),
      );
    });

    try {
      client.connect({
        host,
        port,
        username,
        privateKey: opts.privateKey,
        passphrase: opts.passphrase,
        readyTimeout: connectTimeoutMs,
        keepaliveInterval: opts.keepaliveIntervalMs ?? 10_000,
        keepaliveCountMax: 3,
        agent: undefined,
        tryKeyboard: false,
        // Raw key blob (no hostHash): we compute the SHA-256 fingerprint ourselves.
        hostVerifier: (key: Buffer): boolean => {
          seen = { fingerprint: fingerprintOfKeyBlob(key), keyType: keyTypeOfBlob(key) };
          if (expected === null) {
            hostKeyError = new HostKeyUnknownError(host, port, seen.fingerprint, seen.keyType);
            return false;
          }
          if (seen.fingerprint !== expected) {
            hostKeyError = new HostKeyMismatchError(host, port, expected, seen.fingerprint, seen.keyType);
            return false;
          }
          return true;
        },
      });
    } catch (err) {
      // ssh2 parses the private key synchronously.
      fail(new PrivateKeyInvalidError(err instanceof Error ? err.message : String(err), err));
    }
  });
}

/** Learn the fingerprint a host presents, without authenticating (the handshake is aborted). */
export function fetchHostKeyFingerprint(
  host: string,
  port: number,
  opts: { timeoutMs?: number } = {},
): Promise<string> {
  return fetchHostKey(host, port, opts).then((k) => k.fingerprint);
}

/** Like fetchHostKeyFingerprint, with the key type (e.g. `ssh-ed25519`). */
export function fetchHostKey(host: string, port: number, opts: { timeoutMs?: number } = {}): Promise<HostKeySeen> {
  checkPort(port);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise<HostKeySeen>((resolve, reject) => {
    const client = new Client();
    let seen: HostKeySeen | null = null;
    let settled = false;
    const done = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.destroy();
      if (seen) resolve(seen);
      else reject(err ?? new ConnectFailedError(host, port, "no host key received"));
    };
    const timer = setTimeout(() => done(new ConnectTimeoutError(host, port, timeoutMs)), timeoutMs);
    client.on("error", (err: Error & { level?: string; code?: string }) =>
      done(seen ? null : classifyConnectError(err, { host, port, username: "" })),
    );
    client.on("close", () => done(null));
    client.on("ready", () => done(null)); // cannot happen: the verifier refuses
    try {
      client.connect({
        host,
        port,
        username: "host-key-probe",
        readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer): boolean => {
          seen = { fingerprint: fingerprintOfKeyBlob(key), keyType: keyTypeOfBlob(key) };
          return false;
        },
      });
    } catch (err) {
      done(new ConnectFailedError(host, port, err instanceof Error ? err.message : String(err), undefined, err));
    }
  });
}

function checkPort(port: number) {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SshError("INVALID_ARGUMENT", `invalid port: ${port}`);
  }
}

function classifyConnectError(
  err: Error & { level?: string; code?: string },
  o: { host: string; port: number; username: string; connectTimeoutMs?: number },
): SshError {
  switch (err.level) {
    case "client-authentication":
      return new AuthFailedError(o.host, o.port, o.username, err);
    case "client-timeout":
      return new ConnectTimeoutError(o.host, o.port, o.connectTimeoutMs ?? 0);
    case "client-socket":
      return new ConnectFailedError(o.host, o.port, err.message, err.code, err);
    default:
      return new ConnectFailedError(o.host, o.port, err.message, err.code, err);
  }
}

// ---------------------------------------------------------------------------------------------
// The connection

export interface ExecOptions {
  timeoutMs: number;
  /** Written to the command's stdin, which is then closed. Without it stdin is closed at once. */
  stdin?: string | Buffer;
  /** Cap per stream (default 16 MiB); more output is dropped and `truncated` set. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  /** Exit status, or null when the command died from a signal. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

export interface RemoteStat {
  type: "file" | "directory" | "symlink" | "other";
  size: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

export interface WriteFileOptions {
  /** Overall budget for the upload (default: max(operation timeout, 120 s)). */
  timeoutMs?: number;
  /** Called after each acknowledged chunk. */
  onProgress?: (bytesWritten: number, totalBytes: number) => void;
  /** chown the file before it is renamed into place (needs a root login). */
  owner?: { uid: number; gid: number };
}

interface ConnectionInfo {
  host: string;
  port: number;
  username: string;
  hostKeyFingerprint: string;
  hostKeyType: string;
  operationTimeoutMs: number;
}

const WRITE_CHUNK = 32 * 1024;
const WRITE_WINDOW = 16;

export class SshConnection {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The (verified) fingerprint the host presented. */
  readonly hostKeyFingerprint: string;
  readonly hostKeyType: string;
  private readonly opTimeoutMs: number;
  private sftpSession: Promise<SFTPWrapper> | null = null;
  private closedReason: Error | null = null;
  private lastError: Error | null = null;
  private readonly pending = new Set<(err: Error) => void>();
  private readonly closedPromise: Promise<void>;

  /** @internal use connect() */
  constructor(
    private readonly client: SshClient,
    info: ConnectionInfo,
  ) {
    this.host = info.host;
    this.port = info.port;
    this.username = info.username;
    this.hostKeyFingerprint = info.hostKeyFingerprint;
    this.hostKeyType = info.hostKeyType;
    this.opTimeoutMs = info.operationTimeoutMs;
    client.on("error", (err: Error) => {
      this.lastError = err;
    });
    this.closedPromise = new Promise<void>((resolve) => {
      client.once("close", () => {
        this.markClosed(
          new ConnectionClosedError(
            this.lastError ? `${this.lastError.message}` : "closed by peer or network",
            this.lastError ?? undefined,
          ),
        );
        resolve();
      });
    });
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  private markClosed(reason: Error) {
    if (!this.closedReason) this.closedReason = reason;
    this.sftpSession = null;
    const rejecters = [...this.pending];
    this.pending.clear();
    for (const r of rejecters) r(this.closedReason);
  }

  /**
   * Run `executor` as a tracked operation: rejected with OperationTimeoutError after `timeoutMs`
   * (then `onTimeout` runs), and with ConnectionClosedError when the connection drops.
   */
  private track<T>(
    label: string,
    timeoutMs: number,
    executor: (resolve: (v: T) => void, reject: (e: Error) => void) => void,
    onTimeout?: () => Error | void,
  ): Promise<T> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = () => {
        done = true;
        clearTimeout(timer);
        this.pending.delete(rejecter);
      };
      const rejecter = (err: Error) => {
        if (done) return;
        finish();
        reject(err);
      };
      const timer = setTimeout(() => {
        if (done) return;
        finish();
        const custom = onTimeout?.();
        reject(custom ?? new OperationTimeoutError(label, timeoutMs));
      }, timeoutMs);
      this.pending.add(rejecter);
      try {
        executor(
          (v) => {
            if (done) return;
            finish();
            resolve(v);
          },
          rejecter,
        );
      } catch (err) {
        rejecter(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  // ---- exec -------------------------------------------------------------------------------

  /**
   * Run a command given as argv. Each element is single-quoted (buildCommand); the remote login
   * shell must be POSIX. A timeout sends KILL to the command, closes the channel and throws
   * CommandTimeoutError.
   */
  exec(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
    let command: string;
    try {
      command = buildCommand(argv);
    } catch (err) {
      return Promise.reject(new SshError("INVALID_ARGUMENT", (err as Error).message, { cause: err }));
    }
    const max = opts.maxOutputBytes ?? 16 * 1024 * 1024;
    let channel: ClientChannel | null = null;
    let timedOut = false;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let truncated = false;
    const text = (bufs: Buffer[]) => Buffer.concat(bufs).toString("utf8");

    return this.track<ExecResult>(
      `exec ${argv[0]}`,
      opts.timeoutMs,
      (resolve, reject) => {
        this.client.exec(command, (openErr, stream) => {
          if (openErr) return reject(new ChannelError(openErr.message, openErr));
          if (timedOut) {
            stream.on("error", () => {});
            stream.close();
            return;
          }
          channel = stream;
          let code: number | null = null;
          let signal: string | null = null;
          stream.on("exit", (c: number | null, s?: string) => {
            code = typeof c === "number" ? c : null;
            signal = s ?? null;
          });
          stream.on("data", (d: Buffer) => {
            if (outLen + d.length > max) {
              truncated = true;
              d = d.subarray(0, Math.max(0, max - outLen));
            }
            outLen += d.length;
            if (d.length) out.push(d);
          });
          stream.stderr.on("data", (d: Buffer) => {
            if (errLen + d.length > max) {
              truncated = true;
              d = d.subarray(0, Math.max(0, max - errLen));
            }
            errLen += d.length;
            if (d.length) err.push(d);
          });
          stream.on("error", (e: Error) => reject(new ChannelError(e.message, e)));
          stream.stderr.on("error", () => {});
          stream.on("close", () => {
            resolve({ code, signal, stdout: text(out), stderr: text(err), truncated });
          });
          if (opts.stdin !== undefined) stream.end(opts.stdin);
          else stream.end();
        });
      },
      () => {
        timedOut = true;
        const ch = channel as ClientChannel | null;
        if (ch) {
          sendSignal(ch, "KILL");
          try {
            ch.close();
          } catch {
            /* ignore */
          }
        }
        return new CommandTimeoutError([...argv], opts.timeoutMs, text(out), text(err));
      },
    );
  }

  // ---- SFTP -------------------------------------------------------------------------------

  private sftp(): Promise<SFTPWrapper> {
    if (this.closedReason) return Promise.reject(this.closedReason);
    if (!this.sftpSession) {
      const p = this.track<SFTPWrapper>("open SFTP session", this.opTimeoutMs, (resolve, reject) => {
        this.client.sftp((err, sftp) => {
          if (err) return reject(new ChannelError(`SFTP subsystem: ${err.message}`, err));
          sftp.on("error", () => {});
          sftp.on("close", () => {
            if (this.sftpSession === p) this.sftpSession = null;
          });
          resolve(sftp);
        });
      });
      p.catch(() => {
        if (this.sftpSession === p) this.sftpSession = null;
      });
      this.sftpSession = p;
    }
    return this.sftpSession;
  }

  /** One SFTP call with the connection's operation timeout and error wrapping. */
  private sftpOp<T>(
    op: string,
    path: string,
    call: (sftp: SFTPWrapper, cb: (err: Error | null | undefined, v?: T) => void) => void,
    timeoutMs = this.opTimeoutMs,
  ): Promise<T> {
    return this.sftp().then((sftp) =>
      this.track<T>(`SFTP ${op} ${path}`, timeoutMs, (resolve, reject) => {
        call(sftp, (err, v) => {
          if (err) reject(wrapSftpError(op, path, err));
          else resolve(v as T);
        });
      }),
    );
  }

  /** Read a whole file; null when it does not exist. */
  async readFile(path: string, opts: { timeoutMs?: number } = {}): Promise<Buffer | null> {
    try {
      return await this.sftpOp<Buffer>("read", path, (s, cb) => s.readFile(path, cb), opts.timeoutMs ?? this.opTimeoutMs);
    } catch (err) {
      if (isNoSuchFile(err)) return null;
      throw err;
    }
  }

  /** readFile decoded as UTF-8. */
  async readTextFile(path: string, opts: { timeoutMs?: number } = {}): Promise<string | null> {
    const b = await this.readFile(path, opts);
    return b === null ? null : b.toString("utf8");
  }

  /** stat (following symlinks); null when missing. */
  async stat(path: string): Promise<RemoteStat | null> {
    try {
      return toRemoteStat(await this.sftpOp<Stats>("stat", path, (s, cb) => s.stat(path, cb)));
    } catch (err) {
      if (isNoSuchFile(err)) return null;
      throw err;
    }
  }

  /** lstat (does not follow symlinks); null when missing. */
  async lstat(path: string): Promise<RemoteStat | null> {
    try {
      return toRemoteStat(await this.sftpOp<Stats>("lstat", path, (s, cb) => s.lstat(path, cb)));
    } catch (err) {
      if (isNoSuchFile(err)) return null;
      throw err;
    }
  }

  /** Create a directory and its missing parents (like mkdir -p). */
  async mkdirp(path: string, mode = 0o755): Promise<void> {
    const norm = posix.normalize(path);
    if (norm === "/" || norm === ".") return;
    const existing = await this.stat(norm);
    if (existing) {
      if (existing.type !== "directory") throw new SftpError("mkdir", norm, undefined, "exists and is not a directory");
      return;
    }
    const parent = posix.dirname(norm);
    if (parent !== norm) await this.mkdirp(parent, mode);
    try {
      await this.sftpOp<void>("mkdir", norm, (s, cb) => s.mkdir(norm, { mode }, cb));
    } catch (err) {
      // Lost a race with another creator? Fine if it is a directory now.
      const again = await this.stat(norm);
      if (again?.type === "directory") return;
      throw err;
    }
  }

  /**
   * Rename, replacing an existing target atomically (OpenSSH posix-rename@openssh.com). Without
   * that extension, falls back to plain SFTP rename, which fails when the target exists.
   */
  async rename(from: string, to: string): Promise<void> {
    const sftp = await this.sftp();
    if (hasExtension(sftp, "posix-rename@openssh.com")) {
      await this.sftpOp<void>("rename", `${from} -> ${to}`, (s, cb) => s.ext_openssh_rename(from, to, cb));
    } else {
      await this.sftpOp<void>("rename", `${from} -> ${to}`, (s, cb) => s.rename(from, to, cb));
    }
  }

  /** Remove a file, symlink or empty directory. Returns false when nothing was there. */
  async remove(path: string): Promise<boolean> {
    const st = await this.lstat(path);
    if (!st) return false;
    try {
      if (st.type === "directory") await this.sftpOp<void>("rmdir", path, (s, cb) => s.rmdir(path, cb));
      else await this.sftpOp<void>("unlink", path, (s, cb) => s.unlink(path, cb));
    } catch (err) {
      if (isNoSuchFile(err)) return false;
      throw err;
    }
    return true;
  }

  /**
   * Write a file atomically: the content goes to a temporary file in the same directory
   * (`.<name>.bhd-tmp-<random>`, created exclusively with `mode`), is fsynced (fsync@openssh.com
   * when offered), chmod'ed to exactly `mode`, and only then renamed over the target. A connection
   * cut before the rename leaves the target untouched (at worst a stray temporary file).
   */
  async writeFileAtomic(path: string, content: string | Buffer, mode: number, opts: WriteFileOptions = {}): Promise<void> {
    const data = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    const dir = posix.dirname(path);
    const base = posix.basename(path);
    if (!base || base === "." || base === "..") throw new SshError("INVALID_ARGUMENT", `not a file path: ${path}`);
    const tmp = posix.join(dir, `.${base}.bhd-tmp-${randomBytes(6).toString("hex")}`);
    const budget = opts.timeoutMs ?? Math.max(this.opTimeoutMs, 120_000);
    const deadline = Date.now() + budget;
    const left = () => {
      const ms = deadline - Date.now();
      if (ms <= 0) throw new OperationTimeoutError(`writeFileAtomic ${path}`, budget);
      return ms;
    };

    const sftp = await this.sftp();
    const handle = await this.sftpOp<Buffer>("open", tmp, (s, cb) => s.open(tmp, "wx", { mode }, cb), left());
    let handleOpen = true;
    try {
      await this.writeAll(sftp, handle, tmp, data, left(), opts.onProgress);
      // chmod, chown, fsync and close sent together: the server runs them in order on the handle,
      // and one round trip instead of four reaches the rename (only after all of them succeeded).
      const tail: Promise<void>[] = [this.sftpOp<void>("chmod", tmp, (s, cb) => s.fchmod(handle, mode, cb), left())];
      if (opts.owner) {
        const { uid, gid } = opts.owner;
        tail.push(this.sftpOp<void>("chown", tmp, (s, cb) => s.fchown(handle, uid, gid, cb), left()));
      }
      if (hasExtension(sftp, "fsync@openssh.com")) {
        tail.push(this.sftpOp<void>("fsync", tmp, (s, cb) => s.ext_openssh_fsync(handle, (e) => cb(e)), left()));
      }
      const closing = this.sftpOp<void>("close", tmp, (s, cb) => s.close(handle, cb), left());
      const [closed, ...rest] = await Promise.allSettled([closing, ...tail]);
      if (closed.status === "fulfilled") handleOpen = false;
      const failed = rest.find((x): x is PromiseRejectedResult => x.status === "rejected");
      if (failed) throw failed.reason;
      if (closed.status === "rejected") throw closed.reason;
      await this.rename(tmp, path);
    } catch (err) {
      if (!this.closedReason) {
        // Best effort cleanup; the original error is what matters.
        if (handleOpen) await this.sftpOp<void>("close", tmp, (s, cb) => s.close(handle, cb), 5_000).catch(() => {});
        await this.sftpOp<void>("unlink", tmp, (s, cb) => s.unlink(tmp, cb), 5_000).catch(() => {});
      }
      throw err;
    }
  }

  private writeAll(
    sftp: SFTPWrapper,
    handle: Buffer,
    path: string,
    data: Buffer,
    timeoutMs: number,
    onProgress?: (written: number, total: number) => void,
  ): Promise<void> {
    const total = data.length;
    if (total === 0) return Promise.resolve();
    return this.track<void>(`SFTP write ${path}`, timeoutMs, (resolve, reject) => {
      let next = 0;
      let inflight = 0;
      let written = 0;
      let failed = false;
      const pump = () => {
        while (!failed && inflight < WRITE_WINDOW && next < total) {
          const start = next;
          const len = Math.min(WRITE_CHUNK, total - start);
          next += len;
          inflight++;
          sftp.write(handle, data, start, len, start, (err) => {
            inflight--;
            if (failed) return;
            if (err) {
              failed = true;
              return reject(wrapSftpError("write", path, err));
            }
            written += len;
            try {
              onProgress?.(written, total);
            } catch (e) {
              failed = true;
              return reject(e instanceof Error ? e : new Error(String(e)));
            }
            if (written === total) resolve();
            else pump();
          });
        }
      };
      pump();
    });
  }

  // ---- closing ----------------------------------------------------------------------------

  /** Close gracefully (waits up to 5 s, then drops the socket). Idempotent. */
  async close(): Promise<void> {
    if (!this.closedReason) {
      this.markClosed(new ConnectionClosedError("closed by this side"));
      try {
        this.client.end();
      } catch {
        /* ignore */
      }
    }
    const t = setTimeout(() => this.client.destroy(), 5_000);
    await this.closedPromise;
    clearTimeout(t);
  }

  /** Drop the connection at once (no goodbye). Pending operations reject with ConnectionClosedError. */
  destroy(): void {
    this.markClosed(new ConnectionClosedError("destroyed by this side"));
    this.client.destroy();
  }
}

/**
 * Send an SSH "signal" channel request (RFC 4254 6.9; OpenSSH honours it since 7.9). ssh2's
 * channel.signal() silently does nothing once our side of the channel is half-closed (stdin ended),
 * which is always the case for exec here, so go through the protocol object directly.
 */
function sendSignal(ch: ClientChannel, name: string) {
  const c = ch as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, sig: string) => void } };
  };
  try {
    const id = c.outgoing?.id;
    const proto = c._client?._protocol;
    const state = c.outgoing?.state;
    if (typeof id === "number" && (state === "open" || state === "eof") && typeof proto?.signal === "function") {
      proto.signal(id, name);
    } else {
      ch.signal(name);
    }
  } catch {
    /* channel already gone */
  }
}

function hasExtension(sftp: SFTPWrapper, name: string): boolean {
  // ssh2 records the server's SFTP extensions (name -> version) in `_extensions`.
  const ext = (sftp as unknown as { _extensions?: Record<string, string> })._extensions;
  return !!ext && Object.prototype.hasOwnProperty.call(ext, name);
}

function isNoSuchFile(err: unknown): boolean {
  return err instanceof SftpError && err.status === SFTP_STATUS.NO_SUCH_FILE;
}

function wrapSftpError(op: string, path: string, err: Error & { code?: unknown }): SshError {
  if (err instanceof SshError) return err;
  const status = typeof err.code === "number" ? err.code : undefined;
  return new SftpError(op, path, status, err.message, err);
}

function toRemoteStat(st: Stats): RemoteStat {
  const type = st.isDirectory() ? "directory" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : "other";
  return {
    type,
    size: st.size,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: new Date(st.mtime * 1000),
  };
}
