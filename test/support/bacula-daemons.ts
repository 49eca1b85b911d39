/**
 * Real Bacula daemons for deploy tests, on loopback ports, with their files under a directory that
 * the sshd test user owns (so that deploys over the test sshd can stage, swap and roll back there).
 *
 * - startDirector(): a bacula-dir (15.0.3, Debian's SQLite catalog backend) started by root in the
 *   foreground as a child of the test process; its catalog tables come from Bacula's own
 *   make_sqlite3_tables. bconsole.conf beside it, readable by the test user, so a deploy can run
 *   `bconsole reload` over SSH.
 * - storageDaemonFiles(): the files of a bacula-sd that the test user restarts itself over SSH with
 *   a restart script (argv, no shell on our side), as a real SD's `systemctl restart` would.
 *
 * Missing binaries throw clear errors: the tests fail, they are never skipped.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderDirector, renderStorageDaemon } from "@/lib/bacula";
import { FILE_DEVICE, type DirectorConfig, type StorageDaemonConfig } from "@/lib/bacula/model";
import { freePort } from "./sshd";

export const BACULA_DIR = "/usr/sbin/bacula-dir";
export const BACULA_SD = "/usr/sbin/bacula-sd";
export const BACULA_FD = "/usr/sbin/bacula-fd";
export const BCONSOLE = "/usr/sbin/bconsole";
export const BDIRJSON = "/usr/sbin/bdirjson";
export const BSDJSON = "/usr/sbin/bsdjson";
const MAKE_TABLES = "/usr/share/bacula-director/make_sqlite3_tables";

function need(path: string, pkg: string) {
  if (!existsSync(path)) throw new Error(`${path} not found: install ${pkg} (Bacula 15 from bookworm-backports)`);
}

function uidGid(user: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/** Write a file owned by `user` (the sshd test user), so that deploys may replace it. */
/** The pid of a running daemon from its pid files in `run` (`<program>.<port>.pid`), or null. */
export function runningPid(run: string, program: string): number | null {
  const files = execFileSync("sh", ["-c", `ls '${run}'/${program}.*.pid 2>/dev/null || true`], { encoding: "utf8" }).split("\n").filter(Boolean);
  for (const f of files) {
    const p = Number(readFileSync(f, "utf8").trim());
    if (p > 0) {
      try {
        process.kill(p, 0);
        return p;
      } catch {
        /* stale */
      }
    }
  }
  return null;
}

export function writeOwned(path: string, content: string, user: string, mode = 0o640) {
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  const { uid, gid } = uidGid(user);
  chownSync(path, uid, gid);
}

export function mkdirOwned(path: string, user: string, mode = 0o755) {
  mkdirSync(path, { recursive: true, mode });
  chmodSync(path, mode);
  const { uid, gid } = uidGid(user);
  chownSync(path, uid, gid);
}

export interface DirectorModelOptions {
  name: string;
  port: number;
  password: string;
  work: string;
  run: string;
  extraCatalog?: boolean;
}

/** A small Director model that a real bacula-dir with the SQLite backend starts with. */
export function testDirectorModel(o: DirectorModelOptions): DirectorConfig {
  const cfg: DirectorConfig = {
    director: {
      name: o.name,
      address: "127.0.0.1",
      port: o.port,
      password: o.password,
      version: "15.0.3",
      queryFile: "/etc/bacula/scripts/query.sql",
      workingDirectory: o.work,
      pidDirectory: o.run,
      maxConcurrentJobs: 10,
      messages: "Daemon",
    },
    catalogs: [{ name: "MyCatalog", dbName: "bacula", dbUser: "bacula", dbPassword: "", dbAddress: "127.0.0.1", dbPort: 5432 }],
    storages: [
      { name: "File1", address: "127.0.0.1", sdPort: 1, password: "sd-secret", device: "FileDev1", mediaType: "File1", maxConcurrentJobs: 5 },
    ],
    pools: [{ name: "Default", poolType: "Backup", recycle: true, autoPrune: true, storage: ["File1"] }],
    clients: [{ name: "local-fd", address: "127.0.0.1", fdPort: 1, password: "fd-secret", catalog: "MyCatalog", autoPrune: true }],
    filesets: [{ name: "Config", include: [o.work], exclude: [] }],
    schedules: [],
    messages: [
      { name: "Daemon", destinations: [{ kind: "console", types: ["all", "!skipped", "!saved"] }, { kind: "append", where: join(o.work, "log"), types: ["all", "!skipped"] }] },
      { name: "Standard", destinations: [{ kind: "console", types: ["all", "!skipped", "!saved"] }, { kind: "append", where: join(o.work, "log"), types: ["all", "!skipped"] }] },
    ],
    jobDefs: [],
    jobs: [
      {
        name: "Housekeeping",
        type: "Admin",
        client: "local-fd",
        fileset: "Config",
        pool: "Default",
        messages: "Standard",
        runScripts: [{ runsWhen: "Before", runsOnClient: false, failJobOnError: true, command: "/bin/true" }],
      },
    ],
  };
  return cfg;
}

export interface TestDirector {
  name: string;
  port: number;
  password: string;
  /** The config directory (owned by the sshd user). */
  etc: string;
  configPath: string;
  bconsoleConfig: string;
  work: string;
  run: string;
  model: DirectorConfig;
  process: ChildProcess;
  /** Run bconsole locally (as root) with these commands on stdin. */
  console(commands: string[]): string;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Start a Director whose configuration lives in `<base>/etc/bacula-dir.conf`, owned by `user`.
 * `model` may adjust the default model before the first render.
 */
export async function startDirector(
  base: string,
  user: string,
  opts: { name?: string; adjust?: (m: DirectorConfig) => void } = {},
): Promise<TestDirector> {
  need(BACULA_DIR, "bacula-director");
  need(BCONSOLE, "bacula-console");
  need(MAKE_TABLES, "bacula-director-sqlite3");
  const etc = join(base, "etc");
  const work = join(base, "work");
  const run = join(base, "run");
  mkdirOwned(base, user);
  mkdirOwned(etc, user, 0o755);
  mkdirSync(work, { recursive: true, mode: 0o755 });
  mkdirSync(run, { recursive: true, mode: 0o755 });
  chmodSync(work, 0o755);
  const port = await freePort();
  const name = opts.name ?? "test-dir";
  const password = "console-" + Math.random().toString(36).slice(2);
  const model = testDirectorModel({ name, port, password, work, run });
  opts.adjust?.(model);
  const configPath = join(etc, "bacula-dir.conf");
  writeOwned(configPath, renderDirector(model, { revision: 1 }), user);
  const bconsoleConfig = join(etc, "bconsole.conf");
  writeOwned(
    bconsoleConfig,
    `Director {\n  Name = ${name}\n  DIRport = ${port}\n  Address = 127.0.0.1\n  Password = "${password}"\n}\n`,
    user,
    0o640,
  );
  // The catalog: Bacula's own table script, run in the working directory.
  const script = readFileSync(MAKE_TABLES, "utf8").replace(/^cd \/var\/lib\/bacula$/m, `cd '${work}'`);
  execFileSync("sh", ["-c", script], { env: { ...process.env, db_name: "bacula" }, stdio: "pipe" });

  const child = spawn(BACULA_DIR, ["-f", "-c", configPath], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const consoleRun = (commands: string[]) =>
    execFileSync(BCONSOLE, ["-c", bconsoleConfig], { input: commands.join("\n") + "\n", encoding: "utf8", timeout: 30_000 });
  // Ready when bconsole gets an answer.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bacula-dir exited (${child.exitCode}): ${output}`);
    try {
      if (consoleRun(["status director"]).includes(`${name} Version`)) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`bacula-dir did not answer bconsole within 15 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    port,
    password,
    etc,
    configPath,
    bconsoleConfig,
    work,
    run,
    model,
    process: child,
    console: consoleRun,
    log: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await gone;
      clearTimeout(t);
    },
  };
}

export interface TestStorageDaemonFiles {
  etc: string;
  configPath: string;
  work: string;
  run: string;
  /** Argv-safe restart command: stops the running SD (pid file) and starts it on the live config. */
  restartScript: string;
  model: StorageDaemonConfig;
  port: number;
  /** Pid of the running SD, or null. */
  pid(): number | null;
  /** Stop it (by its pid file). */
  stop(): void;
}

/** Files of a Storage Daemon run by `user`; start it by running restartScript as that user (over SSH). */
export async function storageDaemonFiles(base: string, user: string, directorName: string): Promise<TestStorageDaemonFiles> {
  need(BACULA_SD, "bacula-sd");
  const etc = join(base, "etc");
  const work = join(base, "work");
  const run = join(base, "run");
  const archive = join(base, "archive");
  mkdirOwned(base, user);
  for (const d of [etc, work, run, archive]) mkdirOwned(d, user, 0o755);
  const port = await freePort();
  const model: StorageDaemonConfig = {
    storage: { name: "test-sd", address: "127.0.0.1", sdPort: port, workingDirectory: work, pidDirectory: run, maxConcurrentJobs: 5 },
    directors: [{ name: directorName, password: "sd-secret" }],
    devices: [
      {
        name: "FileDev1",
        mediaType: "File1",
        archiveDevice: archive,
        ...FILE_DEVICE,
        maximumConcurrentJobs: 5,
      },
    ],
    autochangers: [],
    messages: [{ name: "Standard", destinations: [{ kind: "director", where: directorName, types: ["all"] }] }],
  };
  const configPath = join(etc, "bacula-sd.conf");
  writeOwned(configPath, renderStorageDaemon(model, { revision: 1 }), user);
  const restartScript = join(base, "restart-sd.sh");
  writeOwned(
    restartScript,
    [
      "#!/bin/sh",
      "# Test stand-in for `systemctl restart bacula-sd`: stop the SD of this directory, start it again.",
      "set -u",
      `RUN='${run}'`,
      `CONF='${configPath}'`,
      'for f in "$RUN"/bacula-sd.*.pid; do',
      '  [ -f "$f" ] || continue',
      '  pid=$(cat "$f")',
      '  kill "$pid" 2>/dev/null',
      "  i=0; while kill -0 \"$pid\" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done",
      '  kill -9 "$pid" 2>/dev/null',
      '  rm -f "$f"',
      "done",
      `${BACULA_SD} -t -c "$CONF" || exit 1`,
      `${BACULA_SD} -c "$CONF" </dev/null >/dev/null 2>&1 || exit 1`,
      "i=0; while [ $i -lt 100 ]; do",
      '  for f in "$RUN"/bacula-sd.*.pid; do [ -s "$f" ] && { echo "bacula-sd started, pid $(cat "$f")"; exit 0; }; done',
      "  sleep 0.05; i=$((i+1))",
      "done",
      'echo "bacula-sd did not start" >&2; exit 1',
      "",
    ].join("\n"),
    user,
    0o755,
  );
  const pid = () => runningPid(run, "bacula-sd");

  return {
    etc,
    configPath,
    work,
    run,
    restartScript,
    model,
    port,
    pid,
    stop() {
      const p = pid();
      if (p) {
        try {
          process.kill(p, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    },
  };
}

export interface TestDirectorFiles {
  name: string;
  port: number;
  password: string;
  etc: string;
  configPath: string;
  bconsoleConfig: string;
  work: string;
  run: string;
  /** Argv-safe start / stop commands (scripts run by `user`, as `systemctl start|stop` would). */
  startScript: string;
  stopScript: string;
  /** Pid of the running bacula-dir of this directory, or null. */
  pid(): number | null;
  /** Run bconsole locally (as root) against this Director. */
  console(commands: string[]): string;
  /** Whether it answers bconsole as itself. */
  answers(): boolean;
  /** Start it now as `user` (the test's "running old primary"). */
  start(): void;
  /** Kill it (cleanup). */
  kill(): void;
}

/**
 * The files of a Director run by `user` (so that a Director switchover can start and stop it over
 * SSH): etc/ with bconsole.conf for its own identity (name, port, password), work/ holding its
 * SQLite catalog `<dbName>.db` (Bacula's make_sqlite3_tables), run/, and start/stop scripts. The
 * bacula-dir.conf itself comes from the model (deployed, or written by the test).
 */
export async function directorFiles(
  base: string,
  user: string,
  o: {
    name: string;
    password: string;
    dbName?: string;
    port?: number;
    /** Run on Bacula's PostgreSQL catalog backend (test/support/bacula-pgsql.ts): the start script sets LD_LIBRARY_PATH; no SQLite catalog is made. */
    pgsqlLibDir?: string;
  },
): Promise<TestDirectorFiles> {
  need(BACULA_DIR, "bacula-director");
  need(BCONSOLE, "bacula-console");
  if (!o.pgsqlLibDir) need(MAKE_TABLES, "bacula-director-sqlite3");
  const etc = join(base, "etc");
  const work = join(base, "work");
  const run = join(base, "run");
  mkdirOwned(base, user);
  for (const d of [etc, work, run]) mkdirOwned(d, user, 0o755);
  const port = o.port ?? (await freePort());
  const bconsoleConfig = join(etc, "bconsole.conf");
  writeOwned(bconsoleConfig, `Director {\n  Name = ${o.name}\n  DIRport = ${port}\n  Address = 127.0.0.1\n  Password = "${o.password}"\n}\n`, user, 0o640);
  const dbName = o.dbName ?? "bacula";
  if (!o.pgsqlLibDir) {
    const script = readFileSync(MAKE_TABLES, "utf8").replace(/^cd \/var\/lib\/bacula$/m, `cd '${work}'`);
    execFileSync("sh", ["-c", script], { env: { ...process.env, db_name: dbName }, stdio: "pipe" });
    const { uid, gid } = uidGid(user);
    chownSync(join(work, `${dbName}.db`), uid, gid);
  }
  const configPath = join(etc, "bacula-dir.conf");
  const startScript = join(base, "start-dir.sh");
  writeOwned(
    startScript,
    [
      "#!/bin/sh",
      "# Test stand-in for `systemctl start bacula-director`: start the Director of this directory.",
      "set -u",
      ...(o.pgsqlLibDir ? [`# Bacula's PostgreSQL catalog backend (unpacked beside the installed SQLite one).`, `LD_LIBRARY_PATH='${o.pgsqlLibDir}'`, "export LD_LIBRARY_PATH"] : []),
      `RUN='${run}'`,
      `CONF='${configPath}'`,
      'for f in "$RUN"/bacula-dir.*.pid; do',
      '  [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && { echo "bacula-dir already runs, pid $(cat "$f")"; exit 0; }',
      '  rm -f "$f"',
      "done",
      `${BACULA_DIR} -t -c "$CONF" || exit 1`,
      `${BACULA_DIR} -c "$CONF" </dev/null >/dev/null 2>&1 || exit 1`,
      "i=0; while [ $i -lt 200 ]; do",
      '  for f in "$RUN"/bacula-dir.*.pid; do [ -s "$f" ] && { echo "bacula-dir started, pid $(cat "$f")"; exit 0; }; done',
      "  sleep 0.05; i=$((i+1))",
      "done",
      'echo "bacula-dir did not start" >&2; exit 1',
      "",
    ].join("\n"),
    user,
    0o755,
  );
  const stopScript = join(base, "stop-dir.sh");
  writeOwned(
    stopScript,
    [
      "#!/bin/sh",
      "# Test stand-in for `systemctl stop bacula-director`.",
      "set -u",
      `RUN='${run}'`,
      'for f in "$RUN"/bacula-dir.*.pid; do',
      '  [ -f "$f" ] || continue',
      '  pid=$(cat "$f")',
      '  kill "$pid" 2>/dev/null',
      "  i=0; while kill -0 \"$pid\" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
      '  kill -9 "$pid" 2>/dev/null',
      '  rm -f "$f"',
      "done",
      'echo "bacula-dir stopped"',
      "",
    ].join("\n"),
    user,
    0o755,
  );
  const pid = () => runningPid(run, "bacula-dir");
  const consoleRun = (commands: string[]) =>
    execFileSync(BCONSOLE, ["-c", bconsoleConfig], { input: commands.join("\n") + "\n", encoding: "utf8", timeout: 30_000 });
  return {
    name: o.name,
    port,
    password: o.password,
    etc,
    configPath,
    bconsoleConfig,
    work,
    run,
    startScript,
    stopScript,
    pid,
    console: consoleRun,
    answers() {
      try {
        // bconsole retries a refused connection for 15 s: a running Director answers at once.
        return execFileSync(BCONSOLE, ["-c", bconsoleConfig], { input: "status director\n", encoding: "utf8", timeout: 4_000 }).includes(`${o.name} Version:`);
      } catch {
        return false;
      }
    },
    start() {
      execFileSync("runuser", ["-u", user, "--", startScript], { stdio: "pipe", timeout: 30_000 });
    },
    kill() {
      const p = pid();
      if (p) {
        try {
          process.kill(p, "SIGKILL");
        } catch {
          /* gone */
        }
      }
    },
  };
}

export interface TestFileDaemonFiles {
  name: string;
  port: number;
  etc: string;
  configPath: string;
  work: string;
  run: string;
  /** Argv-safe start / stop / restart commands (scripts run by `user`, as `systemctl start|stop|restart bacula-fd` would). */
  startScript: string;
  stopScript: string;
  restartScript: string;
  pid(): number | null;
  kill(signal?: NodeJS.Signals): void;
}

/** The shell of a test stand-in for `systemctl start|stop|restart <daemon>`, for the daemon of one directory. */
function daemonScript(what: "start" | "stop" | "restart", program: string, configPath: string, run: string): string {
  const name = program.split("/").pop()!;
  const stop = [
    `for f in "$RUN"/${name}.*.pid; do`,
    '  [ -f "$f" ] || continue',
    '  pid=$(cat "$f")',
    '  kill "$pid" 2>/dev/null',
    "  i=0; while kill -0 \"$pid\" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
    '  kill -9 "$pid" 2>/dev/null',
    '  rm -f "$f"',
    "done",
  ];
  const start = [
    `for f in "$RUN"/${name}.*.pid; do`,
    `  [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && { echo "${name} already runs, pid $(cat "$f")"; exit 0; }`,
    '  rm -f "$f"',
    "done",
    `${program} -t -c "$CONF" || exit 1`,
    `${program} -c "$CONF" </dev/null >/dev/null 2>&1 || exit 1`,
    "i=0; while [ $i -lt 200 ]; do",
    `  for f in "$RUN"/${name}.*.pid; do [ -s "$f" ] && { echo "${name} started, pid $(cat "$f")"; exit 0; }; done`,
    "  sleep 0.05; i=$((i+1))",
    "done",
    `echo "${name} did not start" >&2; exit 1`,
  ];
  const body = what === "stop" ? [...stop, `echo "${name} stopped"`] : what === "start" ? start : [...stop, ...start];
  return ["#!/bin/sh", `# Test stand-in for \`systemctl ${what} ${name}\`.`, "set -u", `RUN='${run}'`, `CONF='${configPath}'`, ...body, ""].join("\n");
}

/**
 * The files of a File Daemon run by `user` (deployed and restarted over SSH by the deploy engine):
 * etc/ (bacula-fd.conf comes from the model), work/, run/, and start / stop / restart scripts.
 */
export async function fileDaemonFiles(base: string, user: string, o: { name: string; port?: number }): Promise<TestFileDaemonFiles> {
  need(BACULA_FD, "bacula-fd");
  const etc = join(base, "etc");
  const work = join(base, "work");
  const run = join(base, "run");
  mkdirOwned(base, user);
  for (const d of [etc, work, run]) mkdirOwned(d, user, 0o755);
  const port = o.port ?? (await freePort());
  const configPath = join(etc, "bacula-fd.conf");
  const scripts = Object.fromEntries(
    (["start", "stop", "restart"] as const).map((w) => {
      const path = join(base, `${w}-fd.sh`);
      writeOwned(path, daemonScript(w, BACULA_FD, configPath, run), user, 0o755);
      return [w, path];
    }),
  ) as Record<"start" | "stop" | "restart", string>;
  const pid = () => runningPid(run, "bacula-fd");
  return {
    name: o.name,
    port,
    etc,
    configPath,
    work,
    run,
    startScript: scripts.start,
    stopScript: scripts.stop,
    restartScript: scripts.restart,
    pid,
    kill(signal: NodeJS.Signals = "SIGKILL") {
      const p = pid();
      if (p) {
        try {
          process.kill(p, signal);
        } catch {
          /* gone */
        }
      }
    },
  };
}
