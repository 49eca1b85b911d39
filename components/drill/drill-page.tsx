"use client";

import { useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, apiFetch } from "@/components/api";
import { CheckList } from "@/components/failover/checks";
import { PromotionProgress, STATUS_TONE } from "@/components/failover/progress";
import { Alert, Badge, Button, Card, PageTitle, inputClass } from "@/components/ui";
import { useCan } from "@/components/user-context";
import type { DrillPreflight } from "@/lib/failover/drill";
import type { DrillOption, DrillSummary } from "@/lib/failover/drill-views";
import type { PromotionView } from "@/lib/failover/types";
import { ReadinessPanel } from "./readiness-panel";

const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} s`);
const bytes = (b: number | null | undefined) => (b === null || b === undefined ? "unknown" : b < 1024 ? `${b} B` : `${(b / 1024).toFixed(1)} KiB`);

/** Run a planned drill: choose the job, check (dry run), type the cluster's name, watch the steps stream. */
function RunDrill({ options }: { options: DrillOption[] }) {
  const qc = useQueryClient();
  const uid = useId();
  const [clusterId, setClusterId] = useState<number | null>(options[0]?.clusterId ?? null);
  const opt = options.find((o) => o.clusterId === clusterId) ?? null;
  const [job, setJob] = useState<string>(opt?.jobs[0] ?? "");
  const [where, setWhere] = useState("");
  const [typed, setTyped] = useState("");
  const [drillId, setDrillId] = useState<number | null>(null);
  const body = () => ({ clusterId, jobName: job, ...(where.trim() ? { restoreWhere: where.trim() } : {}) });
  const check = useMutation({
    mutationFn: () => apiFetch<{ dryRun: true; preflight: DrillPreflight }>("/api/drills", { method: "POST", json: { ...body(), dryRun: true } }),
  });
  const run = useMutation({
    mutationFn: () => apiFetch<{ id: number }>("/api/drills", { method: "POST", json: { ...body(), confirmClusterName: typed } }),
    onSuccess: (r) => setDrillId(r.id),
  });
  const fieldErr = (f: string) => (run.error instanceof ApiError ? run.error.fields.filter((x) => x.field === f).map((x) => x.message).join("; ") : "");
  if (options.length === 0) return <Alert kind="info">No primary Director owns a Catalog of a replicated catalog cluster: there is no site pair to drill.</Alert>;
  const pf = check.data?.preflight;
  return (
    <Card title="Run a planned drill">
      <p className="mb-3 text-sm text-slate-600">
        The Director switches to the standby site, site B runs a test backup into its own storage and restores the chosen job from its copy there, then the
        Director switches back. The catalog stays on its primary. Every step streams here and the report is kept.
      </p>
      <form
        className="grid gap-3 md:grid-cols-2"
        onSubmit={(e) => {
          e.preventDefault();
          run.mutate();
        }}
      >
        <label className="text-sm" htmlFor={`${uid}-cluster`}>
          Site pair (catalog cluster)
          <select
            id={`${uid}-cluster`}
            className={inputClass}
            value={clusterId ?? ""}
            onChange={(e) => {
              const id = Number(e.target.value);
              setClusterId(id);
              setJob(options.find((o) => o.clusterId === id)?.jobs[0] ?? "");
              check.reset();
            }}
          >
            {options.map((o) => (
              <option key={o.clusterId} value={o.clusterId}>
                {o.clusterName}: {o.primary} → {o.standby ?? "(no standby)"}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm" htmlFor={`${uid}-job`}>
          Backup job to test (backed up at site B, restored from its copy)
          <select id={`${uid}-job`} className={inputClass} value={job} onChange={(e) => { setJob(e.target.value); check.reset(); }}>
            {(opt?.jobs ?? []).map((j) => (
              <option key={j} value={j}>{j}</option>
            ))}
          </select>
          {fieldErr("jobName") && <span className="text-xs text-red-700">{fieldErr("jobName")}</span>}
        </label>
        <label className="text-sm" htmlFor={`${uid}-where`}>
          Restore to (on the job&apos;s client; default /tmp/bhd-drill-restore-&lt;time&gt;)
          <input id={`${uid}-where`} className={inputClass} value={where} placeholder="/tmp/bhd-drill-restore" onChange={(e) => setWhere(e.target.value)} />
          {fieldErr("restoreWhere") && <span className="text-xs text-red-700">{fieldErr("restoreWhere")}</span>}
        </label>
        <div className="flex items-end">
          <Button type="button" variant="secondary" disabled={!job || check.isPending} onClick={() => check.mutate()}>
            {check.isPending ? "Checking…" : "Check (nothing changes)"}
          </Button>
        </div>
        {check.error && <div className="md:col-span-2"><Alert>{(check.error as Error).message}</Alert></div>}
        {pf && (
          <div className="md:col-span-2" data-testid="drill-preflight" data-allowed={pf.allowed}>
            <p className="mb-1 text-sm">
              {pf.allowed ? <Badge tone="green">the drill may run</Badge> : <Badge tone="red">refused</Badge>} catalog lag before: {bytes(pf.plan.lagBefore.bytes)}
              {pf.plan.copy && <> · copy to restore: JobId {pf.plan.copy.copyJobId}</>}
            </p>
            <CheckList checks={pf.checks} />
          </div>
        )}
        <label className="text-sm md:col-span-2" htmlFor={`${uid}-confirm`}>
          Type the cluster&apos;s name <strong>{opt?.clusterName}</strong> to confirm: the active Director changes site twice
          <input id={`${uid}-confirm`} className={inputClass} value={typed} autoComplete="off" onChange={(e) => setTyped(e.target.value)} aria-invalid={!!fieldErr("confirmClusterName")} />
          {fieldErr("confirmClusterName") && <span className="text-xs text-red-700">{fieldErr("confirmClusterName")}</span>}
        </label>
        <div className="md:col-span-2">
          <Button type="submit" variant="danger" disabled={run.isPending || drillId !== null || typed !== opt?.clusterName}>
            {run.isPending ? "Starting…" : "Run the drill"}
          </Button>
        </div>
      </form>
      {run.error && !(run.error instanceof ApiError && run.error.fields.length) && <div className="mt-2"><Alert>{(run.error as Error).message}</Alert></div>}
      {run.error instanceof ApiError && run.error.status === 409 && <div className="mt-2"><Alert>{run.error.message}</Alert></div>}
      {drillId !== null && (
        <div className="mt-4" data-testid="drill-progress">
          <PromotionProgress id={drillId} />
          <div className="mt-2">
            <Button
              variant="secondary"
              onClick={() => {
                setDrillId(null);
                setTyped("");
                void qc.invalidateQueries({ queryKey: ["drills"] });
                void qc.invalidateQueries({ queryKey: ["readiness"] });
              }}
            >
              Done
            </Button>
          </div>
        </div>
      )}
    </Card>
  );
}

function DrillLogs({ id }: { id: number }) {
  const q = useQuery({ queryKey: ["drills", id], queryFn: () => apiFetch<{ drill: PromotionView }>(`/api/drills/${id}`) });
  if (q.isLoading) return <p className="text-xs text-slate-600">Loading the logs…</p>;
  if (!q.data) return <Alert>{String((q.error as Error | null)?.message ?? "no logs")}</Alert>;
  return (
    <ol className="mt-1 space-y-1">
      {q.data.drill.steps.map((s) => (
        <li key={s.position} className="rounded border border-slate-200 p-2 text-xs">
          <Badge tone={STATUS_TONE[s.status] ?? "slate"}>{s.status}</Badge> <code>{s.name}</code>
          {s.log && <pre className="mt-1 whitespace-pre-wrap break-words text-slate-700">{s.log}</pre>}
        </li>
      ))}
    </ol>
  );
}

function DrillHistory({ drills }: { drills: DrillSummary[] }) {
  const [open, setOpen] = useState<number | null>(null);
  return (
    <Card title="Drill reports">
      {drills.length === 0 ? (
        <p className="text-sm text-slate-600">No drill has been run yet.</p>
      ) : (
        <table className="w-full text-sm" data-testid="drill-reports">
          <thead>
            <tr className="text-left text-xs text-slate-500">
              <th className="py-1">#</th>
              <th>Started</th>
              <th>Job</th>
              <th>Result</th>
              <th>RTO</th>
              <th>Catalog lag before</th>
              <th>Steps</th>
            </tr>
          </thead>
          <tbody>
            {drills.map((d) => (
              <tr key={d.id} className="border-t border-slate-100 align-top" data-testid={`drill-${d.id}`}>
                <td className="py-1">{d.id}</td>
                <td>
                  {new Date(d.startedAt).toLocaleString()}
                  <div className="text-xs text-slate-500">by {d.actor} · {d.clusterName}</div>
                </td>
                <td>{d.job}</td>
                <td>
                  <span data-testid="drill-status"><Badge tone={STATUS_TONE[d.status] ?? "slate"}>{d.status}</Badge></span>
                  {d.error && <div className="text-xs text-red-700">{d.error}</div>}
                </td>
                <td data-testid="drill-report-rto">{secs(d.report?.rtoMs)}</td>
                <td>{bytes(d.report?.lagBefore.bytes)}</td>
                <td className="text-xs">
                  <ul>
                    {d.steps.map((s) => (
                      <li key={s.name}>
                        {s.name.replace(/^drill_/, "")}: {s.status} {secs(s.ms)}
                      </li>
                    ))}
                  </ul>
                  <button type="button" className="text-brand-700 underline" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
                    {open === d.id ? "hide logs" : "logs"}
                  </button>
                  {open === d.id && <DrillLogs id={d.id} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

export function DrillPage() {
  const isAdmin = useCan("admin");
  const q = useQuery({ queryKey: ["drills"], queryFn: () => apiFetch<{ drills: DrillSummary[]; options: DrillOption[] }>("/api/drills"), refetchInterval: 15_000 });
  return (
    <div className="space-y-4">
      <PageTitle subtitle="Is the standby site ready to take over, and does it really? A planned drill switches to site B, backs up and restores there, and switches back.">
        DR drill
      </PageTitle>
      <ReadinessPanel />
      {isAdmin ? (
        q.data ? <RunDrill options={q.data.options} /> : q.error ? <Alert>{(q.error as Error).message}</Alert> : null
      ) : (
        <Alert kind="info">Running a drill switches sites: it needs an admin. You can see the readiness and the reports.</Alert>
      )}
      {q.data && <DrillHistory drills={q.data.drills} />}
    </div>
  );
}
