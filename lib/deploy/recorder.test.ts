/** Group commit of a run's events: newest state per step and target, one transaction at a time, nothing lost. */
import { describe, expect, it } from "vitest";
import type { DeployEvent, StepRecord, TargetResult } from "./engine";
import { createRunRecorder, FLUSH_MS } from "./recorder";

/** A database whose transactions record the statements they get (no connection offered: the Prisma path of lib/db/bulk.ts). */
function fakeDb() {
  const batches: Array<Array<{ op: string; arg: any }>> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const db = {
    async $transaction(fn: (tx: unknown) => Promise<void>) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const ops: Array<{ op: string; arg: any }> = [];
      const tx = {
        async $queryRawUnsafe(sql: string, json?: string) {
          if (sql.startsWith('SELECT 1 AS "direct_probe_')) return [];
          ops.push({ op: sql.startsWith('INSERT INTO "DeployStep"') ? "steps" : sql.startsWith('UPDATE "DeployTargetRun"') ? "targets" : sql, arg: { sql, rows: JSON.parse(json ?? "[]") as unknown[][] } });
          return [];
        },
      };
      await fn(tx);
      await new Promise((r) => setTimeout(r, 5));
      batches.push(ops);
      inFlight--;
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
    await new Promise((r) => setTimeout(r, FLUSH_MS + 5));
    // While the first batch commits, more events arrive: they go in the next one.
    ev({ type: "step", targetKey: "b", step: step(0, "ok") });
    ev({ type: "target", target: target("a", "succeeded") });
    await rec.flush();
    expect(maxInFlight()).toBe(1);
    expect(batches).toHaveLength(2);
    // One statement for the steps of a batch: [targetRunId, position, name, status, startedAt, finishedAt, log].
    const steps0 = batches[0].find((o) => o.op === "steps")!.arg.rows;
    expect(steps0.map((r: unknown[]) => [r[0], r[3], r[6]])).toEqual([[1, "ok", "done"], [2, "running", ""]]);
    expect(steps0[0][4]).toBe("1970-01-01T00:00:00.000+00:00");
    // One statement for the targets: [id, status, failedStep, error, errorCode, liveHashBefore, files, finishedAt].
    expect(batches[0].filter((o) => o.op === "targets").map((o) => o.arg.rows.map((r: unknown[]) => [r[0], r[1], r[6]]))).toEqual([[[1, "running", "[]"]]]);
    expect(batches[1].map((o) => [o.op, o.op === "steps" ? o.arg.rows[0][3] : o.arg.rows[0][1]])).toEqual([["steps", "ok"], ["targets", "succeeded"]]);
    await rec.flush(); // nothing pending: resolves at once
    expect(batches).toHaveLength(2);
  });
});
