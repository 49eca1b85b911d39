/**
 * The SQLite driver adapter on real files: one connection whatever the number of transactions,
 * rollback and failed commits leave nothing half done, another process's lock is waited for (as
 * better-sqlite3 did) instead of failing at once with SQLITE_BUSY, and any path works.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { adapterDatabases } from "@/test/support/adapter-db";
import { openSqlite } from "@/test/support/sqlite";
import { BUSY_TIMEOUT_MS } from "./adapter";

const { database, closeAll } = adapterDatabases("bhd-adapter-");
afterAll(closeAll);

const openFiles = (): number => fs.readdirSync("/proc/self/fd").length;

describe("SqliteAdapter", () => {
  it("puts the file in WAL mode, commits still on disk when acknowledged (synchronous FULL), and another reader sees them", async () => {
    const { file, prisma } = database();
    await prisma.setting.create({ data: { key: "wal", value: "1" } });
    const rows = await prisma.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
    expect(rows[0].journal_mode).toBe("wal");
    expect(Number((await prisma.$queryRawUnsafe<{ synchronous: number | bigint }[]>("PRAGMA synchronous"))[0].synchronous)).toBe(2);
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    // The mode is the file's: a connection of its own reads it, and the committed row.
    const other = openSqlite(file);
    try {
      expect(other.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
      expect(other.prepare(`SELECT value FROM "Setting" WHERE key = 'wal'`).get()).toEqual({ value: "1" });
    } finally {
      other.close();
    }
  });

  it("keeps one connection: 300 transactions open no files (stock @libsql/client leaves one per transaction)", async () => {
    const { prisma } = database();
    await prisma.setting.create({ data: { key: "n", value: "0" } });
    const before = openFiles();
    for (let i = 1; i <= 300; i++) {
      await prisma.$transaction(async (tx) => {
        await tx.setting.update({ where: { key: "n" }, data: { value: String(i) } });
      });
    }
    expect(openFiles() - before).toBeLessThan(5);
    expect((await prisma.setting.findUnique({ where: { key: "n" } }))?.value).toBe("300");
  });

  it("rolls back a transaction that throws, and queries outside wait for the transaction to end", async () => {
    const { prisma } = database();
    let outside: string | undefined;
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.setting.create({ data: { key: "half", value: "done" } });
        // Issued while the transaction is open: served only after it ended, so it cannot see "half".
        void prisma.setting.findUnique({ where: { key: "half" } }).then((r) => (outside = r?.value ?? "absent"));
        await new Promise((r) => setTimeout(r, 50));
        expect(outside).toBeUndefined();
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await new Promise((r) => setTimeout(r, 20));
    expect(outside).toBe("absent");
    expect(await prisma.setting.count()).toBe(0);
    // The connection is usable (not left inside a transaction).
    await prisma.setting.create({ data: { key: "after", value: "ok" } });
    expect(await prisma.setting.count()).toBe(1);
  });

  it("a COMMIT that fails (deferred foreign key) is rolled back, not left open on the connection", async () => {
    const { prisma } = database();
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("PRAGMA defer_foreign_keys = ON");
        await tx.$executeRawUnsafe(`INSERT INTO Device (name, storageDaemonId, mediaType, archiveDevice, updatedAt) VALUES ('orphan', 999, 'File', '/srv', '2026-01-01T00:00:00.000+00:00')`);
      }),
    ).rejects.toThrow(/FOREIGN KEY/i);
    expect(await prisma.device.count()).toBe(0);
    await prisma.$transaction(async (tx) => {
      await tx.setting.create({ data: { key: "next", value: "tx" } });
    });
    expect(await prisma.setting.count()).toBe(1);
  });

  it("waits for a lock another process holds instead of failing with SQLITE_BUSY", async () => {
    const { file, prisma } = database();
    await prisma.setting.create({ data: { key: "k", value: "before" } });
    const HOLD_MS = 700;
    // Another process takes the write lock, says so, and holds it a while.
    const holder = spawn(
      process.execPath,
      [
        "-e",
        `const D = require("libsql"); const d = new D(process.argv[1]); d.exec("BEGIN IMMEDIATE");
         d.prepare("UPDATE Setting SET value = 'holder' WHERE key = 'k'").run(); console.log("locked");
         setTimeout(() => { d.exec("COMMIT"); d.close(); }, ${HOLD_MS});`,
        file,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on("data", (b: Buffer) => b.toString().includes("locked") && resolve());
      holder.on("exit", (code) => reject(new Error(`holder exited ${code}`)));
    });
    const t0 = Date.now();
    await prisma.setting.update({ where: { key: "k" }, data: { value: "app" } });
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThan(HOLD_MS / 2);
    expect(waited).toBeLessThan(BUSY_TIMEOUT_MS);
    expect((await prisma.setting.findUnique({ where: { key: "k" } }))?.value).toBe("app");
  });

  it("opens a file whose path holds a space, '#' and '?'", async () => {
    const { file, prisma } = database("with space #and?query");
    await prisma.setting.create({ data: { key: "x", value: "y" } });
    expect(fs.existsSync(file)).toBe(true);
    expect(await prisma.setting.count()).toBe(1);
  });
});
