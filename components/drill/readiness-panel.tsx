"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { apiFetch } from "@/components/api";
import { Alert, Badge, Card } from "@/components/ui";
import type { SiteReadiness } from "@/lib/failover/readiness";

const GRADE: Record<SiteReadiness["grade"], { tone: "green" | "amber" | "red"; label: string }> = {
  ready: { tone: "green", label: "ready" },
  degraded: { tone: "amber", label: "degraded" },
  not_ready: { tone: "red", label: "not ready" },
};

function age(s: number | null): string {
  if (s === null) return "—";
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} days`;
}

export function useReadiness() {
  return useQuery({ queryKey: ["readiness"], queryFn: () => apiFetch<{ sites: SiteReadiness[] }>("/api/readiness"), refetchInterval: 30_000 });
}

/** The score of one site pair, with its grade (the badge the home page and the topology map show). */
export function ReadinessScore({ site }: { site: SiteReadiness }) {
  const g = GRADE[site.grade];
  return (
    <span className="inline-flex items-center gap-2" data-testid="readiness-score" data-score={site.score} data-grade={site.grade}>
      <span className="text-2xl font-semibold">{site.score}</span>
      <span className="text-sm text-slate-500">/ 100</span>
      <Badge tone={g.tone}>{g.label}</Badge>
    </span>
  );
}

function Reasons({ site, onlyFailed }: { site: SiteReadiness; onlyFailed?: boolean }) {
  const list = onlyFailed ? site.reasons.filter((r) => !r.ok) : site.reasons;
  if (list.length === 0) return <p className="text-sm text-emerald-800">Nothing missing: site B can take over.</p>;
  return (
    <ul className="space-y-0.5 text-sm" data-testid="readiness-reasons">
      {list.map((r, i) => (
        <li key={i} data-code={r.code} data-ok={r.ok} data-severity={r.severity} className={r.ok ? "text-slate-700" : r.severity === "critical" ? "font-medium text-red-700" : "text-amber-900"}>
          <span aria-hidden="true">{r.ok ? "✓" : r.severity === "critical" ? "✗" : "⚠"}</span>{" "}
          <span className="sr-only">{r.ok ? "Passed:" : r.severity === "critical" ? "Critical:" : "Warning:"}</span> {r.message}
        </li>
      ))}
    </ul>
  );
}

/** Standby-site readiness: one card per site pair (full: every reason and the RPO of each job; compact: the score and what is missing). */
export function ReadinessPanel({ compact = false }: { compact?: boolean }) {
  const q = useReadiness();
  if (q.isLoading) return <p aria-busy="true" className="text-sm text-slate-600">Checking the standby site…</p>;
  if (q.error || !q.data) return <Alert>Standby-site readiness: {String((q.error as Error | null)?.message ?? "unavailable")}</Alert>;
  if (q.data.sites.length === 0) return <Card title="Standby-site readiness"><p className="text-sm text-slate-600">No primary Director yet.</p></Card>;
  return (
    <div className="space-y-4" data-testid="readiness-panel">
      {q.data.sites.map((site) => (
        <Card
          key={site.primary.id}
          title={
            <span>
              Standby-site readiness: {site.primary.name}
              {site.standby ? ` → ${site.standby.name}${site.standby.site ? ` (${site.standby.site})` : ""}` : ""}
            </span>
          }
          actions={compact ? <Link className="text-sm text-brand-700 underline" href="/drill">DR drill</Link> : undefined}
        >
          <div className="mb-2 flex flex-wrap items-center gap-4">
            <ReadinessScore site={site} />
            {site.lastDrill && (
              <span className="text-sm text-slate-600">
                last drill #{site.lastDrill.id}: {site.lastDrill.status}
                {site.lastDrill.rtoMs !== null && `, RTO ${(site.lastDrill.rtoMs / 1000).toFixed(1)} s`}
              </span>
            )}
          </div>
          <Reasons site={site} onlyFailed={compact} />
          {!compact && site.rpo.length > 0 && (
            <table className="mt-3 w-full text-sm" data-testid="readiness-rpo">
              <caption className="text-left text-xs font-medium text-slate-600">Copies at site B (RPO: age of the newest copied backup)</caption>
              <thead>
                <tr className="text-left text-xs text-slate-500">
                  <th className="py-1">Job</th>
                  <th>Newest copy</th>
                  <th>Backup ended</th>
                  <th>RPO</th>
                </tr>
              </thead>
              <tbody>
                {site.rpo.map((r) => (
                  <tr key={r.job} className="border-t border-slate-100" data-testid={`rpo-${r.job}`}>
                    <td className="py-1">{r.job}</td>
                    <td>{r.copyJobId === null ? <Badge tone="red">none</Badge> : `JobId ${r.copyJobId}`}</td>
                    <td>{r.backupEndedAt ? new Date(r.backupEndedAt).toLocaleString() : "—"}</td>
                    <td>{age(r.ageSeconds)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      ))}
    </div>
  );
}

/** One line per site pair (the topology map): the score, what is missing first, a link to the DR drill page. */
export function ReadinessStrip() {
  const q = useReadiness();
  if (!q.data || q.data.sites.length === 0) return null;
  return (
    <section aria-labelledby="readiness-strip-title" className="mb-3" data-testid="readiness-strip">
      <h2 id="readiness-strip-title" className="sr-only">Standby-site readiness</h2>
      <ul className="flex flex-wrap gap-2">
        {q.data.sites.map((s) => {
          const missing = s.reasons.filter((r) => !r.ok);
          const tone = s.grade === "ready" ? "border-emerald-300 bg-emerald-50" : s.grade === "degraded" ? "border-amber-300 bg-amber-50" : "border-red-300 bg-red-50";
          return (
            <li key={s.primary.id} className={`rounded-md border px-2 py-1 text-sm ${tone}`} data-testid={`readiness-${s.primary.name}`} data-score={s.score} data-grade={s.grade}>
              <strong>Standby site {s.standby?.site || s.standby?.name || "(none)"}</strong> for {s.primary.name}: {s.score}/100 {GRADE[s.grade].label}
              {missing.length > 0 && <span className="text-slate-700"> — {missing[0].message}{missing.length > 1 ? ` (+${missing.length - 1} more)` : ""}</span>}{" "}
              <Link className="text-brand-700 underline" href="/drill">details</Link>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
