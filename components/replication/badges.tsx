import { STATE_HINTS, STATE_LABELS, type MemberState } from "@/lib/replication/view";
import { Badge } from "../ui";

type Tone = "slate" | "green" | "amber" | "red" | "blue";

const HEALTH: Record<string, { tone: Tone; label: string }> = {
  ok: { tone: "green", label: "healthy" },
  warn: { tone: "amber", label: "warning" },
  critical: { tone: "red", label: "critical" },
  unknown: { tone: "slate", label: "not polled yet" },
  not_monitored: { tone: "slate", label: "polling off" },
};

export function HealthBadge({ health }: { health: string }) {
  const h = HEALTH[health] ?? { tone: "slate" as Tone, label: health };
  return (
    <span data-testid="health" data-health={health}>
      <Badge tone={h.tone}>{h.label}</Badge>
    </span>
  );
}

export function RoleBadge({ role, configured }: { role: string; configured?: string }) {
  const tone: Tone = role === "primary" ? "blue" : role === "standby" ? "slate" : "amber";
  const changed = configured && role !== "unknown" && configured !== role;
  return (
    <span data-testid="role" title={changed ? `configured as ${configured}` : undefined}>
      <Badge tone={tone}>{role}</Badge>
      {changed && <span className="ml-1 text-xs text-amber-800">(configured {configured})</span>}
    </span>
  );
}

const STATE_TONE: Record<MemberState, Tone> = {
  pending: "slate",
  primary: "blue",
  split_brain: "red",
  stale_primary: "red",
  fenced: "slate",
  not_fenced: "amber",
  streaming: "green",
  idle: "green",
  caught_up: "green",
  catching_up: "amber",
  lagging: "amber",
  paused: "amber",
  disconnected: "red",
  unreachable: "red",
  auth_failed: "red",
  error: "red",
  unknown: "slate",
};

export function StateBadge({ state }: { state: MemberState }) {
  return (
    <span data-testid="state" data-state={state} title={STATE_HINTS[state]}>
      <Badge tone={STATE_TONE[state] ?? "slate"}>{STATE_LABELS[state] ?? state.replace("_", " ")}</Badge>
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: string }) {
  const tone: Tone = severity === "critical" ? "red" : severity === "warn" ? "amber" : "slate";
  return <Badge tone={tone}>{severity}</Badge>;
}
