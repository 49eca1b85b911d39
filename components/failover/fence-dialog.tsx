"use client";

import { useId, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "@/components/api";
import { errorText, fieldProblem } from "@/components/error-text";
import { labelled } from "@/lib/http/field-label";
import { Alert, Button, Modal, inputClass } from "@/components/ui";
import { PromotionProgress } from "./progress";

/** "Fence now": stop a member over SSH and mark it to come back only as a standby (never the primary). */
export function FenceDialog({ clusterId, memberId, memberName, note, onClose }: { clusterId: number; memberId: number; memberName: string; note: string | null; onClose: () => void }) {
  const qc = useQueryClient();
  const uid = useId();
  const [typed, setTyped] = useState("");
  const [id, setId] = useState<number | null>(null);
  const go = useMutation({
    mutationFn: () => apiFetch<{ id: number }>(`/api/failover/${clusterId}/fence`, { method: "POST", json: { memberId, confirmMemberName: typed } }),
    onSuccess: (r) => {
      setId(r.id);
      void qc.invalidateQueries({ queryKey: ["failover", clusterId] });
    },
  });
  const nameProblem = fieldProblem(go.error, "confirmMemberName");
  const nameErr = nameProblem ? labelled("Member name", nameProblem) : null;
  return (
    <Modal titleId="fence-title" title={<>Fence {memberName}</>}>
      {id !== null ? (
        <div className="mt-3">
          <PromotionProgress id={id} />
        </div>
      ) : (
        <div className="mt-3 space-y-2 text-sm">
          {note && <p className="text-slate-700">Now: {note}</p>}
          <p>
            Over SSH, as postgres: standby.signal and a primary_conninfo towards the primary are written in {memberName}&apos;s data directory, then it is stopped (pg_ctl stop -m fast, -m immediate, SIGKILL, within the cluster&apos;s fence bound). Any restart then comes up in recovery.
          </p>
          <label htmlFor={`${uid}-name`} className="block">
            Type <code>{memberName}</code> to confirm
          </label>
          <input id={`${uid}-name`} className={inputClass} value={typed} onChange={(e) => setTyped(e.target.value)} aria-invalid={Boolean(nameErr)} aria-describedby={nameErr ? `${uid}-err` : undefined} />
          {nameErr && <p id={`${uid}-err`} className="text-red-700">{nameErr}</p>}
          {go.error && !nameErr && <Alert>{errorText(go.error, { lead: "Not fenced" })}</Alert>}
        </div>
      )}
      <div className="mt-4 flex justify-end gap-2">
        {id === null && (
          <Button variant="danger" disabled={typed !== memberName || go.isPending} onClick={() => go.mutate()}>
            Fence now
          </Button>
        )}
        <Button variant="ghost" onClick={onClose}>
          Close
        </Button>
      </div>
    </Modal>
  );
}
