import { formatBytes } from "@/lib/replication/health";
import type { ReplicationDetail } from "@/lib/replication/view";

export { formatBytes };

export function formatSeconds(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** A write/flush/replay_lag cell: NULL after catch-up with an idle primary reads as no lag, not unknown. */
/** What a NULL lag interval reads when the standby caught up with an idle primary. */
export const IDLE_LAG = "none (primary idle)";

export function formatTimeLag(s: number | null, r: ReplicationDetail | null): string {
  if (s !== null) return formatSeconds(s);
  if (!r) return "—";
  if (r.lagIdle) return IDLE_LAG;
  if (r.state === null) return "—";
  return "not reported";
}

export function formatAgo(iso: string | null, now = Date.now()): string {
  if (!iso) return "never";
  const d = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (d < 1) return "just now";
  if (d < 120) return `${Math.round(d)} s ago`;
  if (d < 7200) return `${Math.round(d / 60)} min ago`;
  if (d < 172800) return `${Math.round(d / 3600)} h ago`;
  return `${Math.round(d / 86400)} days ago`;
}

export function formatTime(iso: string | null): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleString();
}
