import { describe, expect, it } from "vitest";
import { freshDatabase } from "@/test/support/db";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { createReplicationService, LEADER_LEASE } = await import("./service");
const { readLease } = await import("@/lib/cluster/lease");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms: number) {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(20);
  }
  return Date.now() - t0;
}

describe("one replication poller among the instances", () => {
  it("the first leads and shares each publication; the other serves the same bytes and ETag, and leads once the first is gone", async () => {
    const opts = { db: prisma, intervalMs: 1000, store: false, leadership: true, log: () => undefined };
    const a = createReplicationService(opts);
    const b = createReplicationService(opts);
    a.start();
    await until("a leads", () => a.role() === "leader", 3000);
    b.start();
    await sleep(300);
    expect(b.role()).toBe("follower");
    const seqA = a.published().seq;
    await until("b follows a's publication", () => b.published().seq >= seqA && b.published().list.etag === a.published().list.etag, 3000);
    expect(b.published().list.json.equals(a.published().list.json)).toBe(true);
    const seen: number[] = [];
    const off = b.subscribe((p) => seen.push(p.seq));
    await sleep(1200);
    expect(seen.length).toBeGreaterThan(0); // b's streams get a's publications

    const lastA = a.published().seq;
    await a.stop();
    const took = await until("b leads", () => b.role() === "leader", 2000);
    expect(took).toBeLessThan(1000); // within one poll interval
    expect((await readLease(prisma, LEADER_LEASE))?.live).toBe(true);
    await until("b polls itself", () => b.published().seq > lastA, 2000);
    off();
    await b.stop();
  });
});
