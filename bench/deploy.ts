/**
 * Deploy bench (issue 4): the same Director configuration deployed to 1 host and to 10 hosts in
 * parallel, each host a real OpenSSH server on loopback (test/support/sshd) with Bacula's parser run
 * remotely (bdirjson -t). Each deploy goes through every step: connect, fetch, diff, upload, test,
 * backup, swap, verify (standby-style: the live file is tested again), cleanup. The content changes
 * on every round so that nothing is skipped as unchanged. Target: 10 hosts take at most 2x one host.
 *
 * Measured twice: the engine alone (targets rendered beforehand), and the whole deploy service as the
 * API runs it (plan: render + validate every target from the database, key decryption; the engine;
 * every step and target recorded in the database; drift state and the audit event): 10 standby
 * Directors of the demo topology's primary, each on its own sshd, against one of them.
 */
import { mkdirSync, chownSync } from "node:fs";
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { renderDirector } from "@/lib/bacula";
import { demoDirector } from "@/lib/bacula/testing/fixtures";
import { runDeploy, type DeployTarget } from "@/lib/deploy/engine";
import { hostLockKey } from "@/lib/deploy/lock";
import { sshTransport } from "@/lib/deploy/transport";
import { startSshd, type TestSshd } from "@/test/support/sshd";
import type { ServiceResult } from "./deploy-service";

const HOSTS = 10;
const ROUNDS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchDeploy(): Promise<Record<string, unknown>> {
  console.log(`\n== deploy: 1 host vs ${HOSTS} hosts in parallel (real sshd + bdirjson on each) ==`);
  const servers: TestSshd[] = [];
  try {
    servers.push(...(await Promise.all(Array.from({ length: HOSTS }, () => startSshd()))));
    const targets = servers.map((s, i): { t: (rev: number) => DeployTarget } => {
      const etc = join(s.remoteDir, "etc");
      const work = join(s.remoteDir, "work");
      for (const d of [etc, work]) {
        mkdirSync(d, { recursive: true });
        const uid = Number(execFileSync("id", ["-u", s.user], { encoding: "utf8" }));
        chownSync(d, uid, uid === 0 ? 0 : Number(execFileSync("id", ["-g", s.user], { encoding: "utf8" })));
      }
      return {
        t: (rev: number) => {
          const cfg = demoDirector({ work, run: work });
          cfg.director.description = `bench round ${rev}`;
          return {
            key: `director:${i + 1}`,
            kind: "director",
            daemonId: i + 1,
            name: `bench-dir-${i + 1}`,
            role: "standby",
            host: { key: hostLockKey(s.host, s.port), name: `h${i + 1}`, address: s.host, port: s.port, username: s.user, privateKey: s.privateKey, pinnedFingerprint: s.hostKeyFingerprint },
            files: [{ path: join(etc, "bacula-dir.conf"), content: renderDirector(cfg, { revision: rev }) }],
            testArgv: (p) => ["/usr/sbin/bdirjson", "-t", "-c", p],
            reload: { kind: "none", reason: "bench: verified by test" },
          };
        },
      };
    });
    const open = sshTransport({ connectTimeoutMs: 20_000 });
    let rev = 1;
    const once = async (n: number) => {
      rev++;
      const t0 = performance.now();
      const results = await runDeploy(targets.slice(0, n).map((x) => x.t(rev)), { runId: `bench-${rev}`, dryRun: false, open });
      const ms = performance.now() - t0;
      const bad = results.filter((r) => r.status !== "succeeded");
      if (bad.length) throw new Error(`bench deploy failed: ${bad.map((r) => `${r.name}: ${r.error}`).join("; ")}`);
      return ms;
    };
    await once(1); // warm-up (module loading, first connections)
    await once(HOSTS);
    const one: number[] = [];
    const ten: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      one.push(await once(1));
      ten.push(await once(HOSTS));
    }
    const oneMs = median(one);
    const tenMs = median(ten);
    const ratio = tenMs / oneMs;
    console.log(`engine alone, deploy to 1 host:   median ${oneMs.toFixed(0)} ms  (${one.map((x) => x.toFixed(0)).join(", ")})`);
    console.log(`engine alone, deploy to ${HOSTS} hosts: median ${tenMs.toFixed(0)} ms  (${ten.map((x) => x.toFixed(0)).join(", ")})`);
    console.log(`engine alone: ratio ${ratio.toFixed(2)}x (target <= 2x): ${ratio <= 2 ? "PASS" : "FAIL"}`);
    const service = await serviceDeploys(servers);
    return {
      hosts: HOSTS,
      rounds: ROUNDS,
      engine: { oneHostMedianMs: Math.round(oneMs), tenHostsMedianMs: Math.round(tenMs), ratio: Number(ratio.toFixed(2)), pass: ratio <= 2 },
      service,
      target: 2,
      pass: ratio <= 2 && service.pass,
      cpus: (await import("node:os")).cpus().length,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop().catch(() => {})));
  }
}

/**
 * The service part runs in a process of its own (bench/deploy-service.ts): it opens the app's
 * database client on a database of its own, and that client, once imported, would stay the one of
 * every later bench of this process. BENCH_CPU_PROF=DIR writes its CPU profile there.
 */
async function serviceDeploys(servers: TestSshd[]): Promise<ServiceResult> {
  const facts = servers.map((s) => ({ host: s.host, port: s.port, user: s.user, privateKey: s.privateKey, hostKeyFingerprint: s.hostKeyFingerprint, remoteDir: s.remoteDir }));
  const child = spawn(process.execPath, [...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), "--import", "tsx", "bench/deploy-service.ts"], { stdio: ["pipe", "pipe", "inherit"], env: process.env });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
    process.stdout.write(d.toString().split("\n").filter((l) => !l.startsWith("RESULT ")).join("\n"));
  });
  child.stdin.end(JSON.stringify(facts));
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  const line = out.split("\n").find((l) => l.startsWith("RESULT "));
  if (code !== 0 || !line) throw new Error(`bench/deploy-service.ts failed (exit ${code})`);
  return JSON.parse(line.slice("RESULT ".length)) as ServiceResult;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchDeploy().then(
    (r) => console.log(JSON.stringify(r)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
