"use client";

import { useId, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, apiFetch } from "@/components/api";
import { errorText, fieldProblem } from "@/components/error-text";
import { labelled } from "@/lib/http/field-label";
import { Alert, Button, Modal, inputClass } from "@/components/ui";
import type { PreflightCheck, PreflightResult } from "@/lib/failover/types";
import { CheckList } from "./checks";
import { PromotionProgress } from "./progress";

function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "unknown";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

interface DirectorPreflightView {
  checks: PreflightCheck[];
  allowed: boolean;
}

/** Promote dialog: the preflight (GET, reads only), the confirmations it asks for, then the streamed operation. */
export function PromoteDialog({ clusterId, clusterName, memberId, memberName, onClose }: { clusterId: number; clusterName: string; memberId: number; memberName: string; onClose: () => void }) {
  const qc = useQueryClient();
  const uid = useId();
  const [typedName, setTypedName] = useState("");
  const [force, setForce] = useState(false);
  const [reason, setReason] = useState("");
  const [unfenced, setUnfenced] = useState(false);
  const [unfencedReason, setUnfencedReason] = useState("");
  const [promotionId, setPromotionId] = useState<number | null>(null);
  const [scope, setScope] = useState<"catalog" | "site">("catalog");
  const dpf = useQuery({
    queryKey: ["failover", clusterId, "director-preflight"],
    queryFn: () => apiFetch<DirectorPreflightView>(`/api/failover/${clusterId}/director-switch`),
    enabled: scope === "site",
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
  const pf = useQuery({
    queryKey: ["failover", clusterId, "preflight", memberId],
    queryFn: () => apiFetch<PreflightResult>(`/api/failover/${clusterId}/preflight?target=${memberId}`),
    staleTime: 0,
    refetchOnWindowFocus: false,
  });
  const promote = useMutation({
    mutationFn: (dryRun: boolean) =>
      apiFetch<{ id?: number; dryRun?: boolean }>(`/api/failover/${clusterId}/promote`, {
        method: "POST",
        json: {
          targetMemberId: memberId,
          mode: pf.data?.mode,
          confirmClusterName: pf.data?.requiresClusterName ? typedName : undefined,
          force,
          forceReason: force ? reason : undefined,
          promoteWithoutFencing: unfenced,
          unfencedReason: unfenced ? unfencedReason : undefined,
          dryRun,
          scope,
        },
      }),
    onSuccess: (r) => {
      if (r.id) setPromotionId(r.id);
      void qc.invalidateQueries({ queryKey: ["failover", clusterId] });
    },
  });
  const err = promote.error instanceof ApiError ? promote.error : null;
  const runningId = typeof err?.body.runningOperationId === "number" ? err.body.runningOperationId : null;
  const FIELD_LABELS = { confirmClusterName: "Cluster name", forceReason: "Reason", unfencedReason: "Why promote without fencing" } as const;
  // A field's problem, named by the input's label, shown under it (the summary leaves it out).
  const fieldError = (field: keyof typeof FIELD_LABELS) => {
    const m = fieldProblem(promote.error, field);
    return m ? labelled(FIELD_LABELS[field], m) : null;
  };
  const d = pf.data;
  const directorOk = scope === "catalog" || !!dpf.data?.allowed;
  const forceOk = !d?.forceable || (force && reason.trim().length >= 10);
  const unfencedOk = !d?.requiresUnfencedConfirmation || (unfenced && unfencedReason.trim().length >= 10);
  const canSubmit =
    !!d && d.mode !== null && directorOk && (d.allowed || ((d.forceable || d.requiresUnfencedConfirmation) && forceOk && unfencedOk)) && (!d.requiresClusterName || typedName === clusterName) && !promote.isPending;
  const ids = { name: `${uid}-name`, nameErr: `${uid}-name-err`, reason: `${uid}-reason`, reasonErr: `${uid}-reason-err`, unf: `${uid}-unf`, unfErr: `${uid}-unf-err`, unfHelp: `${uid}-unf-help` };

  return (
    <Modal titleId="promote-title" title={<>Promote {memberName}</>}>
      {promotionId !== null ? (
        <div className="mt-3">
          <PromotionProgress id={promotionId} />
        </div>
      ) : runningId !== null ? (
        <div className="mt-3 space-y-2">
          <Alert>{errorText(err)}</Alert>
          <PromotionProgress id={runningId} />
        </div>
      ) : pf.isPending ? (
        <p className="mt-3 text-sm">Checking {memberName}, the primary, the credentials and the SSH access to fence it…</p>
      ) : pf.error ? (
        <Alert>{errorText(pf.error, { lead: "Preflight failed" })}</Alert>
      ) : d ? (
        <div className="mt-3 space-y-3 text-sm" data-testid="preflight">
          <p>
            Mode: <strong data-testid="preflight-mode">{d.mode ?? "undecidable"}</strong>
            {d.mode === "switchover" && " — the old primary is fenced (standby.signal, then stopped) first, then the standby replays its last WAL: no committed transaction is lost."}
            {d.mode === "failover" && " — the old primary does not answer: it is fenced over SSH where its host answers, then the standby is promoted without draining it."}
          </p>
          <p>
            Replay lag: <strong>{bytes(d.lag.bytes)}</strong> ({d.lag.source === "live" ? "now" : d.lag.source === "last_sample" ? `last sample ${d.lag.sampledAt}` : "unknown"}), limit {bytes(d.lag.thresholdBytes)}
          </p>
          <p data-testid="preflight-fence">
            Fence: {d.fence.possible ? <>over SSH as <code>{d.fence.user}</code> on {d.fence.host}</> : <strong className="text-red-700">cannot fence ({d.fence.reason})</strong>}
          </p>
          <CheckList checks={d.checks} docs={d.docs} />
          <fieldset className="rounded border border-slate-200 p-2" data-testid="promotion-scope">
            <legend className="px-1 font-medium">What to promote</legend>
            <label className="mr-4 inline-flex items-center gap-1">
              <input type="radio" name="scope" value="catalog" checked={scope === "catalog"} onChange={() => setScope("catalog")} /> Catalog only
            </label>
            <label className="inline-flex items-center gap-1">
              <input type="radio" name="scope" value="site" checked={scope === "site"} onChange={() => setScope("site")} /> Standby site (catalog + Director)
            </label>
            {scope === "site" && (
              <div className="mt-2" data-testid="director-preflight">
                {dpf.isPending ? <p>Checking the standby Director (SSH, configuration test)…</p> : dpf.error ? <Alert>{errorText(dpf.error, { lead: "Director preflight failed" })}</Alert> : <CheckList checks={dpf.data?.checks ?? []} />}
              </div>
            )}
          </fieldset>
          {d.dataLossWarning && (
            <Alert>
              <strong>Possible data loss.</strong> {d.dataLossWarning}
            </Alert>
          )}
          <details>
            <summary className="cursor-pointer">Plan ({d.plan.length} steps)</summary>
            <ol className="ml-5 list-decimal">
              {d.plan.map((s) => (
                <li key={s.name}>
                  <code>{s.name}</code>: {s.description}
                </li>
              ))}
            </ol>
          </details>
          {d.requiresClusterName && (
            <div>
              <label htmlFor={ids.name} className="block">
                Type the cluster name <code>{clusterName}</code> to confirm the failover
              </label>
              <input id={ids.name} className={`mt-1 ${inputClass}`} value={typedName} onChange={(e) => setTypedName(e.target.value)} aria-invalid={Boolean(fieldError("confirmClusterName"))} aria-describedby={fieldError("confirmClusterName") ? ids.nameErr : undefined} />
              {fieldError("confirmClusterName") && <p id={ids.nameErr} className="mt-1 text-red-700">{fieldError("confirmClusterName")}</p>}
            </div>
          )}
          {d.forceable && (
            <div className="rounded border border-amber-300 bg-amber-50 p-2">
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} /> Force past the lag refusal above
              </label>
              {force && (
                <div className="mt-2">
                  <label htmlFor={ids.reason} className="block">Reason (kept in the audit log, at least 10 characters)</label>
                  <input id={ids.reason} className={`mt-1 ${inputClass}`} value={reason} onChange={(e) => setReason(e.target.value)} aria-invalid={Boolean(fieldError("forceReason"))} aria-describedby={fieldError("forceReason") ? ids.reasonErr : undefined} />
                  {fieldError("forceReason") && <p id={ids.reasonErr} className="mt-1 text-red-700">{fieldError("forceReason")}</p>}
                </div>
              )}
            </div>
          )}
          {d.requiresUnfencedConfirmation && (
            <div className="rounded border border-red-300 bg-red-50 p-2" data-testid="unfenced-confirmation">
              <label className="flex items-center gap-2 font-medium text-red-800">
                <input type="checkbox" checked={unfenced} onChange={(e) => setUnfenced(e.target.checked)} aria-describedby={ids.unfHelp} /> Promote without fencing
              </label>
              <p id={ids.unfHelp} className="mt-1 text-red-800">
                {d.oldPrimary?.name ?? "The old primary"} stays NOT FENCED: if it comes back it will be writable (split brain) until it is fenced (Fence now) or re-attached.
              </p>
              {unfenced && (
                <div className="mt-2">
                  <label htmlFor={ids.unf} className="block">Why promote without fencing (kept in the audit log, at least 10 characters)</label>
                  <input id={ids.unf} className={`mt-1 ${inputClass}`} value={unfencedReason} onChange={(e) => setUnfencedReason(e.target.value)} aria-invalid={Boolean(fieldError("unfencedReason"))} aria-describedby={fieldError("unfencedReason") ? ids.unfErr : undefined} />
                  {fieldError("unfencedReason") && <p id={ids.unfErr} className="mt-1 text-red-700">{fieldError("unfencedReason")}</p>}
                </div>
              )}
            </div>
          )}
          {promote.error && !fieldError("confirmClusterName") && !fieldError("forceReason") && !fieldError("unfencedReason") && <Alert>{errorText(promote.error, { lead: "Not started" })}</Alert>}
          {promote.data?.dryRun && <Alert kind="info">Dry run: the checks are as shown; nothing was changed.</Alert>}
        </div>
      ) : null}
      <div className="mt-4 flex justify-end gap-2">
        {promotionId === null && runningId === null && (
          <>
            <Button variant="secondary" onClick={() => void pf.refetch()} disabled={pf.isFetching}>
              Check again
            </Button>
            <Button variant="secondary" onClick={() => promote.mutate(true)} disabled={!d || d.mode === null || promote.isPending}>
              Dry run
            </Button>
            <Button variant="danger" onClick={() => promote.mutate(false)} disabled={!canSubmit}>
              {d?.mode === "failover" ? "Fail over" : "Promote"}
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
