/**
 * A Bacula program that never exits is run once more (the hang itself cannot be caused on demand in
 * the real bbconsjson: a stand-in script hangs on its first run only); one that reads stdin gets an
 * end of file at once.
 */
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runBaculaTool } from "./tool-run";

const dir = mkdtempSync(path.join(os.tmpdir(), "bhd-tool-run-"));
const script = (name: string, body: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, `#!/bin/sh\n${body}\n`);
  chmodSync(f, 0o755);
  return f;
};

describe("runBaculaTool", () => {
  it("runs a program that timed out once more, and reports a second timeout", () => {
    const mark = path.join(dir, "ran-once");
    const flaky = script("flaky", `if [ -e ${mark} ]; then echo second; exit 0; fi\n: > ${mark}\nexec sleep 30`);
    const r = runBaculaTool(flaky, [], { timeoutMs: 500 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("second\n");
    expect(existsSync(mark)).toBe(true);
    const stuck = script("stuck", "exec sleep 30");
    const t0 = Date.now();
    const s = runBaculaTool(stuck, [], { timeoutMs: 300 });
    expect((s.error as NodeJS.ErrnoException).code).toBe("ETIMEDOUT");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
  });

  it("gives the program an empty stdin, so one that reads it does not wait", () => {
    const reader = script("reader", "cat; echo read");
    const r = runBaculaTool(reader, [], { timeoutMs: 2000 });
    expect(r.error).toBeUndefined();
    expect(r.stdout.toString()).toBe("read\n");
  });

  it("runs Bacula's own program and passes its exit code", () => {
    const conf = path.join(dir, "bconsole.conf");
    writeFileSync(conf, 'Director {\n  Name = d\n  DIRport = 9101\n  address = localhost\n  Password = "p"\n}\n');
    expect(runBaculaTool("/usr/sbin/bbconsjson", ["-t", "-c", conf], { timeoutMs: 20_000 }).status).toBe(0);
    writeFileSync(conf, "Director {\n");
    expect(runBaculaTool("/usr/sbin/bbconsjson", ["-t", "-c", conf], { timeoutMs: 20_000 }).status).not.toBe(0);
  });
});

describe("runBaculaTool's attempts", () => {
  it("cuts a stalled run at the attempt's limit and runs again while the budget holds: a stall costs one attempt", () => {
    const count = path.join(dir, "attempts");
    // Stalls on its first two runs (as Bacula's exit stall would), answers on the third.
    const twice = script("stall-twice", `n=$(cat ${count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${count}\nif [ $n -le 2 ]; then exec sleep 30; fi\necho answered`);
    const t0 = Date.now();
    const r = runBaculaTool(twice, [], { timeoutMs: 2000, attemptMs: 400 });
    const took = Date.now() - t0;
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toBe("answered\n");
    expect(took).toBeGreaterThanOrEqual(800);
    expect(took).toBeLessThan(2000);
    // A budget of 1 s in attempts of 400 ms: two attempts, then the timeout is reported.
    const stuck = script("stuck-long", "exec sleep 30");
    const t1 = Date.now();
    expect((runBaculaTool(stuck, [], { timeoutMs: 1000, attemptMs: 400 }).error as NodeJS.ErrnoException).code).toBe("ETIMEDOUT");
    expect(Date.now() - t1).toBeLessThan(1500);
  });
});
