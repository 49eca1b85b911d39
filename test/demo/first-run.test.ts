/**
 * First run, as `npm run demo` does it, on real SQLite files: the server's start-up
 * (instrumentation.ts) loads the demo topology into an empty database unless DEMO_SEED=0, and so
 * does `npm run seed` (prisma/seed.ts, a real child process).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PrismaClient } from "@prisma/client";
import { describe, expect, it } from "vitest";
import { applyMigrations, freshDatabase } from "../support/db";
import { openSqlite } from "../support/sqlite";
import { SqliteAdapter } from "@/lib/db/adapter";

freshDatabase();
process.env.NEXT_RUNTIME = "nodejs";
process.env.REPLICATION_POLL = "0";
process.env.ADMIN_PASSWORD = "first-run-password-1";

const { prisma } = await import("@/lib/db/client");
const { register } = await import("@/instrumentation");

describe("first start", () => {
  it("DEMO_SEED=0 starts empty (the first admin is still created); without it the demo is loaded once", async () => {
    process.env.DEMO_SEED = "0";
    await register();
    expect(await prisma.director.count()).toBe(0);
    expect(await prisma.catalogCluster.count()).toBe(0);
    expect(await prisma.user.count()).toBe(1);

    delete process.env.DEMO_SEED;
    await register();
    expect((await prisma.director.findMany({ orderBy: { id: "asc" } })).map((d) => d.name)).toEqual(["bacula-dir", "bacula-dir-standby"]);
    await register();
    expect(await prisma.director.count()).toBe(2);
  });
});

describe("npm run seed", () => {
  const seed = (env: Record<string, string>) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bhd-seed-"));
    const file = path.join(dir, "app.db");
    const db = openSqlite(file);
    applyMigrations(db);
    db.close();
    const out = execFileSync(process.execPath, ["--import", "tsx", "prisma/seed.ts"], {
      env: { ...process.env, DATABASE_URL: `file:${file}`, APP_KEY_FILE: path.join(dir, "secret.key"), ...env },
      encoding: "utf8",
    });
    return { out, file, dir };
  };

  it("honours DEMO_SEED=0, and loads the demo otherwise", async () => {
    for (const [env, directors, said] of [
      [{ DEMO_SEED: "0" }, 0, /DEMO_SEED=0: demo topology not loaded/],
      [{ DEMO_SEED: "1" }, 2, /^demo topology loaded/m],
    ] as const) {
      const { out, file, dir } = seed(env);
      expect(out).toMatch(said);
      const client = new PrismaClient({ adapter: new SqliteAdapter(file) });
      try {
        expect(await client.director.count()).toBe(directors);
      } finally {
        await client.$disconnect();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
