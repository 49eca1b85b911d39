"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { KINDS } from "@/lib/inventory/fields";
import type { Health, LaidOutNode, TopologyView } from "@/lib/topology/types";
import { ApiError, apiFetch } from "../api";
import { errorText, problemText } from "../error-text";
import { Alert, Badge, Button, PageTitle, inputClass } from "../ui";
import { ReadinessStrip } from "@/components/drill/readiness-panel";
import { useCan, useCurrentUser } from "../user-context";
import { useReplicationTicks } from "../replication/live";
import { KIND_LABEL, TopologyGraph, type GraphHandle } from "./topology-graph";

type JobsMode = "auto" | "all" | "none";

const HEALTH_TONE: Record<Health, "green" | "amber" | "red" | "slate"> = { ok: "green", warn: "amber", critical: "red", unknown: "slate" };

type Record_ = Record<string, unknown> & { id: number; name: string; storageIds?: number[] };

/** The body the inventory edit form sends for this record: every editable field, secrets left out (kept). */
function formBody(kind: "pools" | "jobs", record: Record_): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of KINDS[kind].fields) {
    if (f.readOnly || f.type === "secret") continue;
    body[f.key] = record[f.key] ?? null;
  }
  // The version read: a gesture never overwrites a newer save (409).
  body.updatedAt = record.updatedAt;
  return body;
}

/** Each gesture is an ordinary edit of the Pool through PUT /api/pools/:id: the forms' validation. */
async function editPool(poolId: number, change: (body: Record<string, unknown>, record: Record_) => void): Promise<Record_> {
  const record = await apiFetch<Record_>(`/api/pools/${poolId}`);
  const body = formBody("pools", record);
  change(body, record);
  return apiFetch<Record_>(`/api/pools/${poolId}`, { method: "PUT", json: body });
}

type Gesture =
  | { type: "add-storage"; pool: LaidOutNode; storage: LaidOutNode }
  | { type: "next-pool"; pool: LaidOutNode; next: LaidOutNode };

function describe(g: Gesture): string {
  return g.type === "add-storage" ? `Add Storage “${g.storage.name}” to the storage group of Pool “${g.pool.name}”` : `Set Next Pool of “${g.pool.name}” to “${g.next.name}”`;
}

/**
 * The map's first answer is asked for as soon as this module runs (while React hydrates the page),
 * not from the query after the first render: on the 386-node bench topology that moved the answer
 * from after hydration to beside it. Used once, for the default jobs mode; every later read (live
 * refreshes, another mode) goes through the query as usual.
 */
let early: { jobs: JobsMode; answer: Promise<TopologyView> } | null =
  typeof window !== "undefined" && window.location.pathname === "/topology"
    ? { jobs: "auto", answer: apiFetch<TopologyView>("/api/topology?jobs=auto") }
    : null;
early?.answer.catch(() => undefined);
function firstAnswer(jobs: JobsMode): Promise<TopologyView> | null {
  const e = early;
  early = null;
  return e && e.jobs === jobs ? e.answer : null;
}

export function TopologyPage() {
  const user = useCurrentUser();
  const canEdit = useCan("operator");
  const isAdmin = useCan("admin");
  const qc = useQueryClient();
  const storageKey = `topology:${user.login}`;
  const [jobs, setJobs] = useState<JobsMode>("auto");
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [focusPanel, setFocusPanel] = useState(0);
  const [ready, setReady] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const handle = useRef<GraphHandle | null>(null);

  // Collapsed sites are remembered with the viewport.
  useEffect(() => {
    try {
      const raw = localStorage.getItem(`${storageKey}:collapsed`);
      if (raw) setCollapsed(new Set(JSON.parse(raw) as string[]));
    } catch {
      /* nothing remembered */
    }
  }, [storageKey]);
  const toggleSite = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setCollapsed(next);
    try {
      localStorage.setItem(`${storageKey}:collapsed`, JSON.stringify([...next]));
    } catch {
      /* not remembered */
    }
  };

  const topo = useQuery({
    queryKey: ["topology", jobs],
    queryFn: () => firstAnswer(jobs) ?? apiFetch<TopologyView>(`/api/topology?jobs=${jobs}`),
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
  // Live state follows the poller's pushes (a summary event after every poll), not a timer.
  const { refetch } = topo;
  useReplicationTicks(() => void refetch(), { minGapMs: 2000 });
  const data = topo.data;
  const byId = useMemo(() => new Map((data?.nodes ?? []).map((n) => [n.id, n])), [data]);
  const selected = selectedId ? byId.get(selectedId) ?? null : null;

  const gesture = useMutation({
    mutationFn: async (g: Gesture) => {
      if (g.type === "add-storage") {
        return editPool(g.pool.dbId, (body, record) => {
          body.storageIds = [...(record.storageIds ?? []), g.storage.dbId];
        });
      }
      return editPool(g.pool.dbId, (body) => {
        body.nextPoolId = g.next.dbId;
      });
    },
    onMutate: () => setNotice(null),
    onSuccess: (_r, g) => {
      setNotice(`${describe(g)}: saved.`);
      void qc.invalidateQueries({ queryKey: ["topology"] });
      void qc.invalidateQueries({ queryKey: ["options"] });
      void qc.invalidateQueries({ queryKey: ["list"] });
    },
  });
  const run = useCallback((g: Gesture) => gesture.mutate(g), [gesture]);

  const onSelect = useCallback((id: string | null, viaKeyboard: boolean) => {
    setSelectedId(id);
    if (id && viaKeyboard) setFocusPanel((n) => n + 1);
  }, []);
  const onReady = useCallback(() => setReady(true), []);
  const registerHandle = useCallback((h: GraphHandle) => {
    handle.current = h;
  }, []);

  const pick = (id: string) => {
    if (!id) return;
    const n = byId.get(id);
    if (n && collapsed.has(n.siteId)) toggleSite(n.siteId);
    setSelectedId(id);
    setTimeout(() => handle.current?.focusNode(id), 0);
    setFocusPanel((k) => k + 1);
  };

  const sortedNodes = useMemo(() => [...(data?.nodes ?? [])].sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name)), [data]);

  return (
    <>
      <PageTitle subtitle="Sites, Directors, Storage Daemons, Storages, Pools, Jobs and the catalog: what uses what, where configs and WAL go, with replication, drift and roles live.">
        Topology map
      </PageTitle>

      {topo.error && <Alert>{errorText(topo.error, { lead: "Cannot load the map" })}</Alert>}

      <ReadinessStrip />

      {data && (
        <section aria-labelledby="links-title" className="mb-3">
          <h2 id="links-title" className="sr-only">Catalog replication links</h2>
          {data.links.length === 0 && <p className="text-sm text-slate-600">No catalog cluster with a standby.</p>}
          <ul className="flex flex-wrap gap-2" data-testid="catalog-links">
            {data.links.map((l) => (
              <li
                key={l.edgeId}
                data-testid={`link-${l.clusterName}-${l.to}`}
                data-state={l.state}
                data-health={l.health}
                className={`rounded-md border px-2 py-1 text-sm ${l.health === "ok" ? "border-emerald-300 bg-emerald-50" : l.health === "warn" ? "border-amber-300 bg-amber-50" : l.health === "critical" ? "border-red-300 bg-red-50" : "border-slate-300 bg-slate-50"}`}
              >
                <Badge tone={HEALTH_TONE[l.health]}>{l.health}</Badge> <strong>{l.clusterName}</strong>: {l.from} → {l.to} —{" "}
                <span data-testid="link-why">{l.why}</span>
              </li>
            ))}
          </ul>
        </section>
      )}

      <div className="mb-2 flex flex-wrap items-end gap-3 text-sm">
        <div>
          <label htmlFor="topo-find" className="block text-xs font-medium text-slate-700">Find a node</label>
          <select id="topo-find" className={`${inputClass} w-64`} value="" onChange={(e) => pick(e.target.value)}>
            <option value="">(choose to select and center it)</option>
            {sortedNodes.map((n) => (
              <option key={n.id} value={n.id}>{KIND_LABEL[n.kind]}: {n.name}{n.directorName ? ` (${n.directorName})` : ""}</option>
            ))}
          </select>
        </div>
        {data && (
          <label className="flex items-center gap-1">
            <input type="checkbox" checked={data.jobsShown} onChange={(e) => setJobs(e.target.checked ? "all" : "none")} />
            Show jobs ({data.jobCount})
          </label>
        )}
        {data && (
          <fieldset className="flex flex-wrap items-center gap-2">
            <legend className="sr-only">Collapse sites</legend>
            {data.sites.map((s) => (
              <label key={s.id} className="flex items-center gap-1">
                <input type="checkbox" checked={collapsed.has(s.id)} onChange={() => toggleSite(s.id)} />
                collapse {s.label}
              </label>
            ))}
          </fieldset>
        )}
      </div>

      {gesture.isPending && <Alert kind="info">Saving…</Alert>}
      {gesture.error && <GestureError error={gesture.error} gesture={gesture.variables} />}
      {notice && !gesture.error && <Alert kind="success">{notice}</Alert>}

      <div className="flex gap-3">
        <div
          className="h-[78vh] min-h-[480px] min-w-0 flex-1 rounded-md border border-slate-200 bg-white"
          data-testid="topology"
          data-ready={ready && data ? "yes" : "no"}
          data-nodes={data?.nodes.length ?? 0}
          data-edges={data?.edges.length ?? 0}
        >
          {data && (
            <ReactFlowProvider>
              <TopologyGraph
                data={data}
                collapsed={collapsed}
                selectedId={selectedId}
                canEdit={canEdit}
                storageKey={`${storageKey}:viewport`}
                onSelect={onSelect}
                onDropStorage={(storage, pool) => run({ type: "add-storage", storage, pool })}
                onConnectPools={(pool, next) => run({ type: "next-pool", pool, next })}
                onReady={onReady}
                registerHandle={registerHandle}
              />
            </ReactFlowProvider>
          )}
          {!data && !topo.error && <p className="p-4 text-sm text-slate-600">Loading the topology…</p>}
        </div>
        <aside className="w-80 shrink-0" aria-label="Selected node">
          {selected && data ? (
            <NodePanel key={selected.id} node={selected} data={data} canEdit={canEdit} isAdmin={isAdmin} focusSignal={focusPanel} onGesture={run} busy={gesture.isPending} />
          ) : (
            <div className="rounded-md border border-dashed border-slate-300 p-3 text-sm text-slate-600">
              <p>Select a node (click it, or focus it with Tab and press Enter) to see what you can do with it.</p>
              {canEdit && (
                <p className="mt-2">
                  Drag a Storage onto a Pool to add it to the Pool’s storage group; drag from a Pool’s right handle to another Pool to make it the Next Pool (a copy hop).
                </p>
              )}
              <Legend />
            </div>
          )}
        </aside>
      </div>
      {data && <TextView data={data} />}
    </>
  );
}

function GestureError({ error, gesture }: { error: unknown; gesture: Gesture | undefined }) {
  const e = error as ApiError | Error;
  // A stale save (409) is said in the server's sentence: someone saved the Pool since the map read it.
  const fields = e instanceof ApiError ? e.fields.filter((f) => f.rule !== "stale") : [];
  return (
    <Alert>
      <p className="font-medium">{gesture ? describe(gesture) : "The change"} was refused{e instanceof ApiError ? ` (HTTP ${e.status})` : ""}:</p>
      {fields.length > 0 ? (
        <ul className="mt-1 list-disc pl-5" data-testid="gesture-errors">
          {fields.map((f, i) => (
            <li key={i} data-field={f.field} data-rule={f.rule}>
              {problemText(f)}
            </li>
          ))}
        </ul>
      ) : (
        <p>{e.message}</p>
      )}
    </Alert>
  );
}

function Legend() {
  const items: Array<[string, string, string?]> = [
    ["uses (Pool/Job → Storage)", "#b45309"],
    ["uses (Storage → Storage Daemon)", "#64748b", "4 3"],
    ["Next Pool (copy hop)", "#047857", "7 4"],
    ["Job → Pool", "#1f5fbf"],
    ["clone (Run =)", "#c026d3"],
    ["config replicated to", "#7c3aed", "8 4"],
    ["streams to (colour = health)", "#059669"],
  ];
  return (
    <ul className="mt-3 space-y-1 text-xs text-slate-700" aria-label="Legend">
      {items.map(([label, color, dash]) => (
        <li key={label} className="flex items-center gap-2">
          <svg width="36" height="8" aria-hidden="true"><line x1="0" y1="4" x2="36" y2="4" stroke={color} strokeWidth="2.5" strokeDasharray={dash} /></svg>
          {label}
        </li>
      ))}
    </ul>
  );
}

function NodePanel({ node, data, canEdit, isAdmin, focusSignal, onGesture, busy }: {
  node: LaidOutNode;
  data: TopologyView;
  canEdit: boolean;
  isAdmin: boolean;
  focusSignal: number;
  onGesture(g: Gesture): void;
  busy: boolean;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current && focusSignal === 0) return;
    first.current = false;
    heading.current?.focus();
  }, [focusSignal]);
  const [target, setTarget] = useState("");
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const pools = data.nodes.filter((n) => n.kind === "pool" && n.directorId === node.directorId && n.id !== node.id).sort((a, b) => a.name.localeCompare(b.name));
  const editKind: Record<LaidOutNode["kind"], string> = { director: "directors", sd: "storage-daemons", storage: "storages", pool: "pools", job: "jobs", member: "catalog-members" };
  const actions: Array<{ href: string; label: string }> = [{ href: `/inventory/${editKind[node.kind]}/${node.dbId}`, label: `Edit ${KIND_LABEL[node.kind]} ${node.name}` }];
  if (node.kind === "director") actions.push({ href: `/deploy?target=director:${node.dbId}`, label: `Deploy ${node.name}` });
  if (node.kind === "sd") actions.push({ href: `/deploy?target=storage-daemon:${node.dbId}`, label: `Deploy ${node.name}` });
  if (node.kind === "pool") actions.push({ href: `/builder/chains?director=${node.directorId}&pool=${encodeURIComponent(node.name)}`, label: `Chain builder from ${node.name}` });
  if (node.kind === "job") {
    const isBackup = node.jobType === "Backup";
    const source = data.edges.find((e) => e.kind === "job-pool" && e.source === node.id);
    const pool = source ? byId.get(source.target) : undefined;
    if (isBackup) actions.push({ href: `/builder/chains?director=${node.directorId}&job=${encodeURIComponent(node.name)}`, label: `Chain builder from ${node.name}` });
    else if (pool) actions.push({ href: `/builder/chains?director=${node.directorId}&pool=${encodeURIComponent(pool.name)}`, label: `Chain builder from ${pool.name}` });
  }
  if (node.kind === "member") {
    actions.push({ href: `/replication/${node.clusterId}`, label: `Replication of ${node.clusterName}` });
    if (isAdmin && (node.liveRole ?? node.memberRole) === "standby") actions.push({ href: `/failover/${node.clusterId}`, label: `Promote ${node.name}…` });
  }
  const inEdges = data.edges.filter((e) => e.target === node.id);
  const outEdges = data.edges.filter((e) => e.source === node.id);
  const name = (id: string) => byId.get(id)?.name ?? id;

  return (
    <div className="rounded-md border border-slate-200 bg-white p-3 text-sm shadow-sm" data-testid="node-panel" data-node={node.id}>
      <p className="text-xs uppercase tracking-wide text-slate-500">{KIND_LABEL[node.kind]}</p>
      <h2 ref={heading} tabIndex={-1} className="text-lg font-semibold text-slate-900 focus:outline-2">{node.name}</h2>
      {node.detail && <p className="text-slate-600">{node.detail}</p>}
      {node.drift && <p className="mt-1">Deploy: <strong data-testid="panel-drift">{node.drift.text}</strong>{node.drift.lastDeployAt ? `, last ${new Date(node.drift.lastDeployAt).toLocaleString()}` : ""}{node.drift.problems ? ` · ${node.drift.problems} problem(s)` : ""}</p>}
      {node.kind === "member" && <p className="mt-1">Live: {node.liveRole} · {node.state} · health {node.health}</p>}
      {(node.storageIds?.length ?? 0) > 0 && (
        <div className="mt-2">
          <p className="font-medium">Storage group{node.groupLabel ? ` (${node.groupLabel})` : ""}</p>
          <ol className="list-decimal pl-5" data-testid="panel-group">
            {node.storageIds!.map((sid) => <li key={sid}>{name(`storage:${sid}`)}</li>)}
          </ol>
        </div>
      )}
      {node.kind === "sd" && (
        <div className="mt-2">
          <p className="font-medium">Devices</p>
          <ul className="list-disc pl-5">
            {(node.devices ?? []).map((d) => (
              <li key={d.id}><Link className="text-brand-700 underline" href={`/inventory/devices/${d.id}`}>{d.name}</Link> ({d.deviceType}, {d.mediaType})</li>
            ))}
          </ul>
        </div>
      )}
      <ul className="mt-3 space-y-1" aria-label="Actions">
        {actions.map((a) => (
          <li key={a.href}><Link className="text-brand-700 underline" href={a.href}>{a.label}</Link></li>
        ))}
      </ul>
      {canEdit && node.kind === "storage" && (
        <form
          className="mt-3 space-y-1"
          onSubmit={(e) => {
            e.preventDefault();
            const pool = byId.get(target);
            if (pool) onGesture({ type: "add-storage", pool, storage: node });
          }}
        >
          <label htmlFor="panel-pool" className="block text-xs font-medium">Add to the storage group of</label>
          <select id="panel-pool" className={inputClass} value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">(choose a Pool)</option>
            {pools.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
          <Button type="submit" disabled={!target || busy}>Add to group</Button>
        </form>
      )}
      {canEdit && node.kind === "pool" && (
        <form
          className="mt-3 space-y-1"
          onSubmit={(e) => {
            e.preventDefault();
            const next = byId.get(target);
            if (next) onGesture({ type: "next-pool", pool: node, next });
          }}
        >
          <label htmlFor="panel-next" className="block text-xs font-medium">Copy hop: set the Next Pool to</label>
          <select id="panel-next" className={inputClass} value={target} onChange={(e) => setTarget(e.target.value)}>
            <option value="">(choose a Pool)</option>
            {pools.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
          <Button type="submit" disabled={!target || busy}>Set Next Pool</Button>
        </form>
      )}
      {(inEdges.length > 0 || outEdges.length > 0) && (
        <div className="mt-3">
          <p className="font-medium">Links</p>
          <ul className="list-disc pl-5 text-xs text-slate-700">
            {outEdges.map((e) => <li key={e.id}>{e.label} → {name(e.target)}{e.live ? ` (${e.live.why})` : ""}</li>)}
            {inEdges.map((e) => <li key={e.id}>{name(e.source)} → {e.label}{e.live ? ` (${e.live.why})` : ""}</li>)}
          </ul>
        </div>
      )}
    </div>
  );
}

function TextView({ data }: { data: TopologyView }) {
  const [open, setOpen] = useState(false);
  const name = new Map(data.nodes.map((n) => [n.id, n.name]));
  return (
    <details className="mt-3 text-sm" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary className="cursor-pointer text-slate-700">The picture as text ({data.nodes.length} nodes, {data.edges.length} links)</summary>
      {open && (
        <div className="mt-2 grid gap-4 md:grid-cols-2">
          {data.sites.map((s) => (
            <section key={s.id}>
              <h3 className="font-medium">{s.label}</h3>
              <ul className="list-disc pl-5">
                {data.nodes.filter((n) => n.siteId === s.id).map((n) => (
                  <li key={n.id}>{KIND_LABEL[n.kind]} {n.name}{n.detail ? ` — ${n.detail}` : ""}</li>
                ))}
              </ul>
            </section>
          ))}
          <section className="md:col-span-2">
            <h3 className="font-medium">Links</h3>
            <ul className="list-disc pl-5" data-testid="text-edges">
              {data.edges.map((e) => <li key={e.id}>{name.get(e.source)} — {e.label} → {name.get(e.target)}</li>)}
            </ul>
          </section>
        </div>
      )}
    </details>
  );
}
