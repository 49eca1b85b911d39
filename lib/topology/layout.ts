/**
 * Positions for the topology picture, computed with elkjs (layered, left to right) once per site:
 * each site is its own box, its children positioned inside it. Deterministic: the same graph gives
 * the same positions (nodes and edges are fed in a fixed order; ELK has no randomness in the layered
 * algorithm). Results are cached by the graph's shape, so live-state refreshes do not lay out again,
 * and kept in a store (layout-store.ts: the database) so that a restart does not either.
 */
import type { ElkNode } from "elkjs/lib/elk-api";
import type { LaidOutNode, TopoEdge, TopoNode, TopoSite } from "./types";

export const SITE_HEADER = 40;
export const SITE_PAD = 20;

export function nodeSize(n: TopoNode): { width: number; height: number } {
  switch (n.kind) {
    case "director":
      return { width: 220, height: 70 };
    case "sd": {
      const shown = Math.min(n.devices?.length ?? 0, 6);
      const more = (n.devices?.length ?? 0) > 6 ? 1 : 0;
      return { width: 220, height: 54 + 16 * (shown + more) };
    }
    case "storage":
      return { width: 180, height: 54 };
    case "pool":
      return { width: 220, height: 74 };
    case "job":
      return { width: 200, height: 54 };
    case "member":
      return { width: 220, height: 70 };
  }
}

type ElkInstance = { layout(graph: ElkNode): Promise<ElkNode> };
let elkPromise: Promise<ElkInstance> | null = null;
async function elk(): Promise<ElkInstance> {
  if (!elkPromise) {
    elkPromise = import("elkjs/lib/elk.bundled.js").then((m) => {
      const ELK = (m as unknown as { default: new () => ElkInstance }).default;
      return new ELK();
    });
  }
  return elkPromise;
}

const LAYOUT_OPTIONS: Record<string, string> = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.layered.spacing.nodeNodeBetweenLayers": "90",
  "elk.spacing.nodeNode": "22",
  "elk.spacing.componentComponent": "30",
  "elk.layered.nodePlacement.strategy": "BRANDES_KOEPF",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.randomSeed": "1",
};

import type { LayoutStore, SiteLayout } from "./layout-store";

const CACHE_KEY = "__bhdTopologyLayoutCache";
type Cache = Map<string, Promise<Record<string, SiteLayout>>>;
function cache(): Cache {
  const g = globalThis as unknown as Record<string, Cache | undefined>;
  return (g[CACHE_KEY] ??= new Map());
}

function shapeKey(sites: Omit<TopoSite, "width" | "height">[], nodes: TopoNode[], edges: TopoEdge[]): string {
  const parts: string[] = [];
  for (const s of sites) parts.push(`S${s.id}`);
  for (const n of nodes) {
    const { width, height } = nodeSize(n);
    parts.push(`${n.id}@${n.siteId}:${width}x${height}`);
  }
  for (const e of edges) parts.push(e.id);
  return parts.join("|");
}

async function layoutSites(sites: Omit<TopoSite, "width" | "height">[], nodes: TopoNode[], edges: TopoEdge[]): Promise<Record<string, SiteLayout>> {
  const engine = await elk();
  const siteOf = new Map(nodes.map((n) => [n.id, n.siteId]));
  const out: Record<string, SiteLayout> = {};
  for (const site of sites) {
    const children = nodes.filter((n) => n.siteId === site.id).map((n) => ({ id: n.id, ...nodeSize(n) }));
    const inner = edges
      .filter((e) => siteOf.get(e.source) === site.id && siteOf.get(e.target) === site.id)
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] }));
    // One site at a time, with a turn of the event loop between sites for the requests waiting.
    if (out[sites[0].id]) await new Promise((r) => setImmediate(r));
    const res = await engine.layout({ id: site.id, layoutOptions: LAYOUT_OPTIONS, children, edges: inner });
    const positions: Record<string, { x: number; y: number }> = {};
    let w = 0;
    let h = 0;
    for (const c of res.children ?? []) {
      const x = Math.round(c.x ?? 0) + SITE_PAD;
      const y = Math.round(c.y ?? 0) + SITE_HEADER;
      positions[c.id] = { x, y };
      w = Math.max(w, x + (c.width ?? 0));
      h = Math.max(h, y + (c.height ?? 0));
    }
    out[site.id] = { width: Math.max(260, w + SITE_PAD), height: Math.max(120, h + SITE_PAD), positions };
  }
  return out;
}

/** The layout of a shape: from this process's cache, else the store (a layout from before a restart), else ELK (then stored). */
async function layoutOnce(key: string, sites: Omit<TopoSite, "width" | "height">[], nodes: TopoNode[], edges: TopoEdge[], store?: LayoutStore): Promise<Record<string, SiteLayout>> {
  const kept = await store?.load(key).catch(() => null);
  if (kept) return kept;
  const laid = await layoutSites(sites, nodes, edges);
  await store?.save(key, laid).catch(() => undefined);
  return laid;
}

export async function layoutTopology(
  sites: Omit<TopoSite, "width" | "height">[],
  nodes: TopoNode[],
  edges: TopoEdge[],
  store?: LayoutStore,
): Promise<{ sites: TopoSite[]; nodes: LaidOutNode[]; cached: boolean }> {
  const key = shapeKey(sites, nodes, edges);
  const c = cache();
  let hit = c.get(key);
  const cached = Boolean(hit);
  if (!hit) {
    hit = layoutOnce(key, sites, nodes, edges, store);
    c.set(key, hit);
    hit.catch(() => c.delete(key));
    while (c.size > 8) c.delete(c.keys().next().value as string);
  }
  const bySite = await hit;
  return {
    cached,
    sites: sites.map((s) => ({ ...s, width: bySite[s.id]?.width ?? 260, height: bySite[s.id]?.height ?? 120 })),
    nodes: nodes.map((n) => ({ ...n, ...nodeSize(n), ...(bySite[n.siteId]?.positions[n.id] ?? { x: SITE_PAD, y: SITE_HEADER }) })),
  };
}
