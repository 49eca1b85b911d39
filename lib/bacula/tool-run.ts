/**
 * Runs one of Bacula's own programs (bdirjson, bsdjson, bfdjson, bbconsjson) on a config file.
 *
 * Those programs now and then stall for 30 s at exit, after their work is done (seen here in 2 of
 * 600 runs of bbconsjson four at a time, in suite runs and by an outside trial). gdb on a stalled one
 * shows why: the main thread joins the lock manager's deadlock checker (lmgr_cleanup_main), which
 * missed the quit signal (it is sent between its `while (!do_quit)` test and its timed wait on the
 * condition) and sleeps out its CHECK_INTERVAL of 30 s (src/lib/lockmgr.c). The run is right, only
 * late. So each attempt gets a few seconds (a check takes well under one: 0.7 s for a 16 MiB
 * config), and an attempt that runs out is run again, as often as the caller's budget holds (twice
 * at least): a stall costs one attempt, not 30 s or the caller's whole timeout. stdin is /dev/null,
 * so a program that reads it gets an end of file, not a wait.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";

export interface ToolRunOptions {
  /** The whole budget: attempts are made while it holds one more (two at least). */
  timeoutMs: number;
  /** One attempt's limit (default 8 s, at most the budget). */
  attemptMs?: number;
  cwd?: string;
}

const ATTEMPT_MS = 8_000;

export function runBaculaTool(bin: string, args: readonly string[], o: ToolRunOptions): SpawnSyncReturns<Buffer> {
  const attempt = Math.max(100, Math.min(o.attemptMs ?? ATTEMPT_MS, o.timeoutMs));
  // As many attempts as the budget holds, and never fewer than two (a stall twice in a row is rare).
  const attempts = Math.max(2, Math.floor(o.timeoutMs / attempt));
  let r: SpawnSyncReturns<Buffer>;
  let n = 0;
  do r = spawnSync(bin, args, { cwd: o.cwd, timeout: attempt, maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  while ((r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT" && ++n < attempts);
  return r;
}
