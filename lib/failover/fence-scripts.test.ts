/**
 * The fence's remote stop and kill scripts, run by the real /bin/sh on real processes: they wait
 * for the postmaster on the host's clock, so a host whose forked `sleep`s take longer than asked (a
 * loaded machine: CI's, where a count of sleeps outlived its step) still ends each step on time. The
 * slow host is a `sleep` on PATH that sleeps five times as long.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KILL_SCRIPT, STOP_SCRIPT } from "./fence";

const dir = mkdtempSync(path.join(os.tmpdir(), "bhd-fence-scripts-"));
const slowSleep = path.join(dir, "sleep");
writeFileSync(slowSleep, `#!/bin/sh\nexec /bin/sleep "$(awk "BEGIN { print $1 * 5 }")"\n`);
chmodSync(slowSleep, 0o755);
const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
const kids: number[] = [];
afterAll(() => {
  for (const p of kids) try { process.kill(p, "SIGKILL"); } catch { /* gone */ }
});

/** A process frozen with SIGSTOP: it acts on no signal but SIGKILL, as the frozen postmaster. */
function frozen(): number {
  const p = spawn("/bin/sleep", ["60"], { stdio: "ignore" });
  kids.push(p.pid!);
  process.kill(p.pid!, "SIGSTOP");
  return p.pid!;
}

describe("the fence's stop and kill scripts", () => {
  it("give up on a process that does not stop when their time is over, though each sleep takes five times as long", () => {
    const pid = frozen();
    const t0 = Date.now();
    const r = spawnSync("/bin/sh", ["-c", STOP_SCRIPT, "sh", dir, "/bin/true", "fast", String(pid), "1000", ""], { env, encoding: "utf8" });
    const took = Date.now() - t0;
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/running\n$/);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(1600);
  });

  it("kill a frozen process and see it gone", () => {
    const pid = frozen();
    const r = spawnSync("/bin/sh", ["-c", KILL_SCRIPT, "sh", String(pid), "1000"], { env, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`SIGKILL sent to postmaster ${pid}`);
    expect(r.stdout).toMatch(/stopped\n$/);
  });
});
