/**
 * rawFindMany (raw-rows.ts) gives back what Prisma's findMany gives, on the run's dialect (TEST_DB):
 * compared row by row on the demo topology (every table the importer reads back: booleans, JSON
 * lists and objects, JSON null against SQL NULL, dates) and on the types the demo lacks (BigInt,
 * Float, a date without milliseconds).
 */
import { Prisma } from "@prisma/client";
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";

freshDatabase();
const { prisma } = await import("./client");
const { rawFindMany } = await import("./raw-rows");
const { seedDemo } = await import("@/lib/demo/seed");
const { importUpload } = await import("@/lib/config/import-upload");
const { warmUpFiles, warmUpMain } = await import("@/lib/config/warm-import");

afterAll(async () => {
  await prisma.$disconnect();
});

type Delegate = { findMany(a: unknown): Promise<Record<string, unknown>[]> };
const delegate = (model: string) => (prisma as unknown as Record<string, Delegate>)[model[0].toLowerCase() + model.slice(1)];
const byId = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));

describe("rawFindMany", () => {
  it("reads every model the importer reads back as Prisma does, inside a transaction and outside one", async () => {
    expect(await seedDemo(prisma, { actor: "raw-rows" })).toBe(true);
    // And what an import stores (the start-up warm-up's generated configs: RunScripts, Schedules,
    // FileSets, storage groups, SD configs with their Directors and Devices), imported for real.
    const r = await importUpload(prisma, { root: "/warm/warm-rawrows", files: warmUpFiles("rawrows"), main: warmUpMain(), dryRun: false, actor: "raw-rows" });
    expect(r.issues.filter((i) => i.severity === "error")).toEqual([]);
    expect(r.applied).toBe(true);
    // A JSON null and a SQL NULL, and a list, where the demo has neither.
    const job = await prisma.job.findFirstOrThrow();
    await prisma.job.update({ where: { id: job.id }, data: { extra: Prisma.JsonNull, runLines: ["CloneJob level=%l", 'a "quoted" \\ line'], enabled: false } });
    const models = ["Director", "StorageDaemon", "Device", "Storage", "StorageGroupMember", "Pool", "Catalog", "Client", "FileSet", "Schedule", "Messages", "JobDefs", "Job", "ConfigResource", "AuditEvent", "Setting"];
    let compared = 0;
    for (const model of models) {
      const want = await delegate(model).findMany({});
      const key = model === "Setting" ? (r: Record<string, unknown>) => String(r.key) : undefined;
      const sort = (rows: Record<string, unknown>[]) => (key ? [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1)) : byId(rows));
      expect(sort(await rawFindMany<Record<string, unknown>>(prisma, model, {})), model).toEqual(sort(want));
      const inTx = await prisma.$transaction((tx) => rawFindMany<Record<string, unknown>>(tx, model, {}));
      expect(sort(inTx), `${model} in a transaction`).toEqual(sort(want));
      compared += want.length;
    }
    expect(compared).toBeGreaterThan(500);
    const back = (await rawFindMany<Record<string, unknown>>(prisma, "Job", { id: job.id }))[0];
    expect(back).toEqual(await prisma.job.findUnique({ where: { id: job.id } }));
    expect(back.enabled).toBe(false);
    expect(back.runLines).toEqual(["CloneJob level=%l", 'a "quoted" \\ line']);
  });

  it("keeps BigInt, Float and dates, and filters by equality and NULL, in order", async () => {
    const now = Date.now();
    await prisma.lease.create({ data: { name: "raw-rows-a", owner: "h1", token: 3, expiresAtMs: BigInt(now) + 9_007_199n, acquiredAtMs: BigInt(now) } });
    await prisma.lease.create({ data: { name: "raw-rows-b", owner: "h2", token: 1, expiresAtMs: 5n, acquiredAtMs: 0n } });
    const want = await prisma.lease.findMany({ where: { name: { startsWith: "raw-rows-" } }, orderBy: { token: "asc" } });
    const got = await prisma.$transaction(async (tx) => [
      ...(await rawFindMany<Record<string, unknown>>(tx, "Lease", { name: "raw-rows-b" })),
      ...(await rawFindMany<Record<string, unknown>>(tx, "Lease", { name: "raw-rows-a", owner: "h1" })),
    ]);
    expect(got).toEqual(want);
    expect(typeof got[0].expiresAtMs).toBe("bigint");
    const member = await prisma.catalogMember.findFirstOrThrow();
    const sample = await prisma.replicationSample.create({
      data: { clusterId: member.clusterId, memberId: member.id, atMs: BigInt(now), role: "standby", probeKind: "standby", status: "ok", clusterStatus: "ok", writeLagBytes: 1.5, replayLagBytes: null },
    });
    const rows = await prisma.$transaction((tx) => rawFindMany<Record<string, unknown>>(tx, "ReplicationSample", { id: sample.id }));
    expect(rows).toEqual(await prisma.replicationSample.findMany({ where: { id: sample.id } }));
    expect(rows[0].writeLagBytes).toBe(1.5);
    // NULL by IS NULL; order by a field
    const members = await rawFindMany<{ position: number; poolId: number | null }>(prisma, "StorageGroupMember", { jobId: null }, { orderBy: "position" });
    expect(members.length).toBeGreaterThan(0);
    expect(members.every((m) => typeof m.position === "number")).toBe(true);
    expect(members.map((m) => m.position)).toEqual([...members.map((m) => m.position)].sort((a, b) => a - b));
  });

  it("reads a list of values with IN, in chunks past 500 values", async () => {
    const jobs = await prisma.job.findMany({ orderBy: { id: "asc" } });
    expect(jobs.length).toBeGreaterThan(100);
    const ids = [...jobs.map((j) => j.id), ...Array.from({ length: 700 }, (_, i) => 1_000_000 + i)];
    const got = await prisma.$transaction((tx) => rawFindMany<{ id: number }>(tx, "Job", { id: ids }));
    expect(byId(got as Record<string, unknown>[])).toEqual(jobs);
    const some = await rawFindMany<{ id: number }>(prisma, "Job", { id: [jobs[0].id, jobs[2].id], name: jobs[2].name });
    expect(some.map((j) => j.id)).toEqual([jobs[2].id]);
    expect(await rawFindMany(prisma, "Job", { id: [] })).toEqual([]);
    await expect(rawFindMany(prisma, "Job", { id: [1], clientId: [2] })).rejects.toThrow("one list condition at most");
  });

  it("refuses a field the model does not have", async () => {
    await expect(rawFindMany(prisma, "Job", { nosuch: 1 })).rejects.toThrow("no field Job.nosuch");
    // an undefined value sets no condition, as in Prisma
    expect((await rawFindMany(prisma, "Setting", { key: undefined })).length).toBe(await prisma.setting.count());
    await expect(rawFindMany(prisma, "NoSuchModel", {})).rejects.toThrow("no model NoSuchModel");
  });
});
