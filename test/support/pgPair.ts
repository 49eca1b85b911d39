/**
 * Test helper: a real PostgreSQL 15 primary + streaming hot standby on loopback.
 *
 * Wraps scripts/testenv/pg-pair.sh (the single place that knows how to build the pair) and adds
 * the handful of operations tests need: write on the primary, pause/resume replay on the standby,
 * stop/start/promote members, wait for streaming or catch-up.
 *
 *   const pair = await startPgPair();          // ~1-2 s; free ports, unique dir under /tmp
 *   try {
 *     await pair.write(100);                    // rows into bacula.public.pgpair_writes
 *     await pair.pauseReplay();                 // standby keeps receiving, stops replaying
 *     ...
 *   } finally {
 *     await pair.stop();                        // immediate stop of both, removes the dir
 *   }
 *
 * Facts:
 * - Both members listen on 127.0.0.1 only, scram-sha-256 on TCP; superuser `postgres`,
 *   replication role `replicator`, monitoring role `bacula_monitor` (member of pg_monitor),
 *   database `bacula`; the standby uses the physical slot `standby1_slot` (override: slotName).
 * - The standby's primary_conninfo comes from `pg_basebackup -R`: it has no application_name,
 *   so the primary's pg_stat_replication row shows application_name = 'walreceiver'.
 * - wal_receiver_status_interval = 1s, so replay positions reach the primary within ~1 s.
 * - Needs root (the script uses runuser -u postgres) and the PostgreSQL 15 binaries
 *   (PG_BIN, default /usr/lib/postgresql/15/bin); otherwise startPgPair throws a clear Error.
 * - Pairs still running when the process exits are stopped and removed (exit/SIGINT/SIGTERM).
 * - Start takes ~1.1 s on an idle 2-CPU machine, 3-6 s while other suites load it.
 * - freeze(node)/thaw(node) SIGSTOP/SIGCONT a postmaster to simulate a hung server.
 */
import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { freePort } from "./net";

export const PG_PAIR_SCRIPT = fileURLToPath(new URL("../../scripts/testenv/pg-pair.sh", import.meta.url));
export const DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin";

export type PgMemberName = "primary" | "standby";

export interface PgNodeInfo {
  name: PgMemberName;
  host: string;
  port: number;
  dataDir: string;
}

export interface PgCreds {
  user: string;
  password: string;
}

export interface StartPgPairOptions {
  /** Password of `bacula_monitor` (default "monitor-secret"). */
  monitorPassword?: string;
  /** Password of the `postgres` superuser (default random). */
  superuserPassword?: string;
  /** Physical replication slot of the standby (default "standby1_slot"). */
  slotName?: string;
  /** Parent directory of the unique pair directory (default os.tmpdir(); must be traversable by postgres). */
  baseDir?: string;
  /** Keep the data directory after stop() (for debugging). Default false. */
  keepDir?: boolean;
  /** Explicit ports (default: two free loopback ports). */
  primaryPort?: number;
  standbyPort?: number;
  /** How long pg-pair.sh waits for streaming (s, default 30). */
  waitSeconds?: number;
  /** false: the primary alone, no standby (a single cluster: the app's own test database). */
  standby?: boolean;
  /** max_connections of the members (default 40). */
  maxConnections?: number;
}

export interface PgPair {
  /** Unique directory holding primary/, standby/, sock/, log/ and pair.env. */
  dir: string;
  primary: PgNodeInfo;
  standby: PgNodeInfo;
  socketDir: string;
  database: string;
  slotName: string;
  superuser: PgCreds;
  monitor: PgCreds;
  replication: PgCreds;
  /** Wall time pg-pair.sh took to build the pair (ms), as measured by the script. */
  startMs: number;
  /** node-postgres config for a member (superuser and the `bacula` database unless overridden). */
  config(node: PgMemberName, opts?: { creds?: PgCreds; database?: string }): pg.ClientConfig;
  /** Run one statement as the superuser on a member and return its rows. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    node: PgMemberName,
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  /** Insert nRows (payloadBytes each, default 100) on the primary; returns pg_current_wal_lsn() afterwards. */
  write(nRows: number, opts?: { payloadBytes?: number }): Promise<string>;
  /** pg_current_wal_lsn() of the primary. */
  currentLsn(): Promise<string>;
  /** pg_wal_replay_pause() on the standby; resolves once the pause state is 'paused'. */
  pauseReplay(): Promise<void>;
  /** pg_wal_replay_resume() on the standby. */
  resumeReplay(): Promise<void>;
  /** Wait until the primary has a 'streaming' pg_stat_replication row and the standby's receiver streams. */
  waitForStreaming(timeoutMs?: number): Promise<void>;
  /** Wait until the primary sees replay_lsn >= its current LSN (byte lag 0). */
  waitForCatchUp(timeoutMs?: number): Promise<void>;
  /** Immediate stop of one member (tolerant of already stopped). */
  stopStandby(): Promise<void>;
  stopPrimary(): Promise<void>;
  /** Start a stopped member again (waits until it accepts connections). */
  startStandby(): Promise<void>;
  startPrimary(): Promise<void>;
  /** SELECT pg_promote(true, 60) on the standby. */
  promoteStandby(): Promise<void>;
  /**
   * SIGSTOP a member's postmaster: TCP connects are accepted by the kernel but never answered
   * (a hung server; existing sessions keep working). thaw() sends SIGCONT. stop() thaws first.
   */
  freeze(node: PgMemberName): void;
  thaw(node: PgMemberName): void;
  /** Whether a member's postmaster runs. */
  isRunning(node: PgMemberName): Promise<boolean>;
  /** Stop both members and (unless keepDir) remove the directory. Idempotent. */
  stop(): Promise<void>;
}

const live = new Map<string, { keepDir: boolean }>();
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const cleanupSync = () => {
    for (const [dir, { keepDir }] of live) {
      spawnSync("bash", [PG_PAIR_SCRIPT, "stop", dir], { stdio: "ignore", timeout: 30_000 });
      if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
    }
    live.clear();
  };
  process.on("exit", cleanupSync);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const handler = () => {
      cleanupSync();
      process.removeListener(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/** Throws a clear Error when PostgreSQL 15 binaries or the postgres OS user are missing. */
export function assertPostgresAvailable(pgBin = process.env.PG_BIN ?? DEFAULT_PG_BIN): void {
  for (const b of ["initdb", "pg_ctl", "pg_basebackup", "postgres", "psql"]) {
    const p = path.join(pgBin, b);
    if (!fs.existsSync(p)) {
      throw new Error(
        `PostgreSQL binary ${p} is missing: install postgresql-15 (scripts/testenv/install-debian-deps.sh) or set PG_BIN`,
      );
    }
  }
  if (!fs.existsSync(PG_PAIR_SCRIPT)) throw new Error(`${PG_PAIR_SCRIPT} is missing`);
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    const who = spawnSync("id", ["-un"], { encoding: "utf8" }).stdout.trim();
    if (who !== "postgres") throw new Error("startPgPair needs root (runuser -u postgres) or the postgres user");
  }
}

export { freePort };

async function twoFreePorts(): Promise<[number, number]> {
  const a = await freePort();
  let b = await freePort();
  for (let i = 0; b === a && i < 5; i++) b = await freePort();
  return [a, b];
}

function run(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile("bash", [PG_PAIR_SCRIPT, ...args], { env, timeout: timeoutMs, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`pg-pair.sh ${args.join(" ")} failed: ${err.message}\n${stderr}`.trim()));
      } else resolve({ stdout, stderr });
    });
  });
}

function parseFacts(stdout: string): Record<string, string> {
  const lines = stdout.trim().split("\n");
  const last = lines[lines.length - 1] ?? "";
  const facts: Record<string, string> = {};
  for (const tok of last.split(/\s+/)) {
    const eq = tok.indexOf("=");
    if (eq > 0) facts[tok.slice(0, eq)] = tok.slice(eq + 1);
  }
  for (const k of ["PG_PAIR_DIR", "PRIMARY_PORT", "STANDBY_PORT", "SUPERUSER_PASSWORD", "MONITOR_PASSWORD"]) {
    if (!facts[k]) throw new Error(`pg-pair.sh printed no ${k}: ${last}`);
  }
  return facts;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Build a primary + streaming standby pair. See the module comment. */
export async function startPgPair(opts: StartPgPairOptions = {}): Promise<PgPair> {
  assertPostgresAvailable();
  installCleanup();
  const base = opts.baseDir ?? os.tmpdir();
  const attempts = opts.primaryPort || opts.standbyPort ? 1 : 3;
  let lastErr: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const dir = fs.mkdtempSync(path.join(base, "pgpair-"));
    const [p0, s0] = await twoFreePorts();
    const pport = opts.primaryPort ?? p0;
    const sport = opts.standbyPort ?? s0;
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (opts.monitorPassword) env.PG_PAIR_MONITOR_PASSWORD = opts.monitorPassword;
    if (opts.superuserPassword) env.PG_PAIR_SUPERUSER_PASSWORD = opts.superuserPassword;
    if (opts.slotName) env.PG_PAIR_SLOT = opts.slotName;
    if (opts.waitSeconds) env.PG_PAIR_WAIT_SECONDS = String(opts.waitSeconds);
    if (opts.standby === false) env.PG_PAIR_STANDBY = "0";
    if (opts.maxConnections) env.PG_PAIR_MAX_CONNECTIONS = String(opts.maxConnections);
    live.set(dir, { keepDir: !!opts.keepDir });
    try {
      const { stdout } = await run(["start", dir, String(pport), String(sport)], env, 120_000);
      return makePair(parseFacts(stdout), !!opts.keepDir);
    } catch (e) {
      lastErr = e;
      await run(["stop", dir], process.env, 60_000).catch(() => undefined);
      live.delete(dir);
      if (!opts.keepDir) fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr));
}

function makePair(f: Record<string, string>, keepDir: boolean): PgPair {
  const dir = f.PG_PAIR_DIR;
  const primary: PgNodeInfo = { name: "primary", host: f.PRIMARY_HOST ?? "127.0.0.1", port: Number(f.PRIMARY_PORT), dataDir: f.PRIMARY_DATA };
  const standby: PgNodeInfo = { name: "standby", host: f.STANDBY_HOST ?? "127.0.0.1", port: Number(f.STANDBY_PORT), dataDir: f.STANDBY_DATA };
  const superuser: PgCreds = { user: f.SUPERUSER ?? "postgres", password: f.SUPERUSER_PASSWORD };
  const monitor: PgCreds = { user: f.MONITOR_USER ?? "bacula_monitor", password: f.MONITOR_PASSWORD };
  const replication: PgCreds = { user: f.REPL_USER ?? "replicator", password: f.REPL_PASSWORD ?? "" };
  const database = f.DATABASE ?? "bacula";
  const nodes = { primary, standby };
  let stopped = false;
  const frozen = new Set<number>();
  const postmasterPid = (node: PgMemberName): number => {
    const text = fs.readFileSync(path.join(nodes[node].dataDir, "postmaster.pid"), "utf8");
    const pid = Number(text.split("\n")[0]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid for ${node}`);
    return pid;
  };

  const config: PgPair["config"] = (node, o = {}) => ({
    host: nodes[node].host,
    port: nodes[node].port,
    user: (o.creds ?? superuser).user,
    password: (o.creds ?? superuser).password,
    database: o.database ?? database,
    connectionTimeoutMillis: 5000,
    statement_timeout: 30_000,
    application_name: "pgpair-test-helper",
  });

  const query: PgPair["query"] = async <R extends Record<string, unknown>>(node: PgMemberName, sql: string, params?: unknown[]) => {
    const c = new pg.Client(config(node));
    c.on("error", () => undefined);
    await c.connect();
    try {
      const r = await c.query<R>(sql, params);
      return r.rows;
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  const scalar = async (node: PgMemberName, sql: string): Promise<unknown> => {
    const rows = await query(node, sql);
    return rows[0] ? Object.values(rows[0])[0] : undefined;
  };

  const waitFor = async (what: string, timeoutMs: number, cond: () => Promise<boolean>) => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        if (await cond()) return;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) {
        throw new Error(`pgPair: timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
      }
      await sleep(100);
    }
  };

  const pair: PgPair = {
    dir,
    primary,
    standby,
    socketDir: f.SOCKET_DIR ?? path.join(dir, "sock"),
    database,
    slotName: f.SLOT ?? "standby1_slot",
    superuser,
    monitor,
    replication,
    startMs: Number(f.START_MS ?? NaN),
    config,
    query,
    async write(nRows, o = {}) {
      const payload = Math.max(0, Math.floor(o.payloadBytes ?? 100));
      await query("primary", "CREATE TABLE IF NOT EXISTS pgpair_writes (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), payload text)");
      await query(
        "primary",
        "INSERT INTO pgpair_writes (payload) SELECT repeat('x', $2::int) FROM generate_series(1, $1::int)",
        [Math.floor(nRows), payload],
      );
      return String(await scalar("primary", "SELECT pg_current_wal_lsn()::text"));
    },
    async currentLsn() {
      return String(await scalar("primary", "SELECT pg_current_wal_lsn()::text"));
    },
    async pauseReplay() {
      await query("standby", "SELECT pg_wal_replay_pause()");
      await waitFor("replay pause", 10_000, async () => (await scalar("standby", "SELECT pg_get_wal_replay_pause_state()")) === "paused");
    },
    async resumeReplay() {
      await query("standby", "SELECT pg_wal_replay_resume()");
    },
    async waitForStreaming(timeoutMs = 15_000) {
      await waitFor("streaming", timeoutMs, async () => {
        const p = await scalar("primary", "SELECT count(*)::int FROM pg_stat_replication WHERE state = 'streaming'");
        const s = await scalar("standby", "SELECT count(*)::int FROM pg_stat_wal_receiver WHERE status = 'streaming'");
        return Number(p) >= 1 && Number(s) === 1;
      });
    },
    async waitForCatchUp(timeoutMs = 15_000) {
      await waitFor("catch-up (replay byte lag 0)", timeoutMs, async () => {
        const rows = await query<{ lag: string | null }>(
          "primary",
          "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text AS lag FROM pg_stat_replication",
        );
        return rows.length > 0 && rows.every((r) => r.lag !== null && Number(r.lag) <= 0);
      });
    },
    async stopStandby() {
      await run(["stop-node", dir, "standby"], process.env, 60_000);
    },
    async stopPrimary() {
      await run(["stop-node", dir, "primary"], process.env, 60_000);
    },
    async startStandby() {
      await run(["start-node", dir, "standby"], process.env, 60_000);
    },
    async startPrimary() {
      await run(["start-node", dir, "primary"], process.env, 60_000);
    },
    async promoteStandby() {
      const ok = await scalar("standby", "SELECT pg_promote(true, 60)");
      if (ok !== true) throw new Error("pg_promote returned false");
    },
    freeze(node) {
      const pid = postmasterPid(node);
      process.kill(pid, "SIGSTOP");
      frozen.add(pid);
    },
    thaw(node) {
      const pid = postmasterPid(node);
      process.kill(pid, "SIGCONT");
      frozen.delete(pid);
    },
    async isRunning(node) {
      const { stdout } = await run(["status", dir], process.env, 30_000);
      return new RegExp(`${node}=up`).test(stdout);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const pid of frozen) {
        try {
          process.kill(pid, "SIGCONT");
        } catch {
          /* gone */
        }
      }
      frozen.clear();
      try {
        await run(["stop", dir], process.env, 60_000);
      } finally {
        live.delete(dir);
        if (!keepDir) fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return pair;
}
