/**
 * The log's checkpoint after a large write transaction (sqlite-checkpoint.ts), on real files
 * through the app's adapter. In WAL mode only a checkpoint writes the database file itself, so its
 * size tells whether one ran: SQLite's own checkpoint waits for 1,000 pages in the log, and the
 * transactions here write far fewer.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PrismaClient } from "@prisma/client";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations } from "@/test/support/db";
import { openSqlite } from "@/test/support/sqlite";
import { SqliteAdapter } from "./adapter";
import { CHECKPOINT_AFTER_CHANGES } from "./sqlite-checkpoint";

const dirs: string[] = [];
const clients: PrismaClient[] = [];

function database(): { file: string; prisma: PrismaClient } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-checkpoint-"));
  dirs.push(dir);
  const file = path.join(dir, "app.db");
  const db = openSqlite(file);
  applyMigrations(db);
  db.close();
  const prisma = new PrismaClient({ adapter: new SqliteAdapter(file) });
  clients.push(prisma);
  return { file, prisma };
}

afterAll(async () => {
  for (const c of clients) await c.$disconnect();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** `n` Setting rows of ~400 bytes each (prefix `p`) in one statement. */
function insertRows(p: string, n: number): string {
  return `INSERT INTO "Setting" (key, value) WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ${n}) SELECT '${p}' || i, hex(randomblob(200)) FROM c`;
}

const size = (file: string) => fs.statSync(file).size;
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};
async function until(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return cond();
}

describe("the log's checkpoint after a large transaction", () => {
  it("copies a transaction of many rows into the database file once the event loop is free; a small one stays in the log", async () => {
    const { file, prisma } = database();
    await prisma.setting.findMany(); // the connection open, the file in WAL mode
    const before = size(file);

    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(insertRows("small-", 20));
    });
    await turns(3);
    expect(size(file)).toBe(before);

    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(insertRows("big-", CHECKPOINT_AFTER_CHANGES + 200));
    });
    expect(await until(() => size(file) > before)).toBe(true);
    // (~160 pages in all: SQLite's own checkpoint would not have run before 1,000.)
    expect(size(file) - before).toBeLessThan(1000 * 4096);

    // What is in the file is every committed row, the small transaction's too, as another connection reads it without the log.
    fs.rmSync(`${file}-copy`, { force: true });
    fs.copyFileSync(file, `${file}-copy`);
    const copy = openSqlite(`${file}-copy`);
    try {
      expect(copy.prepare(`SELECT count(*) AS n FROM "Setting" WHERE key LIKE 'big-%' OR key LIKE 'small-%'`).get()).toEqual({ n: CHECKPOINT_AFTER_CHANGES + 220 });
    } finally {
      copy.close();
    }
  });

  it("counts the rows of the transaction only, not the connection's earlier ones", async () => {
    const { file, prisma } = database();
    await prisma.setting.findMany();
    const before = size(file);
    // Many small transactions: together past the threshold, each far below it.
    for (let k = 0; k < 12; k++)
      await prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(insertRows(`t${k}-`, 100));
      });
    await turns(3);
    expect(size(file)).toBe(before);
  });

  it("waits for a transaction that began meanwhile on the connection, which commits whole", async () => {
    const { file, prisma } = database();
    await prisma.setting.findMany();
    const before = size(file);
    let sizeInside = -1;
    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(insertRows("first-", CHECKPOINT_AFTER_CHANGES + 10));
    });
    // Another transaction before the event loop comes round, open across several turns of it.
    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(insertRows("second-", 10));
      await new Promise((r) => setTimeout(r, 60));
      sizeInside = size(file);
      await tx.$executeRawUnsafe(insertRows("third-", 10));
    });
    expect(sizeInside).toBe(before);
    expect(await until(() => size(file) > before)).toBe(true);
    expect(await prisma.setting.count({ where: { OR: [{ key: { startsWith: "second-" } }, { key: { startsWith: "third-" } }] } })).toBe(20);
  });

  it("is not run for a rolled-back transaction", async () => {
    const { file, prisma } = database();
    await prisma.setting.findMany();
    const before = size(file);
    await expect(
      prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(insertRows("gone-", CHECKPOINT_AFTER_CHANGES + 10));
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    await turns(3);
    await new Promise((r) => setTimeout(r, 30));
    expect(size(file)).toBe(before);
    expect(await prisma.setting.count({ where: { key: { startsWith: "gone-" } } })).toBe(0);
  });
});
