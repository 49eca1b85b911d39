/**
 * The deploy service end to end (lib/deploy/service.ts startDeploy, what POST /api/deploy/runs runs),
 * for bench/deploy.ts, in a process of its own: a database of its own with the demo topology plus
 * one standby Director of its primary per sshd (the servers' facts come on stdin, the result goes to
 * stdout as `RESULT <json>`). 1 host against all of them, in turns.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus } from "node:os";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Rounds of each (1 host, 10 hosts), taken in turns; the medians are reported (10 hosts on 2 shared cores vary by +-15% from run to run). */
const ROUNDS = 9;

export interface SshdFacts {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  hostKeyFingerprint: string;
  remoteDir: string;
}

export interface ServiceResult {
  oneHostMedianMs: number;
  tenHostsMedianMs: number;
  ratio: number;
  pass: boolean;
  phasesMs: Record<string, number>;
  appCpuMs: { oneHost: number; tenHosts: number };
  /** The whole machine's busy CPU per deploy (app + the local hosts' sshd, bash, bdirjson) and its share of every core over the deploy's wall time. */
  machine: { cores: number; busyMs: { oneHost: number; tenHosts: number }; busyShare: { oneHost: number; tenHosts: number } };
}

/** The machine's busy CPU time so far (every core, from /proc/stat), in ms: what the app, sshd, bash and bdirjson of the local hosts used together. */
function machineBusyMs(): number {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3] - cpu[4];
  return (busy * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function serviceDeploys(servers: SshdFacts[]): Promise<ServiceResult> {
  const HOSTS = servers.length;
  const tmp = mkdtempSync(join(tmpdir(), "bhd-bench-deploy-"));
  const saved = { DATABASE_URL: process.env.DATABASE_URL, APP_KEY_FILE: process.env.APP_KEY_FILE };
  process.env.DATABASE_URL = `file:${join(tmp, "app.db")}`;
  process.env.APP_KEY_FILE = join(tmp, "secret.key");
  try {
    const { applyMigrations } = await import("@/test/support/db");
    const { openSqlite } = await import("@/test/support/sqlite");
    const raw = openSqlite(join(tmp, "app.db"));
    applyMigrations(raw);
    raw.close();
    const { prisma } = await import("@/lib/db/client");
    const { encryptSecret } = await import("@/lib/secrets");
    const { seedDemo } = await import("@/lib/demo/seed");
    const { bumpModelRevision } = await import("@/lib/audit");
    const { startDeploy } = await import("@/lib/deploy/service");
    await seedDemo(prisma, { actor: "bench" });
    const primary = await prisma.director.findFirstOrThrow({ where: { role: "primary" } });
    const keys: string[] = [];
    for (const [i, s] of servers.entries()) {
      const etc = join(s.remoteDir, "svc-etc");
      const work = join(s.remoteDir, "work");
      for (const d of [etc, work]) {
        mkdirSync(d, { recursive: true });
        const uid = Number(execFileSync("id", ["-u", s.user], { encoding: "utf8" }));
        chownSync(d, uid, Number(execFileSync("id", ["-g", s.user], { encoding: "utf8" })));
      }
      const host = await prisma.host.create({ data: { name: `bench-host-${i + 1}`, address: s.host, sshPort: s.port, sshUser: s.user, privateKeyEnc: encryptSecret(s.privateKey), hostKeyFingerprint: s.hostKeyFingerprint } });
      const d = await prisma.director.create({
        data: { name: `bench-standby-${i + 1}`, address: "127.0.0.1", port: 19101 + i, passwordEnc: encryptSecret(`standby-${i}`), role: "standby", active: false, primaryId: primary.id, hostId: host.id, configDir: etc, workingDirectory: work, pidDirectory: work },
      });
      keys.push(`director:${d.id}`);
    }
    // The standbys get the primary's configuration, WorkingDirectory included: make it exist on the hosts (all on this machine).
    const work = join(tmp, "work");
    mkdirSync(work, { recursive: true });
    chmodSync(tmp, 0o755);
    chmodSync(work, 0o777);
    await prisma.director.update({ where: { id: primary.id }, data: { workingDirectory: work, pidDirectory: work } });
    let round = 0;
    const cpuOne: number[] = [];
    const cpuTen: number[] = [];
    const busyOne: number[] = [];
    const busyTen: number[] = [];
    const shareOne: number[] = [];
    const shareTen: number[] = [];
    const cores = cpus().length;
    const once = async (n: number) => {
      // A real change every round (a Pool's volume count), so nothing is skipped as unchanged.
      round++;
      await prisma.pool.updateMany({ where: { directorId: primary.id }, data: { maximumVolumes: 100 + round } });
      await bumpModelRevision();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const busy0 = machineBusyMs();
      const r = await startDeploy({ actor: "bench", dryRun: false, targets: keys.slice(0, n) });
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const busy = machineBusyMs() - busy0;
      (n === 1 ? busyOne : busyTen).push(busy);
      (n === 1 ? shareOne : shareTen).push(busy / (cores * ms));
      (n === 1 ? cpuOne : cpuTen).push((cpu.user + cpu.system) / 1000);
      const bad = r.results.filter((x) => x.status !== "succeeded");
      if (bad.length) throw new Error(`service deploy failed: ${bad.map((x) => `${x.name}: ${x.error}`).join("; ")}`);
      return ms;
    };
    await once(1);
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
    const { lastDeployPhases } = await import("@/lib/deploy/service");
    const phasesMs = lastDeployPhases();
    console.log(`deploy service (plan from the database, engine, recording, drift, audit), deploy to 1 host:   median ${oneMs.toFixed(0)} ms  (${one.map((x) => x.toFixed(0)).join(", ")})`);
    console.log(`deploy service, deploy to ${HOSTS} hosts: median ${tenMs.toFixed(0)} ms  (${ten.map((x) => x.toFixed(0)).join(", ")}); last run's phases ${JSON.stringify(phasesMs)}`);
    const m = { cores, busyMs: { oneHost: Math.round(median(busyOne.slice(1))), tenHosts: Math.round(median(busyTen.slice(1))) }, busyShare: { oneHost: Number(median(shareOne.slice(1)).toFixed(2)), tenHosts: Number(median(shareTen.slice(1)).toFixed(2)) } };
    console.log(`deploy service: ratio ${ratio.toFixed(2)}x (target <= 2x): ${ratio <= 2 ? "PASS" : "FAIL"}; the app's own CPU per deploy: median ${median(cpuOne.slice(1)).toFixed(0)} ms for 1 host, ${median(cpuTen.slice(1)).toFixed(0)} ms for ${HOSTS} (the rest of the wall time: sshd, bash and bdirjson of the ${HOSTS} local hosts on the same cores)`);
    console.log(`  the whole machine per deploy (app + the local hosts' sshd, bash, bdirjson): ${m.busyMs.oneHost} ms of CPU for 1 host (${Math.round(m.busyShare.oneHost * 100)}% of its ${cores} cores over the deploy), ${m.busyMs.tenHosts} ms for ${HOSTS} (${Math.round(m.busyShare.tenHosts * 100)}%): ${HOSTS} hosts cannot take less than ${Math.round(m.busyMs.tenHosts / cores)} ms here = ${(m.busyMs.tenHosts / cores / oneMs).toFixed(2)}x one host, before any waiting`);
    await prisma.$disconnect();
    return { oneHostMedianMs: Math.round(oneMs), tenHostsMedianMs: Math.round(tenMs), ratio: Number(ratio.toFixed(2)), pass: ratio <= 2, phasesMs, appCpuMs: { oneHost: Math.round(median(cpuOne.slice(1))), tenHosts: Math.round(median(cpuTen.slice(1))) }, machine: m };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    (await import("@/lib/secrets")).resetSecretKeyCache();
    const g = globalThis as { __prisma?: { $disconnect(): Promise<void> } };
    await g.__prisma?.$disconnect();
    delete g.__prisma;
    rmSync(tmp, { recursive: true, force: true });
  }
}


if (import.meta.url === `file://${process.argv[1]}`) {
  let input = "";
  process.stdin.on("data", (d: Buffer) => (input += d));
  process.stdin.on("end", () => {
    serviceDeploys(JSON.parse(input) as SshdFacts[]).then(
      (r) => {
        console.log(`RESULT ${JSON.stringify(r)}`);
        process.exit(0);
      },
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
