/**
 * The deploy engine: pure orchestration over an injected transport, so that it can be tested with
 * a fake one and run for real over ssh2 (lib/deploy/transport.ts).
 *
 * Per target (a Director or a Storage Daemon on a host), in this order:
 *
 *   connect  one connection per host, under withHostLock (one deploy at a time per host; hosts in
 *            parallel). Host key pinned; a mismatch or an unknown key is refused.
 *   fetch    the live file(s)
 *   diff     per-file unified diff, live -> model
 *   upload   to a staging directory beside the live file (same filesystem, so the swap is a rename)
 *   test     Bacula's own parser on the staged file (bdirjson / bacula-dir / bsdjson / bacula-sd -t -c)
 *            -- a dry run stops here and removes the staged files
 *   backup   the live files, into .bhd-deploy/backup-<run> beside them
 *   swap     rename staged -> live (atomic per file)
 *   reload   Director: bconsole `reload`; Storage / File Daemon: its restart command (argv, no
 *            shell); a standby Director stays stopped (not reloaded). A daemon that does not run
 *            (no live pid file: a first deploy) is started with its start command instead
 *            (target.start), and the verify step waits until it runs
 *   verify   Director: bconsole's reply to reload and its `messages` must hold no configuration
 *            error, and the resources it has loaded (.catalogs, .jobs, .pools ...) must be those of
 *            the new file, because `reload` exits 0 and keeps the old configuration when the new one
 *            is refused. Standby and Storage Daemon: the live file is the new one and passes the test.
 *   rollback on any failure after the swap began: the backups go back into place, and the daemon
 *            is reloaded / restarted again on the old configuration.
 *   cleanup  staging removed (backups are kept)
 */
import { parseTree } from "@/lib/bacula/parser";
import { resourceName } from "@/lib/bacula/tree";
import { createHash, createHmac } from "node:crypto";
import { posix } from "node:path";
import { createTwoFilesPatch } from "diff";
import { maskConfigSecrets } from "./mask";
import { runHostChecks, type HostCheck } from "./host-checks";
import { DEPLOY_SETTING_LABELS } from "./settings";
import { withHostLock, isHostLocked } from "./lock";

// ---------------------------------------------------------------------------------------------
// Transport

export interface ExecResultLike {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface RemoteStatLike {
  type: "file" | "directory" | "symlink" | "other";
  mode: number;
}

/** What the engine needs from one connection to a host (SshConnection provides all of it). */
export interface Transport {
  readonly isClosed: boolean;
  readFile(path: string): Promise<Buffer | null>;
  stat(path: string): Promise<RemoteStatLike | null>;
  writeFileAtomic(
    path: string,
    content: string | Buffer,
    mode: number,
    opts?: { onProgress?: (written: number, total: number) => void },
  ): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdirp(path: string, mode?: number): Promise<void>;
  remove(path: string): Promise<boolean>;
  exec(argv: readonly string[], opts: { timeoutMs: number; stdin?: string }): Promise<ExecResultLike>;
  close(): Promise<void>;
}

export interface HostSpec {
  /** Lock key (hostLockKey(address, port)). */
  key: string;
  id?: number;
  name: string;
  address: string;
  port: number;
  username: string;
  privateKey: string;
  pinnedFingerprint: string | null;
}

export type OpenTransport = (host: HostSpec) => Promise<Transport>;

// ---------------------------------------------------------------------------------------------
// Targets

export interface TargetFile {
  /** Absolute path of the live file on the host. */
  path: string;
  content: string;
  /** Mode for a file that does not exist yet (an existing file keeps its mode). */
  mode?: number;
}

export type ReloadSpec =
  | { kind: "none"; reason: string }
  | { kind: "bconsole"; bconsole: string; config: string }
  | { kind: "command"; argv: string[] };

/**
 * How to tell whether the daemon runs, and how to start it when it does not (a first deploy):
 * Bacula writes `<PidDirectory>/<program>.<port>.pid`, and a running daemon's /proc/<pid>/comm is
 * its program name. Start and stop commands are argv (no shell), checked by the planner.
 */
export interface StartSpec {
  argv: string[];
  /** Undoes a start when the deploy is rolled back (the daemon did not run before it). */
  stopArgv?: string[];
  pidFile: string;
  /** Program name as /proc/<pid>/comm shows it (bacula-dir, bacula-sd, bacula-fd). */
  program: string;
  /** How long the verify step waits for the daemon to run (default 30 s). */
  waitMs?: number;
}

export interface DeployTarget {
  /** Stable key, e.g. `director:3` or `storage-daemon:2`. */
  key: string;
  kind: "director" | "storage-daemon" | "client";
  daemonId: number;
  name: string;
  role: string;
  host: HostSpec;
  /** The first file is the daemon's main configuration file (the one tested). */
  files: TargetFile[];
  /** argv of the remote test, given the path of the file to test (staged or live). */
  testArgv: (configPath: string) => string[];
  reload: ReloadSpec;
  /** Started instead of reloaded when it does not run (not used when reload is "none"). */
  start?: StartSpec;
  /** Director only: resources the reloaded Director must have loaded (bconsole dot command -> names). */
  expectLoaded?: Record<string, string[]>;
  /** Refused before connecting (validator errors, missing host key ...). */
  refused?: string;
  /** Paths checked on the host in the test step, before anything runs them (bconsole and its config). */
  hostChecks?: HostCheck[];
  /**
   * Reload (and verify) even when the live files already are the model's: a deploy that finishes
   * an interrupted one whose swap had begun (the files are new, the daemon may still run the old ones).
   */
  reloadEvenIfUnchanged?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Results and events

export type StepName =
  | "render"
  | "connect"
  | "fetch"
  | "diff"
  | "upload"
  | "test"
  | "backup"
  | "swap"
  | "reload"
  | "verify"
  | "rollback"
  | "cleanup";

export type StepStatus = "running" | "ok" | "failed" | "skipped";

export interface StepRecord {
  index: number;
  name: StepName;
  status: StepStatus;
  startedAt: string;
  finishedAt?: string;
  log: string;
}

export type TargetStatus =
  | "pending"
  | "running"
  | "succeeded"
  | "unchanged"
  | "dry_run_ok"
  | "failed"
  | "rolled_back"
  | "rollback_failed";

export interface FileDiff {
  path: string;
  existed: boolean;
  changed: boolean;
  liveHash: string | null;
  modelHash: string;
  diff: string;
}

export interface TargetResult {
  key: string;
  kind: DeployTarget["kind"];
  daemonId: number;
  name: string;
  role: string;
  hostName: string;
  status: TargetStatus;
  failedStep: StepName | null;
  error: string | null;
  /** Code of the transport error when there was one (HOST_KEY_UNKNOWN, AUTH_FAILED ...). */
  errorCode: string | null;
  /** When the host presented an unknown or different key: what it presented. */
  presentedFingerprint: string | null;
  modelHash: string;
  liveHashBefore: string | null;
  files: FileDiff[];
  steps: StepRecord[];
  startedAt: string;
  finishedAt: string | null;
}

export type DeployEvent =
  | { type: "target"; target: TargetResult }
  | { type: "step"; targetKey: string; step: StepRecord };

export interface EngineOptions {
  runId: string;
  dryRun: boolean;
  open: OpenTransport;
  onEvent?: (e: DeployEvent) => void;
  /** Timeout of each remote command (test, bconsole, restart). Default 60 s. */
  commandTimeoutMs?: number;
  /** Lock implementation (default withHostLock). */
  lock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  now?: () => Date;
  /** Key of the drift hashes (HMAC); without it, plain SHA-256 (tests of the engine alone). */
  hashKey?: Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// Hashing

/**
 * Hash of a configuration text for drift, without the `# Model revision:` header line (an edit
 * elsewhere in the model bumps the revision and is not drift). With a key (the deploy service
 * passes the server's drift key): HMAC-SHA256, so that a stored or shown hash of a file holding
 * passwords cannot be used to test password guesses offline. Without one: plain SHA-256.
 */
export function configHash(text: string, key?: Uint8Array): string {
  const body = text.replace(/^# Model revision: .*\n/m, "");
  if (key) return "hmac:" + createHmac("sha256", key).update(body, "utf8").digest("hex");
  return "sha256:" + createHash("sha256").update(body, "utf8").digest("hex");
}

/** Hash of a target's whole configuration (all files, in order). */
export function filesHash(files: readonly { path: string; content: string | null }[], key?: Uint8Array): string {
  if (files.length === 1) return files[0].content === null ? "missing" : configHash(files[0].content, key);
  const h = key ? createHmac("sha256", key) : createHash("sha256");
  for (const f of files) h.update(f.path + "\0" + (f.content === null ? "\u0000missing" : configHash(f.content, key)) + "\0");
  return (key ? "hmac:" : "sha256:") + h.digest("hex");
}

/** The per-file diff shown and stored: which Password lines change is visible, their values are not. */
export function unifiedDiff(path: string, live: string | null, model: string): string {
  return maskConfigSecrets(createTwoFilesPatch(
    live === null ? "/dev/null" : `live${path}`,
    `model${path}`,
    live ?? "",
    model,
    undefined,
    undefined,
    { context: 3 },
  ));
}

// ---------------------------------------------------------------------------------------------
// Bacula output

/** What bconsole or the Director prints when a configuration was refused. */
const FAILURE_MARKERS = [
  /Please correct configuration file/i,
  /Resetting previous configuration/i,
  /Config error/i,
  /ERROR in parse_conf/i,
  /Fatal error/i,
  /ERROR TERMINATION/i,
  /Could not open Catalog/i,
];

export function findFailureMarkers(text: string): string[] {
  const lines = text.split("\n");
  return lines.filter((l) => FAILURE_MARKERS.some((re) => re.test(l))).map((l) => l.trim());
}

/** The dot commands that list what the Director has loaded, by resource type (the table's spelling). */
export const LOADED_COMMANDS: Record<string, string> = {
  Catalog: ".catalogs",
  Job: ".jobs all",
  Pool: ".pools",
  Client: ".clients",
  Storage: ".storage",
  Fileset: ".filesets",
  Messages: ".msgs",
  Schedule: ".schedule",
};

/** Names of the top-level resources of a Director configuration text, by type, read by the one Bacula parser. */
export function resourceNames(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const { tree } = parseTree(text, "dir", { include: () => ({ kind: "error", message: "includes are not followed here" }) });
  for (const r of tree.resources) {
    const name = resourceName(r);
    if (name) (out[r.type] ??= []).push(name);
  }
  return out;
}

/** What the Director must list for each dot command, from the configuration text it should have loaded. */
export function expectedLoaded(text: string): Record<string, string[]> {
  const names = resourceNames(text);
  const out: Record<string, string[]> = {};
  for (const [type, cmd] of Object.entries(LOADED_COMMANDS)) out[cmd] = [...(names[type] ?? [])].sort();
  return out;
}

/** Split bconsole output of several commands (it echoes each command line) into sections. */
export function parseBconsoleSections(output: string, commands: readonly string[]): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  let current: string | null = null;
  const set = new Set(commands);
  for (const raw of output.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (set.has(line.trim())) {
      current = line.trim();
      sections[current] = [];
      continue;
    }
    if (current && line.trim() !== "" && !/^You have (no )?messages\.$/.test(line.trim())) sections[current].push(line.trim());
  }
  return sections;
}

/**
 * Split a command line into argv without a shell: words separated by blanks; single quotes keep
 * everything literal, double quotes allow \" and \\. Shell operators are refused, not interpreted.
 */
export function splitArgv(command: string): string[] {
  const argv: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && (command[i + 1] === '"' || command[i + 1] === "\\")) cur += command[++i];
      else cur += c;
      continue;
    }
    if (c === " " || c === "\t") {
      if (inWord) argv.push(cur);
      cur = "";
      inWord = false;
      continue;
    }
    if (c === "\n" || c === "\r" || c === "\0") throw new Error("the command must be one line");
    if (";&|<>`$(){}".includes(c)) {
      throw new Error(`shell syntax (${JSON.stringify(c)}) is not interpreted: the command runs without a shell; call a script instead`);
    }
    inWord = true;
    if (c === "'" || c === '"') quote = c;
    else if (c === "\\" && i + 1 < command.length) cur += command[++i];
    else cur += c;
  }
  if (quote) throw new Error("unterminated quote");
  if (inWord) argv.push(cur);
  if (argv.length === 0) throw new Error("the command is empty");
  return argv;
}

// ---------------------------------------------------------------------------------------------
// The engine

class StepFailed extends Error {
  constructor(
    readonly step: StepName,
    message: string,
    readonly code: string | null = null,
    readonly presentedFingerprint: string | null = null,
  ) {
    super(message);
  }
}

function errorInfo(err: unknown): { message: string; code: string | null; presented: string | null } {
  const e = err as { message?: string; code?: unknown; presentedFingerprint?: unknown };
  return {
    message: e?.message ?? String(err),
    code: typeof e?.code === "string" ? e.code : null,
    presented: typeof e?.presentedFingerprint === "string" ? e.presentedFingerprint : null,
  };
}

function outputOf(r: ExecResultLike): string {
  const parts = [];
  if (r.stdout.trim()) parts.push(r.stdout.trimEnd());
  if (r.stderr.trim()) parts.push("[stderr] " + r.stderr.trimEnd());
  return parts.join("\n");
}

function exitText(r: ExecResultLike): string {
  return r.code === null ? `killed by signal ${r.signal ?? "?"}` : `exit ${r.code}`;
}

interface HostSession {
  transport: Transport | null;
  open: () => Promise<Transport>;
}

/**
 * Deploy (or dry-run) the targets: hosts in parallel, the targets of one host one after the other
 * under that host's lock. Never throws for a target failure: each result says what happened.
 */
export async function runDeploy(targets: readonly DeployTarget[], opts: EngineOptions): Promise<TargetResult[]> {
  const now = opts.now ?? (() => new Date());
  const lock = opts.lock ?? withHostLock;
  const results = new Map<string, TargetResult>();
  const emit = (e: DeployEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      /* a listener must not break a deploy */
    }
  };
  for (const t of targets) {
    const r: TargetResult = {
      key: t.key,
      kind: t.kind,
      daemonId: t.daemonId,
      name: t.name,
      role: t.role,
      hostName: t.host.name,
      status: "pending",
      failedStep: null,
      error: null,
      errorCode: null,
      presentedFingerprint: null,
      modelHash: filesHash(t.files, opts.hashKey),
      liveHashBefore: null,
      files: [],
      steps: [],
      startedAt: now().toISOString(),
      finishedAt: null,
    };
    results.set(t.key, r);
    emit({ type: "target", target: snapshot(r) });
  }

  const byHost = new Map<string, DeployTarget[]>();
  for (const t of targets) {
    const r = results.get(t.key)!;
    if (t.refused) {
      const step = startStep(r, "render", now);
      emit({ type: "step", targetKey: r.key, step: { ...step } });
      endStep(r, step, "failed", t.refused, now);
      emit({ type: "step", targetKey: r.key, step: { ...step } });
      finish(r, "failed", "render", t.refused, null, null, now);
      emit({ type: "target", target: snapshot(r) });
      continue;
    }
    const list = byHost.get(t.host.key) ?? [];
    list.push(t);
    byHost.set(t.host.key, list);
  }

  await Promise.all(
    [...byHost.entries()].map(async ([hostKey, list]) => {
      const waited = isHostLocked(hostKey);
      if (waited) {
        for (const t of list) {
          const r = results.get(t.key)!;
          r.status = "running";
          emit({ type: "target", target: snapshot(r) });
        }
      }
      await lock(hostKey, async () => {
        const host = list[0].host;
        const session: HostSession = {
          transport: null,
          open: async () => {
            if (session.transport && !session.transport.isClosed) return session.transport;
            session.transport = await opts.open(host);
            return session.transport;
          },
        };
        try {
          for (const t of list) {
            await deployOne(t, results.get(t.key)!, session, opts, emit, now, waited);
          }
        } finally {
          await session.transport?.close().catch(() => {});
        }
      });
    }),
  );
  return targets.map((t) => snapshot(results.get(t.key)!));
}

function snapshot(r: TargetResult): TargetResult {
  return { ...r, files: r.files.map((f) => ({ ...f })), steps: r.steps.map((s) => ({ ...s })) };
}

function startStep(r: TargetResult, name: StepName, now: () => Date): StepRecord {
  const step: StepRecord = { index: r.steps.length, name, status: "running", startedAt: now().toISOString(), log: "" };
  r.steps.push(step);
  return step;
}

function endStep(r: TargetResult, step: StepRecord, status: StepStatus, log: string, now: () => Date) {
  step.status = status;
  step.finishedAt = now().toISOString();
  if (log) step.log = step.log ? `${step.log}\n${log}` : log;
}

function finish(
  r: TargetResult,
  status: TargetStatus,
  failedStep: StepName | null,
  error: string | null,
  code: string | null,
  presented: string | null,
  now: () => Date,
) {
  r.status = status;
  r.failedStep = failedStep;
  r.error = error;
  r.errorCode = code;
  r.presentedFingerprint = presented;
  r.finishedAt = now().toISOString();
}

async function deployOne(
  t: DeployTarget,
  r: TargetResult,
  session: HostSession,
  opts: EngineOptions,
  emit: (e: DeployEvent) => void,
  now: () => Date,
  waited: boolean,
): Promise<void> {
  const cmdTimeout = opts.commandTimeoutMs ?? 60_000;
  const hk = opts.hashKey;
  r.status = "running";
  emit({ type: "target", target: snapshot(r) });

  /** Run one step: its log is what `fn` returns; a throw marks it failed. */
  const step = async <T>(name: StepName, fn: (log: (line: string) => void) => Promise<T>): Promise<T> => {
    const s = startStep(r, name, now);
    emit({ type: "step", targetKey: r.key, step: { ...s } });
    const lines: string[] = [];
    // Step logs are stored and streamed: a Password line never reaches them in clear.
    const log = (line: string) => lines.push(maskConfigSecrets(line));
    try {
      const v = await fn(log);
      endStep(r, s, "ok", lines.join("\n"), now);
      emit({ type: "step", targetKey: r.key, step: { ...s } });
      return v;
    } catch (err) {
      const info = errorInfo(err);
      lines.push(maskConfigSecrets(info.message));
      endStep(r, s, "failed", lines.join("\n"), now);
      emit({ type: "step", targetKey: r.key, step: { ...s } });
      throw new StepFailed(name, info.message, info.code, info.presented);
    }
  };
  const skip = (name: StepName, why: string) => {
    const s = startStep(r, name, now);
    endStep(r, s, "skipped", why, now);
    emit({ type: "step", targetKey: r.key, step: { ...s } });
  };

  const main = t.files[0];
  const liveDir = posix.dirname(main.path);
  const deployDir = posix.join(liveDir, ".bhd-deploy");
  const stagingDir = posix.join(deployDir, `staging-${opts.runId}`);
  const backupDir = posix.join(deployDir, `backup-${opts.runId}`);
  const staged = t.files.map((f) => posix.join(stagingDir, posix.basename(f.path)));
  const live: { content: string | null; mode: number | null }[] = [];
  const swapped: number[] = [];
  let reloadAttempted = false;
  /** The daemon did not run when the reload step came (a first deploy): it is started, not reloaded. */
  let wasStopped = false;
  /** ... and its start command succeeded. */
  let started = false;
  /** Every upload finished: no transport temporary file can be left in the staging directory. */
  let uploadsComplete = false;

  const runTest = async (path: string, log: (l: string) => void) => {
    const tr = await session.open();
    const argv = t.testArgv(path);
    log(`$ ${argv.join(" ")}`);
    const res = await tr.exec(argv, { timeoutMs: cmdTimeout });
    const out = outputOf(res);
    if (out) log(out);
    log(exitText(res));
    if (res.code !== 0) {
      throw new StepFailed("test", `Bacula rejected the configuration (${exitText(res)}): ${out || "(no output)"}`);
    }
  };

  try {
    // connect ------------------------------------------------------------------------------
    await step("connect", async (log) => {
      if (waited) log(`waited for another deploy to ${t.host.address}:${t.host.port} to finish`);
      const fresh = !session.transport || session.transport.isClosed;
      await session.open();
      log(
        `${fresh ? "connected to" : "reusing the connection to"} ${t.host.username}@${t.host.address}:${t.host.port}` +
          ` (host key ${t.host.pinnedFingerprint ?? "?"})`,
      );
    });

    // fetch --------------------------------------------------------------------------------
    await step("fetch", async (log) => {
      const tr = await session.open();
      // Every file's requests in flight together (one SFTP channel answers them in order): a step
      // costs about one round trip per file operation, not one per file times operations.
      const got = await Promise.all(t.files.map((f) => Promise.all([tr.readFile(f.path), tr.stat(f.path)])));
      t.files.forEach((f, i) => {
        const [buf, st] = got[i];
        const content = buf === null ? null : buf.toString("utf8");
        live.push({ content, mode: st ? st.mode : null });
        log(content === null ? `${f.path}: not there yet` : `${f.path}: ${buf!.length} bytes, ${configHash(content, hk)}`);
      });
      r.liveHashBefore = filesHash(t.files.map((f, i) => ({ path: f.path, content: live[i].content })), hk);
    });

    // diff ---------------------------------------------------------------------------------
    const changed = await step("diff", async (log) => {
      r.files = t.files.map((f, i) => {
        const before = live[i].content;
        const liveHash = before === null ? null : configHash(before, hk);
        const modelHash = configHash(f.content, hk);
        const diff = before === f.content ? "" : unifiedDiff(f.path, before, f.content);
        return { path: f.path, existed: before !== null, changed: liveHash !== modelHash, liveHash, modelHash, diff };
      });
      for (const f of r.files) {
        log(f.changed ? `${f.path}: changed` : `${f.path}: same as the model`);
        if (f.diff) log(f.diff.trimEnd());
      }
      return r.files.some((f) => f.changed);
    });
    emit({ type: "target", target: snapshot(r) });

    // upload -------------------------------------------------------------------------------
    await step("upload", async (log) => {
      const tr = await session.open();
      await tr.mkdirp(stagingDir, 0o700);
      const modes = t.files.map((f, i) => live[i].mode ?? f.mode ?? 0o640);
      await allSettledOrThrow(t.files.map((f, i) => tr.writeFileAtomic(staged[i], f.content, modes[i])));
      t.files.forEach((f, i) => log(`${staged[i]}: ${Buffer.byteLength(f.content)} bytes, mode ${modes[i].toString(8)}`));
      uploadsComplete = true;
    });

    // test ---------------------------------------------------------------------------------
    await step("test", async (log) => {
      await runTest(staged[0], log);
      if (t.hostChecks?.length) {
        const tr = await session.open();
        const problems = await runHostChecks(tr, t.hostChecks, t.host.name);
        for (const c of t.hostChecks) log(`${c.field} ${c.path}: ${problems.some((p) => p.field === c.field) ? "refused" : "ok"}`);
        if (problems.length) throw new StepFailed("test", problems.map((p) => `${DEPLOY_SETTING_LABELS[p.field] ?? p.field}: ${p.message} [${p.rule}]`).join("; "));
      }
    });

    if (opts.dryRun) {
      for (const n of ["backup", "swap", "reload", "verify"] as const) skip(n, "dry run: nothing swapped");
      await cleanup(step, session, staged, stagingDir, !uploadsComplete).catch(() => {});
      finish(r, "dry_run_ok", null, null, null, null, now);
      return;
    }
    if (!changed && !t.reloadEvenIfUnchanged) {
      for (const n of ["backup", "swap", "reload", "verify"] as const) skip(n, "the live configuration already matches the model");
      await cleanup(step, session, staged, stagingDir, !uploadsComplete).catch(() => {});
      finish(r, "unchanged", null, null, null, null, now);
      return;
    }

    if (!changed) {
      // Finishing an interrupted deploy whose swap had begun: the live files are the model's already.
      for (const n of ["backup", "swap"] as const) skip(n, "the live files are already the model's (an interrupted deploy swapped them): reloading");
    } else {
    // backup -------------------------------------------------------------------------------
    await step("backup", async (log) => {
      const tr = await session.open();
      await tr.mkdirp(backupDir, 0o700);
      const dest = t.files.map((f) => posix.join(backupDir, posix.basename(f.path)));
      await allSettledOrThrow(t.files.map((_, i) => (live[i].content === null ? Promise.resolve() : tr.writeFileAtomic(dest[i], live[i].content!, live[i].mode ?? 0o640))));
      t.files.forEach((f, i) => log(live[i].content === null ? `${f.path}: nothing to back up (new file)` : `${f.path} -> ${dest[i]}`));
    });

    // swap ---------------------------------------------------------------------------------
    await step("swap", async (log) => {
      const tr = await session.open();
      for (let i = 0; i < t.files.length; i++) {
        // A further file (a script) may live in a directory that does not exist yet.
        if (i > 0 && live[i].content === null) await tr.mkdirp(posix.dirname(t.files[i].path), 0o755);
        await tr.rename(staged[i], t.files[i].path);
        swapped.push(i);
        log(`${staged[i]} -> ${t.files[i].path}`);
      }
    });
    }

    // reload -------------------------------------------------------------------------------
    const reload = t.reload;
    if (reload.kind === "none") {
      skip("reload", reload.reason);
    } else {
      await step("reload", async (log) => {
        const tr = await session.open();
        const state = t.start ? await daemonState(tr, t.start) : "running";
        if (state === "unknown") log(`${t.start!.pidFile} cannot be read by ${t.host.username}: the daemon is taken as running`);
        if (t.start && state === "stopped") {
          log(`${t.start.program} does not run (no live ${t.start.pidFile}): starting it instead of reloading`);
          reloadAttempted = true;
          wasStopped = true;
          log(`$ ${t.start.argv.join(" ")}`);
          const res = await tr.exec(t.start.argv, { timeoutMs: cmdTimeout });
          const out = outputOf(res);
          if (out) log(out);
          log(exitText(res));
          if (res.code !== 0) throw new Error(`the start command failed (${exitText(res)}): ${out || "(no output)"}`);
          started = true;
          return;
        }
        reloadAttempted = true;
        if (reload.kind === "bconsole") {
          const argv = [reload.bconsole, "-c", reload.config];
          log(`$ ${argv.join(" ")} <<< reload`);
          const res = await tr.exec(argv, { timeoutMs: cmdTimeout, stdin: "reload\n" });
          const out = outputOf(res);
          log(out);
          if (res.code !== 0) throw new Error(`bconsole failed (${exitText(res)}): ${out}`);
          const bad = findFailureMarkers(res.stdout + "\n" + res.stderr);
          const msgs = await tr.exec(argv, { timeoutMs: cmdTimeout, stdin: "messages\n" });
          log(`$ ${argv.join(" ")} <<< messages`);
          log(outputOf(msgs));
          bad.push(...findFailureMarkers(msgs.stdout));
          if (bad.length) throw new Error(`the Director refused the new configuration and kept the old one: ${bad.join(" | ")}`);
        } else {
          log(`$ ${reload.argv.join(" ")}`);
          const res = await tr.exec(reload.argv, { timeoutMs: cmdTimeout });
          const out = outputOf(res);
          if (out) log(out);
          log(exitText(res));
          if (res.code !== 0) throw new Error(`the restart command failed (${exitText(res)}): ${out || "(no output)"}`);
        }
      });
    }

    // verify -------------------------------------------------------------------------------
    await step("verify", async (log) => {
      const tr = await session.open();
      const current = await Promise.all(t.files.map((f) => tr.readFile(f.path)));
      t.files.forEach((f, i) => {
        const cur = current[i];
        const h = cur === null ? null : configHash(cur.toString("utf8"), hk);
        if (h !== configHash(f.content, hk)) throw new Error(`${f.path} is not the deployed file (hash ${h ?? "missing"})`);
      });
      log("live files are the deployed ones");
      if (t.start && reload.kind !== "none") {
        const ms = await waitUntilRuns(tr, t.start);
        if (ms === null) log(`${t.start.pidFile} cannot be read by ${t.host.username}: whether ${t.start.program} runs is not checked here`);
        else log(`${t.start.program} runs (${t.start.pidFile}${started ? `, ${ms} ms after the start command` : ""})`);
      }
      if (reload.kind === "bconsole") {
        const expected = t.expectLoaded ?? expectedLoaded(main.content);
        const commands = Object.keys(expected);
        const argv = [reload.bconsole, "-c", reload.config];
        const res = await tr.exec(argv, { timeoutMs: cmdTimeout, stdin: ["status director", ...commands, "messages", ""].join("\n") });
        const out = outputOf(res);
        log(`$ ${argv.join(" ")} <<< status director, ${commands.join(", ")}, messages`);
        log(out);
        if (res.code !== 0) throw new Error(`bconsole failed (${exitText(res)})`);
        const bad = findFailureMarkers(res.stdout);
        if (bad.length) throw new Error(`the Director reports configuration errors: ${bad.join(" | ")}`);
        const sections = parseBconsoleSections(res.stdout, ["status director", ...commands, "messages"]);
        const problems: string[] = [];
        for (const cmd of commands) {
          const got = [...(sections[cmd] ?? [])].sort();
          const want = expected[cmd];
          const missing = want.filter((n) => !got.includes(n));
          const extra = got.filter((n) => !want.includes(n));
          if (missing.length || extra.length) {
            problems.push(`${cmd}: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(extra)}`);
          }
        }
        if (problems.length) throw new Error(`the Director has not loaded the new configuration: ${problems.join("; ")}`);
        log("the Director has loaded every resource of the new configuration");
      } else {
        await runTest(main.path, log);
      }
    });

    await cleanup(step, session, staged, stagingDir, !uploadsComplete).catch(() => {});
    finish(r, "succeeded", null, null, null, null, now);
  } catch (err) {
    const f = err instanceof StepFailed ? err : new StepFailed("connect", errorInfo(err).message);
    let rolledBack: boolean | null = null;
    if (swapped.length > 0 || reloadAttempted) {
      rolledBack = await rollback(t, step, session, live, backupDir, reloadAttempted, cmdTimeout, { wasStopped, started }).then(
        () => true,
        () => false,
      );
    }
    // Staged files never touched the live ones; remove them (reconnecting if the cut was ours to see).
    if (f.step !== "connect") await cleanup(step, session, staged, stagingDir, !uploadsComplete).catch(() => {});
    const status: TargetStatus = rolledBack === null ? "failed" : rolledBack ? "rolled_back" : "rollback_failed";
    const where =
      rolledBack === null
        ? " Nothing was changed on the host."
        : rolledBack
          ? " The previous configuration was put back."
          : " ROLLBACK FAILED: check the host by hand.";
    finish(r, status, f.step, `${f.step} failed: ${f.message}.${where}`, f.code, f.presentedFingerprint, now);
  } finally {
    emit({ type: "target", target: snapshot(r) });
  }
}

/**
 * Waits for every operation (none is left running behind a failure: a later step may reuse the
 * channel, cleanup removes what they wrote) and throws the first failure in list order.
 */
async function allSettledOrThrow(ops: Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(ops);
  const failed = settled.find((x): x is PromiseRejectedResult => x.status === "rejected");
  if (failed) throw failed.reason;
}

type StepFn = <T>(name: StepName, fn: (log: (line: string) => void) => Promise<T>) => Promise<T>;

async function cleanup(step: StepFn, session: HostSession, staged: string[], stagingDir: string, cutUpload: boolean) {
  await step("cleanup", async (log) => {
    const tr = await session.open();
    const removed = await Promise.all(staged.map((p) => tr.remove(p)));
    staged.forEach((p, i) => removed[i] && log(`removed ${p}`));
    // A cut upload may have left the transport's temporary file behind: remove the whole directory.
    // (Only then: the remote `find` is one more command per target, and every upload that finished
    // renamed its temporary file into place.)
    const leftovers = cutUpload
      ? await tr.exec(["/usr/bin/find", stagingDir, "-mindepth", "1", "-maxdepth", "1", "-name", ".*.bhd-tmp-*", "-delete"], { timeoutMs: 15_000 }).catch(() => null)
      : null;
    if (leftovers && leftovers.code !== 0 && leftovers.stderr && !/No such file/.test(leftovers.stderr)) log(leftovers.stderr.trim());
    if (await tr.remove(stagingDir).catch(() => false)) log(`removed ${stagingDir}`);
  });
}

async function rollback(
  t: DeployTarget,
  step: StepFn,
  session: HostSession,
  live: { content: string | null; mode: number | null }[],
  backupDir: string,
  reloadAgain: boolean,
  cmdTimeout: number,
  first: { wasStopped: boolean; started: boolean } = { wasStopped: false, started: false },
): Promise<void> {
  await step("rollback", async (log) => {
    const tr = await session.open(); // reconnects when the connection was cut
    for (let i = 0; i < t.files.length; i++) {
      const f = t.files[i];
      const l = live[i];
      if (!l) continue;
      if (l.content === null) {
        if (await tr.remove(f.path)) log(`${f.path}: removed (it did not exist before)`);
        continue;
      }
      const current = await tr.readFile(f.path);
      if (current !== null && current.toString("utf8") === l.content) {
        log(`${f.path}: already the previous version`);
        continue;
      }
      await tr.writeFileAtomic(f.path, l.content, l.mode ?? 0o640);
      log(`${f.path}: restored from ${posix.join(backupDir, posix.basename(f.path))}`);
    }
    if (!reloadAgain) return;
    const reload = t.reload;
    if (first.wasStopped && t.start) {
      // It did not run before this deploy: nothing to reload; stop what the deploy started.
      if (!first.started) {
        log(`${t.start.program} did not run before this deploy and its start failed: nothing to restart`);
        return;
      }
      if (!t.start.stopArgv) {
        log(`${t.start.program} was started by this deploy and has no stop command: it keeps running`);
        return;
      }
      const res = await tr.exec(t.start.stopArgv, { timeoutMs: cmdTimeout });
      log(`$ ${t.start.stopArgv.join(" ")}`);
      const out = outputOf(res);
      if (out) log(out);
      log(exitText(res));
      if (res.code !== 0) throw new Error(`stopping what the deploy started failed (${exitText(res)})`);
      return;
    }
    if (reload.kind === "bconsole") {
      const argv = [reload.bconsole, "-c", reload.config];
      const res = await tr.exec(argv, { timeoutMs: cmdTimeout, stdin: "reload\nmessages\n" });
      log(`$ ${argv.join(" ")} <<< reload, messages`);
      log(outputOf(res));
      const bad = findFailureMarkers(res.stdout);
      if (res.code !== 0 || bad.length) throw new Error(`reloading the previous configuration failed: ${bad.join(" | ") || exitText(res)}`);
      log("the Director runs the previous configuration");
    } else if (reload.kind === "command") {
      const res = await tr.exec(reload.argv, { timeoutMs: cmdTimeout });
      log(`$ ${reload.argv.join(" ")}`);
      const out = outputOf(res);
      if (out) log(out);
      log(exitText(res));
      if (res.code !== 0) throw new Error(`restarting on the previous configuration failed (${exitText(res)})`);
    }
  });
}

/**
 * Whether the daemon runs: its pid file names a live process with the program's name. "unknown"
 * when the SSH user may not read the pid file (a daemon running as another user writes it 0640).
 */
export async function daemonState(tr: Transport, spec: StartSpec): Promise<"running" | "stopped" | "unknown"> {
  let buf: Buffer | null;
  try {
    buf = await tr.readFile(spec.pidFile);
  } catch {
    return "unknown";
  }
  const pid = buf ? Number(buf.toString("utf8").trim()) : NaN;
  if (!Number.isInteger(pid) || pid <= 0) return "stopped";
  const r = await tr.exec(["cat", `/proc/${pid}/comm`], { timeoutMs: 10_000 }).catch(() => null);
  // comm is cut to 15 characters.
  return r && r.code === 0 && r.stdout.trim() === spec.program.slice(0, 15) ? "running" : "stopped";
}

/** ms until it runs; null when that cannot be seen (pid file unreadable). */
async function waitUntilRuns(tr: Transport, spec: StartSpec): Promise<number | null> {
  const t0 = Date.now();
  const deadline = t0 + (spec.waitMs ?? 30_000);
  for (;;) {
    const state = await daemonState(tr, spec);
    if (state === "unknown") return null;
    if (state === "running") return Date.now() - t0;
    if (Date.now() > deadline) throw new Error(`${spec.program} does not run ${Math.round((spec.waitMs ?? 30_000) / 1000)} s after the deploy (no live ${spec.pidFile})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
