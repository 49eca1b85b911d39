/**
 * Replaying a transaction's recorded direct statements (replay.ts) in another transaction: the same
 * rows written, the clock moved in created rows' timestamps only, and any other answer of the
 * database, or the recorded time bound anywhere else, refused before the caller keeps anything.
 * On the run's dialect (TEST_DB): PostgreSQL's connection does not repeat statements, and refuses.
 */
import { afterAll, describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";
import { testDialect } from "@/test/support/appPg";

freshDatabase();
const { prisma } = await import("./client");
const { directQuery, recordStatements, stopRecording } = await import("./direct");
const { bulkInsert, boundArg } = await import("./bulk");
const { replayStatements, StaleRecording } = await import("./replay");
type Log = Parameters<typeof recordStatements>[1];

afterAll(async () => {
  await prisma.$disconnect();
});

const sqlite = testDialect() !== "postgresql";

/** Records what `work` runs in a transaction that is then rolled back. */
async function recorded(work: (tx: Parameters<Parameters<typeof prisma.$transaction>[0]>[0]) => Promise<unknown>): Promise<Log> {
  const log: Log = [];
  await prisma
    .$transaction(async (tx) => {
      await directQuery(tx);
      recordStatements(tx, log);
      await work(tx);
      stopRecording(tx);
      throw new Error("roll back");
    })
    .catch((e: unknown) => {
      if (!(e instanceof Error) || e.message !== "roll back") throw e;
    });
  return log;
}

/** Replays `log` with the clock moved from `then` to `now`: true on SQLite; on PostgreSQL checks that it refuses (its connection does not repeat statements) and says false. */
async function replayedHere(log: Log, then: Date, now: Date): Promise<boolean> {
  const replay = prisma.$transaction((tx) => replayStatements(tx, log, { from: boundArg(then), to: boundArg(now) }));
  if (sqlite) {
    await replay;
    return true;
  }
  await expect(replay).rejects.toBeInstanceOf(StaleRecording);
  return false;
}

const rows = (at: Date, actor: string) => Array.from({ length: 40 }, (_, i) => ({ at, actor, action: "replay-test", entityName: `row ${i}`, after: JSON.stringify({ i }) }));

describe("replayStatements", () => {
  it("writes what was recorded, stamped with the new time, and answers as the recording did", async () => {
    const then = new Date("2026-01-02T03:04:05.678Z");
    let ids: unknown[] = [];
    const log = await recorded(async (tx) => {
      ids = (await bulkInsert(tx, "AuditEvent", rows(then, "replay-a"), ["id", "entityName"])).map((r) => r.id);
    });
    expect(log.length).toBeGreaterThan(0);
    expect(await prisma.auditEvent.count({ where: { actor: "replay-a" } })).toBe(0);
    const now = new Date();
    if (!(await replayedHere(log, then, now))) return;
    const back = await prisma.auditEvent.findMany({ where: { actor: "replay-a" }, orderBy: { id: "asc" } });
    expect(back.map((r) => r.id)).toEqual(ids);
    expect(back.map((r) => r.entityName)).toEqual(rows(then, "x").map((r) => r.entityName));
    expect(new Set(back.map((r) => r.at.getTime()))).toEqual(new Set([now.getTime()]));
  });

  it("moves the clock in an UPDATE's SET list too, and in the rows read back after it", async () => {
    // (A model row with updatedAt to change: a Director's Pool.)
    const dir = await prisma.director.create({ data: { name: "replay-dir", address: "x.invalid", passwordEnc: "x", version: "15.0.3", queryFile: "/q", workingDirectory: "/w", pidDirectory: "/p" } });
    const target = await prisma.pool.create({ data: { name: "replay-pool", directorId: dir.id } });
    const then = new Date("2026-03-04T05:06:07.890Z");
    const { bulkUpdate } = await import("./bulk");
    const { rawFindMany } = await import("./raw-rows");
    let readBack: Record<string, unknown>[] = [];
    const log = await recorded(async (tx) => {
      await bulkUpdate(tx, "Pool", ["labelFormat", "updatedAt"], [[target.id, "Replay-", then]]);
      readBack = await rawFindMany(tx, "Pool", { id: target.id });
    });
    expect(readBack[0]).toMatchObject({ labelFormat: "Replay-", updatedAt: then });
    const now = new Date();
    if (!(await replayedHere(log, then, now))) return;
    expect(await prisma.pool.findUniqueOrThrow({ where: { id: target.id } })).toMatchObject({ labelFormat: "Replay-", updatedAt: now });
  });

  it("refuses, keeping nothing, when the database answers otherwise (the ids moved on) or the recorded time is bound elsewhere", async () => {
    const then = new Date("2026-02-03T04:05:06.789Z");
    const log = await recorded((tx) => bulkInsert(tx, "AuditEvent", rows(then, "replay-b"), ["id"]));
    // Another row first: the recorded ids are taken.
    await prisma.auditEvent.create({ data: { actor: "replay-intruder", action: "x" } });
    await expect(prisma.$transaction((tx) => replayStatements(tx, log, { from: boundArg(then), to: boundArg(new Date()) }))).rejects.toBeInstanceOf(StaleRecording);
    expect(await prisma.auditEvent.count({ where: { actor: "replay-b" } })).toBe(0);
    // The recorded time as another column's value (an actor that happens to read as it).
    const quoted = await recorded((tx) => bulkInsert(tx, "AuditEvent", [{ at: then, actor: String(boundArg(then)), action: "replay-test" }], ["id"]));
    let ran = 0;
    await expect(
      prisma.$transaction(async (tx) => {
        await replayStatements(tx, quoted, { from: boundArg(then), to: boundArg(new Date()) });
        ran++;
      }),
    ).rejects.toBeInstanceOf(StaleRecording);
    expect(ran).toBe(0);
    expect(await prisma.auditEvent.count({ where: { action: "replay-test", at: then } })).toBe(0);
  });
});
