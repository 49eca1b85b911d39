/**
 * The ELK layouts the map computed, kept in the database (Setting "topology.layouts") so that the
 * first visit after a server start is not laid out again: ELK's first layout in a fresh process is
 * its slowest (about 3 s for the 5-site, 386-node bench topology, against ~0.3 s once warm). Keyed by
 * the hash of the graph's shape (layout.ts's cache key: sites, node sizes, edges), which changes with
 * every model change that moves something; the newest few shapes are kept.
 */
import { createHash } from "node:crypto";
import { prisma } from "@/lib/db/client";

const KEY = "topology.layouts";
const KEEP = 4;

export interface SiteLayout {
  width: number;
  height: number;
  positions: Record<string, { x: number; y: number }>;
}

type Stored = { entries: Array<{ shape: string; sites: Record<string, SiteLayout> }> };

export interface LayoutStore {
  load(shape: string): Promise<Record<string, SiteLayout> | null>;
  save(shape: string, sites: Record<string, SiteLayout>): Promise<void>;
}

export const shapeHash = (shapeKey: string) => createHash("sha256").update(shapeKey).digest("base64url");

async function read(): Promise<Stored> {
  const row = await prisma.setting.findUnique({ where: { key: KEY } });
  if (!row) return { entries: [] };
  try {
    const v = JSON.parse(row.value) as Stored;
    return Array.isArray(v.entries) ? v : { entries: [] };
  } catch {
    return { entries: [] };
  }
}

export const dbLayoutStore: LayoutStore = {
  async load(shape) {
    const hash = shapeHash(shape);
    return (await read()).entries.find((e) => e.shape === hash)?.sites ?? null;
  },
  async save(shape, sites) {
    const hash = shapeHash(shape);
    const entries = [{ shape: hash, sites }, ...(await read()).entries.filter((e) => e.shape !== hash)].slice(0, KEEP);
    const value = JSON.stringify({ entries } satisfies Stored);
    await prisma.setting.upsert({ where: { key: KEY }, create: { key: KEY, value }, update: { value } });
  },
};
