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

describe("GET /api/deploy/runs/{id}/stream", () => {
  it("streams a run from the database: snapshot, then done; an interrupted one names the run that finishes it", async () => {
    const { call } = await import("../support/api");
    const { makeUser } = await import("./fixtures");
    const stream = (await import("@/app/api/deploy/runs/[id]/stream/route")).GET as never;
    const viewer = await makeUser("stream-viewer", "viewer");
    const target = { targetKey: "director:1", kind: "director", daemonId: 1, daemonName: "d", role: "primary", hostName: "h", files: [] };
    const done = await prisma.deployRun.create({ data: { actor: "op", status: "succeeded", targets: { create: [{ ...target, status: "succeeded" }] } } });
    const r = await call(stream, `/api/deploy/runs/${done.id}/stream`, { cookie: viewer, params: { id: String(done.id) } });
    expect(r.status).toBe(200);
    const events = String(r.json).trim().split("\n").map((l) => JSON.parse(l) as { type: string; runId?: number });
    expect(events.map((e) => e.type)).toEqual(["snapshot", "done"]);

    const cut = await prisma.deployRun.create({ data: { actor: "op", status: "interrupted", targets: { create: [{ ...target, status: "interrupted" }] } } });
    const next = await prisma.deployRun.create({ data: { actor: "op", status: "succeeded", resumedFromId: cut.id } });
    const r2 = await call(stream, `/api/deploy/runs/${cut.id}/stream`, { cookie: viewer, params: { id: String(cut.id) } });
    const e2 = String(r2.json).trim().split("\n").map((l) => JSON.parse(l) as { type: string; runId?: number });
    expect(e2.map((e) => e.type)).toEqual(["snapshot", "resumed", "done"]);
    expect(e2[1].runId).toBe(next.id);
    expect((await call(stream, `/api/deploy/runs/${cut.id}/stream`, { params: { id: String(cut.id) } })).status).toBe(401);
  });
});
