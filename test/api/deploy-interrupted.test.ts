import { describe, expect, it } from "vitest";
import { freshDatabase } from "../support/db";

freshDatabase();
const { prisma } = await import("@/lib/db/client");
const { markInterruptedRuns } = await import("@/lib/deploy/service");

describe("deploys a stopped process left behind", () => {
  it("are marked interrupted at start-up, finished ones untouched", async () => {
    const target = { targetKey: "director:1", kind: "director", daemonId: 1, daemonName: "d", role: "primary", hostName: "h", files: [] };
    const stale = await prisma.deployRun.create({ data: { actor: "op", status: "running", targets: { create: [{ ...target, status: "running" }, { ...target, status: "pending" }] } } });
    const done = await prisma.deployRun.create({ data: { actor: "op", status: "succeeded", targets: { create: [{ ...target, status: "succeeded" }] } } });
    expect(await markInterruptedRuns()).toBe(1);
    const after = await prisma.deployRun.findMany({ include: { targets: true }, orderBy: { id: "asc" } });
    expect(after.find((r) => r.id === stale.id)).toMatchObject({ status: "interrupted", finishedAt: expect.any(Date) });
    expect(after.find((r) => r.id === stale.id)!.targets.map((t) => t.status)).toEqual(["interrupted", "interrupted"]);
    expect(after.find((r) => r.id === done.id)).toMatchObject({ status: "succeeded", finishedAt: null });
    expect(after.find((r) => r.id === done.id)!.targets[0].status).toBe("succeeded");
    expect(await markInterruptedRuns()).toBe(0);
  });
});
