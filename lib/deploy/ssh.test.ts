/**
 * The SSH transport against a real OpenSSH server (scripts/testenv/sshd.sh via test/support/sshd).
 * Without sshd these tests fail with a clear message; they are never skipped.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import fc from "fast-check";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSshd, type TestSshd } from "../../test/support/sshd";
import {
  AuthFailedError,
  CommandTimeoutError,
  ConnectFailedError,
  ConnectTimeoutError,
  ConnectionClosedError,
  HostKeyMismatchError,
  HostKeyUnknownError,
  PrivateKeyInvalidError,
  SshError,
  connect,
  fetchHostKeyFingerprint,
  fingerprintOfPublicKeyLine,
  normalizeFingerprint,
  type SshConnection,
} from "./ssh";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function keygenFingerprint(pubPath: string): string {
  return execFileSync("ssh-keygen", ["-lf", pubPath], { encoding: "utf8" }).split(/\s+/)[1];
}

function opts(sshd: TestSshd, over: Partial<Parameters<typeof connect>[0]> = {}) {
  return {
    host: sshd.host,
    port: sshd.port,
    username: sshd.user,
    privateKey: sshd.privateKey,
    pinnedFingerprint: sshd.hostKeyFingerprint,
    connectTimeoutMs: 10_000,
    ...over,
  };
}

async function catchErr(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

describe("ssh transport (real sshd)", () => {
  let sshd: TestSshd;
  let conn: SshConnection;

  beforeAll(async () => {
    sshd = await startSshd();
    conn = await connect(opts(sshd));
  });

  afterAll(async () => {
    await conn?.close();
    await sshd?.stop();
  });

  describe("connect", () => {
    it("connects with the pinned fingerprint and runs uname", async () => {
      expect(conn.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
      expect(conn.hostKeyType).toBe("ssh-ed25519");
      const r = await conn.exec(["uname"], { timeoutMs: 10_000 });
      expect(r).toMatchObject({ code: 0, signal: null, stdout: "Linux\n", stderr: "" });
      const who = await conn.exec(["id", "-un"], { timeoutMs: 10_000 });
      expect(who.stdout.trim()).toBe(sshd.user);
    });

    it("accepts a pin without padding/prefix variations", () => {
      const fp = sshd.hostKeyFingerprint;
      expect(normalizeFingerprint(fp + "=")).toBe(fp);
      expect(normalizeFingerprint(" " + fp.slice("SHA256:".length) + " ")).toBe(fp);
      expect(normalizeFingerprint("MD5:aa:bb")).toBeNull();
    });

    it("refuses an unknown host key before authenticating, reporting the presented fingerprint", async () => {
      const expected = keygenFingerprint(sshd.hostPublicKeyPath);
      expect(expected).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      const authLinesBefore = (sshd.log().match(/publickey/g) ?? []).length;

      const err = await catchErr(connect(opts(sshd, { pinnedFingerprint: null })));
      expect(err).toBeInstanceOf(HostKeyUnknownError);
      const e = err as HostKeyUnknownError;
      expect(e.code).toBe("HOST_KEY_UNKNOWN");
      expect(e.presentedFingerprint).toBe(expected);
      expect(e.keyType).toBe("ssh-ed25519");
      expect(e.message).toContain(expected);

      // sshd saw no authentication attempt at all.
      await sleep(100);
      expect((sshd.log().match(/publickey/g) ?? []).length).toBe(authLinesBefore);
    });

    it("fetchHostKeyFingerprint learns the fingerprint without authenticating", async () => {
      const expected = keygenFingerprint(sshd.hostPublicKeyPath);
      expect(await fetchHostKeyFingerprint(sshd.host, sshd.port, { timeoutMs: 5_000 })).toBe(expected);
      expect(fingerprintOfPublicKeyLine(sshd.publicKey)).toBe(keygenFingerprint(sshd.privateKeyPath + ".pub"));
    });

    it("a wrong private key fails with AuthFailedError", async () => {
      const other = ssh2.utils.generateKeyPairSync("ed25519");
      const err = await catchErr(connect(opts(sshd, { privateKey: other.private })));
      expect(err).toBeInstanceOf(AuthFailedError);
      expect((err as SshError).code).toBe("AUTH_FAILED");
      expect((err as Error).message).toContain(sshd.user);
    });

    it("an unusable private key fails with PrivateKeyInvalidError", async () => {
      const err = await catchErr(connect(opts(sshd, { privateKey: "not a key" })));
      expect(err).toBeInstanceOf(PrivateKeyInvalidError);
      const enc = ssh2.utils.generateKeyPairSync("ed25519", { passphrase: "secret", cipher: "aes256-cbc", rounds: 16 });
      const err2 = await catchErr(connect(opts(sshd, { privateKey: enc.private })));
      expect(err2).toBeInstanceOf(PrivateKeyInvalidError);
    });

    it("a refused port fails with ConnectFailedError (ECONNREFUSED)", async () => {
      const srv = createServer();
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      const port = (srv.address() as { port: number }).port;
      await new Promise<void>((r) => srv.close(() => r()));
      const err = await catchErr(connect(opts(sshd, { port })));
      expect(err).toBeInstanceOf(ConnectFailedError);
      expect((err as ConnectFailedError).sysCode).toBe("ECONNREFUSED");
    });

    it("a server that never speaks fails with ConnectTimeoutError", async () => {
      const sockets: import("node:net").Socket[] = [];
      const silent: Server = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
      const port = (silent.address() as { port: number }).port;
      try {
        const t0 = Date.now();
        const err = await catchErr(connect(opts(sshd, { port, connectTimeoutMs: 700 })));
        expect(err).toBeInstanceOf(ConnectTimeoutError);
        expect(Date.now() - t0).toBeLessThan(3_000);
        const err2 = await catchErr(fetchHostKeyFingerprint("127.0.0.1", port, { timeoutMs: 500 }));
        expect(err2).toBeInstanceOf(ConnectTimeoutError);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => silent.close(() => r()));
      }
    });
  });

  describe("exec", () => {
    const nasty = [
      "",
      " leading and trailing ",
      "it's",
      "'\"'\"'",
      '"double"',
      "$(touch /tmp/bhd-ssh-pwned)",
      "`touch /tmp/bhd-ssh-pwned`",
      "; touch /tmp/bhd-ssh-pwned; #",
      "a && b || c | d > /tmp/bhd-ssh-pwned",
      "line1\nline2\n",
      "\n",
      "tab\there",
      "$HOME ${PATH} $$ $? $0",
      "* ? [a-z] ~ ~root",
      "\\ \\\\ \\n",
      "!! !$",
      "-n",
      "é 日本 🙂",
    ];

    it("passes nasty arguments byte-exact, each as one argument, without running anything", async () => {
      const r = await conn.exec(["printf", "%s\\0", ...nasty], { timeoutMs: 10_000 });
      expect(r.code).toBe(0);
      const got = r.stdout.split("\0");
      expect(got.pop()).toBe("");
      expect(got).toEqual(nasty);
      expect(existsSync("/tmp/bhd-ssh-pwned")).toBe(false);
    });

    it("property: remote printf %s s returns exactly s", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: "binary", maxLength: 100 }).filter((s) => !s.includes("\0")),
          async (s) => {
            const r = await conn.exec(["printf", "%s", s], { timeoutMs: 10_000 });
            expect(r.stdout).toBe(s);
          },
        ),
        { numRuns: 40 },
      );
    });

    it("reports exit codes and stderr, and feeds stdin", async () => {
      const r = await conn.exec(["sh", "-c", "echo out; echo err >&2; exit 7"], { timeoutMs: 10_000 });
      expect(r).toMatchObject({ code: 7, stdout: "out\n", stderr: "err\n" });
      const input = "line 1\n'quoted' $(not run)\n" + "x".repeat(200_000);
      const c = await conn.exec(["cat"], { timeoutMs: 10_000, stdin: input });
      expect(c.code).toBe(0);
      expect(c.stdout).toBe(input);
    });

    it("a command timeout kills the command and throws CommandTimeoutError; the connection stays usable", async () => {
      const t0 = Date.now();
      const err = await catchErr(conn.exec(["sh", "-c", "echo $$; exec sleep 30"], { timeoutMs: 800 }));
      const elapsed = Date.now() - t0;
      expect(err).toBeInstanceOf(CommandTimeoutError);
      const e = err as CommandTimeoutError;
      expect(e.code).toBe("COMMAND_TIMEOUT");
      expect(elapsed).toBeGreaterThanOrEqual(750);
      expect(elapsed).toBeLessThan(3_000);
      const pid = e.stdout.trim();
      expect(pid).toMatch(/^\d+$/);
      // The remote process got KILL (no orphaned sleep).
      let alive = true;
      for (let i = 0; i < 20 && alive; i++) {
        const k = await conn.exec(["kill", "-0", pid], { timeoutMs: 5_000 });
        alive = k.code === 0;
        if (alive) await sleep(100);
      }
      expect(alive).toBe(false);
      const ok = await conn.exec(["true"], { timeoutMs: 5_000 });
      expect(ok.code).toBe(0);
    });

    it("refuses an empty argv", async () => {
      await expect(conn.exec([], { timeoutMs: 1000 })).rejects.toBeInstanceOf(SshError);
    });
  });

  describe("sftp", () => {
    it("writeFileAtomic then readFile round-trips text and binary, with the exact mode", async () => {
      const p = `${sshd.remoteDir}/etc/bacula/bacula-dir.conf`;
      await conn.mkdirp(`${sshd.remoteDir}/etc/bacula`, 0o750);
      expect((await conn.stat(`${sshd.remoteDir}/etc/bacula`))?.type).toBe("directory");
      await conn.mkdirp(`${sshd.remoteDir}/etc/bacula`); // idempotent

      const text = 'Director {\n  Name = "bacula-dir"\n  Password = "p\\"w"\n}\n';
      await conn.writeFileAtomic(p, text, 0o640);
      expect(await conn.readTextFile(p)).toBe(text);
      const st = await conn.stat(p);
      expect(st).toMatchObject({ type: "file", size: Buffer.byteLength(text), mode: 0o640 });

      // Overwrite; the mode is exact regardless of the remote umask (022 would turn 666 into 644).
      const bin = randomBytes(300_000);
      await conn.writeFileAtomic(p, bin, 0o666);
      expect((await conn.readFile(p))!.equals(bin)).toBe(true);
      expect((await conn.stat(p))!.mode).toBe(0o666);

      // Empty content.
      await conn.writeFileAtomic(p, "", 0o600);
      expect((await conn.readFile(p))!.length).toBe(0);

      // No temporary files left behind.
      const ls = await conn.exec(["ls", "-A", `${sshd.remoteDir}/etc/bacula`], { timeoutMs: 5_000 });
      expect(ls.stdout).toBe("bacula-dir.conf\n");
    });

    it("readFile and stat return null for missing files; rename and remove work", async () => {
      expect(await conn.readFile(`${sshd.remoteDir}/nope`)).toBeNull();
      expect(await conn.stat(`${sshd.remoteDir}/nope`)).toBeNull();
      const a = `${sshd.remoteDir}/a.txt`;
      const b = `${sshd.remoteDir}/b.txt`;
      await conn.writeFileAtomic(a, "A", 0o644);
      await conn.writeFileAtomic(b, "B", 0o644);
      await conn.rename(a, b); // replaces the existing target
      expect(await conn.readTextFile(b)).toBe("A");
      expect(await conn.stat(a)).toBeNull();
      expect(await conn.remove(b)).toBe(true);
      expect(await conn.remove(b)).toBe(false);
      await conn.mkdirp(`${sshd.remoteDir}/d1/d2`);
      expect(await conn.remove(`${sshd.remoteDir}/d1/d2`)).toBe(true);
      expect(await conn.remove(`${sshd.remoteDir}/d1`)).toBe(true);
    });

    it("reports SFTP errors with the path (permission denied)", async () => {
      const err = await catchErr(conn.writeFileAtomic("/root/forbidden.conf", "x", 0o600));
      expect((err as SshError).code).toBe("SFTP_ERROR");
      expect((err as Error).message).toContain("/root/");
    });
  });
});

describe("atomic upload under connection cuts (real sshd)", () => {
  let sshd: TestSshd;
  const big = randomBytes(48 * 1024 * 1024);
  const old = "old content\n";

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  async function fresh() {
    return connect(opts(sshd));
  }

  async function checkTarget(path: string, expectOld: boolean) {
    const c = await fresh();
    try {
      const content = await c.readFile(path);
      if (expectOld) expect(content?.toString("utf8")).toBe(old);
      else expect(content).toBeNull();
    } finally {
      await c.close();
    }
  }

  for (const withOld of [true, false]) {
    it(`server-side kill mid-transfer leaves the target ${withOld ? "with its old content" : "absent"}`, async () => {
      const target = `${sshd.remoteDir}/server-cut-${withOld}.conf`;
      if (withOld) {
        const c = await fresh();
        await c.writeFileAtomic(target, old, 0o640);
        await c.close();
      }
      const conn = await fresh();
      let killed: Promise<number> | null = null;
      let maxWritten = 0;
      const err = await catchErr(
        conn.writeFileAtomic(target, big, 0o640, {
          onProgress: (w) => {
            maxWritten = w;
            if (!killed && w >= 4 * 1024 * 1024) killed = sshd.killSessions();
          },
        }),
      );
      expect(killed).not.toBeNull();
      expect(await killed!).toBeGreaterThan(0);
      expect(err).toBeInstanceOf(SshError);
      expect(maxWritten).toBeLessThan(big.length);
      expect(conn.isClosed).toBe(true);
      await checkTarget(target, withOld);
    });
  }

  for (const fraction of [0, 0.1, 0.5, 0.99]) {
    it(`client-side socket drop at ${fraction * 100}% leaves the old content`, async () => {
      const target = `${sshd.remoteDir}/client-cut-${fraction}.conf`;
      const setup = await fresh();
      await setup.writeFileAtomic(target, old, 0o640);
      await setup.close();
      const conn = await fresh();
      const at = Math.floor(big.length * fraction);
      let dropped = false;
      const err = await catchErr(
        conn.writeFileAtomic(target, big, 0o640, {
          onProgress: (w) => {
            if (!dropped && w >= at) {
              dropped = true;
              conn.destroy();
            }
          },
        }),
      );
      expect(dropped).toBe(true);
      expect(err).toBeInstanceOf(ConnectionClosedError);
      await checkTarget(target, true);
    });
  }

  it("after the cuts, a full upload still succeeds", async () => {
    const conn = await fresh();
    const target = `${sshd.remoteDir}/client-cut-0.5.conf`;
    await conn.writeFileAtomic(target, big, 0o640);
    const back = await conn.readFile(target, { timeoutMs: 60_000 });
    expect(back!.equals(big)).toBe(true);
    await conn.close();
  });
});

describe("host key rotation (real sshd)", () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it("a pin that no longer matches is refused with HostKeyMismatchError (expected vs presented)", async () => {
    const oldFp = sshd.hostKeyFingerprint;
    const c = await connect(opts(sshd));
    await c.close();

    const newFp = await sshd.rotateHostKey();
    expect(newFp).not.toBe(oldFp);
    expect(newFp).toBe(keygenFingerprint(sshd.hostPublicKeyPath));

    const err = await catchErr(connect(opts(sshd, { pinnedFingerprint: oldFp })));
    expect(err).toBeInstanceOf(HostKeyMismatchError);
    const e = err as HostKeyMismatchError;
    expect(e.code).toBe("HOST_KEY_MISMATCH");
    expect(e.expectedFingerprint).toBe(oldFp);
    expect(e.presentedFingerprint).toBe(newFp);
    expect(e.message).toContain(oldFp);
    expect(e.message).toContain(newFp);

    // Re-pinning the new key works.
    const c2 = await connect(opts(sshd, { pinnedFingerprint: newFp }));
    expect((await c2.exec(["true"], { timeoutMs: 5_000 })).code).toBe(0);
    await c2.close();
  });

  it("refuses a malformed pin before connecting", async () => {
    const err = await catchErr(connect(opts(sshd, { pinnedFingerprint: "MD5:00:11" })));
    expect((err as SshError).code).toBe("INVALID_ARGUMENT");
  });
});
