/**
 * Real Bacula daemons for the end-to-end tests in this folder: bacula-sd, bacula-fd and bacula-dir
 * in the foreground (-f), as root, on free loopback ports, each with its own config under a
 * per-test directory; a SQLite catalog made with Bacula's own make_sqlite3_tables; bconsole with a
 * rendered bconsole.conf. (test/support/bacula-daemons.ts is the deploy tests' variant, whose
 * daemons run under an SSH test user.)
 *
 * Missing binaries throw (tests fail, never skip). Daemons still running when the process exits
 * are killed.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { freePort } from "../support/net";

export const BACULA_BIN = {
  dir: process.env.BACULA_DIR_BIN ?? "/usr/sbin/bacula-dir",
  sd: process.env.BACULA_SD_BIN ?? "/usr/sbin/bacula-sd",
  fd: process.env.BACULA_FD_BIN ?? "/usr/sbin/bacula-fd",
  bconsole: process.env.BCONSOLE_BIN ?? "/usr/sbin/bconsole",
  makeSqliteTables: process.env.BACULA_MAKE_SQLITE3_TABLES ?? "/usr/share/bacula-director/make_sqlite3_tables",
  sqlite3: "/usr/bin/sqlite3",
} as const;

export function requireBaculaDaemons(): void {
  const missing = Object.entries(BACULA_BIN).filter(([, p]) => !fs.existsSync(p));
  if (missing.length)
    throw new Error(
      `Bacula is not fully installed: missing ${missing.map(([k, p]) => `${k} (${p})`).join(", ")}. ` +
        "Install it with: apt-get install -t bookworm-backports bacula-director bacula-director-sqlite3 bacula-sd bacula-fd bacula-console sqlite3",
    );
  if (process.getuid?.() !== 0) throw new Error("the Bacula end-to-end test runs the daemons as root: run it as root");
}

export { freePort };

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").slice(-4000);
  } catch {
    return "(no log)";
  }
}

async function waitForPort(port: number, proc: ChildProcess, logFile: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`daemon exited (${proc.exitCode ?? proc.signalCode}) before listening on ${port}:\n${readLog(logFile)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`daemon did not listen on ${port} within ${timeoutMs} ms:\n${readLog(logFile)}`);
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

export interface Daemon {
  kind: "dir" | "sd" | "fd";
  proc: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/** Starts one daemon in the foreground with `-f -c config` and waits until its port answers. */
export async function startDaemon(kind: "dir" | "sd" | "fd", configFile: string, port: number, logDir: string): Promise<Daemon> {
  const logFile = path.join(logDir, `${kind}.out`);
  const out = fs.openSync(logFile, "a");
  const proc = spawn(BACULA_BIN[kind], ["-f", "-c", configFile], { stdio: ["ignore", out, out] });
  fs.closeSync(out);
  running.add(proc);
  proc.once("exit", () => running.delete(proc));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill("SIGTERM");
    const t = setTimeout(() => proc.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(t);
  };
  try {
    await waitForPort(port, proc, logFile);
  } catch (e) {
    await stop();
    throw e;
  }
  return { kind, proc, logFile, stop };
}

/** Creates the SQLite catalog `<dbBase>.db` with Bacula's own make_sqlite3_tables script. */
export function makeSqliteCatalog(dbBase: string): string {
  const r = spawnSync("sh", [BACULA_BIN.makeSqliteTables], { env: { ...process.env, db_name: dbBase }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`make_sqlite3_tables failed (${r.status}): ${r.stdout}${r.stderr}`);
  const file = `${dbBase}.db`;
  if (!fs.existsSync(file)) throw new Error(`make_sqlite3_tables did not create ${file}`);
  return file;
}

export function bconsoleConf(dirName: string, port: number, password: string): string {
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  return ["Director {", `  Name = ${q(dirName)}`, `  DIRport = ${port}`, "  Address = 127.0.0.1", `  Password = ${q(password)}`, "}", ""].join("\n");
}

/** Runs bconsole commands (one per line) and returns its output. */
export function bconsole(configFile: string, commands: string[], timeoutMs = 30_000): string {
  const r = spawnSync(BACULA_BIN.bconsole, ["-n", "-c", configFile], {
    input: commands.join("\n") + "\nquit\n",
    encoding: "utf8",
    timeout: timeoutMs,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`bconsole exited ${r.status}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Reads the catalog directly (read-only), e.g. `SELECT Type, PoolId FROM Job`. */
export function sqliteQuery(dbFile: string, sql: string): string[][] {
  const r = spawnSync(BACULA_BIN.sqlite3, ["-readonly", "-cmd", ".timeout 10000", "-separator", "\t", dbFile, sql], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
}
