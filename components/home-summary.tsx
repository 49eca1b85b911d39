"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment } from "react";
import type { TopologySummary } from "@/lib/summary";
import { apiFetch } from "./api";
import { HealthBadge } from "./replication/badges";
import { Alert, Badge, Card } from "./ui";
import { errorText } from "./error-text";

function Stat({ label, value, href, children }: { label: string; value: number; href: string; children?: React.ReactNode }) {
  return (
    <Link href={href} className="block rounded-lg border border-slate-200 bg-white p-4 shadow-sm hover:border-brand-600">
      <p className="text-sm text-slate-600">{label}</p>
      <p className="text-3xl font-semibold" data-testid={`stat-${label}`}>{value}</p>
      {children && <div className="mt-1 text-xs text-slate-600">{children}</div>}
    </Link>
  );
}

export function HomeSummary() {
  const { data, error, isLoading } = useQuery({
    queryKey: ["summary"],
    queryFn: () => apiFetch<TopologySummary>("/api/summary"),
    refetchInterval: 15_000,
  });
  if (isLoading) return <p aria-busy="true">Loading the topology…</p>;
  if (error || !data) return <Alert>{errorText(error, { lead: "Could not load the summary" })}</Alert>;
  return (
    <div className="space-y-6">
      <div className="grid grid-cols-2 gap-4 md:grid-cols-3 xl:grid-cols-6">
        <Stat label="Directors" value={data.directors.total} href="/inventory/directors">
          {data.directors.primary} primary · {data.directors.standby} standby · {data.directors.independent} independent
        </Stat>
        <Stat label="Storage Daemons" value={data.storageDaemons.total} href="/inventory/storage-daemons">
          {data.storageDaemons.devices} devices
        </Stat>
        <Stat label="Storages" value={data.storages} href="/inventory/storages" />
        <Stat label="Pools" value={data.pools.total} href="/inventory/pools">
          {data.pools.withNextPool} with a Next Pool (copy target)
        </Stat>
        <Stat label="Storage groups" value={data.storageGroups.total} href="/inventory/pools">
          {Object.entries(data.storageGroups.byPolicy).map(([p, n]) => `${n} ${p}`).join(" · ") || "none yet"}
        </Stat>
        <Stat label="Jobs" value={data.jobs.total} href="/inventory/jobs">
          {Object.entries(data.jobs.byType).map(([t, n]) => `${n} ${t}`).join(" · ")}
        </Stat>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Sites">
          {data.directors.sites.length === 0 ? (
            <p className="text-sm text-slate-600">No site set on any Director.</p>
          ) : (
            <ul className="flex flex-wrap gap-2">
              {data.directors.sites.map((s) => <li key={s}><Badge tone="blue">{s}</Badge></li>)}
            </ul>
          )}
        </Card>
        <Card title="Catalog clusters">
          {data.catalogClusters.length === 0 ? (
            <p className="text-sm text-slate-600">No catalog cluster yet.</p>
          ) : (
            <table className="w-full text-sm">
              <caption className="sr-only">Catalog clusters and their health</caption>
              <thead>
                <tr className="text-left text-slate-600"><th scope="col">Cluster</th><th scope="col">Primary</th><th scope="col">Standbys</th><th scope="col">Health</th></tr>
              </thead>
              <tbody>
                {data.catalogClusters.map((c) => (
                  <Fragment key={c.id}>
                    <tr className="border-t border-slate-100" data-testid={`cluster-${c.name}`}>
                      <td className="py-1">{c.name}</td>
                      <td>{c.primary ?? "none"}</td>
                      <td>{c.standbys}</td>
                      <td>
                        <Link href={`/replication/${c.id}`} title={c.healthHeadline ?? undefined} className="hover:underline">
                          <HealthBadge health={c.health} />
                        </Link>
                      </td>
                    </tr>
                    {/* Why, in words, whenever it is not healthy: a badge alone says nothing of the cause. */}
                    {c.healthHeadline && c.health !== "ok" && (
                      <tr>
                        <td colSpan={4} className="pb-1.5 text-xs text-slate-600" data-testid={`cluster-why-${c.name}`}>
                          {c.healthHeadline}
                        </td>
                      </tr>
                    )}
                  </Fragment>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <p className="text-xs text-slate-500">Model revision {data.modelRevision}</p>
    </div>
  );
}
