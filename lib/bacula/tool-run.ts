/**
 * Runs one of Bacula's own programs (bdirjson, bsdjson, bfdjson, bbconsjson) on a config file.
 *
 * Those programs now and then never exit: seen in the suite (bbconsjson, 2 runs in 4) and by an
 * outside trial (3 checks in ~25), while the same file passed in 0.02 s when run again and 1,400
 * runs in a row never hung. A run that times out is therefore run once more before its timeout is
 * reported. stdin is /dev/null, so a program that reads it gets an end of file, not a wait.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";

export interface ToolRunOptions {
  timeoutMs: number;
  cwd?: string;
}

export function runBaculaTool(bin: string, args: readonly string[], o: ToolRunOptions): SpawnSyncReturns<Buffer> {
  const once = () => spawnSync(bin, args, { cwd: o.cwd, timeout: o.timeoutMs, maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  const r = once();
  return (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT" ? once() : r;
}
