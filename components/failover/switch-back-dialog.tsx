"use client";

import { Alert } from "@/components/ui";
import type { SwitchBackPreview } from "@/lib/failover/switch-back";
import { CheckList } from "./checks";
import { GuardedDialog } from "./guarded-dialog";

/** "Switch back": undo the last switchover (the Director alone, or with the catalog), same guards as any switch. */
export function SwitchBackDialog({ clusterId, clusterName, onClose }: { clusterId: number; clusterName: string; onClose: () => void }) {
  const url = `/api/failover/${clusterId}/switch-back`;
  return (
    <GuardedDialog<SwitchBackPreview>
      clusterId={clusterId}
      title="Switch back to the original site"
      titleId="switch-back-title"
      preflightUrl={url}
      actionUrl={url}
      queryKey={["switch-back"]}
      confirm={{ value: clusterName, label: "Cluster name", field: "confirmClusterName", prompt: <>Type the cluster name <code>{clusterName}</code> to confirm</> }}
      checking="Checking what the last switchover left…"
      actionLabel="Switch back"
      notDone="Not switched back"
      testId="switch-back-preview"
      onClose={onClose}
    >
      {(pv) => {
        const plan = pv.plan;
        const checks = pv.director?.checks ?? pv.promotion?.checks ?? [];
        return (
          <div data-scope={plan?.scope ?? ""} data-testid="switch-back-scope" className="space-y-2">
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
          </div>
        );
      }}
    </GuardedDialog>
  );
}
