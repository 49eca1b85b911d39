"use client";

import Link from "next/link";
import type { ReplicationStatus } from "@/lib/replication/service";
import type { StreamState } from "../stream";
import { Alert, Card } from "../ui";
import { HealthBadge } from "./badges";
import { formatAgo } from "./format";
import { liveLabel, useLiveStatus } from "./live";
import { MemberTable } from "./member-table";
import { errorText } from "../error-text";

export function PollingNote({ polling, live }: { polling: ReplicationStatus["polling"]; live?: StreamState }) {
  if (!polling.enabled) return <Alert kind="info">Replication polling is off on this server (REPLICATION_POLL=0): nothing is probed.</Alert>;
  return (
    <p className="text-xs text-slate-500" data-testid="polling-note" data-live={live}>
      {live && (
        <span className={live === "live" ? "text-green-700" : "text-amber-700"} role="status">
          {liveLabel(live)} ·{" "}
        </span>
      )}
      Polled every {(polling.intervalMs ?? 0) / 1000} s (probe timeout {(polling.probeTimeoutMs ?? 0) / 1000} s); last cycle{" "}
      {formatAgo(polling.lastCycleAt)}
      {polling.lastCycleMs !== null ? ` in ${polling.lastCycleMs} ms` : ""}.
      {polling.lastError ? ` Last error: ${polling.lastError}` : ""}
    </p>
  );
}

export function ReplicationList() {
  const { data, error, isLoading, live } = useLiveStatus();
  if (isLoading) return <p aria-busy="true">Loading replication status…</p>;
  if (error || !data) return <Alert>{errorText(error, { lead: "Could not load the replication status" })}</Alert>;
  return (
    <div className="space-y-4">
      <PollingNote polling={data.polling} live={live} />
      {data.clusters.length === 0 && (
        <Card>
          <p className="text-sm text-slate-600">
            No catalog cluster yet. Add one under <Link className="underline" href="/inventory/catalog-clusters">Catalog clusters</Link> and its
            servers under <Link className="underline" href="/inventory/catalog-members">Catalog members</Link>, or start with the{" "}
            <Link className="underline" href="/replication/setup">setup assistant</Link>.
          </p>
        </Card>
      )}
      {data.clusters.map((c) => (
        <div key={c.id} data-testid={`cluster-${c.name}`}>
          <Card
            title={
              <Link href={`/replication/${c.id}`} className="hover:underline">
                {c.name}
              </Link>
            }
            actions={<HealthBadge health={c.health} />}
          >
            <p className="mb-2 text-sm text-slate-700" data-testid="headline">{c.headline}</p>
            <MemberTable cluster={c} compact />
            <p className="mt-2 text-xs text-slate-500">
              Polled {formatAgo(c.polledAt)}
              {c.pollMs !== null ? ` (${c.pollMs} ms)` : ""} · <Link className="underline" href={`/replication/${c.id}`}>details and history</Link>
            </p>
          </Card>
        </div>
      ))}
    </div>
  );
}
