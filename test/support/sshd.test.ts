import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { describe, expect, it } from "vitest";
import { startSshd } from "./sshd";

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

describe("test sshd helper", () => {
  it("starts independent servers, reports facts that ssh-keygen agrees with, and cleans up", async () => {
    const [a, b] = await Promise.all([startSshd(), startSshd()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.dir).not.toBe(b.dir);
      expect(a.hostKeyFingerprint).not.toBe(b.hostKeyFingerprint);
      for (const s of [a, b]) {
        expect(s.host).toBe("127.0.0.1");
        expect(s.user).toBe("bhd-deploy");
        expect(s.privateKey).toContain("OPENSSH PRIVATE KEY");
        const fp = execFileSync("ssh-keygen", ["-lf", s.hostPublicKeyPath], { encoding: "utf8" }).split(/\s+/)[1];
        expect(s.hostKeyFingerprint).toBe(fp);
        expect(await portOpen(s.port)).toBe(true);
        expect(statSync(s.remoteDir).isDirectory()).toBe(true);
        expect(s.log()).toContain("Server listening on 127.0.0.1");
      }
      const shell = execFileSync("getent", ["passwd", "bhd-deploy"], { encoding: "utf8" }).trim().split(":")[6];
      expect(shell).toBe("/bin/bash");
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(existsSync(a.dir)).toBe(false);
    expect(await portOpen(a.port)).toBe(false);
    await a.stop(); // idempotent
  });

  it("rotateHostKey changes the presented key on the same port", async () => {
    const s = await startSshd();
    try {
      const before = s.hostKeyFingerprint;
      const after = await s.rotateHostKey();
      expect(after).not.toBe(before);
      expect(s.hostKeyFingerprint).toBe(after);
      const scanned = execFileSync(
        "sh",
        ["-c", `ssh-keyscan -t ed25519 -p ${s.port} 127.0.0.1 2>/dev/null | ssh-keygen -lf -`],
        { encoding: "utf8" },
      ).split(/\s+/)[1];
      expect(scanned).toBe(after);
    } finally {
      await s.stop();
    }
  });
});
