"use client";

import { useSearchParams } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useReducer, useState } from "react";
import Link from "next/link";
import { configPageOfTarget } from "@/lib/config/daemon-kinds";
import { DEPLOY_SETTING_LABELS } from "@/lib/deploy/settings";
import { AllowedPrograms } from "./allowed-programs";
import { apiFetch, ApiError } from "./api";
import { DiffView } from "./diff-view";
import { errorText, fieldProblem } from "./error-text";
import { HostKeyDialog } from "./host-key-dialog";
import { ndjsonEvents } from "./stream";
import { Alert, Badge, Button, Card, PageTitle } from "./ui";
import { useCan } from "./user-context";

// ---- API shapes (types only: nothing of the server modules reaches the browser bundle) -----------
import type { DriftState as Drift, TargetView } from "@/lib/deploy/service";

interface TargetSettings {
  bconsolePath: string | null;
  bconsoleConfig: string | null;
  testTool: string | null;
  startCommand?: string;
  stopCommand?: string;
  replication?: { enabled: boolean; sshKeyPath: string; knownHostsPath: string; scriptPath?: string; standbyHost?: string; standbyUser?: string; remoteDir?: string; schedule?: string };
}

interface LiveCheck {
  key: string;
  drift: Drift;
  liveHash: string | null;
  modelHash: string | null;
  files: { path: string; exists: boolean; changed: boolean; diff: string }[];
  error: string | null;
  errorCode: string | null;
  presentedFingerprint: string | null;
}

interface Step {
  index: number;
  name: string;
  status: "running" | "ok" | "failed" | "skipped";
  startedAt: string;
  finishedAt?: string;
  log: string;
}

interface TargetResult {
  key: string;
  name: string;
  kind: string;
  role: string;
  hostName: string;
  status: string;
  failedStep: string | null;
  error: string | null;
  errorCode: string | null;
  presentedFingerprint: string | null;
  files: { path: string; changed: boolean; diff: string }[];
  steps: Step[];
}

type RunEvent =
  | { type: "run"; runId: number; dryRun: boolean; targets: { key: string; name: string; kind: string; role: string; hostName: string }[] }
  | { type: "target"; target: TargetResult }
  | { type: "step"; targetKey: string; step: Step }
  | { type: "done"; runId: number; status: string; summary: string }
  | { type: "error"; error: string };

interface RunSummary {
  id: number;
  startedAt: string;
  finishedAt: string | null;
  actor: string;
  dryRun: boolean;
  status: string;
  summary: string;
  targets: { targetKey: string; daemonName: string; hostName: string; status: string; failedStep: string | null }[];
}

interface RunDetail extends Omit<RunSummary, "targets"> {
  revision: number;
  targets: {
    id: number;
    targetKey: string;
    daemonName: string;
    hostName: string;
    role: string;
    status: string;
    failedStep: string | null;
    error: string | null;
    files: { path: string; changed: boolean; diff: string }[];
    steps: { id: number; position: number; name: string; status: string; startedAt: string; finishedAt: string | null; log: string }[];
  }[];
}


// ---- small pieces -------------------------------------------------------------------------------

const DRIFT: Record<Drift, { tone: "green" | "amber" | "red" | "slate" | "blue"; label: string }> = {
  in_sync: { tone: "green", label: "in sync" },
  model_changed: { tone: "amber", label: "model changed: deploy pending" },
  live_changed: { tone: "red", label: "drift: live file changed on the host" },
  never_deployed: { tone: "slate", label: "never deployed" },
  unknown: { tone: "slate", label: "not checked" },
};

const STATUS_TONE: Record<string, "green" | "amber" | "red" | "slate" | "blue"> = {
  succeeded: "green",
  unchanged: "green",
  dry_run_ok: "green",
  ok: "green",
  running: "blue",
  pending: "slate",
  skipped: "slate",
  partial: "amber",
  rolled_back: "amber",
  failed: "red",
  rollback_failed: "red",
};

const TARGET_OK = new Set(["succeeded", "unchanged", "dry_run_ok"]);

/**
 * A run's outcome in words: a dry run never "succeeds" with a failed check; it passed every check,
 * or says how many targets failed them (and that nothing changed either way).
 */
export function runOutcome(dryRun: boolean, status: string | null, targetStatuses: readonly string[]): { text: string; tone: "green" | "amber" | "red" | "slate" | "blue" } {
  if (status === null || status === "running") return { text: "running", tone: "blue" };
  if (status === "stopped") return { text: "stopped before a result (see the error)", tone: "red" };
  const failed = targetStatuses.filter((t) => !TARGET_OK.has(t)).length;
  if (dryRun) {
    if (status === "interrupted") return { text: "dry run interrupted: nothing was changed", tone: "amber" };
    if (failed === 0 && status === "succeeded") return { text: "all checks passed: nothing was changed", tone: "green" };
    return { text: `checks failed on ${failed || "some"} of ${targetStatuses.length} target${targetStatuses.length === 1 ? "" : "s"}: nothing was changed`, tone: "red" };
  }
  if (status === "succeeded") return { text: "succeeded", tone: "green" };
  if (status === "partial") return { text: `partly failed (${failed} of ${targetStatuses.length} targets)`, tone: "amber" };
  return { text: status.replace(/_/g, " "), tone: STATUS_TONE[status] ?? "red" };
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

function StepList({ steps }: { steps: Step[] }) {
  return (
    <ol className="space-y-1" aria-label="Steps">
      {steps.map((s) => (
        <li key={s.index} data-testid={`step-${s.name}`} data-status={s.status}>
          <details>
            <summary className="cursor-pointer text-sm">
              <Badge tone={STATUS_TONE[s.status] ?? "slate"}>{s.status}</Badge> <span className="font-medium">{s.name}</span>
              {s.finishedAt && (
                <span className="text-xs text-slate-500"> {Math.max(0, Date.parse(s.finishedAt) - Date.parse(s.startedAt))} ms</span>
              )}
            </summary>
            <pre className="mt-1 max-h-72 overflow-auto whitespace-pre-wrap rounded bg-slate-100 p-2 text-xs">{s.log || "(no output)"}</pre>
          </details>
        </li>
      ))}
    </ol>
  );
}

// ---- progress state -----------------------------------------------------------------------------

interface Progress {
  runId: number | null;
  dryRun: boolean;
  running: boolean;
  status: string | null;
  error: string | null;
  order: string[];
  targets: Record<string, TargetResult>;
}

const initialProgress: Progress = { runId: null, dryRun: false, running: false, status: null, error: null, order: [], targets: {} };

function progressReducer(state: Progress, e: RunEvent | { type: "start"; dryRun: boolean } | { type: "finished" }): Progress {
  switch (e.type) {
    case "start":
      return { ...initialProgress, dryRun: e.dryRun, running: true };
    case "run": {
      const targets: Record<string, TargetResult> = {};
      for (const t of e.targets) {
        targets[t.key] = { ...t, status: "pending", failedStep: null, error: null, errorCode: null, presentedFingerprint: null, files: [], steps: [] };
      }
      return { ...state, runId: e.runId, dryRun: e.dryRun, order: e.targets.map((t) => t.key), targets };
    }
    case "target":
      return { ...state, targets: { ...state.targets, [e.target.key]: e.target } };
    case "step": {
      const t = state.targets[e.targetKey];
      if (!t) return state;
      const steps = [...t.steps];
      steps[e.step.index] = e.step;
      return { ...state, targets: { ...state.targets, [e.targetKey]: { ...t, steps } } };
    }
    case "done":
      return { ...state, running: false, status: e.status };
    case "error":
      return { ...state, running: false, error: e.error };
    case "finished":
      return { ...state, running: false };
  }
}

/** POST the deploy and read its NDJSON stream line by line. */
async function streamDeploy(body: { dryRun: boolean; targets?: string[] }, onEvent: (e: RunEvent) => void): Promise<void> {
  const res = await fetch("/api/deploy/runs", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!res.ok || !res.body) {
    const j = (await res.json().catch(() => ({}))) as { error?: string };
    throw new ApiError(res.status, j.error ?? res.statusText);
  }
  for await (const e of ndjsonEvents<RunEvent>(res)) onEvent(e);
}

// ---- Per-daemon deploy settings (PUT /api/deploy/targets) ---------------------------------------

const REPL_FIELDS = [
  ["sshKeyPath", "SSH key on the primary's host"],
  ["knownHostsPath", "known_hosts on the primary's host"],
  ["standbyHost", "Standby host (default: the Director's address)"],
  ["standbyUser", "Standby SSH user (default bacula)"],
  ["remoteDir", "Directory on the standby (default: its config directory)"],
  ["scriptPath", "Script path on the primary (default <configDir>/scripts/…)"],
  ["schedule", "Schedule (optional)"],
] as const;

/** Settings that choose what runs on the host: admin only (lib/deploy/settings-service.ts). */
const ADMIN_FIELDS = new Set(["bconsolePath", "bconsoleConfig", "startCommand", "stopCommand", "restartCommand"]);

/** Per kind of target: its label, test tools and built-in commands (lib/deploy/settings.ts DEFAULT_COMMANDS). */
const KIND_INFO: Record<string, { label: string; tools: string[]; unit: string }> = {
  director: { label: "Director", tools: ["bdirjson", "bacula-dir"], unit: "bacula-director" },
  "storage-daemon": { label: "Storage Daemon", tools: ["bsdjson", "bacula-sd"], unit: "bacula-sd" },
  client: { label: "File Daemon", tools: ["bfdjson", "bacula-fd"], unit: "bacula-fd" },
};

function SettingsDialog({ target, onClose }: { target: TargetView; onClose: () => void }) {
  const qc = useQueryClient();
  const isAdmin = useCan("admin");
  const s = target.settings;
  const isDir = target.kind === "director";
  const isFd = target.kind === "client";
  const info = KIND_INFO[target.kind] ?? KIND_INFO.director;
  const [v, setV] = useState<Record<string, string>>({
    bconsolePath: s.bconsolePath ?? "",
    bconsoleConfig: s.bconsoleConfig ?? "",
    testTool: s.testTool ?? "",
    startCommand: s.startCommand ?? "",
    stopCommand: s.stopCommand ?? "",
    restartCommand: s.restartCommand ?? "",
    ...Object.fromEntries(REPL_FIELDS.map(([k]) => [k, (s.replication?.[k] as string | undefined) ?? ""])),
  });
  const [repl, setRepl] = useState(!!s.replication?.enabled);
  const save = useMutation({
    mutationFn: () => {
      const orNull = (x: string) => (x.trim() === "" ? null : x.trim());
      const body: Record<string, unknown> = { target: target.key, testTool: orNull(v.testTool) };
      // Admin-only fields are sent only by an admin (an operator saving the test tool changes nothing else).
      if (isAdmin) Object.assign(body, { startCommand: orNull(v.startCommand), stopCommand: orNull(v.stopCommand) });
      if (isAdmin && isFd) body.restartCommand = orNull(v.restartCommand);
      if (isDir) {
        if (isAdmin) Object.assign(body, { bconsolePath: orNull(v.bconsolePath), bconsoleConfig: orNull(v.bconsoleConfig) });
        if (target.role === "standby") {
          const r: Record<string, unknown> = { enabled: repl };
          for (const [k] of REPL_FIELDS) if (v[k].trim()) r[k] = v[k].trim();
          body.replication = repl || v.sshKeyPath.trim() || v.knownHostsPath.trim() ? r : null;
        }
      }
      return apiFetch<{ ok: true }>("/api/deploy/targets", { method: "PUT", json: body });
    },
    onSuccess: async () => {
      // Refetched before closing, so the form opens with the saved values next time.
      await qc.invalidateQueries({ queryKey: ["deploy-targets"] });
      onClose();
    },
  });
  const fieldErr = (f: string) => fieldProblem(save.error, f, `replication.${f}`) ?? "";
  // Problems shown under their inputs; the summary names only the others.
  const placed = ["testTool", ...ADMIN_FIELDS, ...REPL_FIELDS.flatMap(([k]) => [k, `replication.${k}`])];
  const input = (f: string, label: string) => (
    <label key={f} className="block text-sm">
      {label}
      <input
        className="mt-0.5 block w-full rounded border border-slate-300 px-2 py-1 font-mono text-xs"
        aria-label={label}
        aria-invalid={!!fieldErr(f)}
        aria-describedby={fieldErr(f) ? `settings-${f}-error` : undefined}
        readOnly={ADMIN_FIELDS.has(f) && !isAdmin}
        title={ADMIN_FIELDS.has(f) && !isAdmin ? "What runs on the host is an admin's decision" : undefined}
        value={v[f]}
        onChange={(e) => setV({ ...v, [f]: e.target.value })}
      />
      {fieldErr(f) && (
        <span id={`settings-${f}-error`} className="text-xs text-red-700" data-testid={`error-${f}`}>
          {DEPLOY_SETTING_LABELS[f] ?? DEPLOY_SETTING_LABELS[`replication.${f}`] ?? label}: {fieldErr(f)}
        </span>
      )}
    </label>
  );
  return (
    <div role="dialog" aria-modal="true" aria-labelledby="settings-title" className="fixed inset-0 z-50 flex items-start justify-center overflow-y-auto bg-black/40 p-6">
      <form
        className="w-full max-w-xl space-y-2 rounded-lg bg-white p-5 shadow-xl"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <h2 id="settings-title" className="text-lg font-semibold">
          Deploy settings: {target.name}
        </h2>
        <label className="block text-sm">
          Test tool
          <select className="mt-0.5 block rounded border border-slate-300 px-2 py-1" aria-label="Test tool" value={v.testTool} onChange={(e) => setV({ ...v, testTool: e.target.value })}>
            <option value="">default ({info.tools[0]})</option>
            {info.tools.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {fieldErr("testTool") && <span className="text-xs text-red-700" data-testid="error-testTool">Test tool: {fieldErr("testTool")}</span>}
        </label>
        {isDir && input("bconsolePath", "bconsole path (default /usr/sbin/bconsole)")}
        {isDir && input("bconsoleConfig", "bconsole config (default <configDir>/bconsole.conf, written by the deploy)")}
        {input("startCommand", `Start command (argv, no shell; default systemctl start ${info.unit}): a deploy starts a daemon that does not run`)}
        {input("stopCommand", `Stop command (argv, no shell; default systemctl stop ${info.unit})`)}
        {isFd && input("restartCommand", "Restart command (argv, no shell; default systemctl restart bacula-fd): puts a new bacula-fd.conf in force")}
        {(
          <>
            <p className="text-xs text-slate-600">
              Commands run without a shell and only allowed programs (systemctl, service, the Bacula daemons and bacula-ctl-*,
              pg_ctl …, or one an admin added); bconsole and its config are checked on the host.
              {!isAdmin && " Only an admin can change them."}
            </p>
          </>
        )}
        {isDir && target.role === "standby" && (
          <fieldset className="rounded border border-slate-200 p-2">
            <legend className="px-1 text-sm font-medium">Configuration replication to this standby (Admin Job on the primary)</legend>
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={repl} onChange={(e) => setRepl(e.target.checked)} /> Add the Admin Job and its script to the primary&apos;s deploy
            </label>
            {REPL_FIELDS.map(([k, label]) => input(k, label))}
          </fieldset>
        )}
        {save.error && <Alert>{errorText(save.error, { placed, lead: "Not saved" })}</Alert>}
        <div className="flex justify-end gap-2 pt-2">
          <Button type="submit" disabled={save.isPending}>
            Save settings
          </Button>
          <Button type="button" variant="ghost" onClick={onClose}>
            Cancel
          </Button>
        </div>
      </form>
    </div>
  );
}

// ---- the page -----------------------------------------------------------------------------------

export function DeployPage() {
  const canDeploy = useCan("operator");
  const qc = useQueryClient();
  const targets = useQuery({ queryKey: ["deploy-targets"], queryFn: () => apiFetch<{ targets: TargetView[] }>("/api/deploy/targets") });
  const runs = useQuery({ queryKey: ["deploy-runs"], queryFn: () => apiFetch<{ runs: RunSummary[] }>("/api/deploy/runs") });
  // ?target=director:<id> (from the topology map) preselects that target.
  const wanted = useSearchParams().getAll("target");
  const [selected, setSelected] = useState<Set<string> | null>(() => (wanted.length ? new Set(wanted) : null));
  const [hostKeyFor, setHostKeyFor] = useState<number | null>(null);
  const [settingsFor, setSettingsFor] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [openRun, setOpenRun] = useState<number | null>(null);
  const [progress, dispatch] = useReducer(progressReducer, initialProgress);
  const live = useMutation({
    // A POST (operator): it connects to the hosts and records what it saw.
    mutationFn: (keys: string[]) => apiFetch<{ checks: LiveCheck[] }>("/api/deploy/live", { method: "POST", json: { targets: keys } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["deploy-targets"] }),
  });
  const list = targets.data?.targets ?? [];
  const chosen = selected ?? new Set(list.filter((t) => t.problems.length === 0).map((t) => t.key));
  const checks = new Map((live.data?.checks ?? []).map((c) => [c.key, c]));

  async function start(dryRun: boolean) {
    setConfirming(false);
    dispatch({ type: "start", dryRun });
    try {
      await streamDeploy({ dryRun, targets: [...chosen] }, (e) => dispatch(e));
    } catch (err) {
      dispatch({ type: "error", error: (err as Error).message });
    } finally {
      dispatch({ type: "finished" });
      void qc.invalidateQueries({ queryKey: ["deploy-targets"] });
      void qc.invalidateQueries({ queryKey: ["deploy-runs"] });
    }
  }

  const toggle = (key: string) => {
    const next = new Set(chosen);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    setSelected(next);
  };

  return (
    <>
      <PageTitle
        subtitle="Render, diff, test with Bacula on the host, swap, reload, verify — and roll back when any step fails"
        actions={
          <>
            <Button
              variant="secondary"
              disabled={!canDeploy || live.isPending || chosen.size === 0}
              title={canDeploy ? "Reads the live files over SSH" : "Checking live configs needs the operator role"}
              onClick={() => live.mutate([...chosen])}
            >
              {live.isPending ? "Reading live files…" : "Check live configs"}
            </Button>
            <Button
              variant="secondary"
              disabled={!canDeploy || progress.running || chosen.size === 0}
              title={canDeploy ? "Everything up to the remote test; nothing is swapped" : "Deploying needs the operator role"}
              onClick={() => start(true)}
            >
              Dry run
            </Button>
            <Button
              disabled={!canDeploy || progress.running || chosen.size === 0}
              title={canDeploy ? undefined : "Deploying needs the operator role"}
              onClick={() => setConfirming(true)}
            >
              Deploy
            </Button>
          </>
        }
      >
        Deploy
      </PageTitle>
      {!canDeploy && <Alert kind="info">You can see the targets, diffs and history; deploying needs the operator role.</Alert>}
      {confirming && (
        <div className="my-3">
          <Alert kind="info">
            Deploy {chosen.size} target{chosen.size === 1 ? "" : "s"}? Each host is tested, swapped and reloaded; a failing step rolls that host back.{" "}
            <Button onClick={() => start(false)}>Confirm deploy</Button> <Button variant="secondary" onClick={() => setConfirming(false)}>Cancel</Button>
          </Alert>
        </div>
      )}
      {targets.error && <Alert>{errorText(targets.error, { lead: "Cannot list the targets" })}</Alert>}
      {live.error && <Alert>{errorText(live.error, { lead: "Live check failed" })}</Alert>}

      <div className="mt-3 space-y-4">
        <Card title="Targets">
          <div className="overflow-x-auto">
            <table className="w-full text-sm">
              <caption className="sr-only">Deploy targets with drift state and last deploy</caption>
              <thead className="bg-slate-100 text-left">
                <tr>
                  <th scope="col" className="px-2 py-1.5"><span className="sr-only">Select</span></th>
                  <th scope="col">Daemon</th>
                  <th scope="col">Host</th>
                  <th scope="col">Drift</th>
                  <th scope="col">Last deploy</th>
                  <th scope="col">Reload</th>
                </tr>
              </thead>
              <tbody>
                {list.map((t) => {
                  const c = checks.get(t.key);
                  const drift = c?.drift ?? t.drift;
                  return (
                    <tr key={t.key} className="border-t border-slate-100 align-top" data-testid={`target-${t.name}`}>
                      <td className="px-2 py-1.5">
                        <input
                          type="checkbox"
                          aria-label={`Select ${t.name}`}
                          checked={chosen.has(t.key)}
                          disabled={t.problems.length > 0}
                          onChange={() => toggle(t.key)}
                        />
                      </td>
                      <td className="py-1.5">
                        <div className="font-medium">{t.name}</div>
                        {configPageOfTarget(t.key) && (
                          <Link className="text-xs text-brand-700 underline" href={configPageOfTarget(t.key)!} aria-label={`Generated config of ${t.name}`}>
                            generated config
                          </Link>
                        )}
                        <div className="text-xs text-slate-500">
                          {KIND_INFO[t.kind]?.label ?? t.kind} · {t.role} · {t.files.join(", ")}
                        </div>
                        {t.problems.map((p, i) => (
                          <div key={i} className="text-xs text-red-700">{p}</div>
                        ))}
                      </td>
                      <td className="py-1.5">
                        <div>{t.host.name}</div>
                        <div className="text-xs text-slate-500">{t.host.user}@{t.host.address}:{t.host.port}</div>
                        {t.host.id !== null && (
                          <button type="button" className="text-xs text-brand-700 underline" onClick={() => setHostKeyFor(t.host.id)}>
                            {t.host.pinned ? "host key pinned — check" : "host key not pinned — confirm"}
                          </button>
                        )}
                      </td>
                      <td className="py-1.5">
                        <span data-testid="drift"><Badge tone={DRIFT[drift].tone}>{DRIFT[drift].label}</Badge></span>
                        {t.live.checkedAt && <div className="text-xs text-slate-500">live checked {when(t.live.checkedAt)}</div>}
                        {c?.error && <div className="text-xs text-red-700">{c.error}</div>}
                        {c && c.files.some((f) => f.diff) && (
                          <details className="mt-1">
                            <summary className="cursor-pointer text-xs text-brand-700">diff live → model</summary>
                            {c.files.map((f) => (
                              <div key={f.path}>
                                <div className="text-xs font-medium">{f.path}{f.exists ? "" : " (not on the host yet)"}</div>
                                <DiffView diff={f.diff} />
                              </div>
                            ))}
                          </details>
                        )}
                      </td>
                      <td className="py-1.5">
                        {t.lastDeploy.at ? (
                          <>
                            <div>{when(t.lastDeploy.at)}</div>
                            <div className="text-xs text-slate-500">by {t.lastDeploy.by}</div>
                          </>
                        ) : (
                          "never"
                        )}
                      </td>
                      <td className="py-1.5 text-xs text-slate-600">
                        {t.reload}
                        <details className="mt-0.5" data-testid="commands">
                          <summary className="cursor-pointer text-brand-700">commands on the host</summary>
                          <ul className="mt-0.5 space-y-0.5">
                            {t.commands.map((c) => (
                              <li key={c.use}>
                                <span className="font-medium">{c.use}</span>: <code className="break-all">{c.argv.join(" ")}</code>
                                {c.problem && <div className="text-red-700">{c.problem}</div>}
                              </li>
                            ))}
                          </ul>
                        </details>
                        {canDeploy && (
                          <div>
                            <button type="button" className="text-xs text-brand-700 underline" onClick={() => setSettingsFor(t.key)}>
                              Settings
                            </button>
                          </div>
                        )}
                      </td>
                    </tr>
                  );
                })}
                {list.length === 0 && !targets.isLoading && (
                  <tr>
                    <td colSpan={6} className="px-2 py-3 text-slate-600">No Directors, Storage Daemons or Clients with a host yet.</td>
                  </tr>
                )}
              </tbody>
            </table>
          </div>
        </Card>

        <AllowedPrograms />

        {(progress.running || progress.order.length > 0 || progress.error) && (
          <Card
            title={
              <span data-testid="deploy-outcome" data-status={progress.status ?? "running"}>
                {`${progress.dryRun ? "Dry run" : "Deploy"}${progress.runId ? ` #${progress.runId}` : ""} — ${runOutcome(progress.dryRun, progress.running ? null : (progress.status ?? "stopped"), progress.order.map((k) => progress.targets[k]?.status ?? "pending")).text}`}
              </span>
            }
          >
            <div aria-live="polite" data-testid="progress" className="space-y-3">
              {progress.error && <Alert>{progress.error}</Alert>}
              {progress.order.map((key) => {
                const t = progress.targets[key];
                return (
                  <div key={key} className="rounded border border-slate-200 p-2" data-testid={`progress-${t.name}`}>
                    <div className="mb-1 flex flex-wrap items-center gap-2">
                      <strong>{t.name}</strong>
                      <span className="text-xs text-slate-500">on {t.hostName}</span>
                      <span data-testid="target-status"><Badge tone={STATUS_TONE[t.status] ?? "slate"}>{t.status}</Badge></span>
                    </div>
                    {t.error && <Alert>{t.error}</Alert>}
                    {(t.errorCode === "HOST_KEY_UNKNOWN" || t.errorCode === "HOST_KEY_MISMATCH") && (
                      <p className="mt-1 text-sm">
                        <button
                          type="button"
                          className="text-brand-700 underline"
                          onClick={() => setHostKeyFor(list.find((x) => x.key === key)?.host.id ?? null)}
                        >
                          Review the host key
                        </button>
                      </p>
                    )}
                    <StepList steps={t.steps.filter(Boolean)} />
                    {t.files.some((f) => f.diff) && (
                      <details className="mt-1">
                        <summary className="cursor-pointer text-xs text-brand-700">diff</summary>
                        {t.files.map((f) => <DiffView key={f.path} diff={f.diff} />)}
                      </details>
                    )}
                  </div>
                );
              })}
            </div>
          </Card>
        )}

        <Card title="History">
          {runs.error && <Alert>{errorText(runs.error, { lead: "Cannot list the runs" })}</Alert>}
          <table className="w-full text-sm">
            <caption className="sr-only">Deploy runs, newest first</caption>
            <thead className="bg-slate-100 text-left">
              <tr>
                <th scope="col" className="px-2 py-1.5">Run</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">Targets</th>
              </tr>
            </thead>
            <tbody>
              {runs.data?.runs.map((r) => (
                <tr key={r.id} className="border-t border-slate-100 align-top" data-testid={`run-${r.id}`}>
                  <td className="px-2 py-1.5">
                    <button type="button" className="text-brand-700 underline" onClick={() => setOpenRun(openRun === r.id ? null : r.id)}>
                      #{r.id}
                    </button>
                  </td>
                  <td className="py-1.5">{when(r.startedAt)}</td>
                  <td className="py-1.5">{r.actor}</td>
                  <td className="py-1.5">{r.dryRun ? "dry run" : "deploy"}</td>
                  <td className="py-1.5">
                    {(() => {
                      const o = runOutcome(r.dryRun, r.status, r.targets.map((t) => t.status));
                      return <span data-testid="deploy-run-status" data-status={r.status}><Badge tone={o.tone}>{o.text}</Badge></span>;
                    })()}
                  </td>
                  <td className="py-1.5 text-xs">{r.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {openRun !== null && <RunDetailView id={openRun} />}
        </Card>
      </div>
      {hostKeyFor !== null && <HostKeyDialog hostId={hostKeyFor} onClose={() => setHostKeyFor(null)} />}
      {settingsFor !== null && list.find((x) => x.key === settingsFor) && (
        <SettingsDialog target={list.find((x) => x.key === settingsFor)!} onClose={() => setSettingsFor(null)} />
      )}
    </>
  );
}

function RunDetailView({ id }: { id: number }) {
  const q = useQuery({ queryKey: ["deploy-run", id], queryFn: () => apiFetch<{ run: RunDetail }>(`/api/deploy/runs/${id}`) });
  if (q.isLoading) return <p>Loading run #{id}…</p>;
  if (q.error) return <Alert>{errorText(q.error, { lead: `Cannot read run #${id}` })}</Alert>;
  const run = q.data!.run;
  return (
    <section className="mt-3 space-y-2" aria-label={`Run ${id} details`} data-testid="run-detail">
      <h3 className="font-semibold">
        Run #{run.id} ({run.dryRun ? "dry run" : "deploy"}, model revision {run.revision}) by {run.actor}
      </h3>
      {run.targets.map((t) => (
        <div key={t.id} className="rounded border border-slate-200 p-2">
          <div className="mb-1 flex items-center gap-2">
            <strong>{t.daemonName}</strong> <span className="text-xs text-slate-500">on {t.hostName}</span>
            <Badge tone={STATUS_TONE[t.status] ?? "slate"}>{t.status}</Badge>
          </div>
          {t.error && <Alert>{t.error}</Alert>}
          <StepList
            steps={t.steps.map((s) => ({ index: s.position, name: s.name, status: s.status as Step["status"], startedAt: s.startedAt, finishedAt: s.finishedAt ?? undefined, log: s.log }))}
          />
          {t.files.some((f) => f.diff) && (
            <details className="mt-1">
              <summary className="cursor-pointer text-xs text-brand-700">diff</summary>
              {t.files.map((f) => <DiffView key={f.path} diff={f.diff} />)}
            </details>
          )}
        </div>
      ))}
    </section>
  );
}
