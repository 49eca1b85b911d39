/**
 * Raw statements on a transaction's own connection (direct.ts), on the run's dialect (TEST_DB):
 * the adapter hands the connection over inside a transaction only, what runs on it is part of the
 * transaction (seen by it, rolled back with it), and a connection kept past its transaction refuses.
 * The bulk writes built on it (bulk.ts) store values as Prisma would and read back the same.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { freshDatabase } from "@/test/support/db";

freshDatabase();
const { prisma } = await import("./client");
const { directQuery, rawQuery } = await import("./direct");
const { holdSetting, incrementSetting, param, readSetting } = await import("./sql");
const { bulkInsert, bulkSetColumn, bulkUpdate, bulkUpsert } = await import("./bulk");

afterAll(async () => {
  await prisma.$disconnect();
});

describe("directQuery", () => {
  it("is offered inside a transaction only, and runs inside it", async () => {
    expect(await directQuery(prisma)).toBeUndefined();
    let kept: Awaited<ReturnType<typeof directQuery>>;
    await expect(
      prisma.$transaction(async (tx) => {
        const run = await directQuery(tx);
        expect(run).toBeDefined();
        kept = run;
        await run!(`INSERT INTO "Setting" ("key", "value") VALUES ('direct-a', 'x')`, []);
        // the transaction sees what ran on its connection
        expect(await tx.setting.findUnique({ where: { key: "direct-a" } })).toMatchObject({ value: "x" });
        expect(await directQuery(tx)).toBe(run);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    // rolled back with the transaction
    expect(await prisma.setting.findUnique({ where: { key: "direct-a" } })).toBeNull();
    // a connection kept past its transaction refuses, even once the connection serves another one
    await prisma.$transaction(async (tx) => {
      await tx.setting.create({ data: { key: "direct-b", value: "y" } });
      await expect(kept!(`SELECT 1 AS one`, [])).rejects.toThrow();
    });
    expect(await prisma.setting.findUnique({ where: { key: "direct-b" } })).toMatchObject({ value: "y" });
  });
});

/** A client whose $queryRawUnsafe calls are counted (the statements that go through Prisma). */
function counted<T extends object>(db: T): { db: T; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(db, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (key !== "$queryRawUnsafe" || typeof v !== "function") return v;
      return (sql: string, ...args: unknown[]) => {
        calls.push(sql);
        return (v as (...a: unknown[]) => unknown).call(target, sql, ...args);
      };
    },
  });
  return { db: proxy, calls };
}

describe("rawQuery and the Setting statements built on it", () => {
  it("in a transaction runs on its connection (one probe through Prisma, then none); outside one, through Prisma, never probing", async () => {
    await prisma.$transaction(async (tx) => {
      const { db, calls } = counted(tx);
      expect(await readSetting(db, "raw-a")).toBeUndefined();
      expect(await incrementSetting(db, "raw-a")).toBe(1);
      expect(await incrementSetting(db, "raw-a")).toBe(2);
      // the hold matches the value it holds, and only that one
      expect(await holdSetting(db, "raw-a", "2")).toBe(true);
      expect(await holdSetting(db, "raw-a", "1")).toBe(false);
      expect(await holdSetting(db, "raw-none", "1")).toBe(false);
      expect(await readSetting(db, "raw-a")).toBe("2");
      expect(await rawQuery(db, `SELECT "value" FROM "Setting" WHERE "key" = ${param(1)}`, ["raw-a"])).toEqual([{ value: "2" }]);
      // everything above ran on the transaction's own connection: Prisma saw the probe alone
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatch(/^SELECT 1 AS "direct_probe_/);
      // and the transaction's own reads see it
      expect(await tx.setting.findUnique({ where: { key: "raw-a" } })).toMatchObject({ value: "2" });
    });
    const { db, calls } = counted(prisma);
    expect(await readSetting(db, "raw-a")).toBe("2");
    expect(await incrementSetting(db, "raw-a")).toBe(3);
    expect(await holdSetting(db, "raw-a", "3")).toBe(true);
    expect(calls).toHaveLength(3);
    expect(calls.some((q) => q.includes("direct_probe_"))).toBe(false);
  });

  it("rolls back with its transaction", async () => {
    await expect(
      prisma.$transaction(async (tx) => {
        expect(await incrementSetting(tx, "raw-b")).toBe(1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await readSetting(prisma, "raw-b")).toBeUndefined();
  });
});

describe("directQuery across copies of the module", () => {
  it("finds the connection when the caller's copy of direct.ts is not the adapter's (Next's server bundles load it more than once)", async () => {
    // A second module instance, as a route chunk has beside the instrumentation chunk that made the client.
    vi.resetModules();
    const other = await import("./direct");
    expect(other.directQuery).not.toBe(directQuery);
    await prisma.$transaction(async (tx) => {
      const run = await other.directQuery(tx);
      expect(run).toBeDefined();
      expect(await run!(`SELECT 2 AS two`, [])).toEqual([{ two: 2 }]);
    });
  });
});

describe("bulkInsert and bulkSetColumn", () => {
  it("write what Prisma reads back: dates, booleans, JSON, nulls, quotes and non-ASCII text", async () => {
    const at = new Date("2026-11-30T12:34:56.789Z");
    const rows = await prisma.$transaction(async (tx) => {
      const made = await bulkInsert(tx, "AuditEvent", [
        { at, actor: "bulk", action: "import-create", entityName: `it's "quoted" \\ é ✓`, after: { a: [1, "two", null], b: { c: true } }, before: null, ip: null },
        { at, actor: "bulk", action: "import-update", entityName: "second", after: JSON.stringify({ changed: ["x"] }) },
      ], ["id", "entityName"]);
      await bulkSetColumn(tx, "AuditEvent", "entityType", [[Number(made[0].id), "pools"], [Number(made[1].id), null]]);
      return made;
    });
    expect(rows.map((r) => r.entityName)).toEqual([`it's "quoted" \\ é ✓`, "second"]);
    const back = await prisma.auditEvent.findMany({ where: { actor: "bulk" }, orderBy: { id: "asc" } });
    expect(back.map((r) => [r.at.toISOString(), r.entityName, r.entityType, r.after, r.before])).toEqual([
      [at.toISOString(), `it's "quoted" \\ é ✓`, "pools", { a: [1, "two", null], b: { c: true } }, null],
      [at.toISOString(), "second", null, { changed: ["x"] }, null],
    ]);
  });

  it("write each row's own date when dates alternate or repeat, and refuse an invalid one", async () => {
    const a = new Date("2026-11-30T10:00:00.001Z");
    const b = new Date("2026-11-30T10:00:00.002Z");
    const dates = [a, a, b, new Date(a.getTime()), b, a];
    await prisma.$transaction((tx) => bulkInsert(tx, "AuditEvent", dates.map((at, i) => ({ at, actor: "bulk-dates", action: "import-create", entityName: `d${i}` }))));
    const back = await prisma.auditEvent.findMany({ where: { actor: "bulk-dates" }, orderBy: { id: "asc" } });
    expect(back.map((r) => r.at.toISOString())).toEqual(dates.map((d) => d.toISOString()));
    await expect(prisma.$transaction((tx) => bulkInsert(tx, "AuditEvent", [{ at: new Date(Number.NaN), actor: "bulk-dates", action: "x" }]))).rejects.toThrow(RangeError);
  });

  it("write the same through Prisma where no connection is offered (a client outside a transaction)", async () => {
    const at = new Date("2026-11-30T01:02:03.004Z");
    const tx = prisma as unknown as Parameters<typeof bulkInsert>[0];
    const made = await bulkInsert(tx, "AuditEvent", [{ at, actor: "bulk-prisma", action: "import", after: { files: ["a"] }, before: JSON.stringify(["b"]) }], ["id", "actor"]);
    expect(made.map((r) => r.actor)).toEqual(["bulk-prisma"]);
    await bulkSetColumn(tx, "AuditEvent", "entityName", [[Number(made[0].id), "set"]]);
    const back = await prisma.auditEvent.findMany({ where: { actor: "bulk-prisma" } });
    expect(back.map((r) => [r.at.toISOString(), r.after, r.before, r.entityName])).toEqual([[at.toISOString(), { files: ["a"] }, ["b"], "set"]]);
  });

  it("write numbers into text columns as the JSON text reads (5, not 5.0; no NaN), and many rows in order", async () => {
    const at = new Date("2026-11-30T05:06:07.008Z");
    // 70 rows: more than one prepared chunk on SQLite, and a remainder
    const rows = Array.from({ length: 70 }, (_, i) => ({ at, actor: "bulk-many", action: "import-create", entityId: i % 3 === 0 ? i : String(i), entityName: i === 1 ? Number.NaN : i === 2 ? 1.5 : i === 3 ? -0 : `n${i}` }));
    const made = await prisma.$transaction((tx) => bulkInsert(tx, "AuditEvent", rows, ["id", "entityId"]));
    expect(made.map((r) => r.entityId)).toEqual(rows.map((_, i) => String(i)));
    expect(made.map((r) => Number(r.id))).toEqual([...made.map((r) => Number(r.id))].sort((a, b) => a - b));
    const back = await prisma.auditEvent.findMany({ where: { actor: "bulk-many" }, orderBy: { id: "asc" } });
    expect(back.map((r) => [r.entityId, r.entityName])).toEqual(rows.map((r, i) => [String(i), i === 1 ? null : i === 2 ? "1.5" : i === 3 ? "0" : `n${i}`]));
    await prisma.$transaction((tx) => bulkSetColumn(tx, "AuditEvent", "entityType", back.map((r, i) => [r.id, i % 2 ? 7 : null])));
    const set = await prisma.auditEvent.findMany({ where: { actor: "bulk-many" }, orderBy: { id: "asc" } });
    expect(set.map((r) => r.entityType)).toEqual(back.map((_, i) => (i % 2 ? "7" : null)));
  });

  it("writes booleans and integers of a typed table", async () => {
    const sd = await prisma.storageDaemon.create({ data: { name: "bulk-sd", address: "sd.example.net", port: 9103, passwordEnc: "x" } });
    const now = new Date();
    await prisma.$transaction((tx) =>
      bulkInsert(tx, "Device", [
        { storageDaemonId: sd.id, name: "d1", mediaType: "File", archiveDevice: "/srv/d1", labelMedia: true, randomAccess: false, maxConcurrentJobs: 3, createdAt: now, updatedAt: now },
        { storageDaemonId: sd.id, name: "d2", mediaType: "File", archiveDevice: "/srv/d2", labelMedia: null, createdAt: now, updatedAt: now },
      ]),
    );
    const devices = await prisma.device.findMany({ where: { storageDaemonId: sd.id }, orderBy: { name: "asc" } });
    expect(devices.map((d) => [d.name, d.labelMedia, d.randomAccess, d.maxConcurrentJobs, d.createdAt.getTime()])).toEqual([
      ["d1", true, false, 3, now.getTime()],
      ["d2", null, null, null, now.getTime()],
    ]);
  });
});

describe("bulkUpdate and bulkUpsert", () => {
  it("set several columns by id, and insert or update on a unique key, as Prisma reads them back", async () => {
    const at = new Date("2026-12-01T10:00:00.123Z");
    const run = await prisma.deployRun.create({ data: { actor: "bulk", dryRun: false, status: "running", revision: 1 } });
    const t = await prisma.deployTargetRun.create({ data: { runId: run.id, targetKey: "director:1", kind: "director", daemonId: 1, daemonName: "d", role: "primary", hostName: "h", status: "pending", files: [] } });
    await prisma.daemonDeployState.create({ data: { kind: "director", daemonId: 1, liveHash: "old", bconsolePath: "/usr/sbin/bconsole" } });
    await prisma.$transaction(async (tx) => {
      await bulkUpdate(tx, "DeployTargetRun", ["status", "error", "files", "finishedAt"], [[t.id, "failed", `it's "bad" ✓`, [{ path: "/etc/b.conf", text: "x" }], at]]);
      await bulkUpsert(tx, "DaemonDeployState", ["kind", "daemonId"], ["kind", "daemonId", "lastHash", "lastDeployedAt", "liveHash"], [
        ["director", 1, "new", at, "new"],
        ["client", 7, "c", at, null],
      ]);
    });
    const back = await prisma.deployTargetRun.findUniqueOrThrow({ where: { id: t.id } });
    expect([back.status, back.error, back.files, back.finishedAt?.toISOString(), back.daemonName]).toEqual(["failed", `it's "bad" ✓`, [{ path: "/etc/b.conf", text: "x" }], at.toISOString(), "d"]);
    const states = await prisma.daemonDeployState.findMany({ orderBy: { kind: "asc" } });
    // the existing row updated (its other columns kept), the new one inserted
    expect(states.map((s) => [s.kind, s.daemonId, s.lastHash, s.lastDeployedAt?.toISOString(), s.liveHash, s.bconsolePath])).toEqual([
      ["client", 7, "c", at.toISOString(), null, null],
      ["director", 1, "new", at.toISOString(), "new", "/usr/sbin/bconsole"],
    ]);
  });
});
