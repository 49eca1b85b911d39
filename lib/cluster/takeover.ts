/**
 * Every instance's take-over loop (several instances on one database): every third of a lease
 * (5 s by default) it looks for deploy runs and operations whose instance is gone — their lease
 * expired, or their process is dead on this machine — and takes them over through the same paths
 * a restart uses: lib/failover's persisted-step resume (rolled back before the point of no
 * return, run to the end after it) and lib/deploy's takeOverInterruptedRuns (finished by a new
 * run). Taking the lease decides which instance does it; the others skip.
 *
 * Worst case from a SIGKILL to the take-over: one lease (INSTANCE_LEASE_MS, 15 s) after the dead
 * instance's last renewal, plus one loop period (a third of it): 20 s by default; on the same
 * machine, one loop period.
 */
import { leaseMs } from "./instance";
import { currentDialect } from "@/lib/db/dialect";
import { isAppDatabaseDown } from "@/lib/db/errors";

/** INSTANCE_TAKEOVER=1|0; on by default with PostgreSQL (with SQLite, one instance: only at start-up). */
export function takeoverLoopEnabled(): boolean {
  const v = process.env.INSTANCE_TAKEOVER?.trim();
  if (v === "1") return true;
  if (v === "0") return false;
  return currentDialect() === "postgresql";
}

const KEY = Symbol.for("bacula-ha.takeoverLoop");

export function startTakeoverLoop(o: { everyMs?: number; log?: (m: string) => void } = {}): () => void {
  const g = globalThis as unknown as Record<symbol, (() => void) | undefined>;
  if (g[KEY]) return g[KEY];
  const every = o.everyMs ?? Math.max(500, Math.floor(leaseMs() / 3));
  const log = o.log ?? ((m: string) => console.log(m));
  let busy = false;
  let down = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const { resumeInterrupted } = await import("@/lib/failover/machine");
      const ops = await resumeInterrupted();
      for (const r of ops) if (r.action !== "skipped") log(`operation ${r.id}: taken over from a stopped instance: ${r.action} -> ${r.status}`);
      const { takeOverInterruptedRuns } = await import("@/lib/deploy/service");
      const runs = await takeOverInterruptedRuns();
      for (const r of runs) log(`deploy #${r.runId}: taken over from a stopped instance (unfinished: ${r.unfinished.join(", ") || "none"})`);
      if (down) log("take-over loop: the app's database is usable again");
      down = false;
    } catch (err) {
      // The app's database down or taking no writes: one line per change, not a stack per tick.
      if (isAppDatabaseDown(err)) {
        if (!down) console.error(`take-over loop: the app's database is not usable, waiting (${err instanceof Error ? err.message.split("\n").filter(Boolean).pop() : String(err)})`);
        down = true;
        return;
      }
      console.error("take-over loop:", err);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), every);
  timer.unref?.();
  const stop = () => {
    clearInterval(timer);
    delete g[KEY];
  };
  g[KEY] = stop;
  return stop;
}
