"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "@/components/api";
import { Alert, Button, Modal } from "@/components/ui";
import type { SwitchBackPreview } from "@/lib/failover/switch-back";
import { CheckList } from "./checks";
import { PromotionProgress } from "./progress";

/** "Switch back": undo the last switchover (the Director alone, or with the catalog), same guards as any switch. */
export function SwitchBackDialog({ clusterId, clusterName, onClose }: { clusterId: number; clusterName: string; onClose: () => void }) {
  const qc = useQueryClient();
  const [typed, setTyped] = useState("");
  const [id, setId] = useState<number | null>(null);
  const pv = useQuery({
    queryKey: ["failover", clusterId, "switch-back"],
    queryFn: () => apiFetch<SwitchBackPreview>(`/api/failover/${clusterId}/switch-back`),
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
  const go = useMutation({
    mutationFn: () => apiFetch<{ id: number; scope: string }>(`/api/failover/${clusterId}/switch-back`, { method: "POST", json: { confirmClusterName: typed } }),
    onSuccess: (r) => {
      setId(r.id);
      void qc.invalidateQueries({ queryKey: ["failover", clusterId] });
    },
  });
  const plan = pv.data?.plan;
  const checks = pv.data?.director?.checks ?? pv.data?.promotion?.checks ?? [];
  return (
    <Modal titleId="switch-back-title" title="Switch back to the original site">
      {id !== null ? (
        <div className="mt-3">
          <PromotionProgress id={id} />
        </div>
      ) : pv.isPending ? (
        <p className="mt-3 text-sm">Checking what the last switchover left…</p>
      ) : pv.error ? (
        <Alert>{(pv.error as Error).message}</Alert>
      ) : (
        <div className="mt-3 space-y-2 text-sm" data-testid="switch-back-preview" data-scope={plan?.scope ?? ""}>
          {plan?.problems.length ? (
            <Alert>{plan.problems.join("; ")}</Alert>
          ) : (
            <p>
              {plan?.director?.name} takes over again from {plan?.from?.name}
              {plan?.toSite ? ` at ${plan.toSite}` : ""}
              {plan?.scope === "site" ? `, with the catalog: ${plan.member?.name} is promoted (switchover: the current primary is fenced first).` : "; the catalog stays where it is."}
            </p>
          )}
          {checks.length > 0 && <CheckList checks={checks} />}
          <label className="block">
            Type the cluster name <code>{clusterName}</code> to confirm
            <input className="mt-1 block w-full rounded border border-slate-300 px-2 py-1" value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Cluster name" />
          </label>
          {go.error && <Alert>{(go.error as Error).message}</Alert>}
        </div>
      )}
      <div className="mt-4 flex justify-end gap-2">
        {id === null && (
          <>
            <Button variant="secondary" onClick={() => void pv.refetch()} disabled={pv.isFetching}>
              Check again
            </Button>
            <Button variant="danger" disabled={typed !== clusterName || !pv.data?.allowed || go.isPending} onClick={() => go.mutate()}>
              Switch back
            </Button>
          </>
        )}
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
    </Modal>
  );
}
