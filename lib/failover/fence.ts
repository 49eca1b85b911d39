/**
 * Fencing a PostgreSQL member over SSH: make it unable to serve writes now and after any restart.
 *
 *   1. ssh      connect (pinned host key), bounded by a share of the fence budget;
 *   2. mark     in the data directory, as postgres: keep a copy of postgresql.auto.conf (when a
 *               backup tag is given, so a rollback can restore it), append a primary_conninfo
 *               pointing at the new primary (and an empty primary_slot_name), write standby.signal
 *               and sync both. Done *before* stopping, so the member is durably fenced the moment it
 *               is down: any restart (by hand, systemd, a reboot) comes up in recovery;
 *   3. status   is a postmaster running in that data directory (postmaster.pid, /proc, its cwd);
 *   4. fast     pg_ctl stop -m fast -W, then poll every 10 ms until the postmaster is gone;
 *   5. immediate  pg_ctl stop -m immediate -W, the same;
 *   6. kill     SIGKILL of the postmaster and of its children (a SIGSTOPped postmaster ignores the
 *               signals of 4 and 5 until continued — measured here: both time out — SIGKILL acts).
 *
 * Each of 4-6 has its own timeout (45 %, 20 %, the rest of the budget); the whole fence is bounded
 * by `budgetMs` (cluster setting fenceTimeoutMs, default 15 s). Every step is logged with what
 * happened, and whether SSH worked. fence() never throws: the report says what was achieved.
 *
 * All remote commands are fixed scripts run as `sh -c SCRIPT sh ARG...` (argv, quoted by
 * lib/deploy/quote.ts): values (paths, pids) are positional arguments, never part of a script.
 */
import { posix } from "node:path";
import { confQuote, formatConninfo } from "./pg";
import { describeSshError, parseControlData, pgBin, pgControlData, sessionShell, type ControlData, type HostAccess, type RemoteShell } from "./remote";
import type { OperationSession } from "./session";

export type FenceStepName = "ssh" | "mark" | "status" | "fast" | "immediate" | "kill" | "controldata";

export interface FenceStepReport {
  step: FenceStepName;
  ok: boolean;
  ms: number;
  detail: string;
}

export interface FenceReport {
  member: string;
  host: string;
  user: string;
  dataDir: string;
  at: string;
  budgetMs: number;
  totalMs: number;
  /** The SSH connection and commands worked (false: the host could not be reached or refused us). */
  sshOk: boolean;
  /** standby.signal and primary_conninfo are in the data directory. */
  marked: boolean;
  /** A postmaster ran in the data directory when the fence looked. null: not known. */
  wasRunning: boolean | null;
  stopped: boolean;
  stoppedBy: "fast" | "immediate" | "kill" | "already_stopped" | null;
  /** Stopped and marked: it cannot come back writable. */
  fenced: boolean;
  /** Where a restart will stream from ("host:port"), null when no new primary was given. */
  streamsFrom: string | null;
  steps: FenceStepReport[];
  /** Why it is not fenced (null when fenced). */
  error: string | null;
  /** pg_controldata after the stop (state "shut down" after a clean fast stop). */
  controlData: ControlData | null;
}

export interface FenceTarget {
  memberName: string;
  access: HostAccess;
  dataDir: string;
  pgBinDir: string;
}

export interface FenceOptions {
  session: OperationSession;
  budgetMs: number;
  /** The primary a restarted member must follow; its replication credentials (no host/port), if known. */
  newPrimary: { host: string; port: number } | null;
  conninfoPairs?: Array<[string, string]> | null;
  applicationName: string;
  /** Keep postgresql.auto.conf as postgresql.auto.conf.bhd-before-fence-<tag> (rollback restores it). */
  backupTag: string | null;
  /** Do not stop unless the marking worked (a switchover: refused without a durable fence). */
  requireMarkBeforeStop: boolean;
  /** Read pg_controldata after the stop (a switchover needs the shutdown checkpoint). */
  readControlData: boolean;
  /** A comment written above the lines appended to postgresql.auto.conf. */
  note: string;
  log(line: string): Promise<void>;
  /** Called once SSH works, before anything changes on the host (persist that a rollback must look there). */
  beforeChange?: () => Promise<void>;
}

/** Share of the budget of each step. */
export function fenceStepBudgets(budgetMs: number): { connect: number; fast: number; immediate: number; kill: number } {
  const b = Math.max(1000, budgetMs);
  return { connect: Math.min(5000, Math.round(b * 0.2)), fast: Math.round(b * 0.45), immediate: Math.round(b * 0.2), kill: Math.round(b * 0.15) };
}

// ---------------------------------------------------------------------------------------------
// Remote scripts (fixed text; values arrive as "$1", "$2" ...)

// The clock of the polls: /proc/uptime in centiseconds, read without a fork ("1" before the
// fraction keeps "08" from being read as octal). Polls end on this clock, not after a count of
// sleeps: on a loaded host each forked sleep takes longer than it asks, and a count overran its step.
const TICK_FN = `tick() { IFS=' .' read -r ts tc _ < /proc/uptime 2>/dev/null || { ts=0; tc=00; }; now=$((ts * 100 + 1\${tc} - 100)); }`;

const GONE_FN = `gone() { [ -r "/proc/$1/stat" ] || return 0; IFS= read -r l < "/proc/$1/stat" 2>/dev/null || return 0; r=\${l##*) }; [ "\${r%% *}" = Z ]; }`;

/**
 * $1 data dir, $2 pg_ctl, $3 mode, $4 pid, $5 ms to wait for the postmaster to go, $6 pg_controldata ("" for none).
 * Prints "stopped" (exit 0, then pg_controldata's output when asked) or "running" (exit 1).
 */
export const STOP_SCRIPT = `d=$1; pgctl=$2; mode=$3; pid=$4; ms=$5; cd_bin=$6
${GONE_FN}
${TICK_FN}
tick; end=$((now + ms / 10)); i=0
out=$("$pgctl" stop -D "$d" -m "$mode" -W 2>&1); rc=$?
echo "pg_ctl exit $rc: $out" | tr '\\n' ' '; echo
while ! gone "$pid"; do
  tick; i=$((i+1))
  if [ "$now" -ge "$end" ] || [ "$i" -gt $((ms / 10)) ]; then echo running; exit 1; fi
  sleep 0.01
done
echo stopped
if [ -n "$cd_bin" ]; then echo "--- pg_controldata"; LC_ALL=C "$cd_bin" -D "$d"; fi
exit 0
`;

/** $1 pid, $2 ms to wait for them to go. SIGKILL of the postmaster and its children; prints "stopped" or "running". */
export const KILL_SCRIPT = `pid=$1; ms=$2
${GONE_FN}
${TICK_FN}
tick; end=$((now + ms / 10))
kids=
for s in /proc/[0-9]*/stat; do
  IFS= read -r l < "$s" 2>/dev/null || continue
  r=\${l##*) }
  set -- $r
  if [ "$2" = "$pid" ]; then p=\${s#/proc/}; kids="$kids \${p%/stat}"; fi
done
kill -KILL "$pid" 2>/dev/null && echo "SIGKILL sent to postmaster $pid"
for k in $kids; do kill -KILL "$k" 2>/dev/null; done
[ -n "$kids" ] && echo "SIGKILL sent to its children:$kids"
i=0
while :; do
  left=
  gone "$pid" || left="$pid"
  for k in $kids; do gone "$k" || left="$left $k"; done
  [ -z "$left" ] && break
  tick; i=$((i+1))
  if [ "$now" -ge "$end" ] || [ "$i" -gt $((ms / 20)) ]; then echo "running:$left"; exit 1; fi
  sleep 0.02
done
echo stopped
`;

/**
 * The fence's first round trip. $1 data dir, $2 backup tag ("" for none), $3 "1" to mark; stdin:
 * the lines to append to postgresql.auto.conf.
 *   mark    append to the kept original (so a re-run does not stack copies), write standby.signal,
 *           sync; prints "mark: ok" / "mark: failed <exit> <output>" / "mark: skipped";
 *   status  prints "running <pid> <process state>", "stopped" or "nodir" (a pid file whose process is another
 *           one, i.e. its cwd is elsewhere, counts as stopped; a zombie is stopped).
 */
export const PREPARE_SCRIPT = `d=$1; tag=$2; domark=$3
mark() {
  f="$d/postgresql.auto.conf"
  umask 077
  { [ -f "$f" ] || : > "$f"; } &&
  base="$f" &&
  if [ -n "$tag" ]; then b="$f.bhd-before-fence-$tag"; { [ -f "$b" ] || cp -p "$f" "$b"; } && base="$b"; fi &&
  { cat "$base"; cat; } > "$f.bhd-tmp" &&
  mv -f "$f.bhd-tmp" "$f" &&
  : > "$d/standby.signal" &&
  { sync "$f" "$d/standby.signal" 2>/dev/null || sync; }
}
status() {
  [ -d "$d" ] || { echo nodir; return; }
  [ -f "$d/postmaster.pid" ] || { echo stopped; return; }
  IFS= read -r pid < "$d/postmaster.pid" || pid=
  case $pid in ''|*[!0-9]*) echo stopped; return;; esac
  [ -r "/proc/$pid/stat" ] || { echo stopped; return; }
  IFS= read -r l < "/proc/$pid/stat" || l=
  r=\${l##*) }
  st=\${r%% *}
  if [ -z "$st" ] || [ "$st" = Z ]; then echo stopped; return; fi
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || cwd=
  real=$(cd "$d" && pwd -P)
  if [ -n "$cwd" ] && [ "$cwd" != "$real" ]; then echo stopped; return; fi
  echo "running $pid $st"
}
if [ "$domark" = 1 ]; then
  if out=$(mark 2>&1); then echo "mark: ok"; else rc=$?; echo "mark: failed $rc $out" | tr '\\n' ' '; echo; fi
else
  echo "mark: skipped"
fi
status
`;

/** $1 data dir, $2 backup tag: undo the marking (rollback of a promotion that did not happen). */
export const UNMARK_SCRIPT = `set -e
d=$1; tag=$2
f="$d/postgresql.auto.conf"
b="$f.bhd-before-fence-$tag"
rm -f "$d/standby.signal"
if [ -f "$b" ]; then mv -f "$b" "$f"; fi
sync "$d" 2>/dev/null || sync
echo unmarked
`;

/** $1 data dir: "writable" when postgres can create files there (standby.signal). */
export const WRITABLE_SCRIPT = `d=$1
[ -d "$d" ] || { echo "no directory $d"; exit 4; }
[ -w "$d" ] || { echo "$d is not writable by $(id -un)"; exit 5; }
[ -f "$d/standby.signal" ] && echo "standby.signal already present"
echo writable
`;

// ---------------------------------------------------------------------------------------------

/** The lines appended to postgresql.auto.conf (primary_conninfo holds replication credentials: never log this text). */
export function fenceConfLines(opts: Pick<FenceOptions, "newPrimary" | "conninfoPairs" | "applicationName" | "note">): string {
  const lines = [`# ${opts.note.replace(/[\r\n]+/g, " ")}`];
  if (opts.newPrimary) {
    const pairs = (opts.conninfoPairs ?? []).filter(([k]) => !["host", "hostaddr", "port", "application_name"].includes(k));
    pairs.push(["host", opts.newPrimary.host], ["port", String(opts.newPrimary.port)], ["application_name", opts.applicationName.replace(/[^A-Za-z0-9_.-]/g, "_")]);
    lines.push(`primary_conninfo = ${confQuote(formatConninfo(pairs))}`);
  }
  lines.push("primary_slot_name = ''");
  return `${lines.join("\n")}\n`;
}

export async function fence(target: FenceTarget, opts: FenceOptions): Promise<FenceReport> {
  const t0 = Date.now();
  const deadline = t0 + opts.budgetMs;
  const shares = fenceStepBudgets(opts.budgetMs);
  const a = target.access;
  const report: FenceReport = {
    member: target.memberName,
    host: a.hostName,
    user: a.username,
    dataDir: target.dataDir,
    at: new Date(t0).toISOString(),
    budgetMs: opts.budgetMs,
    totalMs: 0,
    sshOk: false,
    marked: false,
    wasRunning: null,
    stopped: false,
    stoppedBy: null,
    fenced: false,
    streamsFrom: opts.newPrimary ? `${opts.newPrimary.host}:${opts.newPrimary.port}` : null,
    steps: [],
    error: null,
    controlData: null,
  };
  const left = () => deadline - Date.now();
  const step = async (name: FenceStepName, ok: boolean, since: number, detail: string) => {
    const s = { step: name, ok, ms: Date.now() - since, detail };
    report.steps.push(s);
    await opts.log(`fence ${name}: ${ok ? "ok" : "FAILED"} (${s.ms} ms) ${detail}`);
  };
  const done = async (error: string | null) => {
    report.fenced = report.marked && report.stopped;
    report.error = report.fenced ? null : (error ?? "not fenced");
    report.totalMs = Date.now() - t0;
    await opts.log(
      report.fenced
        ? `${target.memberName} is fenced in ${report.totalMs} ms (budget ${opts.budgetMs} ms): ${report.stoppedBy === "already_stopped" ? "it was already stopped" : `stopped by ${report.stoppedBy === "kill" ? "SIGKILL" : `pg_ctl stop -m ${report.stoppedBy}`}`}; standby.signal and primary_conninfo${report.streamsFrom ? ` -> ${report.streamsFrom}` : ""} written in ${target.dataDir} on ${a.hostName}: any restart comes up in recovery`
        : `${target.memberName} is NOT FENCED after ${report.totalMs} ms (budget ${opts.budgetMs} ms): ${report.error}`,
    );
    return report;
  };

  // 1. SSH
  let sh: RemoteShell;
  const tc = Date.now();
  try {
    sh = await sessionShell(opts.session, a, { connectTimeoutMs: Math.max(500, Math.min(shares.connect, left())) });
    report.sshOk = true;
    await step("ssh", true, tc, `connected to ${a.username}@${a.address}:${a.port} (host ${a.hostName})`);
  } catch (err) {
    const d = describeSshError(err, a);
    await step("ssh", false, tc, `${d.message}; nothing was done on ${target.memberName}`);
    return done(`SSH did not work: ${d.message}`);
  }

  const run = async (argv: string[], ms: number, stdin?: string) => {
    const budget = Math.max(200, Math.min(ms, left()));
    return sh.run(argv, { timeoutMs: budget, stdin });
  };
  const sshFailure = (err: unknown) => `the SSH command failed (${err instanceof Error ? err.message : String(err)}); SSH connected before`;
  await opts.beforeChange?.();

  // 2-3. mark (the durable part) and status, in one round trip
  const tm = Date.now();
  let pid: number | null = null;
  try {
    const r = await run(["sh", "-c", PREPARE_SCRIPT, "sh", target.dataDir, opts.backupTag ?? "", "1"], 8000, fenceConfLines(opts));
    const out = r.stdout;
    const markLine = /^mark: (.*)$/m.exec(out)?.[1] ?? `no answer (exit ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 300)})`;
    if (markLine === "ok") {
      report.marked = true;
      await step("mark", true, tm, `standby.signal written; primary_conninfo${report.streamsFrom ? ` -> ${report.streamsFrom}` : ""} and primary_slot_name = '' appended to ${posix.join(target.dataDir, "postgresql.auto.conf")}${opts.backupTag ? ` (original kept as postgresql.auto.conf.bhd-before-fence-${opts.backupTag})` : ""}`);
    } else {
      await step("mark", false, tm, `SSH works, but writing in ${target.dataDir} as postgres failed: ${markLine.slice(0, 300)}${r.stderr.trim() ? ` ${r.stderr.trim().slice(0, 200)}` : ""}`);
    }
    const ts = Date.now();
    const m = /^running (\d+)(?: (\S+))?$/m.exec(out);
    if (m) {
      pid = Number(m[1]);
      report.wasRunning = true;
      const frozen = m[2] === "T" || m[2] === "t";
      await step("status", true, ts, `postmaster ${pid} runs in ${target.dataDir}${frozen ? " (process state T: stopped by a signal, it acts on no signal but SIGKILL until continued)" : m[2] === "D" ? " (process state D: waiting on I/O)" : ""}`);
    } else if (/^nodir$/m.test(out)) {
      await step("status", false, ts, `SSH works, but ${target.dataDir} does not exist on ${a.hostName}`);
      return done(`no data directory ${target.dataDir}`);
    } else if (/^stopped$/m.test(out)) {
      report.wasRunning = false;
      report.stopped = true;
      report.stoppedBy = "already_stopped";
      await step("status", true, ts, `no postmaster runs in ${target.dataDir}: already stopped`);
    } else {
      await step("status", false, ts, `SSH works, but the status check failed (exit ${r.code}): ${(r.stderr || out).trim().slice(0, 300)}`);
      return done("the postmaster's state could not be read");
    }
  } catch (err) {
    await step("mark", false, tm, sshFailure(err));
    return done("the data directory could not be marked nor the postmaster's state read");
  }
  if (!report.marked && opts.requireMarkBeforeStop) {
    return done("standby.signal could not be written: not stopped (a stop without it is no fence)");
  }

  // 4-6. escalation
  if (pid !== null) {
    const pgctl = pgBin(target.pgBinDir, "pg_ctl");
    const plan: Array<{ name: "fast" | "immediate" | "kill"; ms: number }> = [
      { name: "fast", ms: shares.fast },
      { name: "immediate", ms: shares.immediate },
      { name: "kill", ms: Math.max(shares.kill, 500) },
    ];
    for (const p of plan) {
      const stepMs = p.name === "kill" ? left() : Math.min(p.ms, left() - 500);
      if (stepMs < 200) {
        report.steps.push({ step: p.name, ok: false, ms: 0, detail: "skipped: the fence budget is used up" });
        await opts.log(`fence ${p.name}: skipped, the fence budget of ${opts.budgetMs} ms is used up`);
        continue;
      }
      // The script waits until its own clock says the step is over, with room for SSH's round trip.
      const waitMs = Math.max(100, stepMs - 200);
      const t = Date.now();
      try {
        const cdBin = opts.readControlData && p.name === "fast" ? pgBin(target.pgBinDir, "pg_controldata") : "";
        const argv = p.name === "kill" ? ["sh", "-c", KILL_SCRIPT, "sh", String(pid), String(waitMs)] : ["sh", "-c", STOP_SCRIPT, "sh", target.dataDir, pgctl, p.name, String(pid), String(waitMs), cdBin];
        const r = await run(argv, stepMs + 600);
        const [head, controlText] = r.stdout.split("--- pg_controldata\n");
        const out = `${head}${r.stderr}`.trim().replace(/\s+/g, " ").slice(0, 400);
        if (r.code === 0 && /(^|\n)stopped\n?$/.test(head)) {
          report.stopped = true;
          report.stoppedBy = p.name;
          if (controlText) report.controlData = parseControlData(controlText);
          await step(p.name, true, t, `${p.name === "kill" ? "SIGKILL" : `pg_ctl stop -m ${p.name}`}: postmaster ${pid} is gone (${out})`);
          break;
        }
        await step(p.name, false, t, `${p.name === "kill" ? "SIGKILL" : `pg_ctl stop -m ${p.name}`}: postmaster ${pid} still runs after ${Date.now() - t} ms (step timeout ${stepMs} ms; SSH works: ${out})`);
      } catch (err) {
        await step(p.name, false, t, `${p.name === "kill" ? "SIGKILL" : `pg_ctl stop -m ${p.name}`}: no result within ${stepMs} ms: ${sshFailure(err)}`);
      }
    }
    if (!report.stopped) return done(`postmaster ${pid} could not be stopped within ${opts.budgetMs} ms (SSH works; see the steps)`);
  }

  // controldata (after the stop, for the switchover's drain): read with the fast stop, else now
  if (opts.readControlData && report.controlData) {
    report.steps.push({ step: "controldata", ok: true, ms: 0, detail: `cluster state "${report.controlData.state}", latest checkpoint ${report.controlData.checkpointLsn} on timeline ${report.controlData.checkpointTimeline}` });
    await opts.log(`fence controldata: cluster state "${report.controlData.state}", latest checkpoint ${report.controlData.checkpointLsn} on timeline ${report.controlData.checkpointTimeline}`);
  } else if (opts.readControlData) {
    const tcd = Date.now();
    try {
      report.controlData = await pgControlData(sh, target.pgBinDir, target.dataDir);
      await step("controldata", true, tcd, `cluster state "${report.controlData.state}", latest checkpoint ${report.controlData.checkpointLsn} on timeline ${report.controlData.checkpointTimeline}`);
    } catch (err) {
      await step("controldata", false, tcd, err instanceof Error ? err.message : String(err));
    }
  }
  return done(report.marked ? null : "stopped, but standby.signal could not be written: a restart would come back writable");
}

/** Undo the marking of a fence (rollback before the point of no return). */
export async function unmark(sh: RemoteShell, dataDir: string, tag: string): Promise<void> {
  const r = await sh.run(["sh", "-c", UNMARK_SCRIPT, "sh", dataDir, tag], { timeoutMs: 15_000 });
  if (r.code !== 0 || !r.stdout.includes("unmarked")) throw new Error(`cannot remove standby.signal / restore postgresql.auto.conf in ${dataDir} (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
}

/** One line for the model (CatalogMember.fenceNote) and the UI: what was done, where, when. No secrets. */
export function fenceNote(r: FenceReport, operationId: number): string {
  if (r.fenced) {
    const how = r.stoppedBy === "already_stopped" ? "found stopped" : r.stoppedBy === "kill" ? "stopped by SIGKILL" : `stopped by pg_ctl stop -m ${r.stoppedBy}`;
    return `fenced by operation #${operationId} at ${r.at}: ${how}; standby.signal + primary_conninfo${r.streamsFrom ? ` -> ${r.streamsFrom}` : ""} in ${r.dataDir} on ${r.host} (as ${r.user})`;
  }
  return `NOT FENCED (operation #${operationId} at ${r.at}): ${r.error ?? "unknown"}`;
}
