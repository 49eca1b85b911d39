"use client";

import { useEffect, useId, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ApiError, apiFetch } from "@/components/api";
import { errorText } from "@/components/error-text";
import { Alert, Button, Card, inputClass } from "@/components/ui";
import type { FencePolicy } from "@/lib/failover/types";

/** The cluster's fencing policy: the split-brain guard's automatic fence, and the bound of one fence. */
export function FencePolicyCard({ clusterId, policy }: { clusterId: number; policy: FencePolicy }) {
  const qc = useQueryClient();
  const uid = useId();
  const [autoFence, setAutoFence] = useState(policy.autoFence);
  const [seconds, setSeconds] = useState(String(policy.fenceTimeoutMs / 1000));
  useEffect(() => {
    setAutoFence(policy.autoFence);
    setSeconds(String(policy.fenceTimeoutMs / 1000));
  }, [policy.autoFence, policy.fenceTimeoutMs]);
  const save = useMutation({
    mutationFn: () => apiFetch<FencePolicy>(`/api/failover/${clusterId}/policy`, { method: "PUT", json: { autoFence, fenceTimeoutMs: Math.round(Number(seconds) * 1000) } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["failover", clusterId] }),
  });
  const err = save.error instanceof ApiError ? save.error : null;
  const timeoutErr = err?.fields.find((f) => f.field === "fenceTimeoutMs") ? "between 3 and 120 seconds" : null;
  return (
    <Card title="Fencing policy">
      <form
        className="space-y-2 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <label className="flex items-start gap-2">
          <input type="checkbox" className="mt-1" checked={autoFence} onChange={(e) => setAutoFence(e.target.checked)} aria-describedby={`${uid}-auto-help`} />
          <span>
            Split-brain guard fences at once
            <span id={`${uid}-auto-help`} className="block text-slate-600">
              When the poller finds a member writable that the model says is fenced or a standby, while the primary answers, it is fenced over SSH right away (audited). Never the current primary.
            </span>
          </span>
        </label>
        <div>
          <label htmlFor={`${uid}-timeout`} className="block">
            Fence bound (seconds): SSH, pg_ctl stop -m fast, -m immediate, SIGKILL together
          </label>
          <input
            id={`${uid}-timeout`}
            type="number"
            min={3}
            max={120}
            step={1}
            className={`mt-1 max-w-[10rem] ${inputClass}`}
            value={seconds}
            onChange={(e) => setSeconds(e.target.value)}
            aria-invalid={Boolean(timeoutErr)}
            aria-describedby={timeoutErr ? `${uid}-timeout-err` : undefined}
          />
          {timeoutErr && <p id={`${uid}-timeout-err`} className="mt-1 text-red-700">Fence bound: {timeoutErr}</p>}
        </div>
        {save.error && !timeoutErr && <Alert>{errorText(save.error, { lead: "Not saved" })}</Alert>}
        {save.isSuccess && <Alert kind="success">Saved.</Alert>}
        <Button type="submit" variant="secondary" disabled={save.isPending}>
          Save policy
        </Button>
      </form>
    </Card>
  );
}
