"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { PresentedKey } from "@/lib/deploy/hostkey";
import { apiFetch } from "./api";
import { errorText } from "./error-text";
import { Alert, Button } from "./ui";
import { useCan } from "./user-context";

type PinnedKey = Pick<PresentedKey, "hostId" | "hostName" | "address" | "port" | "pinned" | "pinnedAt">;

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

/**
 * Confirm and pin a host's SSH key (the Deploy page and the Hosts page share it). Operators read
 * the key the host presents (POST .../host-key/scan: it connects) and pin it after comparing it with
 * the one printed on the host; replacing a pinned key is an admin's (the server refuses others).
 * Viewers see what is pinned. `onPinned` runs after a pin, with the fingerprint.
 */
export function HostKeyDialog({ hostId, onClose, onPinned }: { hostId: number; onClose: () => void; onPinned?: (fingerprint: string) => void }) {
  const canPin = useCan("operator");
  const isAdmin = useCan("admin");
  const qc = useQueryClient();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  // Asking the host for its key opens a connection: a POST, for operators. Viewers see what is pinned.
  const key = useQuery({
    queryKey: ["host-key", hostId, canPin],
    queryFn: () =>
      canPin
        ? apiFetch<PresentedKey>(`/api/deploy/hosts/${hostId}/host-key/scan`, { method: "POST" })
        : apiFetch<PinnedKey>(`/api/deploy/hosts/${hostId}/host-key`).then((p): PresentedKey => ({ ...p, presented: null, keyType: null, matches: null, error: "Reading the key the host presents needs the operator role", errorCode: null })),
    staleTime: 0,
    gcTime: 0,
    retry: false,
  });
  const pin = useMutation({
    mutationFn: (fingerprint: string) => apiFetch<{ pinned: string }>(`/api/deploy/hosts/${hostId}/host-key`, { method: "POST", json: { fingerprint } }),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ["deploy-targets"] });
      void qc.invalidateQueries({ queryKey: ["host-key", hostId] });
      void qc.invalidateQueries({ queryKey: ["list", "hosts"] });
      onPinned?.(r.pinned);
    },
  });
  const k = key.data;
  const replacing = Boolean(k?.pinned && k.matches === false);
  return (
    <dialog ref={ref} onClose={onClose} aria-labelledby="hostkey-title" className="w-[40rem] max-w-full rounded-lg p-0 shadow-xl backdrop:bg-slate-900/50">
      <div className="space-y-3 p-5">
        <h2 id="hostkey-title" className="text-lg font-semibold">Confirm the host key{k ? ` of ${k.hostName}` : ""}</h2>
        {key.isLoading && <p>Asking the host for its key…</p>}
        {key.error && <Alert>{errorText(key.error, { lead: "Cannot read the host key" })}</Alert>}
        {k && (
          <>
            <p className="text-sm">
              {k.address}:{k.port} presents this key. Compare it with the fingerprint printed <strong>on the host itself</strong> (
              <code>ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub</code>) before you pin it.
            </p>
            {k.error ? (
              <Alert>{k.error}</Alert>
            ) : (
              <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1 text-sm">
                <dt className="font-medium">Presented</dt>
                <dd>
                  <code data-testid="presented-fingerprint" className="break-all">{k.presented}</code> <span className="text-slate-500">({k.keyType})</span>
                </dd>
                <dt className="font-medium">Pinned</dt>
                <dd>
                  {k.pinned ? <code data-testid="pinned-fingerprint" className="break-all">{k.pinned}</code> : "nothing yet"}
                  {k.pinnedAt && <span className="text-slate-500"> since {when(k.pinnedAt)}</span>}
                </dd>
              </dl>
            )}
            {k.matches === false && (
              <Alert>
                The host presents a DIFFERENT key than the pinned one. Deploys and fencing over SSH are refused. Re-pin only if you know why the key
                changed (reinstall, key rotation) and you have checked the new fingerprint on the host.{!isAdmin && " Replacing a pinned key needs an admin."}
              </Alert>
            )}
            {k.matches === true && <Alert kind="success">The presented key is the pinned one.</Alert>}
            {pin.error && <Alert>{errorText(pin.error, { lead: "Not pinned" })}</Alert>}
            {pin.isSuccess && <Alert kind="success">Pinned {pin.data.pinned}.</Alert>}
          </>
        )}
        <div className="flex justify-end gap-2">
          <Button type="button" variant="secondary" onClick={() => ref.current?.close()}>Close</Button>
          {k?.presented && k.matches !== true && !pin.isSuccess && (
            <Button
              type="button"
              disabled={!canPin || pin.isPending || (replacing && !isAdmin)}
              title={!canPin ? "Pinning a host key needs the operator role" : replacing && !isAdmin ? "Replacing a pinned key needs an admin" : undefined}
              onClick={() => pin.mutate(k.presented!)}
            >
              {replacing ? "I compared it: replace the pinned key with" : "I compared it: pin"} {k.presented.slice(0, 17)}…
            </Button>
          )}
        </div>
      </div>
    </dialog>
  );
}
