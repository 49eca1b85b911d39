"use client";

import { useState, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "@/components/api";
import { errorText, fieldProblem } from "@/components/error-text";
import { Alert, Button, Modal } from "@/components/ui";
import { labelled } from "@/lib/http/field-label";
import { PromotionProgress } from "./progress";

export interface GuardedDialogProps<P extends { allowed: boolean }> {
  clusterId: number;
  title: ReactNode;
  titleId: string;
  /** The preflight (GET, reads only) and the action (POST): most operations use one URL for both. */
  preflightUrl: string;
  actionUrl: string;
  queryKey: readonly unknown[];
  /** What the operator types to confirm, and the body field that carries it. */
  confirm: { value: string; label: string; field: "confirmClusterName" | "confirmMemberName"; prompt: ReactNode };
  /** More of the POST body (memberId…). */
  body?: Record<string, unknown>;
  checking: string;
  actionLabel: string;
  /** The lead of an error ("Not switched"). */
  notDone: string;
  testId?: string;
  /** The preflight's verdict, shown above the confirmation. */
  children: (preflight: P) => ReactNode;
  onClose: () => void;
}

/**
 * One guarded failover operation: a preflight that reads only, the operator types the name it
 * acts on, the POST starts the operation, and its steps stream in. The switch, switch-back and
 * re-attach dialogs are this with their own words.
 */
export function GuardedDialog<P extends { allowed: boolean }>(p: GuardedDialogProps<P>) {
  const qc = useQueryClient();
  const [typed, setTyped] = useState("");
  const [id, setId] = useState<number | null>(null);
  const pf = useQuery({ queryKey: ["failover", p.clusterId, ...p.queryKey], queryFn: () => apiFetch<P>(p.preflightUrl), staleTime: 0, refetchOnWindowFocus: false });
  const go = useMutation({
    mutationFn: () => apiFetch<{ id: number }>(p.actionUrl, { method: "POST", json: { ...p.body, [p.confirm.field]: typed } }),
    onSuccess: (r) => {
      setId(r.id);
      void qc.invalidateQueries({ queryKey: ["failover", p.clusterId] });
    },
  });
  const nameProblem = fieldProblem(go.error, p.confirm.field);
  const errorId = `${p.titleId}-name-error`;
  return (
    <Modal titleId={p.titleId} title={p.title}>
      {id !== null ? (
        <div className="mt-3">
          <PromotionProgress id={id} />
        </div>
      ) : pf.isPending ? (
        <p className="mt-3 text-sm">{p.checking}</p>
      ) : pf.error ? (
        <Alert>{errorText(pf.error, { lead: "Preflight failed" })}</Alert>
      ) : (
        <div className="mt-3 space-y-2 text-sm" data-testid={p.testId}>
          {p.children(pf.data)}
          <label className="block">
            {p.confirm.prompt}
            <input className="mt-1 block w-full rounded border border-slate-300 px-2 py-1" value={typed} onChange={(e) => setTyped(e.target.value)} aria-label={p.confirm.label}
              aria-invalid={Boolean(nameProblem)} aria-describedby={nameProblem ? errorId : undefined} />
          </label>
          {nameProblem && <p id={errorId} className="text-red-700">{labelled(p.confirm.label, nameProblem)}</p>}
          {go.error && <Alert>{errorText(go.error, { placed: [p.confirm.field], lead: p.notDone })}</Alert>}
        </div>
      )}
      <div className="mt-4 flex justify-end gap-2">
        {id === null && (
          <>
            <Button variant="secondary" onClick={() => void pf.refetch()} disabled={pf.isFetching}>
              Check again
            </Button>
            <Button variant="danger" disabled={typed !== p.confirm.value || !pf.data?.allowed || go.isPending} onClick={() => go.mutate()}>
              {p.actionLabel}
            </Button>
          </>
        )}
        <Button variant="ghost" onClick={p.onClose}>
          Close
        </Button>
      </div>
    </Modal>
  );
}
