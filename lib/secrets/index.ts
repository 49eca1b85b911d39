import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { privateDir } from "@/lib/db/url";

/**
 * Secrets at rest: AES-256-GCM with a 32-byte key from APP_SECRET_KEY (base64 or hex) or from a key
 * file (APP_KEY_FILE, default data/secret.key) that is created on first use with mode 0600.
 * Stored form: "v1:<iv>:<tag>:<ciphertext>", each part base64url.
 */
const PREFIX = "v1";
let cachedKey: Buffer | null = null;
/** The key as a KeyObject, made once: createCipheriv with a Buffer makes one on every call (~25% of an encryption). */
let cachedKeyObject: crypto.KeyObject | null = null;

function keyObject(): crypto.KeyObject {
  return (cachedKeyObject ??= crypto.createSecretKey(secretKey()));
}

function parseKey(raw: string): Buffer {
  const trimmed = raw.trim();
  const asHex = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, "hex") : null;
  const key = asHex ?? Buffer.from(trimmed, "base64");
  if (key.length !== 32) {
    throw new Error("APP_SECRET_KEY must be 32 bytes, as 64 hex characters or base64");
  }
  return key;
}

export function keyFilePath(): string {
  return process.env.APP_KEY_FILE ?? path.resolve(/*turbopackIgnore: true*/ process.cwd(), "data", "secret.key");
}

export function secretKey(): Buffer {
  if (cachedKey) return cachedKey;
  if (process.env.APP_SECRET_KEY) {
    cachedKey = parseKey(process.env.APP_SECRET_KEY);
    return cachedKey;
  }
  const file = keyFilePath();
  if (!fs.existsSync(file)) {
    privateDir(path.dirname(file));
    const fresh = crypto.randomBytes(32).toString("base64");
    try {
      fs.writeFileSync(file, fresh + "\n", { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) fs.chmodSync(file, 0o600);
  cachedKey = parseKey(fs.readFileSync(file, "utf8"));
  return cachedKey;
}

/** For tests that switch keys. */
export function resetSecretKeyCache(): void {
  cachedKey = null;
  cachedKeyObject = null;
}

export function encryptSecret(plain: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", keyObject(), iv);
  const ct = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [PREFIX, iv.toString("base64url"), tag.toString("base64url"), ct.toString("base64url")].join(":");
}

export function decryptSecret(stored: string): string {
  const parts = stored.split(":");
  if (parts.length !== 4 || parts[0] !== PREFIX) throw new Error("not an encrypted secret");
  const [, iv, tag, ct] = parts;
  const decipher = crypto.createDecipheriv("aes-256-gcm", keyObject(), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}

export function isEncrypted(value: string): boolean {
  return value.startsWith(PREFIX + ":") && value.split(":").length === 4;
}

/** What the UI shows for a stored secret. */
export const MASK = "••••••••";

/** Derives a separate key for another purpose (e.g. session signing), so one leak does not give both. */
export function derivedKey(purpose: string): Uint8Array {
  return new Uint8Array(crypto.hkdfSync("sha256", secretKey(), Buffer.alloc(0), Buffer.from(purpose), 32));
}
