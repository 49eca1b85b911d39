"use client";

import Link from "next/link";
import { useState } from "react";
import { experimental_streamedQuery as streamedQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, apiFetch } from "@/components/api";
import { Alert, Badge, Button, Card, Modal, PageTitle } from "@/components/ui";
import type { PreflightResult, PromotionView, StepView } from "@/lib/failover/types";

interface Overview {
  cluster: { id: number; name: string; maxLagBytes: number };
  members: Array<{ id: number; name: string; role: string; fenced: boolean; address: string; port: number; adminPasswordSet: boolean; sshHostSet: boolean }>;
  catalogs: Array<{ id: number; name: string; dbAddress: string; dbPort: number }>;
  runningPromotionId: number | null;
}

function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "unknown";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const STATUS_TONE: Record<string, "slate" | "green" | "amber" | "red" | "blue"> = {
  pending: "slate",
  running: "blue",
  ok: "green",
  succeeded: "green",
  skipped: "amber",
  failed: "red",
  rolled_back: "amber",
};

// ---------------------------------------------------------------------------------------------
// Streamed progress: NDJSON lines from /api/failover/promotions/<id>/stream, folded into one view.

type StreamEvent = { type: "snapshot" | "done"; promotion: PromotionView } | { type: "step"; step: StepView } | { type: "ping" } | { type: "error"; error: string };

async function* readNdjson(url: string, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  const res = await fetch(url, { credentials: "same-origin", signal });
  if (!res.ok || !res.body) throw new ApiError(res.status, `progress stream: ${res.statusText}`);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as StreamEvent;
    }
  }
}

function fold(acc: PromotionView | null, e: StreamEvent): PromotionView | null {
  if (e.type === "snapshot" || e.type === "done") return e.promotion;
  if (e.type === "step" && acc) {
    const steps = acc.steps.some((s) => s.position === e.step.position)
      ? acc.steps.map((s) => (s.position === e.step.position ? e.step : s))
      : [...acc.steps, e.step].sort((a, b) => a.position - b.position);
    return { ...acc, steps };
  }
  return acc;
}

export function PromotionProgress({ id }: { id: number }) {
  const q = useQuery({
    queryKey: ["failover", "promotion", id, "stream"],
    queryFn: streamedQuery<StreamEvent, PromotionView | null>({
      streamFn: ({ signal }) => readNdjson(`/api/failover/promotions/${id}/stream`, signal),
      reducer: fold,
      initialValue: null,
    }),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const p = q.data;
  if (q.error) return <Alert>Progress: {(q.error as Error).message}</Alert>;
  if (!p) return <p className="text-sm text-slate-600">Connecting to the progress stream…</p>;
  return (
    <div data-testid="promotion-progress" aria-live="polite">
      <p className="mb-2 text-sm">
        {p.kind === "reattach" ? "Re-attach" : p.kind === "director" ? "Director switch" : `Promotion (${p.mode}${p.facts.scope === "site" ? ", site" : ""})`} #{p.id} of <strong>{p.targetName}</strong>:{" "}
        <span data-testid="promotion-status">
          <Badge tone={STATUS_TONE[p.status] ?? "slate"}>{p.status}</Badge>
        </span>
        {typeof p.facts.pgPromoteMs === "number" && <span className="ml-2 text-slate-600">pg_promote {String(p.facts.pgPromoteMs)} ms</span>}
        {typeof p.facts.directorSwitchMs === "number" && <span className="ml-2 text-slate-600">Director switch {String(p.facts.directorSwitchMs)} ms</span>}
      </p>
      {p.error && <Alert>{p.error}</Alert>}
      <ol className="mt-2 space-y-1">
        {p.steps.map((s) => (
          <li key={s.position} data-testid={`step-${s.name}`} data-status={s.status} className="rounded border border-slate-200 p-2 text-sm">
            <div className="flex items-center gap-2">
              <Badge tone={STATUS_TONE[s.status] ?? "slate"}>{s.status}</Badge>
              <code>{s.name}</code>
            </div>
            {s.log && <pre className="mt-1 whitespace-pre-wrap break-words text-xs text-slate-700">{s.log}</pre>}
          </li>
        ))}
      </ol>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// Promote dialog: preflight, confirmation, then the streamed steps.

function PromoteDialog({ clusterId, clusterName, memberId, memberName, onClose }: { clusterId: number; clusterName: string; memberId: number; memberName: string; onClose: () => void }) {
  const qc = useQueryClient();
  const [typedName, setTypedName] = useState("");
  const [force, setForce] = useState(false);
  const [reason, setReason] = useState("");
  const [promotionId, setPromotionId] = useState<number | null>(null);
  const [scope, setScope] = useState<"catalog" | "site">("catalog");
  const dpf = useQuery({
    queryKey: ["failover", clusterId, "director-preflight"],
    queryFn: () => apiFetch<DirectorPreflightView>(`/api/failover/${clusterId}/director-switch`),
    enabled: scope === "site",
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
  const pf = useQuery({
    queryKey: ["failover", clusterId, "preflight", memberId],
    queryFn: () => apiFetch<PreflightResult>(`/api/failover/${clusterId}/preflight?target=${memberId}`),
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
  const promote = useMutation({
    mutationFn: (dryRun: boolean) =>
      apiFetch<{ id?: number; existing?: boolean; dryRun?: boolean }>(`/api/failover/${clusterId}/promote`, {
        method: "POST",
        json: {
          targetMemberId: memberId,
          mode: pf.data?.mode,
          confirmClusterName: pf.data?.requiresClusterName ? typedName : undefined,
          force,
          forceReason: force ? reason : undefined,
          dryRun,
          scope,
        },
      }),
    onSuccess: (r) => {
      if (r.id) setPromotionId(r.id);
      void qc.invalidateQueries({ queryKey: ["failover", clusterId] });
    },
  });
  const d = pf.data;
  const directorOk = scope === "catalog" || !!dpf.data?.allowed;
  const canSubmit =
    !!d && d.mode !== null && directorOk && (d.allowed || (d.forceable && force && reason.trim().length >= 10)) && (!d.requiresClusterName || typedName === clusterName) && !promote.isPending;

  return (
    <Modal titleId="promote-title" title={<>Promote {memberName}</>}>
      {promotionId !== null ? (
        <div className="mt-3">
          <PromotionProgress id={promotionId} />
        </div>
      ) : pf.isPending ? (
        <p className="mt-3 text-sm">Checking {memberName} and the primary…</p>
      ) : pf.error ? (
        <Alert>{(pf.error as Error).message}</Alert>
      ) : d ? (
        <div className="mt-3 space-y-3 text-sm" data-testid="preflight">
          <p>
            Mode: <strong data-testid="preflight-mode">{d.mode ?? "undecidable"}</strong>
            {d.mode === "switchover" && " — the old primary is stopped first, then the standby replays its last WAL: no committed transaction is lost."}
            {d.mode === "failover" && " — the old primary does not answer: promoted without draining it."}
          </p>
          <p>
            Replay lag: <strong>{bytes(d.lag.bytes)}</strong> ({d.lag.source === "live" ? "now" : d.lag.source === "last_sample" ? `last sample ${d.lag.sampledAt}` : "unknown"}), limit {bytes(d.lag.thresholdBytes)}
          </p>
          <ul className="space-y-1" data-testid="preflight-checks">
            {d.checks.map((c, i) => (
              <li key={i} data-code={c.code} data-ok={c.ok} className={c.ok ? (c.severity === "warning" ? "text-amber-800" : "text-slate-700") : "font-medium text-red-700"}>
                {c.ok ? (c.severity === "warning" ? "⚠" : "✓") : "✗"} {c.message}
              </li>
            ))}
          </ul>
          <fieldset className="rounded border border-slate-200 p-2" data-testid="promotion-scope">
            <legend className="px-1 font-medium">What to promote</legend>
            <label className="mr-4 inline-flex items-center gap-1">
              <input type="radio" name="scope" value="catalog" checked={scope === "catalog"} onChange={() => setScope("catalog")} /> Catalog only
            </label>
            <label className="inline-flex items-center gap-1">
              <input type="radio" name="scope" value="site" checked={scope === "site"} onChange={() => setScope("site")} /> Standby site (catalog + Director)
            </label>
            {scope === "site" && (
              <div className="mt-2" data-testid="director-preflight">
                {dpf.isPending ? (
                  <p>Checking the standby Director (SSH, configuration test)…</p>
                ) : dpf.error ? (
                  <Alert>{(dpf.error as Error).message}</Alert>
                ) : (
                  <DirectorChecks checks={dpf.data?.checks ?? []} />
                )}
              </div>
            )}
          </fieldset>
          {d.dataLossWarning && (
            <Alert>
              <strong>Possible data loss.</strong> {d.dataLossWarning}
            </Alert>
          )}
          <details>
            <summary className="cursor-pointer">Plan ({d.plan.length} steps)</summary>
            <ol className="ml-5 list-decimal">
              {d.plan.map((s) => (
                <li key={s.name}>
                  <code>{s.name}</code>: {s.description}
                </li>
              ))}
            </ol>
          </details>
          {d.requiresClusterName && (
            <label className="block">
              Type the cluster name <code>{clusterName}</code> to confirm the failover
              <input className="mt-1 block w-full rounded border border-slate-300 px-2 py-1" value={typedName} onChange={(e) => setTypedName(e.target.value)} aria-label="Cluster name" />
            </label>
          )}
          {d.forceable && (
            <div className="rounded border border-amber-300 bg-amber-50 p-2">
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Force past the refusals above
              </label>
              {force && (
                <label className="mt-2 block">
                  Reason (kept in the audit log, at least 10 characters)
                  <input className="mt-1 block w-full rounded border border-slate-300 px-2 py-1" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Force reason" />
                </label>
              )}
            </div>
          )}
          {promote.error && (
            <Alert>
              {(promote.error as Error).message}
            </Alert>
          )}
          {promote.data?.dryRun && <Alert kind="info">Dry run: the checks pass as shown; nothing was changed.</Alert>}
        </div>
      ) : null}
      <div className="mt-4 flex justify-end gap-2">
        {promotionId === null && (
          <>
            <Button variant="secondary" onClick={() => void pf.refetch()} disabled={pf.isFetching}>
              Check again
            </Button>
            <Button variant="secondary" onClick={() => promote.mutate(true)} disabled={!d || d.mode === null || promote.isPending}>
              Dry run
            </Button>
            <Button variant="danger" onClick={() => promote.mutate(false)} disabled={!canSubmit}>
              {d?.mode === "failover" ? "Fail over" : "Promote"}
            </Button>
          </>
        )}
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
    </Modal>
  );
}

interface DirectorPreflightView {
  plan: { pairs: Array<{ oldId: number; oldName: string; newId: number; newName: string; catalogs: string[] }>; inPlace: Array<{ id: number; name: string }>; problems: string[] };
  checks: PreflightResult["checks"];
  allowed: boolean;
}

function DirectorChecks({ checks }: { checks: PreflightResult["checks"] }) {
  return (
    <ul className="space-y-1">
      {checks.map((c, i) => (
        <li key={i} data-code={c.code} data-ok={c.ok} className={c.ok ? (c.severity === "warning" ? "text-amber-800" : "text-slate-700") : "font-medium text-red-700"}>
          {c.ok ? (c.severity === "warning" ? "⚠" : "✓") : "✗"} {c.message}
        </li>
      ))}
    </ul>
  );
}

/** "Switch Director to standby site" alone: preflight, typed cluster name, then the streamed steps. */
function DirectorSwitchDialog({ clusterId, clusterName, onClose }: { clusterId: number; clusterName: string; onClose: () => void }) {
  const qc = useQueryClient();
  const [typed, setTyped] = useState("");
  const [id, setId] = useState<number | null>(null);
  const pf = useQuery({
    queryKey: ["failover", clusterId, "director-preflight"],
    queryFn: () => apiFetch<DirectorPreflightView>(`/api/failover/${clusterId}/director-switch`),
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
  const go = useMutation({
    mutationFn: () => apiFetch<{ id: number }>(`/api/failover/${clusterId}/director-switch`, { method: "POST", json: { confirmClusterName: typed } }),
    onSuccess: (r) => {
      setId(r.id);
      void qc.invalidateQueries({ queryKey: ["failover", clusterId] });
    },
  });
  return (
    <Modal titleId="director-switch-title" title="Switch the Director to the standby site">
      {id !== null ? (
        <div className="mt-3">
          <PromotionProgress id={id} />
        </div>
      ) : pf.isPending ? (
        <p className="mt-3 text-sm">Checking the standby Director (SSH, configuration test)…</p>
      ) : pf.error ? (
        <Alert>{(pf.error as Error).message}</Alert>
      ) : (
        <div className="mt-3 space-y-2 text-sm" data-testid="director-preflight">
          <p>The catalog stays where it is. The old Director is stopped, the standby&apos;s configuration deployed, the standby started and checked; the roles swap in the model.</p>
          <DirectorChecks checks={pf.data?.checks ?? []} />
          <label className="block">
            Type the cluster name <code>{clusterName}</code> to confirm
            <input className="mt-1 block w-full rounded border border-slate-300 px-2 py-1" value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Cluster name" />
          </label>
          {go.error && <Alert>{(go.error as Error).message}</Alert>}
        </div>
      )}
      <div className="mt-4 flex justify-end gap-2">
        {id === null && (
          <>
            <Button variant="secondary" onClick={() => void pf.refetch()} disabled={pf.isFetching}>
              Check again
            </Button>
            <Button variant="danger" disabled={typed !== clusterName || !pf.data?.allowed || go.isPending} onClick={() => go.mutate()}>
              Switch Director
            </Button>
          </>
        )}
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
    </Modal>
  );
}

function ReattachDialog({ clusterId, memberId, memberName, onClose }: { clusterId: number; memberId: number; memberName: string; onClose: () => void }) {
  const qc = useQueryClient();
  const [typed, setTyped] = useState("");
  const [id, setId] = useState<number | null>(null);
  const pf = useQuery({
    queryKey: ["failover", clusterId, "reattach", memberId],
    queryFn: () => apiFetch<{ checks: PreflightResult["checks"]; allowed: boolean; plan: PreflightResult["plan"] }>(`/api/failover/${clusterId}/reattach?member=${memberId}`),
    staleTime: 0,
  });
  const go = useMutation({
    mutationFn: () => apiFetch<{ id: number }>(`/api/failover/${clusterId}/reattach`, { method: "POST", json: { memberId, confirmMemberName: typed } }),
    onSuccess: (r) => {
      setId(r.id);
      void qc.invalidateQueries({ queryKey: ["failover", clusterId] });
    },
  });
  return (
    <Modal titleId="reattach-title" title={<>Re-attach {memberName} as a standby</>}>
      {id !== null ? (
        <PromotionProgress id={id} />
      ) : (
        <div className="mt-3 space-y-2 text-sm">
          {pf.data?.checks.map((c, i) => (
            <p key={i} className={c.ok ? "" : "font-medium text-red-700"}>
              {c.ok ? "✓" : "✗"} {c.message}
            </p>
          ))}
          <Alert kind="info">pg_rewind discards whatever {memberName} wrote after the timelines forked.</Alert>
          <label className="block">
            Type <code>{memberName}</code> to confirm
            <input className="mt-1 block w-full rounded border border-slate-300 px-2 py-1" value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Member name" />
          </label>
          {go.error && <Alert>{(go.error as Error).message}</Alert>}
        </div>
      )}
      <div className="mt-4 flex justify-end gap-2">
        {id === null && (
          <Button variant="danger" disabled={typed !== memberName || !pf.data?.allowed || go.isPending} onClick={() => go.mutate()}>
            Re-attach
          </Button>
        )}
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
    </Modal>
  );
}

export function FailoverPanel({ clusterId }: { clusterId: number }) {
  const [promoting, setPromoting] = useState<{ id: number; name: string } | null>(null);
  const [reattaching, setReattaching] = useState<{ id: number; name: string } | null>(null);
  const [switchingDirector, setSwitchingDirector] = useState(false);
  const ov = useQuery({ queryKey: ["failover", clusterId, "overview"], queryFn: () => apiFetch<Overview>(`/api/failover/${clusterId}`), refetchInterval: 5000 });
  const hist = useQuery({
    queryKey: ["failover", clusterId, "history"],
    queryFn: () => apiFetch<{ promotions: PromotionView[] }>(`/api/failover/${clusterId}/promotions`),
    refetchInterval: 5000,
  });
  if (ov.error) return <Alert>{(ov.error as Error).message}</Alert>;
  if (!ov.data) return <p>Loading…</p>;
  const { cluster, members, catalogs, runningPromotionId } = ov.data;
  return (
    <div className="space-y-4">
      <PageTitle subtitle={<>Guarded promotion of the catalog cluster&apos;s standby. <Link className="underline" href={`/replication/${clusterId}`}>Replication status</Link></>}>
        Promote: {cluster.name}
      </PageTitle>
      {runningPromotionId !== null && (
        <Card title={`Operation #${runningPromotionId} is running`}>
          <PromotionProgress id={runningPromotionId} />
        </Card>
      )}
      <Card title="Members">
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-slate-500">
              <th>Name</th>
              <th>Role</th>
              <th>Address</th>
              <th>Admin role</th>
              <th>SSH</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id} className="border-t border-slate-100" data-testid={`member-${m.name}`}>
                <td className="py-1 font-medium">{m.name}</td>
                <td>
                  <Badge tone={m.role === "primary" ? "blue" : "slate"}>{m.role}</Badge> {m.fenced && <Badge tone="red">fenced</Badge>}
                </td>
                <td>
                  {m.address}:{m.port}
                </td>
                <td>{m.adminPasswordSet ? "stored" : "—"}</td>
                <td>{m.sshHostSet ? "yes" : "—"}</td>
                <td className="text-right">
                  {m.role === "standby" && !m.fenced && (
                    <Button variant="danger" onClick={() => setPromoting({ id: m.id, name: m.name })}>
                      Promote…
                    </Button>
                  )}
                  {m.fenced && (
                    <Button variant="secondary" onClick={() => setReattaching({ id: m.id, name: m.name })}>
                      Re-attach…
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-2 text-xs text-slate-500">
          Catalogs on this cluster: {catalogs.length ? catalogs.map((c) => `${c.name} → ${c.dbAddress}:${c.dbPort}`).join(", ") : "none"}
        </p>
      </Card>
      <Card title="Director">
        <p className="text-sm text-slate-700">
          Promote a standby member with &quot;Standby site&quot; to switch the catalog and the Director together, or switch only the Director to its standby site here.
        </p>
        <div className="mt-2">
          <Button variant="secondary" onClick={() => setSwitchingDirector(true)} disabled={runningPromotionId !== null}>
            Switch Director to standby site…
          </Button>
        </div>
      </Card>
      <Card title="History">
        {hist.data?.promotions.length ? (
          <ul className="space-y-1 text-sm">
            {hist.data.promotions.map((p) => (
              <li key={p.id}>
                #{p.id} {p.kind === "reattach" ? "re-attach" : p.kind === "director" ? "Director switch" : `${p.mode}${p.facts.scope === "site" ? " (site)" : ""}`} of <strong>{p.targetName}</strong> by {p.actor} at {new Date(p.startedAt).toLocaleString()}:{" "}
                <Badge tone={STATUS_TONE[p.status] ?? "slate"}>{p.status}</Badge> {p.forced && <Badge tone="amber">forced: {p.forceReason}</Badge>} {p.error && <span className="text-red-700">{p.error}</span>}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-slate-600">No promotion yet.</p>
        )}
      </Card>
      {promoting && <PromoteDialog clusterId={clusterId} clusterName={cluster.name} memberId={promoting.id} memberName={promoting.name} onClose={() => setPromoting(null)} />}
      {switchingDirector && <DirectorSwitchDialog clusterId={clusterId} clusterName={cluster.name} onClose={() => setSwitchingDirector(false)} />}
      {reattaching && <ReattachDialog clusterId={clusterId} memberId={reattaching.id} memberName={reattaching.name} onClose={() => setReattaching(null)} />}
    </div>
  );
}

export function FailoverClusterList() {
  const q = useQuery({ queryKey: ["failover", "clusters"], queryFn: () => apiFetch<{ clusters: Array<{ id: number; name: string; members: Array<{ id: number; name: string; role: string; fenced: boolean }> }> }>("/api/failover") });
  if (q.error) return <Alert>{(q.error as Error).message}</Alert>;
  return (
    <div>
      <PageTitle subtitle="Switchover (the primary answers) or failover (it does not), with preflight checks and streamed steps.">Standby promotion</PageTitle>
      <Card>
        <ul className="space-y-1 text-sm">
          {q.data?.clusters.map((c) => (
            <li key={c.id}>
              <Link className="font-medium text-brand-700 underline" href={`/failover/${c.id}`}>
                {c.name}
              </Link>{" "}
              — {c.members.map((m) => `${m.name} (${m.role}${m.fenced ? ", fenced" : ""})`).join(", ")}
            </li>
          ))}
          {q.data && q.data.clusters.length === 0 && <li>No catalog cluster.</li>}
        </ul>
      </Card>
    </div>
  );
}
