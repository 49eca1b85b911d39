/**
 * Where the site boxes go (pure, deterministic, used by the page): in the API's order, filling rows
 * up to a width that keeps the whole picture roughly as wide as a screen is tall ×1.6; a collapsed
 * site is a small summary box.
 */
import type { TopoSite } from "./types";

export const SITE_GAP = 60;
export const COLLAPSED = { width: 260, height: 110 };

export function placeSites(sites: TopoSite[], collapsed: ReadonlySet<string>): Record<string, { x: number; y: number; width: number; height: number }> {
  const sizes = sites.map((s) => (collapsed.has(s.id) ? { id: s.id, ...COLLAPSED } : { id: s.id, width: s.width, height: s.height }));
  const area = sizes.reduce((a, s) => a + (s.width + SITE_GAP) * (s.height + SITE_GAP), 0);
  const widest = sizes.reduce((a, s) => Math.max(a, s.width), 0);
  const rowWidth = Math.max(widest, Math.sqrt(area * 1.6));
  const out: Record<string, { x: number; y: number; width: number; height: number }> = {};
  let x = 0;
  let y = 0;
  let rowH = 0;
  for (const s of sizes) {
    if (x > 0 && x + s.width > rowWidth) {
      x = 0;
      y += rowH + SITE_GAP;
      rowH = 0;
    }
    out[s.id] = { x, y, width: s.width, height: s.height };
    x += s.width + SITE_GAP;
    rowH = Math.max(rowH, s.height);
  }
  return out;
}
