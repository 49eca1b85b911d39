"use client";

import Link from "next/link";
import type { ClusterStatusView, MemberStatusView } from "@/lib/replication/view";
import { RoleBadge, StateBadge, HealthBadge } from "./badges";
import { formatAgo, formatBytes, formatTimeLag, IDLE_LAG } from "./format";

function ByteLag({ m }: { m: MemberStatusView }) {
  const r = m.replication;
  if (!r) return <span className="text-slate-400">—</span>;
  const delta = r.replayBytesDelta;
  return (
    <span
      data-testid="replay-bytes"
      data-bytes={r.replayBytes ?? ""}
      title={`sent ${formatBytes(r.sentBytes)} · write ${formatBytes(r.writeBytes)} · flush ${formatBytes(r.flushBytes)} · replay ${formatBytes(r.replayBytes)}`}
    >
      {formatBytes(r.replayBytes)}
      {r.replayPaused && delta !== null && delta > 0 && <span className="ml-1 text-xs text-amber-800">(+{formatBytes(delta)})</span>}
    </span>
  );
}

function TimeLag({ m, which }: { m: MemberStatusView; which: "write" | "flush" | "replay" }) {
  const r = m.replication;
  if (!r) return <span className="text-slate-400">—</span>;
  const v = which === "write" ? r.writeLagSeconds : which === "flush" ? r.flushLagSeconds : r.replayLagSeconds;
  const text = formatTimeLag(v, r);
  return (
    <span data-testid={`${which}-lag`} className={text === IDLE_LAG ? "text-slate-500" : undefined}>
      {text}
      {which === "replay" && r.replayPaused && <span className="ml-1 text-xs text-amber-800">{r.replayLagFrozen ? "(frozen)" : "(paused)"}</span>}
    </span>
  );
}

/** The members of one cluster, one row each. `compact` drops the per-stage columns. */
export function MemberTable({ cluster, compact = false }: { cluster: ClusterStatusView; compact?: boolean }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm">
        <caption className="sr-only">Members of {cluster.name}</caption>
        <thead>
          <tr className="text-left text-slate-600">
            <th scope="col" className="py-1 pr-3">Member</th>
            <th scope="col" className="pr-3">Role</th>
            <th scope="col" className="pr-3">State</th>
            <th scope="col" className="pr-3">Sync</th>
            <th scope="col" className="pr-3">Replay byte lag</th>
            {!compact && <th scope="col" className="pr-3">Write lag</th>}
            {!compact && <th scope="col" className="pr-3">Flush lag</th>}
            <th scope="col" className="pr-3">Replay lag</th>
            <th scope="col" className="pr-3">Last replay</th>
            <th scope="col" className="pr-3">Timeline</th>
            <th scope="col">Health</th>
          </tr>
        </thead>
        <tbody>
          {cluster.members.map((m) => (
            <tr key={m.id} className="border-t border-slate-100 align-top" data-testid={`member-${m.name}`}>
              <td className="py-1 pr-3">
                <div className="font-medium">{m.name}</div>
                <div className="text-xs text-slate-500">
                  {m.address}:{m.port}
                  {m.serverVersion ? ` · PostgreSQL ${m.serverVersion.split(" ")[0]}` : ""}
                </div>
                {m.error && (
                  <div className="mt-0.5 max-w-md text-xs text-red-700" data-testid="member-error">
                    {m.error}
                  </div>
                )}
              </td>
              <td className="pr-3"><RoleBadge role={m.role} configured={m.configuredRole} /></td>
              <td className="pr-3">
                <StateBadge state={m.state} />
                {m.nextStep && (
                  <div className="mt-0.5 text-xs" data-testid="next-step" data-action={m.nextStep.action}>
                    Next: <Link className="text-brand-700 underline" href={`/failover/${cluster.id}`}>{m.nextStep.label}</Link>
                  </div>
                )}
              </td>
              <td className="pr-3">{m.replication?.syncState ?? (m.role === "primary" ? "" : "—")}</td>
              <td className="pr-3"><ByteLag m={m} /></td>
              {!compact && <td className="pr-3"><TimeLag m={m} which="write" /></td>}
              {!compact && <td className="pr-3"><TimeLag m={m} which="flush" /></td>}
              <td className="pr-3"><TimeLag m={m} which="replay" /></td>
              <td className="pr-3" title={m.lastReplayAt ?? undefined}>{m.role === "standby" ? formatAgo(m.lastReplayAt) : ""}</td>
              <td className="pr-3">{m.timeline ?? "—"}</td>
              <td><HealthBadge health={m.status} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
