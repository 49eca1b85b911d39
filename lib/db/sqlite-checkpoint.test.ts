/**
 * The log's checkpoint after a large write transaction (sqlite-checkpoint.ts, on its worker
 * thread), on real files through the app's adapter. In WAL mode only a checkpoint writes the database file itself, so its
 * size tells whether one ran: SQLite's own checkpoint waits for 1,000 pages in the log, and the
 * transactions here write far fewer.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { adapterDatabases } from "@/test/support/adapter-db";
import { openSqlite } from "@/test/support/sqlite";
import Database from "libsql";
import { CHECKPOINT_AFTER_CHANGES, CheckpointAfterLargeWrites } from "./sqlite-checkpoint";

const { database, closeAll } = adapterDatabases("bhd-checkpoint-");
afterAll(closeAll);

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
  it("copies a transaction of many rows into the database file after its COMMIT; a small one stays in the log", async () => {
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
    // What the database file itself holds (a copy of it alone, without the log) comes to every
    // committed row, the small transaction's too. (The file grows while the checkpoint copies, so
    // its size alone says only that one started.)
    const rowsInFile = () => {
      fs.copyFileSync(file, `${file}-copy`);
      const copy = openSqlite(`${file}-copy`);
      try {
        return (copy.prepare(`SELECT count(*) AS n FROM "Setting" WHERE key LIKE 'big-%' OR key LIKE 'small-%'`).get() as { n: number }).n;
      } catch {
        return -1; // a copy taken mid-way
      } finally {
        copy.close();
        for (const f of [`${file}-copy`, `${file}-copy-wal`, `${file}-copy-shm`]) fs.rmSync(f, { force: true });
      }
    };
    expect(await until(() => rowsInFile() === CHECKPOINT_AFTER_CHANGES + 220)).toBe(true);
    // (~160 pages in all: SQLite's own checkpoint would not have run before 1,000.)
    expect(size(file) - before).toBeLessThan(1000 * 4096);
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

  it("runs beside a transaction that began meanwhile on the app's connection, which commits whole", async () => {
    const { file, prisma } = database();
    await prisma.setting.findMany();
    const before = size(file);
    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(insertRows("first-", CHECKPOINT_AFTER_CHANGES + 10));
    });
    // Another transaction at once, open across several turns of the event loop.
    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(insertRows("second-", 10));
      await new Promise((r) => setTimeout(r, 60));
      await tx.$executeRawUnsafe(insertRows("third-", 10));
    });
    expect(await until(() => size(file) > before)).toBe(true);
    expect(await prisma.setting.count({ where: { OR: [{ key: { startsWith: "second-" } }, { key: { startsWith: "third-" } }] } })).toBe(20);
  });

  it("keeps no process alive: a command line exits right after a large import's COMMIT, its client closed or not", async () => {
    const { file } = database();
    const script = path.join(path.dirname(file), "child.mts");
    fs.writeFileSync(
      script,
      `import { PrismaClient } from ${JSON.stringify(createRequire(import.meta.url).resolve("@prisma/client"))};
import { SqliteAdapter } from ${JSON.stringify(path.resolve("lib/db/adapter.ts"))};
const prisma = new PrismaClient({ adapter: new SqliteAdapter(${JSON.stringify(file)}) });
await prisma.$transaction(async (tx) => { await tx.$executeRawUnsafe(${JSON.stringify(insertRows("cli-", CHECKPOINT_AFTER_CHANGES + 10))}); });
console.log("committed");
// (no $disconnect: a process that ends without closing its client must still end)
`,
    );
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: process.cwd(), encoding: "utf8", timeout: 30_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("committed");
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const db = openSqlite(file);
    try {
      expect(db.prepare(`SELECT count(*) AS n FROM "Setting" WHERE key LIKE 'cli-%'`).get()).toEqual({ n: CHECKPOINT_AFTER_CHANGES + 10 });
    } finally {
      db.close();
    }
  });

  it("has its thread started by a large rolled-back transaction (a dry run), not by a small one, and checkpoints nothing then", async () => {
    const { file, prisma } = database();
    await prisma.setting.findMany();
    const db = new Database(file);
    const checkpoints = new CheckpointAfterLargeWrites(db, file);
    try {
      const rolledBack = (n: number) => {
        const since = checkpoints.mark();
        db.exec("BEGIN IMMEDIATE");
        db.exec(insertRows(`dry${n}-`, n));
        db.exec("ROLLBACK");
        checkpoints.rolledBack(since);
      };
      const before = size(file);
      rolledBack(CHECKPOINT_AFTER_CHANGES - 1);
      expect(checkpoints.started).toBe(false);
      rolledBack(CHECKPOINT_AFTER_CHANGES + 10);
      expect(checkpoints.started).toBe(true);
      await turns(3);
      await new Promise((r) => setTimeout(r, 30));
      expect(size(file)).toBe(before);
      // The large COMMIT after it uses that thread: the file grows by its checkpoint.
      const since = checkpoints.mark();
      db.exec("BEGIN IMMEDIATE");
      db.exec(insertRows("kept-", CHECKPOINT_AFTER_CHANGES + 10));
      db.exec("COMMIT");
      checkpoints.committed(since);
      expect(await until(() => size(file) > before)).toBe(true);
    } finally {
      checkpoints.close();
      db.close();
    }
  });

  it("through the app's adapter: a large dry run (rolled back) starts the thread, a small one does not, and the large COMMIT after it starts none", async () => {
    const { prisma } = database();
    await prisma.setting.findMany();
    // Each Worker of the process gets the next thread id: a probe's id tells how many were started since the last probe.
    const probe = async () => {
      const w = new Worker("", { eval: true });
      const id = w.threadId;
      await w.terminate();
      return id;
    };
    const dryRun = (p: string, n: number) =>
      expect(
        prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe(insertRows(p, n));
          throw new Error("dry run");
        }),
      ).rejects.toThrow("dry run");
    const a = await probe();
    await dryRun("small-", 10);
    const b = await probe();
    expect(b - a).toBe(1);
    await dryRun("large-", CHECKPOINT_AFTER_CHANGES + 10);
    const c = await probe();
    expect(c - b).toBe(2);
    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(insertRows("real-", CHECKPOINT_AFTER_CHANGES + 10));
    });
    const d = await probe();
    expect(d - c).toBe(1);
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
