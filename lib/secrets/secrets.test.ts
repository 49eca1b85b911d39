import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, resetSecretKeyCache } from "./index";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-secrets-"));

afterEach(() => {
  delete process.env.APP_SECRET_KEY;
  resetSecretKeyCache();
});

describe("secrets at rest", () => {
  it("creates the key file with mode 0600 and round-trips with AES-256-GCM", () => {
    process.env.APP_KEY_FILE = path.join(dir, "k1");
    resetSecretKeyCache();
    const stored = encryptSecret("pässword with ünïcode");
    expect(fs.statSync(process.env.APP_KEY_FILE).mode & 0o777).toBe(0o600);
    expect(stored).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(stored).not.toContain("password");
    expect(decryptSecret(stored)).toBe("pässword with ünïcode");
    expect(encryptSecret("same")).not.toBe(encryptSecret("same"));
  });

  it("refuses a tampered ciphertext and a foreign key", () => {
    process.env.APP_KEY_FILE = path.join(dir, "k2");
    resetSecretKeyCache();
    const stored = encryptSecret("secret");
    const parts = stored.split(":");
    const ct = Buffer.from(parts[3], "base64url");
    ct[0] ^= 1;
    expect(() => decryptSecret([...parts.slice(0, 3), ct.toString("base64url")].join(":"))).toThrow();
    process.env.APP_SECRET_KEY = "00".repeat(32);
    resetSecretKeyCache();
    expect(() => decryptSecret(stored)).toThrow();
  });

  it("rejects a key of the wrong length", () => {
    process.env.APP_SECRET_KEY = "abcd";
    resetSecretKeyCache();
    expect(() => encryptSecret("x")).toThrow(/32 bytes/);
  });
});
