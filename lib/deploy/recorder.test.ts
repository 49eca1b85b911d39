/** Group commit of a run's events: newest state per step and target, one transaction at a time, nothing lost. */
import { describe, expect, it } from "vitest";
import type { DeployEvent, StepRecord, TargetResult } from "./engine";
import { createRunRecorder } from "./recorder";

function fakeDb() {
  const batches: Array<Array<{ op: string; arg: any }>> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const db = {
    deployStep: { upsert: (arg: unknown) => ({ op: "step", arg }) },
    deployTargetRun: { update: (arg: unknown) => ({ op: "target", arg }) },
    async $transaction(ops: Array<{ op: string; arg: any }>) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      batches.push(ops);
      inFlight--;
      return [];
    },
  };
  return { db: db as unknown as Parameters<typeof createRunRecorder>[0], batches, maxInFlight: () => maxInFlight };
}

const step = (index: number, status: StepRecord["status"], log = ""): StepRecord => ({ index, name: "fetch", status, startedAt: new Date(0).toISOString(), log });
const target = (key: string, status: TargetResult["status"]) => ({ key, status, files: [] }) as unknown as TargetResult;

describe("createRunRecorder", () => {
  it("writes the newest state of each step once per batch, one transaction at a time", async () => {
    const { db, batches, maxInFlight } = fakeDb();
    const rec = createRunRecorder(db, new Map([["a", 1], ["b", 2]]));
    const ev = (e: DeployEvent) => rec.onEvent(e);
    ev({ type: "step", targetKey: "a", step: step(0, "running") });
    ev({ type: "step", targetKey: "a", step: step(0, "ok", "done") });
    ev({ type: "step", targetKey: "b", step: step(0, "running") });
    ev({ type: "target", target: target("a", "running") });
    ev({ type: "step", targetKey: "unknown", step: step(0, "ok") });
    await new Promise((r) => setImmediate(r));
    // While the first batch commits, more events arrive: they go in the next one.
    ev({ type: "step", targetKey: "b", step: step(0, "ok") });
    ev({ type: "target", target: target("a", "succeeded") });
    await rec.flush();
    expect(maxInFlight()).toBe(1);
    expect(batches).toHaveLength(2);
    expect(batches[0].filter((o) => o.op === "step").map((o) => [o.arg.where.targetRunId_position.targetRunId, o.arg.update.status])).toEqual([[1, "ok"], [2, "running"]]);
    expect(batches[0].find((o) => o.op === "step")!.arg.update.log).toBe("done");
    expect(batches[1].map((o) => [o.op, o.op === "step" ? o.arg.update.status : o.arg.data.status])).toEqual([["step", "ok"], ["target", "succeeded"]]);
    await rec.flush(); // nothing pending: resolves at once
    expect(batches).toHaveLength(2);
  });
});
