"use client";

import { experimental_streamedQuery as streamedQuery, useQuery } from "@tanstack/react-query";
import { ApiError } from "@/components/api";
import { errorText } from "@/components/error-text";
import { ndjsonEvents } from "@/components/stream";
import { Alert, Badge } from "@/components/ui";
import type { PromotionView, StepView } from "@/lib/failover/types";

export const STATUS_TONE: Record<string, "slate" | "green" | "amber" | "red" | "blue"> = {
  pending: "slate",
  running: "blue",
  ok: "green",
  succeeded: "green",
  skipped: "amber",
  failed: "red",
  rolled_back: "amber",
  refused: "amber",
};

// NDJSON lines from /api/failover/promotions/<id>/stream, folded into one view.
type StreamEvent = { type: "snapshot" | "done"; promotion: PromotionView } | { type: "step"; step: StepView } | { type: "ping" } | { type: "error"; error: string };

async function* readNdjson(url: string, signal: AbortSignal): AsyncGenerator<StreamEvent> {
  const res = await fetch(url, { credentials: "same-origin", signal });
  if (!res.ok || !res.body) throw new ApiError(res.status, `progress stream: ${res.statusText}`);
  yield* ndjsonEvents<StreamEvent>(res);
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

interface FenceFact {
  fenced?: boolean;
  member?: string;
  host?: string;
  dataDir?: string;
  stoppedBy?: string | null;
  totalMs?: number;
  error?: string | null;
  streamsFrom?: string | null;
}

function kindLabel(p: PromotionView): string {
  if (p.kind === "reattach") return "Re-attach";
  if (p.kind === "director") return "Director switch";
  if (p.kind === "fence") return `Fence (${p.mode === "guard" ? "split-brain guard" : "by hand"})`;
  if (p.kind === "drill") return "DR drill";
  return `Promotion (${p.mode}${p.facts.scope === "site" ? ", site" : ""})`;
}

/** The fence's outcome, in words: fenced (what, where) or NOT FENCED (why). */
export function FenceOutcome({ p }: { p: PromotionView }) {
  const f = p.facts.fence as FenceFact | undefined;
  if (!f && p.facts.fenced !== false) return null;
  if (f?.fenced) {
    return (
      <p className="text-sm text-slate-700" data-testid="fence-outcome" data-fenced="true">
        <Badge tone="green">fenced</Badge> {f.member} on {f.host}: {f.stoppedBy === "already_stopped" ? "was already stopped" : `stopped by ${f.stoppedBy === "kill" ? "SIGKILL" : `pg_ctl stop -m ${f.stoppedBy}`}`}, standby.signal and primary_conninfo{f.streamsFrom ? ` → ${f.streamsFrom}` : ""} in {f.dataDir} ({f.totalMs} ms)
      </p>
    );
  }
  const why = f?.error ?? String(p.facts.notFencedReason ?? "no SSH access");
  return (
    <p className="text-sm font-medium text-red-800" data-testid="fence-outcome" data-fenced="false">
      <Badge tone="red">NOT FENCED</Badge> {p.oldPrimaryName ?? f?.member ?? "the old primary"}: {why}
    </p>
  );
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
  if (q.error) return <Alert>{errorText(q.error, { lead: "Progress unavailable" })}</Alert>;
  if (!p) return <p className="text-sm text-slate-600">Connecting to the progress stream…</p>;
  const writableMs = typeof p.facts.writableAt === "number" && typeof p.facts.requestedAt === "number" ? p.facts.writableAt - p.facts.requestedAt : null;
  return (
    <div data-testid="promotion-progress" aria-live="polite">
      <p className="mb-2 text-sm">
        {kindLabel(p)} #{p.id} of <strong>{p.targetName}</strong>:{" "}
        <span data-testid="promotion-status">
          <Badge tone={STATUS_TONE[p.status] ?? "slate"}>{p.status}</Badge>
        </span>
        {typeof p.facts.pgPromoteMs === "number" && <span className="ml-2 text-slate-600">pg_promote {String(p.facts.pgPromoteMs)} ms</span>}
        {writableMs !== null && <span className="ml-2 text-slate-600">writable {writableMs} ms after the request</span>}
        {typeof p.facts.directorSwitchMs === "number" && <span className="ml-2 text-slate-600">Director switch {String(p.facts.directorSwitchMs)} ms</span>}
        {typeof (p.facts.drill as { rtoMs?: unknown } | undefined)?.rtoMs === "number" && (
          <span className="ml-2 text-slate-600" data-testid="drill-rto">RTO {String((p.facts.drill as { rtoMs: number }).rtoMs)} ms</span>
        )}
      </p>
      {p.status === "refused" && <Alert kind="info">Refused by the checks: nothing was changed.</Alert>}
      {p.error && <Alert>{p.error}</Alert>}
      {(p.kind === "promote" || p.kind === "fence") && p.steps.some((s) => s.name === "fence_old_primary" || s.name === "fence") && (p.facts.fence !== undefined || p.facts.fenced === false) && <FenceOutcome p={p} />}
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
