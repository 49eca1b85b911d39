"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { HistorySeries } from "@/lib/replication/store";
import { apiFetch } from "../api";
import { Alert, Card } from "../ui";
import { formatBytes, formatSeconds } from "./format";
import { errorText } from "../error-text";

interface HistoryResponse {
  clusterId: number;
  range: "1h" | "24h" | "7d";
  bucketMs: number;
  from: number;
  to: number;
  members: { id: number; name: string; role: string }[];
  series: HistorySeries[];
}

const COLORS = ["#0369a1", "#b45309", "#15803d", "#7c3aed", "#be123c", "#0f766e"];
const RANGES = [
  { key: "1h", label: "Last hour" },
  { key: "24h", label: "Last day" },
] as const;

type Row = Record<string, number | null> & { t: number };

type Field = "replayBytesMax" | "replayLagSecondsMax";

/**
 * Merges per-member series into chart rows keyed by time, one column per member. The line is each
 * bucket's highest value: an average spreads a fresh spike over the bucket's quiet samples.
 */
function rows(h: HistoryResponse, field: Field, ids: number[]): Row[] {
  const byT = new Map<number, Row>();
  for (const s of h.series) {
    if (!ids.includes(s.memberId)) continue;
    for (const p of s.points) {
      const r = byT.get(p.t) ?? ({ t: p.t } as Row);
      r[`m${s.memberId}`] = p[field];
      byT.set(p.t, r);
    }
  }
  return [...byT.values()].sort((a, b) => a.t - b.t);
}

function lastWithValue(data: Row[], key: string): number {
  for (let i = data.length - 1; i >= 0; i--) if (data[i][key] !== null && data[i][key] !== undefined) return i;
  return -1;
}

function tickTime(range: string) {
  return (t: number) => {
    const d = new Date(t);
    return range === "1h" ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : d.toLocaleString([], { hour: "2-digit", minute: "2-digit", day: "numeric", month: "short" });
  };
}

function Chart({ h, data, ids, names, format, label, testId }: { h: HistoryResponse; data: Row[]; ids: number[]; names: Map<number, string>; format: (v: number) => string; label: string; testId: string }) {
  if (data.length === 0) return <p className="text-sm text-slate-600">No samples in this range yet.</p>;
  // The newest bucket would sit on the right edge, where a spike is a hairline against the frame:
  // leave room after it, and mark it with a dot and its value in words.
  const pad = Math.max(2 * h.bucketMs, (h.to - h.from) * 0.04);
  const bucket = h.bucketMs >= 60_000 ? `${h.bucketMs / 60_000} min` : `${h.bucketMs / 1000} s`;
  const latest = ids
    .map((id, i) => {
      const idx = lastWithValue(data, `m${id}`);
      const value = idx >= 0 ? data[idx][`m${id}`] : null;
      return { id, idx, value, color: COLORS[i % COLORS.length] };
    })
    .filter((x) => x.idx >= 0 && x.value !== null);
  return (
    <div>
      <p className="mb-1 flex flex-wrap gap-x-3 text-xs text-slate-600" data-testid={`${testId}-latest`}>
        {latest.map((x) => (
          <span key={x.id} data-member={names.get(x.id) ?? String(x.id)} data-value={x.value ?? ""}>
            <span aria-hidden="true" className="mr-1 inline-block h-2 w-2 rounded-full" style={{ background: x.color }} />
            {names.get(x.id) ?? x.id}, newest {bucket}: <strong>{format(x.value ?? 0)}</strong>
          </span>
        ))}
      </p>
      <div className="h-56 w-full" role="img" aria-label={label} data-testid={testId}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 10, right: 16, bottom: 5, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="t" type="number" scale="time" domain={[h.from, h.to + pad]} tickFormatter={tickTime(h.range)} fontSize={11} allowDataOverflow />
            <YAxis tickFormatter={(v: number) => format(v)} width={72} fontSize={11} domain={[0, "auto"]} />
            <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleString()} formatter={(v) => (typeof v === "number" ? format(v) : String(v))} />
            <Legend />
            {ids.map((id, i) => {
              const key = `m${id}`;
              const last = lastWithValue(data, key);
              const color = COLORS[i % COLORS.length];
              return (
                <Line
                  key={id}
                  type="linear"
                  dataKey={key}
                  name={names.get(id) ?? String(id)}
                  stroke={color}
                  strokeWidth={2}
                  isAnimationActive={false}
                  connectNulls={false}
                  dot={(p) =>
                    p.index === last && typeof p.cx === "number" && typeof p.cy === "number" ? (
                      <circle key={`last-${id}`} data-testid={`${testId}-last`} data-member={names.get(id) ?? String(id)} cx={p.cx} cy={p.cy} r={5} fill={color} stroke="#fff" strokeWidth={2} />
                    ) : (
                      <g key={`dot-${id}-${p.index}`} />
                    )
                  }
                />
              );
            })}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

/** `samples` counts the polls pushed to the page (live.ts): the history is read again after a new one. */
export function LagCharts({ clusterId, samples = 0 }: { clusterId: number; samples?: number }) {
  const [range, setRange] = useState<"1h" | "24h">("1h");
  const { data, error, isLoading, refetch, dataUpdatedAt } = useQuery({
    queryKey: ["replication-history", clusterId, range],
    queryFn: () => apiFetch<HistoryResponse>(`/api/replication/${clusterId}/history?range=${range}`),
    staleTime: Infinity,
  });
  // A fresh spike shows with the poll that saw it (hour view); the day view's 5-minute buckets at most once a minute.
  useEffect(() => {
    if (samples === 0) return;
    if (range === "1h" || Date.now() - dataUpdatedAt >= 60_000) void refetch();
  }, [samples]);
  const picker = (
    <div role="group" aria-label="History range" className="flex gap-1">
      {RANGES.map((r) => (
        <button
          key={r.key}
          type="button"
          aria-pressed={range === r.key}
          onClick={() => setRange(r.key)}
          className={`rounded px-2 py-1 text-xs ${range === r.key ? "bg-brand-700 text-white" : "bg-slate-100 text-slate-700 hover:bg-slate-200"}`}
        >
          {r.label}
        </button>
      ))}
    </div>
  );
  let body;
  if (isLoading) body = <p aria-busy="true">Loading history…</p>;
  else if (error || !data) body = <Alert>{errorText(error, { lead: "Could not load the history" })}</Alert>;
  else {
    // Chart the members that have lag values (the standbys).
    const ids = data.series.filter((s) => s.points.some((p) => p.replayBytesMax !== null || p.replayLagSecondsMax !== null)).map((s) => s.memberId);
    const names = new Map(data.members.map((m) => [m.id, m.name]));
    body = (
      <div className="grid gap-4 xl:grid-cols-2">
        <div>
          <h3 className="mb-1 text-sm font-medium text-slate-700">Replay byte lag</h3>
          <Chart h={data} data={rows(data, "replayBytesMax", ids)} ids={ids} names={names} format={(v) => formatBytes(Math.round(v))} label="Replay byte lag over time" testId="chart-bytes" />
        </div>
        <div>
          <h3 className="mb-1 text-sm font-medium text-slate-700">Replay time lag (gaps: idle or unknown)</h3>
          <Chart h={data} data={rows(data, "replayLagSecondsMax", ids)} ids={ids} names={names} format={(v) => formatSeconds(v)} label="Replay time lag over time" testId="chart-seconds" />
        </div>
        <p className="text-xs text-slate-500 xl:col-span-2">
          Highest value per {data.bucketMs / 1000 >= 60 ? `${data.bucketMs / 60000} min` : `${data.bucketMs / 1000} s`} (the dot is the newest); raw samples are kept a day, older history in 5-minute buckets.
        </p>
      </div>
    );
  }
  return (
    <Card title="Lag history" actions={picker}>
      {body}
    </Card>
  );
}
