/**
 * Bench of issue 11: a switchover on loopback (real PostgreSQL 15 pairs, real sshd as postgres),
 * side by side with a bare pg_promote on an identical pair, in the same round:
 *
 *   app   POST /api/failover/<id>/promote (the route handler, an admin session) -> the first
 *         INSERT that succeeds on the target, seen by a client polling it over a connection opened
 *         beforehand (the same client for both). Includes the preflight inside the operation
 *         (probes, admin login and grants, SSH + pg_ctl status), the fence (standby.signal +
 *         primary_conninfo over SSH, pg_ctl stop -m fast), the drain and pg_promote(true, 60).
 *   bare  SELECT pg_promote(true, 60) on an identical pair (same rows written, same settings) ->
 *         the first INSERT that succeeds on it, seen the same way.
 *
 *   overheadMs = app - bare. Target: at most 500 ms (issue 11, item 7).
 *   noWritableMs (app): from the last INSERT acknowledged by the old primary (a second client
 *         writing on it until the fence stops it) to the first one on the new primary; it must not
 *         be longer than the fence's stop + drain + promote.
 *
 * Each round builds two fresh pairs (~1-6 s each, not measured).
 */
import pg from "pg";
import { freshDatabase } from "@/test/support/db";
import { startSshd } from "@/test/support/sshd";
import { startPgPair, type PgPair } from "@/test/support/pgPair";
import { ensurePostgresSshLogin, probeFirstWrite, startRig, waitFinished } from "@/test/failover/support";

const RUNS = Number(process.env.BENCH_FAILOVER_RUNS ?? 3);
const TARGET_OVERHEAD_MS = 500;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
}

/** Writes on the old primary until it stops answering; the time of its last acknowledged INSERT. */
async function writerOnOld(config: pg.ClientConfig): Promise<{ last: () => number | null; stop(): Promise<void> }> {
  const c = new pg.Client(config);
  c.on("error", () => undefined);
  await c.connect();
  let last: number | null = null;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        await c.query("INSERT INTO pgpair_writes (payload) VALUES ('old')");
        last = Date.now();
      } catch {
        return;
      }
    }
  })();
  return {
    last: () => last,
    async stop() {
      stopped = true;
      await loop;
      await c.end().catch(() => undefined);
    },
  };
}

async function bare(pair: PgPair): Promise<{ toWritableMs: number; pgPromoteMs: number }> {
  const probe = await probeFirstWrite(pair.config("standby"));
  const c = new pg.Client(pair.config("standby"));
  await c.connect();
  try {
    const t0 = Date.now();
    const p0 = performance.now();
    const r = await c.query("SELECT pg_promote(true, 60) AS ok");
    const pgPromoteMs = performance.now() - p0;
    if (r.rows[0].ok !== true) throw new Error("pg_promote returned false");
    const at = await probe.done;
    return { toWritableMs: at - t0, pgPromoteMs: Math.round(pgPromoteMs * 10) / 10 };
  } finally {
    await probe.stop();
    await c.end().catch(() => undefined);
  }
}

export async function benchFailover(): Promise<Record<string, unknown>> {
  console.log("\n== failover: switchover request -> writable new primary, against a bare pg_promote on an identical pair ==");
  // The route handler uses the app's Prisma client: the rig's rows go through the same one (a fresh
  // database unless an earlier bench of this process already opened the app's client).
  freshDatabase();
  const { prisma: db } = await import("@/lib/db/client");
  const { call } = await import("@/test/support/api");
  const { makeUser } = await import("@/test/api/fixtures");
  const promoteRoute = (await import("@/app/api/failover/[clusterId]/promote/route")).POST as never;
  ensurePostgresSshLogin();
  const admin = await makeUser("bench-admin", "admin");
  const sshd = await startSshd({ user: "postgres" });
  const runs: Array<Record<string, number>> = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const [rig, twin] = await Promise.all([startRig(db, { sshd }), startPgPair()]);
      try {
        await Promise.all([rig.pair.write(1000), twin.write(1000)]);
        await Promise.all([rig.pair.waitForCatchUp(30_000), twin.waitForCatchUp(30_000)]);
        const b = await bare(twin);

        const probe = await probeFirstWrite(rig.pair.config("standby"));
        const old = await writerOnOld(rig.pair.config("primary"));
        await new Promise((r) => setTimeout(r, 100));
        const t0 = Date.now();
        const res = await call(promoteRoute, "/x", { method: "POST", cookie: admin, params: { clusterId: String(rig.clusterId) }, body: { targetMemberId: rig.standbyId, mode: "switchover" } });
        const answeredMs = Date.now() - t0;
        if (res.status !== 202) throw new Error(`promote answered ${res.status}: ${JSON.stringify(res.json)}`);
        const at = await probe.done;
        await probe.stop();
        await old.stop();
        const status = await waitFinished(db, res.json.id as number);
        const p = await db.promotion.findUniqueOrThrow({ where: { id: res.json.id as number }, include: { steps: { orderBy: { position: "asc" } } } });
        if (status !== "succeeded") throw new Error(`switchover ${p.id} ${status}: ${p.error}`);
        const st = p.state as Record<string, number>;
        const stepMs = (name: string) => {
          const s = p.steps.find((x) => x.name === name);
          return s?.startedAt && s.finishedAt ? s.finishedAt.getTime() - s.startedAt.getTime() : NaN;
        };
        const run = {
          appToWritableMs: at - t0,
          bareToWritableMs: b.toWritableMs,
          overheadMs: at - t0 - b.toWritableMs,
          answered202Ms: answeredMs,
          noWritableMs: old.last() === null ? NaN : at - old.last()!,
          pgPromoteMs: st.pgPromoteMs,
          barePgPromoteMs: b.pgPromoteMs,
          preflightMs: stepMs("preflight"),
          fenceMs: st.fenceMs,
          fenceStopMs: st.fenceStopMs,
          waitReplayMs: st.waitReplayMs,
          requestToDoneMs: p.finishedAt!.getTime() - t0,
        };
        const bound = (st.fenceMs ?? 0) + (st.waitReplayMs ?? 0) + (st.pgPromoteMs ?? 0);
        const fenceSteps = ((p.state as { fence?: { steps?: Array<{ step: string; ms: number }> } }).fence?.steps ?? []).map((x) => `${x.step} ${x.ms}`).join(", ");
        const gaps = p.steps.map((x) => `${x.name} ${x.startedAt && x.finishedAt ? x.finishedAt.getTime() - x.startedAt.getTime() : "-"}`).join(", ");
        runs.push(run);
        console.log(
          `run ${i + 1}: request -> writable ${run.appToWritableMs} ms (202 after ${run.answered202Ms} ms) vs bare pg_promote -> writable ${run.bareToWritableMs} ms: overhead ${run.overheadMs} ms; ` +
            `preflight ${run.preflightMs} ms, fence ${run.fenceMs} ms (stop ${run.fenceStopMs} ms), drain ${run.waitReplayMs} ms, pg_promote ${run.pgPromoteMs} ms (bare ${run.barePgPromoteMs} ms); ` +
            `no writable node for ${run.noWritableMs} ms (fence + drain + pg_promote ${Math.round(bound)} ms: ${run.noWritableMs <= bound ? "within" : "LONGER"}); request -> done ${run.requestToDoneMs} ms`,
        );
        console.log(`  fence steps (ms): ${fenceSteps}; operation steps (ms): ${gaps}; first step started ${p.steps[0].startedAt!.getTime() - t0} ms after the request`);
      } finally {
        await Promise.all([rig.stop(), twin.stop()]);
      }
    }
  } finally {
    await sshd.stop().catch(() => undefined);
  }
  const out = {
    runs,
    medianAppToWritableMs: median(runs.map((r) => r.appToWritableMs)),
    medianBareToWritableMs: median(runs.map((r) => r.bareToWritableMs)),
    medianOverheadMs: median(runs.map((r) => r.overheadMs)),
    medianNoWritableMs: median(runs.map((r) => r.noWritableMs)),
    targetOverheadMs: TARGET_OVERHEAD_MS,
  };
  console.log(
    `median: request -> writable ${out.medianAppToWritableMs} ms, bare pg_promote -> writable ${out.medianBareToWritableMs} ms, overhead ${out.medianOverheadMs} ms ` +
      `(target <= ${TARGET_OVERHEAD_MS} ms: ${out.medianOverheadMs <= TARGET_OVERHEAD_MS ? "met" : "MISSED"}); no writable node for ${out.medianNoWritableMs} ms`,
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
