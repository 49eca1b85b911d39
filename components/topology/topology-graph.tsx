"use client";

import "@xyflow/react/dist/style.css";
import {
  applyNodeChanges,
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  useReactFlow,
  ViewportPortal,
  type Connection,
  type Edge,
  type Node,
  type NodeChange,
  type NodeProps,
  type Viewport,
} from "@xyflow/react";
import { createContext, memo, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import { shortStateLabel } from "@/lib/replication/view";
import { placeSites } from "@/lib/topology/place";
import type { DriftBadge, Health, LaidOutNode, TopoEdge, TopologyView, TopoNodeKind, TopoSite } from "@/lib/topology/types";

export const KIND_LABEL: Record<TopoNodeKind, string> = {
  director: "Director",
  sd: "Storage Daemon",
  storage: "Storage",
  pool: "Pool",
  job: "Job",
  member: "Catalog member",
};

const KIND_STYLE: Record<TopoNodeKind, string> = {
  director: "border-brand-600 bg-brand-50",
  sd: "border-slate-500 bg-slate-100",
  storage: "border-amber-500 bg-amber-50",
  pool: "border-emerald-600 bg-emerald-50",
  job: "border-violet-500 bg-violet-50",
  member: "border-sky-600 bg-sky-50",
};

const HEALTH_COLOR: Record<Health, string> = { ok: "#059669", warn: "#d97706", critical: "#dc2626", unknown: "#94a3b8" };

const DRIFT_TONE: Record<DriftBadge, string> = {
  in_sync: "bg-emerald-100 text-emerald-800",
  model_changed: "bg-amber-100 text-amber-900",
  live_changed: "bg-red-100 text-red-800",
  never_deployed: "bg-slate-200 text-slate-700",
  unknown: "bg-slate-200 text-slate-700",
  not_deployed: "bg-slate-100 text-slate-500",
};

export function nodeAria(n: LaidOutNode): string {
  const parts = [`${KIND_LABEL[n.kind]} ${n.name}`];
  if (n.kind === "director") parts.push(n.role === "primary" && n.active ? "active primary" : String(n.detail ?? n.role));
  else if (n.detail) parts.push(n.detail);
  if (n.groupLabel) parts.push(`storage group ${n.groupLabel}`);
  if (n.drift) parts.push(`deploy: ${n.drift.text}`);
  if (n.kind === "member") parts.push(`${n.liveRole ?? n.memberRole}, ${n.state ?? "pending"}`);
  return parts.join(", ");
}

type Lod = "low" | "mid" | "high";
const LodContext = createContext<Lod>("high");

type TopoData = { n: LaidOutNode; drop: boolean; connectable: boolean } & Record<string, unknown>;
type SiteData = { site: TopoSite; collapsed: boolean } & Record<string, unknown>;

const hiddenHandle = "!h-2 !w-2 !min-h-0 !min-w-0 !border-0 !bg-transparent";

const TopoNodeView = memo(function TopoNodeView({ data }: NodeProps<Node<TopoData>>) {
  const { n, drop, connectable } = data;
  const lod = useContext(LodContext);
  const activeDirector = n.kind === "director" && n.role === "primary" && n.active;
  const handles = connectable ? "!h-3 !w-3 !bg-emerald-600" : hiddenHandle;
  if (lod !== "high") {
    // Far away: the name only (mid) or a coloured block (low); badges as a coloured edge.
    return (
      <div
        className={`topo-card h-full w-full overflow-hidden rounded-md border-2 px-2 ${KIND_STYLE[n.kind]} ${drop ? "ring-4 ring-emerald-400" : ""} ${activeDirector ? "border-[4px]" : ""}`}
        data-kind={n.kind}
        data-drift={n.drift?.state}
        data-active={n.kind === "director" ? (activeDirector ? "yes" : "no") : undefined}
        data-state={n.state}
        style={n.kind === "member" ? { borderColor: HEALTH_COLOR[n.health ?? "unknown"] } : undefined}
      >
        <Handle type="target" position={Position.Left} isConnectable={connectable} className={handles} />
        {lod === "mid" && <div className="topo-name truncate pt-2 text-[22px] font-semibold leading-tight text-slate-900">{n.name}</div>}
        <Handle type="source" position={Position.Right} isConnectable={connectable} className={handles} />
      </div>
    );
  }
  return (
    <div
      className={`topo-card h-full w-full overflow-hidden rounded-md border-2 px-2 py-1 text-xs shadow-sm ${KIND_STYLE[n.kind]} ${drop ? "ring-4 ring-emerald-400" : ""} ${activeDirector ? "border-[3px]" : ""}`}
      data-kind={n.kind}
      data-drift={n.drift?.state}
      data-active={n.kind === "director" ? (activeDirector ? "yes" : "no") : undefined}
      data-state={n.state}
    >
      <Handle type="target" position={Position.Left} isConnectable={connectable} className={connectable ? "!h-3 !w-3 !bg-emerald-600" : hiddenHandle} />
      <div className="topo-detail flex items-center justify-between gap-1 text-[10px] uppercase tracking-wide text-slate-600">
        <span>{KIND_LABEL[n.kind]}</span>
        <span className="flex gap-1 normal-case tracking-normal">
          {n.kind === "director" && (
            <span className={`rounded px-1 font-semibold ${activeDirector ? "bg-brand-600 text-white" : "bg-white text-slate-700"}`}>
              {activeDirector ? "active" : n.role === "standby" ? "standby" : n.active ? n.role : "inactive"}
            </span>
          )}
          {n.drift && <span className={`rounded px-1 ${DRIFT_TONE[n.drift.state]}`} title={`deploy: ${n.drift.text}`}>{n.drift.text}</span>}
          {n.kind === "member" && (
            <span className="rounded px-1 font-semibold text-white" style={{ background: HEALTH_COLOR[n.health ?? "unknown"] }}>
              {n.liveRole ?? n.memberRole} · {shortStateLabel(String(n.state ?? "pending"))}
            </span>
          )}
        </span>
      </div>
      <div className="topo-name truncate text-sm font-semibold text-slate-900" title={n.name}>{n.name}</div>
      {n.detail && <div className="topo-detail truncate text-[10px] text-slate-600">{n.detail}</div>}
      {n.groupLabel && (n.storageIds?.length ?? 0) > 1 && (
        <div className="topo-detail mt-0.5 truncate rounded bg-white/70 px-1 text-[10px] font-medium text-amber-900" data-testid="group-label">
          group: {n.groupLabel}
        </div>
      )}
      {n.kind === "sd" && (
        <ul className="topo-detail mt-0.5 space-y-0 text-[10px] text-slate-700">
          {(n.devices ?? []).slice(0, 6).map((d) => (
            <li key={d.id} className="truncate">▪ {d.name} <span className="text-slate-500">({d.deviceType}, {d.mediaType})</span></li>
          ))}
          {(n.devices?.length ?? 0) > 6 && <li className="text-slate-500">+ {(n.devices?.length ?? 0) - 6} more devices</li>}
        </ul>
      )}
      <Handle type="source" position={Position.Right} isConnectable={connectable} className={connectable ? "!h-3 !w-3 !bg-emerald-600" : hiddenHandle} />
    </div>
  );
});

const SiteNodeView = memo(function SiteNodeView({ data }: NodeProps<Node<SiteData>>) {
  const { site, collapsed } = data;
  const lod = useContext(LodContext);
  const counts = siteCounts(site);
  return (
    <div className={`h-full w-full rounded-xl border-2 ${site.kind === "catalog" ? "border-sky-300 bg-sky-50/40" : "border-slate-300 bg-slate-50/60"}`} data-site={site.id}>
      <Handle type="target" position={Position.Left} isConnectable={false} className={hiddenHandle} />
      {(lod !== "low" || collapsed) && (
        <div className={`topo-site-title px-3 pt-2 font-semibold text-slate-700 ${lod === "high" || collapsed ? "text-sm" : "text-[24px]"}`}>
          {site.kind === "catalog" ? "Catalog lane" : site.kind === "none" ? "No site" : `Site ${site.label}`}
          {collapsed && <span className="ml-2 font-normal text-slate-500">(collapsed)</span>}
        </div>
      )}
      {collapsed && <div className="px-3 text-xs text-slate-600">{counts}</div>}
      <Handle type="source" position={Position.Right} isConnectable={false} className={hiddenHandle} />
    </div>
  );
});

const nodeTypes = { topo: TopoNodeView, site: SiteNodeView };

function siteCounts(site: TopoSite): string {
  return Object.entries(site.counts)
    .map(([k, v]) => `${v} ${KIND_LABEL[k as TopoNodeKind]}${v === 1 ? "" : "s"}`)
    .join(", ");
}

/** Far away, each site's name and counts float above its nodes, sized to stay readable. */
function SiteOverlays({ sites, collapsed }: { sites: TopoSite[]; collapsed: ReadonlySet<string> }) {
  const places = placeSites(sites, collapsed);
  return (
    <ViewportPortal>
      {sites
        .filter((s) => !collapsed.has(s.id))
        .map((s) => {
          const p = places[s.id];
          return (
            <div
              key={s.id}
              className="topo-site-overlay pointer-events-none absolute rounded-lg bg-white/85 px-2 text-center text-slate-900 shadow"
              style={{ left: p.x + p.width * 0.1, top: p.y + Math.min(p.height * 0.3, 600), width: p.width * 0.8 }}
              data-site-overlay={s.id}
            >
              <div className="font-bold">{s.kind === "catalog" ? "Catalog lane" : s.kind === "none" ? "No site" : `Site ${s.label}`}</div>
              <div className="topo-site-overlay-counts">{siteCounts(s)}</div>
            </div>
          );
        })}
    </ViewportPortal>
  );
}

const EDGE_STYLE: Record<string, { stroke: string; dash?: string; width?: number }> = {
  "uses-group": { stroke: "#b45309", width: 1.6 },
  "uses-sd": { stroke: "#64748b", dash: "4 3", width: 1.2 },
  "next-pool": { stroke: "#047857", dash: "7 4", width: 2 },
  "job-pool": { stroke: "#1f5fbf", width: 1.4 },
  clone: { stroke: "#c026d3", width: 1.6 },
  "config-replicated": { stroke: "#7c3aed", dash: "8 4", width: 2.2 },
};

function edgeStyleKey(e: TopoEdge): string {
  if (e.kind === "uses") return e.source.startsWith("storage:") ? "uses-sd" : "uses-group";
  return e.kind;
}

export interface GraphHandle {
  focusNode(id: string): void;
}

interface Props {
  data: TopologyView;
  collapsed: ReadonlySet<string>;
  selectedId: string | null;
  canEdit: boolean;
  storageKey: string;
  onSelect(id: string | null, viaKeyboard: boolean): void;
  onDropStorage(storage: LaidOutNode, pool: LaidOutNode): void;
  onConnectPools(source: LaidOutNode, target: LaidOutNode): void;
  onReady(): void;
  registerHandle(h: GraphHandle): void;
}

const lodFor = (zoom: number): Lod => (zoom < 0.3 ? "low" : zoom < 0.5 ? "mid" : "high");

/** The React Flow picture; the page around it holds the data, the panel and the gestures' results. */
export function TopologyGraph({ data, collapsed, selectedId, canEdit, storageKey, onSelect, onDropStorage, onConnectPools, onReady, registerHandle }: Props) {
  const rf = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const [lod, setLod] = useState<Lod>(() => {
    // The first render already has the detail the fitted view will need (no second pass).
    const places = placeSites(data.sites, collapsed);
    let w = 0;
    let h = 0;
    for (const p of Object.values(places)) {
      w = Math.max(w, p.x + p.width);
      h = Math.max(h, p.y + p.height);
    }
    const el = typeof document !== "undefined" ? document.querySelector('[data-testid="topology"]') : null;
    const cw = el?.clientWidth ?? 1200;
    const ch = el?.clientHeight ?? 700;
    let zoom = Math.min(cw / Math.max(w, 1), ch / Math.max(h, 1));
    try {
      const raw = localStorage.getItem(storageKey);
      if (raw) zoom = (JSON.parse(raw) as Viewport).zoom ?? zoom;
    } catch {
      /* fitted */
    }
    return lodFor(zoom);
  });
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const byId = useMemo(() => new Map(data.nodes.map((n) => [n.id, n])), [data.nodes]);
  const cacheRef = useRef(new Map<string, { key: string; node: Node }>());

  // Site boxes and the nodes in them. Children keep their object identity across refreshes when
  // nothing about them changed, so a live refresh re-renders only what changed.
  const baseNodes = useMemo(() => {
    const places = placeSites(data.sites, collapsed);
    const out: Node[] = [];
    const prev = cacheRef.current;
    const next = new Map<string, { key: string; node: Node }>();
    const keep = (id: string, key: string, make: () => Node) => {
      const hit = prev.get(id);
      const node = hit && hit.key === key ? hit.node : make();
      next.set(id, { key, node });
      out.push(node);
    };
    for (const s of data.sites) {
      const p = places[s.id];
      const isCollapsed = collapsed.has(s.id);
      keep(`site-box:${s.id}`, JSON.stringify([s, p, isCollapsed]), () => ({
        id: `site-box:${s.id}`,
        type: "site",
        position: { x: p.x, y: p.y },
        data: { site: s, collapsed: isCollapsed },
        style: { width: p.width, height: p.height },
        width: p.width,
        height: p.height,
        selectable: false,
        draggable: false,
        focusable: false,
        connectable: false,
        zIndex: -1,
        ariaLabel: `${s.label} group`,
      }));
    }
    for (const n of data.nodes) {
      if (collapsed.has(n.siteId)) continue;
      const connectable = canEdit && n.kind === "pool";
      keep(n.id, JSON.stringify([n, connectable]), () => ({
        id: n.id,
        type: "topo",
        parentId: `site-box:${n.siteId}`,
        position: { x: n.x, y: n.y },
        width: n.width,
        height: n.height,
        data: { n, drop: false, connectable },
        draggable: canEdit && n.kind === "storage",
        connectable,
        ariaLabel: nodeAria(n),
        domAttributes: { "data-kind": n.kind } as Record<string, string>,
      }));
    }
    cacheRef.current = next;
    return out;
  }, [data, collapsed, canEdit]);

  const [nodes, setNodes] = useState<Node[]>(baseNodes);
  useEffect(() => setNodes(baseNodes), [baseNodes]);
  const shown = useMemo(
    () =>
      nodes.map((n) => {
        const sel = n.id === selectedId;
        const drop = n.id === dropTarget;
        if (!sel && !drop && !n.selected) return n;
        return { ...n, selected: sel, data: drop ? { ...(n.data as TopoData), drop: true } : n.data };
      }),
    [nodes, selectedId, dropTarget],
  );
  const onNodesChange = useCallback((changes: NodeChange[]) => {
    const relevant = changes.filter((c) => c.type === "position" || c.type === "dimensions");
    if (relevant.length) setNodes((ns) => applyNodeChanges(relevant, ns));
  }, []);

  const edges = useMemo(() => {
    const siteOf = (id: string) => byId.get(id)?.siteId ?? "";
    const endpoint = (id: string) => (collapsed.has(siteOf(id)) ? `site-box:${siteOf(id)}` : id);
    const out: Edge[] = [];
    const seen = new Set<string>();
    for (const e of data.edges) {
      const source = endpoint(e.source);
      const target = endpoint(e.target);
      if (source === target) continue;
      const folded = source !== e.source || target !== e.target;
      const id = folded ? `${e.kind}:${source}->${target}` : e.id;
      if (seen.has(id)) continue;
      seen.add(id);
      const live = e.live;
      const s = live ? { stroke: HEALTH_COLOR[live.health], dash: live.state === "paused" || live.state === "disconnected" ? "6 4" : undefined, width: 3.5 } : EDGE_STYLE[edgeStyleKey(e)];
      const label = live ? e.label : folded || lod !== "high" ? undefined : e.label;
      out.push({
        id,
        source,
        target,
        label,
        className: `topo-edge topo-edge-${e.kind}${live ? ` topo-live health-${live.health} state-${live.state}` : ""}`,
        animated: Boolean(live && live.health === "ok" && live.state !== "pending"),
        style: { stroke: s.stroke, strokeWidth: s.width ?? 1.5, strokeDasharray: s.dash },
        labelStyle: { fontSize: live ? 12 : 10, fill: live ? HEALTH_COLOR[live.health] : "#334155", fontWeight: live ? 700 : 400 },
        labelBgStyle: { fill: "#ffffff", fillOpacity: 0.9 },
        markerEnd: { type: MarkerType.ArrowClosed, color: s.stroke },
        zIndex: live ? 5 : 0,
        focusable: false,
        ariaLabel: `${byId.get(e.source)?.name ?? e.source} ${e.label} ${byId.get(e.target)?.name ?? e.target}`,
        domAttributes: { "data-kind": e.kind, ...(live ? { "data-state": live.state, "data-health": live.health } : {}) } as Record<string, string>,
      });
    }
    return out;
  }, [data.edges, byId, collapsed, lod]);

  // Viewport: remembered per user (localStorage), else fit the whole picture.
  const restored = useRef(false);
  const onInit = useCallback(() => {
    let vp: Viewport | null = null;
    try {
      const raw = localStorage.getItem(storageKey);
      if (raw) vp = JSON.parse(raw) as Viewport;
    } catch {
      vp = null;
    }
    const settle = () => {
      const zoom = rf.getZoom();
      setLod(lodFor(zoom));
      wrapper.current?.style.setProperty("--topo-inv-zoom", String(Math.min(8, 1 / zoom)));
      restored.current = true;
      onReady();
    };
    if (vp && Number.isFinite(vp.x) && Number.isFinite(vp.y) && Number.isFinite(vp.zoom)) void rf.setViewport(vp).then(settle);
    else void rf.fitView({ padding: 0.05 }).then(settle);
  }, [rf, storageKey, onReady]);

  useEffect(() => {
    registerHandle({
      focusNode(id) {
        const n = rf.getInternalNode(id);
        if (!n) return;
        const p = n.internals.positionAbsolute;
        void rf.setCenter(p.x + (n.measured.width ?? 200) / 2, p.y + (n.measured.height ?? 60) / 2, { zoom: Math.max(rf.getZoom(), 1), duration: 0 });
        setLod("high");
      },
    });
  }, [rf, registerHandle]);

  const poolUnder = useCallback(
    (node: Node) => {
      const hits = rf.getIntersectingNodes(node).filter((h) => byId.get(h.id)?.kind === "pool");
      return hits.length ? hits[hits.length - 1].id : null;
    },
    [rf, byId],
  );

  return (
    <div
      ref={wrapper}
      className={`topology-flow h-full w-full topo-lod-${lod}`}
      data-lod={lod}
      onKeyDown={(e) => {
        const el = (e.target as HTMLElement).closest(".react-flow__node");
        if (!el || (e.key !== "Enter" && e.key !== " ")) return;
        const id = el.getAttribute("data-id");
        if (id && byId.has(id)) onSelect(id, true);
      }}
    >
      <style>{`
        .topology-flow .topo-site-overlay { font-size: calc(18px * var(--topo-inv-zoom, 4)); line-height: 1.15; }
        .topology-flow .topo-site-overlay-counts { font-size: 0.6em; font-weight: 400; }
        .topology-flow .react-flow__node:focus-visible .topo-card { outline: 3px solid #1f5fbf; outline-offset: 2px; }
        .topology-flow .react-flow__node.selected .topo-card { outline: 3px solid #0f172a; outline-offset: 2px; }
      `}</style>
      <LodContext.Provider value={lod}>
      <ReactFlow
        nodes={shown}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onInit={onInit}
        onMove={(_e, vp) => {
          const next = lodFor(vp.zoom);
          if (next !== lod) setLod(next);
          wrapper.current?.style.setProperty("--topo-inv-zoom", String(Math.min(8, 1 / vp.zoom)));
        }}
        onMoveEnd={(_e, vp) => {
          if (!restored.current) return;
          try {
            localStorage.setItem(storageKey, JSON.stringify(vp));
          } catch {
            /* storage full or denied: the view is just not remembered */
          }
        }}
        onNodeClick={(_e, n) => byId.has(n.id) && onSelect(n.id, false)}
        onPaneClick={() => onSelect(null, false)}
        onNodeDrag={(_e, n) => {
          const t = poolUnder(n);
          if (t !== dropTarget) setDropTarget(t);
        }}
        onNodeDragStop={(_e, n) => {
          const t = poolUnder(n);
          setDropTarget(null);
          setNodes(baseNodes); // the storage goes back to its place; the model decides the rest
          const storage = byId.get(n.id);
          const pool = t ? byId.get(t) : undefined;
          if (storage && pool) onDropStorage(storage, pool);
        }}
        isValidConnection={(c) => byId.get(c.source)?.kind === "pool" && byId.get(c.target)?.kind === "pool" && c.source !== c.target}
        onConnect={(c: Connection) => {
          const s = byId.get(c.source);
          const t = byId.get(c.target);
          if (s && t) onConnectPools(s, t);
        }}
        nodesConnectable={canEdit}
        nodesFocusable
        edgesFocusable={false}
        elementsSelectable
        selectNodesOnDrag={false}
        onlyRenderVisibleElements
        minZoom={0.05}
        maxZoom={2}
        proOptions={{ hideAttribution: true }}
        aria-label="Topology map"
      >
        {lod === "low" && <SiteOverlays sites={data.sites} collapsed={collapsed} />}
        <Background gap={24} />
        <Controls showInteractive={false} fitViewOptions={{ padding: 0.05 }} />
      </ReactFlow>
      </LodContext.Provider>
    </div>
  );
}
