"use client";

import Link from "next/link";
import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "@/components/api";
import { errorText } from "@/components/error-text";
import { useReplicationTicks } from "@/components/replication/live";
import { Alert, Badge, Button, Card, PageTitle } from "@/components/ui";
import type { ClusterOverview } from "@/lib/failover/http";
import type { PreflightResult, PromotionView } from "@/lib/failover/types";
import { PROMOTION_REQUIREMENTS_URL } from "@/lib/failover/types";
import { CheckList } from "./checks";
import { FenceDialog } from "./fence-dialog";
import { FencePolicyCard } from "./policy-card";
import { PromoteDialog } from "./promote-dialog";
import { PromotionProgress, STATUS_TONE } from "./progress";
import { GuardedDialog } from "./guarded-dialog";
import { SwitchBackDialog } from "./switch-back-dialog";

export { PromotionProgress } from "./progress";

type Overview = ClusterOverview;
type OverviewMember = Overview["members"][number];

/** How well a member is fenced, in one badge (the same words on every page). */
export function FenceBadge({ m }: { m: Pick<OverviewMember, "fenced" | "fenceState" | "fenceNote"> }) {
  if (!m.fenced && m.fenceState === "none") return null;
  return (
    <span title={m.fenceNote ?? undefined} data-testid="fence-state" data-fence-state={m.fenceState}>
      {m.fenceState === "not_fenced" ? <Badge tone="red">NOT FENCED</Badge> : <Badge tone="slate">fenced</Badge>}
    </span>
  );
}

interface DirectorPreflightView {
  plan: { pairs: Array<{ oldId: number; oldName: string; newId: number; newName: string; catalogs: string[] }>; inPlace: Array<{ id: number; name: string }>; problems: string[] };
  checks: PreflightResult["checks"];
  allowed: boolean;
}

/** "Switch Director to standby site" alone: preflight, typed cluster name, then the streamed steps. */
function DirectorSwitchDialog({ clusterId, clusterName, onClose }: { clusterId: number; clusterName: string; onClose: () => void }) {
  const url = `/api/failover/${clusterId}/director-switch`;
  return (
    <GuardedDialog<DirectorPreflightView>
      clusterId={clusterId}
      title="Switch the Director to the standby site"
      titleId="director-switch-title"
      preflightUrl={url}
      actionUrl={url}
      queryKey={["director-preflight"]}
      confirm={{ value: clusterName, label: "Cluster name", field: "confirmClusterName", prompt: <>Type the cluster name <code>{clusterName}</code> to confirm</> }}
      checking="Checking the standby Director (SSH, configuration test)…"
      actionLabel="Switch Director"
      notDone="Not switched"
      testId="director-preflight"
      onClose={onClose}
    >
      {(pf) => (
        <>
          <p>The catalog stays where it is. The old Director is stopped, the standby&apos;s configuration deployed, the standby started and checked; the roles swap in the model.</p>
          <CheckList checks={pf.checks} />
        </>
      )}
    </GuardedDialog>
  );
}

function ReattachDialog({ clusterId, memberId, memberName, onClose }: { clusterId: number; memberId: number; memberName: string; onClose: () => void }) {
  return (
    <GuardedDialog<{ checks: PreflightResult["checks"]; allowed: boolean; plan: PreflightResult["plan"] }>
      clusterId={clusterId}
      title={<>Re-attach {memberName} as a standby</>}
      titleId="reattach-title"
      preflightUrl={`/api/failover/${clusterId}/reattach?member=${memberId}`}
      actionUrl={`/api/failover/${clusterId}/reattach`}
      queryKey={["reattach", memberId]}
      body={{ memberId }}
      confirm={{ value: memberName, label: "Member name", field: "confirmMemberName", prompt: <>Type <code>{memberName}</code> to confirm</> }}
      checking="Checking the member (SSH, pg_rewind needs)…"
      actionLabel="Re-attach"
      notDone="Not re-attached"
      onClose={onClose}
    >
      {(pf) => (
        <>
          {pf.checks.map((c, i) => (
            <p key={i} className={c.ok ? "" : "font-medium text-red-700"}>
              {c.ok ? "✓" : "✗"} {c.message}
            </p>
          ))}
          <Alert kind="info">pg_rewind discards whatever {memberName} wrote after the timelines forked.</Alert>
        </>
      )}
    </GuardedDialog>
  );
}

export function FailoverPanel({ clusterId }: { clusterId: number }) {
  const [promoting, setPromoting] = useState<{ id: number; name: string } | null>(null);
  const [reattaching, setReattaching] = useState<{ id: number; name: string } | null>(null);
  const [fencing, setFencing] = useState<{ id: number; name: string; note: string | null } | null>(null);
  const [switchingDirector, setSwitchingDirector] = useState(false);
  const [switchingBack, setSwitchingBack] = useState(false);
  const ov = useQuery({ queryKey: ["failover", clusterId, "overview"], queryFn: () => apiFetch<Overview>(`/api/failover/${clusterId}`) });
  const hist = useQuery({
    queryKey: ["failover", clusterId, "history"],
    queryFn: () => apiFetch<{ promotions: PromotionView[] }>(`/api/failover/${clusterId}/promotions`),
  });
  // Refreshed after each replication poll (pushed, components/replication/live.ts), not on a timer.
  useReplicationTicks(() => {
    void ov.refetch();
    void hist.refetch();
  });
  if (ov.error) return <Alert>{errorText(ov.error, { lead: "Cannot load the cluster" })}</Alert>;
  if (!ov.data) return <p>Loading…</p>;
  const { cluster, members, catalogs, runningPromotionId } = ov.data;
  const notFenced = members.filter((m) => m.fenceState === "not_fenced");
  return (
    <div className="space-y-4">
      <PageTitle
        subtitle={
          <>
            Guarded promotion of the catalog cluster&apos;s standby. <Link className="underline" href={`/replication/${clusterId}`}>Replication status</Link> ·{" "}
            <Link className="underline" href={PROMOTION_REQUIREMENTS_URL}>What promotion needs on each host</Link>
          </>
        }
      >
        Promote: {cluster.name}
      </PageTitle>
      {notFenced.length > 0 && (
        <Alert>
          <strong>NOT FENCED:</strong> {notFenced.map((m) => m.name).join(", ")} {notFenced.length > 1 ? "were" : "was"} demoted without fencing: nothing stops {notFenced.length > 1 ? "them" : "it"} from coming back writable. Fence now as soon as the host answers, or keep it down.
        </Alert>
      )}
      {runningPromotionId !== null && (
        <Card title={`Operation #${runningPromotionId} is running`}>
          <PromotionProgress id={runningPromotionId} />
        </Card>
      )}
      <Card title="Members">
        <table className="w-full text-sm">
          <caption className="sr-only">Members of {cluster.name}</caption>
          <thead>
            <tr className="text-left text-slate-500">
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Fence</th>
              <th scope="col">Address</th>
              <th scope="col">Admin role</th>
              <th scope="col">SSH</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.id} className="border-t border-slate-100 align-top" data-testid={`member-${m.name}`}>
                <td className="py-1 font-medium">{m.name}</td>
                <td>
                  <Badge tone={m.role === "primary" ? "blue" : "slate"}>{m.role}</Badge>
                </td>
                <td className="max-w-xs">
                  <FenceBadge m={m} />
                  {m.liveState === "stale_primary" && <Badge tone="red">writable: stale primary</Badge>}
                  {m.fenceNote && <div className="mt-0.5 text-xs text-slate-600" data-testid="fence-note">{m.fenceNote}</div>}
                </td>
                <td>
                  {m.address}:{m.port}
                </td>
                <td>{m.adminPasswordSet ? "stored" : "—"}</td>
                <td>{m.sshHostSet ? "yes" : "—"}</td>
                <td className="space-x-1 whitespace-nowrap text-right">
                  {m.role === "standby" && !m.fenced && (
                    <Button variant="danger" onClick={() => setPromoting({ id: m.id, name: m.name })}>
                      Promote…
                    </Button>
                  )}
                  {m.role !== "primary" && m.fenceState !== "fenced" && (m.fenced || m.liveState === "stale_primary") && (
                    <Button variant="danger" onClick={() => setFencing({ id: m.id, name: m.name, note: m.fenceNote })} disabled={runningPromotionId !== null}>
                      Fence now…
                    </Button>
                  )}
                  {m.fenced && (
                    <Button variant="secondary" onClick={() => setReattaching({ id: m.id, name: m.name })}>
                      Re-attach…
                    </Button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-2 text-xs text-slate-500">
          Catalogs on this cluster: {catalogs.length ? catalogs.map((c) => `${c.name} → ${c.dbAddress}:${c.dbPort}`).join(", ") : "none"}
        </p>
      </Card>
      <FencePolicyCard clusterId={clusterId} policy={{ autoFence: cluster.autoFence, fenceTimeoutMs: cluster.fenceTimeoutMs }} />
      <Card title="Director">
        <p className="text-sm text-slate-700">
          Promote a standby member with &quot;Standby site&quot; to switch the catalog and the Director together, or switch only the Director to its standby site here.
        </p>
        <div className="mt-2">
          <Button variant="secondary" onClick={() => setSwitchingDirector(true)} disabled={runningPromotionId !== null}>
            Switch Director to standby site…
          </Button>{" "}
          <Button variant="secondary" onClick={() => setSwitchingBack(true)} disabled={runningPromotionId !== null}>
            Switch back…
          </Button>
        </div>
      </Card>
      <Card title="History">
        {hist.data?.promotions.length ? (
          <ul className="space-y-1 text-sm">
            {hist.data.promotions.map((p) => (
              <li key={p.id}>
                #{p.id} {p.kind === "reattach" ? "re-attach" : p.kind === "drill" ? "DR drill" : p.kind === "director" ? "Director switch" : p.kind === "fence" ? `fence (${p.mode === "guard" ? "split-brain guard" : "by hand"})` : `${p.mode}${p.facts.scope === "site" ? " (site)" : ""}`} of <strong>{p.targetName}</strong> by {p.actor} at {new Date(p.startedAt).toLocaleString()}:{" "}
                <Badge tone={STATUS_TONE[p.status] ?? "slate"}>{p.status}</Badge> {p.forced && <Badge tone="amber">forced: {p.forceReason}</Badge>} {p.unfenced && p.facts.fenced === false && <Badge tone="red">promoted without fencing: {p.unfencedReason}</Badge>} {p.error && <span className="text-red-700">{p.error}</span>}
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-slate-600">No promotion yet.</p>
        )}
      </Card>
      {promoting && <PromoteDialog clusterId={clusterId} clusterName={cluster.name} memberId={promoting.id} memberName={promoting.name} onClose={() => setPromoting(null)} />}
      {switchingBack && <SwitchBackDialog clusterId={clusterId} clusterName={cluster.name} onClose={() => setSwitchingBack(false)} />}
      {switchingDirector && <DirectorSwitchDialog clusterId={clusterId} clusterName={cluster.name} onClose={() => setSwitchingDirector(false)} />}
      {reattaching && <ReattachDialog clusterId={clusterId} memberId={reattaching.id} memberName={reattaching.name} onClose={() => setReattaching(null)} />}
      {fencing && <FenceDialog clusterId={clusterId} memberId={fencing.id} memberName={fencing.name} note={fencing.note} onClose={() => setFencing(null)} />}
    </div>
  );
}

export function FailoverClusterList() {
  const q = useQuery({
    queryKey: ["failover", "clusters"],
    queryFn: () => apiFetch<{ clusters: Array<{ id: number; name: string; members: Array<{ id: number; name: string; role: string; fenced: boolean; fenceState: string }> }> }>("/api/failover"),
  });
  if (q.error) return <Alert>{errorText(q.error, { lead: "Cannot load" })}</Alert>;
  return (
    <div>
      <PageTitle subtitle={<>Switchover (the primary answers) or failover (it does not), with preflight checks, fencing and streamed steps. <Link className="underline" href={PROMOTION_REQUIREMENTS_URL}>What promotion needs on each host</Link></>}>Standby promotion</PageTitle>
      <Card>
        <ul className="space-y-1 text-sm">
          {q.data?.clusters.map((c) => (
            <li key={c.id}>
              <Link className="font-medium text-brand-700 underline" href={`/failover/${c.id}`}>
                {c.name}
              </Link>{" "}
              — {c.members.map((m) => `${m.name} (${m.role}${m.fenceState === "not_fenced" ? ", NOT FENCED" : m.fenced ? ", fenced" : ""})`).join(", ")}
            </li>
          ))}
          {q.data && q.data.clusters.length === 0 && <li>No catalog cluster.</li>}
        </ul>
      </Card>
    </div>
  );
}
