/**
 * data/ holds the database (password hashes, encrypted secrets), the secret key and the setup
 * token: a fresh run creates the folder 0700 and the database 0600, through the real migrate
 * command (prisma.config.ts opens the file through lib/db/url.ts) and the app's own code.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe("data folder and database permissions", () => {
  it("`prisma migrate deploy` on a fresh path creates the folder 0700 and the database 0600", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-perm-"));
    const data = path.join(root, "fresh", "data");
    const db = path.join(data, "app.db");
    const r = spawnSync(process.execPath, ["node_modules/prisma/build/index.js", "migrate", "deploy"], {
      env: { ...process.env, DATABASE_URL: `file:${db}`, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(mode(path.join(root, "fresh"))).toBe(0o700);
    expect(mode(data)).toBe(0o700);
    expect(mode(db)).toBe(0o600);
    for (const f of fs.readdirSync(data)) expect(mode(path.join(data, f)), f).toBe(0o600);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it("the app tightens an existing database to 0600 and creates the key and setup token folders 0700", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-perm-"));
    const db = path.join(root, "old.db");
    fs.writeFileSync(db, "", { mode: 0o644 });
    fs.chmodSync(db, 0o644);
    const { sqliteFileReady } = await import("@/lib/db/url");
    sqliteFileReady(`file:${db}`);
    expect(mode(db)).toBe(0o600);
    process.env.APP_KEY_FILE = path.join(root, "keys", "secret.key");
    const { resetSecretKeyCache, secretKey } = await import("@/lib/secrets");
    resetSecretKeyCache();
    secretKey();
    expect(mode(path.join(root, "keys"))).toBe(0o700);
    expect(mode(path.join(root, "keys", "secret.key"))).toBe(0o600);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
