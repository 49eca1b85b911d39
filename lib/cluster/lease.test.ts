import { describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { tryAcquire, renewLease, releaseLease, readLease, acquireLease, takeOver, LeaseLost } = await import("./lease");
const { INSTANCE_ID } = await import("./instance");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("leases on the app's database", () => {
  it("one holder at a time; an expired lease goes to the next with a higher token; a stale holder cannot renew", async () => {
    expect(await tryAcquire(prisma, "t1", 400, { owner: "a" })).toBe(1);
    expect(await tryAcquire(prisma, "t1", 400, { owner: "b" })).toBeNull();
    expect(await renewLease(prisma, "t1", 1, 400, "a")).toBe(true);
    await sleep(600);
    expect(await tryAcquire(prisma, "t1", 10_000, { owner: "b" })).toBe(2);
    expect(await renewLease(prisma, "t1", 1, 400, "a")).toBe(false);
    await releaseLease(prisma, "t1", 1, "a"); // not a's any more: no effect
    expect((await readLease(prisma, "t1"))?.live).toBe(true);
    await releaseLease(prisma, "t1", 2, "b");
    expect((await readLease(prisma, "t1"))?.live).toBe(false);
    expect(await tryAcquire(prisma, "t1", 400, { owner: "c" })).toBe(3);
  });

  it("twenty concurrent takers: exactly one wins", async () => {
    const got = await Promise.all(Array.from({ length: 20 }, (_, i) => tryAcquire(prisma, "t2", 10_000, { owner: `o${i}` })));
    expect(got.filter((t) => t !== null)).toEqual([1]);
  });

  it("a dead process's live lease on this machine is taken over at once; a live one's is not", async () => {
    const host = INSTANCE_ID.split(":")[0];
    expect(await tryAcquire(prisma, "t3", 60_000, { owner: `${host}:2147483646:dead` })).toBe(1);
    expect(await takeOver(prisma, "t3", 1000)).toBe(2);
    expect(await tryAcquire(prisma, "t4", 60_000, { owner: `${host}:${process.ppid}:alive` })).toBe(1);
    expect(await takeOver(prisma, "t4", 1000)).toBeNull();
  });

  it("a held lease renews itself, and counts as lost once another instance has it", async () => {
    const held = (await acquireLease(prisma, "t5", { ttlMs: 1000 }))!;
    expect(held).not.toBeNull();
    await sleep(1500);
    expect(held.held).toBe(true); // renewed in the background
    expect((await readLease(prisma, "t5"))?.owner).toBe(INSTANCE_ID);
    // Someone overwrites it (as after an expiry): the next renewal finds out.
    await prisma.$executeRawUnsafe(`UPDATE "Lease" SET "owner" = 'other', "token" = "token" + 1 WHERE "name" = 't5'`);
    await sleep(700);
    expect(held.held).toBe(false);
    expect(held.signal.aborted).toBe(true);
    expect(() => held.assertHeld()).toThrow(LeaseLost);
    await held.release();
    expect((await readLease(prisma, "t5"))?.owner).toBe("other");
  });
});
