"use client";

import Link from "next/link";
import { useState } from "react";
import type { ClusterStatusView, MemberStatusView } from "@/lib/replication/view";
import { Alert, Badge, Card, PageTitle } from "../ui";
import { HealthBadge, RoleBadge, SeverityBadge, StateBadge } from "./badges";
import { formatAgo, formatBytes, formatTime, formatTimeLag } from "./format";
import { LagCharts } from "./lag-charts";
import { useLiveCluster } from "./live";
import { MemberTable } from "./member-table";
import { PollingNote } from "./replication-list";
import { errorText } from "../error-text";

function Dl({ items }: { items: Array<[string, React.ReactNode]> }) {
  return (
    <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
      {items.map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-slate-600">{k}</dt>
          <dd className="break-all">{v ?? "—"}</dd>
        </div>
      ))}
    </dl>
  );
}

function StandbyCard({ m }: { m: MemberStatusView }) {
  const r = m.replication;
  return (
    <Dl
      items={[
        ["Replication state", r?.state ?? "—"],
        ["Sync state", r?.syncState ?? "—"],
        ["Byte lag (sent / write / flush / replay)", r ? `${formatBytes(r.sentBytes)} / ${formatBytes(r.writeBytes)} / ${formatBytes(r.flushBytes)} / ${formatBytes(r.replayBytes)}` : "—"],
        ["Time lag (write / flush / replay)", r ? `${formatTimeLag(r.writeLagSeconds, r)} / ${formatTimeLag(r.flushLagSeconds, r)} / ${formatTimeLag(r.replayLagSeconds, r)}` : "—"],
        [
          "Replay",
          m.replayPauseState && m.replayPauseState !== "not paused" ? (
            <span data-testid="replay-paused">
              <Badge tone="amber">{m.replayPauseState}</Badge> replay_lag {r?.replayLagFrozen ? "frozen at" : "at"} {formatTimeLag(r?.replayLagSeconds ?? null, r)} while the byte lag grows
              {r?.replayBytesDelta !== null && r?.replayBytesDelta !== undefined ? ` (${r.replayBytesDelta >= 0 ? "+" : ""}${formatBytes(r.replayBytesDelta)} since the previous poll)` : ""}
            </span>
          ) : (
            m.replayPauseState ?? "—"
          ),
        ],
        ["Received but not replayed", formatBytes(r?.receiveReplayGapBytes ?? null)],
        ["Receive / replay LSN", `${m.receiveLsn ?? "—"} / ${m.replayLsn ?? "—"}`],
        ["Last replayed transaction", m.lastReplayAt ? `${formatTime(m.lastReplayAt)} (${formatAgo(m.lastReplayAt)})` : "none yet"],
        ["Slot", r?.slotName ? `${r.slotName} (${r.slotActive === null ? "not found on the primary" : r.slotActive ? "active" : "inactive"})` : "none"],
        ["Upstream", r?.upstream ? `${r.upstream.host ?? "?"}:${r.upstream.port ?? "?"}` : "—"],
        ["Seen on the primary as", r?.applicationName ? `${r.applicationName}${r.clientAddr ? ` from ${r.clientAddr}` : ""} (matched by ${r.matchedBy ?? "—"})` : "—"],
        ["Last message from primary", r?.lastMsgReceiptTime ? formatAgo(r.lastMsgReceiptTime) : "—"],
      ]}
    />
  );
}

function PrimaryCard({ m }: { m: MemberStatusView }) {
  return (
    <div className="space-y-3">
      <Dl
        items={[
          ["Current WAL position", m.currentLsn ?? "—"],
          ["Standbys streaming", m.standbyConnections ?? "—"],
        ]}
      />
      {m.slots && (
        <table className="w-full text-sm" data-testid="slots">
          <caption className="mb-1 text-left text-sm font-medium text-slate-700">Replication slots</caption>
          <thead>
            <tr className="text-left text-slate-600">
              <th scope="col">Slot</th>
              <th scope="col">Type</th>
              <th scope="col">Active</th>
              <th scope="col">WAL status</th>
              <th scope="col">WAL held</th>
            </tr>
          </thead>
          <tbody>
            {m.slots.length === 0 && (
              <tr>
                <td colSpan={5} className="text-slate-500">none</td>
              </tr>
            )}
            {m.slots.map((s) => (
              <tr key={s.slotName} className="border-t border-slate-100">
                <td>{s.slotName}</td>
                <td>{s.slotType}</td>
                <td>{s.active ? <Badge tone="green">active</Badge> : <Badge tone="amber">inactive</Badge>}</td>
                <td>{s.walStatus ?? "—"}</td>
                <td>{formatBytes(s.restartLagBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Reasons({ cluster }: { cluster: ClusterStatusView }) {
  const all = [
    ...cluster.reasons.map((r) => ({ ...r, who: "cluster" })),
    ...cluster.members.flatMap((m) => m.reasons.map((r) => ({ ...r, who: m.name }))),
  ];
  if (all.length === 0) return <p className="text-sm text-slate-600">No findings yet.</p>;
  return (
    <ul className="space-y-1 text-sm" data-testid="reasons">
      {all.map((r, i) => (
        <li key={i} className="flex gap-2" data-code={r.code}>
          <SeverityBadge severity={r.severity} />
          <span>
            <strong>{r.who}</strong>: {r.message}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function ReplicationDetail({ clusterId }: { clusterId: number }) {
  const [samples, setSamples] = useState(0);
  const { data, error, isLoading, live } = useLiveCluster(clusterId, { onSample: () => setSamples((n) => n + 1) });
  if (isLoading) return <p aria-busy="true">Loading…</p>;
  if (error || !data) return <Alert>{errorText(error, { lead: "Could not load the cluster" })}</Alert>;
  const c = data.cluster;
  return (
    <>
      <PageTitle
        subtitle={<span data-testid="headline">{c.headline}</span>}
        actions={
          <>
            <Link href="/replication" className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100">All clusters</Link>
            <Link href={`/replication/setup?cluster=${c.id}`} className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm hover:bg-slate-100">Setup assistant</Link>
          </>
        }
      >
        Catalog cluster “{c.name}” <HealthBadge health={c.health} />
      </PageTitle>
      <div className="space-y-4">
        <PollingNote polling={data.polling} live={live} />
        <Card title="Members">
          <MemberTable cluster={c} />
          <p className="mt-2 text-xs text-slate-500">
            Limits: {formatBytes(c.thresholds.maxLagBytes)} and {c.thresholds.maxLagSeconds} s of replay lag. A caught-up standby reads “streaming, caught up”; its time lag reads “none (primary idle)” when PostgreSQL reports NULL because the primary is idle.
          </p>
        </Card>
        <div className="grid gap-4 xl:grid-cols-2">
          {c.members.map((m) => (
            <Card
              key={m.id}
              title={
                <span className="flex items-center gap-2">
                  {m.name} <RoleBadge role={m.role} configured={m.configuredRole} /> <StateBadge state={m.state} />
                </span>
              }
            >
              <div data-testid={`detail-${m.name}`} className="space-y-2">
                <p className="text-xs text-slate-500">
                  {m.address}:{m.port} · {m.serverVersion ? `PostgreSQL ${m.serverVersion}` : "version unknown"} · timeline {m.timeline ?? "—"} · probed {formatAgo(m.probedAt)}
                  {m.probeMs !== null ? ` in ${m.probeMs} ms` : ""}
                </p>
                {m.error && <Alert>{m.error}</Alert>}
                {m.role === "primary" ? <PrimaryCard m={m} /> : m.role === "standby" ? <StandbyCard m={m} /> : null}
              </div>
            </Card>
          ))}
        </div>
        <LagCharts clusterId={c.id} samples={samples} />
        <Card title="Health findings">
          <Reasons cluster={c} />
        </Card>
      </div>
    </>
  );
}
