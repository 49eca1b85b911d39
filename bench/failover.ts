/**
 * Bench of issue 6: a switchover on loopback (real PostgreSQL 15 pair, real sshd as postgres),
 * from the promote request to a writable new primary, against pg_promote itself.
 *   requestToWritableMs  startPromotion() called -> the verify step saw the target out of
 *                        recovery, on a new timeline, assigning a transaction id
 *   pgPromoteMs          the SELECT pg_promote(true, 60) round trip alone
 *   overheadMs           the difference: preflight probes (twice), SSH connect + pg_ctl stop -m fast
 *                        + pg_controldata, drain wait, verification, step bookkeeping
 * Target: overhead < 2 s. Each run uses a fresh pair (~3-6 s to build, not measured).
 */
import { PrismaClient } from "@prisma/client";
import { SqliteAdapter } from "@/lib/db/adapter";
import { freshDatabase } from "@/test/support/db";
import { startSshd } from "@/test/support/sshd";
import { ensurePostgresSshLogin, startRig } from "@/test/failover/support";

const RUNS = Number(process.env.BENCH_FAILOVER_RUNS ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}

export async function benchFailover(): Promise<Record<string, unknown>> {
  console.log("\n== failover: switchover on loopback (request -> writable new primary) ==");
  const { file } = freshDatabase();
  const db = new PrismaClient({ adapter: new SqliteAdapter(file) });
  const { failoverDeps, runOperation, startPromotion } = await import("@/lib/failover/machine");
  ensurePostgresSshLogin();
  const sshd = await startSshd({ user: "postgres" });
  const runs: Array<Record<string, number>> = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const rig = await startRig(db, { sshd });
      try {
        await rig.pair.write(1000);
        const deps = failoverDeps({ db, directorSwitchover: null });
        const t0 = Date.now();
        const r = await startPromotion(deps, rig.clusterId, { targetMemberId: rig.standbyId, mode: "switchover", force: false, dryRun: false }, { actor: "bench" }, { background: false });
        if (r.kind !== "started") throw new Error(`not started: ${r.kind}`);
        const status = await runOperation(deps, r.id);
        const tDone = Date.now();
        const p = await db.promotion.findUniqueOrThrow({ where: { id: r.id } });
        if (status !== "succeeded") throw new Error(`switchover ${r.id} ${status}: ${p.error}`);
        const st = p.state as Record<string, number>;
        const run = {
          requestToWritableMs: st.writableAt - t0,
          requestToDoneMs: tDone - t0,
          pgPromoteMs: st.pgPromoteMs,
          overheadMs: st.writableAt - t0 - st.pgPromoteMs,
          fenceStopMs: st.fenceStopMs,
          waitReplayMs: st.waitReplayMs,
        };
        runs.push(run);
        console.log(
          `run ${i + 1}: request -> writable ${run.requestToWritableMs} ms; pg_promote ${run.pgPromoteMs} ms; overhead ${run.overheadMs.toFixed(1)} ms ` +
            `(pg_ctl stop ${run.fenceStopMs} ms, drain ${run.waitReplayMs} ms); request -> done (model + audit) ${run.requestToDoneMs} ms`,
        );
      } finally {
        await rig.stop();
      }
    }
  } finally {
    await sshd.stop().catch(() => undefined);
    await db.$disconnect();
  }
  const out = {
    runs,
    medianRequestToWritableMs: median(runs.map((r) => r.requestToWritableMs)),
    medianPgPromoteMs: median(runs.map((r) => r.pgPromoteMs)),
    medianOverheadMs: median(runs.map((r) => r.overheadMs)),
    targetOverheadMs: 2000,
  };
  console.log(
    `median: request -> writable ${out.medianRequestToWritableMs} ms, pg_promote ${out.medianPgPromoteMs} ms, overhead ${out.medianOverheadMs.toFixed(1)} ms ` +
      `(target < ${out.targetOverheadMs} ms: ${out.medianOverheadMs < out.targetOverheadMs ? "met" : "MISSED"})`,
  );
  return out;
}

if (process.argv[1] && /bench\/failover\.ts$/.test(process.argv[1])) {
  benchFailover()
    .then(() => process.exit(0))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
