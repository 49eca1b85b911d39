"use client";

import "@xyflow/react/dist/style.css";
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import { useEffect, useState } from "react";
import type { GraphEdgeData, GraphNodeData } from "./common";

const NODE_W = 180;
const NODE_H = 58;

const KIND_LABEL: Record<GraphNodeData["kind"], string> = {
  job: "Job",
  "copy-job": "Copy job",
  "clone-job": "Clone job",
  pool: "Pool",
  storage: "Storage",
  sd: "Storage Daemon",
};

const KIND_STYLE: Record<GraphNodeData["kind"], string> = {
  job: "border-brand-600 bg-brand-50",
  "copy-job": "border-violet-500 bg-violet-50",
  "clone-job": "border-fuchsia-500 bg-fuchsia-50",
  pool: "border-emerald-600 bg-emerald-50",
  storage: "border-amber-500 bg-amber-50",
  sd: "border-slate-500 bg-slate-100",
};

const EDGE_STYLE: Record<string, { stroke: string; dash?: string }> = {
  "writes-to": { stroke: "#1f5fbf" },
  storage: { stroke: "#b45309" },
  "on-sd": { stroke: "#64748b", dash: "4 3" },
  "next-pool": { stroke: "#047857", dash: "6 4" },
  "copy-reads": { stroke: "#7c3aed", dash: "2 3" },
  copy: { stroke: "#7c3aed" },
  clone: { stroke: "#c026d3" },
};

type FlowData = GraphNodeData & Record<string, unknown>;

function ChainNode({ data }: NodeProps<Node<FlowData>>) {
  return (
    <div className={`rounded-md border-2 px-2 py-1 text-xs shadow-sm ${KIND_STYLE[data.kind]} ${data.draft ? "border-dashed" : ""}`} style={{ width: NODE_W, height: NODE_H }}>
      <Handle type="target" position={Position.Left} className="!bg-slate-400" />
      <div className="flex items-center justify-between gap-1 text-[10px] uppercase tracking-wide text-slate-600">
        <span>{KIND_LABEL[data.kind]}</span>
        {data.draft && <span className="rounded bg-white px-1 font-semibold text-brand-700">draft</span>}
      </div>
      <div className="truncate text-sm font-semibold text-slate-900" title={data.label}>{data.label}</div>
      {data.detail && <div className="truncate text-[10px] text-slate-600">{data.detail}</div>}
      <Handle type="source" position={Position.Right} className="!bg-slate-400" />
    </div>
  );
}

const nodeTypes = { chain: ChainNode };

/** Layered left-to-right layout by elkjs; a plain column layout while it loads or if it fails. */
async function layout(nodes: GraphNodeData[], edges: GraphEdgeData[]): Promise<Record<string, { x: number; y: number }>> {
  const { default: ELK } = await import("elkjs/lib/elk.bundled.js");
  const elk = new ELK();
  const res = await elk.layout({
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.layered.spacing.nodeNodeBetweenLayers": "70",
      "elk.spacing.nodeNode": "28",
      "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
    },
    children: nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return Object.fromEntries((res.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

function simpleLayout(nodes: GraphNodeData[]): Record<string, { x: number; y: number }> {
  const cols: Record<string, number> = { job: 0, "clone-job": 0, "copy-job": 2, pool: 1, storage: 3, sd: 4 };
  const rows: Record<number, number> = {};
  return Object.fromEntries(
    nodes.map((n) => {
      const c = cols[n.kind] ?? 0;
      const r = (rows[c] = (rows[c] ?? -1) + 1);
      return [n.id, { x: c * (NODE_W + 60), y: r * (NODE_H + 30) }];
    }),
  );
}

export function ChainGraphView({ nodes, edges }: { nodes: GraphNodeData[]; edges: GraphEdgeData[] }) {
  const key = JSON.stringify([nodes.map((n) => n.id), edges.map((e) => e.id)]);
  const [positions, setPositions] = useState<Record<string, { x: number; y: number }>>(() => simpleLayout(nodes));
  const [laidOut, setLaidOut] = useState(false);
  useEffect(() => {
    let live = true;
    setLaidOut(false);
    layout(nodes, edges)
      .then((p) => live && (setPositions(p), setLaidOut(true)))
      .catch(() => live && (setPositions(simpleLayout(nodes)), setLaidOut(true)));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const flowNodes: Node<FlowData>[] = nodes.map((n) => ({
    id: n.id,
    type: "chain",
    position: positions[n.id] ?? { x: 0, y: 0 },
    data: { ...n },
    ariaLabel: `${KIND_LABEL[n.kind]} ${n.label}${n.detail ? `, ${n.detail}` : ""}${n.draft ? " (draft)" : ""}`,
    draggable: true,
    connectable: false,
  }));
  const label = (id: string) => nodes.find((n) => n.id === id)?.label ?? id;
  const flowEdges: Edge[] = edges.map((e) => {
    const s = EDGE_STYLE[e.kind] ?? { stroke: "#475569" };
    return {
      id: e.id,
      source: e.source,
      target: e.target,
      label: e.label,
      ariaLabel: `${label(e.source)} ${e.label} ${label(e.target)}`,
      style: { stroke: s.stroke, strokeWidth: 1.6, strokeDasharray: s.dash },
      labelStyle: { fontSize: 10, fill: "#334155" },
      markerEnd: { type: MarkerType.ArrowClosed, color: s.stroke },
      data: { kind: e.kind },
    };
  });

  return (
    <div className="space-y-2">
      <div className="h-[420px] rounded-md border border-slate-200 bg-white" data-testid="chain-graph" data-laid-out={laidOut ? "yes" : "no"}>
        <ReactFlow
          key={laidOut ? `elk-${key}` : `simple-${key}`}
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={{ padding: 0.15 }}
          minZoom={0.2}
          nodesConnectable={false}
          nodesDraggable={false}
          nodesFocusable
          edgesFocusable
          proOptions={{ hideAttribution: true }}
          aria-label="Chain graph"
        >
          <Background gap={18} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer text-slate-700">The graph as text</summary>
        <ul className="mt-1 list-disc pl-5" data-testid="chain-edges">
          {edges.map((e) => (
            <li key={e.id}>{label(e.source)} — {e.label} → {label(e.target)}</li>
          ))}
        </ul>
      </details>
    </div>
  );
}
